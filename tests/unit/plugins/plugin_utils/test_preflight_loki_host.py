"""observability.grafana.loki_host: where AMG reaches Loki, refused in preflight unless the ALB can serve it."""

import copy

import pytest

from ansible_collections.gameops.platform.plugins.module_utils.dns_spec import covers
from ansible_collections.gameops.platform.plugins.plugin_utils.preflight import SpecError, validate

FIELD = "platform.observability.grafana.loki_host"
BASE = {
    "name": "queue-infra",
    "environment": "dev",
    "region": "ap-northeast-2",
    "network": {"cidr": "10.0.0.0/16"},
    "eks": {"version": "1.35", "node_groups": [{"name": "general", "instance_types": ["t3.large"]}]},
    "log_storage": {},
    "observability": {"metrics": {}, "grafana": {"loki_host": "logs.queue.example.com"}},
    "dns": {"zone": "queue.example.com"},
    "certificates": {"ingress": {"domain_name": "api.queue.example.com", "subject_alternative_names": ["logs.queue.example.com"],
                                 "ingress": True}},
    "kubernetes": {"addons": {"ingress": "alb"}, "observability": {"redis_exporter": False}},
}


def spec(**changes):
    """BASE with sections replaced (a dotted key reaches into a section)."""
    result = copy.deepcopy(BASE)
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = result
        for key in parents:
            node = node[key]
        if value is None:
            node.pop(last)
        else:
            node[last] = value
    return result


def refusal(platform):
    with pytest.raises(SpecError) as error:
        validate(platform)
    return [message for message in error.value.errors if message.startswith(FIELD)]


def test_a_host_the_zone_and_the_ingress_certificate_serve_passes():
    assert validate(BASE)["observability"]["grafana"]["loki_host"] == "logs.queue.example.com"


def test_the_host_is_normalized_and_empty_means_no_loki_data_source():
    assert validate(spec(observability__grafana__loki_host="Logs.Queue.Example.com."))["observability"]["grafana"]["loki_host"] \
        == "logs.queue.example.com"
    assert validate(spec(observability__grafana__loki_host=None))["observability"]["grafana"]["loki_host"] == ""


def test_a_wildcard_certificate_covers_one_label():
    assert covers(["*.queue.example.com"], "logs.queue.example.com")
    assert not covers(["*.queue.example.com"], "a.logs.queue.example.com")
    assert not covers(["*.queue.example.com"], "queue.example.com")
    wildcard = {"domain_name": "*.queue.example.com", "subject_alternative_names": [], "ingress": True}
    validate(spec(certificates__ingress=wildcard))


@pytest.mark.parametrize("changes, expected", [
    ({"observability__grafana__loki_host": "logs..example"}, "%s: 'logs..example' is not a DNS name" % FIELD),
    ({"observability__grafana__loki_host": "logs.other.example.com"},
     "%s: 'logs.other.example.com' is outside the zone queue.example.com (platform.dns.zone)" % FIELD),
    ({"certificates__ingress__subject_alternative_names": []},
     "%s: 'logs.queue.example.com' is not a name of the ingress certificate (platform.certificates.ingress: api.queue.example.com)" % FIELD),
    ({"kubernetes__addons__ingress": "gateway", "kubernetes__addons__cert_manager": True, "kubernetes__addons__acme_email": "ops@example.com"},
     "%s: AMG reaches Loki through the ALB; needs platform.kubernetes.addons.ingress alb, not 'gateway'" % FIELD),
    ({"kubernetes": None}, "%s: Loki is served by the kubernetes layer; add platform.kubernetes or leave loki_host empty" % FIELD),
    ({"kubernetes__observability__enabled": False},
     "%s: needs the observability stack (platform.kubernetes.observability.enabled), which runs Loki" % FIELD),
])
def test_refused_with_the_field_and_why(changes, expected):
    messages = refusal(spec(**changes))
    assert any(message.startswith(expected) for message in messages), messages
