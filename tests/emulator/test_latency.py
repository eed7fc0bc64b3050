"""The latency model: slow resources stay CREATING / DELETING for scaled real durations, then settle.

One emulator of this module's own runs with 0.4 s per real minute (an EKS cluster: 4 s). Creation
answers must already say the transitional state; polls wait (with a generous deadline, never an upper
bound on how fast) for the settled one. Without the model (the session's emulator) all settles at once.
"""

import time

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import create_eks_cluster, free_port

from aws_emulator import __main__ as emulator_cli
from aws_emulator import latency

SCALE = 0.4
ROLE = "arn:aws:iam::123456789012:role/eks"


@pytest.fixture(scope="module")
def slow(tmp_path_factory):
    """A client factory for an emulator with the latency model on."""
    state_dir = str(tmp_path_factory.mktemp("slow-emulator"))
    port = free_port()
    emulator_cli.start("127.0.0.1", port, state_dir, settings={latency.SCALE_VARIABLE: str(SCALE)})

    def client(service):
        return boto3.client(service, endpoint_url="http://127.0.0.1:%d" % port, region_name="ap-northeast-2",
                            aws_access_key_id="a", aws_secret_access_key="b")

    yield client
    emulator_cli.stop(state_dir)


def settle(read, wanted, timeout=60):
    """Poll read() until it returns wanted; returns what was seen, in order, without repeats."""
    seen, deadline = [], time.monotonic() + timeout
    while True:
        value = read()
        if not seen or seen[-1] != value:
            seen.append(value)
        if value == wanted or time.monotonic() > deadline:
            return seen
        time.sleep(0.2)


def gone(read):
    def reader():
        try:
            return read()
        except ClientError as error:
            return error.response["Error"]["Code"]

    return reader


def test_durations_scale_real_minutes(monkeypatch):
    monkeypatch.delenv(latency.SCALE_VARIABLE, raising=False)
    assert latency.seconds("eks.cluster.create") == 0
    monkeypatch.setenv(latency.SCALE_VARIABLE, "1")
    assert latency.seconds("eks.cluster.create") == latency.REAL_MINUTES["eks.cluster.create"] == 10
    assert latency.seconds("no.such.kind") == 0


def test_transitional_attribute_shows_the_transition_then_what_was_set(monkeypatch):
    class Resource:
        pass

    latency.install(Resource, "status")
    resource = Resource()
    resource.status = "ACTIVE"
    monkeypatch.setenv(latency.SCALE_VARIABLE, "1")
    clock = [1000.0]
    monkeypatch.setattr(latency.time, "monotonic", lambda: clock[0])
    assert latency.begin(resource, "CREATING", "eks.nodegroup.create") == 3
    assert resource.status == "CREATING"
    resource.status = "ACTIVE"  # moto setting it meanwhile changes what shows afterwards, not now
    clock[0] += 2.9
    assert resource.status == "CREATING"
    clock[0] += 0.2
    assert resource.status == "ACTIVE"
    monkeypatch.setenv(latency.SCALE_VARIABLE, "0")
    latency.begin(resource, "UPDATING", "eks.nodegroup.create")
    assert resource.status == "ACTIVE"


def test_reads_show_some_transitions_late(monkeypatch):
    """For the first STALE_MINUTES of a change, reads show the settled state although the resource is busy."""

    class Resource:
        pass

    latency.install(Resource, "status")
    resource = Resource()
    resource.status = "available"
    monkeypatch.setenv(latency.SCALE_VARIABLE, "1")
    clock = [1000.0]
    monkeypatch.setattr(latency.time, "monotonic", lambda: clock[0])
    assert latency.stale_seconds("elasticache.replication_group.modify") == 0.5  # 30 real seconds
    assert latency.begin(resource, "modifying", "elasticache.replication_group.modify") == 5
    assert (resource.status, latency.in_transition(resource), latency.stale(resource)) == ("available", True, True)
    clock[0] += 0.6
    assert (resource.status, latency.in_transition(resource), latency.stale(resource)) == ("modifying", True, False)
    clock[0] += 4.5
    assert (resource.status, latency.in_transition(resource)) == ("available", False)
    assert latency.stale_seconds("eks.cluster.create") == 0


def test_eks_cluster_nodegroup_and_addon_take_their_time(slow):
    eks = slow("eks")
    cluster = eks.create_cluster(name="slow", roleArn=ROLE, resourcesVpcConfig={"subnetIds": ["subnet-a"]})["cluster"]
    assert cluster["status"] == "CREATING"
    with pytest.raises(ClientError) as early:
        eks.create_nodegroup(clusterName="slow", nodegroupName="general", nodeRole=ROLE, subnets=["subnet-a"])
    assert "not in ACTIVE status" in str(early.value)
    assert settle(lambda: eks.describe_cluster(name="slow")["cluster"]["status"], "ACTIVE") == ["CREATING", "ACTIVE"]

    nodegroup = eks.create_nodegroup(clusterName="slow", nodegroupName="general", nodeRole=ROLE, subnets=["subnet-a"])["nodegroup"]
    addon = eks.create_addon(clusterName="slow", addonName="vpc-cni")["addon"]
    assert (nodegroup["status"], addon["status"]) == ("CREATING", "CREATING")
    assert settle(lambda: eks.describe_addon(clusterName="slow", addonName="vpc-cni")["addon"]["status"], "ACTIVE")[-1] == "ACTIVE"
    assert settle(lambda: eks.describe_nodegroup(clusterName="slow", nodegroupName="general")["nodegroup"]["status"],
                  "ACTIVE")[-1] == "ACTIVE"

    assert eks.delete_nodegroup(clusterName="slow", nodegroupName="general")["nodegroup"]["status"] == "DELETING"
    assert eks.delete_addon(clusterName="slow", addonName="vpc-cni")["addon"]["status"] == "DELETING"
    with pytest.raises(ClientError) as busy:
        eks.delete_cluster(name="slow")  # AWS refuses while node groups exist, deleting ones too
    assert busy.value.response["Error"]["Code"] == "ResourceInUseException"
    seen = settle(gone(lambda: eks.describe_nodegroup(clusterName="slow", nodegroupName="general")["nodegroup"]["status"]),
                  "ResourceNotFoundException")
    assert seen == ["DELETING", "ResourceNotFoundException"]
    assert settle(lambda: eks.list_addons(clusterName="slow")["addons"], [])[-1] == []

    assert eks.delete_cluster(name="slow")["cluster"]["status"] == "DELETING"
    assert eks.describe_cluster(name="slow")["cluster"]["status"] == "DELETING"
    assert settle(lambda: eks.list_clusters()["clusters"], [])[-1] == []


def test_nat_gateway_is_pending_then_available(slow):
    ec2 = slow("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.0.0/24")["Subnet"]["SubnetId"]
    address = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=address)["NatGateway"]
    assert nat["State"] == "pending"
    # The boto3 waiter amazon.aws's ec2_vpc_nat_gateway (wait: true) and our network role use.
    ec2.get_waiter("nat_gateway_available").wait(NatGatewayIds=[nat["NatGatewayId"]], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    assert ec2.describe_nat_gateways(NatGatewayIds=[nat["NatGatewayId"]])["NatGateways"][0]["State"] == "available"


def test_replication_group_is_creating_modifying_and_deleting_and_refuses_changes_meanwhile(slow):
    cache = slow("elasticache")
    group = cache.create_replication_group(ReplicationGroupId="slow-cache", ReplicationGroupDescription="slow", Engine="valkey",
                                           CacheNodeType="cache.t4g.small", NumCacheClusters=2, AutomaticFailoverEnabled=True)
    assert group["ReplicationGroup"]["Status"] == "creating"

    def status():
        return cache.describe_replication_groups(ReplicationGroupId="slow-cache")["ReplicationGroups"][0]["Status"]

    with pytest.raises(ClientError) as busy:
        cache.modify_replication_group(ReplicationGroupId="slow-cache", SnapshotRetentionLimit=3, ApplyImmediately=True)
    assert busy.value.response["Error"]["Code"] == "InvalidReplicationGroupState"
    assert settle(status, "available") == ["creating", "available"]
    cache.modify_replication_group(ReplicationGroupId="slow-cache", SnapshotRetentionLimit=3, ApplyImmediately=True)
    # Eventually consistent: at first the group reads available, with its old settings, yet refuses another change.
    group = cache.describe_replication_groups(ReplicationGroupId="slow-cache")["ReplicationGroups"][0]
    assert (group["Status"], group["SnapshotRetentionLimit"]) == ("available", 0)
    with pytest.raises(ClientError) as busy:
        cache.modify_replication_group(ReplicationGroupId="slow-cache", SnapshotRetentionLimit=4, ApplyImmediately=True)
    assert busy.value.response["Error"]["Code"] == "InvalidReplicationGroupState"
    assert settle(status, "modifying") == ["available", "modifying"]
    assert settle(status, "available") == ["modifying", "available"]
    assert cache.describe_replication_groups(ReplicationGroupId="slow-cache")["ReplicationGroups"][0]["SnapshotRetentionLimit"] == 3
    assert cache.delete_replication_group(ReplicationGroupId="slow-cache")["ReplicationGroup"]["Status"] == "deleting"
    assert settle(gone(status), "ReplicationGroupNotFoundFault") == ["deleting", "ReplicationGroupNotFoundFault"]


def test_amp_workspace_is_creating_then_active(slow):
    amp = slow("amp")
    workspace = amp.create_workspace(alias="slow")
    assert workspace["status"]["statusCode"] == "CREATING"
    seen = settle(lambda: amp.describe_workspace(workspaceId=workspace["workspaceId"])["workspace"]["status"]["statusCode"], "ACTIVE")
    assert seen[-1] == "ACTIVE"


def test_without_the_model_everything_settles_at_once(aws_env):
    eks = boto3.client("eks")
    name = create_eks_cluster("instant")
    assert eks.describe_cluster(name=name)["cluster"]["status"] == "ACTIVE"
    assert eks.delete_cluster(name=name)["cluster"]["status"] == "DELETING"  # what AWS answers
    assert name not in eks.list_clusters()["clusters"]
