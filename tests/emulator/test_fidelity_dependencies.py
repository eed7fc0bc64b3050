"""The emulator refuses to delete what something still depends on, as AWS does (fidelity.ec2_dependency_violations).

What a Kubernetes load balancer controller leaves in a VPC (load balancers, their security groups, rules
referencing them, detached network interfaces) must make a teardown fail here as it does on AWS.
Each test builds its own VPC, so tests share the session's emulator without meeting.
"""

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

REGION = "ap-northeast-2"


@pytest.fixture
def clients(aws_env):
    config = botocore.config.Config(retries={"max_attempts": 1})
    return {name: boto3.client(name, region_name=REGION, config=config) for name in ("ec2", "elbv2", "elb")}


@pytest.fixture
def vpc(clients):
    """A VPC with two subnets in two zones and one security group."""
    ec2 = clients["ec2"]
    vpc_id = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.20.%d.0/24" % index, AvailabilityZone=REGION + zone)["Subnet"]["SubnetId"]
               for index, zone in enumerate("ab")]
    group = ec2.create_security_group(GroupName="k8s-leftover", Description="left", VpcId=vpc_id)["GroupId"]
    return {"id": vpc_id, "subnets": subnets, "group": group}


def dependency_violation(call, **kwargs):
    """The message of a call that must fail with DependencyViolation."""
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    assert caught.value.response["Error"]["Code"] == "DependencyViolation", caught.value.response["Error"]
    return caught.value.response["Error"]["Message"]


def reference(source_id):
    return [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": source_id}]}]


def test_subnet_with_a_detached_interface_is_kept_until_the_interface_goes(clients, vpc):
    ec2 = clients["ec2"]
    eni = ec2.create_network_interface(SubnetId=vpc["subnets"][0])["NetworkInterface"]
    assert eni["Status"] == "available"
    message = dependency_violation(ec2.delete_subnet, SubnetId=vpc["subnets"][0])
    assert message == "The subnet '%s' has dependencies and cannot be deleted." % vpc["subnets"][0]
    ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
    ec2.delete_subnet(SubnetId=vpc["subnets"][0])


def test_subnets_and_group_of_an_application_load_balancer_are_kept_until_it_goes(clients, vpc):
    ec2, elbv2 = clients["ec2"], clients["elbv2"]
    arn = elbv2.create_load_balancer(Name="k8s-game-queue-1a2b", Subnets=vpc["subnets"], SecurityGroups=[vpc["group"]],
                                     Scheme="internet-facing", Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    for subnet_id in vpc["subnets"]:
        dependency_violation(ec2.delete_subnet, SubnetId=subnet_id)
    assert dependency_violation(ec2.delete_security_group, GroupId=vpc["group"]) == "resource %s has a dependent object" % vpc["group"]
    elbv2.delete_load_balancer(LoadBalancerArn=arn)
    ec2.delete_security_group(GroupId=vpc["group"])
    for subnet_id in vpc["subnets"]:
        ec2.delete_subnet(SubnetId=subnet_id)


def test_subnet_of_a_classic_load_balancer_is_kept_until_it_goes(clients, vpc):
    ec2, elb = clients["ec2"], clients["elb"]
    elb.create_load_balancer(LoadBalancerName="a1b2c3", Subnets=vpc["subnets"][:1], SecurityGroups=[vpc["group"]],
                             Listeners=[{"Protocol": "TCP", "LoadBalancerPort": 80, "InstancePort": 30080}])
    dependency_violation(ec2.delete_subnet, SubnetId=vpc["subnets"][0])
    dependency_violation(ec2.delete_security_group, GroupId=vpc["group"])
    elb.delete_load_balancer(LoadBalancerName="a1b2c3")
    ec2.delete_subnet(SubnetId=vpc["subnets"][0])
    # What amazon.aws.elb_classic_lb reads back after deleting one (fidelity.elb_unknown_load_balancer_attributes).
    with pytest.raises(ClientError) as caught:
        elb.describe_load_balancer_attributes(LoadBalancerName="a1b2c3")
    assert caught.value.response["Error"]["Code"] == "LoadBalancerNotFound"


def test_group_an_interface_uses_is_kept_until_the_interface_goes(clients, vpc):
    ec2 = clients["ec2"]
    eni = ec2.create_network_interface(SubnetId=vpc["subnets"][1], Groups=[vpc["group"]])["NetworkInterface"]["NetworkInterfaceId"]
    dependency_violation(ec2.delete_security_group, GroupId=vpc["group"])
    ec2.delete_network_interface(NetworkInterfaceId=eni)
    ec2.delete_security_group(GroupId=vpc["group"])


@pytest.mark.parametrize("direction", ["ingress", "egress"])
def test_group_another_groups_rule_references_is_kept_until_the_rule_goes(clients, vpc, direction):
    ec2 = clients["ec2"]
    other = ec2.create_security_group(GroupName="eks-cluster-sg", Description="nodes", VpcId=vpc["id"])["GroupId"]
    authorize = getattr(ec2, "authorize_security_group_" + direction)
    revoke = getattr(ec2, "revoke_security_group_" + direction)
    authorize(GroupId=other, IpPermissions=reference(vpc["group"]))
    dependency_violation(ec2.delete_security_group, GroupId=vpc["group"])
    # The referencing group itself goes: a rule pointing elsewhere holds nothing of its own.
    revoke(GroupId=other, IpPermissions=reference(vpc["group"]))
    ec2.delete_security_group(GroupId=vpc["group"])
    ec2.delete_security_group(GroupId=other)


def test_group_referencing_only_itself_is_deleted(clients, vpc):
    ec2 = clients["ec2"]
    ec2.authorize_security_group_ingress(GroupId=vpc["group"], IpPermissions=reference(vpc["group"]))
    ec2.delete_security_group(GroupId=vpc["group"])
    assert ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc["id"]]}])["SecurityGroups"][0]["GroupName"] == "default"


def test_vpc_with_a_security_group_left_is_kept_until_the_group_goes(clients, vpc):
    ec2 = clients["ec2"]
    for subnet_id in vpc["subnets"]:
        ec2.delete_subnet(SubnetId=subnet_id)
    assert dependency_violation(ec2.delete_vpc, VpcId=vpc["id"]) == "The vpc '%s' has dependencies and cannot be deleted." % vpc["id"]
    ec2.delete_security_group(GroupId=vpc["group"])
    ec2.delete_vpc(VpcId=vpc["id"])  # its default group goes with it
    assert ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc["id"]]}])["SecurityGroups"] == []


def test_deleted_nat_gateway_takes_its_interface_along(clients, vpc):
    ec2 = clients["ec2"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=vpc["subnets"][0], AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    in_subnet = [{"Name": "subnet-id", "Values": [vpc["subnets"][0]]}]
    assert len(ec2.describe_network_interfaces(Filters=in_subnet)["NetworkInterfaces"]) == 1
    dependency_violation(ec2.delete_subnet, SubnetId=vpc["subnets"][0])
    ec2.delete_nat_gateway(NatGatewayId=nat)
    assert ec2.describe_network_interfaces(Filters=in_subnet)["NetworkInterfaces"] == []
    ec2.release_address(AllocationId=allocation)
    ec2.delete_subnet(SubnetId=vpc["subnets"][0])
