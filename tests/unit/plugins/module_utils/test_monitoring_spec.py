"""platform.kubernetes.observability.in_cluster: Prometheus and Grafana in the cluster, refused in preflight with the field path."""

import copy

import pytest

from ansible_collections.gameops.platform.plugins.module_utils import monitoring_spec
from ansible_collections.gameops.platform.plugins.plugin_utils.preflight import SpecError, preflight

FIELD = "platform.kubernetes.observability.in_cluster"
SEED_DASHBOARDS = ["playcode-application", "playcode-infrastructure", "playcode-database"]
BASE = {
    "name": "playcode", "environment": "prod", "region": "ap-northeast-2", "network": {"cidr": "10.0.0.0/16"},
    "eks": {"version": "1.35", "node_groups": [{"name": "general", "instance_types": ["t3.large"], "min_size": 2, "max_size": 4}]},
    "log_storage": {"retention_days": 30},
    "kubernetes": {"namespaces": {"apps": "playcode", "observability": "monitoring"},
                   "observability": {"redis_exporter": False, "in_cluster": {"grafana": {"dashboards": list(SEED_DASHBOARDS)}}}},
}


def with_in_cluster(prometheus=None, grafana=None, **observability):
    platform = copy.deepcopy(BASE)
    section = platform["kubernetes"]["observability"]
    section.update(observability)
    section["in_cluster"]["prometheus"] = prometheus or {}
    section["in_cluster"]["grafana"].update(grafana or {})
    return platform


def errors_of(given):
    with pytest.raises(SpecError) as refused:
        preflight(given)
    return refused.value.errors


def test_defaults_and_the_dashboard_files_each_uid_names():
    in_cluster = preflight(with_in_cluster())[0]["kubernetes"]["observability"]["in_cluster"]
    assert in_cluster["prometheus"] == {"scrape_interval": "15s", "scrape_timeout": "10s", "retention": "15d", "retention_size": "",
                                        "storage": "20Gi", "storage_class": ""}
    assert in_cluster["grafana"]["admin_user"] == "admin" and in_cluster["grafana"]["url"] == ""
    assert in_cluster["grafana"]["dashboard_files"] == [
        {"uid": "playcode-application", "folder": "PlayCode", "file": "PlayCode/application.json"},
        {"uid": "playcode-infrastructure", "folder": "PlayCode", "file": "PlayCode/infrastructure.json"},
        {"uid": "playcode-database", "folder": "PlayCode", "file": "PlayCode/database.json"}]


def test_without_the_section_the_stack_stays_on_amp():
    platform = copy.deepcopy(BASE)
    del platform["kubernetes"]["observability"]["in_cluster"]
    assert preflight(platform)[0]["kubernetes"]["observability"]["in_cluster"] is None


def test_a_short_scrape_interval_shortens_the_timeout_too():
    prometheus = preflight(with_in_cluster({"scrape_interval": "5s"}))[0]["kubernetes"]["observability"]["in_cluster"]["prometheus"]
    assert prometheus["scrape_timeout"] == "5s"


@pytest.mark.parametrize("interval", ["15", "15 s", "1.5m", "s", "0s", "15S", "1m15h", ""])
def test_a_scrape_interval_that_is_not_a_prometheus_duration_is_refused(interval):
    assert errors_of(with_in_cluster({"scrape_interval": interval})) == [
        "%s.prometheus.scrape_interval: %r is not a Prometheus duration above zero (such as 15s or 1m)" % (FIELD, interval)]


def test_prometheus_durations_as_prometheus_reads_them():
    assert [monitoring_spec.seconds(text) for text in ("15s", "1m30s", "2h", "15d", "1w", "1y", "500ms")] == [
        15, 90, 7200, 15 * 86400, 7 * 86400, 365 * 86400, 0.5]
    assert monitoring_spec.seconds("1h1d") is None and monitoring_spec.seconds("") is None


@pytest.mark.parametrize("retention, message", [
    ("15 days", "'15 days' is not a Prometheus duration above zero (such as 15d or 720h)"),
    ("0d", "'0d' is not a Prometheus duration above zero (such as 15d or 720h)"),
    ("1h", "'1h' is shorter than Prometheus's two-hour blocks"),
])
def test_a_bad_retention_is_refused(retention, message):
    assert errors_of(with_in_cluster({"retention": retention})) == ["%s.prometheus.retention: %s" % (FIELD, message)]


def test_a_retention_size_that_is_not_a_size_or_does_not_fit_the_volume_is_refused():
    assert errors_of(with_in_cluster({"retention_size": "18G"})) == [
        "%s.prometheus.retention_size: '18G' is not a size Prometheus takes (such as 9GB or 9GiB)" % FIELD]
    assert errors_of(with_in_cluster({"retention_size": "20GiB", "storage": "20Gi"})) == [
        "%s.prometheus.retention_size: 20GiB does not fit in storage 20Gi; the volume would fill before Prometheus deletes blocks" % FIELD]
    assert preflight(with_in_cluster({"retention_size": "18GB", "storage": "20Gi"}))[0]


def test_a_storage_that_is_not_a_quantity_is_refused():
    assert errors_of(with_in_cluster({"storage": "20 GB"})) == [
        "%s.prometheus.storage: '20 GB' is not a Kubernetes quantity of bytes (such as 20Gi)" % FIELD]


def test_an_unknown_or_repeated_dashboard_is_refused_naming_the_known_ones():
    errors = errors_of(with_in_cluster(grafana={"dashboards": ["playcode-application", "playcode-nope", "playcode-application"]}))
    assert len(errors) == 2
    assert errors[0].startswith("%s.grafana.dashboards[1]: 'playcode-nope' is not a dashboard of the source tree; known: eks-cluster, "
                                "platform-logs, playcode-application, playcode-database" % FIELD)
    assert errors[1] == "%s.grafana.dashboards[2]: 'playcode-application' is listed twice" % FIELD


def test_a_bad_admin_login_or_url_is_refused():
    errors = errors_of(with_in_cluster(grafana={"admin_user": "ad min", "url": "grafana.playcode.gg"}))
    assert errors == ["%s.grafana.admin_user: 'ad min' is not a Grafana login (1-64 letters, digits, '_', '.', '@' or '-')" % FIELD,
                      "%s.grafana.url: 'grafana.playcode.gg' is not an http(s):// URL" % FIELD]


def test_in_cluster_needs_the_stack_itself():
    assert errors_of(with_in_cluster(enabled=False)) == [
        "%s: needs platform.kubernetes.observability.enabled (Loki and Alloy run beside Prometheus and Grafana)" % FIELD]


def test_an_unknown_field_is_refused_with_its_path():
    errors = errors_of(with_in_cluster({"scrape_every": "15s"}))
    assert any(error.startswith(FIELD + ".prometheus") and "scrape_every" in error for error in errors), errors


def test_a_dashboard_tree_that_does_not_load_is_reported(tmp_path):
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    errors = []
    monitoring_spec.check_in_cluster({"prometheus": preflight(with_in_cluster())[0]["kubernetes"]["observability"]["in_cluster"]["prometheus"],
                                      "grafana": {"dashboards": ["x"], "admin_user": "admin", "url": ""}},
                                     {"enabled": True}, errors, directory=str(tmp_path))
    assert len(errors) == 1 and errors[0].startswith(FIELD + ".grafana.dashboards: the dashboards' source tree does not load")
