#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: eks_access_entry
short_description: Manage an Amazon EKS access entry and its access policies
version_added: 0.1.0
description:
  - Ensures an IAM principal has an access entry on an EKS cluster, with the given Kubernetes groups,
    username, tags and associated access policies, or that it has none.
  - Access policies are associated and disassociated one by one, exactly where they differ; a policy
    whose access scope differs is associated again with the new scope.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  cluster_name:
    description: The name of the EKS cluster.
    type: str
    required: true
  principal_arn:
    description: The ARN of the IAM role or user the entry is for.
    type: str
    required: true
  state:
    description:
      - V(present) ensures the access entry; V(absent) deletes it, and its access policies with it.
      - With V(absent), a cluster that does not exist has no access entry to delete.
    type: str
    choices: [present, absent]
    default: present
  type:
    description:
      - The type of the access entry. It cannot be changed; an existing entry of another type is an error.
      - Only V(STANDARD) entries take O(kubernetes_groups) and O(username).
    type: str
    choices: [STANDARD, EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX]
    default: STANDARD
  kubernetes_groups:
    description:
      - The Kubernetes groups the principal is in, for RBAC role bindings; compared without regard to order.
      - When omitted, the entry's groups are left as they are.
    type: list
    elements: str
  username:
    description:
      - The Kubernetes username of the principal. When omitted, AWS chooses one for a new entry and an
        existing entry's is left as it is.
    type: str
  access_policies:
    description:
      - The EKS access policies associated with the entry.
      - When omitted, the entry's access policies are left as they are.
    type: list
    elements: dict
    suboptions:
      policy:
        description:
          - The access policy, by name (V(AmazonEKSClusterAdminPolicy), V(AmazonEKSViewPolicy)...) or ARN.
        type: str
        required: true
      access_scope:
        description: Where the policy applies; the whole cluster when omitted.
        type: dict
        suboptions:
          type:
            description: V(cluster) for the whole cluster, V(namespace) for the namespaces in O(access_policies[].access_scope.namespaces).
            type: str
            choices: [cluster, namespace]
            default: cluster
          namespaces:
            description: The namespaces, for a scope of type V(namespace); a name may end in C(*), as V(dev-*).
            type: list
            elements: str
            default: []
  purge_access_policies:
    description: Disassociate the access policies of the entry that O(access_policies) does not name.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports whether the entry or its policies would be created, changed or deleted, without doing so.
  diff_mode:
    support: full
    description: Returns the entry's type, groups, username, tags and access policies before and after.
"""

EXAMPLES = r"""
- name: Give the platform team's role cluster admin
  gameops.platform.eks_access_entry:
    cluster_name: queue-infra-prod
    principal_arn: arn:aws:iam::123456789012:role/platform-admin
    access_policies:
      - policy: AmazonEKSClusterAdminPolicy

- name: Let CI deploy into the app namespaces, and bind a group for extra RBAC
  gameops.platform.eks_access_entry:
    cluster_name: queue-infra-prod
    principal_arn: arn:aws:iam::123456789012:role/ci-deployer
    kubernetes_groups: [deployers]
    access_policies:
      - policy: AmazonEKSEditPolicy
        access_scope:
          type: namespace
          namespaces: [queue, ticketing]
    tags:
      gameops:platform: queue-infra-prod

- name: Remove the access of a principal
  gameops.platform.eks_access_entry:
    cluster_name: queue-infra-prod
    principal_arn: arn:aws:iam::123456789012:role/ci-deployer
    state: absent
"""

RETURN = r"""
access_entry:
  description:
    - The access entry as C(DescribeAccessEntry) returns it, in snake case, with its access policies
      (sorted by ARN) under RV(access_entry.access_policies); empty when there is none.
    - In check mode, what the entry would be; values only AWS knows are missing or null.
  returned: always
  type: dict
  contains:
    access_policies:
      description: The associated access policies, as C(ListAssociatedAccessPolicies) returns them.
      type: list
      elements: dict
      returned: when there is an entry
  sample:
    cluster_name: queue-infra-prod
    principal_arn: arn:aws:iam::123456789012:role/ci-deployer
    access_entry_arn: arn:aws:eks:ap-northeast-2:123456789012:access-entry/queue-infra-prod/role/123456789012/ci-deployer/8ac5c1a8-3f1e-4c1f-9d39-6d8b6e2c1a52
    type: STANDARD
    kubernetes_groups: [deployers]
    username: arn:aws:sts::123456789012:assumed-role/ci-deployer/{{SessionName}}
    tags: {gameops:platform: queue-infra-prod}
    access_policies:
      - policy_arn: arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy
        access_scope: {type: namespace, namespaces: [queue, ticketing]}
        associated_at: "2025-01-01T00:00:00+00:00"
        modified_at: "2025-01-01T00:00:00+00:00"
"""

try:
    import botocore
except ImportError:
    pass  # Reported by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.gameops.platform.plugins.module_utils import eks

DIFF_KEYS = ("principal_arn", "type", "kubernetes_groups", "username", "tags")


def get_entry(client, cluster_name, principal_arn):
    try:
        return client.describe_access_entry(aws_retry=True, clusterName=cluster_name, principalArn=principal_arn)["accessEntry"]
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


def get_policies(client, cluster_name, principal_arn):
    listed = eks.paginate(client, "list_associated_access_policies", clusterName=cluster_name, principalArn=principal_arn)
    return sorted(listed["associatedAccessPolicies"], key=lambda policy: policy["policyArn"])


def scope(access_scope):
    """An access scope in the form compared: its type, and its namespaces sorted."""
    access_scope = access_scope or {}
    return dict(type=access_scope.get("type") or "cluster", namespaces=sorted(set(access_scope.get("namespaces") or [])))


def api_scope(compared):
    """An accessScope to send: a cluster scope names no namespaces."""
    return compared if compared["type"] == "namespace" else dict(type="cluster")


def describe(entry, policies):
    if entry is None:
        return {}
    result = eks.to_ansible(entry)
    result.setdefault("tags", {})
    result["access_policies"] = [eks.to_ansible(policy) for policy in policies]
    return result


def diff_view(result):
    if not result:
        return {}
    view = dict((key, result.get(key)) for key in DIFF_KEYS)
    view["kubernetes_groups"] = sorted(view["kubernetes_groups"] or [])
    view["access_policies"] = [dict(policy_arn=policy["policy_arn"], access_scope=scope(policy["access_scope"]))
                               for policy in result["access_policies"]]
    return view


def wanted_policies(module, client, cluster):
    """{policy ARN: scope} asked for, checked against the policies EKS offers; None when omitted."""
    if module.params["access_policies"] is None:
        return None
    wanted = {}
    for item in module.params["access_policies"]:
        arn = eks.access_policy_arn(item["policy"], eks.partition(cluster["arn"]))
        if arn in wanted:
            module.fail_json(msg="access_policies names %s more than once" % arn)
        wanted[arn] = scope(item["access_scope"])
        if wanted[arn]["type"] == "namespace" and not wanted[arn]["namespaces"]:
            module.fail_json(msg="The access scope of %s is of type namespace but names no namespaces" % item["policy"])
        if wanted[arn]["type"] == "cluster" and wanted[arn]["namespaces"]:
            module.fail_json(msg="The access scope of %s is of type cluster; namespaces need type namespace" % item["policy"])
    unknown = sorted(set(wanted) - eks.access_policy_arns(client))
    if unknown:
        module.fail_json(msg="Not EKS access policies: %s" % ", ".join(unknown))
    return wanted


def sync_policies(module, client, current, wanted):
    """Associates and disassociates exactly where the policies differ; (changed, policies after as returned)."""
    params = module.params
    current = dict((policy["policy_arn"], policy) for policy in current)
    if wanted is None:
        return False, [current[arn] for arn in sorted(current)]
    associate = [arn for arn in sorted(wanted) if arn not in current or scope(current[arn]["access_scope"]) != wanted[arn]]
    disassociate = [arn for arn in sorted(current) if arn not in wanted] if params["purge_access_policies"] else []
    if not module.check_mode:
        for arn in associate:
            client.associate_access_policy(aws_retry=True, clusterName=params["cluster_name"], principalArn=params["principal_arn"],
                                           policyArn=arn, accessScope=api_scope(wanted[arn]))
        for arn in disassociate:
            client.disassociate_access_policy(aws_retry=True, clusterName=params["cluster_name"],
                                              principalArn=params["principal_arn"], policyArn=arn)
    for arn in associate:
        current[arn] = dict(current.get(arn, {}), policy_arn=arn, access_scope=wanted[arn])
    for arn in disassociate:
        del current[arn]
    return bool(associate or disassociate), [current[arn] for arn in sorted(current)]


def create_entry(module, client, wanted):
    params = module.params
    request = dict(clusterName=params["cluster_name"], principalArn=params["principal_arn"], type=params["type"])
    if params["kubernetes_groups"]:
        request["kubernetesGroups"] = params["kubernetes_groups"]
    if params["username"]:
        request["username"] = params["username"]
    if params["tags"]:
        request["tags"] = params["tags"]
    if module.check_mode:
        entry = dict(cluster_name=params["cluster_name"], principal_arn=params["principal_arn"], type=params["type"],
                     kubernetes_groups=params["kubernetes_groups"] or [], username=params["username"], tags=params["tags"] or {})
    else:
        entry = eks.to_ansible(client.create_access_entry(aws_retry=True, **request)["accessEntry"])
    entry["access_policies"] = sync_policies(module, client, [], wanted)[1]
    return entry


def update_entry(module, client, before, wanted):
    params = module.params
    if before["type"] != params["type"]:
        module.fail_json(msg="The access entry of %s on cluster %s is of type %s, not %s, and the type of an access entry "
                         "cannot be changed: delete it (state=absent) and create it again"
                         % (params["principal_arn"], params["cluster_name"], before["type"], params["type"]))
    after = dict(before)
    update = {}
    groups = params["kubernetes_groups"]
    if groups is not None and sorted(set(groups)) != sorted(before["kubernetes_groups"]):
        update["kubernetesGroups"] = after["kubernetes_groups"] = sorted(set(groups))
    if params["username"] and params["username"] != before.get("username"):
        update["username"] = after["username"] = params["username"]
    if update and not module.check_mode:
        client.update_access_entry(aws_retry=True, clusterName=params["cluster_name"], principalArn=params["principal_arn"], **update)
    policies_changed, after["access_policies"] = sync_policies(module, client, before["access_policies"], wanted)
    tags_changed, after["tags"] = eks.ensure_tags(module, client, before["access_entry_arn"], before["tags"],
                                                  params["tags"], params["purge_tags"])
    return bool(update) or policies_changed or tags_changed, after


def main():
    argument_spec = dict(
        cluster_name=dict(type="str", required=True),
        principal_arn=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        type=dict(type="str", default="STANDARD", choices=["STANDARD", "EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX"]),
        kubernetes_groups=dict(type="list", elements="str"),
        username=dict(type="str"),
        access_policies=dict(type="list", elements="dict", options=dict(
            policy=dict(type="str", required=True),
            access_scope=dict(type="dict", options=dict(
                type=dict(type="str", default="cluster", choices=["cluster", "namespace"]),
                namespaces=dict(type="list", elements="str", default=[]),
            )),
        )),
        purge_access_policies=dict(type="bool", default=True),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    if params["type"] != "STANDARD" and (params["kubernetes_groups"] or params["username"]):
        module.fail_json(msg="kubernetes_groups and username only apply to access entries of type STANDARD")
    client = eks.eks_client(module)
    cluster_name, principal_arn = params["cluster_name"], params["principal_arn"]

    try:
        cluster = eks.require_cluster(module, client, cluster_name)
        entry = get_entry(client, cluster_name, principal_arn) if cluster else None
        before = describe(entry, get_policies(client, cluster_name, principal_arn) if entry else [])
        if params["state"] == "absent":
            changed, after = entry is not None, {}
            if entry and not module.check_mode:
                client.delete_access_entry(aws_retry=True, clusterName=cluster_name, principalArn=principal_arn)
        else:
            wanted = wanted_policies(module, client, cluster)
            if entry is None:
                changed, after = True, create_entry(module, client, wanted)
            else:
                changed, after = update_entry(module, client, before, wanted)
            if changed and not module.check_mode:
                after = describe(get_entry(client, cluster_name, principal_arn), get_policies(client, cluster_name, principal_arn))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage the access entry of %s on EKS cluster %s" % (principal_arn, cluster_name))

    module.exit_json(changed=changed, access_entry=after, diff=dict(before=diff_view(before), after=diff_view(after)))


if __name__ == "__main__":
    main()
