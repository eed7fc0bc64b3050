"""What preflight takes but warns about: returned beside the plan, never in place of an error."""

import pytest

from ansible_collections.gameops.platform.plugins.plugin_utils.preflight import SpecError, preflight

SPEC = {
    "name": "demo",
    "environment": "dev",
    "region": "ap-northeast-2",
    "network": {"cidr": "10.0.0.0/16"},
    "eks": {"version": "1.35", "node_groups": [{"name": "general"}]},
    "cache": {},
    "log_storage": {},
}


def kubernetes(ingress):
    return dict(SPEC, kubernetes={"addons": {"ingress": ingress}, "apps": [{"name": "api", "image": "ghcr.io/acme/api", "tag": "1.0.0"}]})


def test_ingress_nginx_is_deprecated_with_the_maintained_alternative():
    warnings = []
    platform = preflight(kubernetes("nginx"), warnings=warnings)[0]
    assert platform["kubernetes"]["addons"]["ingress"] == "nginx"
    assert warnings == ["platform.kubernetes.addons.ingress: nginx is deprecated: ingress-nginx is retired upstream (no releases or "
                        "security fixes since March 2026); use alb (the AWS Load Balancer Controller, ACM certificates) or "
                        "gateway (Envoy Gateway, Gateway API, with cert_manager for Let's Encrypt)"]


@pytest.mark.parametrize("ingress", ["alb", "gateway"])
def test_maintained_controllers_warn_nothing(ingress):
    warnings = []
    preflight(kubernetes(ingress), warnings=warnings)
    assert warnings == []


def test_warnings_are_kept_when_the_spec_is_refused():
    spec = kubernetes("nginx")
    spec["eks"] = dict(spec["eks"], version="one")
    warnings = []
    with pytest.raises(SpecError) as refused:
        preflight(spec, warnings=warnings)
    assert any(error.startswith("platform.eks.version:") for error in refused.value.errors)
    assert len(warnings) == 1 and warnings[0].startswith("platform.kubernetes.addons.ingress: nginx is deprecated")
