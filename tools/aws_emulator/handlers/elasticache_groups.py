"""ElastiCache replication groups laid out as AWS lays them out, for the fidelity.elasticache_replication_groups corrections.

A group's shape is its replica counts per node group (shard); ``layout`` derives from it and from the
group's settings what AWS reports: the node groups with their members and endpoints, the member cluster
names, and one cache cluster per member (DescribeCacheClusters), which carries the settings
DescribeReplicationGroups leaves out (engine version, parameter group, subnet group, security groups,
maintenance window). In-transit encryption has its mode (TransitEncryptionMode): a group is created
with TLS ``required`` (or ``preferred`` when asked), and ModifyReplicationGroup turns TLS on in the two
steps AWS documents: enabled in ``preferred`` mode first, then ``required``. Every change takes effect at once; the group's status shows ``creating``,
``modifying`` or ``deleting`` for as long as the latency model says (aws_emulator.latency), and a
group that is not ``available`` refuses changes, as on AWS. For the first moments of a change
(latency.STALE_MINUTES) DescribeReplicationGroups still shows the group as it was before it, ``available``
and with its old settings, while the group already refuses other changes with
InvalidReplicationGroupState: AWS's reads are eventually consistent. (Its member cache clusters show the
new settings at once.)
"""

import copy
import inspect
import random
import string

from moto.core.utils import utcnow
from moto.elasticache.exceptions import ElastiCacheException
from moto.elasticache.exceptions import InvalidParameterCombinationException
from moto.elasticache.exceptions import InvalidParameterValueException
from moto.elasticache.exceptions import ReplicationGroupNotFound
from moto.elasticache.models import CacheCluster

from aws_emulator import latency

ENGINES = ("redis", "valkey")
DEFAULT_VERSIONS = {"valkey": "8.0", "redis": "7.1"}
HASH_SLOTS = 16384
MAX_REPLICAS = 5


class InvalidReplicationGroupState(ElastiCacheException):
    code = "InvalidReplicationGroupState"


class CacheParameterGroupNotFound(ElastiCacheException):
    code = "CacheParameterGroupNotFound"

    def __init__(self, name):
        super().__init__("CacheParameterGroup %s not found." % name)


class CacheParameterGroupAlreadyExists(ElastiCacheException):
    code = "CacheParameterGroupAlreadyExists"

    def __init__(self, name):
        super().__init__("Cache parameter group %s already exists." % name)


PARAMETER_GROUPS = "_emulator_cache_parameter_groups"  # backend attribute: name -> CacheParameterGroup
# The Valkey and Redis OSS parameter group families (DescribeCacheParameterGroupFamilies' names; Redis OSS 6 is redis6.x).
FAMILIES = ("redis2.6", "redis2.8", "redis3.2", "redis4.0", "redis5.0", "redis6.x", "redis7", "valkey7", "valkey8")


def family_of(engine, version):
    """The parameter group family of an engine version: valkey8, redis7, redis6.x, redis5.0..."""
    parts = version.split(".")
    if engine == "valkey" or int(parts[0]) >= 7:
        return "%s%s" % (engine, parts[0])
    return "redis6.x" if parts[0] == "6" else "redis%s.%s" % (parts[0], parts[1] if len(parts) > 1 else "0")


def require_parameter_group(backend, name, engine, version):
    """A parameter group named in a request exists and is of the engine version's family, as AWS requires."""
    if not name:
        return
    family = parameter_group(backend, name)["CacheParameterGroupFamily"]
    if family != family_of(engine, version):
        raise InvalidParameterCombinationException("The parameter group %s is of the family %s, which does not match %s %s (family %s)."
                                                   % (name, family, engine, version, family_of(engine, version)))


def parameter_groups(backend):
    """The backend's custom cache parameter groups (moto keeps none)."""
    return backend.__dict__.setdefault(PARAMETER_GROUPS, {})


def parameter_group(backend, name):
    """A CacheParameterGroup: a custom one, or one of AWS's defaults (default.<family>[.cluster.on])."""
    if name in parameter_groups(backend):
        return parameter_groups(backend)[name]
    family = name[len("default."):].replace(".cluster.on", "") if name.startswith("default.") else ""
    if family not in FAMILIES:
        raise CacheParameterGroupNotFound(name)
    return dict(CacheParameterGroupName=name, CacheParameterGroupFamily=family, Description="Default parameter group for " + family,
                IsGlobal=False, ARN="arn:aws:elasticache:%s:%s:parametergroup:%s" % (backend.region_name, backend.account_id, name))


def create_parameter_group(backend, name, family, description):
    if name in parameter_groups(backend) or name.startswith("default."):
        raise CacheParameterGroupAlreadyExists(name)
    if family not in FAMILIES:
        raise InvalidParameterValueException("Invalid cache parameter group family: %s" % family)
    group = dict(CacheParameterGroupName=name, CacheParameterGroupFamily=family, Description=description, IsGlobal=False,
                 ARN="arn:aws:elasticache:%s:%s:parametergroup:%s" % (backend.region_name, backend.account_id, name))
    parameter_groups(backend)[name] = group
    return group


def delete_parameter_group(backend, name):
    if name not in parameter_groups(backend):
        raise CacheParameterGroupNotFound(name)
    del parameter_groups(backend)[name]


def require_valkey_parameter_group(backend, group, params):
    """Redis OSS to Valkey: "If you applied a custom cache parameter group to the existing Redis OSS replication group
    you're upgrading, you also need to pass a custom Valkey cache parameter group in the request" (ElastiCache guide,
    cross-engine upgrades)."""
    if group.cache_parameter_group_name.startswith("default."):
        return
    name = params.get("CacheParameterGroupName")
    if not name:
        raise InvalidParameterCombinationException("Replication group %s uses the custom cache parameter group %s: upgrading it to valkey "
                                                   "needs a Valkey cache parameter group (CacheParameterGroupName) in the request."
                                                   % (group.replication_group_id, group.cache_parameter_group_name))
    family = parameter_group(backend, name)["CacheParameterGroupFamily"]
    if not family.startswith("valkey"):
        raise InvalidParameterCombinationException("Cache parameter group %s is of the family %s; upgrading to valkey needs a Valkey one."
                                                   % (name, family))


STALE = "_emulator_stale"  # instance attribute: the group as reads show it while latency.stale(group)


def require_available(group):
    if latency.in_transition(group) and group.status == "available":  # busy, although reads do not show it yet
        raise InvalidReplicationGroupState("Replication group %s is not in available state; it is modifying."
                                           % group.replication_group_id)
    if group.status != "available":
        raise InvalidReplicationGroupState("Replication group %s is not in available state; it is %s."
                                           % (group.replication_group_id, group.status))
    return group


def flag(value):
    """A boolean request parameter (the query protocol sends "true"/"false"); None when not given."""
    if value is None:
        return None
    return str(value).lower() == "true"


def version_key(version):
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def full_version(version):
    """AWS reports the patch level of the version asked for: 7.1 runs as 7.1.0."""
    parts = version.split(".")
    return ".".join(parts + ["0"] * (3 - len(parts)))


def default_parameter_group(engine, version, cluster_enabled):
    major = version.split(".")[0]
    # Redis OSS 6 has the family redis6.x (default.redis6.x), whatever its minor version.
    family = "%s%s" % (engine, major) if engine == "valkey" or int(major) >= 7 else "redis%s.x" % major
    return "default.%s%s" % (family, ".cluster.on" if cluster_enabled else "")


def region_short(region):
    """ap-northeast-2 -> apn2, as in ElastiCache endpoint names."""
    parts = region.split("-")
    return parts[0] + parts[1][0] + parts[2] if len(parts) == 3 else region


def group_of(backend, group_id):
    if group_id not in backend.replication_groups:
        raise ReplicationGroupNotFound(group_id)
    return backend.replication_groups[group_id]


def check_create(params, backend=None):
    """Refuses what CreateReplicationGroup refuses."""
    engine = (params.get("Engine") or "redis").lower()
    if engine not in ENGINES:
        raise InvalidParameterValueException("Engine %s does not support replication groups; use redis or valkey." % engine)
    if backend is not None:
        require_parameter_group(backend, params.get("CacheParameterGroupName"), engine,
                                full_version(params.get("EngineVersion") or DEFAULT_VERSIONS[engine]))
    failover = bool(params.get("AutomaticFailoverEnabled"))
    if cluster_enabled(params) and not failover:
        raise InvalidParameterCombinationException("Automatic failover must be enabled for a cluster mode enabled replication group.")
    if params.get("MultiAZEnabled") and not failover:
        raise InvalidParameterCombinationException("Multi-AZ requires automatic failover to be enabled.")
    if not cluster_enabled(params) and failover and max(initial_counts(params).values()) < 1:
        raise InvalidParameterCombinationException("Automatic failover needs at least one replica.")
    if params.get("AuthToken") and not flag(params.get("TransitEncryptionEnabled")):
        raise InvalidParameterCombinationException("AuthToken can only be set when TransitEncryptionEnabled is true.")
    if params.get("TransitEncryptionMode") and not flag(params.get("TransitEncryptionEnabled")):
        raise InvalidParameterCombinationException("TransitEncryptionMode can only be set when TransitEncryptionEnabled is true.")
    if any(not 0 <= count <= MAX_REPLICAS for count in initial_counts(params).values()):
        raise InvalidParameterValueException("A node group has 0 to %d replicas." % MAX_REPLICAS)


def cluster_enabled(params):
    return (params.get("ClusterMode") == "enabled" or (params.get("NumNodeGroups") or 1) > 1
            or ".cluster.on" in (params.get("CacheParameterGroupName") or ""))


def initial_counts(params):
    """{node group id: replicas} of a group to create."""
    if not cluster_enabled(params):
        replicas = params["NumCacheClusters"] - 1 if params.get("NumCacheClusters") else params.get("ReplicasPerNodeGroup") or 0
        return {"0001": replicas}
    configs = params.get("NodeGroupConfiguration") or []
    count = params.get("NumNodeGroups") or len(configs) or 1
    counts = {"%04d" % (index + 1): params.get("ReplicasPerNodeGroup") or 0 for index in range(count)}
    for index, config in enumerate(configs):
        if config.get("ReplicaCount") is not None:
            counts[config.get("NodeGroupId") or "%04d" % (index + 1)] = int(config["ReplicaCount"])
    return counts


def complete_create(backend, group, params):
    """Gives a new group the settings AWS gives it and lays it out."""
    group.cluster_enabled = cluster_enabled(params)
    group.cluster_mode = "enabled" if group.cluster_enabled else "disabled"
    group.engine = (params.get("Engine") or "redis").lower()
    group.engine_version = full_version(params.get("EngineVersion") or DEFAULT_VERSIONS[group.engine])
    group.cache_parameter_group_name = params.get("CacheParameterGroupName") or default_parameter_group(
        group.engine, group.engine_version, group.cluster_enabled)
    group.cache_subnet_group_name = params.get("CacheSubnetGroupName") or "default"
    group.security_group_ids = list(params.get("SecurityGroupIds") or [])
    group.preferred_maintenance_window = (params.get("PreferredMaintenanceWindow") or "sun:05:00-sun:06:00").lower()
    group.snapshot_window = params.get("SnapshotWindow") or "05:00-06:00"
    group.replica_counts = initial_counts(params)
    group.domain = "%s.%s.%s.cache.amazonaws.com" % (
        group.replication_group_id, "".join(random.choices(string.ascii_lowercase + string.digits, k=6)), region_short(backend.region_name))
    group.transit_encryption_enabled = bool(flag(params.get("TransitEncryptionEnabled")))
    # AWS reports the mode of a group with TLS: required unless preferred was asked for.
    group.transit_encryption_mode = (params.get("TransitEncryptionMode") or "required") if group.transit_encryption_enabled else None
    if group.kms_key_id and not group.kms_key_id.startswith("arn:"):
        group.kms_key_id = "arn:aws:kms:%s:%s:key/%s" % (backend.region_name, backend.account_id, group.kms_key_id)
    layout(backend, group)
    latency.begin(group, "creating", "elasticache.replication_group.create")


def modifying(change):
    """A change of an available group, which then shows ``modifying`` for a while."""

    def changed(backend, group, params, **options):
        require_available(group)
        before = snapshot(group)
        change(backend, group, params, **options)
        if latency.begin(group, "modifying", "elasticache.replication_group.modify"):
            group.__dict__[STALE] = before

    changed.__doc__ = change.__doc__
    return changed


def snapshot(group):
    """A copy of the group as it is now, for the reads that do not show a change yet."""
    shown = copy.copy(group)
    shown.__dict__ = copy.deepcopy(dict((key, value) for key, value in group.__dict__.items() if key not in (latency.TRANSITION, STALE)))
    return shown


def as_read(group):
    """The group as DescribeReplicationGroups shows it now: as it was before a change that reads do not show yet."""
    return group.__dict__.get(STALE, group) if latency.stale(group) else group


@modifying
def modify(backend, group, params):
    """ModifyReplicationGroup: the settings it changes, refusing what AWS refuses."""
    engine = (params.get("Engine") or group.engine).lower()
    if engine != group.engine and (group.engine, engine) != ("redis", "valkey"):
        raise InvalidParameterCombinationException("Cannot modify the engine of replication group %s from %s to %s."
                                                   % (group.replication_group_id, group.engine, engine))
    if engine != group.engine:
        require_valkey_parameter_group(backend, group, params)
    version = full_version(params.get("EngineVersion") or group.engine_version)
    if params.get("CacheParameterGroupName"):
        require_parameter_group(backend, params["CacheParameterGroupName"], engine, version)
    if engine == group.engine and version_key(version) < version_key(group.engine_version):
        raise InvalidParameterCombinationException("Cannot downgrade from %s to %s." % (group.engine_version, version))
    failover = group.automatic_failover == "enabled" if params.get("AutomaticFailoverEnabled") is None else params["AutomaticFailoverEnabled"]
    multi_az = group.multi_az == "enabled" if params.get("MultiAZEnabled") is None else params["MultiAZEnabled"]
    if group.cluster_enabled and not failover:
        raise InvalidParameterCombinationException("Automatic failover cannot be disabled for a cluster mode enabled replication group.")
    if multi_az and not failover:
        raise InvalidParameterCombinationException("Multi-AZ requires automatic failover to be enabled.")
    if failover and not group.cluster_enabled and min(group.replica_counts.values()) < 1:
        raise InvalidParameterCombinationException("Automatic failover needs at least one replica.")
    if params.get("ClusterMode") not in (None, group.cluster_mode):
        raise InvalidParameterCombinationException("Cluster mode %s cannot be changed to %s." % (group.cluster_mode, params["ClusterMode"]))
    transit = transit_encryption(group, flag(params.get("TransitEncryptionEnabled")), params.get("TransitEncryptionMode"))
    strategy = params.get("AuthTokenUpdateStrategy")
    if params.get("AuthToken") or strategy:
        if not transit[0]:
            raise InvalidParameterCombinationException("AuthToken can only be set when TransitEncryptionEnabled is true.")
        group.auth_token_enabled = strategy != "DELETE"
        group.auth_token_last_modified_date = utcnow()
    if engine != group.engine and group.cache_parameter_group_name.startswith("default.") and not params.get("CacheParameterGroupName"):
        # A group on its engine's default parameter group moves to the new engine's default.
        group.cache_parameter_group_name = default_parameter_group(engine, version, group.cluster_enabled)
    group.engine, group.engine_version = engine, version
    group.transit_encryption_enabled, group.transit_encryption_mode = transit
    group.automatic_failover, group.multi_az = ("enabled" if failover else "disabled"), ("enabled" if multi_az else "disabled")
    simple = (("ReplicationGroupDescription", "description"), ("CacheNodeType", "cache_node_type"),
              ("CacheParameterGroupName", "cache_parameter_group_name"), ("SecurityGroupIds", "security_group_ids"),
              ("SnapshotRetentionLimit", "snapshot_retention_limit"), ("SnapshotWindow", "snapshot_window"),
              ("PreferredMaintenanceWindow", "preferred_maintenance_window"))
    for param, attribute in simple:
        if params.get(param) is not None:
            setattr(group, attribute, params[param])
    group.preferred_maintenance_window = group.preferred_maintenance_window.lower()
    layout(backend, group)


def transit_encryption(group, enabled, mode):
    """(TransitEncryptionEnabled, TransitEncryptionMode) after a ModifyReplicationGroup, refusing what AWS refuses.

    ModifyReplicationGroup's documentation: "If you are enabling in-transit encryption for an existing cluster, you
    must also set TransitEncryptionMode to preferred"; "Setting TransitEncryptionMode to required is a two-step
    process that requires you to first set the TransitEncryptionMode to preferred". TLS goes off the same way back:
    to preferred first, then disabled.
    """
    current = (group.transit_encryption_enabled, group.transit_encryption_mode if group.transit_encryption_enabled else None)
    if enabled is None and mode is None:
        return current
    if mode is not None and mode not in ("preferred", "required"):
        raise InvalidParameterValueException("TransitEncryptionMode must be preferred or required, not %s." % mode)
    if enabled is False:
        if mode is not None:
            raise InvalidParameterCombinationException("TransitEncryptionMode can only be set when TransitEncryptionEnabled is true.")
        if current[1] == "required":
            raise InvalidParameterCombinationException("In-transit encryption of replication group %s is required; set TransitEncryptionMode "
                                                       "to preferred before disabling it." % group.replication_group_id)
        return False, None
    if not current[0]:
        if not enabled:
            raise InvalidParameterCombinationException("TransitEncryptionMode can only be set when TransitEncryptionEnabled is true.")
        if mode != "preferred":
            raise InvalidParameterCombinationException("To enable in-transit encryption on existing replication group %s, TransitEncryptionMode "
                                                       "must be set to preferred first." % group.replication_group_id)
        return True, "preferred"
    return True, mode or current[1]


def require_apply_immediately(params):
    """IncreaseReplicaCount, DecreaseReplicaCount and ModifyReplicationGroupShardConfiguration take only ApplyImmediately=true."""
    if str(params.get("ApplyImmediately")).lower() != "true":
        raise InvalidParameterValueException("ApplyImmediately=False is not currently supported.")


@modifying
def change_replicas(backend, group, params, increase):
    """IncreaseReplicaCount and DecreaseReplicaCount: to NewReplicaCount, or per node group (ReplicaConfiguration)."""
    require_apply_immediately(params)
    targets = dict((node_group_id, params.get("NewReplicaCount")) for node_group_id in group.replica_counts)
    for config in params.get("ReplicaConfiguration") or []:
        targets[config["NodeGroupId"]] = config["NewReplicaCount"]
    targets = dict((key, value) for key, value in targets.items() if value is not None)
    if not targets:
        raise InvalidParameterValueException("NewReplicaCount or ReplicaConfiguration is required.")
    unknown = set(targets) - set(group.replica_counts)
    if unknown:
        raise InvalidParameterValueException("Unknown node groups: %s" % ", ".join(sorted(unknown)))
    word = "greater" if increase else "less"
    for node_group_id, count in targets.items():
        current = group.replica_counts[node_group_id]
        if (count <= current) if increase else (count >= current):
            raise InvalidParameterValueException("The new replica count (%d) must be %s than the current count (%d)." % (count, word, current))
        if not 0 <= count <= MAX_REPLICAS:
            raise InvalidParameterValueException("A node group has 0 to %d replicas." % MAX_REPLICAS)
        if count < 1 and group.multi_az == "enabled":
            raise InvalidParameterCombinationException("A Multi-AZ replication group needs at least one replica per node group.")
        if count < 1 and group.automatic_failover == "enabled" and not group.cluster_enabled:
            raise InvalidParameterCombinationException("Automatic failover needs at least one replica.")
    group.replica_counts.update(targets)
    layout(backend, group)


@modifying
def reshard(backend, group, params):
    """ModifyReplicationGroupShardConfiguration: adds node groups, or removes the ones named."""
    require_apply_immediately(params)
    if not group.cluster_enabled:
        raise InvalidParameterValueException("Replication group %s does not have cluster mode enabled." % group.replication_group_id)
    count, current = params["NodeGroupCount"], list(group.replica_counts)
    if count == len(current) or count < 1:
        raise InvalidParameterValueException("Replication group %s already has %d node groups." % (group.replication_group_id, len(current)))
    if count > len(current):
        replicas = group.replica_counts[current[0]]
        numbers = [int(node_group_id) for node_group_id in current]
        for number in range(max(numbers) + 1, max(numbers) + 1 + count - len(current)):
            group.replica_counts["%04d" % number] = replicas
    else:
        remove = params.get("NodeGroupsToRemove") or [key for key in current if key not in (params.get("NodeGroupsToRetain") or current)]
        if len(current) - len(remove) != count or not set(remove) <= set(current):
            raise InvalidParameterValueException("NodeGroupsToRemove or NodeGroupsToRetain must name the node groups to go down to %d." % count)
        for node_group_id in remove:
            del group.replica_counts[node_group_id]
    layout(backend, group)


def delete(backend, group):
    """DeleteReplicationGroup: the group shows ``deleting``, then it and its member clusters go."""
    if group.status == "deleting":
        raise InvalidReplicationGroupState("Replication group %s is already being deleted." % group.replication_group_id)
    latency.end(group)  # a creating or modifying still shown
    group.status = "deleting"

    def remove():
        for cluster_id in group.member_clusters:
            backend.cache_clusters.pop(cluster_id, None)
        if backend.replication_groups.get(group.replication_group_id) is group:
            del backend.replication_groups[group.replication_group_id]

    latency.later("elasticache.replication_group.delete", remove)


def layout(backend, group):
    """Node groups, member clusters and member cache clusters from the group's replica counts and settings."""
    ids = list(group.replica_counts)
    group.node_groups, group.member_clusters = [], []
    for index, node_group_id in enumerate(ids):
        node_group = dict(node_group_id=node_group_id, status="available", node_group_members=[])
        if group.cluster_enabled:
            node_group["slots"] = "%d-%d" % (index * HASH_SLOTS // len(ids), (index + 1) * HASH_SLOTS // len(ids) - 1)
        else:
            node_group["primary_endpoint"] = dict(address="master." + group.domain, port=group.port)
            node_group["reader_endpoint"] = dict(address="replica." + group.domain, port=group.port)
        for number in range(group.replica_counts[node_group_id] + 1):
            if group.cluster_enabled:
                cluster_id = "%s-%s-%03d" % (group.replication_group_id, node_group_id, number + 1)
            else:
                cluster_id = "%s-%03d" % (group.replication_group_id, number + 1)
            member = dict(cache_cluster_id=cluster_id, cache_node_id="0001",
                          preferred_availability_zone=backend.region_name + "abc"[number % 3])
            if not group.cluster_enabled:
                member.update(read_endpoint=dict(address="%s.%s" % (cluster_id, group.domain), port=group.port),
                              current_role="primary" if number == 0 else "replica")
            node_group["node_group_members"].append(member)
            group.member_clusters.append(cluster_id)
            sync_member(backend, group, cluster_id, member["preferred_availability_zone"])
        group.node_groups.append(node_group)
    if group.cluster_enabled:
        group.configuration_endpoint = dict(address="clustercfg." + group.domain, port=group.port)
    for cluster_id, cluster in list(backend.cache_clusters.items()):
        if getattr(cluster, "replication_group_id", None) == group.replication_group_id and cluster_id not in group.member_clusters:
            del backend.cache_clusters[cluster_id]
    retention = group.snapshot_retention_limit or 0
    group.snapshotting_cluster_id = group.member_clusters[-1] if retention and not group.cluster_enabled else None
    group.primary_cluster_id = None


def sync_member(backend, group, cluster_id, zone):
    """The member cache cluster, created when missing, with the group's settings."""
    cluster = backend.cache_clusters.get(cluster_id)
    if cluster is None:
        names = [name for name in inspect.signature(CacheCluster.__init__).parameters if name != "self"]
        args = dict.fromkeys(names)
        args.update(account_id=backend.account_id, region_name=backend.region_name, cache_cluster_id=cluster_id,
                    cache_node_type=group.cache_node_type, replication_group_id=group.replication_group_id, engine=group.engine)
        cluster = backend.cache_clusters[cluster_id] = CacheCluster(**args)
    cluster.replication_group_id = group.replication_group_id
    cluster.engine, cluster.engine_version, cluster.cache_node_type = group.engine, group.engine_version, group.cache_node_type
    cluster.num_cache_nodes, cluster.preferred_availability_zone, cluster.port = 1, zone, group.port
    cluster.cache_parameter_group = dict(cache_parameter_group_name=group.cache_parameter_group_name,
                                         parameter_apply_status="in-sync", cache_node_ids_to_reboot=[])
    cluster.cache_subnet_group_name = group.cache_subnet_group_name
    cluster.security_groups = [dict(security_group_id=group_id, status="active") for group_id in group.security_group_ids]
    cluster.preferred_maintenance_window = group.preferred_maintenance_window
    cluster.snapshot_retention_limit, cluster.snapshot_window = group.snapshot_retention_limit or 0, group.snapshot_window
    cluster.transit_encryption_enabled = group.transit_encryption_enabled
    cluster.transit_encryption_mode = group.transit_encryption_mode
    cluster.at_rest_encryption_enabled = group.at_rest_encryption_enabled
    cluster.auth_token_enabled, cluster.auth_token_last_modified_date = group.auth_token_enabled, group.auth_token_last_modified_date
    cluster.cache_cluster_status = "available"
