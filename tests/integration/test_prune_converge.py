"""Prune through the site playbook: what the spec no longer names goes on converge, found by tags.

A platform of a network, EKS (two node groups, two access entries), a registry and buckets converges on an
emulator of its own. Then a node group, an access entry, a repository (with an image) and a bucket leave the
spec: check mode shows them changed with no mutating call; a converge refuses to drop the repository's image
until platform.confirm_removal names it; the confirmed converge removes exactly them, and leaves what carries
the platform's name prefix but not its tag. A layer leaving the spec whole (buckets, one with objects) is
refused, then removed once confirmed. The teardown, given a spec without the registry, finds it by tag.
"""

import copy
import os

import boto3

from test_site import changed_tasks, mutating_calls, playbook
# local_emulator is a fixture, used by name.
from test_site import local_emulator  # noqa: F401  pylint: disable=unused-import

ADMIN = "arn:aws:iam::123456789012:role/platform-admin"
CI = "arn:aws:iam::123456789012:role/ci-deployer"
PLATFORM = {
    "name": "prunes", "environment": "local", "region": "ap-northeast-2",
    "network": {"cidr": "10.0.0.0/16", "availability_zones": 2, "nat_gateways": "none", "s3_endpoint": False},
    "eks": {"version": "1.35", "logging": [], "secrets_encryption": False,
            "node_groups": [{"name": "general", "instance_types": ["t3.large"], "min_size": 1, "max_size": 2},
                            {"name": "batch", "instance_types": ["t3.large"], "min_size": 1, "max_size": 2}],
            "access_entries": [{"principal_arn": ADMIN, "policies": [{"policy": "AmazonEKSClusterAdminPolicy"}]},
                               {"principal_arn": CI, "policies": [{"policy": "AmazonEKSViewPolicy"}]}]},
    "registry": {"prefix": "prunes", "repositories": [{"name": "api"}, {"name": "tools"}]},
    "buckets": {"uploads": {}, "scratch": {}},
}


def client(service, endpoint):
    return boto3.client(service, endpoint_url=endpoint, region_name="ap-northeast-2", aws_access_key_id="emulator", aws_secret_access_key="emulator")


def smaller():
    spec = copy.deepcopy(PLATFORM)
    spec["eks"]["node_groups"] = spec["eks"]["node_groups"][:1]
    spec["eks"]["access_entries"] = spec["eks"]["access_entries"][:1]
    spec["registry"]["repositories"] = [{"name": "api"}]
    del spec["buckets"]["scratch"]
    return spec


def what_exists(endpoint):
    eks, ecr, s3 = client("eks", endpoint), client("ecr", endpoint), client("s3", endpoint)
    return dict(nodegroups=sorted(eks.list_nodegroups(clusterName="prunes-local")["nodegroups"]),
                access_entries=sorted(eks.list_access_entries(clusterName="prunes-local")["accessEntries"]),
                repositories=sorted(repo["repositoryName"] for repo in ecr.describe_repositories()["repositories"]),
                buckets=sorted(bucket["Name"] for bucket in s3.list_buckets()["Buckets"]))


def test_converge_prunes_what_left_the_spec_and_refuses_data_unless_confirmed(local_emulator):  # noqa: F811
    settings, state_dir, endpoint = local_emulator
    log = os.path.join(state_dir, "requests.jsonl")
    first = playbook("site.yml", dict(settings, platform=PLATFORM))
    assert first.returncode == 0, first.stdout[-3000:]
    # Named like the platform's, not tagged by it: never the platform's to remove.
    ecr, s3 = client("ecr", endpoint), client("s3", endpoint)
    ecr.create_repository(repositoryName="prunes/handmade")
    s3.create_bucket(Bucket="prunes-local-handmade", CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    manifest = '{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "config": {}, "layers": []}'
    ecr.put_image(repositoryName="prunes/tools", imageManifest=manifest, imageTag="v1")
    before = what_exists(endpoint)
    assert before["nodegroups"] == ["batch", "general"] and CI in before["access_entries"]
    assert {"prunes/tools", "prunes/handmade"} <= set(before["repositories"])
    assert {"prunes-local-scratch", "prunes-local-handmade"} <= set(before["buckets"])

    mark = len(mutating_calls(log, 0))
    preview = playbook("site.yml", dict(settings, platform=smaller()), "--check", "--diff")
    assert preview.returncode == 0, preview.stdout[-3000:]
    assert mutating_calls(log, 0)[mark:] == []
    assert what_exists(endpoint) == before
    pruned = [task for task in changed_tasks(preview.stdout) if "no longer names are gone" in task]
    assert len(pruned) == 3, changed_tasks(preview.stdout)
    assert "prunes/tools" in preview.stdout and "prunes-local-scratch" in preview.stdout

    refused = playbook("site.yml", dict(settings, platform=smaller()))
    assert refused.returncode != 0
    assert "hold data and the spec no longer names them: prunes/tools" in refused.stdout, refused.stdout[-3000:]
    assert "platform.confirm_removal" in refused.stdout
    assert "prunes/tools" in what_exists(endpoint)["repositories"]

    confirmed = playbook("site.yml", dict(settings, platform=dict(smaller(), confirm_removal=["registry.tools"])))
    assert confirmed.returncode == 0, confirmed.stdout[-3000:]
    after = what_exists(endpoint)
    assert after["nodegroups"] == ["general"]
    assert after["access_entries"] == sorted(set(before["access_entries"]) - {CI})
    assert after["repositories"] == sorted(set(before["repositories"]) - {"prunes/tools"})
    assert after["buckets"] == sorted(set(before["buckets"]) - {"prunes-local-scratch"})

    # A whole layer leaves the spec: its bucket with objects is refused until the layer is confirmed.
    # The emulator enforces the TLS-only policy on this plain-HTTP endpoint: lifted for the test's one upload.
    s3.delete_bucket_policy(Bucket="prunes-local-uploads")
    s3.put_object(Bucket="prunes-local-uploads", Key="avatar.png", Body=b"png")
    no_buckets = {key: value for key, value in smaller().items() if key != "buckets"}
    kept = playbook("site.yml", dict(settings, platform=no_buckets))
    assert kept.returncode != 0 and "prunes-local-uploads" in kept.stdout, kept.stdout[-3000:]
    assert "prunes-local-uploads" in what_exists(endpoint)["buckets"]
    dropped = playbook("site.yml", dict(settings, platform=dict(no_buckets, confirm_removal=["buckets"])))
    assert dropped.returncode == 0, dropped.stdout[-3000:]
    assert "prunes-local-uploads" not in what_exists(endpoint)["buckets"]

    # The teardown finds by tag: the registry's repositories go though the spec it is given has no registry.
    teardown = playbook("teardown.yml", dict(settings, platform={key: value for key, value in no_buckets.items() if key != "registry"}))
    assert teardown.returncode == 0, teardown.stdout[-3000:]
    # The teardown's last check found nothing tagged with the platform's id (it fails the run otherwise), and the
    # emulator is stopped after it: prunes/api went by tag, through the registry's dropped step.
    assert "TASK [Fail when anything tagged is left] *" in teardown.stdout
    assert "Ensure the platform's repositories are gone, the spec having no registry" in teardown.stdout
    assert "changed: [localhost]" in teardown.stdout.split("the spec having no registry")[1].split("TASK [")[0]
