#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: eks_nodegroup
short_description: Manage an EKS managed nodegroup, updating it in place
version_added: 0.1.0
description:
  - Creates an Amazon EKS managed nodegroup, brings an existing one to the given settings in place, or
    deletes it.
  - Scaling, labels, taints and the update configuration change with one UpdateNodegroupConfig call that
    adds and removes exactly the labels and taints that differ; the Kubernetes version and AMI release
    change with UpdateNodegroupVersion; tags change at once.
  - What EKS cannot change in place (O(node_role_arn), O(subnet_ids), O(instance_types),
    O(capacity_type), O(ami_type), O(disk_size)) is an error naming the setting, before anything is
    changed. The module never replaces a nodegroup; create a new one and delete the old one instead.
  - Options left out are not compared; an existing nodegroup keeps what it has.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  cluster_name:
    description: The cluster of the nodegroup.
    type: str
    required: true
  name:
    description: The name of the nodegroup.
    type: str
    required: true
  state:
    description: V(present) ensures the nodegroup with the given settings; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  node_role_arn:
    description: The IAM role of the nodes. Needed to create the nodegroup; cannot change.
    type: str
  subnet_ids:
    description: The subnets the nodes run in. Needed to create the nodegroup; cannot change.
    type: list
    elements: str
  instance_types:
    description: The EC2 instance types of the nodes, in order of preference. EKS defaults to V(t3.medium). Cannot change.
    type: list
    elements: str
  capacity_type:
    description: On-demand or spot instances. EKS defaults to V(ON_DEMAND). Cannot change.
    type: str
    choices: [ON_DEMAND, SPOT]
  ami_type:
    description:
      - The AMI family of the nodes. EKS picks one for the Kubernetes version when left out. Cannot change.
      - AL2 AMIs do not exist for Kubernetes 1.33 and later.
    type: str
    choices: [AL2023_x86_64_STANDARD, AL2023_ARM_64_STANDARD, AL2023_x86_64_NVIDIA, BOTTLEROCKET_x86_64, BOTTLEROCKET_ARM_64, AL2_x86_64]
  disk_size:
    description: The root volume size of the nodes, in GiB. EKS defaults to 20. Cannot change.
    type: int
  scaling:
    description:
      - The size of the nodegroup. Sizes left out are not compared.
      - O(scaling.desired_size) is honoured when the nodegroup is created. Afterwards the desired size
        belongs to whoever scales the nodegroup (the cluster autoscaler, Karpenter, people), so the module
        only changes it when it falls outside a new O(scaling.min_size) to O(scaling.max_size) range, and
        then to O(scaling.desired_size) if given, else to the nearest bound.
    type: dict
    suboptions:
      min_size:
        description: The fewest nodes.
        type: int
      max_size:
        description: The most nodes.
        type: int
      desired_size:
        description: The number of nodes to start with; defaults to O(scaling.min_size) when that is given.
        type: int
  labels:
    description:
      - Kubernetes labels of the nodes. The nodegroup ends up with exactly these; labels it has beyond them
        are removed, and only labels that differ are sent.
    type: dict
  taints:
    description:
      - Kubernetes taints of the nodes. The nodegroup ends up with exactly these; a taint is known by its
        key and effect, so a new value updates it in place.
    type: list
    elements: dict
    suboptions:
      key:
        description: The taint key.
        type: str
        required: true
      value:
        description: The taint value.
        type: str
      effect:
        description: What the taint does to pods that do not tolerate it.
        type: str
        required: true
        choices: [NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE]
  update_config:
    description: How nodes are replaced during version updates.
    type: dict
    suboptions:
      max_unavailable:
        description: The most nodes unavailable at once. EKS defaults to 1.
        type: int
        required: true
  version:
    description:
      - The Kubernetes minor version of the nodes, such as V(1.32). EKS takes only the cluster's version.
      - When left out (the usual case) the nodegroup follows its cluster; it is created at the cluster's
        version and updated to it after the cluster was upgraded.
      - An older version than the nodegroup's is an error.
    type: str
  release_version:
    description:
      - The AMI release of the nodes, such as V(1.35.1-20261118). EKS takes the newest release of the
        version when it is left out at creation or in a version update; otherwise it is not compared.
    type: str
  wait:
    description:
      - Whether to wait until the nodegroup is V(ACTIVE) after creating it, until its last update has
        finished, or until it is gone after deleting it.
      - With nothing to change, V(true) still waits for a nodegroup an earlier run left creating or
        updating (or deleting, with O(state=absent)).
      - A version update always waits for a configuration update made before it.
    type: bool
    default: true
  wait_timeout:
    description:
      - How long to wait, in seconds, for each creation, update or deletion.
      - A version update replaces the nodes in a rolling update, O(update_config.max_unavailable) nodes at a
        time, several minutes a batch; a nodegroup of 20 nodes at V(1) takes over an hour. Give a time-out
        that covers it, or run again after a time-out, as EKS goes on with the update; the next run waits
        for it and starts no other.
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
    description: Reports whether the nodegroup would be created, updated (listing the updates) or deleted, without doing so.
  diff_mode:
    support: full
    description: Returns the compared settings of the nodegroup before and after.
"""

EXAMPLES = r"""
- name: Queue workers on spot instances
  gameops.platform.eks_nodegroup:
    cluster_name: queue-infra-prod
    name: queue-workers
    node_role_arn: arn:aws:iam::123456789012:role/queue-infra-prod-node
    subnet_ids: "{{ private_subnet_ids }}"
    instance_types: [m7i.large, m6i.large]
    capacity_type: SPOT
    ami_type: AL2023_x86_64_STANDARD
    scaling: {min_size: 2, max_size: 10, desired_size: 3}
    labels:
      workload: queue
    taints:
      - {key: dedicated, value: queue, effect: NO_SCHEDULE}
    update_config: {max_unavailable: 2}
    tags:
      gameops:platform: queue-infra-prod

- name: Remove the nodegroup
  gameops.platform.eks_nodegroup:
    cluster_name: queue-infra-prod
    name: queue-workers
    state: absent
"""

RETURN = r"""
nodegroup:
  description:
    - The nodegroup as DescribeNodegroup reports it, in snake case (label and tag keys as they are).
    - Empty when there is none, with O(state=absent), and in check mode when it would be created.
  returned: always
  type: dict
  sample:
    nodegroup_name: queue-workers
    cluster_name: queue-infra-prod
    status: ACTIVE
    version: "1.35"
    release_version: 1.35.1-20261118
    scaling_config: {min_size: 2, max_size: 10, desired_size: 3}
    labels: {workload: queue}
    taints: [{key: dedicated, value: queue, effect: NO_SCHEDULE}]
updates:
  description:
    - The updates made, in order; in check mode, the updates that would be made.
    - Each has the C(operation) (V(UpdateNodegroupConfig) or V(UpdateNodegroupVersion)) and the C(request)
      sent; outside check mode also the C(update) as EKS reports it (C(id), C(type), C(status), C(params)).
  returned: when O(state=present)
  type: list
  elements: dict
  sample:
    - operation: UpdateNodegroupConfig
      request: {cluster_name: queue-infra-prod, nodegroup_name: queue-workers, labels: {remove_labels: [tier]}}
      update: {id: 0e3c2a4b-5d2f-4a55-9f43-7d3c8b0c1a2e, type: ConfigUpdate, status: Successful}
"""

try:
    import botocore
except ImportError:
    pass  # Reported by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.gameops.platform.plugins.module_utils.eks import describe_cluster
from ansible_collections.gameops.platform.plugins.module_utils.eks import eks_client
from ansible_collections.gameops.platform.plugins.module_utils.eks import ensure_tags
from ansible_collections.gameops.platform.plugins.module_utils.eks import wait_or_fail
from ansible_collections.gameops.platform.plugins.module_utils.eks_updates import kubernetes_version
from ansible_collections.gameops.platform.plugins.module_utils.eks_updates import run_updates
from ansible_collections.gameops.platform.plugins.module_utils.eks_updates import to_snake

AMI_TYPES = ["AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD", "AL2023_x86_64_NVIDIA", "BOTTLEROCKET_x86_64", "BOTTLEROCKET_ARM_64", "AL2_x86_64"]
# Settings EKS cannot change in place: option -> nodegroup field.
FIXED = dict(node_role_arn="nodeRole", subnet_ids="subnets", instance_types="instanceTypes", capacity_type="capacityType",
             ami_type="amiType", disk_size="diskSize")
# What EKS gives a new nodegroup for the settings left out, as far as it does not depend on the cluster.
CREATE_DEFAULTS = dict(instance_types=["t3.medium"], capacity_type="ON_DEMAND", ami_type=None, disk_size=20,
                       scaling=dict(min_size=2, max_size=2, desired_size=2), labels={}, taints=[],
                       update_config=dict(max_unavailable=1, update_strategy="DEFAULT"), release_version=None, tags={})


def taint_key(taint):
    return taint["key"], taint["effect"]


def normalized_taints(taints):
    return sorted((dict(key=taint["key"], value=taint.get("value"), effect=taint["effect"]) for taint in taints), key=taint_key)


def settings(nodegroup):
    """The compared settings of a nodegroup, as in the diff; {} when there is none."""
    if not nodegroup:
        return {}
    scaling = nodegroup.get("scalingConfig", {})
    update_config = nodegroup.get("updateConfig") or {}
    result = dict((option, nodegroup.get(field)) for option, field in FIXED.items())
    result.update(
        subnet_ids=sorted(nodegroup.get("subnets", [])),
        scaling=dict(min_size=scaling.get("minSize"), max_size=scaling.get("maxSize"), desired_size=scaling.get("desiredSize")),
        labels=dict(nodegroup.get("labels") or {}),
        taints=normalized_taints(nodegroup.get("taints") or []),
        update_config=to_snake(update_config),
        version=nodegroup.get("version"),
        release_version=nodegroup.get("releaseVersion"),
        tags=dict(nodegroup.get("tags") or {}),
    )
    return result


def wanted_scaling(module, current):
    """The scaling asked for over ``current``: see the scaling option for what happens to the desired size."""
    asked = module.params["scaling"] or {}
    low = current["min_size"] if asked.get("min_size") is None else asked["min_size"]
    high = current["max_size"] if asked.get("max_size") is None else asked["max_size"]
    desired = asked.get("desired_size")
    if low is not None and high is not None and low > high:
        module.fail_json(msg="scaling.min_size %d is greater than scaling.max_size %d" % (low, high))
    if desired is not None and not (low or 0) <= desired <= (high if high is not None else desired):
        module.fail_json(msg="scaling.desired_size %d is outside scaling.min_size %s to scaling.max_size %s" % (desired, low, high))
    if current["desired_size"] is None:  # creation: honour desired_size
        desired = low if desired is None else desired
    elif not low <= current["desired_size"] <= high:
        desired = min(max(current["desired_size"], low), high) if desired is None else desired
    else:
        desired = current["desired_size"]
    return dict(min_size=low, max_size=high, desired_size=desired)


def wanted(module, before, version):
    """The settings asked for: the options given, normalized as settings() reports them, over ``before``."""
    params = module.params
    result = dict(before, version=version)
    for option in list(FIXED) + ["release_version"]:
        if params[option] is not None:
            result[option] = params[option]
    if version != before["version"] and params["release_version"] is None:
        result["release_version"] = None  # EKS takes the newest release of the new version
    if params["labels"] is not None:
        result["labels"] = dict((str(key), str(value)) for key, value in params["labels"].items())
    if params["subnet_ids"] is not None:
        result["subnet_ids"] = sorted(set(params["subnet_ids"]))
    if params["taints"] is not None:
        result["taints"] = normalized_taints(params["taints"])
    if params["update_config"] is not None:
        # Only the keys given are compared: EKS also reports updateStrategy (DEFAULT), which would differ on every run.
        result["update_config"] = dict(before.get("update_config") or {}, **params["update_config"])
    if params["scaling"] is not None:
        result["scaling"] = wanted_scaling(module, before["scaling"])
    if params["tags"] is not None:
        result["tags"] = dict(params["tags"]) if params["purge_tags"] else dict(before.get("tags", {}), **params["tags"])
    return result


def refuse_impossible(module, before, after, cluster_version):
    """Fails, before anything changes, on what EKS cannot do to an existing nodegroup."""
    name = module.params["name"]
    for option in FIXED:
        if after[option] != before[option]:
            module.fail_json(msg="%s of nodegroup %s cannot be changed in place (it has %s, not %s): create a nodegroup with the new "
                             "settings and delete this one" % (option, name, before[option], after[option]))
    if kubernetes_version(module, after["version"]) < kubernetes_version(module, before["version"]):
        module.fail_json(msg="Nodegroup %s runs Kubernetes %s; EKS cannot downgrade it to %s" % (name, before["version"], after["version"]))
    if after["version"] not in (before["version"], cluster_version):
        module.fail_json(msg="EKS updates nodegroup %s only to the version of its cluster, %s, not to %s" % (name, cluster_version, after["version"]))


def config_request(before, after):
    """The UpdateNodegroupConfig members that bring ``before`` to ``after``: exactly what differs."""
    request = {}
    labels = dict(addOrUpdateLabels=dict((key, value) for key, value in after["labels"].items() if before["labels"].get(key) != value),
                  removeLabels=sorted(key for key in before["labels"] if key not in after["labels"]))
    old, new = [dict((taint_key(taint), taint) for taint in side["taints"]) for side in (before, after)]
    taints = dict(addOrUpdateTaints=[wire_taint(taint) for key, taint in sorted(new.items()) if old.get(key) != taint],
                  removeTaints=[wire_taint(taint) for key, taint in sorted(old.items()) if key not in new])
    for member, change in (("labels", labels), ("taints", taints)):
        change = dict((key, value) for key, value in change.items() if value)
        if change:
            request[member] = change
    if after["scaling"] != before["scaling"]:
        request["scalingConfig"] = dict(minSize=after["scaling"]["min_size"], maxSize=after["scaling"]["max_size"])
        if after["scaling"]["desired_size"] != before["scaling"]["desired_size"]:
            request["scalingConfig"]["desiredSize"] = after["scaling"]["desired_size"]
    if after["update_config"] != before["update_config"]:
        request["updateConfig"] = dict(maxUnavailable=after["update_config"]["max_unavailable"])
    return request


def wire_taint(taint):
    return dict((key, value) for key, value in taint.items() if value is not None)


def planned_calls(module, before, after):
    ids = dict(clusterName=module.params["cluster_name"], nodegroupName=module.params["name"])
    calls = []
    config = config_request(before, after)
    if config:
        calls.append(("UpdateNodegroupConfig", "update_nodegroup_config", dict(ids, **config)))
    version = dict((member, after[option]) for option, member in (("version", "version"), ("release_version", "releaseVersion"))
                   if after[option] is not None and after[option] != before[option])
    if version:
        calls.append(("UpdateNodegroupVersion", "update_nodegroup_version", dict(ids, **version)))
    return calls


def describe_nodegroup(client, cluster_name, name):
    """The nodegroup, or None when it (or its cluster) does not exist."""
    try:
        return client.describe_nodegroup(aws_retry=True, clusterName=cluster_name, nodegroupName=name)["nodegroup"]
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


def wait_for(module, client, done, failed_states, what):
    params = module.params

    def failed(nodegroup):
        if nodegroup["status"] not in failed_states:
            return None
        issues = "; ".join(issue.get("message", issue.get("code", "")) for issue in nodegroup.get("health", {}).get("issues", []))
        return "the nodegroup is %s %s" % (nodegroup["status"], issues)

    timed_out = ("EKS goes on with what the nodegroup is doing; run again to wait for it. A version update replaces the nodes "
                 "a batch of maxUnavailable at a time, every few minutes, so a large nodegroup needs a wait_timeout to match")
    return wait_or_fail(module, lambda: describe_nodegroup(client, params["cluster_name"], params["name"]), done, failed, what=what,
                        timed_out=timed_out)


def wait_active(module, client, what):
    return wait_for(module, client, lambda nodegroup: nodegroup is not None and nodegroup["status"] == "ACTIVE",
                    ("CREATE_FAILED", "DEGRADED", "DELETING", "DELETE_FAILED"), what)


def create(module, client, cluster_version):
    params = module.params
    version = params["version"] or cluster_version
    if not params["node_role_arn"] or not params["subnet_ids"]:
        module.fail_json(msg="node_role_arn and subnet_ids are needed to create nodegroup %s" % params["name"])
    after = wanted(module, dict(CREATE_DEFAULTS, version=None, node_role_arn=None, subnet_ids=[],
                                scaling=dict(min_size=None, max_size=None, desired_size=None)), version)
    if params["scaling"] is None:
        after["scaling"] = CREATE_DEFAULTS["scaling"]
    if module.check_mode:
        return None, after
    request = dict(clusterName=params["cluster_name"], nodegroupName=params["name"], nodeRole=params["node_role_arn"], subnets=params["subnet_ids"])
    for option, member in (("instance_types", "instanceTypes"), ("capacity_type", "capacityType"), ("ami_type", "amiType"),
                           ("disk_size", "diskSize"), ("labels", "labels"), ("version", "version"), ("release_version", "releaseVersion"),
                           ("tags", "tags")):
        if params[option] is not None:
            request[member] = params[option]
    if params["scaling"] is not None:
        scaling = dict(minSize=after["scaling"]["min_size"], maxSize=after["scaling"]["max_size"], desiredSize=after["scaling"]["desired_size"])
        request["scalingConfig"] = dict((key, value) for key, value in scaling.items() if value is not None)
    if params["taints"] is not None:
        request["taints"] = [wire_taint(taint) for taint in after["taints"]]
    if params["update_config"] is not None:
        request["updateConfig"] = dict(maxUnavailable=params["update_config"]["max_unavailable"])
    nodegroup = client.create_nodegroup(aws_retry=True, **request)["nodegroup"]
    if params["wait"]:
        nodegroup = wait_active(module, client, "nodegroup %s to be created" % params["name"])
    return nodegroup, settings(nodegroup)


def plan(module, nodegroup, cluster_version):
    """(settings after, update calls) for an existing nodegroup; fails on what cannot be done."""
    before = settings(nodegroup)
    after = wanted(module, before, module.params["version"] or cluster_version or before["version"])
    refuse_impossible(module, before, after, cluster_version)
    return after, planned_calls(module, before, after)


def update(module, client, nodegroup, cluster_version):
    """Brings an existing nodegroup in line; returns (changed, nodegroup, after, updates)."""
    params = module.params
    if nodegroup["status"] == "DELETING":
        module.fail_json(msg="Nodegroup %s is being deleted" % params["name"])
    after, calls = plan(module, nodegroup, cluster_version)
    if calls and nodegroup["status"] != "ACTIVE" and not module.check_mode:
        # EKS takes no update while another runs, and shows what one changes only once it has finished.
        nodegroup = wait_active(module, client, "nodegroup %s to be ACTIVE before updating it" % params["name"])
        after, calls = plan(module, nodegroup, cluster_version)
    tags_changed = ensure_tags(module, client, nodegroup["nodegroupArn"], nodegroup.get("tags"), params["tags"], params["purge_tags"])[0]
    updates = run_updates(module, client, calls, params["cluster_name"], params["name"])
    changed = bool(calls) or tags_changed
    if module.check_mode:
        return changed, nodegroup, after, updates
    if params["wait"] and (changed or nodegroup["status"] != "ACTIVE"):
        nodegroup = wait_active(module, client, "nodegroup %s" % params["name"])
        after = settings(nodegroup)
    elif changed:
        nodegroup = describe_nodegroup(client, params["cluster_name"], params["name"])
    return changed, nodegroup, after, updates


def delete(module, client, nodegroup):
    params = module.params
    if module.check_mode:
        return
    if nodegroup["status"] != "DELETING":
        client.delete_nodegroup(aws_retry=True, clusterName=params["cluster_name"], nodegroupName=params["name"])
    if params["wait"]:
        wait_for(module, client, lambda current: current is None, ("DELETE_FAILED",), "nodegroup %s to be deleted" % params["name"])


def cluster_version(module, client):
    """The Kubernetes version of the nodegroup's cluster; None when there is no cluster (in check mode, one to be created)."""
    if module.params["version"] is not None:
        kubernetes_version(module, module.params["version"])
    cluster = describe_cluster(client, module.params["cluster_name"])
    return cluster["version"] if cluster else None


def main():
    argument_spec = dict(
        cluster_name=dict(type="str", required=True),
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        node_role_arn=dict(type="str"),
        subnet_ids=dict(type="list", elements="str"),
        instance_types=dict(type="list", elements="str"),
        capacity_type=dict(type="str", choices=["ON_DEMAND", "SPOT"]),
        ami_type=dict(type="str", choices=AMI_TYPES),
        disk_size=dict(type="int"),
        scaling=dict(type="dict", options=dict(min_size=dict(type="int"), max_size=dict(type="int"), desired_size=dict(type="int"))),
        labels=dict(type="dict"),
        taints=dict(type="list", elements="dict", options=dict(
            key=dict(type="str", required=True, no_log=False),
            value=dict(type="str"),
            effect=dict(type="str", required=True, choices=["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"]),
        )),
        update_config=dict(type="dict", options=dict(max_unavailable=dict(type="int", required=True))),
        version=dict(type="str"),
        release_version=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1200),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = eks_client(module)
    params = module.params
    updates = []
    try:
        nodegroup = describe_nodegroup(client, params["cluster_name"], params["name"])
        before = settings(nodegroup)
        if params["state"] == "absent":
            # A nodegroup already being deleted is only waited for.
            changed, after = nodegroup is not None and nodegroup["status"] != "DELETING", {}
            if nodegroup is not None:
                delete(module, client, nodegroup)
            nodegroup = None
        elif nodegroup is None:
            changed = True
            nodegroup, after = create(module, client, cluster_version(module, client))
        else:
            changed, nodegroup, after, updates = update(module, client, nodegroup, cluster_version(module, client))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage nodegroup %s of EKS cluster %s" % (params["name"], params["cluster_name"]))

    result = dict(changed=changed, nodegroup=to_snake(nodegroup), diff=dict(before=before, after=after))
    if params["state"] == "present":
        result["updates"] = updates
    module.exit_json(**result)


if __name__ == "__main__":
    main()
