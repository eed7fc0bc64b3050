"""The emulator as a process: idempotent start, status, stop; and where it corrects moto."""

import boto3
import pytest

from aws_emulator import __main__ as cli


def test_start_is_idempotent_and_stop_is_clean(tmp_path):
    from conftest import free_port

    port = free_port()
    changed, state = cli.start("127.0.0.1", port, str(tmp_path))
    try:
        assert changed is True and state["url"] == "http://127.0.0.1:%d" % port
        assert cli.start("127.0.0.1", port, str(tmp_path)) == (False, state)
        assert cli.running(str(tmp_path))["pid"] == state["pid"]
    finally:
        assert cli.stop(str(tmp_path)) is True
    assert cli.running(str(tmp_path)) is None
    assert not (tmp_path / cli.PID_FILE).exists()
    assert cli.stop(str(tmp_path)) is False


def test_request_log_records_service_operation_and_status(aws_env):
    mark = aws_env.mark()
    boto3.client("ec2").describe_vpcs()
    boto3.client("ec2").create_vpc(CidrBlock="10.50.0.0/16")
    entries = aws_env.since(mark)
    assert [(e["service"], e["operation"], e["status"], e["mutating"]) for e in entries] == [
        ("ec2", "DescribeVpcs", 200, False), ("ec2", "CreateVpc", 200, True)]
    assert entries[0]["time"] <= entries[1]["time"]


def test_nat_gateway_tags_are_found_by_their_aws_resource_type(aws_env):
    ec2 = boto3.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.51.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.51.0.0/24")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat_id = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation, TagSpecifications=[
        {"ResourceType": "natgateway", "Tags": [{"Key": "k", "Value": "v"}]}])["NatGateway"]["NatGatewayId"]
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [nat_id]},
                                      {"Name": "resource-type", "Values": ["natgateway"]}])["Tags"]
    assert [(tag["Key"], tag["ResourceType"]) for tag in tags] == [("k", "natgateway")]


def test_oidc_provider_client_ids_can_be_added_and_removed(aws_env):
    iam = boto3.client("iam")
    arn = iam.create_open_id_connect_provider(
        Url="https://oidc.eks.ap-northeast-2.amazonaws.com/id/FIDELITYCLIENTIDS", ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"])["OpenIDConnectProviderArn"]
    try:
        for client_id in ("queue-api", "queue-api"):  # twice: idempotent, as on AWS
            iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID=client_id)
        assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ClientIDList"] == [
            "sts.amazonaws.com", "queue-api"]
        for client_id in ("sts.amazonaws.com", "sts.amazonaws.com"):
            iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID=client_id)
        assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ClientIDList"] == ["queue-api"]
    finally:
        iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="queue-api")


def test_kms_key_deletion_and_its_cancellation_take_the_key_arn(aws_env):
    kms = boto3.client("kms")
    arn = kms.create_key()["KeyMetadata"]["Arn"]
    kms.schedule_key_deletion(KeyId=arn, PendingWindowInDays=7)
    assert kms.describe_key(KeyId=arn)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    kms.cancel_key_deletion(KeyId=arn)
    assert kms.describe_key(KeyId=arn)["KeyMetadata"]["KeyState"] == "Disabled"


def test_tagging_api_lists_vpc_endpoints_and_elastic_ips(aws_env):
    ec2 = boto3.client("ec2")
    tags = [{"Key": "gameops:platform", "Value": "tagging-fidelity"}]
    vpc_id = ec2.create_vpc(CidrBlock="10.52.0.0/16")["Vpc"]["VpcId"]
    endpoint_id = ec2.create_vpc_endpoint(VpcId=vpc_id, ServiceName="com.amazonaws.ap-northeast-2.s3",
                                          TagSpecifications=[{"ResourceType": "vpc-endpoint", "Tags": tags}])["VpcEndpoint"]["VpcEndpointId"]
    allocation_id = ec2.allocate_address(Domain="vpc", TagSpecifications=[{"ResourceType": "elastic-ip", "Tags": tags}])["AllocationId"]
    listed = boto3.client("resourcegroupstaggingapi").get_resources(
        TagFilters=[{"Key": "gameops:platform", "Values": ["tagging-fidelity"]}])["ResourceTagMappingList"]
    assert sorted(mapping["ResourceARN"].split(":")[-1] for mapping in listed) == sorted(
        ["vpc-endpoint/" + endpoint_id, "elastic-ip/" + allocation_id])
