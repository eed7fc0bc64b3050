#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: eks_cluster
short_description: Manage an EKS cluster, updating it in place
version_added: 0.1.0
description:
  - Creates an Amazon EKS cluster, brings an existing one to the given settings in place, or deletes it.
  - Unlike M(community.aws.eks_cluster), it updates an existing cluster in place, namely its control
    plane logging, endpoint access, security groups, authentication mode, secrets encryption,
    Kubernetes version and tags.
  - Options left out are not compared; an existing cluster keeps what it has.
  - EKS takes one kind of change per update and one update at a time, so the module makes one update
    call per kind of change and waits for each update to finish before it starts the next (whatever
    O(wait) says). Tags change at once, without an update.
  - What EKS cannot change in place (O(role_arn)), what the module does not change (O(subnet_ids)),
    downgrades, and moves EKS refuses fail with a message saying so, before anything is changed.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  name:
    description: The name of the cluster.
    type: str
    required: true
  state:
    description: V(present) ensures the cluster with the given settings; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  version:
    description:
      - The Kubernetes minor version, such as V(1.32).
      - When a cluster is created without it, EKS picks its default version.
      - A newer version than the cluster's is reached one minor version at a time, as EKS requires
        (V(1.30) to V(1.32) is an update to V(1.31), then one to V(1.32)), each once the one before has
        finished. In check mode the updates are only reported.
      - EKS updates a cluster to a new version only while all its managed nodegroups run the cluster's
        version. So a cluster with managed nodegroups takes one minor version per run; the versions still
        to go are in RV(remaining_versions), with a warning, and the next run (after the nodegroups have
        been updated to the cluster's new version) takes the next one. While a nodegroup lags the cluster's
        version, the version is not changed at all (the other settings are).
      - An older version than the cluster's is an error; EKS cannot downgrade.
      - Before a version update, also in check mode, the module reads the cluster's upgrade readiness insights
        (ListInsights) for the next version, and fails before changing anything when one is in V(ERROR), naming each,
        unless O(force_upgrade=true). No insight is read when the version is not to change.
    type: str
  force_upgrade:
    description:
      - Whether to update the Kubernetes version even though EKS upgrade readiness insights in V(ERROR) apply to it
        (UpdateClusterVersion's C(force)), with a warning naming them.
      - Without it, such insights make the module fail before any change; so does EKS's refusal
        (C(InvalidStateException)) of a version its insights block, which the read can miss, as EKS refreshes
        insights only about once a day.
      - Only the insights of the next minor version are read before updating; EKS refuses a later step in turn
        if its insights block it.
    type: bool
    default: false
  role_arn:
    description:
      - The IAM role the EKS control plane uses. Needed to create the cluster.
      - EKS cannot change the role of a cluster; a different one is an error.
    type: str
  subnet_ids:
    description:
      - The subnets of the cluster's network interfaces, in at least two availability zones. Needed to
        create the cluster.
      - The module does not change the subnets of an existing cluster; a different set is an error.
    type: list
    elements: str
  security_group_ids:
    description:
      - Security groups for the cluster's network interfaces, besides the cluster security group EKS
        creates.
      - On an existing cluster the module replaces them with an update when the set differs.
    type: list
    elements: str
  endpoint_public_access:
    description: Whether the Kubernetes API endpoint is reachable from the internet. EKS defaults to V(true).
    type: bool
  endpoint_private_access:
    description: Whether the Kubernetes API endpoint is reachable from within the VPC. EKS defaults to V(false).
    type: bool
  public_access_cidrs:
    description:
      - The CIDR blocks that may reach the public endpoint. EKS defaults to V(0.0.0.0/0).
      - Neither compared nor sent while the endpoint is, or is to be, private (O(endpoint_public_access=false));
        EKS keeps or empties the list of a private cluster, and refuses an update that changes nothing else.
    type: list
    elements: str
  logging:
    description:
      - The control plane log types sent to CloudWatch Logs. The cluster ends up with exactly these
        enabled; V([]) disables them all.
    type: list
    elements: str
    choices: [api, audit, authenticator, controllerManager, scheduler]
  encryption_kms_key_arn:
    description:
      - The KMS key to encrypt Kubernetes secrets with (envelope encryption).
      - It can be added to an existing cluster (AssociateEncryptionConfig), but EKS can neither change
        nor remove it; asking for another key, or for none with V(""), on a cluster that has one is an
        error.
    type: str
  authentication_mode:
    description:
      - How the cluster authenticates IAM principals. V(CONFIG_MAP) uses the C(aws-auth) ConfigMap only,
        V(API) access entries only, V(API_AND_CONFIG_MAP) both.
      - EKS only moves a cluster towards V(API) (V(CONFIG_MAP) to V(API_AND_CONFIG_MAP) to V(API)), one step
        per update, so V(CONFIG_MAP) to V(API) is two updates, each waited for. The other direction is an error.
        EKS creates clusters with V(CONFIG_MAP) unless told otherwise.
    type: str
    choices: [API, API_AND_CONFIG_MAP, CONFIG_MAP]
  bootstrap_cluster_creator_admin_permissions:
    description:
      - Whether the principal that creates the cluster gets a cluster admin access entry. EKS defaults
        to V(true); it must be V(true) with O(authentication_mode=CONFIG_MAP).
      - Only used when the cluster is created; EKS cannot change it later, and it is not compared.
    type: bool
  wait:
    description:
      - Whether to wait until the cluster is V(ACTIVE) after creating it, until its last update has
        finished, or until it is gone after deleting it.
      - With nothing to change, V(true) still waits for a cluster an earlier run left creating or
        updating; so a first task can start the cluster with V(false) and a later one wait for it.
      - Updates after the first always wait for the one before them.
    type: bool
    default: true
  wait_timeout:
    description: How long to wait, in seconds, for each creation, update or deletion.
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
    description: Reports whether the cluster would be created, updated (listing the updates) or deleted, without doing so.
  diff_mode:
    support: full
    description: Returns the compared settings of the cluster before and after.
"""

EXAMPLES = r"""
- name: Create the cluster, or bring it to these settings
  gameops.platform.eks_cluster:
    name: queue-infra-prod
    version: "1.34"
    role_arn: arn:aws:iam::123456789012:role/queue-infra-prod-cluster
    subnet_ids: "{{ private_subnet_ids }}"
    endpoint_private_access: true
    public_access_cidrs: [203.0.113.0/24]
    logging: [api, audit, authenticator]
    encryption_kms_key_arn: "{{ eks_kms_key_arn }}"
    authentication_mode: API
    tags:
      gameops:platform: queue-infra-prod
  register: eks

- name: Upgrade the control plane, one minor version at a time
  gameops.platform.eks_cluster:
    name: queue-infra-prod
    version: "1.35"
    wait_timeout: 3600

- name: Upgrade although EKS upgrade readiness insights report errors (deprecated APIs in use, say)
  gameops.platform.eks_cluster:
    name: queue-infra-prod
    version: "1.35"
    force_upgrade: true

- name: Delete the cluster (its nodegroups first)
  gameops.platform.eks_cluster:
    name: queue-infra-prod
    state: absent
"""

RETURN = r"""
cluster:
  description:
    - The cluster as DescribeCluster reports it, in snake case (tag keys as they are).
    - Empty when there is none, with O(state=absent), and in check mode when it would be created.
  returned: always
  type: dict
  contains:
    name:
      description: The name of the cluster.
      type: str
      sample: queue-infra-prod
    arn:
      description: The ARN of the cluster.
      type: str
      sample: arn:aws:eks:ap-northeast-2:123456789012:cluster/queue-infra-prod
    status:
      description: V(CREATING), V(ACTIVE), V(UPDATING), V(DELETING) or V(FAILED).
      type: str
      sample: ACTIVE
    version:
      description: The Kubernetes version.
      type: str
      sample: "1.32"
    endpoint:
      description: The URL of the Kubernetes API server.
      type: str
      sample: https://EXAMPLE0123456789ABCDEF.gr7.ap-northeast-2.eks.amazonaws.com
    certificate_authority:
      description: The cluster's certificate authority; C(data) is its certificate, base64 encoded.
      type: dict
      sample: {data: LS0tLS1CRUdJTi...}
    identity:
      description: The cluster's OpenID Connect issuer, C(oidc.issuer), for IAM roles for service accounts.
      type: dict
      sample: {oidc: {issuer: https://oidc.eks.ap-northeast-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE}}
    resources_vpc_config:
      description: Subnets, security groups, VPC and endpoint access.
      type: dict
    logging:
      description: Which control plane log types are enabled.
      type: dict
    access_config:
      description: The authentication mode and whether the creator got admin permissions.
      type: dict
    encryption_config:
      description: The secrets encryption, if any.
      type: list
    tags:
      description: The tags of the cluster.
      type: dict
  sample:
    name: queue-infra-prod
    status: ACTIVE
    version: "1.35"
updates:
  description:
    - The updates made, in order; in check mode, the updates that would be made.
    - Each has the C(operation) (V(UpdateClusterConfig), V(UpdateClusterVersion) or
      V(AssociateEncryptionConfig)) and the C(request) sent; outside check mode also the C(update) as
      EKS reports it (C(id), C(type), C(status), C(params)).
  returned: when O(state=present)
  type: list
  elements: dict
  sample:
    - operation: UpdateClusterVersion
      request: {name: queue-infra-prod, version: "1.35"}
      update: {id: 0e3c2a4b-5d2f-4a55-9f43-7d3c8b0c1a2e, type: VersionUpdate, status: Successful}
upgrade_insights:
  description:
    - The EKS upgrade readiness insights in V(ERROR) for the next version, read before a version update; with
      O(force_upgrade=true) the update went past them. V([]) when none are in V(ERROR).
  returned: when a version update is planned
  type: list
  elements: dict
  contains:
    id:
      description: The ID of the insight (for DescribeInsight).
      type: str
    name:
      description: The name of the check.
      type: str
      sample: Deprecated APIs removed in Kubernetes v1.35
    description:
      description: What the check looks for.
      type: str
    reason:
      description: Why the check is in V(ERROR).
      type: str
remaining_versions:
  description:
    - The minor versions still to go to reach O(version), in order, when the cluster has managed nodegroups
      (EKS updates it one version per run, once the nodegroups run its version); V([]) once it is there.
  returned: when O(state=present)
  type: list
  elements: str
  sample: ["1.33"]
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
from ansible_collections.gameops.platform.plugins.module_utils.eks import paginate
from ansible_collections.gameops.platform.plugins.module_utils.eks import wait_or_fail
from ansible_collections.gameops.platform.plugins.module_utils.eks_insights import blocked_message
from ansible_collections.gameops.platform.plugins.module_utils.eks_insights import blocking_insights
from ansible_collections.gameops.platform.plugins.module_utils.eks_insights import forced_warning
from ansible_collections.gameops.platform.plugins.module_utils.eks_insights import refused_message
from ansible_collections.gameops.platform.plugins.module_utils.eks_updates import kubernetes_version
from ansible_collections.gameops.platform.plugins.module_utils.eks_updates import run_updates
from ansible_collections.gameops.platform.plugins.module_utils.eks_updates import to_snake

LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
# EKS only moves a cluster's authentication mode along this order.
AUTHENTICATION_MODES = ["CONFIG_MAP", "API_AND_CONFIG_MAP", "API"]
# What EKS gives a new cluster for the settings left out.
CREATE_DEFAULTS = dict(security_group_ids=[], endpoint_public_access=True, endpoint_private_access=False,
                       public_access_cidrs=["0.0.0.0/0"], logging=[], encryption_kms_key_arn=None,
                       authentication_mode="CONFIG_MAP", tags={})
COMPARED = ["version", "role_arn", "subnet_ids", "security_group_ids", "endpoint_public_access", "endpoint_private_access",
            "public_access_cidrs", "logging", "encryption_kms_key_arn", "authentication_mode"]


def settings(cluster):
    """The compared settings of a cluster, as in the diff; {} when there is none."""
    if not cluster:
        return {}
    config = cluster.get("resourcesVpcConfig", {})
    enabled = set(kind for entry in cluster.get("logging", {}).get("clusterLogging", []) if entry.get("enabled")
                  for kind in entry.get("types", []))
    encryption = cluster.get("encryptionConfig") or []
    return dict(
        version=cluster.get("version"),
        role_arn=cluster.get("roleArn"),
        subnet_ids=sorted(config.get("subnetIds", [])),
        security_group_ids=sorted(config.get("securityGroupIds", [])),
        endpoint_public_access=config.get("endpointPublicAccess"),
        endpoint_private_access=config.get("endpointPrivateAccess"),
        public_access_cidrs=sorted(config.get("publicAccessCidrs", [])),
        logging=[kind for kind in LOG_TYPES if kind in enabled],
        encryption_kms_key_arn=encryption[0].get("provider", {}).get("keyArn") if encryption else None,
        # Clusters from before access entries have no accessConfig: they use the aws-auth ConfigMap.
        authentication_mode=cluster.get("accessConfig", {}).get("authenticationMode") or "CONFIG_MAP",
        tags=dict(cluster.get("tags") or {}),
    )


def wanted(module, before):
    """The settings asked for: the options given, normalized as settings() reports them, over ``before``."""
    params = module.params
    result = dict(before)
    for key in COMPARED:
        value = params[key]
        if value is None:
            continue
        if key in ("subnet_ids", "security_group_ids", "public_access_cidrs"):
            value = sorted(set(value))
        elif key == "logging":
            value = [kind for kind in LOG_TYPES if kind in value]
        elif key == "encryption_kms_key_arn":
            value = value or None
        result[key] = value
    if not result["endpoint_public_access"]:
        result["public_access_cidrs"] = before["public_access_cidrs"]
    if params["tags"] is not None:
        result["tags"] = dict(params["tags"]) if params["purge_tags"] else dict(before.get("tags", {}), **params["tags"])
    return result


def nodegroup_versions(client, name):
    """{nodegroup name: Kubernetes version} of the cluster's managed nodegroups."""
    names = paginate(client, "list_nodegroups", clusterName=name)["nodegroups"]
    return dict((nodegroup, client.describe_nodegroup(aws_retry=True, clusterName=name, nodegroupName=nodegroup)["nodegroup"]["version"])
                for nodegroup in names)


def allowed_steps(module, client, before, steps):
    """(the version steps to take now, the ones left for later runs).

    UpdateClusterVersion: "If your cluster has managed node groups attached to it, all of your node groups'
    Kubernetes versions must match the cluster's Kubernetes version in order to update the cluster to a new
    Kubernetes version" (botocore; hashicorp/terraform-provider-aws#19478). So with nodegroups, one step now,
    and none while one lags.
    """
    if not steps:
        return [], []
    nodegroups = nodegroup_versions(client, module.params["name"])
    if not nodegroups:
        return steps, []
    lagging = sorted(nodegroup for nodegroup, version in nodegroups.items() if version != before["version"])
    if lagging:
        module.warn("Nodegroups %s of cluster %s must be updated to its version %s before EKS updates the cluster to %s; the version "
                    "is left as it is" % (", ".join(lagging), module.params["name"], before["version"], steps[0]))
        return [], steps
    if steps[1:]:
        module.warn("Cluster %s has managed nodegroups: it goes to %s in this run; update the nodegroups to %s, then run again for %s"
                    % (module.params["name"], steps[0], steps[0], ", ".join(steps[1:])))
    return steps[:1], steps[1:]


def refuse_impossible(module, before, after):
    """Fails, before anything changes, on what EKS or this module will not do to an existing cluster."""
    name = module.params["name"]
    if after["role_arn"] != before["role_arn"]:
        module.fail_json(msg="EKS cannot change the IAM role of cluster %s (%s); it would have to be recreated" % (name, before["role_arn"]))
    if after["subnet_ids"] != before["subnet_ids"]:
        module.fail_json(msg="subnet_ids of cluster %s cannot be changed by this module: it has %s, not %s"
                         % (name, ", ".join(before["subnet_ids"]), ", ".join(after["subnet_ids"])))
    if after["encryption_kms_key_arn"] != before["encryption_kms_key_arn"] and before["encryption_kms_key_arn"]:
        module.fail_json(msg="Cluster %s encrypts secrets with %s; EKS can neither change nor remove secrets encryption"
                         % (name, before["encryption_kms_key_arn"]))
    if kubernetes_version(module, after["version"]) < kubernetes_version(module, before["version"]):
        module.fail_json(msg="Cluster %s runs Kubernetes %s; EKS cannot downgrade it to %s" % (name, before["version"], after["version"]))
    modes = (before["authentication_mode"], after["authentication_mode"])
    if AUTHENTICATION_MODES.index(modes[1]) < AUTHENTICATION_MODES.index(modes[0]):
        module.fail_json(msg="Unsupported authentication mode update from %s to %s: EKS only moves a cluster towards API "
                         "(CONFIG_MAP, then API_AND_CONFIG_MAP, then API)" % modes)


def version_steps(module, current, target):
    """The minor versions from after ``current`` up to ``target``: 1.30 to 1.32 is [1.31, 1.32]."""
    major, minor = kubernetes_version(module, current)
    target_major, target_minor = kubernetes_version(module, target)
    if major != target_major:
        module.fail_json(msg="Cannot move from Kubernetes %s to %s" % (current, target))
    return ["%d.%d" % (major, step) for step in range(minor + 1, target_minor + 1)]


def planned_calls(module, cluster, before, after, steps):
    """The update calls that bring the cluster from ``before`` to ``after``, one kind of change each."""
    name = module.params["name"]
    calls = []
    endpoint = ("endpoint_public_access", "endpoint_private_access", "public_access_cidrs")
    if any(after[key] != before[key] for key in endpoint):  # public_access_cidrs: wanted() keeps a private cluster's
        # All three: EKS takes a left-out endpoint setting as its default, not as the cluster's.
        config = dict(endpointPublicAccess=after["endpoint_public_access"], endpointPrivateAccess=after["endpoint_private_access"])
        if after["endpoint_public_access"]:
            config["publicAccessCidrs"] = module.params["public_access_cidrs"] or after["public_access_cidrs"]
        calls.append(("UpdateClusterConfig", "update_cluster_config", dict(name=name, resourcesVpcConfig=config)))
    if after["security_group_ids"] != before["security_group_ids"]:
        config = dict(subnetIds=cluster["resourcesVpcConfig"]["subnetIds"], securityGroupIds=module.params["security_group_ids"])
        calls.append(("UpdateClusterConfig", "update_cluster_config", dict(name=name, resourcesVpcConfig=config)))
    if after["logging"] != before["logging"]:
        calls.append(("UpdateClusterConfig", "update_cluster_config", dict(name=name, logging=logging_config(after["logging"]))))
    # One step per update: CONFIG_MAP to API is refused ("Unsupported authentication mode update from CONFIG_MAP to API").
    for mode in AUTHENTICATION_MODES[AUTHENTICATION_MODES.index(before["authentication_mode"]) + 1:
                                     AUTHENTICATION_MODES.index(after["authentication_mode"]) + 1]:
        calls.append(("UpdateClusterConfig", "update_cluster_config", dict(name=name, accessConfig=dict(authenticationMode=mode))))
    if after["encryption_kms_key_arn"] != before["encryption_kms_key_arn"]:
        calls.append(("AssociateEncryptionConfig", "associate_encryption_config",
                      dict(clusterName=name, encryptionConfig=encryption_config(after["encryption_kms_key_arn"]))))
    for step in steps:
        calls.append(("UpdateClusterVersion", "update_cluster_version", dict(name=name, version=step)))
    return calls


def logging_config(enabled):
    entries = [dict(types=[kind for kind in LOG_TYPES if kind in enabled], enabled=True),
               dict(types=[kind for kind in LOG_TYPES if kind not in enabled], enabled=False)]
    return dict(clusterLogging=[entry for entry in entries if entry["types"]])


def encryption_config(key_arn):
    return [dict(resources=["secrets"], provider=dict(keyArn=key_arn))]


def check_upgrade_readiness(module, client, calls):
    """The upgrade readiness insights in ERROR for the first version step, if there is one (None if not); fails on them
    unless force_upgrade, when they are warned of and every version step is sent with force."""
    steps = [request for operation, method, request in calls if operation == "UpdateClusterVersion"]
    if not steps:
        return None
    name, version = module.params["name"], steps[0]["version"]
    insights = blocking_insights(client, name, version)
    if insights and not module.params["force_upgrade"]:
        module.fail_json(msg=blocked_message(name, version, insights), upgrade_insights=insights)
    if insights:
        module.warn(forced_warning(name, version, insights))
    if module.params["force_upgrade"]:
        for request in steps:
            request["force"] = True
    return insights


def fail_refused_upgrade(module, client, error):
    """Fails on UpdateClusterVersion's InvalidStateException: EKS's insights block the version (and were not read in time)."""
    name = module.params["name"]
    major, minor = kubernetes_version(module, describe_cluster(client, name)["version"])
    version = "%d.%d" % (major, minor + 1)
    insights = blocking_insights(client, name, version)
    module.fail_json(msg=refused_message(name, version, error.response["Error"].get("Message", ""), insights), upgrade_insights=insights)


def run_cluster_updates(module, client, calls):
    """run_updates, failing with the insights on EKS's refusal of a version its upgrade readiness insights block."""
    try:
        return run_updates(module, client, calls, module.params["name"])
    except is_boto3_error_code("InvalidStateException") as error:
        if error.operation_name != "UpdateClusterVersion":
            raise
        return fail_refused_upgrade(module, client, error)


def wait_active(module, client, what):
    name = module.params["name"]
    return wait_or_fail(module, lambda: describe_cluster(client, name),
                        lambda cluster: cluster is not None and cluster["status"] == "ACTIVE",
                        lambda cluster: "the cluster is %s" % cluster["status"] if cluster["status"] in ("FAILED", "DELETING") else None,
                        what=what)


def create(module, client):
    params = module.params
    name = params["name"]
    if not params["role_arn"] or not params["subnet_ids"]:
        module.fail_json(msg="role_arn and subnet_ids are needed to create EKS cluster %s" % name)
    after = wanted(module, dict(CREATE_DEFAULTS, version=None, role_arn=None, subnet_ids=[]))
    if module.check_mode:
        return None, after
    config = dict(subnetIds=params["subnet_ids"])
    for option, key in (("security_group_ids", "securityGroupIds"), ("endpoint_public_access", "endpointPublicAccess"),
                        ("endpoint_private_access", "endpointPrivateAccess"), ("public_access_cidrs", "publicAccessCidrs")):
        if option == "public_access_cidrs" and params["endpoint_public_access"] is False:
            continue  # CIDRs of a private endpoint would still get security group rules (terraform-aws-eks PR #3700)
        if params[option] is not None:
            config[key] = params[option]
    request = dict(name=name, roleArn=params["role_arn"], resourcesVpcConfig=config)
    if params["version"]:
        request["version"] = params["version"]
    if after["logging"]:
        request["logging"] = logging_config(after["logging"])
    if after["encryption_kms_key_arn"]:
        request["encryptionConfig"] = encryption_config(after["encryption_kms_key_arn"])
    access_options = (("authentication_mode", "authenticationMode"),
                      ("bootstrap_cluster_creator_admin_permissions", "bootstrapClusterCreatorAdminPermissions"))
    access = dict((key, params[option]) for option, key in access_options if params[option] is not None)
    if access:
        request["accessConfig"] = access
    if params["tags"]:
        request["tags"] = params["tags"]
    cluster = client.create_cluster(aws_retry=True, **request)["cluster"]
    if params["wait"]:
        cluster = wait_active(module, client, "cluster %s to be created" % name)
    return cluster, settings(cluster)


def plan(module, client, cluster):
    """(settings after, update calls, versions left for later runs) for an existing cluster; fails on what cannot be done."""
    before = settings(cluster)
    after = wanted(module, before)
    refuse_impossible(module, before, after)
    steps, remaining = allowed_steps(module, client, before, version_steps(module, before["version"], after["version"]))
    after["version"] = steps[-1] if steps else before["version"]
    return after, planned_calls(module, cluster, before, after, steps), remaining


def update(module, client, cluster):
    """Brings an existing cluster in line; returns (changed, cluster, after, updates, versions left, insights or None)."""
    params = module.params
    name = params["name"]
    if cluster["status"] == "DELETING":
        module.fail_json(msg="Cluster %s is being deleted" % name)
    after, calls, remaining = plan(module, client, cluster)
    if calls and cluster["status"] != "ACTIVE" and not module.check_mode:
        # EKS takes no update while another runs, and shows what one changes only once it has finished.
        cluster = wait_active(module, client, "cluster %s to be ACTIVE before updating it" % name)
        after, calls, remaining = plan(module, client, cluster)
    insights = check_upgrade_readiness(module, client, calls)
    tags_changed = ensure_tags(module, client, cluster["arn"], cluster.get("tags"), params["tags"], params["purge_tags"])[0]
    updates = run_cluster_updates(module, client, calls)
    changed = bool(calls) or tags_changed
    if module.check_mode:
        return changed, cluster, after, updates, remaining, insights
    if params["wait"] and (changed or cluster["status"] != "ACTIVE"):
        cluster = wait_active(module, client, "cluster %s" % name)
        after = settings(cluster)
    elif changed:
        cluster = describe_cluster(client, name)
    return changed, cluster, after, updates, remaining, insights


def delete(module, client, cluster):
    name = module.params["name"]
    if module.check_mode:
        return
    if cluster["status"] != "DELETING":
        client.delete_cluster(aws_retry=True, name=name)
    if module.params["wait"]:
        wait_or_fail(module, lambda: describe_cluster(client, name), lambda current: current is None,
                     lambda current: "the cluster is FAILED" if current["status"] == "FAILED" else None,
                     what="cluster %s to be deleted" % name)


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        version=dict(type="str"),
        role_arn=dict(type="str"),
        subnet_ids=dict(type="list", elements="str"),
        security_group_ids=dict(type="list", elements="str"),
        endpoint_public_access=dict(type="bool"),
        endpoint_private_access=dict(type="bool"),
        public_access_cidrs=dict(type="list", elements="str"),
        logging=dict(type="list", elements="str", choices=LOG_TYPES),
        encryption_kms_key_arn=dict(type="str", no_log=False),
        authentication_mode=dict(type="str", choices=["API", "API_AND_CONFIG_MAP", "CONFIG_MAP"]),
        bootstrap_cluster_creator_admin_permissions=dict(type="bool"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1200),
        force_upgrade=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    if module.params["version"] is not None:
        kubernetes_version(module, module.params["version"])
    client = eks_client(module)
    name = module.params["name"]
    updates, remaining, insights = [], [], None
    try:
        cluster = describe_cluster(client, name)
        before = settings(cluster)
        if module.params["state"] == "absent":
            # A cluster already being deleted is only waited for.
            changed, after = cluster is not None and cluster["status"] != "DELETING", {}
            if cluster is not None:
                delete(module, client, cluster)
            cluster = None
        elif cluster is None:
            changed = True
            cluster, after = create(module, client)
        else:
            changed, cluster, after, updates, remaining, insights = update(module, client, cluster)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage EKS cluster %s" % name)

    result = dict(changed=changed, cluster=to_snake(cluster), diff=dict(before=before, after=after))
    if module.params["state"] == "present":
        result.update(updates=updates, remaining_versions=remaining)
    if insights is not None:
        result["upgrade_insights"] = insights
    module.exit_json(**result)


if __name__ == "__main__":
    main()
