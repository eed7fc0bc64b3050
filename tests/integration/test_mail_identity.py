"""The mail layer through the generic site and teardown playbooks.

A network, a zone and a sending domain in it converge on an emulator of their own (SES verifies the domain
only once its three DKIM CNAMEs are in the zone), converge again with nothing to change, are checked
without a write, and tear down leaving no identity and none of its records.
"""

import json
import os

import boto3

from test_site import changed_tasks, mutating_calls, playbook, recap
# local_emulator is a fixture, used by name.
from test_site import local_emulator  # noqa: F401  pylint: disable=unused-import

ZONE = "mail-playcode.example.com"
DOMAIN = "mail." + ZONE
PLATFORM = {
    "name": "playcode", "environment": "local", "region": "ap-northeast-2", "tags": {"Project": "playcode"},
    "network": {"cidr": "10.0.0.0/16", "availability_zones": 1, "nat_gateways": "none", "s3_endpoint": False},
    "dns": {"zone": ZONE},
    "mail": {"domain": DOMAIN, "wait": True, "wait_timeout": 120, "tags": {"team": "mail"}},
}


def client(service, endpoint):
    return boto3.client(service, endpoint_url=endpoint, region_name="ap-northeast-2", aws_access_key_id="emulator", aws_secret_access_key="emulator")


def test_mail_converges_twice_checks_and_tears_down(local_emulator):  # noqa: F811
    settings, state_dir, endpoint = local_emulator
    log = os.path.join(state_dir, "requests.jsonl")
    extra = dict(settings, platform=PLATFORM)

    first = playbook("site.yml", extra)
    assert first.returncode == 0, first.stdout[-3000:]
    sesv2, route53 = client("sesv2", endpoint), client("route53", endpoint)
    identity = sesv2.get_email_identity(EmailIdentity=DOMAIN)
    assert identity["VerifiedForSendingStatus"] is True and identity["DkimAttributes"]["Status"] == "SUCCESS"
    assert {"Key": "gameops:platform", "Value": "playcode-local"} in identity["Tags"] and {"Key": "team", "Value": "mail"} in identity["Tags"]
    [zone] = [zone for zone in route53.list_hosted_zones()["HostedZones"] if zone["Name"] == ZONE + "."]
    records = {record["Name"]: record for record in route53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]}
    for token in identity["DkimAttributes"]["Tokens"]:
        assert records["%s._domainkey.%s." % (token, DOMAIN)]["ResourceRecords"] == [{"Value": "%s.dkim.amazonses.com" % token}]

    with open(os.path.join(state_dir, "outputs", "playcode-local.json"), encoding="utf-8") as handle:
        outputs = json.load(handle)["layers"]["mail"]
    assert outputs["domain"] == DOMAIN and outputs["verified"] is True
    assert outputs["identity_arn"].endswith(":identity/" + DOMAIN) and len(outputs["dkim_records"]) == 3

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
    writes = [call["operation"] for call in mutating_calls(log, mark)]
    assert writes.count("DeleteEmailIdentity") == 1
    # The identity and its records go before the zone.
    assert writes.index("DeleteEmailIdentity") < writes.index("ChangeResourceRecordSets") < writes.index("DeleteHostedZone")


def test_mail_leaving_the_spec_goes_by_tag_with_its_records(local_emulator):  # noqa: F811
    settings, state_dir, endpoint = local_emulator
    log = os.path.join(state_dir, "requests.jsonl")
    fast = dict(PLATFORM, mail=dict(PLATFORM["mail"], wait=False))
    first = playbook("site.yml", dict(settings, platform=fast))
    assert first.returncode == 0, first.stdout[-3000:]
    sesv2, route53 = client("sesv2", endpoint), client("route53", endpoint)
    # Another platform's identity in the same account and region: never this platform's to remove.
    other = "other." + ZONE
    sesv2.create_email_identity(EmailIdentity=other, Tags=[{"Key": "gameops:platform", "Value": "someone-else"}])
    tokens = sesv2.get_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Tokens"]
    [zone] = [zone["Id"] for zone in route53.list_hosted_zones()["HostedZones"] if zone["Name"] == ZONE + "."]

    def names():
        return {record["Name"] for record in route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]}

    dkim = {"%s._domainkey.%s." % (token, DOMAIN) for token in tokens}
    assert dkim <= names()

    no_mail = {key: value for key, value in fast.items() if key != "mail"}
    mark = len(mutating_calls(log, 0))
    check = playbook("site.yml", dict(settings, platform=no_mail), "--check", "--diff")
    assert check.returncode == 0, check.stdout[-3000:]
    assert mutating_calls(log, 0)[mark:] == []
    assert "  -   mail  ses email identity %s" % DOMAIN in check.stdout, check.stdout[-3000:]
    assert "Plan: 0 to add, 0 to change, 4 to destroy." in check.stdout, check.stdout[-3000:]

    dropped = playbook("site.yml", dict(settings, platform=no_mail))
    assert dropped.returncode == 0, dropped.stdout[-3000:]
    assert [i["IdentityName"] for i in sesv2.list_email_identities()["EmailIdentities"]] == [other]
    left = names()
    assert not dkim & left and ZONE + "." in left
    again = playbook("site.yml", dict(settings, platform=no_mail))
    assert again.returncode == 0 and recap(again.stdout)["changed"] == 0, changed_tasks(again.stdout)
