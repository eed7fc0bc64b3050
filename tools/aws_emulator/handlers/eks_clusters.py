"""EKS cluster and nodegroup updates that moto 5.2.5 lacks or gets wrong, and the defaults AWS gives at creation.

Clusters and nodegroups stay moto's objects: the operations here change them in place, so moto's own
DescribeCluster and DescribeNodegroup show the result. EksExtensions (eks.py) takes these operations in
as a mixin; fidelity.py applies the creation defaults (complete_cluster, complete_nodegroup).

What moto does differently from AWS, and is served here whole:

- UpdateClusterConfig: moto applies any mix of changes in one call, replaces resourcesVpcConfig wholesale
  (an endpoint change drops the subnets), ignores accessConfig and answers with the cluster. AWS takes one
  kind of change per call, merges it, refuses a call that changes nothing and answers with an update.
- UpdateNodegroupConfig: moto applies the changes unchecked (a desired size above the maximum) and
  changes its module-level default scaling configuration in place.
- UpdateClusterVersion, AssociateEncryptionConfig, UpdateNodegroupVersion and DescribeUpdate: missing.
- ListInsights and DescribeInsight: missing. Every cluster here has EKS's upgrade readiness checks for its next
  minor version, passing (DEFAULT_UPGRADE_CHECKS: two of EKS's curated list, enough to page and filter); AWS has
  no call that makes one fail, so in-process tests call EksExtensions.add_insight(). UpdateClusterVersion refuses
  a target version an ERROR upgrade readiness insight applies to, unless force is true, as EKS has since March
  2025 (aws/containers-roadmap#2570; EKS rolled the enforcement back for a while then). Insights here are
  current at every read; EKS refreshes them about daily, so on AWS they can lag.

Updates settle at once: each answer already says Successful, and DescribeUpdate says the same. They are
kept on the object they changed (cluster, nodegroup, or addon record), so they go with it. The exception
is a nodegroup version update with the latency model on: EKS replaces the nodes in a rolling update, a few
at a time (updateConfig.maxUnavailable), roughly ROLLING_MINUTES_PER_BATCH real minutes a batch
(aws-quickstart/quickstart-amazon-eks#377: 20 nodes took over an hour at maxUnavailable 1), so the update is
InProgress and the nodegroup UPDATING for as long as its size says.
"""

# The operation methods take the API's input members, camelCase, as keyword arguments.
# pylint: disable=invalid-name

import copy
import ipaddress
import json
import re
import time
import uuid
from datetime import datetime, timezone

from aws_emulator import latency

from aws_emulator.handlers.base import RequestContext, ServiceError
from aws_emulator.handlers.eks_catalog import DEFAULT_KUBERNETES_VERSION, creatable_versions

LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
# EKS only ever moves a cluster's authentication mode along this order, towards API.
AUTHENTICATION_MODES = ("CONFIG_MAP", "API_AND_CONFIG_MAP", "API")
TAINT_EFFECTS = ("NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE")
MAX_TAINTS = 50
KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/.+$")
ENDPOINT_KEYS = ("endpointPublicAccess", "endpointPrivateAccess", "publicAccessCidrs")
NETWORK_KEYS = ("subnetIds", "securityGroupIds")
DEFAULT_SCALING = {"minSize": 2, "maxSize": 2, "desiredSize": 2}  # moto's, kept
DEFAULT_DISK_SIZE = 20

# The node AMI releases on offer: for Amazon Linux, KUBERNETES_VERSION.PATCH-DATE, the newest first (two of November 2026).
AMI_PATCHES = {"1.29": 15, "1.30": 14, "1.31": 10, "1.32": 6, "1.33": 4, "1.34": 3, "1.35": 1}
AMI_DATES = ("20261118", "20261104")
BOTTLEROCKET_RELEASES = ("1.42.0-7f2ab5c1", "1.41.0-4c8e1d2a")


INSIGHT_CATEGORIES = ("UPGRADE_READINESS", "MISCONFIGURATION", "ROLLBACK_READINESS")
INSIGHT_STATUSES = ("PASSING", "WARNING", "ERROR", "UNKNOWN")
# (name, description, recommendation, passing reason) of the upgrade readiness checks every cluster gets for its next
# minor version; {version} is that version.
DEFAULT_UPGRADE_CHECKS = (
    ("Kubelet version skew",
     "Checks for kubelet versions of worker nodes in the cluster to see if upgrade would cause noncompliance with the supported "
     "Kubernetes kubelet version skew policy.",
     "Upgrade your worker nodes to match the Kubernetes version of your cluster control plane.",
     "Node kubelet versions match the cluster control plane version."),
    ("Deprecated APIs removed in Kubernetes v{version}",
     "Checks for usage of deprecated APIs that are scheduled for removal in Kubernetes v{version}. Upgrading your cluster before "
     "migrating to the updated APIs supported by v{version} could cause application impact.",
     "Update manifests and API clients to use newer Kubernetes APIs if applicable before upgrading to Kubernetes v{version}.",
     "No deprecated API usage detected within the last 30 days."),
)
UPGRADE_BLOCKED = ("Amazon EKS detected upgrade readiness issues. Call the ListInsights API to view detected upgrade blocking issues. "
                   "Pass the force flag when updating to override upgrade readiness errors.")


class InvalidState(ServiceError):
    """InvalidStateException: its answer carries the cluster's name as a member (botocore's shape: clusterName, message)."""

    def __init__(self, cluster_name, message):
        super().__init__("InvalidStateException", message, 400)
        self.cluster_name = cluster_name


def invalid(message):
    return ServiceError("InvalidParameterException", message, 400)


def bad_request(message):
    return ServiceError("InvalidRequestException", message, 400)


def version_key(version):
    major, minor = str(version).partition(".")[::2]
    return int(major), int(minor)


def release_versions(version, ami_type):
    """The AMI releases a nodegroup of this version and AMI type can run, the newest first."""
    if ami_type.startswith("BOTTLEROCKET"):
        return list(BOTTLEROCKET_RELEASES)
    if ami_type.startswith("AL2_") and version_key(version) >= (1, 33):
        raise invalid(f"AMI type {ami_type} is not supported for Kubernetes version {version}; use an AL2023 or Bottlerocket AMI type.")
    patch = AMI_PATCHES.get(version, 0)
    return [f"{version}.{patch - index}-{date}" for index, date in enumerate(AMI_DATES)]


def require_release(version, ami_type, release):
    if release not in release_versions(version, ami_type):
        raise invalid(f"Requested release version {release} is not valid for kubernetes version {version}.")


def enabled_log_types(logging_config, enabled=()):
    """The log types enabled once a logging configuration is applied over those enabled already."""
    enabled = set(enabled)
    for entry in (logging_config or {}).get("clusterLogging", []):
        unknown = [kind for kind in entry.get("types", []) if kind not in LOG_TYPES]
        if unknown:
            raise invalid(f"Invalid log types: {', '.join(unknown)}. Valid types: {', '.join(LOG_TYPES)}.")
        (enabled.update if entry.get("enabled") else enabled.difference_update)(entry.get("types", []))
    return enabled


def logging_view(enabled):
    """A cluster's logging as DescribeCluster shows it: the enabled types, then the disabled ones."""
    entries = ({"types": [kind for kind in LOG_TYPES if kind in enabled], "enabled": True},
               {"types": [kind for kind in LOG_TYPES if kind not in enabled], "enabled": False})
    return {"clusterLogging": [entry for entry in entries if entry["types"]]}


def require_encryption_config(config):
    if len(config) != 1 or config[0].get("resources") != ["secrets"]:
        raise invalid("encryptionConfig takes one entry, whose resources are ['secrets'].")
    key_arn = (config[0].get("provider") or {}).get("keyArn", "")
    if not KMS_KEY_ARN.match(key_arn):
        raise invalid(f"Invalid KMS key ARN: '{key_arn}'")


def require_endpoint_access(config):
    if not config.get("endpointPublicAccess", True) and not config.get("endpointPrivateAccess", False):
        raise invalid("The cluster must have public endpoint access, private endpoint access or both enabled.")
    for cidr in config.get("publicAccessCidrs") or []:
        try:
            ipaddress.ip_network(cidr)
        except ValueError as error:
            raise invalid(f"Invalid publicAccessCidrs: {cidr}") from error


def require_scaling(config):
    low, high, desired = config.get("minSize", 0), config.get("maxSize", 1), config.get("desiredSize", config.get("minSize", 0))
    if low < 0 or high < 1:
        raise invalid("minSize must be at least 0 and maxSize at least 1.")
    if low > high:
        raise invalid(f"Minimum capacity {low} can't be greater than max size {high}")
    if low > desired:
        raise invalid(f"Minimum capacity {low} can't be greater than desired size {desired}")
    if desired > high:
        raise invalid(f"Desired capacity {desired} can't be greater than max size {high}")


def require_taints(taints):
    bad = [taint.get("effect") for taint in taints if taint.get("effect") not in TAINT_EFFECTS]
    if bad:
        raise invalid(f"Invalid taint effect: {bad[0]}. Valid effects: {', '.join(TAINT_EFFECTS)}.")
    if len(taints) > MAX_TAINTS:
        raise invalid(f"A nodegroup can have at most {MAX_TAINTS} taints.")


def require_creatable(version):
    """EKS creates and updates clusters only at versions in standard or extended support. Its message names the
    version alone (terraform-aws-modules/terraform-aws-eks#3164, hashicorp/terraform-provider-aws#38796); what it
    offers is DescribeClusterVersions' to say."""
    if version not in creatable_versions():
        raise invalid(f"unsupported Kubernetes version {version}")


def check_cluster_request(params):
    """What AWS refuses in a CreateCluster request that moto lets through."""
    version = params.get("version")
    if version is not None:
        require_creatable(version)
    require_endpoint_access(params.get("resourcesVpcConfig") or {})
    enabled_log_types(params.get("logging"))
    access = params.get("accessConfig") or {}
    mode = access.get("authenticationMode", "CONFIG_MAP")
    if mode not in AUTHENTICATION_MODES:
        raise invalid(f"Invalid authenticationMode: {mode}")
    if mode == "CONFIG_MAP" and access.get("bootstrapClusterCreatorAdminPermissions") is False:
        raise invalid("bootstrapClusterCreatorAdminPermissions must be true if cluster authentication mode is set to CONFIG_MAP")
    if params.get("encryptionConfig"):
        require_encryption_config(params["encryptionConfig"])


def complete_cluster(cluster, params, vpc_id):
    """Give a cluster moto has just created what AWS gives it beyond moto: defaults and full views."""
    config = params.get("resourcesVpcConfig") or {}
    cluster.version = params.get("version") or DEFAULT_KUBERNETES_VERSION
    cluster.platformVersion = "eks.1"
    cluster.resources_vpc_config = {
        "subnetIds": list(config.get("subnetIds") or []),
        "securityGroupIds": list(config.get("securityGroupIds") or []),
        "clusterSecurityGroupId": "sg-" + uuid.uuid4().hex[:17],
        "endpointPublicAccess": config.get("endpointPublicAccess", True),
        "endpointPrivateAccess": config.get("endpointPrivateAccess", False),
        "publicAccessCidrs": list(config.get("publicAccessCidrs") or ["0.0.0.0/0"]),
    }
    if vpc_id:
        cluster.resources_vpc_config["vpcId"] = vpc_id
    cluster.logging = logging_view(enabled_log_types(params.get("logging")))
    access = params.get("accessConfig") or {}
    cluster.access_config = {"authenticationMode": access.get("authenticationMode", "CONFIG_MAP"),
                             "bootstrapClusterCreatorAdminPermissions": access.get("bootstrapClusterCreatorAdminPermissions", True)}


def check_nodegroup_request(cluster, params):
    """What AWS refuses in a CreateNodegroup request that moto lets through."""
    version = params.get("version") or cluster.version
    if version != cluster.version:
        raise invalid(f"Requested Nodegroup version {version} is invalid. It must be the cluster's version, {cluster.version}.")
    if not params.get("launchTemplate"):
        ami_type = params.get("amiType") or default_ami_type(version)
        release_versions(version, ami_type)  # refuses AMI types the version has none for
        if params.get("releaseVersion"):
            require_release(version, ami_type, params["releaseVersion"])
    require_scaling(params.get("scalingConfig") or DEFAULT_SCALING)
    require_taints(params.get("taints") or [])


def default_ami_type(version):
    return "AL2023_x86_64_STANDARD" if version_key(version) >= (1, 30) else "AL2_x86_64"


def complete_nodegroup(cluster, nodegroup, params):
    """Give a nodegroup moto has just created what AWS gives it: the cluster's version, its AMI release..."""
    nodegroup.version = params.get("version") or cluster.version
    if not params.get("launchTemplate"):
        nodegroup.ami_type = params.get("amiType") or default_ami_type(nodegroup.version)
        nodegroup.release_version = params.get("releaseVersion") or release_versions(nodegroup.version, nodegroup.ami_type)[0]
        nodegroup.disk_size = params.get("diskSize") or DEFAULT_DISK_SIZE
    # Copies: moto shares its defaults between nodegroups, and UpdateNodegroupConfig changes these in place.
    nodegroup.scaling_config = dict(params.get("scalingConfig") or DEFAULT_SCALING)
    # AWS reports the update strategy too, DEFAULT unless asked otherwise (NodegroupUpdateConfig.updateStrategy).
    nodegroup.update_config = dict({"maxUnavailable": 1, "updateStrategy": "DEFAULT"}, **(params.get("updateConfig") or {}))
    if "maxUnavailablePercentage" in (params.get("updateConfig") or {}):
        del nodegroup.update_config["maxUnavailable"]
    nodegroup.labels = dict(params.get("labels") or {})
    nodegroup.taints = copy.deepcopy(params.get("taints") or [])
    nodegroup.health = {"issues": []}
    nodegroup.remote_access = params.get("remoteAccess")  # AWS shows none unless asked for


# Real minutes EKS takes to replace one batch of nodes in a rolling (version) update.
ROLLING_MINUTES_PER_BATCH = 4


def rolling_minutes(nodegroup):
    """Real minutes a version update of the nodegroup lasts: one batch of maxUnavailable nodes after the other."""
    desired = (nodegroup.scaling_config or {}).get("desiredSize") or 1
    config = nodegroup.update_config or {}
    batch = config.get("maxUnavailable") or max(1, desired * (config.get("maxUnavailablePercentage") or 0) // 100)
    return ROLLING_MINUTES_PER_BATCH * -(-desired // batch)


def updates_of(resource):
    """The updates kept for a moto cluster or nodegroup, or an addon record: {id: update}."""
    if isinstance(resource, dict):
        return resource.setdefault("_updates", {})
    return vars(resource).setdefault("emulator_updates", {})


def record_update(resource, kind, params, until=0):
    """A new update of the resource, settled at once (or InProgress until the monotonic time ``until``); returns the answer."""
    update = {
        "id": str(uuid.uuid4()),
        "status": "InProgress" if latency.pending(until) else "Successful",
        "_until": until,
        "type": kind,
        "params": [{"type": name, "value": value} for name, value in params],
        "createdAt": time.time(),
        "errors": [],
    }
    updates_of(resource)[update["id"]] = update
    return {"update": shown_update(update)}


def shown_update(update):
    """An update as AWS shows it: Successful once its time is up."""
    shown = copy.deepcopy(dict((key, value) for key, value in update.items() if not key.startswith("_")))
    if shown["status"] == "InProgress" and not latency.pending(update.get("_until")):
        shown["status"] = "Successful"
    return shown


def next_minor(version):
    major, minor = version_key(version)
    return f"{major}.{minor + 1}"


def new_insight(cluster, name, status, kubernetes_version, category="UPGRADE_READINESS", **details):
    """An insight record, as DescribeInsight shows it. Its id is fixed by cluster, category, version and name, so an insight
    of the same check replaces the one before, as EKS keeps one insight per check."""
    stamp = time.time()
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{cluster.arn}/{category}/{kubernetes_version}/{name}")),
        "name": name,
        "category": category,
        "kubernetesVersion": kubernetes_version,
        "lastRefreshTime": stamp,
        "lastTransitionTime": stamp,
        "description": details.get("description", ""),
        "insightStatus": {"status": status, "reason": details.get("reason", "")},
        "recommendation": details.get("recommendation", ""),
        "additionalInfo": dict(details.get("additionalInfo") or {}),
        "resources": copy.deepcopy(details.get("resources") or []),
        "categorySpecificSummary": copy.deepcopy(details.get("categorySpecificSummary") or {}),
    }


def default_insights(cluster):
    """The passing upgrade readiness insights EKS reports for a healthy cluster, for its next minor version."""
    target = next_minor(cluster.version)
    return [new_insight(cluster, name.format(version=target), "PASSING", target, description=description.format(version=target),
                        recommendation=recommendation.format(version=target), reason=reason)
            for name, description, recommendation, reason in DEFAULT_UPGRADE_CHECKS]


def insight_summary(insight):
    """An insight as ListInsights shows it (InsightSummary)."""
    keys = ("id", "name", "category", "kubernetesVersion", "lastRefreshTime", "lastTransitionTime", "description", "insightStatus")
    return copy.deepcopy({key: insight[key] for key in keys})


def require_insight_filter(insight_filter):
    for member, allowed in (("categories", INSIGHT_CATEGORIES), ("statuses", INSIGHT_STATUSES)):
        bad = [value for value in insight_filter.get(member) or [] if value not in allowed]
        if bad:
            raise invalid(f"Invalid {member}: {', '.join(bad)}. Valid values: {', '.join(allowed)}.")


def matches(insight, insight_filter):
    """Whether the insight passes a ListInsights filter: each member given must contain the insight's value."""
    checks = (("categories", insight["category"]), ("kubernetesVersions", insight["kubernetesVersion"]),
              ("statuses", insight["insightStatus"]["status"]))
    return all(not insight_filter.get(member) or value in insight_filter[member] for member, value in checks)


def as_json(value):
    return json.dumps(value, sort_keys=True)


class ClusterUpdates:
    """The cluster and nodegroup operations of EksExtensions; it provides _cluster() and _state()."""

    # -- clusters --------------------------------------------------------------------------------------

    @staticmethod
    def _require_active(resource, what):
        if resource.status != "ACTIVE":
            raise ServiceError("ResourceInUseException", f"{what} is {resource.status}; it can be updated once it is ACTIVE.", 409)

    def update_cluster_config(self, name, clientRequestToken=None, **changes):  # pylint: disable=unused-argument
        cluster = self._cluster(name)
        self._require_active(cluster, f"Cluster {name}")
        changes = {key: value for key, value in changes.items() if value is not None}
        if len(changes) != 1:
            raise invalid("Only one type of update can be allowed." if changes else "No changes were requested.")
        [(kind, request)] = changes.items()
        apply = {"resourcesVpcConfig": self._vpc_update, "logging": self._logging_update, "accessConfig": self._access_update}.get(kind)
        if apply is None:
            raise bad_request(f"The emulator does not implement {kind} updates.")
        return apply(cluster, request)

    @staticmethod
    def _vpc_update(cluster, request):
        config = cluster.resources_vpc_config
        wanted = dict(config, **{key: request[key] for key in ENDPOINT_KEYS + NETWORK_KEYS if key in request})
        require_endpoint_access(wanted)
        if wanted == config:
            raise invalid(f"Cluster is already at the desired configuration with endpointPrivateAccess: {str(config['endpointPrivateAccess']).lower()} , "
                          f"endpointPublicAccess: {str(config['endpointPublicAccess']).lower()}, and Public Endpoint Restrictions: "
                          f"[{', '.join(config['publicAccessCidrs'])}]")
        names = {"endpointPublicAccess": "EndpointPublicAccess", "endpointPrivateAccess": "EndpointPrivateAccess",
                 "publicAccessCidrs": "PublicAccessCidrs", "subnetIds": "Subnets", "securityGroupIds": "SecurityGroups"}
        params = [(names[key], as_json(request[key])) for key in ENDPOINT_KEYS + NETWORK_KEYS if key in request]
        kind = "VpcConfigUpdate" if any(key in request for key in NETWORK_KEYS) else "EndpointAccessUpdate"
        cluster.resources_vpc_config = wanted
        return record_update(cluster, kind, params)

    @staticmethod
    def _logging_update(cluster, request):
        before = enabled_log_types(cluster.logging)
        after = enabled_log_types(request, before)
        if after == before:
            raise invalid("No changes needed for the logging config provided")
        cluster.logging = logging_view(after)
        return record_update(cluster, "LoggingUpdate", [("ClusterLogging", as_json(request["clusterLogging"]))])

    @staticmethod
    def _access_update(cluster, request):
        if "bootstrapClusterCreatorAdminPermissions" in request:
            raise invalid("bootstrapClusterCreatorAdminPermissions can only be set when the cluster is created.")
        current, mode = cluster.access_config["authenticationMode"], request.get("authenticationMode")
        if mode not in AUTHENTICATION_MODES:
            raise invalid(f"Invalid authenticationMode: {mode}")
        # One step at a time: CONFIG_MAP to API is refused (pulumi/pulumi-eks#1493), as is any move back.
        if AUTHENTICATION_MODES.index(mode) != AUTHENTICATION_MODES.index(current) + 1:
            raise invalid(f"Unsupported authentication mode update from {current} to {mode}")
        cluster.access_config = dict(cluster.access_config, authenticationMode=mode)
        return record_update(cluster, "AccessConfigUpdate", [("AuthenticationMode", mode)])

    def error_response(self, error):
        """As RestJsonHandler answers, with the members an error shape has beyond the message (InvalidState's clusterName)."""
        status, headers, body = super().error_response(error)
        if isinstance(error, InvalidState):
            body = json.dumps(dict(json.loads(body), clusterName=error.cluster_name)).encode()
        return status, headers, body

    def update_cluster_version(self, name, version, clientRequestToken=None, force=None, **_):  # pylint: disable=unused-argument
        cluster = self._cluster(name)
        self._require_active(cluster, f"Cluster {name}")
        require_creatable(version)  # before the step: an end-of-life or unknown target is refused as such
        major, minor = version_key(cluster.version)
        if version != f"{major}.{minor + 1}":
            raise invalid(f"Unsupported Kubernetes minor version update from {cluster.version} to {version}")
        # "all of your node groups' Kubernetes versions must match the cluster's Kubernetes version in order to update
        # the cluster to a new Kubernetes version" (UpdateClusterVersion; hashicorp/terraform-provider-aws#19478).
        lagging = sorted(nodegroup.nodegroup_name for nodegroup in cluster.nodegroups.values() if nodegroup.version != cluster.version)
        if lagging:
            raise invalid(f"Nodegroups {', '.join(lagging)} must be updated to match cluster version {cluster.version} before updating cluster version")
        blocking = [insight for insight in self._insights(cluster).values() if insight["category"] == "UPGRADE_READINESS"
                    and insight["kubernetesVersion"] == version and insight["insightStatus"]["status"] == "ERROR"]
        if blocking and force is not True:
            raise InvalidState(name, UPGRADE_BLOCKED)
        cluster.version, cluster.platformVersion = version, "eks.1"
        return record_update(cluster, "VersionUpdate", [("Version", version), ("PlatformVersion", "eks.1")])

    def associate_encryption_config(self, clusterName, encryptionConfig, clientRequestToken=None):  # pylint: disable=unused-argument
        cluster = self._cluster(clusterName)
        self._require_active(cluster, f"Cluster {clusterName}")
        if cluster.encryption_config:
            raise bad_request("Encryption is already enabled on the cluster; it cannot be changed or removed.")
        require_encryption_config(encryptionConfig)
        cluster.encryption_config = copy.deepcopy(encryptionConfig)
        return record_update(cluster, "AssociateEncryptionConfig", [("EncryptionConfig", as_json(encryptionConfig))])

    def describe_update(self, name, updateId, nodegroupName=None, addonName=None, **_):
        cluster = self._cluster(name)
        if nodegroupName:
            resource = self._nodegroup(cluster, nodegroupName)
        elif addonName:
            resource = self._state(cluster).addons.get(addonName)
            if resource is None:
                raise ServiceError("ResourceNotFoundException", f"No addon: {addonName} found in cluster: {name}", 404)
        else:
            resource = cluster
        update = updates_of(resource).get(updateId)
        if update is None:
            raise ServiceError("ResourceNotFoundException", f"No update found for ID: {updateId}", 404)
        return {"update": shown_update(update)}

    # -- insights --------------------------------------------------------------------------------------

    def _insights(self, cluster):
        """The cluster's insights, {id: insight}: the default checks for its next version unless an insight of the same
        check was added, and the added ones; none for versions it has reached, which EKS no longer checks."""
        insights = self._state(cluster).insights
        for insight in default_insights(cluster):
            insights.setdefault(insight["id"], insight)
        for insight_id in [key for key, insight in insights.items() if version_key(insight["kubernetesVersion"]) <= version_key(cluster.version)]:
            del insights[insight_id]
        return insights

    def list_insights(self, clusterName, filter=None, maxResults=None, nextToken=None):  # pylint: disable=redefined-builtin
        from aws_emulator.handlers.eks import paged  # pylint: disable=import-outside-toplevel  # eks.py imports this module

        insight_filter = filter or {}
        require_insight_filter(insight_filter)
        insights = sorted(self._insights(self._cluster(clusterName)).values(), key=lambda insight: (insight["kubernetesVersion"], insight["name"]))
        return paged("insights", [insight_summary(insight) for insight in insights if matches(insight, insight_filter)], maxResults, nextToken)

    def describe_insight(self, clusterName, id):  # pylint: disable=redefined-builtin
        insight = self._insights(self._cluster(clusterName)).get(id)
        if insight is None:
            raise ServiceError("ResourceNotFoundException", f"No insight found for id: {id}", 404)
        return {"insight": copy.deepcopy(insight)}

    def add_insight(self, cluster_name, name, status, kubernetes_version=None, region=None, **details):
        """For in-process tests: EKS reports an insight for the cluster (AWS has no call that does it); returns its id.

        ``kubernetes_version`` defaults to the cluster's next minor version, ``details`` are category (default
        UPGRADE_READINESS), description, reason, recommendation and the other members of DescribeInsight's answer.
        One of a default check's name and version replaces it.
        """
        with self.lock:
            self.context = RequestContext(region, {})
            cluster = self._cluster(cluster_name)
            insight = new_insight(cluster, name, status, kubernetes_version or next_minor(cluster.version), **details)
            self._insights(cluster)[insight["id"]] = insight
            return insight["id"]

    # -- nodegroups ------------------------------------------------------------------------------------

    @staticmethod
    def _nodegroup(cluster, name):
        nodegroup = cluster.nodegroups.get(name)
        if nodegroup is None:
            raise ServiceError("ResourceNotFoundException", f"No node group found for name: {name}.", 404)
        return nodegroup

    def update_nodegroup_config(self, clusterName, nodegroupName, labels=None, taints=None, scalingConfig=None, updateConfig=None,
                                clientRequestToken=None, **others):  # pylint: disable=unused-argument,too-many-arguments,too-many-locals
        nodegroup = self._nodegroup(self._cluster(clusterName), nodegroupName)
        self._require_active(nodegroup, f"Nodegroup {nodegroupName}")
        unsupported = [key for key, value in others.items() if value is not None]
        if unsupported:
            raise bad_request(f"The emulator does not implement {', '.join(unsupported)} updates.")
        if not (labels or taints or scalingConfig or updateConfig):
            raise invalid("No changes were requested.")
        # Check everything before changing anything.
        add_labels, remove_labels = dict((labels or {}).get("addOrUpdateLabels") or {}), list((labels or {}).get("removeLabels") or [])
        both = sorted(set(add_labels) & set(remove_labels))
        if both:
            raise invalid(f"The labels {', '.join(both)} cannot be both added and removed.")
        add_taints, remove_taints = list((taints or {}).get("addOrUpdateTaints") or []), list((taints or {}).get("removeTaints") or [])
        require_taints(add_taints + remove_taints)
        dropped = {(taint["key"], taint["effect"]) for taint in add_taints + remove_taints}
        new_taints = [taint for taint in nodegroup.taints if (taint["key"], taint["effect"]) not in dropped] + copy.deepcopy(add_taints)
        require_taints(new_taints)
        scaling = dict(nodegroup.scaling_config, **(scalingConfig or {}))
        require_scaling(scaling)
        if updateConfig is not None:
            sizes = [key for key in ("maxUnavailable", "maxUnavailablePercentage") if updateConfig.get(key) is not None]
            if len(sizes) > 1 or not (sizes or updateConfig.get("updateStrategy")):
                raise invalid("updateConfig takes one of maxUnavailable and maxUnavailablePercentage, and an updateStrategy.")
            if updateConfig.get("updateStrategy") not in (None, "DEFAULT", "MINIMAL"):
                raise invalid(f"Invalid updateStrategy: {updateConfig['updateStrategy']}. Valid strategies: DEFAULT, MINIMAL.")

        params = [("LabelsToAdd", as_json(add_labels)) if add_labels else None,
                  ("LabelsToRemove", as_json(remove_labels)) if remove_labels else None,
                  ("TaintsToAdd", as_json(add_taints)) if add_taints else None,
                  ("TaintsToRemove", as_json(remove_taints)) if remove_taints else None]
        params += [(key[0].upper() + key[1:], str(value)) for key, value in (scalingConfig or {}).items()]
        params += [(key[0].upper() + key[1:], str(value)) for key, value in (updateConfig or {}).items()]
        nodegroup.labels = dict({key: value for key, value in nodegroup.labels.items() if key not in remove_labels}, **add_labels)
        nodegroup.taints = new_taints
        nodegroup.scaling_config = scaling
        if updateConfig is not None:
            kept = {key: value for key, value in nodegroup.update_config.items()
                    if key == "updateStrategy" or not any(updateConfig.get(size) is not None for size in ("maxUnavailable", "maxUnavailablePercentage"))}
            nodegroup.update_config = dict(kept, **{key: value for key, value in updateConfig.items() if value is not None})
        nodegroup.modified_at = datetime.now(timezone.utc)
        return record_update(nodegroup, "ConfigUpdate", [param for param in params if param])

    def update_nodegroup_version(self, clusterName, nodegroupName, version=None, releaseVersion=None, launchTemplate=None,
                                 force=None, clientRequestToken=None):  # pylint: disable=unused-argument,too-many-arguments
        cluster = self._cluster(clusterName)
        nodegroup = self._nodegroup(cluster, nodegroupName)
        self._require_active(nodegroup, f"Nodegroup {nodegroupName}")
        if launchTemplate:
            raise bad_request("The emulator does not implement launch template version updates.")
        target = version or nodegroup.version
        if version_key(target) < version_key(nodegroup.version):
            raise invalid(f"Requested Nodegroup version {target} is invalid. A nodegroup cannot be downgraded from {nodegroup.version}.")
        if target != nodegroup.version and target != cluster.version:
            raise invalid(f"Requested Nodegroup version {target} is invalid. It must be the cluster's version, {cluster.version}.")
        release = releaseVersion or release_versions(target, nodegroup.ami_type)[0]
        require_release(target, nodegroup.ami_type, release)
        if (target, release) == (nodegroup.version, nodegroup.release_version):
            raise invalid(f"Nodegroup {nodegroupName} is already at version {target} with release version {release}.")
        nodegroup.version, nodegroup.release_version = target, release
        nodegroup.modified_at = datetime.now(timezone.utc)
        minutes = rolling_minutes(nodegroup)
        latency.begin(nodegroup, "UPDATING", "eks.nodegroup.version_update", minutes)
        return record_update(nodegroup, "VersionUpdate", [("Version", target), ("ReleaseVersion", release)],
                             latency.deadline("eks.nodegroup.version_update", minutes))
