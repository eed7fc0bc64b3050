"""The emulator's ElastiCache replication group corrections (fidelity.elasticache_replication_groups, handlers/elasticache_groups.py).

Each test creates its own group, so tests share the session's emulator without meeting.
"""

import uuid

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

REGION = "ap-northeast-2"


@pytest.fixture
def elasticache(aws_env):
    return boto3.client("elasticache", region_name=REGION, config=botocore.config.Config(retries={"max_attempts": 1}))


def new_group(elasticache, **params):
    group_id = "rg-" + uuid.uuid4().hex[:8]
    request = dict(ReplicationGroupId=group_id, ReplicationGroupDescription="test", Engine="valkey", CacheNodeType="cache.t4g.micro")
    elasticache.create_replication_group(**dict(request, **params))
    return group_id


def described(elasticache, group_id):
    return elasticache.describe_replication_groups(ReplicationGroupId=group_id)["ReplicationGroups"][0]


def member(elasticache, cluster_id):
    return elasticache.describe_cache_clusters(CacheClusterId=cluster_id)["CacheClusters"][0]


def error(call, **kwargs):
    """(error code, message) of a call that must fail."""
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_group_without_cluster_mode_has_its_members_and_endpoints(elasticache):
    group_id = new_group(elasticache, NumCacheClusters=3, AutomaticFailoverEnabled=True, SecurityGroupIds=["sg-1"], Port=6380)
    group = described(elasticache, group_id)
    assert (group["Engine"], group["Status"], group["ClusterEnabled"]) == ("valkey", "available", False)
    assert group["MemberClusters"] == [group_id + "-001", group_id + "-002", group_id + "-003"]
    [node_group] = group["NodeGroups"]
    assert node_group["PrimaryEndpoint"]["Address"].startswith("master.%s." % group_id)
    assert node_group["ReaderEndpoint"] == {"Address": node_group["PrimaryEndpoint"]["Address"].replace("master.", "replica.", 1), "Port": 6380}
    assert [entry["CurrentRole"] for entry in node_group["NodeGroupMembers"]] == ["primary", "replica", "replica"]
    assert node_group["PrimaryEndpoint"]["Address"].endswith(".apn2.cache.amazonaws.com")
    cluster = member(elasticache, group_id + "-002")
    assert (cluster["ReplicationGroupId"], cluster["Engine"], cluster["EngineVersion"]) == (group_id, "valkey", "8.0.0")
    assert cluster["SecurityGroups"] == [{"SecurityGroupId": "sg-1", "Status": "active"}]
    assert cluster["CacheParameterGroup"]["CacheParameterGroupName"] == "default.valkey8"
    assert (cluster["CacheSubnetGroupName"], cluster["PreferredMaintenanceWindow"]) == ("default", "sun:05:00-sun:06:00")


def test_cluster_mode_group_has_shards_and_a_configuration_endpoint(elasticache):
    group_id = new_group(elasticache, ClusterMode="enabled", NumNodeGroups=2, ReplicasPerNodeGroup=1, AutomaticFailoverEnabled=True,
                         Engine="redis", EngineVersion="7.1")
    group = described(elasticache, group_id)
    assert group["ClusterEnabled"] is True and group["ConfigurationEndpoint"]["Address"].startswith("clustercfg.%s." % group_id)
    assert group["MemberClusters"] == [group_id + suffix for suffix in ("-0001-001", "-0001-002", "-0002-001", "-0002-002")]
    assert [node_group["Slots"] for node_group in group["NodeGroups"]] == ["0-8191", "8192-16383"]
    cluster = member(elasticache, group_id + "-0002-002")
    assert (cluster["EngineVersion"], cluster["CacheParameterGroup"]["CacheParameterGroupName"]) == ("7.1.0", "default.redis7.cluster.on")


@pytest.mark.parametrize("params, code", [
    (dict(ClusterMode="enabled", NumNodeGroups=2), "InvalidParameterCombination"),
    (dict(MultiAZEnabled=True, NumCacheClusters=2), "InvalidParameterCombination"),
    (dict(AutomaticFailoverEnabled=True), "InvalidParameterCombination"),
    (dict(AuthToken="a-long-enough-token-1234"), "InvalidParameterCombination"),
    (dict(Engine="memcached"), "InvalidParameterValue"),
])
def test_creation_refuses_what_aws_refuses(elasticache, params, code):
    assert error(new_group, elasticache=elasticache, **params)[0] == code


def test_modify_changes_settings_on_the_group_and_its_members(elasticache):
    group_id = new_group(elasticache, Engine="redis", NumCacheClusters=2, TransitEncryptionEnabled=True)
    custom = "custom-" + group_id
    elasticache.create_cache_parameter_group(CacheParameterGroupName=custom, CacheParameterGroupFamily="valkey8", Description="t")
    group = elasticache.modify_replication_group(
        ReplicationGroupId=group_id, ApplyImmediately=True, CacheNodeType="cache.m7g.large", Engine="valkey", EngineVersion="8.0",
        SecurityGroupIds=["sg-2"], CacheParameterGroupName=custom, PreferredMaintenanceWindow="MON:01:00-MON:02:00",
        SnapshotRetentionLimit=3, AutomaticFailoverEnabled=True, MultiAZEnabled=True, AuthToken="a-long-enough-token-1234",
        AuthTokenUpdateStrategy="ROTATE")["ReplicationGroup"]
    assert (group["CacheNodeType"], group["Engine"], group["MultiAZ"], group["AuthTokenEnabled"]) == ("cache.m7g.large", "valkey", "enabled", True)
    assert group["SnapshottingClusterId"] == group_id + "-002"
    cluster = member(elasticache, group_id + "-001")
    assert (cluster["EngineVersion"], cluster["CacheParameterGroup"]["CacheParameterGroupName"]) == ("8.0.0", custom)
    assert (cluster["SecurityGroups"][0]["SecurityGroupId"], cluster["PreferredMaintenanceWindow"]) == ("sg-2", "mon:01:00-mon:02:00")


def test_modify_refuses_what_aws_refuses(elasticache):
    group_id = new_group(elasticache, NumCacheClusters=1, EngineVersion="8.0")
    modify = elasticache.modify_replication_group
    assert error(modify, ReplicationGroupId=group_id, Engine="redis")[0] == "InvalidParameterCombination"
    assert error(modify, ReplicationGroupId=group_id, EngineVersion="7.2")[0] == "InvalidParameterCombination"
    assert error(modify, ReplicationGroupId=group_id, AutomaticFailoverEnabled=True)[0] == "InvalidParameterCombination"
    assert error(modify, ReplicationGroupId=group_id, AuthToken="a-long-enough-token-1234",
                 AuthTokenUpdateStrategy="ROTATE")[0] == "InvalidParameterCombination"
    assert error(modify, ReplicationGroupId="rg-missing", CacheNodeType="cache.m7g.large")[0] == "ReplicationGroupNotFoundFault"


def test_replica_counts_go_up_and_down(elasticache):
    group_id = new_group(elasticache, NumCacheClusters=2)
    group = elasticache.increase_replica_count(ReplicationGroupId=group_id, NewReplicaCount=3, ApplyImmediately=True)["ReplicationGroup"]
    assert group["MemberClusters"] == [group_id + "-00%d" % number for number in range(1, 5)]
    assert member(elasticache, group_id + "-004")["ReplicationGroupId"] == group_id
    assert error(elasticache.increase_replica_count, ReplicationGroupId=group_id, NewReplicaCount=3, ApplyImmediately=True)[0] == \
        "InvalidParameterValue"
    group = elasticache.decrease_replica_count(ReplicationGroupId=group_id, NewReplicaCount=1, ApplyImmediately=True)["ReplicationGroup"]
    assert group["MemberClusters"] == [group_id + "-001", group_id + "-002"]
    assert error(member, elasticache=elasticache, cluster_id=group_id + "-003")[0] == "CacheClusterNotFound"


def test_shards_are_added_and_removed(elasticache):
    group_id = new_group(elasticache, ClusterMode="enabled", NumNodeGroups=2, ReplicasPerNodeGroup=1, AutomaticFailoverEnabled=True)
    reshard = elasticache.modify_replication_group_shard_configuration
    group = reshard(ReplicationGroupId=group_id, NodeGroupCount=3, ApplyImmediately=True)["ReplicationGroup"]
    assert [node_group["NodeGroupId"] for node_group in group["NodeGroups"]] == ["0001", "0002", "0003"]
    assert len(group["MemberClusters"]) == 6 and group["NodeGroups"][2]["Slots"] == "10922-16383"
    assert error(reshard, ReplicationGroupId=group_id, NodeGroupCount=2, ApplyImmediately=True)[0] == "InvalidParameterValue"
    group = reshard(ReplicationGroupId=group_id, NodeGroupCount=2, ApplyImmediately=True, NodeGroupsToRemove=["0002"])["ReplicationGroup"]
    assert [node_group["NodeGroupId"] for node_group in group["NodeGroups"]] == ["0001", "0003"]
    plain = new_group(elasticache, NumCacheClusters=1)
    assert error(reshard, ReplicationGroupId=plain, NodeGroupCount=2, ApplyImmediately=True)[0] == "InvalidParameterValue"


def test_deleted_group_and_members_are_gone(elasticache):
    group_id = new_group(elasticache, NumCacheClusters=2)
    assert elasticache.delete_replication_group(ReplicationGroupId=group_id)["ReplicationGroup"]["Status"] == "deleting"
    assert error(described, elasticache=elasticache, group_id=group_id)[0] == "ReplicationGroupNotFoundFault"
    assert error(member, elasticache=elasticache, cluster_id=group_id + "-001")[0] == "CacheClusterNotFound"


def test_cache_subnet_group_is_deleted_unless_in_use(elasticache):
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc_id = ec2.create_vpc(CidrBlock="10.61.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.61.1.0/24", AvailabilityZone=REGION + "a")["Subnet"]["SubnetId"]
    name = "sg-" + uuid.uuid4().hex[:8]
    elasticache.create_cache_subnet_group(CacheSubnetGroupName=name, CacheSubnetGroupDescription="test", SubnetIds=[subnet_id])
    group_id = new_group(elasticache, CacheSubnetGroupName=name)
    assert error(elasticache.delete_cache_subnet_group, CacheSubnetGroupName=name)[0] == "CacheSubnetGroupInUse"
    elasticache.delete_replication_group(ReplicationGroupId=group_id)
    elasticache.delete_cache_subnet_group(CacheSubnetGroupName=name)
    assert error(elasticache.describe_cache_subnet_groups, CacheSubnetGroupName=name)[0] == "CacheSubnetGroupNotFoundFault"
    assert error(elasticache.delete_cache_subnet_group, CacheSubnetGroupName=name)[0] == "CacheSubnetGroupNotFoundFault"


def test_replica_and_shard_changes_refuse_apply_immediately_false(aws_env):
    """As on AWS: "ApplyImmediately=False is not currently supported" (issue 13 #6)."""
    client = boto3.client("elasticache", region_name="ap-northeast-2")
    group_id = "rg-" + uuid.uuid4().hex[:8]
    client.create_replication_group(ReplicationGroupId=group_id, ReplicationGroupDescription="t", Engine="valkey", CacheNodeType="cache.t4g.small",
                                    ClusterMode="enabled", NumNodeGroups=2, ReplicasPerNodeGroup=1, AutomaticFailoverEnabled=True)
    for call, params in ((client.increase_replica_count, dict(NewReplicaCount=2)), (client.decrease_replica_count, dict(NewReplicaCount=0)),
                         (client.modify_replication_group_shard_configuration, dict(NodeGroupCount=3))):
        with pytest.raises(ClientError) as caught:
            call(ReplicationGroupId=group_id, ApplyImmediately=False, **params)
        assert caught.value.response["Error"]["Code"] == "InvalidParameterValue"
    client.increase_replica_count(ReplicationGroupId=group_id, ApplyImmediately=True, NewReplicaCount=2)
    client.delete_replication_group(ReplicationGroupId=group_id)


def test_redis6_default_parameter_group_family():
    from aws_emulator.handlers import elasticache_groups  # pylint: disable=import-outside-toplevel

    assert elasticache_groups.default_parameter_group("redis", "6.2.6", True) == "default.redis6.x.cluster.on"
    assert elasticache_groups.default_parameter_group("redis", "7.1.0", False) == "default.redis7"


def test_transit_encryption_has_a_mode_and_is_turned_on_in_two_steps(elasticache):
    """ModifyReplicationGroup: TLS on an existing group in preferred mode first, then required (issue 13 #15)."""
    created = new_group(elasticache, TransitEncryptionEnabled=True)
    assert (described(elasticache, created)["TransitEncryptionEnabled"], described(elasticache, created)["TransitEncryptionMode"]) == (True, "required")
    assert member(elasticache, created + "-001")["TransitEncryptionMode"] == "required"
    preferred = new_group(elasticache, TransitEncryptionEnabled=True, TransitEncryptionMode="preferred")
    assert described(elasticache, preferred)["TransitEncryptionMode"] == "preferred"
    assert error(elasticache.create_replication_group, ReplicationGroupId="rg-mode-only", ReplicationGroupDescription="t", Engine="valkey",
                 CacheNodeType="cache.t4g.micro", TransitEncryptionMode="preferred")[0] == "InvalidParameterCombination"

    group_id = new_group(elasticache)
    assert described(elasticache, group_id)["TransitEncryptionEnabled"] is False
    assert "TransitEncryptionMode" not in described(elasticache, group_id)
    for params in (dict(TransitEncryptionEnabled=True), dict(TransitEncryptionEnabled=True, TransitEncryptionMode="required"),
                   dict(TransitEncryptionMode="preferred")):
        code, message = error(elasticache.modify_replication_group, ReplicationGroupId=group_id, ApplyImmediately=True, **params)
        assert code == "InvalidParameterCombination", params
    elasticache.modify_replication_group(ReplicationGroupId=group_id, ApplyImmediately=True, TransitEncryptionEnabled=True,
                                         TransitEncryptionMode="preferred")
    group = described(elasticache, group_id)
    assert (group["TransitEncryptionEnabled"], group["TransitEncryptionMode"]) == (True, "preferred")
    elasticache.modify_replication_group(ReplicationGroupId=group_id, ApplyImmediately=True, TransitEncryptionMode="required")
    assert described(elasticache, group_id)["TransitEncryptionMode"] == "required"
    code, message = error(elasticache.modify_replication_group, ReplicationGroupId=group_id, ApplyImmediately=True, TransitEncryptionEnabled=False)
    assert code == "InvalidParameterCombination" and "preferred" in message
    for group in (created, preferred, group_id):
        elasticache.delete_replication_group(ReplicationGroupId=group)


def test_redis_to_valkey_with_a_custom_parameter_group_needs_a_valkey_one(elasticache):
    """The cross-engine upgrade guide: a custom parameter group needs a custom Valkey one in the request (issue 13 #20)."""
    suffix = uuid.uuid4().hex[:6]
    elasticache.create_cache_parameter_group(CacheParameterGroupName="redis-" + suffix, CacheParameterGroupFamily="redis7", Description="t")
    elasticache.create_cache_parameter_group(CacheParameterGroupName="valkey-" + suffix, CacheParameterGroupFamily="valkey8", Description="t")
    [listed] = elasticache.describe_cache_parameter_groups(CacheParameterGroupName="valkey-" + suffix)["CacheParameterGroups"]
    assert (listed["CacheParameterGroupFamily"], listed["IsGlobal"]) == ("valkey8", False)
    default = elasticache.describe_cache_parameter_groups(CacheParameterGroupName="default.valkey8.cluster.on")["CacheParameterGroups"][0]
    assert default["CacheParameterGroupFamily"] == "valkey8"
    assert error(elasticache.describe_cache_parameter_groups, CacheParameterGroupName="nope-" + suffix)[0] == "CacheParameterGroupNotFound"

    group_id = new_group(elasticache, Engine="redis", EngineVersion="7.1", CacheParameterGroupName="redis-" + suffix)
    upgrade = dict(ReplicationGroupId=group_id, ApplyImmediately=True, Engine="valkey", EngineVersion="8.0")
    code, message = error(elasticache.modify_replication_group, **upgrade)
    assert code == "InvalidParameterCombination" and "redis-" + suffix in message
    assert error(elasticache.modify_replication_group, CacheParameterGroupName="redis-" + suffix, **upgrade)[0] == "InvalidParameterCombination"
    elasticache.modify_replication_group(CacheParameterGroupName="valkey-" + suffix, **upgrade)
    assert member(elasticache, group_id + "-001")["CacheParameterGroup"]["CacheParameterGroupName"] == "valkey-" + suffix

    plain = new_group(elasticache, Engine="redis", EngineVersion="7.1")
    elasticache.modify_replication_group(ReplicationGroupId=plain, ApplyImmediately=True, Engine="valkey", EngineVersion="8.0")
    assert member(elasticache, plain + "-001")["CacheParameterGroup"]["CacheParameterGroupName"] == "default.valkey8"
    for group in (group_id, plain):
        elasticache.delete_replication_group(ReplicationGroupId=group)
    elasticache.delete_cache_parameter_group(CacheParameterGroupName="redis-" + suffix)
    assert error(elasticache.delete_cache_parameter_group, CacheParameterGroupName="redis-" + suffix)[0] == "CacheParameterGroupNotFound"


def test_parameter_groups_must_exist_and_match_the_engine(elasticache):
    """AWS has no default.redis6.2 (Redis OSS 6 is the family redis6.x), and a group's family must match the engine (issue 13 #22)."""
    for name in ("default.redis6.2.cluster.on", "no-such-group"):
        code, message = error(lambda **params: new_group(elasticache, **params), Engine="redis", EngineVersion="6.2", CacheParameterGroupName=name,
                              ClusterMode="enabled", NumNodeGroups=2, AutomaticFailoverEnabled=True)
        assert code == "CacheParameterGroupNotFound", name
    group_id = new_group(elasticache, Engine="redis", EngineVersion="6.2", CacheParameterGroupName="default.redis6.x.cluster.on",
                         ClusterMode="enabled", NumNodeGroups=2, AutomaticFailoverEnabled=True)
    assert member(elasticache, group_id + "-0001-001")["CacheParameterGroup"]["CacheParameterGroupName"] == "default.redis6.x.cluster.on"
    code, message = error(lambda **params: new_group(elasticache, **params), Engine="valkey", EngineVersion="8.0",
                          CacheParameterGroupName="default.redis7")
    assert code == "InvalidParameterCombination" and "valkey8" in message
    code, message = error(elasticache.modify_replication_group, ReplicationGroupId=group_id, ApplyImmediately=True,
                          CacheParameterGroupName="default.redis7.cluster.on")
    assert code == "InvalidParameterCombination" and "redis6.x" in message
    elasticache.delete_replication_group(ReplicationGroupId=group_id)
