import uuid

import boto3
import pytest

from ansible_collections.gameops.platform.plugins.modules import ses_email_identity
from conftest import run_module

REGION = "ap-northeast-2"


@pytest.fixture
def zone(aws_env):
    """A public zone of its own for each test, removed with its records."""
    route53 = boto3.client("route53")
    name = "ses-%s.example.com" % uuid.uuid4().hex[:8]
    zone_id = route53.create_hosted_zone(Name=name, CallerReference=name)["HostedZone"]["Id"]
    yield name, zone_id
    records = route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    changes = [{"Action": "DELETE", "ResourceRecordSet": record} for record in records if record["Type"] not in ("SOA", "NS")]
    if changes:
        route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})
    route53.delete_hosted_zone(Id=zone_id)


def args(domain, **extra):
    return dict(dict(region=REGION, domain=domain, tags={"gameops:platform": "t-local"}, wait_timeout=30), **extra)


def identities():
    return [item["IdentityName"] for item in boto3.client("sesv2", region_name=REGION).list_email_identities()["EmailIdentities"]]


def create_records(zone_id, records):
    changes = [{"Action": "UPSERT", "ResourceRecordSet": {"Name": record["name"], "Type": record["type"], "TTL": 300,
                                                          "ResourceRecords": [{"Value": record["value"]}]}} for record in records]
    boto3.client("route53").change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})


def test_check_mode_plans_a_creation_without_mutating(aws_env, zone):
    domain, _zone_id = zone
    mark = aws_env.mark()
    planned = run_module(ses_email_identity, args(domain), check_mode=True, diff=True)
    assert planned["changed"] is True and planned["identity"] == {}
    assert planned["diff"] == {"before": {}, "after": {"domain": domain, "tags": {"gameops:platform": "t-local"}}}
    assert aws_env.mutations_since(mark) == []
    assert domain not in identities()


def test_create_publish_wait_then_no_op(aws_env, zone):
    domain, zone_id = zone
    created = run_module(ses_email_identity, args(domain))
    assert created["changed"] is True
    identity = created["identity"]
    assert identity["arn"].endswith(":identity/" + domain) and identity["arn"].startswith("arn:aws:ses:%s:" % REGION)
    assert identity["verified_for_sending"] is False and identity["dkim_status"] == "PENDING" and identity["dkim_signing_enabled"]
    assert len(identity["dkim_tokens"]) == 3
    assert identity["dkim_records"][0] == {"name": "%s._domainkey.%s" % (identity["dkim_tokens"][0], domain), "type": "CNAME",
                                           "value": "%s.dkim.amazonses.com" % identity["dkim_tokens"][0]}
    assert identity["tags"] == {"gameops:platform": "t-local"}

    # Without its records SES never verifies it: the wait ends with the timeout and says why.
    timed_out = run_module(ses_email_identity, args(domain, wait=True, wait_timeout=4))
    assert timed_out["failed"] is True and "timed out" in timed_out["msg"]

    create_records(zone_id, identity["dkim_records"])
    verified = run_module(ses_email_identity, args(domain, wait=True))
    assert verified["changed"] is False
    assert verified["identity"]["verified_for_sending"] is True and verified["identity"]["dkim_status"] == "SUCCESS"

    mark = aws_env.mark()
    again = run_module(ses_email_identity, args(domain, wait=True), check_mode=True, diff=True)
    assert again["changed"] is False and again["diff"]["before"] == again["diff"]["after"]
    assert aws_env.mutations_since(mark) == []


def test_retag_shows_in_the_diff_and_purges(aws_env, zone):
    domain, _zone_id = zone
    run_module(ses_email_identity, args(domain, tags={"gameops:platform": "t-local", "old": "x"}))
    retagged = run_module(ses_email_identity, args(domain, tags={"gameops:platform": "t-local", "team": "mail"}), diff=True)
    assert retagged["changed"] is True
    assert retagged["diff"]["before"]["tags"] == {"gameops:platform": "t-local", "old": "x"}
    assert retagged["diff"]["after"]["tags"] == {"gameops:platform": "t-local", "team": "mail"}
    again = run_module(ses_email_identity, args(domain, tags={"gameops:platform": "t-local", "team": "mail"}))
    assert again["changed"] is False and again["identity"]["tags"] == {"gameops:platform": "t-local", "team": "mail"}


def test_absent_returns_the_deleted_identity_and_is_then_a_no_op(aws_env, zone):
    domain, _zone_id = zone
    made = run_module(ses_email_identity, args(domain))
    planned = run_module(ses_email_identity, args(domain, state="absent"), check_mode=True)
    assert planned["changed"] is True and domain in identities()
    gone = run_module(ses_email_identity, args(domain, state="absent"))
    assert gone["changed"] is True and gone["identity"]["dkim_records"] == made["identity"]["dkim_records"]
    assert domain not in identities()
    assert run_module(ses_email_identity, args(domain, state="absent"))["changed"] is False
