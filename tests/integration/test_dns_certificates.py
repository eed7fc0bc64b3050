"""The dns and certificates layers through the generic site and teardown playbooks.

A platform of a network, a zone with records and two certificates (the ingress's in the platform's region,
a CloudFront one in us-east-1 too) is previewed in check mode without a write, converges on an emulator of
its own (ACM issues the certificates only once their validation records are in the zone), converges again
with nothing to change, is checked again without a write, and tears down leaving no zone, record or
certificate.
"""

import json
import os

import boto3

from test_site import changed_tasks, mutating_calls, playbook, recap
# local_emulator is a fixture, used by name.
from test_site import local_emulator  # noqa: F401  pylint: disable=unused-import

ZONE = "playcode.example.com"
PLATFORM = {
    "name": "playcode", "environment": "local", "region": "ap-northeast-2", "tags": {"Project": "playcode"},
    "network": {"cidr": "10.0.0.0/16", "availability_zones": 1, "nat_gateways": "none", "s3_endpoint": False},
    "dns": {"zone": ZONE, "records": [{"name": "www", "type": "CNAME", "values": ["app." + ZONE]},
                                      {"name": "app", "type": "A", "ttl": 60, "values": ["192.0.2.10", "192.0.2.11"]}]},
    "certificates": {
        "ingress": {"domain_name": "app." + ZONE, "subject_alternative_names": ["www." + ZONE], "ingress": True},
        "cdn": {"domain_name": "static." + ZONE, "regions": ["us-east-1", "ap-northeast-2"]},
    },
}


def client(service, endpoint, region="ap-northeast-2"):
    return boto3.client(service, endpoint_url=endpoint, region_name=region, aws_access_key_id="emulator", aws_secret_access_key="emulator")


def zones(endpoint):
    return [zone for zone in client("route53", endpoint).list_hosted_zones()["HostedZones"] if zone["Name"] == ZONE + "."]


def certificates(endpoint, region):
    acm = client("acm", endpoint, region)
    return {summary["DomainName"]: acm.describe_certificate(CertificateArn=summary["CertificateArn"])["Certificate"]
            for summary in acm.list_certificates()["CertificateSummaryList"]}


def test_dns_and_certificates_converge_twice_check_and_tear_down(local_emulator):  # noqa: F811
    settings, state_dir, endpoint = local_emulator
    log = os.path.join(state_dir, "requests.jsonl")
    extra = dict(settings, platform=PLATFORM)

    preview = playbook("site.yml", extra, "--check", "--diff")
    assert preview.returncode == 0, preview.stdout[-3000:]
    assert mutating_calls(log, 0) == []

    first = playbook("site.yml", extra)
    assert first.returncode == 0, first.stdout[-3000:]
    [zone] = zones(endpoint)
    route53 = client("route53", endpoint)
    tags = route53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=zone["Id"].split("/")[-1])["ResourceTagSet"]["Tags"]
    assert {"Key": "gameops:platform", "Value": "playcode-local"} in tags
    records = {(record["Name"], record["Type"]): record for record in route53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]}
    assert [value["Value"] for value in records[("app.%s." % ZONE, "A")]["ResourceRecords"]] == ["192.0.2.10", "192.0.2.11"]
    assert records[("app.%s." % ZONE, "A")]["TTL"] == 60

    regional, global_ = certificates(endpoint, "ap-northeast-2"), certificates(endpoint, "us-east-1")
    assert sorted(regional) == ["app." + ZONE, "static." + ZONE] and sorted(global_) == ["static." + ZONE]
    for certificate in list(regional.values()) + list(global_.values()):
        assert certificate["Status"] == "ISSUED", certificate
        for option in certificate["DomainValidationOptions"]:
            assert (option["ResourceRecord"]["Name"], "CNAME") in records, "its validation record is in the zone"
    assert regional["app." + ZONE]["SubjectAlternativeNames"] == ["app." + ZONE, "www." + ZONE]
    acm = client("acm", endpoint)
    cert_tags = acm.list_tags_for_certificate(CertificateArn=regional["app." + ZONE]["CertificateArn"])["Tags"]
    assert {"Key": "gameops:certificate", "Value": "ingress"} in cert_tags and {"Key": "Project", "Value": "playcode"} in cert_tags

    with open(os.path.join(state_dir, "outputs", "playcode-local.json"), encoding="utf-8") as handle:
        outputs = json.load(handle)["layers"]
    assert outputs["dns"]["zone_id"] == zone["Id"].split("/")[-1] and outputs["dns"]["name_servers"]
    assert outputs["certificates"]["ingress_certificate_arn"] == regional["app." + ZONE]["CertificateArn"]
    assert outputs["certificates"]["certificates"]["cdn"]["arns"] == {
        "us-east-1": global_["static." + ZONE]["CertificateArn"], "ap-northeast-2": regional["static." + ZONE]["CertificateArn"]}

    mark = len(open(log, encoding="utf-8").readlines())
    second = playbook("site.yml", extra)
    assert second.returncode == 0 and recap(second.stdout)["changed"] == 0, changed_tasks(second.stdout)
    checked = playbook("site.yml", extra, "--check", "--diff")
    assert checked.returncode == 0 and recap(checked.stdout)["changed"] == 0, changed_tasks(checked.stdout)
    assert mutating_calls(log, mark) == []

    mark = len(open(log, encoding="utf-8").readlines())
    teardown = playbook("teardown.yml", extra)
    assert teardown.returncode == 0, teardown.stdout[-3000:]
    assert "TASK [Fail when anything tagged is left] *" in teardown.stdout
    # The teardown stops the emulator: what it removed is read from the request log.
    writes = [call["operation"] for call in mutating_calls(log, mark)]
    assert writes.count("DeleteCertificate") == 3
    assert writes.count("DeleteHostedZone") == 1
    # The certificates (and their validation records) go before the zone, whose records go before it.
    assert writes.index("DeleteCertificate") < writes.index("ChangeResourceRecordSets") < writes.index("DeleteHostedZone")
