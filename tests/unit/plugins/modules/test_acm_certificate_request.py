import uuid

import boto3
import pytest

from ansible_collections.gameops.platform.plugins.modules import acm_certificate_request
from conftest import run_module

REGION = "ap-northeast-2"


@pytest.fixture
def zone(aws_env):
    """A public zone of its own for each test, removed with its records."""
    route53 = boto3.client("route53")
    name = "acm-%s.example.com" % uuid.uuid4().hex[:8]
    zone_id = route53.create_hosted_zone(Name=name, CallerReference=name)["HostedZone"]["Id"]
    yield name, zone_id
    records = route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    changes = [{"Action": "DELETE", "ResourceRecordSet": record} for record in records if record["Type"] not in ("SOA", "NS")]
    if changes:
        route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})
    route53.delete_hosted_zone(Id=zone_id)


def args(domain, **extra):
    identity = {"gameops:platform": "t-local", "gameops:certificate": "ingress"}
    return dict(dict(region=REGION, domain_name=domain, match_tags=identity, tags={"Project": "t"}, wait_timeout=30), **extra)


def certificates(domain, region=REGION):
    acm = boto3.client("acm", region_name=region)
    listed = acm.list_certificates()["CertificateSummaryList"]
    return [summary["CertificateArn"] for summary in listed if summary["DomainName"] == domain]


def create_records(zone_id, records):
    changes = [{"Action": "UPSERT", "ResourceRecordSet": {"Name": record["name"], "Type": record["type"], "TTL": 300,
                                                          "ResourceRecords": [{"Value": record["value"]}]}} for record in records]
    boto3.client("route53").change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})


def test_check_mode_plans_a_request_without_mutating(aws_env, zone):
    domain, _zone_id = zone
    mark = aws_env.mark()
    planned = run_module(acm_certificate_request, args(domain), check_mode=True, diff=True)
    assert planned["changed"] is True
    assert planned["certificate"] == {}
    assert planned["diff"]["before"] == {}
    assert planned["diff"]["after"]["tags"] == {"gameops:platform": "t-local", "gameops:certificate": "ingress", "Project": "t"}
    assert aws_env.mutations_since(mark) == []
    assert certificates(domain) == []


def test_request_validate_wait_then_no_op(aws_env, zone):
    domain, zone_id = zone
    requested = run_module(acm_certificate_request, args(domain, subject_alternative_names=["www." + domain]))
    assert requested["changed"] is True
    certificate = requested["certificate"]
    assert certificate["status"] == "PENDING_VALIDATION"
    assert certificate["subject_alternative_names"] == [domain, "www." + domain]
    assert [record["domain_name"] for record in certificate["validation_records"]] == [domain, "www." + domain]
    assert certificate["tags"]["gameops:certificate"] == "ingress"

    # Without its records ACM never issues it: the wait ends with the timeout and says why.
    timed_out = run_module(acm_certificate_request, args(domain, subject_alternative_names=["www." + domain], wait=True, wait_timeout=4))
    assert timed_out["failed"] is True and "timed out" in timed_out["msg"]

    create_records(zone_id, certificate["validation_records"])
    issued = run_module(acm_certificate_request, args(domain, subject_alternative_names=["www." + domain], wait=True))
    assert issued["changed"] is False
    assert issued["certificate"]["status"] == "ISSUED"
    assert issued["certificate"]["arn"] == certificate["arn"]

    mark = aws_env.mark()
    again = run_module(acm_certificate_request, args(domain, subject_alternative_names=["www." + domain], wait=True), check_mode=True, diff=True)
    assert again["changed"] is False
    assert again["diff"]["before"] == again["diff"]["after"]
    assert aws_env.mutations_since(mark) == []
    assert certificates(domain) == [certificate["arn"]]


def test_another_platforms_certificate_for_the_domain_is_not_this_one(aws_env, zone):
    domain, _zone_id = zone
    theirs = run_module(acm_certificate_request, args(domain, match_tags={"gameops:platform": "other-local"}))
    ours = run_module(acm_certificate_request, args(domain))
    assert ours["changed"] is True
    assert ours["certificate"]["arn"] != theirs["certificate"]["arn"]
    gone = run_module(acm_certificate_request, args(domain, state="absent"))
    assert gone["deleted"] == [ours["certificate"]["arn"]]
    assert certificates(domain) == [theirs["certificate"]["arn"]]


def test_retag_and_new_names_replace_the_certificate(aws_env, zone):
    domain, _zone_id = zone
    first = run_module(acm_certificate_request, args(domain))
    retagged = run_module(acm_certificate_request, args(domain, tags={"Project": "u"}), diff=True)
    assert retagged["changed"] is True
    assert retagged["diff"]["before"]["tags"]["Project"] == "t" and retagged["diff"]["after"]["tags"]["Project"] == "u"
    assert retagged["certificate"]["arn"] == first["certificate"]["arn"]

    # ACM cannot add a name to a certificate: a new one is requested and the old one, unused, deleted.
    wider = run_module(acm_certificate_request, args(domain, tags={"Project": "u"}, subject_alternative_names=["api." + domain]))
    assert wider["changed"] is True
    assert wider["deleted"] == [first["certificate"]["arn"]]
    assert certificates(domain) == [wider["certificate"]["arn"]]


def test_absent_returns_the_deleted_certificate_and_is_then_a_no_op(aws_env, zone):
    domain, _zone_id = zone
    made = run_module(acm_certificate_request, args(domain, region="us-east-1"))
    planned = run_module(acm_certificate_request, args(domain, region="us-east-1", state="absent"), check_mode=True)
    assert planned["changed"] is True and certificates(domain, "us-east-1") == [made["certificate"]["arn"]]
    gone = run_module(acm_certificate_request, args(domain, region="us-east-1", state="absent"))
    assert gone["changed"] is True
    assert gone["certificate"]["validation_records"] == made["certificate"]["validation_records"]
    assert certificates(domain, "us-east-1") == []
    assert run_module(acm_certificate_request, args(domain, region="us-east-1", state="absent"))["changed"] is False
