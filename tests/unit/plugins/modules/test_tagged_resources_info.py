import boto3

from ansible_collections.gameops.platform.plugins.modules import tagged_resources_info
from conftest import run_module


def test_lists_only_matching_and_skips_deleted_nat_gateways(aws_env):
    ec2 = boto3.client("ec2")
    tags = [{"Key": "gameops:platform", "Value": "listing-test"}]
    vpc_id = ec2.create_vpc(CidrBlock="10.43.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": tags}])["Vpc"]["VpcId"]
    ec2.create_vpc(CidrBlock="10.44.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "gameops:platform", "Value": "other"}]}])
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.43.0.0/24")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat_id = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation,
                                    TagSpecifications=[{"ResourceType": "natgateway", "Tags": tags}])["NatGateway"]["NatGatewayId"]

    listed = run_module(tagged_resources_info, dict(tag_filters={"gameops:platform": "listing-test"}))
    arns = sorted(resource["arn"] for resource in listed["resources"])
    assert [arn.rpartition("/")[2] for arn in arns] == sorted([nat_id, vpc_id])

    ec2.delete_nat_gateway(NatGatewayId=nat_id)
    listed = run_module(tagged_resources_info, dict(tag_filters={"gameops:platform": "listing-test"}))
    assert [resource["arn"].rpartition("/")[2] for resource in listed["resources"]] == [vpc_id]
    assert listed["resources"][0]["tags"] == {"gameops:platform": "listing-test"}


def test_keys_pending_deletion_are_left_out(aws_env):
    kms = boto3.client("kms")
    tags = [{"TagKey": "gameops:platform", "TagValue": "kms-listing"}]
    kept = kms.create_key(Tags=tags)["KeyMetadata"]["KeyId"]
    doomed = kms.create_key(Tags=tags)["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
    listed = run_module(tagged_resources_info, dict(tag_filters={"gameops:platform": "kms-listing"}))
    assert [resource["arn"].rpartition("/")[2] for resource in listed["resources"]] == [kept]
