"""platform.kubernetes.apps[].metrics_path: scraped by the in-cluster Prometheus only, refused in preflight otherwise."""

import copy

import pytest

from ansible_collections.gameops.platform.plugins.plugin_utils.preflight import SpecError, validate

APP = {"name": "web", "image": "registry.example.com/web", "tag": "1.0.0", "port": 3000, "metrics_path": "/metrics"}
BASE = {
    "name": "playcode", "environment": "dev", "region": "ap-northeast-2",
    "network": {"cidr": "10.0.0.0/16"},
    "eks": {"version": "1.35", "node_groups": [{"name": "general", "instance_types": ["t3.large"]}]},
    "log_storage": {},
    "kubernetes": {"namespaces": {"observability": "monitoring"},
                   "observability": {"redis_exporter": False, "in_cluster": {"prometheus": {"scrape_interval": "15s"}}},
                   "apps": [APP]},
}


def with_app(**changes):
    spec = copy.deepcopy(BASE)
    spec["kubernetes"]["apps"][0].update(changes)
    return spec


def refusals(spec):
    with pytest.raises(SpecError) as error:
        validate(spec)
    return error.value.errors


def test_scraped_by_the_in_cluster_prometheus():
    assert validate(BASE)["kubernetes"]["apps"][0]["metrics_path"] == "/metrics"
    assert validate(with_app(metrics_path=""))["kubernetes"]["apps"][0]["metrics_path"] == ""


def test_a_path_must_start_with_a_slash():
    assert "platform.kubernetes.apps[0].metrics_path: 'metrics' must start with '/'" in refusals(with_app(metrics_path="metrics"))


def test_without_the_in_cluster_prometheus_it_is_refused():
    spec = copy.deepcopy(BASE)
    del spec["kubernetes"]["observability"]["in_cluster"]
    assert any(message.startswith("platform.kubernetes.apps[0].metrics_path: needs platform.kubernetes.observability.in_cluster")
               for message in refusals(spec))
