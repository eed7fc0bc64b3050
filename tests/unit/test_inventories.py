"""Every shipped inventory's platform spec passes preflight; seed 001's (PlayCode.gg) as the seed has it, and its
bad variants refused in preflight with the field path."""

import copy
import glob
import os

import pytest
import yaml

from ansible_collections.gameops.platform.plugins.plugin_utils.preflight import SpecError, preflight, validate
from conftest import ROOT

# Every inventory with a platform spec: a new one is picked up without naming it here.
INVENTORIES = sorted(os.path.basename(os.path.dirname(os.path.dirname(os.path.dirname(path))))
                     for path in glob.glob(os.path.join(ROOT, "inventories", "*", "group_vars", "all", "platform.yml")))


def spec_of(inventory):
    with open(os.path.join(ROOT, "inventories", inventory, "group_vars", "all", "platform.yml"), encoding="utf-8") as stream:
        return yaml.safe_load(stream)["platform"]


def test_the_shipped_inventories_are_all_found():
    assert {"local", "dev", "prod", "playcode-local", "playcode-prod"} <= set(INVENTORIES)


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_inventory_spec_passes_preflight(inventory):
    spec = spec_of(inventory)
    platform = validate(spec)
    assert platform["id"] == "%s-%s" % (spec["name"], spec["environment"])
    assert platform["eks"]["node_groups"] and platform["network"]["subnets"]


@pytest.mark.parametrize("inventory", ["playcode-local", "playcode-prod"])
def test_playcode_is_the_seed(inventory):
    platform, plan = preflight(spec_of(inventory))
    assert platform["network"]["cidr"] == "10.0.0.0/16" and platform["network"]["nat_gateways"] in ("single", "per_az")
    assert set(plan["layers"]) == {"network", "eks", "registry", "buckets", "dns", "mail", "ci", "workload_roles", "datastores", "kubernetes",
                                   "log_storage"}
    # The seed's monitoring namespace: Prometheus every 15 s and Grafana with its three dashboards, beside Loki and Alloy.
    observability = platform["kubernetes"]["observability"]
    assert platform["kubernetes"]["namespaces"]["observability"] == "monitoring" and observability["enabled"]
    assert observability["in_cluster"]["prometheus"]["scrape_interval"] == "15s"
    assert observability["in_cluster"]["grafana"]["dashboards"] == ["playcode-application", "playcode-infrastructure", "playcode-database"]
    assert platform["registry"]["repositories"][0]["keep_last"] > 0
    uploads, backups = platform["buckets"]["uploads"], platform["buckets"]["backups"]
    assert {"PUT", "GET"} <= set(uploads["cors"][0]["allowed_methods"]) and backups["lifecycle"]
    assert platform["ci"]["github"]["repository"] == "playcode-gg/playcode" and platform["ci"]["github"]["branches"] == ["main"]
    kubernetes = platform["kubernetes"]
    assert kubernetes["delivery"] == ("render" if inventory.endswith("local") else "apply")
    # ingress-nginx is retired upstream: the Gateway API with cert-manager's Let's Encrypt certificates instead.
    assert kubernetes["addons"]["ingress"] == "gateway" and kubernetes["addons"]["cert_manager"] and kubernetes["addons"]["external_dns"]
    assert kubernetes["dns_zone"] == platform["dns"]["zone"]
    [app] = kubernetes["apps"]
    assert (app["name"], app["port"], app["replicas"]) == ("playcode-app", 3000, 2)
    assert app["hpa"] == {"min": 2, "max": 4, "cpu_percent": 70, "memory_percent": 80}
    assert app["identity"] == {"buckets": ["uploads"], "mail": True}
    assert app["ingress"]["host"] == platform["dns"]["zone"]


def refused(spec):
    with pytest.raises(SpecError) as raised:
        preflight(spec)
    return "\n".join(raised.value.args[0]) if isinstance(raised.value.args[0], list) else str(raised.value)


@pytest.mark.parametrize("change,expected", [
    (lambda s: s["dns"].update(zone="playcode..gg"), "platform.dns.zone: 'playcode..gg' is not a DNS name"),
    (lambda s: s["dns"].update(zone="play_code.gg"), "platform.dns.zone: 'play_code.gg' is not a DNS name"),
    (lambda s: s.update(certificates={"site": {"domain_name": "playcode.com"}}),
     "platform.certificates.site.domain_name: 'playcode.com' is outside the zone playcode.gg"),
    (lambda s: s["ci"]["github"].pop("repository"), "platform.ci.github.repository: required"),
    (lambda s: s["ci"]["github"].update(repository=""), "platform.ci.github.repository: '' is not a GitHub repository"),
    (lambda s: s["kubernetes"]["apps"][0]["identity"].update(buckets=["uploads", "avatars"]),
     "platform.kubernetes.apps[0].identity.buckets[1]: 'avatars' is not a bucket of platform.buckets; allowed: backups, uploads"),
    (lambda s: s.pop("mail"), "platform.kubernetes.apps[0].identity.mail: needs platform.mail"),
    (lambda s: s["kubernetes"]["apps"][0].update(identity={"buckets": [], "mail": False}), "platform.kubernetes.apps[0].identity: allows nothing"),
    (lambda s: s.pop("dns") and s.pop("mail"), "platform.kubernetes.addons.external_dns: needs platform.dns"),
    (lambda s: s["eks"].update(workload_identity="irsa"), "platform.kubernetes.apps[0].identity: needs platform.eks.workload_identity pod_identity"),
])
def test_a_bad_playcode_spec_is_refused_with_its_field_path(change, expected):
    spec = copy.deepcopy(spec_of("playcode-prod"))
    change(spec)
    assert expected in refused(spec)
