import boto3
import pytest

from ansible_collections.gameops.platform.plugins.modules import ec2_vpc_subnets
from conftest import run_module

ZONE = "ap-northeast-2a"


@pytest.fixture
def vpc_id(aws_env):
    return boto3.client("ec2").create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]


def wanted(vpc_id, **extra):
    return dict(vpc_id=vpc_id, subnets=[
        dict(cidr="10.7.0.0/24", az=ZONE, map_public=True, tags={"Name": "public-a", "gameops:tier": "public"}),
        dict(cidr="10.7.16.0/20", az=ZONE, tags={"Name": "app-a"}),
    ], **extra)


def vpc_subnets(vpc_id):
    subnets = boto3.client("ec2").describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    return {subnet["CidrBlock"]: subnet for subnet in subnets}


def test_check_mode_plans_without_mutating(aws_env, vpc_id):
    mark = aws_env.mark()
    planned = run_module(ec2_vpc_subnets, wanted(vpc_id), check_mode=True, diff=True)
    assert planned["changed"] is True
    assert [subnet["id"] for subnet in planned["subnets"]] == [None, None]
    assert planned["diff"]["before"] == {"10.7.0.0/24": {}, "10.7.16.0/20": {}}
    assert aws_env.mutations_since(mark) == []
    assert vpc_subnets(vpc_id) == {}


def test_creates_in_one_call_then_is_idempotent(aws_env, vpc_id):
    created = run_module(ec2_vpc_subnets, wanted(vpc_id), diff=True)
    assert created["changed"] is True
    assert [subnet["cidr_block"] for subnet in created["subnets"]] == ["10.7.0.0/24", "10.7.16.0/20"]
    found = vpc_subnets(vpc_id)
    public = found["10.7.0.0/24"]
    assert public["MapPublicIpOnLaunch"] is True and public["AvailabilityZone"] == ZONE
    assert {tag["Key"]: tag["Value"] for tag in public["Tags"]} == {"Name": "public-a", "gameops:tier": "public"}
    assert found["10.7.16.0/20"]["MapPublicIpOnLaunch"] is False
    assert created["subnets"][0]["id"] == public["SubnetId"]

    mark = aws_env.mark()
    again = run_module(ec2_vpc_subnets, wanted(vpc_id))
    assert again["changed"] is False
    assert [subnet["id"] for subnet in again["subnets"]] == [subnet["id"] for subnet in created["subnets"]]
    assert again["subnets"][0]["tags"] == {"Name": "public-a", "gameops:tier": "public"}
    # A no-op run reads the VPC's subnets once and changes nothing.
    assert [entry["operation"] for entry in aws_env.since(mark)] == ["DescribeSubnets"]


def test_drift_is_corrected_and_planned_in_check_mode(aws_env, vpc_id):
    run_module(ec2_vpc_subnets, wanted(vpc_id))
    ec2 = boto3.client("ec2")
    public_id = vpc_subnets(vpc_id)["10.7.0.0/24"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=public_id, MapPublicIpOnLaunch={"Value": False})
    ec2.create_tags(Resources=[public_id], Tags=[{"Key": "stray", "Value": "x"}, {"Key": "Name", "Value": "renamed"}])

    mark = aws_env.mark()
    planned = run_module(ec2_vpc_subnets, wanted(vpc_id), check_mode=True, diff=True)
    assert planned["changed"] is True and aws_env.mutations_since(mark) == []
    assert planned["diff"]["after"]["10.7.0.0/24"]["tags"] == {"Name": "public-a", "gameops:tier": "public"}

    fixed = run_module(ec2_vpc_subnets, wanted(vpc_id))
    assert fixed["changed"] is True
    public = vpc_subnets(vpc_id)["10.7.0.0/24"]
    assert public["MapPublicIpOnLaunch"] is True
    assert {tag["Key"]: tag["Value"] for tag in public["Tags"]} == {"Name": "public-a", "gameops:tier": "public"}
    assert run_module(ec2_vpc_subnets, wanted(vpc_id))["changed"] is False


def test_purge_tags_false_keeps_other_tags(aws_env, vpc_id):
    run_module(ec2_vpc_subnets, wanted(vpc_id))
    public_id = vpc_subnets(vpc_id)["10.7.0.0/24"]["SubnetId"]
    boto3.client("ec2").create_tags(Resources=[public_id], Tags=[{"Key": "kubernetes.io/cluster/x", "Value": "shared"}])
    assert run_module(ec2_vpc_subnets, wanted(vpc_id, purge_tags=False))["changed"] is False
    tags = {tag["Key"] for tag in vpc_subnets(vpc_id)["10.7.0.0/24"]["Tags"]}
    assert "kubernetes.io/cluster/x" in tags


def test_a_subnet_in_another_zone_fails(aws_env, vpc_id):
    run_module(ec2_vpc_subnets, wanted(vpc_id))
    args = wanted(vpc_id)
    args["subnets"][1]["az"] = "ap-northeast-2b"
    result = run_module(ec2_vpc_subnets, args)
    assert result["failed"] is True and "cannot move zones" in result["msg"]


def test_absent_deletes_the_listed_subnets_only(aws_env, vpc_id):
    run_module(ec2_vpc_subnets, wanted(vpc_id))
    boto3.client("ec2").create_subnet(VpcId=vpc_id, CidrBlock="10.7.200.0/24", AvailabilityZone=ZONE)
    listed = dict(vpc_id=vpc_id, subnets=[{"cidr": "10.7.0.0/24"}, {"cidr": "10.7.16.0/20"}], state="absent")
    mark = aws_env.mark()
    assert run_module(ec2_vpc_subnets, listed, check_mode=True)["changed"] is True
    assert aws_env.mutations_since(mark) == []
    assert run_module(ec2_vpc_subnets, listed)["changed"] is True
    assert list(vpc_subnets(vpc_id)) == ["10.7.200.0/24"]
    assert run_module(ec2_vpc_subnets, listed)["changed"] is False


def test_duplicate_cidrs_are_refused(aws_env, vpc_id):
    result = run_module(ec2_vpc_subnets, dict(vpc_id=vpc_id, subnets=[{"cidr": "10.7.0.0/24", "az": ZONE}] * 2))
    assert result["failed"] is True and "more than once" in result["msg"]
