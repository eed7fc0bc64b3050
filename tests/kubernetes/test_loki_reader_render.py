"""The grafana layer's Loki reader (observability.grafana.loki_host), rendered by the kubernetes layer as a release
of the tree: it builds, validates strictly, and goes again when loki_host is emptied."""

import copy
import os

from test_render import PLATFORM, build, by_kind, render, validate_strict

HOST = "logs.example.com"
SECRET = "queue-infra-test/grafana/loki-reader"
CERTIFICATE = "arn:aws:acm:ap-northeast-2:123456789012:certificate/11111111-2222-3333-4444-555555555555"


def platform_with_loki(host=HOST):
    platform = copy.deepcopy(PLATFORM)
    platform["observability"] = {"metrics": {}, "grafana": {"loki_host": host}}
    platform["kubernetes"]["addons"]["certificate_arn"] = CERTIFICATE
    return platform


def grafana_outputs(host=HOST):
    return {"grafana_outputs": {"loki_host": host, "loki_reader_secret": SECRET if host else ""}}


def test_the_reader_is_a_release_of_the_tree_that_builds_and_validates(tmp_path):
    tree = str(tmp_path / "tree")
    code, output, _counts = render(tree, tmp_path, platform_with_loki(), grafana_outputs())
    assert code == 0, output[-4000:]
    objects, text = build(os.path.join(tree, "loki-reader"))
    assert "loki-reader" in build(tree)[1] and sorted({o["kind"] for o in objects}) == [
        "ConfigMap", "Deployment", "ExternalSecret", "Ingress", "NetworkPolicy", "Service"]
    built = tmp_path / "loki-reader.yaml"
    built.write_text(text, encoding="utf-8")
    validate_strict(str(built), PLATFORM["eks"]["version"] + ".0")
    ingress = by_kind(objects, "Ingress", "loki-reader")
    assert ingress["metadata"]["namespace"] == "observability" and ingress["spec"]["rules"][0]["host"] == HOST
    assert ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/certificate-arn"] == CERTIFICATE
    assert by_kind(objects, "ExternalSecret", "loki-reader-auth")["spec"]["data"][0]["remoteRef"] == {"key": SECRET, "property": "htpasswd"}
    # The public subnets of the spec's network (the ALB's) are the only ones admitted.
    assert [peer["ipBlock"]["cidr"] for peer in by_kind(objects, "NetworkPolicy", "loki-reader")["spec"]["ingress"][0]["from"]] \
        == ["10.0.0.0/24", "10.0.1.0/24"]

    code, output, _counts = render(tree, tmp_path, platform_with_loki(""), grafana_outputs(""))
    assert code == 0, output[-4000:]
    assert not os.path.exists(os.path.join(tree, "loki-reader")), "the reader outlived its loki_host"
    assert "loki-reader" not in build(tree)[1]
