"""ACM issues a DNS-validated certificate only once its validation CNAME is in a public zone (fidelity.acm_dns_validation)."""

import time
import uuid

import boto3
import pytest

from aws_emulator.handlers import acm_validation


@pytest.fixture
def zone(aws_env):
    route53 = boto3.client("route53")
    name = "acm-%s.example.com" % uuid.uuid4().hex[:8]
    zone_id = route53.create_hosted_zone(Name=name, CallerReference=name)["HostedZone"]["Id"]
    yield route53, zone_id, name
    records = route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    changes = [{"Action": "DELETE", "ResourceRecordSet": record} for record in records if record["Type"] not in ("SOA", "NS")]
    if changes:
        route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})
    route53.delete_hosted_zone(Id=zone_id)


def request(region, domain, names=()):
    acm = boto3.client("acm", region_name=region)
    arn = acm.request_certificate(DomainName=domain, ValidationMethod="DNS", SubjectAlternativeNames=[domain] + list(names))["CertificateArn"]
    return acm, arn


def describe(acm, arn):
    return acm.describe_certificate(CertificateArn=arn)["Certificate"]


def create_records(route53, zone_id, certificate):
    changes = [{"Action": "UPSERT", "ResourceRecordSet": {"Name": option["ResourceRecord"]["Name"], "Type": "CNAME", "TTL": 300,
                                                          "ResourceRecords": [{"Value": option["ResourceRecord"]["Value"]}]}}
               for option in certificate["DomainValidationOptions"]]
    route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})


def wait_for(acm, arn, status, timeout):
    deadline = time.monotonic() + timeout
    while describe(acm, arn)["Status"] != status and time.monotonic() < deadline:
        time.sleep(0.2)
    return describe(acm, arn)["Status"]


def test_a_requested_certificate_is_pending_with_a_record_per_domain(zone):
    _route53, _zone_id, name = zone
    acm, arn = request("ap-northeast-2", name, ["www." + name])
    certificate = describe(acm, arn)
    assert certificate["Status"] == "PENDING_VALIDATION"
    assert "IssuedAt" not in certificate
    options = certificate["DomainValidationOptions"]
    assert [option["DomainName"] for option in options] == [name, "www." + name]
    assert all(option["ValidationStatus"] == "PENDING_VALIDATION" for option in options)
    records = [option["ResourceRecord"] for option in options]
    assert records[0]["Name"].endswith("." + name + ".") and records[1]["Name"].endswith(".www." + name + ".")
    assert records[0] != records[1], "each domain has its own record"


def test_without_its_record_a_certificate_stays_pending(zone):
    _route53, _zone_id, name = zone
    acm, arn = request("ap-northeast-2", name)
    time.sleep(acm_validation.validation_seconds() + 0.5)
    assert describe(acm, arn)["Status"] == "PENDING_VALIDATION"
    listed = acm.list_certificates(CertificateStatuses=["ISSUED"])["CertificateSummaryList"]
    assert arn not in [summary["CertificateArn"] for summary in listed]


def test_with_its_record_a_certificate_is_issued_after_the_timer(zone):
    route53, zone_id, name = zone
    acm, arn = request("ap-northeast-2", name)
    create_records(route53, zone_id, describe(acm, arn))
    assert describe(acm, arn)["Status"] == "PENDING_VALIDATION", "ACM takes a while to find the record"
    assert wait_for(acm, arn, "ISSUED", acm_validation.validation_seconds() + 10) == "ISSUED"
    certificate = describe(acm, arn)
    assert certificate["DomainValidationOptions"][0]["ValidationStatus"] == "SUCCESS"
    assert "IssuedAt" in certificate


def test_one_record_validates_the_domain_in_every_region(zone):
    route53, zone_id, name = zone
    regional, regional_arn = request("ap-northeast-2", name)
    global_, global_arn = request("us-east-1", name)
    first, second = describe(regional, regional_arn), describe(global_, global_arn)
    assert first["DomainValidationOptions"][0]["ResourceRecord"] == second["DomainValidationOptions"][0]["ResourceRecord"]
    create_records(route53, zone_id, first)
    assert wait_for(global_, global_arn, "ISSUED", acm_validation.validation_seconds() + 10) == "ISSUED"
    assert wait_for(regional, regional_arn, "ISSUED", 5) == "ISSUED"


def test_a_record_with_the_wrong_value_validates_nothing(zone):
    route53, zone_id, name = zone
    acm, arn = request("ap-northeast-2", name)
    record = describe(acm, arn)["DomainValidationOptions"][0]["ResourceRecord"]
    route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": record["Name"], "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": "_wrong.acm-validations.aws."}]}}]})
    time.sleep(acm_validation.validation_seconds() + 0.5)
    assert describe(acm, arn)["Status"] == "PENDING_VALIDATION"
