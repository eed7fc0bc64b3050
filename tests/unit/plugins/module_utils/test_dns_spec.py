"""The dns and certificates sections of the platform spec: names, records and certificates refused as Route 53 and ACM refuse them."""

import pytest

from ansible_collections.gameops.platform.plugins.plugin_utils.preflight import SpecError, preflight

BASE = {"name": "queue-infra", "environment": "prod", "region": "ap-northeast-2", "network": {"cidr": "10.0.0.0/16"}}
DNS = {"zone": "Example.com.", "records": [
    {"name": "www", "type": "CNAME", "values": ["queue.example.com"]},
    {"name": "@", "type": "TXT", "values": ['"v=spf1 -all"']},
]}


def spec(dns=None, certificates=None):
    result = dict(BASE, dns=DNS if dns is None else dns)
    if certificates is not None:
        result["certificates"] = certificates
    return result


def errors_of(given):
    with pytest.raises(SpecError) as refused:
        preflight(given)
    return refused.value.errors


def test_zone_and_records_are_normalized_with_defaults():
    platform, plan = preflight(spec())
    dns = platform["dns"]
    assert dns["zone"] == "example.com"
    assert [(record["name"], record["ttl"]) for record in dns["records"]] == [("www.example.com", 300), ("example.com", 300)]
    assert plan["layers"] == ["network", "dns"]


def test_certificates_default_to_the_platform_region_and_start_right_after_the_zone():
    certificates = {"ingress": {"domain_name": "Queue.example.com", "subject_alternative_names": ["chat.example.com"], "ingress": True},
                    "cdn": {"domain_name": "*.example.com", "regions": ["us-east-1", "ap-northeast-2", "us-east-1"]}}
    platform, plan = preflight(spec(certificates=certificates))
    assert platform["certificates"]["ingress"]["regions"] == ["ap-northeast-2"]
    assert platform["certificates"]["ingress"]["domain_name"] == "queue.example.com"
    assert platform["certificates"]["cdn"]["regions"] == ["us-east-1", "ap-northeast-2"]
    assert sorted(plan["layers"]) == ["certificates", "dns", "network"]
    steps = [(step["layer"], step["tasks_from"]) for step in plan["steps"]]
    assert steps.index(("certificates", "start")) == steps.index(("dns", "main")) + 1
    assert steps.index(("certificates", "start")) < steps.index(("certificates", "main"))
    teardown = [step["layer"] for step in plan["teardown"]]
    assert teardown.index("certificates") < teardown.index("dns")


@pytest.mark.parametrize(
    "dns, expected",
    [
        ({"zone": "exa_mple.com"}, "platform.dns.zone: 'exa_mple.com' is not a DNS name"),
        ({"zone": "-example.com"}, "platform.dns.zone: '-example.com' is not a DNS name"),
        ({"zone": "a" * 64 + ".com"}, "is not a DNS name: each dot-separated label is 1-63"),
        ({"zone": "com"}, "platform.dns.zone: 'com' is a top-level domain"),
        ({"zone": "example.com", "records": [{"name": "bad name", "type": "A", "values": ["10.0.0.1"]}]},
         "platform.dns.records[0].name: 'bad name' is not a DNS name"),
        ({"zone": "example.com", "records": [{"name": "www.example.org.example.com", "type": "A", "values": ["1.2.3.4"]},
                                             {"name": "api", "type": "A", "values": ["1.2.3.999"]}]},
         "platform.dns.records[1].values[0]: '1.2.3.999' is not an IPv4 address"),
        ({"zone": "example.com", "records": [{"name": "v6", "type": "AAAA", "values": ["10.0.0.1"]}]},
         "platform.dns.records[0].values[0]: '10.0.0.1' is not an IPv6 address"),
        ({"zone": "example.com", "records": [{"name": "@", "type": "CNAME", "values": ["elsewhere.example.org"]}]},
         "platform.dns.records[0].type: the zone's apex cannot be a CNAME"),
        ({"zone": "example.com", "records": [{"name": "www", "type": "CNAME", "values": ["a.example.org"]},
                                             {"name": "www.example.com", "type": "TXT", "values": ['"x"']}]},
         "platform.dns.records[1]: www.example.com has a CNAME"),
        ({"zone": "example.com", "records": [{"name": "a", "type": "A", "values": ["1.1.1.1"]}, {"name": "a", "type": "A", "values": ["2.2.2.2"]}]},
         "platform.dns.records[1]: a.example.com A is also records[0]"),
        ({"zone": "example.com", "records": [{"name": "a", "type": "CNAME", "values": ["b.example.org", "c.example.org"]}]},
         "platform.dns.records[0].values: a CNAME record has one value, not 2"),
        ({"zone": "example.com", "records": [{"name": "a", "type": "TXT", "values": []}]}, "platform.dns.records[0].values: give at least one value"),
        ({"zone": "example.com", "records": [{"name": "a", "type": "TXT", "ttl": -1, "values": ['"x"']}]}, "platform.dns.records[0].ttl: -1"),
        ({"zone": "example.com", "records": [{"name": "a", "type": "PTR", "values": ["x"]}]},
         "platform.dns.records[0].type: must be one of: A, AAAA, CNAME, TXT, MX, CAA, SRV, got: PTR"),
        ({"zone": "example.com", "records": [{"name": "_gameops-a.www", "type": "TXT", "values": ['"x"']}]},
         "platform.dns.records[0].name: '_gameops-a.www': names starting with _gameops- are the ownership markers"),
        ({"zone": "example.com", "records": [{"name": ".".join(["a" * 60] * 3 + ["b" * 50]), "type": "CNAME", "values": ["b.example.org"]}]},
         "leaves no room for its ownership marker, _gameops-cname.<name>: give at most 238 characters"),
    ],
)
def test_bad_zones_and_records_are_refused_with_their_path(dns, expected):
    errors = errors_of(spec(dns=dns))
    assert any(expected in error for error in errors), errors


@pytest.mark.parametrize(
    "certificates, expected",
    [
        ({"web": {"domain_name": "queue.example.org"}},
         "platform.certificates.web.domain_name: 'queue.example.org' is outside the zone example.com (platform.dns.zone)"),
        ({"web": {"domain_name": "queue.example.com", "subject_alternative_names": ["notexample.com"]}},
         "platform.certificates.web.subject_alternative_names[0]: 'notexample.com' is outside the zone example.com"),
        ({"web": {"domain_name": "queue..example.com"}}, "platform.certificates.web.domain_name: 'queue..example.com' is not a DNS name"),
        ({"web": {"domain_name": "*.*.example.com"}}, "platform.certificates.web.domain_name: '*.*.example.com' is not a DNS name"),
        ({"web": {"domain_name": "queue.example.com", "regions": ["us-east-9"]}},
         "platform.certificates.web.regions[0]: 'us-east-9' is not a region the collection knows"),
        ({"web": {"domain_name": "queue.example.com", "regions": ["us-east-1"], "ingress": True}},
         "platform.certificates.web.regions: the ingress's load balancer is in ap-northeast-2"),
        ({"a": {"domain_name": "a.example.com", "ingress": True}, "b": {"domain_name": "b.example.com", "ingress": True}},
         "platform.certificates: a, b all say ingress: true"),
        ({"web": {"domain_name": "%s.example.com" % ("a" * 60)}}, "ACM takes at most 64 for the first name"),
        ({"web": {"domain_name": "a.example.com", "subject_alternative_names": ["b.example.com", "B.example.com."]}},
         "platform.certificates.web.subject_alternative_names[1]: 'b.example.com' is named twice"),
        ({"Web": {"domain_name": "a.example.com"}}, "platform.certificates.Web: the key must be 1-32 lowercase letters"),
        ({"web": {"domain_name": "a.example.com", "key_algorithm": "RSA_1024"}}, "platform.certificates.web.key_algorithm: must be one of: RSA_2048"),
    ],
)
def test_bad_certificates_are_refused_with_their_path(certificates, expected):
    errors = errors_of(spec(certificates=certificates))
    assert any(expected in error for error in errors), errors


def test_certificates_need_the_dns_layer():
    errors = errors_of(dict(BASE, certificates={"web": {"domain_name": "a.example.com"}}))
    assert any("platform.certificates: needs platform.dns (the dns layer)" in error for error in errors), errors


def test_the_ingress_takes_the_certificates_layer_when_no_arn_is_pasted():
    given = dict(spec(certificates={"web": {"domain_name": "queue.example.com", "ingress": True}}),
                 eks={"version": "1.35", "node_groups": [{"name": "general", "instance_types": ["t3.large"]}]},
                 kubernetes={"observability": {"enabled": False, "redis_exporter": False}})
    _platform, plan = preflight(given)
    layers = plan["layers"]
    assert layers.index("certificates") < layers.index("kubernetes")
