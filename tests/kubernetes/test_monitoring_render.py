"""Seed 001's in-cluster monitoring (kubernetes.observability.in_cluster), rendered for Flux: run the Kubernetes layer
for real against the emulator (the Grafana admin credential goes to its Secrets Manager) and check the tree with the
real tools (kubectl kustomize, kubernetes-validate --strict, promtool check config)."""

import copy
import json
import os
import re
import subprocess

import boto3
import pytest
import yaml

from ansible_collections.gameops.platform.plugins.module_utils import grafana_dashboards
from ansible_collections.gameops.platform.plugins.module_utils import monitoring_spec
from test_render import CHARTS, ROOT, build, by_kind, kustomize_dirs, snapshot, tool, validate_strict

HERE = os.path.dirname(os.path.abspath(__file__))
INVENTORY = os.path.join(HERE, "monitoring_inventory")
PLATFORM = yaml.safe_load(open(os.path.join(INVENTORY, "group_vars", "all", "platform.yml"), encoding="utf-8"))["platform"]
PLATFORM_ID = "%s-%s" % (PLATFORM["name"], PLATFORM["environment"])
SECRET = PLATFORM_ID + "/monitoring/grafana-admin"
DASHBOARDS = os.path.join(ROOT, "roles", "grafana", "files", "dashboards")
SEED_DASHBOARDS = ["playcode-application", "playcode-infrastructure", "playcode-database"]


def render(emulator, render_dir, tmp_path, platform=None, extra_vars=None):
    """Preflight and the Kubernetes layer of the monitoring inventory; returns (returncode, output, recap counts)."""
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".ansible", "collections"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PATH=os.path.join(ROOT, ".venv", "bin") + os.pathsep + os.environ.get("PATH", ""),
               **emulator.env())
    extra = dict(extra_vars or {}, platform_aws_environment=emulator.env())
    if platform is not None:
        extra["platform"] = platform
    path = tmp_path / "extra-vars.json"
    path.write_text(json.dumps(extra), encoding="utf-8")
    command = [tool("ansible-playbook"), "-i", INVENTORY, os.path.join(HERE, "render.yml"), "-e", "kubernetes_render_dir=%s" % render_dir,
               "-e", "@%s" % path]
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    recap = re.search(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", result.stdout)
    counts = dict(zip(("ok", "changed", "unreachable", "failed"), map(int, recap.groups()))) if recap else {}
    return result.returncode, result.stdout + result.stderr, counts


def secrets_manager(emulator):
    return boto3.client("secretsmanager", region_name=PLATFORM["region"], endpoint_url=emulator.url,
                        aws_access_key_id="emulator", aws_secret_access_key="emulator")


@pytest.fixture(scope="module")
def monitoring_tree(emulator, tmp_path_factory):
    """The monitoring inventory rendered twice into one directory."""
    tmp_path = tmp_path_factory.mktemp("monitoring")
    tree = str(tmp_path / "tree")
    code, output, first = render(emulator, tree, tmp_path)
    assert code == 0, output[-4000:]
    files = snapshot(tree)
    code, again_output, second = render(emulator, tree, tmp_path)
    assert code == 0, again_output[-4000:]
    return dict(tree=tree, first=first, second=second, files=files, files_again=snapshot(tree), output=output + again_output)


@pytest.fixture(scope="module")
def monitoring_built(monitoring_tree):
    return dict((os.path.relpath(d, monitoring_tree["tree"]), build(d)) for d in kustomize_dirs(monitoring_tree["tree"]))


def releases_of(built):
    return dict((o["metadata"]["name"], o) for o in by_kind(built["."][0], "HelmRelease"))


def test_a_second_render_changes_nothing(monitoring_tree):
    assert monitoring_tree["first"]["changed"] > 0 and monitoring_tree["first"]["failed"] == 0
    assert monitoring_tree["second"]["changed"] == 0, monitoring_tree["second"]
    assert monitoring_tree["files_again"] == monitoring_tree["files"]


def test_every_object_builds_and_validates_strictly(monitoring_tree, monitoring_built, tmp_path):
    assert sorted(monitoring_built) == [".", "addons", "observability"]
    version = PLATFORM["eks"]["version"] + ".0"
    for name, (objects, text) in monitoring_built.items():
        built = tmp_path / ("built-%s.yaml" % name.replace("/", "_").replace(".", "root"))
        built.write_text(text, encoding="utf-8")
        output = validate_strict(str(built), version)
        assert output.count("passed for resource") == len([o for o in objects if o["kind"] not in ("HelmRelease", "HelmRepository",
                                                                                                   "ExternalSecret", "ClusterSecretStore")])
    for path in sorted(monitoring_tree["files"]):
        if path.endswith(".yaml") and not path.endswith("kustomization.yaml"):
            validate_strict(os.path.join(monitoring_tree["tree"], path), version)


def test_prometheus_and_grafana_are_pinned_releases_in_namespace_monitoring(monitoring_built):
    releases = releases_of(monitoring_built)
    assert {"loki", "alloy", "prometheus", "grafana"} <= set(releases)
    for name, key in (("prometheus", "kube_prometheus_stack"), ("grafana", "grafana")):
        spec = releases[name]["spec"]
        assert spec["targetNamespace"] == "monitoring"
        assert (spec["chart"]["spec"]["chart"], spec["chart"]["spec"]["version"]) == (CHARTS[key]["chart"], CHARTS[key]["version"])
    repositories = dict((o["metadata"]["name"], o["spec"]["url"]) for o in by_kind(monitoring_built["."][0], "HelmRepository"))
    assert repositories["grafana"] == "https://grafana-community.github.io/helm-charts"
    prometheus = releases["prometheus"]["spec"]["values"]["prometheus"]["prometheusSpec"]
    assert (prometheus["scrapeInterval"], prometheus["scrapeTimeout"], prometheus["retention"], prometheus["retentionSize"]) == ("15s", "10s", "15d", "18GB")
    assert prometheus["enableRemoteWriteReceiver"] is True
    assert prometheus["storageSpec"]["volumeClaimTemplate"]["spec"] == {
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}}, "storageClassName": "gp3-encrypted"}
    values = releases["prometheus"]["spec"]["values"]
    assert values["grafana"] == {"enabled": False} and values["kubeStateMetrics"] == {"enabled": False}


def scrape_config_file(monitoring_built, tmp_path, mutate=None):
    """The scrape jobs as a prometheus.yml for promtool. Debian's promtool is built without Kubernetes discovery, so a
    job's kubernetes_sd_configs (checked field by field in the next test) stand as a static target for it."""
    prometheus = releases_of(monitoring_built)["prometheus"]["spec"]["values"]["prometheus"]["prometheusSpec"]
    jobs = copy.deepcopy(prometheus["additionalScrapeConfigs"])
    for job in jobs:
        if job.pop("kubernetes_sd_configs", None):
            job["static_configs"] = [{"targets": ["10.0.12.34:9216"]}]
    config = {"global": {"scrape_interval": prometheus["scrapeInterval"], "scrape_timeout": prometheus["scrapeTimeout"]},
              "scrape_configs": jobs}
    if mutate:
        mutate(config)
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return str(path)


def test_the_scrape_config_is_valid_for_promtool(monitoring_built, promtool, tmp_path):
    checked = subprocess.run([promtool, "check", "config", scrape_config_file(monitoring_built, tmp_path)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    def break_it(config):
        config["scrape_configs"][0]["relabel_configs"][0]["action"] = "keepish"
    broken = subprocess.run([promtool, "check", "config", scrape_config_file(monitoring_built, tmp_path, break_it)],
                            capture_output=True, text=True, check=False)
    assert broken.returncode != 0


def test_pods_are_scraped_by_their_prometheus_io_annotations(monitoring_built):
    """The contract with the datastores layer's exporters (:9216, :9121) and the app (:3000): pod annotations."""
    jobs = releases_of(monitoring_built)["prometheus"]["spec"]["values"]["prometheus"]["prometheusSpec"]["additionalScrapeConfigs"]
    pods = jobs[0]
    assert pods["kubernetes_sd_configs"] == [{"role": "pod", "namespaces": {"names": ["monitoring", "playcode"]}}]
    rules = pods["relabel_configs"]
    assert rules[0] == {"source_labels": ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"], "regex": "true", "action": "keep"}
    address = [rule for rule in rules if rule.get("target_label") == "__address__"]
    assert address == [{"source_labels": ["__meta_kubernetes_pod_ip", "__meta_kubernetes_pod_annotation_prometheus_io_port"],
                        "regex": "(.+);([0-9]+)", "replacement": "$1:$2", "target_label": "__address__", "action": "replace"}]
    # What the relabelling makes of an exporter's pod, as Prometheus applies it (regexes anchored).
    joined = "10.0.12.34;9216"
    assert re.sub(r"^(?:%s)$" % address[0]["regex"], address[0]["replacement"].replace("$", "\\"), joined) == "10.0.12.34:9216"
    assert jobs[1] == {"job_name": "kube-state-metrics", "honor_labels": True,
                       "static_configs": [{"targets": ["kube-state-metrics.kube-system.svc.cluster.local:8080"]}]}


def test_grafana_reads_the_provisioned_data_sources_and_the_admin_from_external_secrets(monitoring_built):
    values = releases_of(monitoring_built)["grafana"]["spec"]["values"]
    assert values["admin"] == {"existingSecret": "grafana-admin", "userKey": "admin-user", "passwordKey": "admin-password"}
    sources = dict((source["uid"], source) for source in values["datasources"]["datasources.yaml"]["datasources"])
    assert set(sources) == set(monitoring_spec.DATASOURCES.values())
    assert sources["prometheus"]["url"] == "http://prometheus-prometheus.monitoring.svc.cluster.local:9090"
    assert sources["loki"]["url"] == "http://loki-gateway.monitoring.svc.cluster.local"
    assert values["sidecar"]["dashboards"]["label"] == "grafana_dashboard" and values["sidecar"]["dashboards"]["labelValue"] == "1"
    external = by_kind(monitoring_built["observability"][0], "ExternalSecret", "grafana-admin")
    assert [(item["secretKey"], item["remoteRef"]) for item in external["spec"]["data"]] == [
        ("admin-user", {"key": SECRET, "property": "user"}), ("admin-password", {"key": SECRET, "property": "password"})]
    assert external["spec"]["target"] == {"name": "grafana-admin", "creationPolicy": "Owner"}


def test_the_dashboards_are_the_shared_trees_files_in_config_maps_for_the_sidecar(monitoring_built):
    maps = dict((o["metadata"]["name"], o) for o in by_kind(monitoring_built["observability"][0], "ConfigMap")
                if o["metadata"]["name"].startswith("dashboard-"))
    assert sorted(maps) == sorted("dashboard-" + uid for uid in SEED_DASHBOARDS)
    expected = dict((item.uid, item) for item in grafana_dashboards.load(grafana_dashboards.read_directory(DASHBOARDS), monitoring_spec.DATASOURCES))
    for uid in SEED_DASHBOARDS:
        config_map = maps["dashboard-" + uid]
        assert config_map["metadata"]["namespace"] == "monitoring"
        assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert config_map["metadata"]["annotations"] == {"grafana_folder": "PlayCode"}
        [(key, text)] = config_map["data"].items()
        assert key == uid + ".json" and "${DS_" not in text
        assert json.loads(text) == expected[uid].dashboard


def test_alloy_ships_logs_to_loki_and_metrics_to_the_in_cluster_prometheus(monitoring_tree):
    config = monitoring_tree["files"]["observability/config.alloy"].decode()
    assert config.count("{") == config.count("}")
    assert 'url = "http://prometheus-prometheus.monitoring.svc.cluster.local:9090/api/v1/write"' in config
    assert 'url = "http://loki-gateway.monitoring.svc.cluster.local/loki/api/v1/push"' in config
    assert 'loki.source.kubernetes "pods"' in config and '"playcode"' in config
    for absent in ("sigv4", "aps-workspaces", '"amp"', "prometheus.scrape"):
        assert absent not in config


def test_the_admin_credential_is_in_secrets_manager_tagged_and_never_printed(emulator, monitoring_tree):
    client = secrets_manager(emulator)
    described = client.describe_secret(SecretId=SECRET)
    tags = dict((tag["Key"], tag["Value"]) for tag in described["Tags"])
    assert tags["gameops:platform"] == PLATFORM_ID and tags["Project"] == "playcode"
    credential = json.loads(client.get_secret_value(SecretId=SECRET)["SecretString"])
    assert credential["user"] == "admin" and len(credential["password"]) == 40
    everything = b"".join(monitoring_tree["files"].values()).decode()
    assert credential["password"] not in everything and credential["password"] not in monitoring_tree["output"]


def test_without_in_cluster_the_monitoring_releases_leave_the_tree(emulator, monitoring_tree, tmp_path):
    platform = copy.deepcopy(PLATFORM)
    del platform["kubernetes"]["observability"]["in_cluster"]
    amp = {"metrics_outputs": {"remote_write_url": "https://aps-workspaces.ap-northeast-2.amazonaws.com/workspaces/ws-1/api/v1/remote_write"}}
    tree = str(tmp_path / "tree")
    code, output, _counts = render(emulator, tree, tmp_path)
    assert code == 0, output[-4000:]
    code, output, _counts = render(emulator, tree, tmp_path, platform=platform, extra_vars=amp)
    assert code == 0, output[-4000:]
    files = set(snapshot(tree))
    assert "observability/releases/loki.yaml" in files
    for gone in ("observability/releases/prometheus.yaml", "observability/releases/grafana.yaml", "observability/grafana-admin.yaml",
                 "observability/grafana-dashboards.yaml"):
        assert gone not in files


@pytest.mark.parametrize("change, message", [
    ({"prometheus": {"scrape_interval": "15"}}, "in_cluster.prometheus.scrape_interval: '15' is not a Prometheus duration"),
    ({"grafana": {"dashboards": ["playcode-nope"]}}, "in_cluster.grafana.dashboards[0]: 'playcode-nope' is not a dashboard of the source tree"),
])
def test_preflight_refuses_bad_fields_before_anything_renders(emulator, tmp_path, change, message):
    platform = copy.deepcopy(PLATFORM)
    platform["kubernetes"]["observability"]["in_cluster"].update(change)
    mark = emulator.mark()
    code, output, _counts = render(emulator, str(tmp_path / "tree"), tmp_path, platform=platform)
    assert code != 0 and "platform.kubernetes.observability." + message in output
    assert not os.path.exists(str(tmp_path / "tree")) and emulator.since(mark) == []


def test_with_a_cache_prometheus_scrapes_redis_exporter_and_may_reach_it(emulator, tmp_path):
    platform = copy.deepcopy(PLATFORM)
    platform["cache"] = {"engine": "valkey", "auth": True}
    platform["kubernetes"]["observability"]["redis_exporter"] = True
    cache = {"cache_outputs": {"endpoint": "master.playcode-test-cache.abc123.apn2.cache.amazonaws.com", "port": 6379, "transit_encryption": True,
                               "auth_secret_arn": "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:playcode-test/cache/auth-token-AbCdEf"}}
    tree = str(tmp_path / "tree")
    code, output, _counts = render(emulator, tree, tmp_path, platform=platform, extra_vars=cache)
    assert code == 0, output[-4000:]
    objects, _text = build(os.path.join(tree, "observability"))
    template = by_kind(objects, "Deployment", "redis-exporter")["spec"]["template"]["metadata"]
    assert template["annotations"] == {"prometheus.io/scrape": "true", "prometheus.io/port": "9121", "prometheus.io/path": "/metrics"}
    policy = by_kind(objects, "NetworkPolicy", "redis-exporter")["spec"]["ingress"]
    assert policy == [{"from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "alloy"}}},
                                {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}}],
                       "ports": [{"protocol": "TCP", "port": 9121}]}]
    assert "prometheus.scrape" not in open(os.path.join(tree, "observability", "config.alloy"), encoding="utf-8").read()
