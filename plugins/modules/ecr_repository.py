#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ecr_repository
short_description: Manage an Amazon ECR repository with its settings, lifecycle policy and tags
version_added: 0.1.0
description:
  - Ensures an Amazon Elastic Container Registry (ECR) repository exists with the given scan on push,
    image tag mutability, encryption, lifecycle policy and tags, or that it is gone, in one task.
  - Options left out are left as the repository has them; a new repository gets ECR's defaults for them.
  - The encryption of a repository can only be chosen when it is created; asking for another one later fails.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  name:
    description: The repository's name, namespace included (such as C(queue-infra/queue-api)).
    type: str
    required: true
  state:
    description:
      - V(present) ensures the repository; V(absent) deletes it.
      - With V(absent), a repository that still holds images is only deleted with O(force=true);
        without it the module fails, as ECR refuses to delete it.
    type: str
    choices: [present, absent]
    default: present
  force:
    description: With O(state=absent), delete the repository's images along with it.
    type: bool
    default: false
  scan_on_push:
    description: Whether images are scanned for vulnerabilities when pushed. New repositories default to V(false).
    type: bool
  image_tag_mutability:
    description:
      - Whether a pushed tag may be moved to another image. New repositories default to V(MUTABLE).
      - The C(_WITH_EXCLUSION) settings apply the opposite to tags matching O(image_tag_mutability_exclusion_filters).
    type: str
    choices: [MUTABLE, IMMUTABLE, MUTABLE_WITH_EXCLUSION, IMMUTABLE_WITH_EXCLUSION]
  image_tag_mutability_exclusion_filters:
    description:
      - Wildcard tag filters (such as C(latest) or C(dev-*)) exempt from O(image_tag_mutability); one to five.
      - Required with, and only allowed with, the C(_WITH_EXCLUSION) values of O(image_tag_mutability).
    type: list
    elements: str
  encryption_type:
    description:
      - How images are encrypted at rest. New repositories default to V(AES256).
      - Only set when the repository is created. A different value for an existing repository fails.
    type: str
    choices: [AES256, KMS]
  kms_key:
    description:
      - With O(encryption_type=KMS), the ARN or id of the KMS key; omitted, ECR uses its AWS managed key.
      - Only set when the repository is created. A different key for an existing repository fails.
    type: str
  lifecycle_policy:
    description:
      - The lifecycle policy, as the ECR lifecycle policy JSON document (C(rules) with C(rulePriority),
        C(selection) and C(action)), given as a dictionary.
      - Compared with the repository's policy as JSON, so key order and formatting make no difference.
      - Omitted, the policy is left as it is; V({}) removes it.
    type: dict
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description:
      - Reports whether the repository would be created, changed, retagged or deleted, without doing so.
      - Only reads; on a repository that does not exist yet it makes no call that needs one.
  diff_mode:
    support: full
    description: Returns the repository's settings, encryption, tags and lifecycle policy before and after.
"""

EXAMPLES = r"""
- name: The queue API's images, kept to the newest 30
  gameops.platform.ecr_repository:
    name: queue-infra/queue-api
    scan_on_push: true
    image_tag_mutability: IMMUTABLE
    encryption_type: AES256
    lifecycle_policy:
      rules:
        - rulePriority: 1
          description: Keep the newest 30 images
          selection:
            tagStatus: any
            countType: imageCountMoreThan
            countNumber: 30
          action:
            type: expire
    tags:
      gameops:platform: queue-infra-prod
  register: queue_api_repository

- name: Push here
  ansible.builtin.debug:
    msg: "{{ queue_api_repository.repository.repository_uri }}"

- name: Tags that move, such as latest, on an otherwise immutable repository
  gameops.platform.ecr_repository:
    name: queue-infra/tools
    image_tag_mutability: IMMUTABLE_WITH_EXCLUSION
    image_tag_mutability_exclusion_filters: [latest]

- name: Remove it and its images
  gameops.platform.ecr_repository:
    name: queue-infra/queue-api
    state: absent
    force: true
"""

RETURN = r"""
repository:
  description:
    - The repository as C(DescribeRepositories) returns it, in snake case, with its tags and lifecycle policy;
      empty when there is none.
    - In check mode, what the repository would be; values only AWS knows are null.
  returned: always
  type: dict
  contains:
    repository_name:
      description: The repository's name.
      type: str
      sample: queue-infra/queue-api
    repository_arn:
      description: The repository's ARN.
      type: str
      sample: arn:aws:ecr:ap-northeast-2:123456789012:repository/queue-infra/queue-api
    repository_uri:
      description: Where images are pushed and pulled.
      type: str
      sample: 123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/queue-infra/queue-api
    registry_id:
      description: The account id of the registry.
      type: str
      sample: "123456789012"
    created_at:
      description: When the repository was created.
      type: str
      sample: "2025-01-01T00:00:00+00:00"
    image_tag_mutability:
      description: The tag mutability setting.
      type: str
      sample: IMMUTABLE
    image_tag_mutability_exclusion_filters:
      description: The tag filters exempt from it, as C(filter_type) and C(filter); returned only when there are some.
      type: list
      elements: dict
      sample: [{filter_type: WILDCARD, filter: latest}]
    image_scanning_configuration:
      description: The scanning settings, C(scan_on_push).
      type: dict
      sample: {scan_on_push: true}
    encryption_configuration:
      description: The encryption, C(encryption_type) and, for KMS, C(kms_key).
      type: dict
      sample: {encryption_type: AES256}
    tags:
      description: The repository's tags.
      type: dict
      sample: {gameops:platform: queue-infra-prod}
    lifecycle_policy:
      description: The lifecycle policy document (its keys as ECR has them), or null when there is none.
      type: dict
      sample: {rules: [{rulePriority: 1, selection: {tagStatus: any, countType: imageCountMoreThan, countNumber: 30}, action: {type: expire}}]}
"""

import json

try:
    import botocore
except ImportError:
    pass  # Reported by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.gameops.platform.plugins.module_utils import rest_json

EXCLUSION = ("MUTABLE_WITH_EXCLUSION", "IMMUTABLE_WITH_EXCLUSION")


def get_repository(client, name):
    try:
        return client.describe_repositories(aws_retry=True, repositoryNames=[name])["repositories"][0]
    except is_boto3_error_code("RepositoryNotFoundException"):
        return None


def get_tags(client, arn):
    return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(aws_retry=True, resourceArn=arn).get("tags", []))


def get_lifecycle_policy(client, name):
    try:
        text = client.get_lifecycle_policy(aws_retry=True, repositoryName=name)["lifecyclePolicyText"]
    except is_boto3_error_code("LifecyclePolicyNotFoundException"):
        return None
    return json.loads(text)


def describe(client, repository):
    """The repository as returned (see RETURN); {} when there is none."""
    if repository is None:
        return {}
    result = rest_json.to_ansible(repository)
    result["tags"] = get_tags(client, repository["repositoryArn"])
    result["lifecycle_policy"] = get_lifecycle_policy(client, repository["repositoryName"])
    return result


def exclusion_filters(result):
    return sorted(item["filter"] for item in result.get("image_tag_mutability_exclusion_filters") or [])


def diff_view(result):
    if not result:
        return {}
    encryption = result.get("encryption_configuration") or {}
    return dict(name=result["repository_name"], scan_on_push=(result.get("image_scanning_configuration") or {}).get("scan_on_push"),
                image_tag_mutability=result.get("image_tag_mutability"), image_tag_mutability_exclusion_filters=exclusion_filters(result),
                encryption_type=encryption.get("encryption_type"), kms_key=encryption.get("kms_key"),
                tags=result.get("tags") or {}, lifecycle_policy=result.get("lifecycle_policy"))


def api_filters(filters):
    return [dict(filterType="WILDCARD", filter=value) for value in sorted(set(filters))]


def policy_text(policy):
    return json.dumps(policy, sort_keys=True)


def check_params(module):
    params = module.params
    mutability, filters = params["image_tag_mutability"], params["image_tag_mutability_exclusion_filters"]
    if mutability in EXCLUSION and not filters:
        module.fail_json(msg="image_tag_mutability %s needs image_tag_mutability_exclusion_filters" % mutability)
    if filters and mutability not in EXCLUSION:
        module.fail_json(msg="image_tag_mutability_exclusion_filters needs image_tag_mutability MUTABLE_WITH_EXCLUSION or "
                         "IMMUTABLE_WITH_EXCLUSION, not %s" % mutability)
    if params["kms_key"] and params["encryption_type"] != "KMS":
        module.fail_json(msg="kms_key needs encryption_type KMS")


def create_repository(module, client):
    params = module.params
    encryption = dict(encryption_type=params["encryption_type"] or "AES256")
    if params["kms_key"]:
        encryption["kms_key"] = params["kms_key"]
    policy = params["lifecycle_policy"] or None
    if module.check_mode:
        result = dict(repository_name=params["name"], repository_arn=None, repository_uri=None, registry_id=None, created_at=None,
                      image_tag_mutability=params["image_tag_mutability"] or "MUTABLE",
                      image_scanning_configuration=dict(scan_on_push=bool(params["scan_on_push"])),
                      encryption_configuration=dict(encryption, kms_key=params["kms_key"]) if encryption["encryption_type"] == "KMS" else encryption,
                      tags=params["tags"] or {}, lifecycle_policy=policy)
        if params["image_tag_mutability_exclusion_filters"]:
            result["image_tag_mutability_exclusion_filters"] = [dict(filter_type="WILDCARD", filter=value)
                                                                for value in sorted(set(params["image_tag_mutability_exclusion_filters"]))]
        return result
    request = dict(repositoryName=params["name"])
    if params["tags"]:
        request["tags"] = ansible_dict_to_boto3_tag_list(params["tags"])
    if params["image_tag_mutability"]:
        request["imageTagMutability"] = params["image_tag_mutability"]
    if params["image_tag_mutability_exclusion_filters"]:
        request["imageTagMutabilityExclusionFilters"] = api_filters(params["image_tag_mutability_exclusion_filters"])
    if params["scan_on_push"] is not None:
        request["imageScanningConfiguration"] = dict(scanOnPush=params["scan_on_push"])
    if params["encryption_type"]:
        # kmsKey only when given: ECR refuses a null one.
        request["encryptionConfiguration"] = dict(encryptionType=params["encryption_type"])
        if params["kms_key"]:
            request["encryptionConfiguration"]["kmsKey"] = params["kms_key"]
    client.create_repository(aws_retry=True, **request)
    if policy:
        client.put_lifecycle_policy(aws_retry=True, repositoryName=params["name"], lifecyclePolicyText=policy_text(policy))
    return describe(client, get_repository(client, params["name"]))


def check_encryption(module, before):
    """Fails when the encryption asked for is not the repository's: ECR cannot change it."""
    params = module.params
    current = before.get("encryption_configuration") or {}
    current_type, current_key = current.get("encryption_type"), current.get("kms_key")
    wanted_type, wanted_key = params["encryption_type"], params["kms_key"]
    # A key id matches the ARN ECR reports for it.
    key_differs = bool(wanted_key) and wanted_key != current_key and not (current_key or "").endswith("/" + wanted_key)
    if (wanted_type and wanted_type != current_type) or key_differs:
        module.fail_json(msg="The encryption of ECR repository %s cannot be changed: it is %s%s, and %s%s was asked for. "
                         "Give encryption_type and kms_key as the repository has them (or leave them out), or delete it "
                         "(state=absent, force=true: its images are lost) and create it again."
                         % (params["name"], current_type, " with key %s" % current_key if current_key else "",
                            wanted_type or current_type, " with key %s" % wanted_key if wanted_key else ""),
                         encryption_configuration=current)


def update_repository(module, client, before):
    params = module.params
    name = params["name"]
    check_encryption(module, before)
    changed = False
    scan = params["scan_on_push"]
    if scan is not None and scan != (before.get("image_scanning_configuration") or {}).get("scan_on_push"):
        changed = True
        if not module.check_mode:
            client.put_image_scanning_configuration(aws_retry=True, repositoryName=name, imageScanningConfiguration=dict(scanOnPush=scan))
    mutability, filters = params["image_tag_mutability"], sorted(set(params["image_tag_mutability_exclusion_filters"] or []))
    if mutability and (mutability != before.get("image_tag_mutability") or filters != exclusion_filters(before)):
        changed = True
        if not module.check_mode:
            request = dict(repositoryName=name, imageTagMutability=mutability)
            if filters:
                request["imageTagMutabilityExclusionFilters"] = api_filters(filters)
            client.put_image_tag_mutability(aws_retry=True, **request)
    policy, current_policy = params["lifecycle_policy"], before.get("lifecycle_policy")
    if policy is not None:
        if not policy and current_policy is not None:
            changed = True
            if not module.check_mode:
                client.delete_lifecycle_policy(aws_retry=True, repositoryName=name)
        # Compared as JSON documents: order of keys and list items, and "30" against 30, make no difference.
        elif policy and (current_policy is None or compare_policies(current_policy, policy, default_version=None)):
            changed = True
            if not module.check_mode:
                client.put_lifecycle_policy(aws_retry=True, repositoryName=name, lifecyclePolicyText=policy_text(policy))
    tags_changed = ensure_tags(module, client, before, params["tags"], params["purge_tags"])
    changed = changed or tags_changed
    if not changed:
        return False, before
    if not module.check_mode:
        return True, describe(client, get_repository(client, name))
    after = dict(before)
    if scan is not None:
        after["image_scanning_configuration"] = dict(before.get("image_scanning_configuration") or {}, scan_on_push=scan)
    if mutability:
        after["image_tag_mutability"] = mutability
        after.pop("image_tag_mutability_exclusion_filters", None)
        if filters:
            after["image_tag_mutability_exclusion_filters"] = [dict(filter_type="WILDCARD", filter=value) for value in filters]
    if policy is not None:
        after["lifecycle_policy"] = policy or None
    if params["tags"] is not None:
        after["tags"] = planned_tags(before["tags"], params["tags"], params["purge_tags"])
    return True, after


def planned_tags(current, wanted, purge):
    to_set, to_unset = compare_aws_tags(current, wanted, purge)
    after = dict((key, value) for key, value in current.items() if key not in to_unset)
    after.update(to_set)
    return after


def ensure_tags(module, client, before, wanted, purge):
    if wanted is None:
        return False
    to_set, to_unset = compare_aws_tags(before["tags"], wanted, purge)
    if not module.check_mode:
        if to_unset:
            client.untag_resource(aws_retry=True, resourceArn=before["repository_arn"], tagKeys=to_unset)
        if to_set:
            client.tag_resource(aws_retry=True, resourceArn=before["repository_arn"], tags=ansible_dict_to_boto3_tag_list(to_set))
    return bool(to_set or to_unset)


def not_empty(module, name):
    module.fail_json(msg="ECR repository %s still holds images, and ECR only deletes it with them: give force=true to delete "
                     "them too, or delete the images first" % name)


def delete_repository(module, client, name):
    params = module.params
    if module.check_mode:
        # Says now what the deletion would say: without force, a repository with images is refused.
        if not params["force"] and client.list_images(aws_retry=True, repositoryName=name, maxResults=1).get("imageIds"):
            not_empty(module, name)
        return
    try:
        client.delete_repository(aws_retry=True, repositoryName=name, force=params["force"])
    except is_boto3_error_code("RepositoryNotEmptyException"):
        not_empty(module, name)
    except is_boto3_error_code("RepositoryNotFoundException"):  # pylint: disable=duplicate-except
        pass  # Gone in the meantime: what was asked for.


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        force=dict(type="bool", default=False),
        scan_on_push=dict(type="bool"),
        image_tag_mutability=dict(type="str", choices=["MUTABLE", "IMMUTABLE", "MUTABLE_WITH_EXCLUSION", "IMMUTABLE_WITH_EXCLUSION"]),
        image_tag_mutability_exclusion_filters=dict(type="list", elements="str"),
        encryption_type=dict(type="str", choices=["AES256", "KMS"]),
        kms_key=dict(type="str", no_log=False),
        lifecycle_policy=dict(type="dict"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    check_params(module)
    client = module.client("ecr", retry_decorator=AWSRetry.jittered_backoff())

    try:
        repository = get_repository(client, params["name"])
        before = describe(client, repository)
        if params["state"] == "absent":
            changed, after = repository is not None, {}
            if changed:
                delete_repository(module, client, params["name"])
        elif repository is None:
            changed, after = True, create_repository(module, client)
        else:
            changed, after = update_repository(module, client, before)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage the ECR repository %s" % params["name"])

    module.exit_json(changed=changed, repository=after, diff=dict(before=diff_view(before), after=diff_view(after)))


if __name__ == "__main__":
    main()
