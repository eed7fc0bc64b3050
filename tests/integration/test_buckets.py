"""The buckets layer through the generic site and teardown playbooks: the registry's first new layer.

A platform of a network and two buckets converges on an emulator of its own, converges again with nothing
to change, runs alone with `--tags buckets` reading the network's outputs back from the outputs file, and
tears down leaving nothing tagged.
"""

import copy
import json
import os

import boto3
import pytest

from test_site import changed_tasks, mutating_calls, playbook, read_plan, recap
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


def plan_lines(output, layer):
    """The plan's lines of one layer (plugins/callback/plan.py), without its heading."""
    text = output.split("PLAN " + "*" * 70)[-1]
    return [line.strip() for line in text.splitlines() if line.startswith("  ") and " %s  " % layer in line]


def test_buckets_converge_twice_run_alone_and_tear_down(local_emulator):  # noqa: F811
    settings, state_dir, endpoint = local_emulator
    log = os.path.join(state_dir, "requests.jsonl")
    extra = dict(settings, platform=PLATFORM)
    # On a fresh account: each bucket, its CORS and each lifecycle rule a creation; nothing left unchecked.
    plan_json = os.path.join(state_dir, "plan.json")
    fresh = playbook("site.yml", extra, "--check", "--diff", plan_json=plan_json)
    assert fresh.returncode == 0, fresh.stdout[-3000:]
    planned = read_plan(plan_json)
    assert sorted((r["action"], r["type"], r["name"]) for r in planned["resources"] if r["layer"] == "buckets") == [
        ("+", "s3 bucket", "playcode-local-backups"), ("+", "s3 bucket", "playcode-local-uploads"), ("+", "s3 cors", "playcode-local-uploads"),
        ("+", "s3 lifecycle", "playcode-local-backups: archive"), ("+", "s3 lifecycle", "playcode-local-backups: expire")]
    assert [r for r in planned["unchecked"] if r["layer"] == "buckets"] == []
    assert mutating_calls(log, 0) == []

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

    # Built as the spec says: the check plans nothing. Then one lifecycle rule, the CORS and the versioning change.
    same = playbook("site.yml", extra, "--check", "--diff")
    assert same.returncode == 0 and plan_lines(same.stdout, "buckets") == [], same.stdout[-3000:]
    changed = copy.deepcopy(PLATFORM)
    changed["buckets"]["backups"]["lifecycle"][0]["expiration_days"] = 30
    changed["buckets"]["uploads"]["cors"][0]["max_age_seconds"] = 600
    changed["buckets"]["uploads"]["versioning"] = True
    mark = len(mutating_calls(log, 0))
    check = playbook("site.yml", dict(settings, platform=changed), "--check", "--diff")
    assert check.returncode == 0, check.stdout[-3000:]
    assert mutating_calls(log, 0)[mark:] == []
    assert plan_lines(check.stdout, "buckets") == [
        "~   buckets  s3 bucket playcode-local-uploads  (versioning: False -> True)",
        "~   buckets  s3 cors playcode-local-uploads  (rules.0.max_age_seconds: 3000 -> 600)",
        "~   buckets  s3 lifecycle playcode-local-backups: expire  (expiration.days: 90 -> 30)"], check.stdout[-3000:]
    assert "Plan: 0 to add, 3 to change, 0 to destroy." in check.stdout

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
