"""The mail section of the platform spec: a DNS name, in the platform's zone when there is one."""

import pytest

from ansible_collections.gameops.platform.plugins.plugin_utils.preflight import SpecError, preflight

BASE = {"name": "playcode", "environment": "prod", "region": "ap-northeast-2", "network": {"cidr": "10.0.0.0/16"},
        "dns": {"zone": "playcode.gg"}}


def errors_of(given):
    with pytest.raises(SpecError) as refused:
        preflight(given)
    return refused.value.errors


def test_defaults_and_the_layer_runs_after_dns():
    platform, plan = preflight(dict(BASE, mail={"domain": "Mail.PlayCode.gg."}))
    assert platform["mail"] == {"domain": "mail.playcode.gg", "tags": {}, "wait": False, "wait_timeout": 1800}
    assert plan["layers"].index("mail") > plan["layers"].index("dns")
    assert [step["layer"] for step in plan["teardown"]].index("mail") < [step["layer"] for step in plan["teardown"]].index("dns")


def test_the_zone_apex_and_a_domain_without_a_dns_layer_are_taken():
    assert preflight(dict(BASE, mail={"domain": "playcode.gg"}))[0]["mail"]["domain"] == "playcode.gg"
    without_dns = dict(BASE, mail={"domain": "elsewhere.example.com"})
    del without_dns["dns"]
    assert preflight(without_dns)[0]["mail"]["domain"] == "elsewhere.example.com"


def test_a_domain_that_is_not_a_dns_name_is_refused_with_the_field_path():
    errors = errors_of(dict(BASE, mail={"domain": "mail_-.playcode.gg"}))
    assert any(e.startswith("platform.mail.domain: 'mail_-.playcode.gg' is not a DNS name") for e in errors), errors
    assert any(e.startswith("platform.mail.domain: 'gg' is a top-level domain") for e in errors_of(dict(BASE, mail={"domain": "gg"})))


def test_a_domain_outside_the_zone_is_refused_with_the_field_path():
    errors = errors_of(dict(BASE, mail={"domain": "mail.notplaycode.gg"}))
    assert errors == ["platform.mail.domain: 'mail.notplaycode.gg' is outside the zone playcode.gg (platform.dns.zone), "
                      "where its DKIM records would go"]


def test_bad_tags_and_waits_are_refused():
    errors = errors_of(dict(BASE, mail={"domain": "playcode.gg", "tags": {"aws:owner": "x"}, "wait_timeout": 0}))
    assert any(e.startswith("platform.mail.tags: the key 'aws:owner'") for e in errors), errors
    assert any(e.startswith("platform.mail.wait_timeout: 0; give 1 to") for e in errors), errors
    assert any(e.startswith("platform.mail") for e in errors_of(dict(BASE, mail={"domain": "playcode.gg", "dkim": "byo"})))
