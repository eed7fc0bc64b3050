"""ECR answers as AWS does where the registry role's module reads the answer (fidelity.ecr_tag_mutability_exclusions)."""

import uuid

import boto3
import pytest


@pytest.fixture
def repository(aws_env):
    ecr = boto3.client("ecr", region_name="ap-northeast-2")
    name = "fidelity/ecr-%s" % uuid.uuid4().hex[:8]
    ecr.create_repository(repositoryName=name)
    yield ecr, name
    ecr.delete_repository(repositoryName=name, force=True)


def test_put_image_tag_mutability_answers_with_its_exclusion_filters(repository):
    ecr, name = repository
    filters = [{"filterType": "WILDCARD", "filter": "latest"}]
    answer = ecr.put_image_tag_mutability(repositoryName=name, imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
                                          imageTagMutabilityExclusionFilters=filters)
    assert answer["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert answer["imageTagMutabilityExclusionFilters"] == filters
    assert ecr.describe_repositories(repositoryNames=[name])["repositories"][0]["imageTagMutabilityExclusionFilters"] == filters


def test_put_image_tag_mutability_without_exclusions_answers_none(repository):
    ecr, name = repository
    answer = ecr.put_image_tag_mutability(repositoryName=name, imageTagMutability="IMMUTABLE")
    assert answer["imageTagMutability"] == "IMMUTABLE"
    assert "imageTagMutabilityExclusionFilters" not in answer
