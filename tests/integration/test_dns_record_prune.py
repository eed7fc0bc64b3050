"""The dns layer's records are pruned through their ownership markers (Route 53 records take no tags).

A zone with three records converges on an emulator of its own: each record gets a TXT marker naming the
platform and the layer. A record made by hand and one marked by another platform are put in the same zone.
One record leaves the spec: check mode shows it as `-` without a write; the converge removes it and its
marker and nothing else; the teardown removes the zone, markers and all.
"""

import copy
import os

import boto3

from test_site import changed_tasks, mutating_calls, playbook, recap
# local_emulator is a fixture, used by name.
from test_site import local_emulator  # noqa: F401  pylint: disable=unused-import

ZONE = "prune-dns.example.com"
PLATFORM = {
    "name": "prunedns", "environment": "local", "region": "ap-northeast-2",
    "network": {"cidr": "10.0.0.0/16", "availability_zones": 1, "nat_gateways": "none", "s3_endpoint": False},
    "dns": {"zone": ZONE, "records": [{"name": "www", "type": "CNAME", "values": ["app." + ZONE]},
                                      {"name": "app", "type": "A", "values": ["192.0.2.10"]},
                                      {"name": "old", "type": "A", "values": ["192.0.2.20"]}]},
}
OURS = '"heritage=gameops,gameops/platform=prunedns-local,gameops/layer=dns"'


def route53(endpoint):
    return boto3.client("route53", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="emulator", aws_secret_access_key="emulator")


def records(client, zone_id):
    listed = client.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return {(item["Name"].rstrip("."), item["Type"]): [record["Value"] for record in item.get("ResourceRecords", [])]
            for item in listed if item["Type"] not in ("SOA", "NS")}


def test_records_leaving_the_spec_go_with_their_markers_and_nothing_else(local_emulator):  # noqa: F811
    settings, state_dir, endpoint = local_emulator
    log = os.path.join(state_dir, "requests.jsonl")
    first = playbook("site.yml", dict(settings, platform=PLATFORM))
    assert first.returncode == 0, first.stdout[-3000:]
    client = route53(endpoint)
    [zone_id] = [zone["Id"] for zone in client.list_hosted_zones()["HostedZones"] if zone["Name"] == ZONE + "."]
    made = records(client, zone_id)
    for name, kind in (("www", "CNAME"), ("app", "A"), ("old", "A")):
        assert made[("_gameops-%s.%s.%s" % (kind.lower(), name, ZONE), "TXT")] == [OURS], made
    # In the same zone: a record made by hand (no marker), and one another platform's marker names.
    foreign = [("handmade." + ZONE, "A", "192.0.2.30"), ("theirs." + ZONE, "A", "192.0.2.40"),
               ("_gameops-a.theirs." + ZONE, "TXT", '"heritage=gameops,gameops/platform=someone-else,gameops/layer=dns"')]
    client.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": name, "Type": kind, "TTL": 300, "ResourceRecords": [{"Value": value}]}}
        for name, kind, value in foreign]})
    again = playbook("site.yml", dict(settings, platform=PLATFORM))
    assert again.returncode == 0 and recap(again.stdout)["changed"] == 0, changed_tasks(again.stdout)
    before = records(client, zone_id)

    smaller = copy.deepcopy(PLATFORM)
    smaller["dns"]["records"] = smaller["dns"]["records"][:2]
    mark = len(mutating_calls(log, 0))
    check = playbook("site.yml", dict(settings, platform=smaller), "--check", "--diff")
    assert check.returncode == 0, check.stdout[-3000:]
    assert mutating_calls(log, 0)[mark:] == [] and records(client, zone_id) == before
    assert "  -   dns  route53 record old.%s A" % ZONE in check.stdout, check.stdout[-3000:]
    assert "Plan: 0 to add, 0 to change, 1 to destroy." in check.stdout

    pruned = playbook("site.yml", dict(settings, platform=smaller))
    assert pruned.returncode == 0, pruned.stdout[-3000:]
    gone = {("old." + ZONE, "A"), ("_gameops-a.old." + ZONE, "TXT")}
    assert set(records(client, zone_id)) == set(before) - gone
    settled = playbook("site.yml", dict(settings, platform=smaller))
    assert settled.returncode == 0 and recap(settled.stdout)["changed"] == 0, changed_tasks(settled.stdout)

    # Route 53 (and moto) refuse to delete a zone with records left (HostedZoneNotEmpty): a teardown that passes
    # removed every marker too.
    teardown = playbook("teardown.yml", dict(settings, platform=smaller))
    assert teardown.returncode == 0, teardown.stdout[-3000:]
    assert "TASK [Fail when anything tagged is left] *" in teardown.stdout
