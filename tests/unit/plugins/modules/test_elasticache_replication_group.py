import json
import time
import uuid

import boto3
import pytest

from ansible_collections.gameops.platform.plugins.modules import elasticache_replication_group
from conftest import Emulator, free_port, run_module

from aws_emulator import __main__ as emulator_cli
from aws_emulator import latency

TOKEN = "s3cret-Auth-Token-0123456789abcdef"
NEW_TOKEN = "n3w-Auth-Token-fedcba9876543210xyz"


@pytest.fixture
def group_id(aws_env):
    name = "rg-" + uuid.uuid4().hex[:8]
    yield name
    client = boto3.client("elasticache")
    if name in [group["ReplicationGroupId"] for group in client.describe_replication_groups()["ReplicationGroups"]]:
        client.delete_replication_group(ReplicationGroupId=name)


@pytest.fixture
def args(group_id):
    """A small Valkey group with one replica."""
    return dict(replication_group_id=group_id, description="sessions", engine="valkey", engine_version="8.0", node_type="cache.t4g.small",
                replicas_per_node_group=1, automatic_failover=True, wait_timeout=30)


@pytest.fixture
def cluster_args(args):
    return dict(args, cluster_mode=True, num_node_groups=2)


def run(args, **kwargs):
    return run_module(elasticache_replication_group, args, **kwargs)


def operations(aws_env, mark):
    return [entry["operation"] for entry in aws_env.since(mark)]


def test_create_without_cluster_mode_then_no_op(aws_env, args, group_id):
    args = dict(args, tags={"gameops:platform": "t"}, security_group_ids=["sg-1"], preferred_maintenance_window="Sun:23:00-Mon:01:00")
    mark = aws_env.mark()
    created = run(args, diff=True)
    assert created["changed"] is True and aws_env.mutations_since(mark) == ["CreateReplicationGroup"]
    group = created["replication_group"]
    assert (group["replication_group_id"], group["status"], group["engine"], group["engine_version"]) == (group_id, "available", "valkey", "8.0.0")
    assert group["member_clusters"] == [group_id + "-001", group_id + "-002"]
    assert group["primary_endpoint"]["address"].startswith("master.%s." % group_id) and group["primary_endpoint"]["port"] == 6379
    assert group["reader_endpoint"]["address"].startswith("replica.%s." % group_id)
    assert (group["tags"], group["security_group_ids"], group["arn"].endswith(":replicationgroup:" + group_id)) == ({"gameops:platform": "t"}, ["sg-1"], True)
    assert created["diff"]["before"] == {}
    after = created["diff"]["after"]
    assert (after["replicas_per_node_group"], after["num_node_groups"], after["cluster_mode"], after["port"]) == (1, 1, False, 6379)
    assert after["preferred_maintenance_window"] == "sun:23:00-mon:01:00" and created["operations"] == []

    mark = aws_env.mark()
    again = run(args, diff=True)
    assert again["changed"] is False and again["operations"] == []
    assert again["diff"]["before"] == again["diff"]["after"] == after
    assert aws_env.mutations_since(mark) == []
    assert run(dict(replication_group_id=group_id))["changed"] is False


def test_create_with_cluster_mode(aws_env, cluster_args, group_id):
    created = run(cluster_args)
    group = created["replication_group"]
    assert created["changed"] is True and group["cluster_enabled"] is True
    assert group["configuration_endpoint"]["address"].startswith("clustercfg.%s." % group_id)
    assert group["member_clusters"] == [group_id + suffix for suffix in ("-0001-001", "-0001-002", "-0002-001", "-0002-002")]
    assert "primary_endpoint" not in group and group["cache_parameter_group_name"] == "default.valkey8.cluster.on"
    mark = aws_env.mark()
    assert run(cluster_args)["changed"] is False and aws_env.mutations_since(mark) == []


def test_check_mode_makes_no_mutating_call(aws_env, args, group_id):
    mark = aws_env.mark()
    planned = run(args, check_mode=True, diff=True)
    assert planned["changed"] is True and planned["replication_group"] == {} and planned["diff"]["after"]["node_type"] == "cache.t4g.small"
    assert aws_env.mutations_since(mark) == []

    run(args)
    mark = aws_env.mark()
    planned = run(dict(args, node_type="cache.m7g.large", replicas_per_node_group=3, tags={"a": "1"}), check_mode=True, diff=True)
    assert planned["changed"] is True
    assert [(entry["operation"], entry["request"]) for entry in planned["operations"]] == [
        ("IncreaseReplicaCount", {"replication_group_id": group_id, "apply_immediately": True, "new_replica_count": 3}),
        ("ModifyReplicationGroup", {"replication_group_id": group_id, "apply_immediately": True, "cache_node_type": "cache.m7g.large"}),
    ]
    changed = {key for key in planned["diff"]["after"] if planned["diff"]["after"][key] != planned["diff"]["before"][key]}
    assert changed == {"node_type", "replicas_per_node_group", "tags"}
    assert aws_env.mutations_since(mark) == []
    assert planned["replication_group"]["cache_node_type"] == "cache.t4g.small"


def test_node_type_change_is_one_modify(aws_env, args, api_calls):
    run(args)
    mark = aws_env.mark()
    del api_calls[:]
    result = run(dict(args, node_type="cache.m7g.large", snapshot_retention_limit=3), diff=True)
    assert result["changed"] is True and aws_env.mutations_since(mark) == ["ModifyReplicationGroup"]
    [request] = [params for operation, params in api_calls if operation == "ModifyReplicationGroup"]
    assert request == dict(ReplicationGroupId=args["replication_group_id"], ApplyImmediately=True, CacheNodeType="cache.m7g.large",
                           SnapshotRetentionLimit=3)
    assert (result["diff"]["before"]["node_type"], result["diff"]["after"]["node_type"]) == ("cache.t4g.small", "cache.m7g.large")
    assert result["replication_group"]["cache_node_type"] == "cache.m7g.large"


def test_replicas_one_to_two_is_increase_replica_count(aws_env, args):
    run(args)
    mark = aws_env.mark()
    result = run(dict(args, replicas_per_node_group=2))
    assert result["changed"] is True and aws_env.mutations_since(mark) == ["IncreaseReplicaCount"]
    assert len(result["replication_group"]["member_clusters"]) == 3
    mark = aws_env.mark()
    result = run(dict(args, replicas_per_node_group=1))
    assert aws_env.mutations_since(mark) == ["DecreaseReplicaCount"] and len(result["replication_group"]["member_clusters"]) == 2


def test_multi_az_off_comes_before_dropping_the_last_replica(aws_env, args):
    run(dict(args, multi_az=True))
    mark = aws_env.mark()
    result = run(dict(args, multi_az=False, automatic_failover=False, replicas_per_node_group=0))
    assert aws_env.mutations_since(mark) == ["ModifyReplicationGroup", "DecreaseReplicaCount"]
    assert result["replication_group"]["multi_az"] == "disabled" and len(result["replication_group"]["member_clusters"]) == 1


def test_shards_two_to_three_is_shard_configuration(aws_env, cluster_args, api_calls):
    run(cluster_args)
    mark = aws_env.mark()
    result = run(dict(cluster_args, num_node_groups=3), diff=True)
    assert result["changed"] is True and aws_env.mutations_since(mark) == ["ModifyReplicationGroupShardConfiguration"]
    assert len(result["replication_group"]["node_groups"]) == 3 and len(result["replication_group"]["member_clusters"]) == 6
    assert (result["diff"]["before"]["num_node_groups"], result["diff"]["after"]["num_node_groups"]) == (2, 3)
    del api_calls[:]
    run(dict(cluster_args, num_node_groups=2))
    [request] = [params for operation, params in api_calls if operation == "ModifyReplicationGroupShardConfiguration"]
    assert (request["NodeGroupCount"], request["NodeGroupsToRemove"]) == (2, ["0003"])


@pytest.mark.parametrize("change, message", [
    (dict(at_rest_encryption=True), "at_rest_encryption of replication group"),
    (dict(port=6380), "port of replication group"),
    (dict(cache_subnet_group_name="other"), "cache_subnet_group_name of replication group"),
    (dict(cluster_mode=True), "cluster_mode of replication group"),
    (dict(engine="redis"), "only redis can be upgraded to valkey"),
    (dict(engine_version="7.2"), "cannot downgrade it to 7.2"),
    (dict(multi_az=True, automatic_failover=False), "automatic_failover must be true with multi_az"),
    (dict(auth_token=TOKEN, update_auth_token=True), "auth_token needs transit_encryption"),
])
def test_changes_not_made_in_place_fail_before_any_change(aws_env, args, change, message):
    run(args)
    mark = aws_env.mark()
    result = run(dict(args, node_type="cache.m7g.large", **change))
    assert result["failed"] is True and message in result["msg"]
    assert aws_env.mutations_since(mark) == []


def test_redis_upgrades_to_valkey_in_place(aws_env, args):
    run(dict(args, engine="redis", engine_version="7.1"))
    mark = aws_env.mark()
    result = run(dict(args, engine="valkey", engine_version="8.0"))
    assert aws_env.mutations_since(mark) == ["ModifyReplicationGroup"]
    assert (result["replication_group"]["engine"], result["replication_group"]["engine_version"]) == ("valkey", "8.0.0")


def test_auth_token_is_never_returned(aws_env, args, api_calls):
    args = dict(args, transit_encryption=True, auth_token=TOKEN)
    results = [run(args, diff=True), run(args, diff=True), run(args, check_mode=True, diff=True)]
    assert results[0]["changed"] is True and results[0]["replication_group"]["auth_token_enabled"] is True
    assert results[1]["changed"] is False
    assert [params["AuthToken"] for operation, params in api_calls if operation == "CreateReplicationGroup"] == [TOKEN]
    mark = aws_env.mark()
    rotate = dict(args, auth_token=NEW_TOKEN, update_auth_token=True)
    results += [run(rotate, check_mode=True, diff=True), run(rotate, diff=True)]
    assert aws_env.mutations_since(mark) == ["ModifyReplicationGroup"]
    assert results[-1]["changed"] is True and results[-1]["operations"] == [{"operation": "ModifyReplicationGroup", "request": {
        "replication_group_id": args["replication_group_id"], "apply_immediately": True, "auth_token_update_strategy": "ROTATE"}}]
    assert [params["AuthToken"] for operation, params in api_calls if operation == "ModifyReplicationGroup"] == [NEW_TOKEN]
    results.append(run(dict(args, node_type="cache.bad", port=1), diff=True))
    for result in results:
        assert TOKEN not in json.dumps(result) and NEW_TOKEN not in json.dumps(result)


def test_tags_change_without_modify(aws_env, args):
    run(dict(args, tags={"a": "1", "b": "2"}))
    mark = aws_env.mark()
    result = run(dict(args, tags={"a": "1", "c": "3"}), diff=True)
    assert result["changed"] is True and result["operations"] == []
    assert sorted(aws_env.mutations_since(mark)) == ["AddTagsToResource", "RemoveTagsFromResource"]
    assert result["replication_group"]["tags"] == {"a": "1", "c": "3"} == result["diff"]["after"]["tags"]


def test_create_needs_description_and_node_type(aws_env, group_id):
    mark = aws_env.mark()
    result = run(dict(replication_group_id=group_id))
    assert result["failed"] is True and "description and node_type are needed" in result["msg"]
    assert aws_env.mutations_since(mark) == []


def test_delete_then_delete_again(aws_env, args):
    run(args)
    mark = aws_env.mark()
    planned = run(dict(replication_group_id=args["replication_group_id"], state="absent"), check_mode=True)
    assert planned["changed"] is True and aws_env.mutations_since(mark) == []
    deleted = run(dict(replication_group_id=args["replication_group_id"], state="absent", wait_timeout=30), diff=True)
    assert deleted["changed"] is True and deleted["replication_group"] == {} and deleted["diff"]["after"] == {}
    assert deleted["diff"]["before"]["node_type"] == "cache.t4g.small"
    assert aws_env.mutations_since(mark) == ["DeleteReplicationGroup"]
    mark = aws_env.mark()
    again = run(dict(replication_group_id=args["replication_group_id"], state="absent"))
    assert again["changed"] is False and operations(aws_env, mark) == ["DescribeReplicationGroups"]


def test_replica_and_shard_changes_apply_immediately_whatever_apply_immediately_says(aws_env, args, cluster_args, api_calls):
    """IncreaseReplicaCount, DecreaseReplicaCount and the shard change take only ApplyImmediately=True (issue 13 #6)."""
    run(cluster_args)
    deferred = dict(cluster_args, apply_immediately=False)
    for change in (dict(replicas_per_node_group=2), dict(replicas_per_node_group=1), dict(num_node_groups=3),
                   dict(node_type="cache.m7g.large")):
        result = run(dict(deferred, **change))
        assert result.get("failed") is not True, result.get("msg")
        assert result["changed"] is True
    sent = dict((operation, params["ApplyImmediately"]) for operation, params in api_calls if "ApplyImmediately" in params)
    assert sent == {"IncreaseReplicaCount": True, "DecreaseReplicaCount": True, "ModifyReplicationGroupShardConfiguration": True,
                    "ModifyReplicationGroup": False}


def test_preferred_tls_is_not_reported_as_encrypted(aws_env, args, group_id, api_calls):
    """A group in preferred mode still takes plaintext clients: transit_encryption true asks for required (issue 13 #15)."""
    boto3.client("elasticache").create_replication_group(
        ReplicationGroupId=group_id, ReplicationGroupDescription="sessions", Engine="valkey", EngineVersion="8.0", CacheNodeType="cache.t4g.small",
        NumCacheClusters=2, AutomaticFailoverEnabled=True, TransitEncryptionEnabled=True, TransitEncryptionMode="preferred")
    planned = run(dict(args, transit_encryption=True), check_mode=True, diff=True)
    assert planned["changed"] is True
    assert planned["diff"]["before"]["transit_encryption"] is False and planned["diff"]["before"]["transit_encryption_mode"] == "preferred"
    assert planned["diff"]["after"]["transit_encryption"] is True and planned["diff"]["after"]["transit_encryption_mode"] == "required"
    mark = aws_env.mark()
    result = run(dict(args, transit_encryption=True), diff=True)
    assert result["changed"] is True and aws_env.mutations_since(mark) == ["ModifyReplicationGroup"]
    [request] = [params for operation, params in api_calls if operation == "ModifyReplicationGroup"]
    assert (request["TransitEncryptionEnabled"], request["TransitEncryptionMode"]) == (True, "required")
    assert result["replication_group"]["transit_encryption_mode"] == "required"
    mark = aws_env.mark()
    assert run(dict(args, transit_encryption=True))["changed"] is False and aws_env.mutations_since(mark) == []


def test_tls_is_turned_on_in_place_in_two_steps(aws_env, args, group_id, api_calls):
    """ElastiCache enables TLS on an existing group in preferred mode first, then required (issue 13 #15)."""
    run(args)
    mark = aws_env.mark()
    refused = run(dict(args, transit_encryption=True))
    assert refused["failed"] is True and "transit_encryption_mode: preferred" in refused["msg"] and "two steps" in refused["msg"]
    assert aws_env.mutations_since(mark) == []

    step = dict(args, transit_encryption_mode="preferred", auth_token=TOKEN, update_auth_token=True)
    planned = run(step, check_mode=True)
    assert [entry["request"].get("transit_encryption_mode") for entry in planned["operations"]] == ["preferred", None]
    assert aws_env.mutations_since(mark) == []
    result = run(step, diff=True)
    assert result["changed"] is True and aws_env.mutations_since(mark) == ["ModifyReplicationGroup", "ModifyReplicationGroup"]
    requests = [params for operation, params in api_calls if operation == "ModifyReplicationGroup"]
    assert (requests[0]["TransitEncryptionEnabled"], requests[0]["TransitEncryptionMode"]) == (True, "preferred")
    assert "AuthToken" in requests[1] and "TransitEncryptionEnabled" not in requests[1]
    assert (result["diff"]["after"]["transit_encryption"], result["diff"]["after"]["transit_encryption_mode"]) == (False, "preferred")
    assert result["replication_group"]["auth_token_enabled"] is True
    mark = aws_env.mark()
    assert run(dict(args, transit_encryption_mode="preferred"))["changed"] is False and aws_env.mutations_since(mark) == []

    result = run(dict(args, transit_encryption=True))
    assert result["changed"] is True and aws_env.mutations_since(mark) == ["ModifyReplicationGroup"]
    assert result["replication_group"]["transit_encryption_mode"] == "required"
    mark = aws_env.mark()
    for change, message in ((dict(transit_encryption=False), "does not turn it off"),
                            (dict(transit_encryption_mode="preferred"), "does not turn it back to preferred")):
        refused = run(dict(args, **change))
        assert refused["failed"] is True and message in refused["msg"]
    assert aws_env.mutations_since(mark) == []


@pytest.fixture(scope="module")
def slow_emulator(tmp_path_factory):
    """An emulator with the latency model on: a change takes 5 s, and reads show it only after 0.5 s."""
    running = Emulator(tmp_path_factory.mktemp("slow-cache-emulator"), free_port())
    emulator_cli.start("127.0.0.1", running.port, running.state_dir, settings={latency.SCALE_VARIABLE: "1"})
    yield running
    emulator_cli.stop(running.state_dir)


def test_changes_wait_until_reads_show_them(slow_emulator, monkeypatch):
    """Right after a change the group still reads available, yet refuses the next one (issue 13 #9): each call waits
    until the change shows, busy answers are retried, and the task ends with the changes made and the group available."""
    for key, value in slow_emulator.env().items():
        monkeypatch.setenv(key, value)
    args = dict(replication_group_id="rg-slow", description="sessions", engine="valkey", node_type="cache.t4g.small", replicas_per_node_group=1,
                automatic_failover=True, wait_timeout=120)
    assert run(args)["replication_group"]["status"] == "available"
    result = run(dict(args, replicas_per_node_group=2, node_type="cache.m7g.large"))
    assert result.get("failed") is not True, result.get("msg")
    assert [entry["operation"] for entry in result["operations"]] == ["IncreaseReplicaCount", "ModifyReplicationGroup"]
    group = result["replication_group"]
    assert (group["status"], group["cache_node_type"], len(group["member_clusters"])) == ("available", "cache.m7g.large", 3)
    time.sleep(latency.STALE_MINUTES["elasticache.replication_group.modify"] + 0.2)  # past what reads may still hide
    assert boto3.client("elasticache").describe_replication_groups(ReplicationGroupId="rg-slow")["ReplicationGroups"][0]["Status"] == "available"
    assert run(dict(args, replicas_per_node_group=2, node_type="cache.m7g.large"))["changed"] is False


def test_redis_on_a_custom_parameter_group_upgrades_to_valkey_only_with_a_valkey_group(aws_env, args, group_id, api_calls):
    """ElastiCache needs a custom Valkey parameter group to upgrade a Redis OSS group on a custom one (issue 13 #20)."""
    client = boto3.client("elasticache")
    names = dict((family, "%s-%s" % (family, group_id)) for family in ("redis7", "valkey8"))
    for family, name in names.items():
        client.create_cache_parameter_group(CacheParameterGroupName=name, CacheParameterGroupFamily=family, Description="t")
    run(dict(args, engine="redis", engine_version="7.1", cache_parameter_group_name=names["redis7"]))
    mark = aws_env.mark()
    for extra, message in ((dict(), "needs a Valkey parameter group in cache_parameter_group_name"),
                           (dict(cache_parameter_group_name="default.redis7"), "is of the family redis7")):
        refused = run(dict(args, engine="valkey", engine_version="8.0", **extra), check_mode=bool(extra))
        assert refused["failed"] is True and message in refused["msg"], refused
    assert aws_env.mutations_since(mark) == []
    result = run(dict(args, engine="valkey", engine_version="8.0", cache_parameter_group_name=names["valkey8"]))
    assert result["changed"] is True and aws_env.mutations_since(mark) == ["ModifyReplicationGroup"]
    [request] = [params for operation, params in api_calls if operation == "ModifyReplicationGroup"]
    assert (request["Engine"], request["CacheParameterGroupName"]) == ("valkey", names["valkey8"])
    assert (result["replication_group"]["engine"], result["replication_group"]["cache_parameter_group_name"]) == ("valkey", names["valkey8"])
