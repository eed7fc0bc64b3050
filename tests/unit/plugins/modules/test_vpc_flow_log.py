import boto3
import pytest

from ansible_collections.gameops.platform.plugins.modules import vpc_flow_log
from conftest import run_module


@pytest.fixture
def vpc_and_bucket(aws_env):
    ec2 = boto3.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    bucket = "flow-logs-%s" % vpc_id
    boto3.client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    return vpc_id, "arn:aws:s3:::%s" % bucket


def flow_log_args(vpc_id, bucket_arn, **extra):
    return dict(resource_id=vpc_id, destination_arn=bucket_arn, tags={"gameops:platform": "t"}, **extra)


def test_create_is_idempotent_and_check_mode_changes_nothing(aws_env, vpc_and_bucket):
    vpc_id, bucket_arn = vpc_and_bucket
    mark = aws_env.mark()
    planned = run_module(vpc_flow_log, flow_log_args(vpc_id, bucket_arn), check_mode=True)
    assert planned["changed"] is True
    assert not [entry for entry in aws_env.since(mark) if entry["mutating"]]

    created = run_module(vpc_flow_log, flow_log_args(vpc_id, bucket_arn), diff=True)
    assert created["changed"] is True
    assert created["flow_log"]["log_destination"] == bucket_arn
    assert created["flow_log"]["tags"] == {"gameops:platform": "t"}
    assert created["diff"]["before"] == [] and created["diff"]["after"]["resource_id"] == vpc_id

    again = run_module(vpc_flow_log, flow_log_args(vpc_id, bucket_arn))
    assert again["changed"] is False
    assert again["flow_log"]["flow_log_id"] == created["flow_log"]["flow_log_id"]


def test_changed_settings_replace_the_flow_log(aws_env, vpc_and_bucket):
    vpc_id, bucket_arn = vpc_and_bucket
    first = run_module(vpc_flow_log, flow_log_args(vpc_id, bucket_arn))
    second = run_module(vpc_flow_log, flow_log_args(vpc_id, bucket_arn, traffic_type="REJECT"))
    assert second["changed"] is True
    assert second["flow_log"]["traffic_type"] == "REJECT"
    remaining = boto3.client("ec2").describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]
    assert [flow_log["FlowLogId"] for flow_log in remaining] != [first["flow_log"]["flow_log_id"]]
    assert len(remaining) == 1


def test_absent_removes_and_is_idempotent(aws_env, vpc_and_bucket):
    vpc_id, bucket_arn = vpc_and_bucket
    run_module(vpc_flow_log, flow_log_args(vpc_id, bucket_arn))
    assert run_module(vpc_flow_log, dict(resource_id=vpc_id, state="absent"))["changed"] is True
    assert run_module(vpc_flow_log, dict(resource_id=vpc_id, state="absent"))["changed"] is False


def test_present_without_destination_is_refused(aws_env):
    result = run_module(vpc_flow_log, dict(resource_id="vpc-123"))
    assert result["failed"] is True and "destination_arn" in result["msg"]
