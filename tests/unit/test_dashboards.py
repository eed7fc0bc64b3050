"""The dashboards roles/grafana ships: they load as grafana_dashboard loads them, and every PromQL query parses.

Each PromQL expression (with Grafana's variables substituted) becomes a recording rule, and
`promtool check rules` parses them all, as Prometheus would.
"""

import os
import re
import subprocess

import pytest
import yaml

from ansible_collections.gameops.platform.plugins.module_utils import grafana_dashboards as source
from ansible_collections.gameops.platform.plugins.module_utils import monitoring_spec

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DASHBOARDS = os.path.join(ROOT, "roles", "grafana", "files", "dashboards")
# What roles/grafana maps the exports' inputs to.
DATASOURCES = {"DS_PROMETHEUS": "amp", "DS_LOKI": "loki"}
# Grafana's interval variables get durations; template variables sit in label matchers, where any regex fits.
BUILTINS = (("$__rate_interval", "5m"), ("$__interval", "1m"), ("$__range", "1h"))
VARIABLE = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?")
LABEL_VALUES = re.compile(r"^label_values\((.+),\s*[A-Za-z_][A-Za-z0-9_]*\)$", re.S)
METRIC = re.compile(r"\b([a-z_][a-z0-9_]*_(?:total|bytes|seconds|seconds_count|seconds_bucket|up|length|connections|clients|condition))\b")


def loaded():
    return source.load(source.read_directory(DASHBOARDS), DATASOURCES)


def panels(container):
    for panel in container.get("panels", []):
        yield panel
        yield from panels(panel)


def queries(dashboard):
    """(where, data source uid, query) of every panel target and every query variable."""
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            if "expr" in target:
                datasource = target.get("datasource") or panel.get("datasource") or {}
                yield "panel %r %s" % (panel.get("title"), target["refId"]), datasource.get("uid"), target["expr"]
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") == "query":
            yield "variable %s" % variable["name"], variable["datasource"]["uid"], variable["definition"]


def promql(expr):
    """A Grafana PromQL query as Prometheus sees it: variables substituted, label_values() reduced to its selector."""
    for name, value in BUILTINS:
        expr = expr.replace(name, value)
    expr = VARIABLE.sub(".*", expr)
    found = LABEL_VALUES.match(expr.strip())
    return found.group(1) if found else expr


def check_rules(promtool, tmp_path, rules):
    path = tmp_path / "dashboards.rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}, sort_keys=False))
    return subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False)


def test_the_layout_is_three_folders_of_dashboards():
    found = sorted(("/".join(item.folder_path), item.uid) for item in loaded())
    assert found == [("Platform", "eks-cluster"), ("Platform", "platform-logs"), ("PlayCode", "playcode-application"),
                     ("PlayCode", "playcode-database"), ("PlayCode", "playcode-infrastructure"),
                     ("Queue Infra", "queue-system"), ("Queue Infra", "valkey")]
    assert [folder.title for folder in source.folders_of(loaded()).values()] == ["Platform", "PlayCode", "Queue Infra"]


def test_every_dashboard_is_an_export_whose_inputs_map_to_our_data_sources():
    for item in loaded():
        text = open(item.origin, encoding="utf-8").read()
        assert "${DS_" in text, "%s should use ${DS_...} inputs like a grafana.com export" % item.origin
        assert "${DS_" not in repr(item.dashboard) and "__inputs" not in item.dashboard
        assert {uid for _where, uid, _query in queries(item.dashboard)} <= {"amp", "loki"}
    with pytest.raises(source.DashboardError, match=r"uses input \$\{DS_LOKI\} \(type loki\)"):
        source.load(source.read_directory(DASHBOARDS), {"DS_PROMETHEUS": "amp"})


def test_panels_have_unique_ids_and_fit_the_grid():
    for item in loaded():
        ids = [panel["id"] for panel in panels(item.dashboard)]
        assert len(ids) == len(set(ids)), item.origin
        for panel in panels(item.dashboard):
            grid = panel["gridPos"]
            assert grid["x"] + grid["w"] <= 24 and grid["h"] > 0, (item.origin, panel["title"])
            assert panel["type"] == "row" or panel.get("description"), (item.origin, panel["title"], "needs a description")


def test_every_promql_query_parses_with_promtool(promtool, tmp_path):
    rules = []
    for item in loaded():
        for number, (where, uid, query) in enumerate(queries(item.dashboard)):
            if uid == "amp":
                rules.append({"record": "dashboard:%s:q%d" % (item.uid.replace("-", "_"), number), "expr": promql(query),
                              "labels": {"where": "%s: %s" % (item.uid, where)}})
    assert len(rules) >= 30
    checked = check_rules(promtool, tmp_path, rules)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: %d rules found" % len(rules) in checked.stdout


def test_the_check_catches_a_broken_query(promtool, tmp_path):
    checked = check_rules(promtool, tmp_path, [{"record": "dashboard:broken", "expr": promql('sum(rate(x{job=~"$job"}[$__rate_interval])')}])
    assert checked.returncode != 0


def test_variables_are_substituted_sensibly():
    assert promql('rate(a{job=~"$job", q=~"${queue}"}[$__rate_interval])') == 'rate(a{job=~".*", q=~".*"}[5m])'
    assert promql("label_values(queue_length, queue)") == "queue_length"


def test_the_dashboards_cover_the_platform_metrics():
    used = set()
    for item in loaded():
        for _where, uid, query in queries(item.dashboard):
            if uid == "amp":
                used.update(METRIC.findall(query))
    assert {
        "http_server_request_duration_seconds_bucket", "http_server_request_duration_seconds_count", "queue_tickets_issued_total",
        "redis_connected_clients", "redis_memory_used_bytes", "redis_commands_processed_total", "redis_keyspace_hits_total",
        "redis_keyspace_misses_total", "kube_node_status_condition", "kube_pod_container_status_restarts_total",
        "container_cpu_usage_seconds_total", "container_memory_working_set_bytes",
    } <= used
    everything = repr([item.dashboard for item in loaded()])
    for metric in ("queue_length", "chat_active_connections", "redis_up", "http_response_status_code", "http_route"):
        assert metric in everything


def test_the_logs_dashboard_reads_loki():
    [logs] = [item for item in loaded() if item.uid == "platform-logs"]
    log_panels = [panel for panel in panels(logs.dashboard) if panel["type"] == "logs"]
    assert log_panels and all(panel["datasource"] == {"type": "loki", "uid": "loki"} for panel in log_panels)
    assert all(target["expr"].startswith("{") for panel in log_panels for target in panel["targets"])


# Seed 001's monitoring table: each dashboard and the panels it lists (by the metric each reads).
SEED_001_PANELS = {
    "playcode-application": {
        "HTTP request rate": "http_request_duration_seconds_count", "HTTP latency p50 / p95 / p99": "http_request_duration_seconds_bucket",
        "WebSocket connections": "playcode_websocket_connections", "Game sessions": "playcode_game_sessions_active",
        "Players online": "playcode_players_online", "Authentication attempts": "playcode_auth_attempts_total",
        "Heap used / total": "nodejs_heap_size_used_bytes", "Event loop lag p99": "nodejs_eventloop_lag_p99_seconds"},
    "playcode-infrastructure": {
        "Pod CPU": "container_cpu_usage_seconds_total", "Pod memory": "container_memory_working_set_bytes",
        "Container restarts": "kube_pod_container_status_restarts_total", "HPA replicas": "kube_horizontalpodautoscaler_status_current_replicas",
        "Network I/O": "container_network_receive_bytes_total", "Volume usage": "kubelet_volume_stats_used_bytes",
        "Node CPU": "node_cpu_seconds_total", "Node memory": "node_memory_MemAvailable_bytes"},
    "playcode-database": {
        "MongoDB connections": "mongodb_connections", "MongoDB operations": "mongodb_op_counters_total", "MongoDB memory": "mongodb_memory",
        "MongoDB storage": "mongodb_dbstats_storageSize", "Redis memory": "redis_memory_used_bytes", "Redis clients": "redis_connected_clients",
        "Redis commands": "redis_commands_processed_total", "Redis hit ratio": "redis_keyspace_hits_total",
        "Query latency p95": "playcode_db_query_duration_seconds_bucket"},
}


def in_cluster_loaded():
    """The source tree as the in-cluster Grafana gets it: the same files, inputs mapped to its provisioned data sources."""
    return dict((item.uid, item) for item in source.load(source.read_directory(DASHBOARDS), monitoring_spec.DATASOURCES))


def test_seed_001s_three_dashboards_have_the_panels_the_seed_lists():
    dashboards = in_cluster_loaded()
    assert [dashboards[uid].title for uid in sorted(SEED_001_PANELS)] == ["Application", "Database", "Infrastructure"]
    for uid, wanted in SEED_001_PANELS.items():
        by_title = dict((panel["title"], panel) for panel in panels(dashboards[uid].dashboard) if panel["type"] != "row")
        for title, metric in wanted.items():
            assert title in by_title, (uid, title, sorted(by_title))
            assert any(metric in target["expr"] for target in by_title[title]["targets"]), (uid, title, metric)
        # Mapped for the in-cluster Grafana: every query reads its provisioned Prometheus.
        assert {found for _where, found, _query in queries(dashboards[uid].dashboard)} == {"prometheus"}


def test_the_in_cluster_dashboards_are_known_to_preflight_and_not_sent_to_amg():
    assert {"playcode-application", "playcode-database", "playcode-infrastructure"} <= set(monitoring_spec.known_dashboards())
    amg_vars = yaml.safe_load(open(os.path.join(ROOT, "roles", "grafana", "vars", "main.yml"), encoding="utf-8"))
    assert amg_vars["grafana_in_cluster_folders"] == ["PlayCode"]
    assert sorted(folder for folder in os.listdir(DASHBOARDS) if folder in amg_vars["grafana_in_cluster_folders"]) == ["PlayCode"]
