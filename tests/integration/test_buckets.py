"""The buckets layer through the generic site and teardown playbooks: the registry's first new layer.

A platform of a network and two buckets converges on an emulator of its own, converges again with nothing
to change, runs alone with `--tags buckets` reading the network's outputs back from the outputs file, and
tears down leaving nothing tagged.
"""

import json
import os

import boto3
import pytest

from test_site import changed_tasks, playbook, recap
# local_emulator is a fixture, used by name.
from test_site import local_emulator  # noqa: F401  pylint: disable=unused-import

PLATFORM = {
    "name": "playcode", "environment": "local", "region": "ap-northeast-2", "tags": {"Project": "playcode"},
    "network": {"cidr": "10.0.0.0/16", "availability_zones": 1, "nat_gateways": "none", "s3_endpoint": False},
    "buckets": {
        "uploads": {"cors": [{"allowed_origins": ["https://playcode.gg"], "allowed_methods": ["PUT", "GET"], "expose_headers": ["ETag"]}]},
        "backups": {"versioning": True, "lifecycle": [
            {"id": "expire", "expiration_days": 90, "noncurrent_expiration_days": 7},
            {"id": "archive", "prefix": "mongodump/", "transition_days": 30, "storage_class": "GLACIER"}]},
    },
}


def s3(endpoint):
    return boto3.client("s3", endpoint_url=endpoint, region_name="ap-northeast-2", aws_access_key_id="emulator", aws_secret_access_key="emulator")


def test_buckets_converge_twice_run_alone_and_tear_down(local_emulator):  # noqa: F811
    settings, state_dir, endpoint = local_emulator
    extra = dict(settings, platform=PLATFORM)
    first = playbook("site.yml", extra)
    assert first.returncode == 0, first.stdout[-3000:]
    client = s3(endpoint)
    uploads, backups = "playcode-local-uploads", "playcode-local-backups"
    assert client.get_bucket_cors(Bucket=uploads)["CORSRules"] == [
        {"AllowedMethods": ["PUT", "GET"], "AllowedOrigins": ["https://playcode.gg"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 3000}]
    assert client.get_bucket_versioning(Bucket=backups)["Status"] == "Enabled"
    rules = {rule["ID"]: rule for rule in client.get_bucket_lifecycle_configuration(Bucket=backups)["Rules"]}
    assert rules["expire"]["Expiration"] == {"Days": 90} and rules["expire"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 7
    assert rules["archive"]["Transitions"] == [{"Days": 30, "StorageClass": "GLACIER"}]
    for bucket in (uploads, backups):
        block = client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert all(block.values()), block
        policy = json.loads(client.get_bucket_policy(Bucket=bucket)["Policy"])
        assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        tags = {tag["Key"]: tag["Value"] for tag in client.get_bucket_tagging(Bucket=bucket)["TagSet"]}
        assert tags["gameops:platform"] == "playcode-local" and tags["gameops:bucket"] in ("uploads", "backups")
        encryption = client.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
        assert encryption["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    with open(os.path.join(state_dir, "outputs", "playcode-local.json"), encoding="utf-8") as handle:
        outputs = json.load(handle)
    assert outputs["layers"]["buckets"]["buckets"] == {"uploads": uploads, "backups": backups}
    assert sorted(outputs["layers"]) == ["buckets", "network"]

    second = playbook("site.yml", extra)
    assert second.returncode == 0 and recap(second.stdout)["changed"] == 0, changed_tasks(second.stdout)

    alone = playbook("site.yml", extra, "--tags", "buckets")
    assert alone.returncode == 0 and recap(alone.stdout)["changed"] == 0, changed_tasks(alone.stdout)
    # Only the role's argument validation runs for another layer (ansible tags it always).
    assert "gameops.platform.network : Ensure" not in alone.stdout and "gameops.platform.buckets : Ensure" in alone.stdout

    teardown = playbook("teardown.yml", extra)
    assert teardown.returncode == 0, teardown.stdout[-3000:]
    # The teardown's last check found nothing tagged with the platform's id (it fails the run otherwise).
    assert "TASK [Fail when anything tagged is left] *" in teardown.stdout
    assert "gameops.platform.buckets : Ensure each bucket and everything in it are gone" in teardown.stdout
    assert not os.path.exists(os.path.join(state_dir, "outputs", "playcode-local.json"))


@pytest.mark.parametrize("section", [{"uploads": {"colour": "blue"}}])
def test_a_bad_bucket_is_refused_before_any_aws_call(local_emulator, section):  # noqa: F811
    settings, state_dir = local_emulator[:2]
    result = playbook("site.yml", dict(settings, platform=dict(PLATFORM, buckets=section)))
    assert result.returncode != 0
    assert "platform.buckets.uploads.colour: unknown key; allowed here: bucket_name, cors, kms_key_arn, lifecycle, versioning" in result.stdout
    assert not os.path.exists(os.path.join(state_dir, "requests.jsonl")) or os.path.getsize(os.path.join(state_dir, "requests.jsonl")) == 0
