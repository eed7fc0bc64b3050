#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: iam_workload_roles
short_description: Manage the IAM roles of a set of in-cluster components in one call
version_added: 0.2.0
description:
  - Ensures, for each entry of O(roles), an IAM role with its trust policy, description and tags, exactly one inline
    policy, no managed policy, and (with O(roles[].pod_identity)) the EKS Pod Identity association of its service account.
  - What C(amazon.aws.iam_role), C(amazon.aws.iam_policy) and M(gameops.platform.eks_pod_identity_association) do in a
    loop each, in one module run, so that a converge with nothing to change costs one invocation instead of three per role.
  - The role is exclusive about its policies, as a component's role should be; inline policies other than
    O(roles[].policy_name) are deleted and managed policies detached.
  - IAM cannot move a role to another path; a role found under another path is refused, not replaced.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  roles:
    description: The roles.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The role's name.
        type: str
        required: true
      path:
        description: The role's IAM path, starting and ending with C(/).
        type: str
        default: /
      description:
        description: The role's description.
        type: str
        default: ""
      trust_policy:
        description: The trust policy (assume role policy document), compared as a policy.
        type: dict
        required: true
      policy_name:
        description: The name of the role's inline policy.
        type: str
        required: true
      policy:
        description: The inline policy document, compared as a policy.
        type: dict
        required: true
      tags:
        description: The role's tags; tags not listed are removed.
        type: dict
        default: {}
      pod_identity:
        description: The service account of O(cluster_name) whose pods get the role through EKS Pod Identity.
        type: dict
        suboptions:
          namespace:
            description: The service account's namespace.
            type: str
            required: true
          service_account:
            description: The service account's name.
            type: str
            required: true
          tags:
            description: The association's tags; tags not listed are removed.
            type: dict
            default: {}
  cluster_name:
    description: The EKS cluster of the O(roles[].pod_identity) associations; required when a role has one.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports which roles, policies, tags and associations would be created or changed, without doing so.
  diff_mode:
    support: full
    description: Returns each role's path, description, trust policy, policy, tags and associated service account before and after.
"""

EXAMPLES = r"""
- name: The roles of Alloy and Loki, each for its service account
  gameops.platform.iam_workload_roles:
    cluster_name: queue-infra-prod
    roles:
      - name: queue-infra-prod-loki
        path: /gameops/queue-infra-prod/
        trust_policy:
          Version: "2012-10-17"
          Statement:
            - {Effect: Allow, Principal: {Service: pods.eks.amazonaws.com}, Action: [sts:AssumeRole, sts:TagSession]}
        policy_name: loki
        policy:
          Version: "2012-10-17"
          Statement:
            - {Effect: Allow, Action: [s3:GetObject, s3:PutObject], Resource: "arn:aws:s3:::queue-infra-prod-loki/*"}
        tags: {gameops:platform: queue-infra-prod}
        pod_identity: {namespace: observability, service_account: loki}
"""

RETURN = r"""
roles:
  description: Each role, in the order given; in check mode, a role not created yet has no ARN.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The role's name.
      type: str
    arn:
      description: The role's ARN (null in check mode for a role that does not exist yet).
      type: str
    changed:
      description: Whether the role, its policies, tags or association were (or would be) changed.
      type: bool
  sample:
    - {name: queue-infra-prod-loki, arn: "arn:aws:iam::123456789012:role/gameops/queue-infra-prod/queue-infra-prod-loki", changed: false}
ansible_facts:
  description:
    - In check mode, C(iam_workload_roles_plan_resources), a C(type), C(name), C(before) and C(after) per role, which the
      C(gameops.platform.plan) callback shows as a line each.
  returned: check mode
  type: dict
  sample:
    iam_workload_roles_plan_resources:
      - {type: iam role, name: queue-infra-prod-loki, before: {}, after: {path: /gameops/queue-infra-prod/}}
"""

import json

try:
    import botocore
except ImportError:
    pass  # Reported by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_iam_role
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.gameops.platform.plugins.module_utils import eks
from ansible_collections.gameops.platform.plugins.module_utils import pod_identity

PLAN_FACT = "iam_workload_roles_plan_resources"


def _policies_of(client, name):
    inline = client.get_paginator("list_role_policies").paginate(RoleName=name).build_full_result()["PolicyNames"]
    attached = client.get_paginator("list_attached_role_policies").paginate(RoleName=name).build_full_result()["AttachedPolicies"]
    return inline, [policy["PolicyArn"] for policy in attached]


def _inline_policy(client, role, policy_name, inline):
    if policy_name not in inline:
        return None
    return client.get_role_policy(aws_retry=True, RoleName=role, PolicyName=policy_name)["PolicyDocument"]


def _create_role(module, client, spec):
    if module.check_mode:
        return None
    request = dict(RoleName=spec["name"], Path=spec["path"], Description=spec["description"],
                   AssumeRolePolicyDocument=json.dumps(spec["trust_policy"]))
    if spec["tags"]:
        request["Tags"] = ansible_dict_to_boto3_tag_list(spec["tags"])
    return client.create_role(aws_retry=True, **request)["Role"]


def _update_role(module, client, spec, role):
    """Trust, description and tags of an existing role; returns whether any differed."""
    name, changed = spec["name"], False
    if compare_policies(role.get("AssumeRolePolicyDocument") or {}, spec["trust_policy"]):
        changed = True
        if not module.check_mode:
            client.update_assume_role_policy(aws_retry=True, RoleName=name, PolicyDocument=json.dumps(spec["trust_policy"]))
    if (role.get("Description") or "") != spec["description"]:
        changed = True
        if not module.check_mode:
            client.update_role(aws_retry=True, RoleName=name, Description=spec["description"])
    to_set, to_unset = compare_aws_tags(boto3_tag_list_to_ansible_dict(role.get("Tags") or []), spec["tags"], purge_tags=True)
    if to_set or to_unset:
        changed = True
        if not module.check_mode and to_unset:
            client.untag_role(aws_retry=True, RoleName=name, TagKeys=to_unset)
        if not module.check_mode and to_set:
            client.tag_role(aws_retry=True, RoleName=name, Tags=ansible_dict_to_boto3_tag_list(to_set))
    return changed


def _ensure_policies(module, client, spec, exists):
    """Exactly the one inline policy, no managed policy; returns (changed, the inline policy before)."""
    name = spec["name"]
    inline, attached = _policies_of(client, name) if exists else ([], [])
    before = _inline_policy(client, name, spec["policy_name"], inline)
    changed = before is None or compare_policies(before, spec["policy"])
    extra = [policy for policy in inline if policy != spec["policy_name"]]
    changed |= bool(extra or attached)
    if module.check_mode:
        return changed, before
    for policy in extra:
        client.delete_role_policy(aws_retry=True, RoleName=name, PolicyName=policy)
    for arn in attached:
        client.detach_role_policy(aws_retry=True, RoleName=name, PolicyArn=arn)
    if before is None or compare_policies(before, spec["policy"]):
        client.put_role_policy(aws_retry=True, RoleName=name, PolicyName=spec["policy_name"], PolicyDocument=json.dumps(spec["policy"]))
    return changed, before


def _view(role, policy, association):
    if role is None:
        return {}
    return {"path": role.get("Path"), "description": role.get("Description") or "", "trust_policy": role.get("AssumeRolePolicyDocument"),
            "policy": policy, "tags": boto3_tag_list_to_ansible_dict(role.get("Tags") or []),
            "service_account": "%s/%s" % (association["namespace"], association["service_account"]) if association else None}


def ensure_role(module, iam, eks_client, spec):
    """One role with its policy and association; returns (result, before view, after view)."""
    role = get_iam_role(iam, spec["name"])
    if role is not None and role["Path"] != spec["path"]:
        module.fail_json(msg="The IAM role %s is under the path %s, not %s; IAM cannot move a role: delete it and run again"
                         % (spec["name"], role["Path"], spec["path"]))
    if role is None:
        changed, created = True, _create_role(module, iam, spec)
    else:
        changed, created = _update_role(module, iam, spec, role), role
    policy_changed, policy_before = _ensure_policies(module, iam, spec, role is not None)
    changed |= policy_changed
    arn = created["Arn"] if created else None
    association_before = association_after = None
    wanted = spec["pod_identity"]
    if wanted and arn:
        association_changed, association_before, association_after = pod_identity.ensure(
            module, eks_client, module.params["cluster_name"], wanted["namespace"], wanted["service_account"], arn, wanted["tags"])
        changed |= association_changed
    elif wanted:
        changed = True  # check mode: the role and its association are still to be made
        association_after = wanted
    after_role = dict(role or {}, Path=spec["path"], Description=spec["description"], AssumeRolePolicyDocument=spec["trust_policy"],
                      Tags=ansible_dict_to_boto3_tag_list(spec["tags"]))
    return ({"name": spec["name"], "arn": arn, "changed": changed},
            _view(role, policy_before, association_before or None),
            _view(after_role, spec["policy"], association_after or None))


def main():
    association = dict(namespace=dict(type="str", required=True), service_account=dict(type="str", required=True),
                       tags=dict(type="dict", default={}))
    role = dict(name=dict(type="str", required=True), path=dict(type="str", default="/"), description=dict(type="str", default=""),
                trust_policy=dict(type="dict", required=True), policy_name=dict(type="str", required=True),
                policy=dict(type="dict", required=True), tags=dict(type="dict", default={}),
                pod_identity=dict(type="dict", options=association))
    module = AnsibleAWSModule(argument_spec=dict(roles=dict(type="list", elements="dict", required=True, options=role),
                                                 cluster_name=dict(type="str")),
                              supports_check_mode=True)
    if any(spec["pod_identity"] for spec in module.params["roles"]) and not module.params["cluster_name"]:
        module.fail_json(msg="cluster_name is required when a role has pod_identity")
    iam = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())
    eks_client = eks.eks_client(module) if module.params["cluster_name"] else None
    results, before, after = [], {}, {}
    for spec in module.params["roles"]:
        try:
            result, before[spec["name"]], after[spec["name"]] = ensure_role(module, iam, eks_client, spec)
        except AnsibleAWSError as error:
            module.fail_json_aws_error(error)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            module.fail_json_aws(error, msg="Failed to manage the IAM role %s" % spec["name"])
        results.append(result)
    facts = {}
    if module.check_mode:
        # One line per role in the plan (gameops.platform.plan reads *_plan_resources facts), not one for the call.
        facts[PLAN_FACT] = [{"type": "iam role", "name": result["name"], "before": before[result["name"]], "after": after[result["name"]]}
                            for result in results]
    module.exit_json(changed=any(result["changed"] for result in results), roles=results, diff=dict(before=before, after=after),
                     ansible_facts=facts)


if __name__ == "__main__":
    main()
