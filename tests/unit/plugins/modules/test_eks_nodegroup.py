import json
import uuid

import boto3
import pytest

from ansible_collections.gameops.platform.plugins.modules import eks_nodegroup
from conftest import Emulator, free_port, run_module
from ansible_collections.gameops.platform.tests.unit.plugins.modules.test_eks_cluster import statuses_first

from aws_emulator import __main__ as emulator_cli
from aws_emulator import latency

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


@pytest.fixture
def cluster(aws_env):
    """A 1.33 cluster in a fresh VPC with two subnets, and a node role: (cluster name, subnets, node role)."""
    ec2, iam, eks = boto3.client("ec2"), boto3.client("iam"), boto3.client("eks")
    vpc_id = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.60.%d.0/24" % index, AvailabilityZone="ap-northeast-2" + zone)["Subnet"]["SubnetId"]
               for index, zone in enumerate("ac")]
    node_role = iam.create_role(RoleName="eks-node-" + uuid.uuid4().hex[:8], AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    name = "queue-" + uuid.uuid4().hex[:8]
    eks.create_cluster(name=name, version="1.33", roleArn=node_role, resourcesVpcConfig={"subnetIds": subnets})
    yield name, subnets, node_role
    for nodegroup in eks.list_nodegroups(clusterName=name)["nodegroups"]:
        eks.delete_nodegroup(clusterName=name, nodegroupName=nodegroup)
    eks.delete_cluster(name=name)


@pytest.fixture
def args(cluster):
    name, subnets, node_role = cluster
    return dict(cluster_name=name, name="workers", node_role_arn=node_role, subnet_ids=subnets, instance_types=["m7i.large"],
                ami_type="AL2023_x86_64_STANDARD", scaling=dict(min_size=1, max_size=3, desired_size=2), labels={"role": "queue", "tier": "a"},
                taints=[dict(key="dedicated", value="queue", effect="NO_SCHEDULE")], wait_timeout=30)


def operations(aws_env, mark):
    return [entry["operation"] for entry in aws_env.since(mark)]


def described(args):
    return boto3.client("eks").describe_nodegroup(clusterName=args["cluster_name"], nodegroupName=args["name"])["nodegroup"]


def only_update(result):
    [update] = result["updates"]
    return update["request"]


def test_create_then_no_op(aws_env, args):
    args = dict(args, update_config=dict(max_unavailable=2), tags={"gameops:platform": "t"})
    mark = aws_env.mark()
    created = run_module(eks_nodegroup, args, diff=True)
    assert created["changed"] is True and aws_env.mutations_since(mark) == ["CreateNodegroup"]
    nodegroup = created["nodegroup"]
    assert (nodegroup["status"], nodegroup["version"], nodegroup["release_version"]) == ("ACTIVE", "1.33", "1.33.4-20261118")
    assert nodegroup["scaling_config"] == {"min_size": 1, "max_size": 3, "desired_size": 2}
    assert (nodegroup["labels"], nodegroup["update_config"]) == ({"role": "queue", "tier": "a"}, {"max_unavailable": 2, "update_strategy": "DEFAULT"})
    assert created["diff"]["before"] == {}
    assert created["diff"]["after"] == dict(
        node_role_arn=args["node_role_arn"], subnet_ids=sorted(args["subnet_ids"]), instance_types=["m7i.large"], capacity_type="ON_DEMAND",
        ami_type="AL2023_x86_64_STANDARD", disk_size=20, scaling=dict(min_size=1, max_size=3, desired_size=2),
        labels={"role": "queue", "tier": "a"}, taints=[dict(key="dedicated", value="queue", effect="NO_SCHEDULE")],
        update_config=dict(max_unavailable=2, update_strategy="DEFAULT"), version="1.33", release_version="1.33.4-20261118", tags={"gameops:platform": "t"})

    mark = aws_env.mark()
    again = run_module(eks_nodegroup, args, diff=True)
    assert again["changed"] is False and again["updates"] == []
    assert again["diff"]["before"] == again["diff"]["after"] == created["diff"]["after"]
    assert operations(aws_env, mark) == ["DescribeNodegroup", "DescribeCluster"]
    assert run_module(eks_nodegroup, dict(cluster_name=args["cluster_name"], name=args["name"]))["changed"] is False


def test_check_mode_makes_no_mutating_call(aws_env, args):
    mark = aws_env.mark()
    planned = run_module(eks_nodegroup, args, check_mode=True, diff=True)
    assert planned["changed"] is True and planned["nodegroup"] == {}
    assert (planned["diff"]["after"]["version"], planned["diff"]["after"]["scaling"]["desired_size"]) == ("1.33", 2)
    run_module(eks_nodegroup, args)
    planned = run_module(eks_nodegroup, dict(args, labels={"role": "batch"}, scaling=dict(max_size=6), tags={"a": "1"}), check_mode=True, diff=True)
    assert planned["changed"] is True
    assert planned["diff"]["after"]["labels"] == {"role": "batch"} and planned["diff"]["after"]["scaling"]["max_size"] == 6
    assert only_update(planned)["labels"] == {"add_or_update_labels": {"role": "batch"}, "remove_labels": ["tier"]}
    assert aws_env.mutations_since(mark) == ["CreateNodegroup"]
    assert described(args)["labels"] == {"role": "queue", "tier": "a"}


def test_scaling_leaves_the_desired_size_to_the_autoscaler(aws_env, args):
    run_module(eks_nodegroup, args)
    mark = aws_env.mark()
    result = run_module(eks_nodegroup, dict(args, scaling=dict(min_size=2, max_size=5, desired_size=3)))
    assert aws_env.mutations_since(mark) == ["UpdateNodegroupConfig"]
    assert only_update(result)["scaling_config"] == {"min_size": 2, "max_size": 5}  # desired 2 is within 2..5: left alone
    assert described(args)["scalingConfig"] == {"minSize": 2, "maxSize": 5, "desiredSize": 2}

    eks = boto3.client("eks")  # the cluster autoscaler scales out
    eks.update_nodegroup_config(clusterName=args["cluster_name"], nodegroupName=args["name"], scalingConfig={"desiredSize": 4})
    mark = aws_env.mark()
    assert run_module(eks_nodegroup, dict(args, scaling=dict(min_size=2, max_size=5, desired_size=3)))["changed"] is False
    assert aws_env.mutations_since(mark) == []

    result = run_module(eks_nodegroup, dict(args, scaling=dict(min_size=1, max_size=3)))  # 4 is above the new maximum
    assert only_update(result)["scaling_config"] == {"min_size": 1, "max_size": 3, "desired_size": 3}
    result = run_module(eks_nodegroup, dict(args, scaling=dict(min_size=5, max_size=8, desired_size=6)))  # 3 is below the new minimum
    assert only_update(result)["scaling_config"] == {"min_size": 5, "max_size": 8, "desired_size": 6}
    assert described(args)["scalingConfig"] == {"minSize": 5, "maxSize": 8, "desiredSize": 6}

    refused = run_module(eks_nodegroup, dict(args, scaling=dict(min_size=4, max_size=3)))
    assert refused["failed"] is True and "min_size 4 is greater than scaling.max_size 3" in refused["msg"]


def test_labels_change_exactly(aws_env, args):
    run_module(eks_nodegroup, args)
    mark = aws_env.mark()
    result = run_module(eks_nodegroup, dict(args, labels={"role": "queue", "tier": "b", "nodeType": "x"}))
    assert aws_env.mutations_since(mark) == ["UpdateNodegroupConfig"]
    assert only_update(result) == {"cluster_name": args["cluster_name"], "nodegroup_name": "workers",
                                   "labels": {"add_or_update_labels": {"tier": "b", "nodeType": "x"}}}  # label keys as they are
    result = run_module(eks_nodegroup, dict(args, labels={"tier": "b", "nodeType": "x"}))
    assert only_update(result)["labels"] == {"remove_labels": ["role"]}
    assert result["updates"][0]["update"]["type"] == "ConfigUpdate"
    assert described(args)["labels"] == {"tier": "b", "nodeType": "x"} == result["nodegroup"]["labels"]


def test_taints_change_exactly(aws_env, args):
    args = dict(args, taints=[dict(key="dedicated", value="queue", effect="NO_SCHEDULE"), dict(key="spot", effect="PREFER_NO_SCHEDULE")])
    run_module(eks_nodegroup, args)
    mark = aws_env.mark()
    result = run_module(eks_nodegroup, dict(args, taints=[dict(key="dedicated", value="batch", effect="NO_SCHEDULE")]), diff=True)
    assert aws_env.mutations_since(mark) == ["UpdateNodegroupConfig"]
    assert only_update(result)["taints"] == {"add_or_update_taints": [{"key": "dedicated", "value": "batch", "effect": "NO_SCHEDULE"}],
                                             "remove_taints": [{"key": "spot", "effect": "PREFER_NO_SCHEDULE"}]}
    assert described(args)["taints"] == [{"key": "dedicated", "value": "batch", "effect": "NO_SCHEDULE"}]
    assert result["diff"]["after"]["taints"] == [{"key": "dedicated", "value": "batch", "effect": "NO_SCHEDULE"}]
    mark = aws_env.mark()
    assert run_module(eks_nodegroup, dict(args, taints=[dict(key="dedicated", value="batch", effect="NO_SCHEDULE")]))["changed"] is False
    assert aws_env.mutations_since(mark) == []


@pytest.mark.parametrize("option, value", [
    ("instance_types", ["m7i.xlarge"]), ("ami_type", "BOTTLEROCKET_x86_64"), ("capacity_type", "SPOT"), ("disk_size", 100),
    ("subnet_ids", ["subnet-0123456789abcdef0"]), ("node_role_arn", "arn:aws:iam::123456789012:role/other"),
])
def test_changes_eks_cannot_make_in_place_fail(aws_env, args, option, value):
    run_module(eks_nodegroup, args)
    mark = aws_env.mark()
    result = run_module(eks_nodegroup, dict(args, labels={"role": "other"}, **{option: value}))
    assert result["failed"] is True
    assert result["msg"].startswith("%s of nodegroup workers cannot be changed in place" % option)
    assert aws_env.mutations_since(mark) == []


def test_version_follows_the_cluster(aws_env, args):
    run_module(eks_nodegroup, args)
    eks = boto3.client("eks")
    eks.update_cluster_version(name=args["cluster_name"], version="1.34")
    mark = aws_env.mark()
    planned = run_module(eks_nodegroup, args, check_mode=True)
    assert [update["operation"] for update in planned["updates"]] == ["UpdateNodegroupVersion"]
    assert aws_env.mutations_since(mark) == []
    mark = aws_env.mark()

    result = run_module(eks_nodegroup, dict(args, labels={"role": "queue"}), diff=True)
    assert operations(aws_env, mark) == ["DescribeNodegroup", "DescribeCluster", "UpdateNodegroupConfig", "DescribeUpdate",
                                         "UpdateNodegroupVersion", "DescribeUpdate", "DescribeNodegroup"]
    assert result["updates"][1]["request"] == {"cluster_name": args["cluster_name"], "nodegroup_name": "workers", "version": "1.34"}
    assert (result["nodegroup"]["version"], result["nodegroup"]["release_version"]) == ("1.34", "1.34.3-20261118")
    assert (result["diff"]["before"]["version"], result["diff"]["after"]["version"]) == ("1.33", "1.34")

    for version, message in (("1.33", "cannot downgrade it to 1.33"), ("1.35", "only to the version of its cluster, 1.34"),
                             ("latest", "must be a Kubernetes minor version")):
        mark = aws_env.mark()
        refused = run_module(eks_nodegroup, dict(args, version=version))
        assert refused["failed"] is True and message in refused["msg"]
        assert aws_env.mutations_since(mark) == []


def test_release_version_pinned_then_moved(aws_env, args):
    created = run_module(eks_nodegroup, dict(args, release_version="1.33.3-20261104"))
    assert created["nodegroup"]["release_version"] == "1.33.3-20261104"
    mark = aws_env.mark()
    result = run_module(eks_nodegroup, dict(args, release_version="1.33.4-20261118"))
    assert aws_env.mutations_since(mark) == ["UpdateNodegroupVersion"]
    assert only_update(result)["release_version"] == "1.33.4-20261118" and "version" not in only_update(result)
    assert run_module(eks_nodegroup, args)["changed"] is False  # left out, the release is not compared


def test_create_needs_role_and_subnets(aws_env, args):
    mark = aws_env.mark()
    result = run_module(eks_nodegroup, dict(cluster_name=args["cluster_name"], name="workers"))
    assert result["failed"] is True and "node_role_arn and subnet_ids are needed" in result["msg"]
    assert aws_env.mutations_since(mark) == []


def test_delete_then_delete_again(aws_env, args):
    run_module(eks_nodegroup, args)
    absent = dict(cluster_name=args["cluster_name"], name=args["name"], state="absent")
    mark = aws_env.mark()
    assert run_module(eks_nodegroup, absent, check_mode=True)["changed"] is True
    assert aws_env.mutations_since(mark) == []
    deleted = run_module(eks_nodegroup, absent, diff=True)
    assert deleted["changed"] is True and deleted["nodegroup"] == {} and deleted["diff"]["after"] == {}
    assert aws_env.mutations_since(mark) == ["DeleteNodegroup"]
    mark = aws_env.mark()
    assert run_module(eks_nodegroup, absent)["changed"] is False
    assert operations(aws_env, mark) == ["DescribeNodegroup"]
    assert run_module(eks_nodegroup, dict(absent, cluster_name="no-such-cluster"))["changed"] is False


def test_wait_without_changes_waits_until_active(aws_env, args, monkeypatch):
    """The role starts nodegroups with wait=false, then runs again with wait=true to wait for them."""
    run_module(eks_nodegroup, dict(args, wait=False))
    statuses_first(monkeypatch, eks_nodegroup, "describe_nodegroup", ["CREATING", "CREATING"])
    result = run_module(eks_nodegroup, args)
    assert result["changed"] is False and result["nodegroup"]["status"] == "ACTIVE"


def test_a_nodegroup_being_deleted_is_only_waited_for(aws_env, args, monkeypatch):
    run_module(eks_nodegroup, args)
    statuses_first(monkeypatch, eks_nodegroup, "describe_nodegroup", ["DELETING", "DELETING"])
    mark = aws_env.mark()
    result = run_module(eks_nodegroup, dict(cluster_name=args["cluster_name"], name=args["name"], state="absent", wait=False))
    assert result["changed"] is False and aws_env.mutations_since(mark) == []
    refused = run_module(eks_nodegroup, dict(args, labels={}))
    assert refused["failed"] is True and "is being deleted" in refused["msg"]


@pytest.fixture(scope="module")
def slow_emulator(tmp_path_factory):
    """An emulator with the latency model on, 0.2 s a real minute: a rolling update of 4 nodes, one at a time, takes 3.2 s."""
    running = Emulator(tmp_path_factory.mktemp("slow-eks-emulator"), free_port())
    emulator_cli.start("127.0.0.1", running.port, running.state_dir, settings={latency.SCALE_VARIABLE: "0.2"})
    yield running
    emulator_cli.stop(running.state_dir)


def test_a_rolling_update_that_outlasts_the_wait_says_it_goes_on(slow_emulator, monkeypatch):
    """A version update replaces the nodes a batch at a time (issue 13 #22): a wait too short for it fails saying EKS goes
    on, and the next run waits for that update instead of starting another."""
    for key, value in slow_emulator.env().items():
        monkeypatch.setenv(key, value)
    ec2, iam, eks = boto3.client("ec2"), boto3.client("iam"), boto3.client("eks")
    vpc_id = ec2.create_vpc(CidrBlock="10.61.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.61.%d.0/24" % index)["Subnet"]["SubnetId"] for index in range(2)]
    node_role = iam.create_role(RoleName="eks-node-slow", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    eks.create_cluster(name="rolling", version="1.33", roleArn=node_role, resourcesVpcConfig={"subnetIds": subnets})
    eks.get_waiter("cluster_active").wait(name="rolling", WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    args = dict(cluster_name="rolling", name="workers", node_role_arn=node_role, subnet_ids=subnets, instance_types=["m7i.large"],
                scaling=dict(min_size=1, max_size=4, desired_size=4), update_config=dict(max_unavailable=1), wait_timeout=60)
    assert run_module(eks_nodegroup, args)["nodegroup"]["status"] == "ACTIVE"
    eks.update_cluster_version(name="rolling", version="1.34")
    eks.get_waiter("cluster_active").wait(name="rolling", WaiterConfig={"Delay": 1, "MaxAttempts": 60})

    timed_out = run_module(eks_nodegroup, dict(args, version="1.34", wait_timeout=1))
    assert timed_out["failed"] is True and "timed out" in timed_out["msg"], timed_out
    assert "EKS goes on with update" in timed_out["msg"] and "run again to wait for it" in timed_out["msg"]
    assert described(args)["status"] == "UPDATING"
    mark = slow_emulator.mark()
    again = run_module(eks_nodegroup, dict(args, version="1.34"))
    assert again["changed"] is False and slow_emulator.mutations_since(mark) == []
    assert (again["nodegroup"]["status"], again["nodegroup"]["version"]) == ("ACTIVE", "1.34")
