import json
import uuid

import boto3
import pytest

from ansible_collections.gameops.platform.plugins.module_utils import waiting
from ansible_collections.gameops.platform.plugins.modules import eks_cluster
from conftest import run_module

KEY = "arn:aws:kms:ap-northeast-2:123456789012:key/0c2d7a7e-1111-4c4c-9a9a-0123456789ab"
OTHER_KEY = "arn:aws:kms:ap-northeast-2:123456789012:key/9f8e7d6c-2222-4c4c-9a9a-0123456789ab"


@pytest.fixture
def network(aws_env):
    """A VPC with two subnets, a security group, and the cluster role."""
    ec2 = boto3.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.50.%d.0/24" % index, AvailabilityZone="ap-northeast-2" + zone)["Subnet"]["SubnetId"]
               for index, zone in enumerate("ac")]
    group = ec2.create_security_group(GroupName="eks-" + uuid.uuid4().hex[:6], Description="eks", VpcId=vpc_id)["GroupId"]
    role = boto3.client("iam").create_role(RoleName="eks-cluster-" + uuid.uuid4().hex[:8], AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    return dict(vpc_id=vpc_id, subnets=subnets, group=group, role=role)


@pytest.fixture
def name(aws_env):
    cluster_name = "queue-" + uuid.uuid4().hex[:8]
    yield cluster_name
    eks = boto3.client("eks")
    if cluster_name in eks.list_clusters()["clusters"]:
        eks.delete_cluster(name=cluster_name)


@pytest.fixture
def args(network, name):
    """The arguments of a 1.33 cluster in the test network: two minor versions below the newest, to upgrade."""
    return dict(name=name, version="1.33", role_arn=network["role"], subnet_ids=network["subnets"], wait_timeout=30)


def operations(aws_env, mark):
    return [entry["operation"] for entry in aws_env.since(mark)]


def described(name):
    return boto3.client("eks").describe_cluster(name=name)["cluster"]


def test_create_then_no_op(aws_env, args, network):
    args = dict(args, logging=["audit", "api"], tags={"gameops:platform": "t"})
    mark = aws_env.mark()
    created = run_module(eks_cluster, args, diff=True)
    assert created["changed"] is True
    assert aws_env.mutations_since(mark) == ["CreateCluster"]
    cluster = created["cluster"]
    assert (cluster["name"], cluster["version"], cluster["status"]) == (args["name"], "1.33", "ACTIVE")
    assert cluster["arn"] == "arn:aws:eks:ap-northeast-2:123456789012:cluster/" + args["name"]
    assert cluster["endpoint"].startswith("https://") and cluster["certificate_authority"]["data"]
    assert cluster["identity"]["oidc"]["issuer"].startswith("https://oidc.eks.ap-northeast-2.amazonaws.com/id/")
    assert cluster["tags"] == {"gameops:platform": "t"} and cluster["resources_vpc_config"]["vpc_id"] == network["vpc_id"]
    assert created["diff"]["before"] == {}
    assert created["diff"]["after"] == dict(
        version="1.33", role_arn=network["role"], subnet_ids=sorted(network["subnets"]), security_group_ids=[],
        endpoint_public_access=True, endpoint_private_access=False, public_access_cidrs=["0.0.0.0/0"], logging=["api", "audit"],
        encryption_kms_key_arn=None, authentication_mode="CONFIG_MAP", tags={"gameops:platform": "t"})
    assert created["updates"] == []

    mark = aws_env.mark()
    again = run_module(eks_cluster, args, diff=True)
    assert again["changed"] is False and again["updates"] == []
    assert again["diff"]["before"] == again["diff"]["after"] == created["diff"]["after"]
    assert operations(aws_env, mark) == ["DescribeCluster"]
    # Options left out are not compared.
    assert run_module(eks_cluster, dict(name=args["name"]))["changed"] is False


def test_check_mode_makes_no_mutating_call(aws_env, args):
    mark = aws_env.mark()
    planned = run_module(eks_cluster, args, check_mode=True, diff=True)
    assert planned["changed"] is True and planned["cluster"] == {} and planned["diff"]["after"]["version"] == "1.33"
    assert aws_env.mutations_since(mark) == []

    run_module(eks_cluster, args)
    mark = aws_env.mark()
    planned = run_module(eks_cluster, dict(args, version="1.35", logging=["api"], authentication_mode="API", encryption_kms_key_arn=KEY,
                                           endpoint_private_access=True, tags={"a": "1"}), check_mode=True, diff=True)
    assert planned["changed"] is True
    assert [(update["operation"], update["request"]) for update in planned["updates"]] == [
        ("UpdateClusterConfig", {"name": args["name"], "resources_vpc_config": {
            "endpoint_public_access": True, "endpoint_private_access": True, "public_access_cidrs": ["0.0.0.0/0"]}}),
        ("UpdateClusterConfig", {"name": args["name"], "logging": {"cluster_logging": [
            {"types": ["api"], "enabled": True}, {"types": ["audit", "authenticator", "controllerManager", "scheduler"], "enabled": False}]}}),
        ("UpdateClusterConfig", {"name": args["name"], "access_config": {"authentication_mode": "API_AND_CONFIG_MAP"}}),
        ("UpdateClusterConfig", {"name": args["name"], "access_config": {"authentication_mode": "API"}}),
        ("AssociateEncryptionConfig", {"cluster_name": args["name"], "encryption_config": [
            {"resources": ["secrets"], "provider": {"key_arn": KEY}}]}),
        ("UpdateClusterVersion", {"name": args["name"], "version": "1.34"}),
        ("UpdateClusterVersion", {"name": args["name"], "version": "1.35"}),
    ]
    assert all("update" not in update for update in planned["updates"])
    changed = {key for key in planned["diff"]["after"] if planned["diff"]["after"][key] != planned["diff"]["before"][key]}
    assert changed == {"version", "logging", "authentication_mode", "encryption_kms_key_arn", "endpoint_private_access", "tags"}
    assert aws_env.mutations_since(mark) == []
    assert described(args["name"])["version"] == "1.33"


def test_logging_change_is_one_update(aws_env, args):
    run_module(eks_cluster, dict(args, logging=["api"]))
    mark = aws_env.mark()
    result = run_module(eks_cluster, dict(args, logging=["audit", "scheduler"]), diff=True)
    assert result["changed"] is True
    assert aws_env.mutations_since(mark) == ["UpdateClusterConfig"]
    assert (result["diff"]["before"]["logging"], result["diff"]["after"]["logging"]) == (["api"], ["audit", "scheduler"])
    [update] = result["updates"]
    assert (update["update"]["type"], update["update"]["status"]) == ("LoggingUpdate", "Successful")
    enabled = [entry for entry in described(args["name"])["logging"]["clusterLogging"] if entry["enabled"]]
    assert enabled == [{"types": ["audit", "scheduler"], "enabled": True}]
    assert run_module(eks_cluster, dict(args, logging=[]))["cluster"]["logging"]["cluster_logging"] == [
        {"types": ["api", "audit", "authenticator", "controllerManager", "scheduler"], "enabled": False}]


def test_endpoint_change_keeps_the_network(aws_env, args, network):
    run_module(eks_cluster, args)
    mark = aws_env.mark()
    result = run_module(eks_cluster, dict(args, endpoint_private_access=True, public_access_cidrs=["203.0.113.0/24"]))
    assert result["changed"] is True and aws_env.mutations_since(mark) == ["UpdateClusterConfig"]
    assert result["updates"][0]["update"]["type"] == "EndpointAccessUpdate"
    config = described(args["name"])["resourcesVpcConfig"]
    assert (config["endpointPublicAccess"], config["endpointPrivateAccess"], config["publicAccessCidrs"]) == (True, True, ["203.0.113.0/24"])
    assert config["subnetIds"] == network["subnets"]

    mark = aws_env.mark()
    assert run_module(eks_cluster, dict(args, endpoint_private_access=True, public_access_cidrs=["203.0.113.0/24"]))["changed"] is False
    assert aws_env.mutations_since(mark) == []


def test_each_kind_of_change_is_its_own_update_waiting_for_the_one_before(aws_env, args, network):
    run_module(eks_cluster, args)
    mark = aws_env.mark()
    result = run_module(eks_cluster, dict(args, logging=["api"], endpoint_public_access=False, endpoint_private_access=True,
                                          security_group_ids=[network["group"]], wait=False))
    assert aws_env.mutations_since(mark) == ["UpdateClusterConfig"] * 3
    assert [update["update"]["type"] for update in result["updates"]] == ["EndpointAccessUpdate", "VpcConfigUpdate", "LoggingUpdate"]
    # Each update waits for the one before; with wait=false, not for the last.
    assert operations(aws_env, mark) == ["DescribeCluster", "UpdateClusterConfig", "DescribeUpdate", "UpdateClusterConfig", "DescribeUpdate",
                                         "UpdateClusterConfig", "DescribeCluster"]
    config = described(args["name"])["resourcesVpcConfig"]
    assert (config["securityGroupIds"], config["subnetIds"], config["endpointPublicAccess"]) == ([network["group"]], network["subnets"], False)


def test_version_upgrade_one_minor_at_a_time(aws_env, args):
    run_module(eks_cluster, args)
    mark = aws_env.mark()
    result = run_module(eks_cluster, dict(args, version="1.35"), diff=True)
    assert result["changed"] is True and result["cluster"]["version"] == "1.35"
    assert aws_env.mutations_since(mark) == ["UpdateClusterVersion", "UpdateClusterVersion"]
    assert [update["request"]["version"] for update in result["updates"]] == ["1.34", "1.35"]
    assert [update["update"]["status"] for update in result["updates"]] == ["Successful", "Successful"]
    assert operations(aws_env, mark) == ["DescribeCluster", "ListNodegroups", "ListInsights", "UpdateClusterVersion", "DescribeUpdate",
                                         "UpdateClusterVersion", "DescribeUpdate", "DescribeCluster"]
    assert result["upgrade_insights"] == [] and "force" not in result["updates"][0]["request"]
    assert (result["diff"]["before"]["version"], result["diff"]["after"]["version"]) == ("1.33", "1.35")
    assert result["remaining_versions"] == []
    mark = aws_env.mark()
    assert run_module(eks_cluster, dict(args, version="1.35"))["changed"] is False
    assert operations(aws_env, mark) == ["DescribeCluster"]


def add_nodegroup(cluster_name, network, version=None):
    name = "ng-" + uuid.uuid4().hex[:6]
    boto3.client("eks").create_nodegroup(clusterName=cluster_name, nodegroupName=name, nodeRole=network["role"], subnets=network["subnets"],
                                         **(dict(version=version) if version else {}))
    return name


def test_version_upgrade_with_nodegroups_takes_one_minor_per_run(aws_env, args, network):
    """EKS refuses the cluster's next version while its nodegroups lag (issue 13 #2): one step per run."""
    run_module(eks_cluster, args)
    nodegroup = add_nodegroup(args["name"], network)
    planned = run_module(eks_cluster, dict(args, version="1.35"), check_mode=True, diff=True)
    assert [update["request"]["version"] for update in planned["updates"]] == ["1.34"] and planned["remaining_versions"] == ["1.35"]
    assert planned["diff"]["after"]["version"] == "1.34"
    mark = aws_env.mark()
    result = run_module(eks_cluster, dict(args, version="1.35"), diff=True)
    assert result.get("failed") is not True, result.get("msg")
    assert result["changed"] is True and result["cluster"]["version"] == "1.34" and result["remaining_versions"] == ["1.35"]
    assert aws_env.mutations_since(mark) == ["UpdateClusterVersion"]
    assert "update the nodegroups to 1.34" in json.dumps(result.get("warnings"))
    # The nodegroup lags: the version is left, other changes are made.
    mark = aws_env.mark()
    lagging = run_module(eks_cluster, dict(args, version="1.35", logging=["api"]))
    assert lagging.get("failed") is not True and lagging["remaining_versions"] == ["1.35"] and lagging["cluster"]["version"] == "1.34"
    assert aws_env.mutations_since(mark) == ["UpdateClusterConfig"]
    assert "Nodegroups %s of cluster" % nodegroup in json.dumps(lagging.get("warnings"))
    boto3.client("eks").update_nodegroup_version(clusterName=args["name"], nodegroupName=nodegroup, version="1.34")
    last = run_module(eks_cluster, dict(args, version="1.35", logging=["api"]))
    assert (last["changed"], last["cluster"]["version"], last["remaining_versions"]) == (True, "1.35", [])
    boto3.client("eks").delete_nodegroup(clusterName=args["name"], nodegroupName=nodegroup)


@pytest.mark.parametrize("change, message", [
    (dict(version="1.32"), "cannot downgrade it to 1.32"),
    (dict(role_arn="arn:aws:iam::123456789012:role/other"), "cannot change the IAM role"),
    (dict(subnet_ids=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]), "subnet_ids of cluster"),
    (dict(authentication_mode="CONFIG_MAP"), "Unsupported authentication mode update from API_AND_CONFIG_MAP to CONFIG_MAP"),
    (dict(version="v1.32"), "must be a Kubernetes minor version"),
])
def test_impossible_changes_fail_before_any_change(aws_env, args, change, message):
    run_module(eks_cluster, dict(args, authentication_mode="API_AND_CONFIG_MAP"))
    mark = aws_env.mark()
    result = run_module(eks_cluster, dict(args, logging=["api"], **change))
    assert result["failed"] is True and message in result["msg"]
    assert aws_env.mutations_since(mark) == []


def test_encryption_can_be_added_but_never_changed_or_removed(aws_env, args):
    run_module(eks_cluster, args)
    mark = aws_env.mark()
    result = run_module(eks_cluster, dict(args, encryption_kms_key_arn=KEY))
    assert result["changed"] is True and aws_env.mutations_since(mark) == ["AssociateEncryptionConfig"]
    assert described(args["name"])["encryptionConfig"] == [{"resources": ["secrets"], "provider": {"keyArn": KEY}}]
    assert run_module(eks_cluster, dict(args, encryption_kms_key_arn=KEY))["changed"] is False
    for other in (OTHER_KEY, ""):
        refused = run_module(eks_cluster, dict(args, encryption_kms_key_arn=other))
        assert refused["failed"] is True and "can neither change nor remove secrets encryption" in refused["msg"]


def test_authentication_mode_moves_towards_api(aws_env, args):
    """CONFIG_MAP to API is two updates, through API_AND_CONFIG_MAP (issue 13 #3)."""
    run_module(eks_cluster, args)
    mark = aws_env.mark()
    result = run_module(eks_cluster, dict(args, authentication_mode="API"))
    assert result.get("failed") is not True, result.get("msg")
    assert result["changed"] is True and aws_env.mutations_since(mark) == ["UpdateClusterConfig", "UpdateClusterConfig"]
    assert [update["request"]["access_config"]["authentication_mode"] for update in result["updates"]] == ["API_AND_CONFIG_MAP", "API"]
    assert result["cluster"]["access_config"] == {"authentication_mode": "API", "bootstrap_cluster_creator_admin_permissions": True}
    assert run_module(eks_cluster, dict(args, authentication_mode="API"))["changed"] is False


def test_public_access_cidrs_of_a_private_cluster_are_not_compared(aws_env, args):
    """A private cluster whose spec CIDRs differ from what EKS keeps is left alone (issue 13 #10)."""
    private = dict(args, endpoint_public_access=False, endpoint_private_access=True)
    run_module(eks_cluster, dict(private, public_access_cidrs=["203.0.113.0/24"]))
    mark = aws_env.mark()
    again = run_module(eks_cluster, dict(private, public_access_cidrs=["198.51.100.0/24"]), diff=True)
    assert again.get("failed") is not True, again.get("msg")
    assert again["changed"] is False and aws_env.mutations_since(mark) == []
    assert again["diff"]["before"] == again["diff"]["after"]
    # Made public again, the CIDRs count.
    public = run_module(eks_cluster, dict(args, endpoint_public_access=True, public_access_cidrs=["198.51.100.0/24"]))
    assert public["changed"] is True and described(args["name"])["resourcesVpcConfig"]["publicAccessCidrs"] == ["198.51.100.0/24"]


def test_tags_change_without_an_update(aws_env, args):
    run_module(eks_cluster, dict(args, tags={"a": "1", "b": "2"}))
    mark = aws_env.mark()
    result = run_module(eks_cluster, dict(args, tags={"a": "1", "c": "3"}), diff=True)
    assert result["changed"] is True and result["updates"] == []
    assert sorted(aws_env.mutations_since(mark)) == ["TagResource", "UntagResource"]
    assert described(args["name"])["tags"] == {"a": "1", "c": "3"} == result["diff"]["after"]["tags"]
    mark = aws_env.mark()
    assert run_module(eks_cluster, dict(args, tags={"d": "4"}, purge_tags=False))["cluster"]["tags"] == {"a": "1", "c": "3", "d": "4"}
    assert aws_env.mutations_since(mark) == ["TagResource"]


def test_create_needs_role_and_subnets(aws_env, name):
    mark = aws_env.mark()
    result = run_module(eks_cluster, dict(name=name, version="1.35"))
    assert result["failed"] is True and "role_arn and subnet_ids are needed" in result["msg"]
    assert aws_env.mutations_since(mark) == []


def test_delete_then_delete_again(aws_env, args):
    run_module(eks_cluster, args)
    mark = aws_env.mark()
    planned = run_module(eks_cluster, dict(name=args["name"], state="absent"), check_mode=True)
    assert planned["changed"] is True and aws_env.mutations_since(mark) == []
    deleted = run_module(eks_cluster, dict(name=args["name"], state="absent"), diff=True)
    assert deleted["changed"] is True and deleted["cluster"] == {} and deleted["diff"]["after"] == {}
    assert deleted["diff"]["before"]["version"] == "1.33"
    assert aws_env.mutations_since(mark) == ["DeleteCluster"]
    mark = aws_env.mark()
    again = run_module(eks_cluster, dict(name=args["name"], state="absent"))
    assert again["changed"] is False
    assert operations(aws_env, mark) == ["DescribeCluster"]


def statuses_first(monkeypatch, module, function, statuses):
    """Make the module see the given statuses in its first describe calls (AWS is slower than the emulator)."""
    real, pending = getattr(module, function), list(statuses)

    def describe(*args):
        resource = real(*args)
        if resource is not None and pending:
            resource["status"] = pending.pop(0)
        return resource

    monkeypatch.setattr(module, function, describe)
    monkeypatch.setattr(waiting.time, "sleep", lambda seconds: None)


def test_wait_without_changes_waits_until_active(aws_env, args, monkeypatch):
    """The role starts the cluster with wait=false, then runs again with wait=true to wait for it."""
    run_module(eks_cluster, dict(args, wait=False))
    statuses_first(monkeypatch, eks_cluster, "describe_cluster", ["CREATING", "CREATING"])
    mark = aws_env.mark()
    result = run_module(eks_cluster, args)
    assert result["changed"] is False and result["cluster"]["status"] == "ACTIVE"
    assert operations(aws_env, mark) == ["DescribeCluster"] * 3
    statuses_first(monkeypatch, eks_cluster, "describe_cluster", ["CREATING"])
    assert run_module(eks_cluster, dict(args, wait=False))["cluster"]["status"] == "CREATING"
