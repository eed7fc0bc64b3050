#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: eks_addon
short_description: Manage an Amazon EKS addon
version_added: 0.1.0
description:
  - Ensures an EKS addon (vpc-cni, coredns, kube-proxy, aws-ebs-csi-driver...) is installed on a cluster
    at the given version and with the given configuration, IAM role, pod identity associations and
    tags, or that it is not installed.
  - An addon that differs is changed with one UpdateAddon call carrying only what differs; tags are
    changed with TagResource and UntagResource.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  cluster_name:
    description: The name of the EKS cluster.
    type: str
    required: true
  name:
    description: The name of the addon, as C(aws eks describe-addon-versions) lists it.
    type: str
    required: true
    aliases: [addon_name]
  state:
    description:
      - V(present) ensures the addon; V(absent) deletes it.
      - With V(absent), a cluster that does not exist has no addon to delete.
    type: str
    choices: [present, absent]
    default: present
  version:
    description:
      - V(latest) is the newest version that runs on the cluster's Kubernetes version, so an installed
        addon is updated when a newer one comes out.
      - EKS moves vpc-cni one minor version at a time; to reach a version more than one minor away, the
        module updates it to the newest version of each minor version in between first, waiting for each
        (whatever O(wait) says).
      - V(default) is the version AWS marks as the default for the cluster's Kubernetes version; an
        installed addon that is newer is left at its version, as EKS does not downgrade addons.
      - Anything else is an exact version, such as V(v1.19.5-eksbuild.3); it must run on the cluster's
        Kubernetes version.
    type: str
    default: latest
  configuration_values:
    description:
      - The addon's configuration, as a dictionary or as JSON or YAML text; it must fit the addon's
        configuration schema (C(aws eks describe-addon-configuration)).
      - It is compared with the addon's as data, not as text, and sent as JSON.
      - V({}) removes the configuration; when omitted, the addon's configuration is left as it is.
    type: raw
  service_account_role_arn:
    description:
      - The IAM role the addon's service account assumes through IAM roles for service accounts (IRSA).
      - It can be replaced but not removed, as the EKS API takes no empty role; when omitted, the addon's
        role is left as it is.
    type: str
  pod_identity_associations:
    description:
      - The addon's EKS Pod Identity associations, each giving one of its service accounts an IAM role.
      - The addon ends up with exactly these; V([]) removes them all. When omitted, they are left as they are.
    type: list
    elements: dict
    suboptions:
      service_account:
        description: The addon's service account, for example V(aws-node) or V(ebs-csi-controller-sa).
        type: str
        required: true
      role_arn:
        description: The IAM role the service account gets.
        type: str
        required: true
  resolve_conflicts:
    description:
      - What EKS does with Kubernetes objects of the addon that were changed outside EKS, when it
        creates or updates the addon.
      - EKS takes V(PRESERVE) on updates only; an addon is created with V(NONE) instead.
    type: str
    choices: [OVERWRITE, NONE, PRESERVE]
    default: OVERWRITE
  preserve_on_delete:
    description: With O(state=absent), keep the addon's Kubernetes objects on the cluster.
    type: bool
    default: false
  wait:
    description:
      - Wait until an addon created or updated is V(ACTIVE), or a deleted one is gone.
      - An addon that ends V(CREATE_FAILED), V(UPDATE_FAILED), V(DEGRADED) or V(DELETE_FAILED) fails the
        task with its health issues.
    type: bool
    default: true
  wait_timeout:
    description: How many seconds to wait.
    type: int
    default: 1200
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports whether the addon would be created, updated, retagged or deleted, without doing so.
  diff_mode:
    support: full
    description:
      - Returns the addon's name, ARN, version, configuration values, service account role, pod identity
        associations and tags, before and after.
"""

EXAMPLES = r"""
- name: Install the VPC CNI, newest version, with prefix delegation and a pod identity role
  gameops.platform.eks_addon:
    cluster_name: queue-infra-prod
    name: vpc-cni
    configuration_values:
      env:
        ENABLE_PREFIX_DELEGATION: "true"
    pod_identity_associations:
      - service_account: aws-node
        role_arn: arn:aws:iam::123456789012:role/queue-infra-prod-vpc-cni
    tags:
      gameops:platform: queue-infra-prod

- name: Pin CoreDNS to the default version of the cluster's Kubernetes version
  gameops.platform.eks_addon:
    cluster_name: queue-infra-prod
    name: coredns
    version: default
    configuration_values: '{"replicaCount": 3}'

- name: Remove an addon but keep what it installed
  gameops.platform.eks_addon:
    cluster_name: queue-infra-prod
    name: aws-ebs-csi-driver
    state: absent
    preserve_on_delete: true
"""

RETURN = r"""
addon:
  description:
    - The addon as C(DescribeAddon) returns it, in snake case; empty when there is none.
    - O(configuration_values) is a dictionary here, and O(pod_identity_associations) a list of
      service account and role pairs (sorted by service account) rather than association ARNs.
    - In check mode, what the addon would be; values only AWS knows are missing or null.
    - On an update, C(version_steps) lists the versions the addon went through (or would) before its new
      one, as EKS moves vpc-cni one minor version at a time.
  returned: always
  type: dict
  sample:
    addon_name: vpc-cni
    addon_arn: arn:aws:eks:ap-northeast-2:123456789012:addon/queue-infra-prod/vpc-cni/5cc5c1a8-3f1e-4c1f-9d39-6d8b6e2c1a52
    addon_version: v1.19.5-eksbuild.3
    cluster_name: queue-infra-prod
    status: ACTIVE
    health: {issues: []}
    configuration_values: {env: {ENABLE_PREFIX_DELEGATION: "true"}}
    service_account_role_arn: null
    pod_identity_associations:
      - service_account: aws-node
        role_arn: arn:aws:iam::123456789012:role/queue-infra-prod-vpc-cni
    tags: {gameops:platform: queue-infra-prod}
    version_steps: []
    created_at: "2025-01-01T00:00:00+00:00"
    modified_at: "2025-01-01T00:00:00+00:00"
"""

import json

try:
    import botocore
except ImportError:
    pass  # Reported by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.gameops.platform.plugins.module_utils import eks

# Addons EKS moves at most one minor version per update.
ONE_MINOR_AT_A_TIME = ("vpc-cni",)
FAILED_STATES = ("CREATE_FAILED", "UPDATE_FAILED", "DEGRADED", "DELETE_FAILED")
BUSY_STATES = ("CREATING", "UPDATING")
DIFF_KEYS = ("addon_name", "addon_arn", "addon_version", "configuration_values", "service_account_role_arn",
             "pod_identity_associations", "tags")


def get_addon(client, cluster_name, name):
    try:
        return client.describe_addon(aws_retry=True, clusterName=cluster_name, addonName=name)["addon"]
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


def addon_failure(addon):
    """For wait_until: why an addon in a failed state is, from its health issues; None otherwise."""
    if addon["status"] not in FAILED_STATES:
        return None
    issues = ["%s: %s%s" % (issue.get("code"), issue.get("message"),
                            " (%s)" % ", ".join(issue["resourceIds"]) if issue.get("resourceIds") else "")
              for issue in addon.get("health", {}).get("issues", [])]
    return "the addon is %s; health issues: %s" % (addon["status"], "; ".join(issues) or "none reported")


def wait_for(module, client, name, done, what):
    cluster_name = module.params["cluster_name"]
    return eks.wait_or_fail(module, lambda: get_addon(client, cluster_name, name), done, addon_failure,
                            what="addon %s of cluster %s %s" % (name, cluster_name, what))


def wait_active(module, client, name):
    return wait_for(module, client, name, lambda addon: addon is not None and addon["status"] == "ACTIVE", "to become ACTIVE")


def describe(module, client, addon):
    """The addon as returned (see RETURN); {} when there is none."""
    if addon is None:
        return {}
    result = eks.to_ansible(addon)
    result["configuration_values"] = eks.parse_configuration(module, addon.get("configurationValues"))
    result.setdefault("service_account_role_arn", None)
    result.setdefault("tags", {})
    associations = []
    for arn in addon.get("podIdentityAssociations", []):
        association = client.describe_pod_identity_association(
            aws_retry=True, clusterName=addon["clusterName"], associationId=arn.rsplit("/", 1)[1])["association"]
        associations.append(dict(service_account=association["serviceAccount"], role_arn=association["roleArn"]))
    result["pod_identity_associations"] = sorted(associations, key=lambda item: item["service_account"])
    return result


def diff_view(result):
    return dict((key, result.get(key)) for key in DIFF_KEYS) if result else {}


def wanted(module):
    """(configuration, role, associations) asked for; None where an option is omitted."""
    params = module.params
    configuration = params["configuration_values"]
    if configuration is not None:
        configuration = eks.parse_configuration(module, configuration)
    associations = params["pod_identity_associations"]
    if associations is not None:
        associations = sorted((dict(service_account=item["service_account"], role_arn=item["role_arn"]) for item in associations),
                              key=lambda item: item["service_account"])
        accounts = [item["service_account"] for item in associations]
        if len(set(accounts)) != len(accounts):
            module.fail_json(msg="pod_identity_associations names a service account more than once: %s" % ", ".join(accounts))
    return configuration, params["service_account_role_arn"], associations


def api_associations(associations):
    return [dict(serviceAccount=item["service_account"], roleArn=item["role_arn"]) for item in associations]


def create_addon(module, client, version):
    params = module.params
    configuration, role, associations = wanted(module)
    # EKS takes PRESERVE on updates only; on creation it is NONE, which leaves objects changed outside EKS alone too.
    request = dict(clusterName=params["cluster_name"], addonName=params["name"], addonVersion=version,
                   resolveConflicts="NONE" if params["resolve_conflicts"] == "PRESERVE" else params["resolve_conflicts"])
    if configuration:
        request["configurationValues"] = json.dumps(configuration, sort_keys=True)
    if role:
        request["serviceAccountRoleArn"] = role
    if associations:
        request["podIdentityAssociations"] = api_associations(associations)
    if params["tags"]:
        request["tags"] = params["tags"]
    if module.check_mode:
        return dict(addon_name=params["name"], addon_arn=None, cluster_name=params["cluster_name"], addon_version=version,
                    configuration_values=configuration or {}, service_account_role_arn=role or None,
                    pod_identity_associations=associations or [], tags=params["tags"] or {})
    addon = client.create_addon(aws_retry=True, **request)["addon"]
    if params["wait"]:
        addon = wait_active(module, client, params["name"])
    return describe(module, client, addon)


def changes(module, before, version):
    """(the UpdateAddon members that differ, with their values; the addon as it would be after)."""
    configuration, role, associations = wanted(module)
    update, after = {}, dict(before)
    if module.params["version"] == "default" and eks.version_key(before["addon_version"]) > eks.version_key(version):
        version = before["addon_version"]  # EKS does not downgrade addons
    if version != before["addon_version"]:
        update["addonVersion"] = after["addon_version"] = version
    if configuration is not None and configuration != before["configuration_values"]:
        update["configurationValues"] = json.dumps(configuration, sort_keys=True)
        after["configuration_values"] = configuration
    if role is not None and role != before["service_account_role_arn"]:
        update["serviceAccountRoleArn"] = after["service_account_role_arn"] = role
    if associations is not None and associations != before["pod_identity_associations"]:
        update["podIdentityAssociations"] = api_associations(associations)
        after["pod_identity_associations"] = associations
    return update, after


def minor(version):
    return eks.version_key(version)[:2]


def intermediate_versions(module, client, kubernetes_version, current, target):
    """The versions to step through from ``current`` to ``target`` for addons EKS moves one minor version at a
    time ("Updating VPC-CNI can only go up or down 1 minor version at a time"): the newest of each minor between."""
    if module.params["name"] not in ONE_MINOR_AT_A_TIME or minor(current)[0] != minor(target)[0]:
        return []
    low, high = sorted((minor(current)[1], minor(target)[1]))
    available = [info["addonVersion"] for info in eks._addon_versions(client, module.params["name"], kubernetes_version)]  # pylint: disable=protected-access
    steps = []
    between = range(low + 1, high) if minor(target) > minor(current) else range(high - 1, low, -1)
    for number in between:
        candidates = [version for version in available if minor(version) == (minor(current)[0], number)]
        if not candidates:
            module.fail_json(msg="The EKS addon %s moves one minor version at a time, and no %d.%d version of it runs on Kubernetes %s"
                             % (module.params["name"], minor(current)[0], number, kubernetes_version))
        steps.append(max(candidates, key=eks.version_key))
    return steps


def update_addon(module, client, addon, before, version, kubernetes_version):
    params = module.params
    update, after = changes(module, before, version)
    steps = intermediate_versions(module, client, kubernetes_version, before["addon_version"], update["addonVersion"]) if "addonVersion" in update else []
    after["version_steps"] = steps
    if steps and not module.check_mode:
        for step in steps:
            if addon["status"] in BUSY_STATES or step != steps[0]:
                wait_active(module, client, params["name"])
            client.update_addon(aws_retry=True, clusterName=params["cluster_name"], addonName=params["name"], addonVersion=step,
                                resolveConflicts=params["resolve_conflicts"])
        addon = dict(addon, status="UPDATING")
    if update and not module.check_mode:
        if (params["wait"] or steps) and addon["status"] in BUSY_STATES:
            wait_active(module, client, params["name"])
        client.update_addon(aws_retry=True, clusterName=params["cluster_name"], addonName=params["name"],
                            resolveConflicts=params["resolve_conflicts"], **update)
    tags_changed, after["tags"] = eks.ensure_tags(module, client, before["addon_arn"], before["tags"],
                                                  params["tags"], params["purge_tags"])
    changed = bool(update) or tags_changed
    if changed and not module.check_mode:
        if update and params["wait"]:
            addon = wait_active(module, client, params["name"])
        else:
            addon = get_addon(client, params["cluster_name"], params["name"])
        after = dict(describe(module, client, addon), version_steps=steps)
    return changed, after


def delete_addon(module, client):
    params = module.params
    if module.check_mode:
        return
    client.delete_addon(aws_retry=True, clusterName=params["cluster_name"], addonName=params["name"],
                        preserve=params["preserve_on_delete"])
    if params["wait"]:
        wait_for(module, client, params["name"], lambda addon: addon is None, "to be deleted")


def main():
    argument_spec = dict(
        cluster_name=dict(type="str", required=True),
        name=dict(type="str", required=True, aliases=["addon_name"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        version=dict(type="str", default="latest"),
        configuration_values=dict(type="raw"),
        service_account_role_arn=dict(type="str"),
        pod_identity_associations=dict(type="list", elements="dict", options=dict(
            service_account=dict(type="str", required=True),
            role_arn=dict(type="str", required=True),
        )),
        resolve_conflicts=dict(type="str", default="OVERWRITE", choices=["OVERWRITE", "NONE", "PRESERVE"]),
        preserve_on_delete=dict(type="bool", default=False),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1200),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    if params["service_account_role_arn"] == "":
        module.fail_json(msg="service_account_role_arn cannot be empty: the role of an addon can be replaced, not removed")
    client = eks.eks_client(module)

    try:
        cluster = eks.require_cluster(module, client, params["cluster_name"])
        addon = get_addon(client, params["cluster_name"], params["name"]) if cluster else None
        before = describe(module, client, addon)
        if params["state"] == "absent":
            changed, after = addon is not None, {}
            if changed:
                delete_addon(module, client)
        else:
            version = eks.resolve_addon_version(module, client, params["name"], cluster["version"], params["version"])
            if addon is None:
                changed, after = True, create_addon(module, client, version)
            else:
                changed, after = update_addon(module, client, addon, before, version, cluster["version"])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage the addon %s of EKS cluster %s" % (params["name"], params["cluster_name"]))

    module.exit_json(changed=changed, addon=after, diff=dict(before=diff_view(before), after=diff_view(after)))


if __name__ == "__main__":
    main()
