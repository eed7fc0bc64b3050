import json
import uuid

import boto3
import pytest

from ansible_collections.gameops.platform.plugins.modules import ecr_repository
from conftest import run_module


def keep_last(count, description="Keep the newest images"):
    return {"rules": [{"rulePriority": 1, "description": description,
                       "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": count},
                       "action": {"type": "expire"}}]}


@pytest.fixture
def name(aws_env):
    return "queue-infra/api-%s" % uuid.uuid4().hex[:8]


def ecr():
    return boto3.client("ecr")


def described(name):
    return ecr().describe_repositories(repositoryNames=[name])["repositories"][0]


def tags_of(name):
    listed = ecr().list_tags_for_resource(resourceArn=described(name)["repositoryArn"])["tags"]
    return {tag["Key"]: tag["Value"] for tag in listed}


def exists(name):
    return name in [repo["repositoryName"] for repo in ecr().describe_repositories()["repositories"]]


def full_args(name, **extra):
    return dict(dict(name=name, scan_on_push=True, image_tag_mutability="IMMUTABLE", encryption_type="AES256",
                     lifecycle_policy=keep_last(30), tags={"gameops:platform": "t"}), **extra)


def test_check_mode_on_a_missing_repository_plans_without_calls_that_need_it(aws_env, name):
    mark = aws_env.mark()
    planned = run_module(ecr_repository, full_args(name), check_mode=True, diff=True)
    assert planned["changed"] is True
    assert planned["diff"] == {"before": {}, "after": dict(
        name=name, scan_on_push=True, image_tag_mutability="IMMUTABLE", image_tag_mutability_exclusion_filters=[],
        encryption_type="AES256", kms_key=None, tags={"gameops:platform": "t"}, lifecycle_policy=keep_last(30))}
    assert planned["repository"]["repository_uri"] is None
    assert aws_env.mutations_since(mark) == []
    # Only the lookup, which finds nothing: no lifecycle or tag read of a repository that is not there.
    assert [entry["operation"] for entry in aws_env.since(mark)] == ["DescribeRepositories"]
    assert not exists(name)


def test_create_then_no_op(aws_env, name):
    planned = run_module(ecr_repository, full_args(name), check_mode=True, diff=True)
    mark = aws_env.mark()
    created = run_module(ecr_repository, full_args(name), diff=True)
    assert created["changed"] is True
    assert aws_env.mutations_since(mark) == ["CreateRepository", "PutLifecyclePolicy"]
    repo = described(name)
    assert repo["imageTagMutability"] == "IMMUTABLE"
    assert repo["imageScanningConfiguration"]["scanOnPush"] is True
    assert repo["encryptionConfiguration"]["encryptionType"] == "AES256"
    assert tags_of(name) == {"gameops:platform": "t"}
    assert json.loads(ecr().get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"]) == keep_last(30)
    result = created["repository"]
    assert result["repository_arn"] == repo["repositoryArn"]
    assert result["repository_uri"] == repo["repositoryUri"]
    assert result["lifecycle_policy"] == keep_last(30)
    # What check mode planned is what was made.
    assert created["diff"]["after"] == planned["diff"]["after"]

    mark = aws_env.mark()
    again = run_module(ecr_repository, full_args(name), diff=True)
    assert again["changed"] is False
    assert again["repository"] == result
    assert aws_env.mutations_since(mark) == []
    assert run_module(ecr_repository, full_args(name), check_mode=True)["changed"] is False


def test_settings_change_in_place_and_check_mode_only_reports(aws_env, name):
    run_module(ecr_repository, full_args(name))
    changed_args = full_args(name, scan_on_push=False, image_tag_mutability="MUTABLE")

    mark = aws_env.mark()
    planned = run_module(ecr_repository, changed_args, check_mode=True, diff=True)
    assert planned["changed"] is True
    assert aws_env.mutations_since(mark) == []
    assert (planned["diff"]["before"]["scan_on_push"], planned["diff"]["after"]["scan_on_push"]) == (True, False)
    assert planned["diff"]["after"]["image_tag_mutability"] == "MUTABLE"
    assert described(name)["imageTagMutability"] == "IMMUTABLE"

    updated = run_module(ecr_repository, changed_args, diff=True)
    assert updated["changed"] is True
    assert sorted(aws_env.mutations_since(mark)) == ["PutImageScanningConfiguration", "PutImageTagMutability"]
    assert described(name)["imageTagMutability"] == "MUTABLE"
    assert described(name)["imageScanningConfiguration"]["scanOnPush"] is False
    assert updated["diff"]["after"] == planned["diff"]["after"]


def test_tag_mutability_exclusions(aws_env, name):
    args = dict(name=name, image_tag_mutability="IMMUTABLE_WITH_EXCLUSION", image_tag_mutability_exclusion_filters=["latest"])
    created = run_module(ecr_repository, args)
    assert created["repository"]["image_tag_mutability_exclusion_filters"] == [{"filter_type": "WILDCARD", "filter": "latest"}]
    mark = aws_env.mark()
    assert run_module(ecr_repository, args)["changed"] is False
    moved = run_module(ecr_repository, dict(args, image_tag_mutability_exclusion_filters=["latest", "dev-*"]))
    assert moved["changed"] is True
    assert aws_env.mutations_since(mark) == ["PutImageTagMutability"]
    assert sorted(item["filter"] for item in described(name)["imageTagMutabilityExclusionFilters"]) == ["dev-*", "latest"]

    refused = run_module(ecr_repository, dict(name=name, image_tag_mutability="IMMUTABLE_WITH_EXCLUSION"))
    assert refused["failed"] is True and "needs image_tag_mutability_exclusion_filters" in refused["msg"]


def test_tags_added_removed_and_kept_without_purge(aws_env, name):
    run_module(ecr_repository, dict(name=name, tags={"keep": "1", "drop": "2"}))

    mark = aws_env.mark()
    planned = run_module(ecr_repository, dict(name=name, tags={"keep": "1", "new": "3"}), check_mode=True, diff=True)
    assert planned["changed"] is True
    assert planned["diff"]["after"]["tags"] == {"keep": "1", "new": "3"}
    assert aws_env.mutations_since(mark) == []
    assert tags_of(name) == {"keep": "1", "drop": "2"}

    updated = run_module(ecr_repository, dict(name=name, tags={"keep": "1", "new": "3"}))
    assert updated["changed"] is True
    assert sorted(aws_env.mutations_since(mark)) == ["TagResource", "UntagResource"]
    assert tags_of(name) == {"keep": "1", "new": "3"}
    assert updated["repository"]["tags"] == {"keep": "1", "new": "3"}

    mark = aws_env.mark()
    added = run_module(ecr_repository, dict(name=name, tags={"more": "4"}, purge_tags=False))
    assert added["changed"] is True
    assert aws_env.mutations_since(mark) == ["TagResource"]
    assert tags_of(name) == {"keep": "1", "new": "3", "more": "4"}

    # Tags left out: left alone.
    mark = aws_env.mark()
    assert run_module(ecr_repository, dict(name=name))["changed"] is False
    assert aws_env.mutations_since(mark) == []


def test_lifecycle_policy_set_changed_unchanged_and_removed(aws_env, name):
    run_module(ecr_repository, dict(name=name))
    assert run_module(ecr_repository, dict(name=name, lifecycle_policy={}))["changed"] is False

    mark = aws_env.mark()
    assert run_module(ecr_repository, dict(name=name, lifecycle_policy=keep_last(10)))["changed"] is True
    assert aws_env.mutations_since(mark) == ["PutLifecyclePolicy"]

    # The same document written differently: keys in another order, the count as a string.
    same = {"rules": [{"action": {"type": "expire"}, "selection": {"countNumber": "10", "countType": "imageCountMoreThan", "tagStatus": "any"},
                       "description": "Keep the newest images", "rulePriority": 1}]}
    mark = aws_env.mark()
    assert run_module(ecr_repository, dict(name=name, lifecycle_policy=same))["changed"] is False
    assert aws_env.mutations_since(mark) == []

    planned = run_module(ecr_repository, dict(name=name, lifecycle_policy=keep_last(20)), check_mode=True, diff=True)
    assert planned["changed"] is True
    assert planned["diff"]["before"]["lifecycle_policy"] == keep_last(10)
    assert planned["diff"]["after"]["lifecycle_policy"] == keep_last(20)
    assert aws_env.mutations_since(mark) == []

    changed = run_module(ecr_repository, dict(name=name, lifecycle_policy=keep_last(20)))
    assert changed["changed"] is True
    assert json.loads(ecr().get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"]) == keep_last(20)

    mark = aws_env.mark()
    removed = run_module(ecr_repository, dict(name=name, lifecycle_policy={}))
    assert removed["changed"] is True and removed["repository"]["lifecycle_policy"] is None
    assert aws_env.mutations_since(mark) == ["DeleteLifecyclePolicy"]


def test_encryption_change_is_refused(aws_env, name):
    run_module(ecr_repository, dict(name=name, encryption_type="AES256"))
    mark = aws_env.mark()
    for check_mode in (True, False):
        refused = run_module(ecr_repository, dict(name=name, encryption_type="KMS"), check_mode=check_mode)
        assert refused["failed"] is True
        assert "cannot be changed" in refused["msg"] and "AES256" in refused["msg"] and "delete it" in refused["msg"]
    assert aws_env.mutations_since(mark) == []
    assert described(name)["encryptionConfiguration"]["encryptionType"] == "AES256"


def test_kms_key_change_is_refused(aws_env, name):
    created = run_module(ecr_repository, dict(name=name, encryption_type="KMS"))
    key = created["repository"]["encryption_configuration"]["kms_key"]
    assert key
    assert run_module(ecr_repository, dict(name=name, encryption_type="KMS", kms_key=key))["changed"] is False
    other = "arn:aws:kms:ap-northeast-2:123456789012:key/0f4c3a5e-1111-2222-3333-444455556666"
    refused = run_module(ecr_repository, dict(name=name, encryption_type="KMS", kms_key=other))
    assert refused["failed"] is True and key in refused["msg"] and other in refused["msg"]


def push_image(name):
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"digest": "sha256:" + "a" * 64, "size": 1, "mediaType": "application/vnd.docker.container.image.v1+json"},
                "layers": []}
    ecr().put_image(repositoryName=name, imageManifest=json.dumps(manifest), imageTag="v1")


def test_absent(aws_env, name):
    run_module(ecr_repository, dict(name=name))
    mark = aws_env.mark()
    planned = run_module(ecr_repository, dict(name=name, state="absent"), check_mode=True, diff=True)
    assert planned["changed"] is True and planned["diff"]["after"] == {}
    assert aws_env.mutations_since(mark) == []
    assert exists(name)

    deleted = run_module(ecr_repository, dict(name=name, state="absent"))
    assert deleted["changed"] is True and deleted["repository"] == {}
    assert aws_env.mutations_since(mark) == ["DeleteRepository"]
    assert not exists(name)

    mark = aws_env.mark()
    again = run_module(ecr_repository, dict(name=name, state="absent"))
    assert again["changed"] is False
    assert aws_env.mutations_since(mark) == []


def test_images_need_force(aws_env, name):
    run_module(ecr_repository, dict(name=name))
    push_image(name)
    for check_mode in (True, False):
        refused = run_module(ecr_repository, dict(name=name, state="absent"), check_mode=check_mode)
        assert refused["failed"] is True
        assert "still holds images" in refused["msg"] and "force=true" in refused["msg"]
    assert exists(name)

    assert run_module(ecr_repository, dict(name=name, state="absent", force=True), check_mode=True)["changed"] is True
    assert exists(name)
    assert run_module(ecr_repository, dict(name=name, state="absent", force=True))["changed"] is True
    assert not exists(name)
