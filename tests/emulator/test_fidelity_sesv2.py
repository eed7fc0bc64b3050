"""SES v2 domain identities: Easy DKIM pending with three tokens, verified once the CNAMEs are in a public zone."""

import time
import uuid

import boto3
import pytest

REGION = "ap-northeast-2"


@pytest.fixture
def domain(aws_env):
    route53 = boto3.client("route53")
    name = "ses-%s.example.com" % uuid.uuid4().hex[:8]
    zone_id = route53.create_hosted_zone(Name=name, CallerReference=name)["HostedZone"]["Id"]
    sesv2 = boto3.client("sesv2", region_name=REGION)
    yield sesv2, route53, zone_id, name
    try:
        sesv2.delete_email_identity(EmailIdentity=name)
    except sesv2.exceptions.NotFoundException:
        pass
    records = route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    changes = [{"Action": "DELETE", "ResourceRecordSet": record} for record in records if record["Type"] not in ("SOA", "NS")]
    if changes:
        route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})
    route53.delete_hosted_zone(Id=zone_id)


def arn_of(name):
    account = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
    return "arn:aws:ses:%s:%s:identity/%s" % (REGION, account, name)


def publish(route53, zone_id, name, tokens):
    changes = [{"Action": "UPSERT", "ResourceRecordSet": {"Name": "%s._domainkey.%s" % (token, name), "Type": "CNAME", "TTL": 300,
                                                          "ResourceRecords": [{"Value": "%s.dkim.amazonses.com" % token}]}}
               for token in tokens]
    route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})


def wait_verified(sesv2, name, timeout):
    deadline = time.monotonic() + timeout
    while not sesv2.get_email_identity(EmailIdentity=name)["VerifiedForSendingStatus"] and time.monotonic() < deadline:
        time.sleep(0.2)
    return sesv2.get_email_identity(EmailIdentity=name)


def test_a_new_domain_has_easy_dkim_pending_with_three_tokens(domain):
    sesv2, _route53, _zone_id, name = domain
    created = sesv2.create_email_identity(EmailIdentity=name)
    assert created["IdentityType"] == "DOMAIN" and created["VerifiedForSendingStatus"] is False
    assert created["DkimAttributes"]["SigningEnabled"] is True and created["DkimAttributes"]["Status"] == "PENDING"
    assert len(created["DkimAttributes"]["Tokens"]) == 3 and len(set(created["DkimAttributes"]["Tokens"])) == 3
    found = sesv2.get_email_identity(EmailIdentity=name)
    assert found["VerificationStatus"] == "PENDING" and found["DkimAttributes"]["Tokens"] == created["DkimAttributes"]["Tokens"]


def test_the_domain_stays_pending_without_records(domain):
    sesv2, route53, zone_id, name = domain
    tokens = sesv2.create_email_identity(EmailIdentity=name)["DkimAttributes"]["Tokens"]
    publish(route53, zone_id, name, tokens[:2])
    found = wait_verified(sesv2, name, 4)
    assert found["VerifiedForSendingStatus"] is False and found["DkimAttributes"]["Status"] == "PENDING"


def test_the_domain_is_verified_once_its_three_cnames_resolve(domain):
    sesv2, route53, zone_id, name = domain
    tokens = sesv2.create_email_identity(EmailIdentity=name)["DkimAttributes"]["Tokens"]
    publish(route53, zone_id, name, tokens)
    assert sesv2.get_email_identity(EmailIdentity=name)["VerifiedForSendingStatus"] is False, "not at once"
    found = wait_verified(sesv2, name, 10)
    assert found["VerifiedForSendingStatus"] is True
    assert found["DkimAttributes"]["Status"] == "SUCCESS" and found["VerificationStatus"] == "SUCCESS"


def test_tags_are_kept_under_the_identity_arn_aws_gives(domain):
    sesv2, _route53, _zone_id, name = domain
    sesv2.create_email_identity(EmailIdentity=name, Tags=[{"Key": "gameops:platform", "Value": "p"}])
    arn = arn_of(name)
    assert sesv2.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "gameops:platform", "Value": "p"}]
    sesv2.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "mail"}])
    sesv2.untag_resource(ResourceArn=arn, TagKeys=["gameops:platform"])
    assert sesv2.get_email_identity(EmailIdentity=name)["Tags"] == [{"Key": "team", "Value": "mail"}]
    tagged = boto3.client("resourcegroupstaggingapi", region_name=REGION).get_resources(TagFilters=[{"Key": "team", "Values": ["mail"]}])
    assert arn in [resource["ResourceARN"] for resource in tagged["ResourceTagMappingList"]]


def test_a_second_create_is_refused_and_a_deleted_identity_is_gone(domain):
    sesv2, _route53, _zone_id, name = domain
    sesv2.create_email_identity(EmailIdentity=name, Tags=[{"Key": "k", "Value": "v"}])
    with pytest.raises(sesv2.exceptions.AlreadyExistsException):
        sesv2.create_email_identity(EmailIdentity=name)
    sesv2.delete_email_identity(EmailIdentity=name)
    with pytest.raises(sesv2.exceptions.NotFoundException):
        sesv2.get_email_identity(EmailIdentity=name)
    with pytest.raises(sesv2.exceptions.NotFoundException):
        sesv2.delete_email_identity(EmailIdentity=name)
    assert sesv2.list_tags_for_resource(ResourceArn=arn_of(name))["Tags"] == []


def test_sesv2_requests_are_logged_by_their_operation_and_v1_still_resolves():
    from aws_emulator import router  # pylint: disable=import-outside-toplevel

    def signed(environ):
        scope = "AWS4-HMAC-SHA256 Credential=AKID/20261125/%s/ses/aws4_request, SignedHeaders=host" % REGION
        return dict(environ, HTTP_AUTHORIZATION=scope)

    get = router.resolve(signed({"REQUEST_METHOD": "GET", "PATH_INFO": "/v2/email/identities/mail.example.com"}), b"")
    assert (get.service, get.operation, get.mutating) == ("sesv2", "GetEmailIdentity", False)
    create = router.resolve(signed({"REQUEST_METHOD": "POST", "PATH_INFO": "/v2/email/identities"}), b"{}")
    assert (create.service, create.operation, create.mutating) == ("sesv2", "CreateEmailIdentity", True)
    v1 = router.resolve(signed({"REQUEST_METHOD": "POST", "PATH_INFO": "/"}), b"Action=VerifyDomainIdentity&Domain=x")
    assert (v1.service, v1.operation) == ("ses", "VerifyDomainIdentity")
