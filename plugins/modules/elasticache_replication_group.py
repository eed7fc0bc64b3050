#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: elasticache_replication_group
short_description: Manage an ElastiCache (Valkey or Redis OSS) replication group, changing it in place
version_added: 0.1.0
description:
  - Creates an Amazon ElastiCache replication group, brings an existing one to the given settings in
    place, or deletes it.
  - Options left out are not compared; an existing group keeps what it has.
  - Settings change with ModifyReplicationGroup (one call for all of them), replicas with
    IncreaseReplicaCount or DecreaseReplicaCount, and the shard count of a cluster mode group with
    ModifyReplicationGroupShardConfiguration. Each call waits for the group to be available again
    before the next one, whatever O(wait) says.
  - ElastiCache's reads are eventually consistent, and a group can read V(available) for a while after a
    change. So after each call the module first waits (up to a minute) until the group shows the change
    begun or made, then for it to be available; a call the group refuses as busy
    (C(InvalidReplicationGroupState)) is retried.
  - What ElastiCache cannot change in place (the engine, but for Redis OSS to Valkey; at-rest encryption
    and its key; the subnet group; the port), and what the module does not change in place (cluster mode;
    turning in-transit encryption off or relaxing it), fails with a message naming the option, before
    anything is changed. The module never re-creates a group.
  - In-transit encryption is turned on in place in the two steps ElastiCache takes, see
    O(transit_encryption_mode).
  - Checking that the node type suits the engine is left to the platform preflight.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  replication_group_id:
    description: The id of the replication group.
    type: str
    required: true
  state:
    description: V(present) ensures the group with the given settings; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  description:
    description: The description of the group. Needed to create it.
    type: str
  engine:
    description:
      - The engine. A group is created with V(valkey) when left out.
      - A Redis OSS group can be upgraded to Valkey in place (with O(engine_version)); any other change
        of engine is an error.
      - A Redis OSS group on a custom parameter group also needs a Valkey one in O(cache_parameter_group_name)
        to be upgraded, as ElastiCache requires; without it the task fails before any change. A group on its
        default parameter group moves to Valkey's default.
    type: str
    choices: [valkey, redis]
  engine_version:
    description:
      - The engine version, such as V(8.0) or V(7.1). A version the group runs matches when it starts with
        this one (V(7.1) matches V(7.1.0)). AWS picks its default when a group is created without it.
      - An older version than the group's is an error; ElastiCache cannot downgrade.
    type: str
  node_type:
    description: The cache node type, such as V(cache.r7g.large). Needed to create the group.
    type: str
  cluster_mode:
    description:
      - Whether the group is sharded (cluster mode enabled). Created without it, a group is not.
      - The module does not change it in place. ElastiCache can, on Valkey 7.2 and Redis OSS 7.0 or later,
        through its V(compatible) mode while the clients move; do that outside this module.
    type: bool
  num_node_groups:
    description:
      - The number of shards of a cluster mode group; more than one needs O(cluster_mode=true).
      - Shards are added, or the highest numbered ones removed, in place.
    type: int
  replicas_per_node_group:
    description: The number of replicas of each shard (of the only one without cluster mode), 0 to 5.
    type: int
  multi_az:
    description: Whether Multi-AZ is enabled. Needs O(automatic_failover=true) and at least one replica.
    type: bool
  automatic_failover:
    description: Whether automatic failover is enabled. It must be V(true) with O(multi_az) or O(cluster_mode).
    type: bool
  cache_subnet_group_name:
    description: The cache subnet group. It cannot be changed in place.
    type: str
  security_group_ids:
    description: The VPC security groups of the group's nodes; replaced in place when the set differs.
    type: list
    elements: str
  cache_parameter_group_name:
    description: The cache parameter group. AWS picks the engine's default when a group is created without it.
    type: str
  port:
    description: The port the nodes listen on. It cannot be changed in place.
    type: int
  at_rest_encryption:
    description: Whether data at rest is encrypted. It cannot be changed in place.
    type: bool
  kms_key_id:
    description:
      - The KMS key (id or ARN) to encrypt data at rest with; needs O(at_rest_encryption=true).
      - It cannot be changed in place.
    type: str
  transit_encryption:
    description:
      - Whether clients must use TLS (in-transit encryption in V(required) mode).
      - In the result and the diff it is V(true) only when ElastiCache reports TLS on in V(required) mode
        (or on with no mode, as older engines report it). A group in V(preferred) mode also takes
        clients without TLS, so it reports V(false).
      - V(false) on a group that has TLS on fails; the module does not turn TLS off.
    type: bool
  transit_encryption_mode:
    description:
      - The in-transit encryption mode. V(preferred) takes clients with and without TLS, V(required) only
        clients with TLS. Implies TLS on. With O(transit_encryption=true) and no mode, V(required).
      - ElastiCache turns TLS on for an existing group in two steps, "first set the TransitEncryptionMode
        to preferred, after that you can set TransitEncryptionMode to required". So on a group without
        TLS, run first with V(preferred), move the clients to TLS, then run with V(required). Asking
        V(required) of a group without TLS fails, before any change, with that advice; the module never
        drops plaintext clients by itself.
      - The module does not go back from V(required) to V(preferred).
    type: str
    choices: [preferred, required]
  auth_token:
    description:
      - The AUTH token (password) clients connect with; needs in-transit encryption on (O(transit_encryption=true)
        or O(transit_encryption_mode)).
      - It is set when the group is created. ElastiCache never gives a token back, so the module cannot
        compare it. On an existing group a token is only sent with O(update_auth_token=true), which
        rotates it (AuthTokenUpdateStrategy V(ROTATE); clients may use the old or the new token until
        the old one is removed) or sets it on a group that has none. Leave O(update_auth_token) false
        afterwards, or each run rotates again.
      - The token never appears in the module's result or diff.
    type: str
  update_auth_token:
    description: Whether to send O(auth_token) to an existing group; see O(auth_token).
    type: bool
    default: false
  snapshot_retention_limit:
    description: How many days automatic snapshots are kept; V(0) turns them off.
    type: int
  snapshot_window:
    description: The daily time range (UTC) of automatic snapshots, such as V(05:00-06:00).
    type: str
  preferred_maintenance_window:
    description: The weekly maintenance window, such as V(sun:23:00-mon:01:30).
    type: str
  apply_immediately:
    description:
      - Whether changes apply at once rather than in the next maintenance window.
      - With V(false), the changes ElastiCache defers are reported again by each run until they apply.
      - Only the settings changed with ModifyReplicationGroup honour it. Replica and shard count changes
        always apply at once, as ElastiCache takes no other value for them.
    type: bool
    default: true
  wait:
    description:
      - Whether to wait until the group is available after creating or changing it, or gone after
        deleting it.
      - With nothing to change, V(true) still waits for a group an earlier run left creating or modifying.
    type: bool
    default: true
  wait_timeout:
    description: How long to wait, in seconds, for each creation, change or deletion.
    type: int
    default: 3600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports whether the group would be created, changed (listing the calls) or deleted, without doing so.
  diff_mode:
    support: full
    description: Returns the compared settings of the group before and after (never the AUTH token).
"""

EXAMPLES = r"""
- name: A Valkey cluster mode group with three shards of two replicas
  gameops.platform.elasticache_replication_group:
    replication_group_id: queue-sessions
    description: Session cache of the queue
    engine: valkey
    engine_version: "8.0"
    node_type: cache.r7g.large
    cluster_mode: true
    num_node_groups: 3
    replicas_per_node_group: 2
    automatic_failover: true
    multi_az: true
    cache_subnet_group_name: queue-private
    security_group_ids: ["{{ cache_sg_id }}"]
    at_rest_encryption: true
    transit_encryption: true
    auth_token: "{{ vault_cache_auth_token }}"
    tags:
      gameops:platform: queue-infra-prod
  register: cache

- name: Turn TLS on for an existing group, still taking plaintext clients while they move
  gameops.platform.elasticache_replication_group:
    replication_group_id: queue-sessions
    transit_encryption_mode: preferred

- name: Once every client uses TLS, require it
  gameops.platform.elasticache_replication_group:
    replication_group_id: queue-sessions
    transit_encryption: true

- name: Rotate the AUTH token
  gameops.platform.elasticache_replication_group:
    replication_group_id: queue-sessions
    auth_token: "{{ vault_cache_new_auth_token }}"
    update_auth_token: true

- name: Delete the group
  gameops.platform.elasticache_replication_group:
    replication_group_id: queue-sessions
    state: absent
"""

RETURN = r"""
replication_group:
  description:
    - The group as DescribeReplicationGroups reports it, in snake case, with its tags, and with what its
      first member cluster reports of the group's configuration (C(engine_version),
      C(cache_parameter_group_name), C(cache_subnet_group_name), C(security_group_ids),
      C(preferred_maintenance_window), C(port)).
    - Without cluster mode also C(primary_endpoint) and C(reader_endpoint), those of its node group.
    - Empty when there is none, with O(state=absent), and in check mode when it would be created.
  returned: always
  type: dict
  contains:
    replication_group_id:
      description: The id of the group.
      type: str
      sample: queue-sessions
    status:
      description: V(creating), V(available), V(modifying), V(deleting), V(create-failed) or V(snapshotting).
      type: str
      sample: available
    member_clusters:
      description: The ids of the group's cache clusters (nodes).
      type: list
      elements: str
      sample: [queue-sessions-0001-001, queue-sessions-0001-002]
    node_groups:
      description: The shards, with their members, slots (cluster mode) or endpoints.
      type: list
      elements: dict
    configuration_endpoint:
      description: The endpoint of a cluster mode group, C(address) and C(port).
      type: dict
      sample: {address: clustercfg.queue-sessions.abc123.apn2.cache.amazonaws.com, port: 6379}
    primary_endpoint:
      description: The primary endpoint of a group without cluster mode.
      type: dict
      sample: {address: master.queue-sessions.abc123.apn2.cache.amazonaws.com, port: 6379}
    reader_endpoint:
      description: The reader endpoint of a group without cluster mode.
      type: dict
      sample: {address: replica.queue-sessions.abc123.apn2.cache.amazonaws.com, port: 6379}
    transit_encryption_enabled:
      description: Whether TLS is on, in either mode.
      type: bool
      sample: true
    transit_encryption_mode:
      description: V(preferred) or V(required) when TLS is on.
      type: str
      sample: required
    tags:
      description: The tags of the group.
      type: dict
operations:
  description:
    - The calls made to change the group, in order; in check mode, the calls that would be made. Each
      has the C(operation) and the C(request) sent, in snake case, without any AUTH token.
  returned: when O(state=present)
  type: list
  elements: dict
  sample:
    - operation: IncreaseReplicaCount
      request: {replication_group_id: queue-sessions, new_replica_count: 2, apply_immediately: true}
"""

try:
    import botocore
except ImportError:
    pass  # Reported by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.gameops.platform.plugins.module_utils import elasticache as ec

# Settings the module compares, as options of the same name (but auth_token_enabled).
COMPARED = ["description", "engine", "engine_version", "node_type", "cluster_mode", "num_node_groups", "replicas_per_node_group",
            "multi_az", "automatic_failover", "cache_subnet_group_name", "security_group_ids", "cache_parameter_group_name", "port",
            "at_rest_encryption", "kms_key_id", "transit_encryption", "transit_encryption_mode", "snapshot_retention_limit",
            "snapshot_window", "preferred_maintenance_window"]
# Settings ElastiCache cannot change in place, or the module does not (engine, kms_key_id and in-transit encryption are
# checked on their own).
FIXED = ["cluster_mode", "at_rest_encryption", "cache_subnet_group_name", "port"]
CREATE_DEFAULTS = dict(engine="valkey", cluster_mode=False, num_node_groups=1, replicas_per_node_group=0, multi_az=False,
                       automatic_failover=False, security_group_ids=[], at_rest_encryption=False, transit_encryption=False,
                       transit_encryption_mode=None, tags={})
# In-transit encryption modes, from none to the strictest: the module only moves a group along this order, one step a run.
TRANSIT_STEPS = [None, "preferred", "required"]
# ModifyReplicationGroup parameter of each setting it changes.
MODIFIABLE = [("description", "ReplicationGroupDescription"), ("engine", "Engine"), ("engine_version", "EngineVersion"),
              ("node_type", "CacheNodeType"), ("automatic_failover", "AutomaticFailoverEnabled"), ("multi_az", "MultiAZEnabled"),
              ("security_group_ids", "SecurityGroupIds"), ("cache_parameter_group_name", "CacheParameterGroupName"),
              ("snapshot_retention_limit", "SnapshotRetentionLimit"), ("snapshot_window", "SnapshotWindow"),
              ("preferred_maintenance_window", "PreferredMaintenanceWindow")]


def version_numbers(version):
    return tuple(int(part) if part.isdigit() else 0 for part in str(version).split("."))


def replica_counts(group):
    return [len(node_group.get("NodeGroupMembers", [])) - 1 for node_group in group.get("NodeGroups", [])]


def transit_mode(group):
    """The group's in-transit encryption mode: None (off), preferred or required."""
    if not group.get("TransitEncryptionEnabled"):
        return None
    return group.get("TransitEncryptionMode") or "required"


def settings(group, member, tags):
    """The compared settings of a group, as in the diff; {} when there is none."""
    if not group:
        return {}
    member = member or {}
    endpoint = group.get("ConfigurationEndpoint") or (group.get("NodeGroups") or [{}])[0].get("PrimaryEndpoint") or {}
    return dict(
        description=group.get("Description"),
        engine=group.get("Engine") or member.get("Engine"),
        engine_version=member.get("EngineVersion"),
        node_type=group.get("CacheNodeType"),
        cluster_mode=bool(group.get("ClusterEnabled")),
        num_node_groups=len(group.get("NodeGroups", [])),
        replicas_per_node_group=max(replica_counts(group) or [0]),
        multi_az=group.get("MultiAZ") == "enabled",
        automatic_failover=group.get("AutomaticFailover") in ("enabled", "enabling"),
        cache_subnet_group_name=member.get("CacheSubnetGroupName"),
        security_group_ids=sorted(entry["SecurityGroupId"] for entry in member.get("SecurityGroups", [])),
        cache_parameter_group_name=member.get("CacheParameterGroup", {}).get("CacheParameterGroupName"),
        port=endpoint.get("Port"),
        at_rest_encryption=bool(group.get("AtRestEncryptionEnabled")),
        kms_key_id=group.get("KmsKeyId"),
        # A group in preferred mode reports TransitEncryptionEnabled but still takes plaintext clients: only required
        # (or no mode, as engines before the modes report) counts as encrypted.
        transit_encryption=transit_mode(group) == "required",
        transit_encryption_mode=transit_mode(group),
        auth_token_enabled=bool(group.get("AuthTokenEnabled")),
        snapshot_retention_limit=group.get("SnapshotRetentionLimit"),
        snapshot_window=group.get("SnapshotWindow"),
        preferred_maintenance_window=member.get("PreferredMaintenanceWindow"),
        tags=tags,
    )


def wanted(module, before, creating):
    """The settings asked for: the options given, normalized as settings() reports them, over ``before``."""
    params = module.params
    result = dict(before)
    for key in COMPARED:
        value = params[key]
        if value is None:
            continue
        if key == "security_group_ids":
            value = sorted(set(value))
        elif key == "preferred_maintenance_window":
            value = value.lower()
        elif key == "engine_version" and before.get(key) and (before[key] + ".").startswith(value + "."):
            value = before[key]  # 7.1 asked, 7.1.0 running
        elif key == "kms_key_id" and before.get(key) and before[key].endswith(value):
            value = before[key]  # the key id of the key ARN
        result[key] = value
    if params["transit_encryption"] is not None or params["transit_encryption_mode"] is not None:
        mode = None if params["transit_encryption"] is False else params["transit_encryption_mode"] or "required"
        result.update(transit_encryption=mode == "required", transit_encryption_mode=mode)
    if params["auth_token"] and (creating or params["update_auth_token"]):
        result["auth_token_enabled"] = True
    if params["tags"] is not None:
        result["tags"] = dict(params["tags"]) if params["purge_tags"] else dict(before.get("tags") or {}, **params["tags"])
    return result


def check_options(module, after):
    """Fails on settings that do not go together, whatever the group has."""
    group_id = module.params["replication_group_id"]
    if after["replicas_per_node_group"] is not None and not 0 <= after["replicas_per_node_group"] <= 5:
        module.fail_json(msg="replicas_per_node_group must be 0 to 5, not %d" % after["replicas_per_node_group"])
    if after["num_node_groups"] is not None and after["num_node_groups"] < 1:
        module.fail_json(msg="num_node_groups must be at least 1")
    if after["num_node_groups"] and after["num_node_groups"] > 1 and not after["cluster_mode"]:
        module.fail_json(msg="num_node_groups above 1 needs cluster_mode: true (replication group %s)" % group_id)
    for option in ("multi_az", "cluster_mode"):
        if after[option] and not after["automatic_failover"]:
            module.fail_json(msg="automatic_failover must be true with %s: true (replication group %s)" % (option, group_id))
    if module.params["transit_encryption"] is False and module.params["transit_encryption_mode"]:
        module.fail_json(msg="transit_encryption_mode needs in-transit encryption, not transit_encryption: false (replication group %s)"
                         % group_id)
    if module.params["auth_token"] and not after["transit_encryption_mode"]:
        module.fail_json(msg="auth_token needs transit_encryption: true (replication group %s)" % group_id)
    if module.params["kms_key_id"] and not after["at_rest_encryption"]:
        module.fail_json(msg="kms_key_id needs at_rest_encryption: true (replication group %s)" % group_id)


def refuse_impossible(module, client, before, after):
    """Fails, before anything changes, on what ElastiCache cannot change in place."""
    group_id = module.params["replication_group_id"]
    for key in FIXED + ["kms_key_id"]:
        if after[key] != before[key]:
            module.fail_json(msg="%s of replication group %s cannot be changed in place: it is %s, not %s; the group would have to be "
                             "re-created, which this module does not do" % (key, group_id, before[key], after[key]))
    modes = (before["transit_encryption_mode"], after["transit_encryption_mode"])
    if TRANSIT_STEPS.index(modes[1]) < TRANSIT_STEPS.index(modes[0]):
        module.fail_json(msg="in-transit encryption of replication group %s is %s; this module does not turn it %s"
                         % (group_id, modes[0], "off" if modes[1] is None else "back to %s" % modes[1]))
    if TRANSIT_STEPS.index(modes[1]) - TRANSIT_STEPS.index(modes[0]) > 1:
        module.fail_json(msg="in-transit encryption of replication group %s is off; ElastiCache turns it on in two steps: run with "
                         "transit_encryption_mode: preferred (clients with and without TLS), move the clients to TLS, then run with "
                         "transit_encryption_mode: required" % group_id)
    engines = (before["engine"], after["engine"])
    if engines[0] != engines[1]:
        if engines != ("redis", "valkey"):
            module.fail_json(msg="engine of replication group %s cannot be changed from %s to %s; only redis can be upgraded to valkey"
                             % ((group_id,) + engines))
        if not module.params["engine_version"]:
            module.fail_json(msg="engine_version is needed to upgrade replication group %s from redis to valkey" % group_id)
        refuse_redis_parameter_group(module, client, before, after)
    elif before["engine_version"] and after["engine_version"] != before["engine_version"]:
        if version_numbers(after["engine_version"]) < version_numbers(before["engine_version"])[:len(version_numbers(after["engine_version"]))]:
            module.fail_json(msg="engine_version of replication group %s is %s; ElastiCache cannot downgrade it to %s"
                             % (group_id, before["engine_version"], after["engine_version"]))


def refuse_redis_parameter_group(module, client, before, after):
    """Redis OSS to Valkey on a custom parameter group: "If you applied a custom cache parameter group to the existing Redis
    OSS replication group you're upgrading, you also need to pass a custom Valkey cache parameter group in the request"
    (ElastiCache guide, upgrading engine versions across engines). A default group moves to Valkey's default by itself."""
    group_id = module.params["replication_group_id"]
    current = before["cache_parameter_group_name"] or ""
    if current.startswith("default."):
        return
    wanted = after["cache_parameter_group_name"]
    if wanted == current:
        module.fail_json(msg="replication group %s uses the custom parameter group %s; upgrading it to valkey needs a Valkey parameter group "
                         "in cache_parameter_group_name" % (group_id, current))
    family = ec.parameter_group_family(client, wanted)
    if not family.startswith("valkey"):
        module.fail_json(msg="cache_parameter_group_name %s is of the family %s; upgrading replication group %s to valkey needs a Valkey "
                         "parameter group" % (wanted, family, group_id))


def planned_calls(module, group, before, after):
    """[(operation, client method, request)] bringing the group from ``before`` to ``after``."""
    params = module.params
    # IncreaseReplicaCount, DecreaseReplicaCount and ModifyReplicationGroupShardConfiguration take only
    # ApplyImmediately=True ("ApplyImmediately=False is not currently supported"; "the only permitted value for this
    # parameter is true"); only ModifyReplicationGroup honours apply_immediately.
    base = dict(ReplicationGroupId=params["replication_group_id"], ApplyImmediately=True)
    calls = []
    replicas = after["replicas_per_node_group"]
    counts = replica_counts(group)
    if any(count < replicas for count in counts):
        calls.append(("IncreaseReplicaCount", "increase_replica_count", dict(base, NewReplicaCount=replicas)))
    if after["transit_encryption_mode"] != before["transit_encryption_mode"]:
        # A call of its own, before any AuthToken needs it: "If you are enabling in-transit encryption for an existing
        # cluster, you must also set TransitEncryptionMode to preferred"; required follows in a later run.
        calls.append(("ModifyReplicationGroup", "modify_replication_group", dict(
            base, ApplyImmediately=params["apply_immediately"], TransitEncryptionEnabled=True, TransitEncryptionMode=after["transit_encryption_mode"])))
    modify = dict((parameter, after[key]) for key, parameter in MODIFIABLE if after[key] != before[key])
    if params["auth_token"] and params["update_auth_token"]:
        modify.update(AuthToken=params["auth_token"], AuthTokenUpdateStrategy="ROTATE")
    if modify:
        calls.append(("ModifyReplicationGroup", "modify_replication_group", dict(base, ApplyImmediately=params["apply_immediately"], **modify)))
    if any(count > replicas for count in counts):
        calls.append(("DecreaseReplicaCount", "decrease_replica_count", dict(base, NewReplicaCount=replicas)))
    shards = [node_group["NodeGroupId"] for node_group in group.get("NodeGroups", [])]
    if after["num_node_groups"] != len(shards):
        request = dict(base, NodeGroupCount=after["num_node_groups"])
        if after["num_node_groups"] < len(shards):
            request["NodeGroupsToRemove"] = sorted(shards)[after["num_node_groups"]:]
        calls.append(("ModifyReplicationGroupShardConfiguration", "modify_replication_group_shard_configuration", request))
    return calls


# Settings only the member clusters report (see settings()).
MEMBER_SETTINGS = ("engine_version", "security_group_ids", "cache_parameter_group_name", "preferred_maintenance_window")


def change_shown(client, first, after, operation, request):
    """A test of whether a group read shows the change ``request`` made; None for a change that is deferred (not begun now).

    ``first`` is the group as the run found it; ``after`` the settings asked for.
    """
    if operation == "IncreaseReplicaCount":
        return lambda group: min(replica_counts(group) or [0]) >= request["NewReplicaCount"]
    if operation == "DecreaseReplicaCount":
        return lambda group: max(replica_counts(group) or [0]) <= request["NewReplicaCount"]
    if operation == "ModifyReplicationGroupShardConfiguration":
        return lambda group: len(group.get("NodeGroups", [])) == request["NodeGroupCount"]
    if not request["ApplyImmediately"]:
        return None
    keys = [key for key, parameter in MODIFIABLE if parameter in request]
    keys += ["transit_encryption_mode"] if "TransitEncryptionMode" in request else []

    def shown(group):
        member = ec.describe_member(client, group) if set(keys) & set(MEMBER_SETTINGS) else None
        now = settings(group, member, {})
        for key in keys:
            if key == "engine_version" and (str(now[key]) + ".").startswith(str(after[key]) + "."):
                continue  # 8.0 asked, 8.0.0 running
            if now[key] != after[key]:
                return False
        return "AuthToken" not in request or group.get("AuthTokenLastModifiedDate") != first.get("AuthTokenLastModifiedDate")

    return shown


def reported(calls):
    """The calls as returned: snake case, without the AUTH token."""
    return [dict(operation=operation, request=camel_dict_to_snake_dict(dict((key, value) for key, value in request.items() if key != "AuthToken")))
            for operation, method, request in calls]


def create(module, client):
    params = module.params
    group_id = params["replication_group_id"]
    if not params["description"] or not params["node_type"]:
        module.fail_json(msg="description and node_type are needed to create replication group %s" % group_id)
    after = wanted(module, dict(dict.fromkeys(COMPARED), auth_token_enabled=False, **CREATE_DEFAULTS), creating=True)
    check_options(module, after)
    if module.check_mode:
        return None, after
    request = dict(ReplicationGroupId=group_id, ReplicationGroupDescription=params["description"], Engine=after["engine"],
                   CacheNodeType=params["node_type"], AutomaticFailoverEnabled=after["automatic_failover"], MultiAZEnabled=after["multi_az"],
                   AtRestEncryptionEnabled=after["at_rest_encryption"], TransitEncryptionEnabled=bool(after["transit_encryption_mode"]))
    if after["transit_encryption_mode"] == "preferred":
        request["TransitEncryptionMode"] = "preferred"
    if after["cluster_mode"]:
        request.update(ClusterMode="enabled", NumNodeGroups=after["num_node_groups"], ReplicasPerNodeGroup=after["replicas_per_node_group"])
    else:
        request["NumCacheClusters"] = after["replicas_per_node_group"] + 1
    optional = (("engine_version", "EngineVersion"), ("cache_subnet_group_name", "CacheSubnetGroupName"),
                ("security_group_ids", "SecurityGroupIds"), ("cache_parameter_group_name", "CacheParameterGroupName"), ("port", "Port"),
                ("kms_key_id", "KmsKeyId"), ("auth_token", "AuthToken"), ("snapshot_retention_limit", "SnapshotRetentionLimit"),
                ("snapshot_window", "SnapshotWindow"), ("preferred_maintenance_window", "PreferredMaintenanceWindow"))
    request.update(dict((key, params[option]) for option, key in optional if params[option] is not None))
    if params["tags"]:
        request["Tags"] = ansible_dict_to_boto3_tag_list(params["tags"])
    group = client.create_replication_group(aws_retry=True, **request)["ReplicationGroup"]
    if params["wait"]:
        group = ec.wait_available(module, client, group_id, "replication group %s to be created" % group_id)
    return group, None


def update(module, client, group, before):
    """Brings an existing group in line; returns (changed, group, after, operations)."""
    params = module.params
    group_id = params["replication_group_id"]
    if group["Status"] == "deleting":
        module.fail_json(msg="Replication group %s is being deleted" % group_id)
    after = wanted(module, before, creating=False)
    check_options(module, after)
    refuse_impossible(module, client, before, after)
    if params["auth_token"] and not params["update_auth_token"] and not before["auth_token_enabled"]:
        module.warn("Replication group %s has no AUTH token; auth_token is only set on it with update_auth_token: true" % group_id)
    calls = planned_calls(module, group, before, after)
    tags_changed = ec.ensure_tags(module, client, group["ARN"], before["tags"], params["tags"], params["purge_tags"])[0]
    changed = bool(calls) or tags_changed
    if module.check_mode:
        return changed, group, after, reported(calls)
    for index, (operation, method, request) in enumerate(calls):
        if index or group["Status"] != "available":
            # ElastiCache takes no change while one is being applied.
            ec.wait_available(module, client, group_id, "replication group %s to be available before %s" % (group_id, operation))
        getattr(client, method)(aws_retry=True, **request)
        shown = change_shown(client, group, after, operation, request)
        if shown and (index + 1 < len(calls) or params["wait"]):
            # Reads may still say available: the waits for available must not start before the change shows.
            ec.wait_started(module, client, group_id, shown, "replication group %s to show %s" % (group_id, operation))
    if params["wait"] and (calls or group["Status"] != "available"):
        group = ec.wait_available(module, client, group_id, "replication group %s" % group_id)
    elif changed:
        group = ec.describe_group(client, group_id)
    return changed, group, None, reported(calls)


def returned(client, group):
    """The group as returned, with its tags and its members' configuration; (result, settings)."""
    if not group:
        return {}, {}
    member = ec.describe_member(client, group)
    tags = ec.group_tags(client, group)
    current = settings(group, member, tags)
    result = ec.to_ansible(group)
    result.update((key, current[key]) for key in ("engine_version", "cache_parameter_group_name", "cache_subnet_group_name",
                                                  "security_group_ids", "preferred_maintenance_window", "port"))
    if not group.get("ClusterEnabled") and group.get("NodeGroups"):
        result.update(primary_endpoint=result["node_groups"][0].get("primary_endpoint"),
                      reader_endpoint=result["node_groups"][0].get("reader_endpoint"))
    result["tags"] = tags
    return result, current


def delete(module, client, group):
    group_id = module.params["replication_group_id"]
    if module.check_mode:
        return
    if group["Status"] != "deleting":
        client.delete_replication_group(aws_retry=True, ReplicationGroupId=group_id)
    if module.params["wait"]:
        ec.wait_deleted(module, client, group_id)


def main():
    argument_spec = dict(
        replication_group_id=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        description=dict(type="str"),
        engine=dict(type="str", choices=["valkey", "redis"]),
        engine_version=dict(type="str"),
        node_type=dict(type="str"),
        cluster_mode=dict(type="bool"),
        num_node_groups=dict(type="int"),
        replicas_per_node_group=dict(type="int"),
        multi_az=dict(type="bool"),
        automatic_failover=dict(type="bool"),
        cache_subnet_group_name=dict(type="str"),
        security_group_ids=dict(type="list", elements="str"),
        cache_parameter_group_name=dict(type="str"),
        port=dict(type="int"),
        at_rest_encryption=dict(type="bool"),
        kms_key_id=dict(type="str", no_log=False),
        transit_encryption=dict(type="bool"),
        transit_encryption_mode=dict(type="str", choices=["preferred", "required"]),
        auth_token=dict(type="str", no_log=True),
        update_auth_token=dict(type="bool", default=False),
        snapshot_retention_limit=dict(type="int"),
        snapshot_window=dict(type="str"),
        preferred_maintenance_window=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        apply_immediately=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=3600),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = ec.elasticache_client(module)
    group_id = module.params["replication_group_id"]
    operations = []
    try:
        group = ec.describe_group(client, group_id)
        result, before = returned(client, group)
        if module.params["state"] == "absent":
            # A group already being deleted is only waited for.
            changed, after, result = group is not None and group["Status"] != "deleting", {}, {}
            if group is not None:
                delete(module, client, group)
        elif group is None:
            changed = True
            group, after = create(module, client)
            if group is not None:
                result, after = returned(client, group)
        else:
            changed, group, after, operations = update(module, client, group, before)
            if after is None:
                result, after = returned(client, group)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage ElastiCache replication group %s" % group_id)

    output = dict(changed=changed, replication_group=result, diff=dict(before=before, after=after))
    if module.params["state"] == "present":
        output["operations"] = operations
    module.exit_json(**output)


if __name__ == "__main__":
    main()
