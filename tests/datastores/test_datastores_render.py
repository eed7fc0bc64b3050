"""The datastores layer rendered into the Kubernetes layer's tree: run preflight, the layer's manifests and the
kubernetes role for real, then check the tree with kubectl kustomize and kubernetes-validate --strict, and the
NetworkPolicies by evaluating them as Kubernetes would (network_policies.py)."""

import copy
import itertools
import json
import os
import re
import shutil
import subprocess

import pytest
import yaml

import network_policies
from network_policies import Pod

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
INVENTORY = os.path.join(ROOT, "tests", "kubernetes", "inventory")
BASE = yaml.safe_load(open(os.path.join(INVENTORY, "group_vars", "all", "platform.yml"), encoding="utf-8"))["platform"]
CRD_KINDS = {"HelmRelease", "HelmRepository", "Application", "ExternalSecret", "ClusterSecretStore", "ClusterIssuer",
             "NodePool", "EC2NodeClass", "GatewayClass", "Gateway", "HTTPRoute", "EnvoyProxy"}


def seed_platform():
    """The test inventory's platform with seed 001's stores: queue-api uses them, Prometheus scrapes from monitoring."""
    platform = copy.deepcopy(BASE)
    platform["buckets"] = {"backups": {}}
    # The observability stack is another layer's subject (and being reworked); the stores do not need it here.
    platform["kubernetes"]["observability"] = {"enabled": False}
    platform["kubernetes"]["apps"][0]["uses"] = ["cache", "datastores"]
    platform["datastores"] = {"scraper": {"namespace": "monitoring", "pod_labels": {"app.kubernetes.io/name": "prometheus"}}}
    return platform


def tool(name):
    path = shutil.which(name, path=os.path.join(ROOT, ".venv", "bin") + os.pathsep + os.environ.get("PATH", ""))
    assert path, "%s is not installed" % name
    return path


def render(tree, tmp_path, platform):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".ansible", "collections"), ANSIBLE_NOCOLOR="1",
               PATH=os.path.join(ROOT, ".venv", "bin") + os.pathsep + os.environ.get("PATH", ""))
    extra = tmp_path / "extra-vars.json"
    extra.write_text(json.dumps({"platform": platform}), encoding="utf-8")
    command = [tool("ansible-playbook"), "-i", INVENTORY, os.path.join(HERE, "render.yml"),
               "-e", "kubernetes_render_dir=%s" % tree, "-e", "@%s" % extra]
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    recap = re.search(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", result.stdout)
    return result.returncode, result.stdout + result.stderr, (int(recap.group(2)) if recap else None)


def build(directory):
    result = subprocess.run([tool("kubectl"), "kustomize", directory], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc], result.stdout


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("datastores")
    tree = str(tmp_path / "tree")
    code, output, changed = render(tree, tmp_path, seed_platform())
    assert code == 0, output[-5000:]
    code, output, changed_again = render(tree, tmp_path, seed_platform())
    assert code == 0, output[-5000:]
    objects, text = build(os.path.join(tree, "datastores"))
    return dict(tree=tree, objects=objects, text=text, changed=changed, changed_again=changed_again, tmp=tmp_path)


def one(objects, kind, name):
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, "%s %s: %d found" % (kind, name, len(found))
    return found[0]


def test_the_root_kustomization_lists_the_contributed_directory_and_a_second_render_changes_nothing(rendered):
    root = yaml.safe_load(open(os.path.join(rendered["tree"], "kustomization.yaml"), encoding="utf-8"))
    assert root["resources"][-1] == "datastores"
    assert rendered["changed"] > 0 and rendered["changed_again"] == 0
    everything, _text = build(rendered["tree"])
    assert [o for o in everything if o["metadata"].get("namespace") == "queue-system" and o["kind"] == "StatefulSet"]


def test_every_object_validates_strictly_for_the_clusters_version(rendered):
    built = rendered["tmp"] / "datastores.yaml"
    built.write_text(rendered["text"], encoding="utf-8")
    version = BASE["eks"]["version"] + ".0"
    result = subprocess.run([tool("kubernetes-validate"), "--strict", "-k", version, str(built)], capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert set(re.findall(r"Couldn't find schema for kind (\w+)", output)) <= CRD_KINDS, output
    assert output.count("passed for resource") == len([o for o in rendered["objects"] if o["kind"] not in CRD_KINDS]), output


def test_stores_volumes_and_storage_class(rendered):
    objects = rendered["objects"]
    storage = one(objects, "StorageClass", "gp3-encrypted")
    assert storage["provisioner"] == "ebs.csi.aws.com"
    assert storage["parameters"]["type"] == "gp3" and storage["parameters"]["encrypted"] == "true"
    assert storage["parameters"]["tagSpecification_1"] == "gameops:platform=queue-infra-test"
    for name, image, size, port in (("mongodb", "docker.io/library/mongo:7.0", "10Gi", 27017), ("redis", "docker.io/library/redis:7.2", "2Gi", 6379)):
        stateful = one(objects, "StatefulSet", name)
        assert stateful["metadata"]["namespace"] == "queue-system"
        container = stateful["spec"]["template"]["spec"]["containers"][0]
        assert container["image"] == image
        claim = stateful["spec"]["volumeClaimTemplates"][0]["spec"]
        assert claim["storageClassName"] == "gp3-encrypted" and claim["resources"]["requests"]["storage"] == size
        service = one(objects, "Service", name)
        assert service["spec"]["clusterIP"] == "None" and stateful["spec"]["serviceName"] == name
        assert service["spec"]["ports"][0]["port"] == port
    redis = one(objects, "StatefulSet", "redis")["spec"]["template"]["spec"]["containers"][0]
    assert redis["args"][:2] == ["--appendonly", "yes"] and "$(REDIS_PASSWORD)" in redis["args"]


def test_credentials_come_from_secrets_manager_and_no_secret_is_rendered(rendered):
    objects = rendered["objects"]
    assert not [o for o in objects if o["kind"] == "Secret"]
    for name in ("mongodb", "redis"):
        external = one(objects, "ExternalSecret", "%s-credentials" % name)
        assert external["spec"]["secretStoreRef"]["kind"] == "ClusterSecretStore"
        assert external["spec"]["data"] == [{"secretKey": "password", "remoteRef": {"key": "queue-infra-test/datastores/%s" % name}}]
    assert "password:" not in rendered["text"].replace("secretKey: password", "").replace("key: password", "")


def test_exporters_listen_on_their_ports_with_scrape_annotations(rendered):
    for name, port in (("mongodb-exporter", 9216), ("redis-exporter", 9121)):
        deployment = one(rendered["objects"], "Deployment", name)
        template = deployment["spec"]["template"]
        assert template["metadata"]["annotations"]["prometheus.io/port"] == str(port)
        assert template["spec"]["containers"][0]["ports"][0]["containerPort"] == port
        assert one(rendered["objects"], "Service", name)["metadata"]["annotations"]["prometheus.io/scrape"] == "true"


def test_the_backup_runs_daily_at_three_in_seoul_and_uploads_to_the_backups_bucket(rendered):
    cron = one(rendered["objects"], "CronJob", "mongodb-backup")
    assert cron["spec"]["schedule"] == "0 3 * * *" and cron["spec"]["timeZone"] == "Asia/Seoul"
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "mongodb-backup"
    assert pod["initContainers"][0]["command"] == ["mongodump"]
    upload = pod["containers"][0]
    assert {"name": "BUCKET", "value": "queue-infra-test-backups"} in upload["env"]
    assert "aws s3 cp /backup/mongodb.archive.gz" in upload["args"][0]


# --- the NetworkPolicies, evaluated -------------------------------------------------------------------
APPS_NS = "queue-system"
PODS = {
    "app": Pod("queue-api", APPS_NS, {"app.kubernetes.io/name": "queue-api"}, "10.0.16.10"),
    "other-app": Pod("chat-server", APPS_NS, {"app.kubernetes.io/name": "chat-server"}, "10.0.16.11"),
    "mongodb": Pod("mongodb-0", APPS_NS, {"app.kubernetes.io/name": "mongodb"}, "10.0.16.20"),
    "redis": Pod("redis-0", APPS_NS, {"app.kubernetes.io/name": "redis"}, "10.0.16.21"),
    "mongodb-exporter": Pod("mongodb-exporter", APPS_NS, {"app.kubernetes.io/name": "mongodb-exporter"}, "10.0.16.22"),
    "redis-exporter": Pod("redis-exporter", APPS_NS, {"app.kubernetes.io/name": "redis-exporter"}, "10.0.16.23"),
    "backup": Pod("mongodb-backup", APPS_NS, {"app.kubernetes.io/name": "mongodb-backup"}, "10.0.16.24"),
    "prometheus": Pod("prometheus-0", "monitoring", {"app.kubernetes.io/name": "prometheus"}, "10.0.17.5"),
    "grafana": Pod("grafana", "monitoring", {"app.kubernetes.io/name": "grafana"}, "10.0.17.6"),
    "ingress": Pod("ingress", "ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"}, "10.0.18.5"),
}
DNS = Pod("coredns", "kube-system", {"k8s-app": "kube-dns"}, "10.0.19.2")
STORE_SIDE = {"mongodb", "redis", "mongodb-exporter", "redis-exporter", "backup"}
PORTS = (27017, 6379, 9216, 9121, 3000, 443, 53)
# The seed's flows that touch the stores, exporters or backup (the app's own ingress and egress to the internet are
# the apps layer's), plus the backup's mongodump.
SEED_FLOWS = {("app", "mongodb", 27017), ("app", "redis", 6379), ("mongodb-exporter", "mongodb", 27017),
              ("redis-exporter", "redis", 6379), ("prometheus", "mongodb-exporter", 9216), ("prometheus", "redis-exporter", 9121),
              ("backup", "mongodb", 27017)}


@pytest.fixture(scope="module")
def policies(rendered):
    found = [o for o in rendered["objects"] if o["kind"] == "NetworkPolicy"]
    assert found and all(o["metadata"]["namespace"] == APPS_NS for o in found)
    return found


def test_the_seeds_flows_are_allowed(policies):
    for source, destination, port in sorted(SEED_FLOWS):
        assert network_policies.allowed(policies, PODS[source], PODS[destination], port), (source, destination, port)


def test_every_other_flow_to_or_from_the_stores_is_denied(policies):
    checked = 0
    for (source, src), (destination, dst) in itertools.permutations(PODS.items(), 2):
        if not ({source, destination} & STORE_SIDE):
            continue
        for port in PORTS:
            expected = (source, destination, port) in SEED_FLOWS
            assert network_policies.allowed(policies, src, dst, port) == expected, (source, destination, port)
            checked += 1
    assert checked > 400


def test_dns_is_allowed_and_nothing_else_leaves_the_stores(policies):
    outside = Pod("internet", "none", {}, "203.0.113.9")
    for name in sorted(STORE_SIDE | {"app"}):
        assert network_policies.allowed(policies, PODS[name], DNS, 53, "UDP"), name
        assert not network_policies.allowed(policies, PODS[name], DNS, 80), name
    for name in ("mongodb", "redis", "mongodb-exporter", "redis-exporter"):
        assert not network_policies.allowed(policies, PODS[name], outside, 443), name
    # The backup reaches S3 (outside the VPC) over HTTPS only, and the node's pod identity agent.
    assert network_policies.allowed(policies, PODS["backup"], outside, 443)
    assert not network_policies.allowed(policies, PODS["backup"], outside, 80)
    assert network_policies.allowed(policies, PODS["backup"], Pod("agent", "host", {}, "169.254.170.23"), 80)


def test_the_evaluator_models_union_and_isolation():
    select_a = {"matchLabels": {"app": "a"}}
    a, b = Pod("a", "ns", {"app": "a"}, "10.1.0.1"), Pod("b", "ns", {"app": "b"}, "10.1.0.2")
    ingress_only = {"metadata": {"name": "x", "namespace": "ns"}, "spec": {"podSelector": select_a, "policyTypes": ["Ingress"]}}
    assert network_policies.allowed([], a, b, 80)
    assert not network_policies.allowed([ingress_only], b, a, 80) and network_policies.allowed([ingress_only], a, b, 80)
    admit_b = {"metadata": {"name": "y", "namespace": "ns"},
               "spec": {"podSelector": select_a, "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "b"}}}], "ports": [{"port": 80}]}]}}
    assert network_policies.allowed([ingress_only, admit_b], b, a, 80)
    assert not network_policies.allowed([ingress_only, admit_b], b, a, 81)
    elsewhere = Pod("b", "other", {"app": "b"}, "10.1.0.3")
    assert not network_policies.allowed([ingress_only, admit_b], elsewhere, a, 80)


def test_the_flows_hold_with_every_policy_of_the_tree(rendered):
    """NetworkPolicies add up: with the apps' own policies in the same namespace, the seed's flows are still allowed
    and the stores and exporters still admit no one else."""
    everything, _text = build(rendered["tree"])
    policies = [o for o in everything if o["kind"] == "NetworkPolicy"]
    assert {"default-deny-all", "datastores-default-deny"} <= {o["metadata"]["name"] for o in policies}
    for source, destination, port in sorted(SEED_FLOWS):
        assert network_policies.allowed(policies, PODS[source], PODS[destination], port), (source, destination, port)
    for (source, src), (destination, dst) in itertools.permutations(PODS.items(), 2):
        for port in PORTS:
            if destination in STORE_SIDE and (source, destination, port) not in SEED_FLOWS:
                assert not network_policies.allowed(policies, src, dst, port), (source, destination, port)


def test_each_end_alone_admits_only_the_seeds_flows(policies):
    """Both ends are written: the stores' ingress alone, and the store side's egress alone, admit nothing else."""
    for (source, src), (destination, dst) in itertools.permutations(PODS.items(), 2):
        for port in PORTS:
            expected = (source, destination, port) in SEED_FLOWS
            if destination in STORE_SIDE:
                assert network_policies.ingress_allowed(policies, src, dst, port) == expected, ("ingress", source, destination, port)
            if source in STORE_SIDE or source == "app":
                assert network_policies.egress_allowed(policies, src, dst, port) == expected, ("egress", source, destination, port)


def test_the_external_secrets_name_the_trees_cluster_secret_store(rendered):
    everything, _text = build(rendered["tree"])
    stores = {o["metadata"]["name"] for o in everything if o["kind"] == "ClusterSecretStore"}
    for name in ("mongodb", "redis"):
        assert one(rendered["objects"], "ExternalSecret", "%s-credentials" % name)["spec"]["secretStoreRef"]["name"] in stores
