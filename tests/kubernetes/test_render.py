"""The Kubernetes layer, rendered for GitOps: run playbooks/kubernetes.yml for real and check the tree
with the real tools (ansible-playbook, kubectl kustomize, kubernetes-validate --strict)."""

import copy
import json
import os
import re
import shutil
import subprocess

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
INVENTORY = os.path.join(HERE, "inventory")
PLATFORM = yaml.safe_load(open(os.path.join(INVENTORY, "group_vars", "all", "platform.yml"), encoding="utf-8"))["platform"]
OUTPUTS = yaml.safe_load(open(os.path.join(INVENTORY, "group_vars", "all", "outputs.yml"), encoding="utf-8"))
CHARTS = yaml.safe_load(open(os.path.join(ROOT, "roles", "cluster_addons", "defaults", "main.yml"), encoding="utf-8"))["cluster_addons_charts"]
# Kinds kubernetes-validate has no schema for; the tests check them field by field instead.
CRD_KINDS = {"HelmRelease", "HelmRepository", "Application", "ExternalSecret", "ClusterSecretStore", "ClusterIssuer",
             "NodePool", "EC2NodeClass", "GatewayClass", "Gateway", "HTTPRoute", "EnvoyProxy"}
DB_CIDRS = ["10.0.2.0/24", "10.0.3.0/24"]
PUBLIC_CIDRS = ["10.0.0.0/24", "10.0.1.0/24"]


def tool(name):
    path = shutil.which(name, path=os.path.join(ROOT, ".venv", "bin") + os.pathsep + os.environ.get("PATH", ""))
    assert path, "%s is not installed: the Kubernetes tests need it (kubectl from the OS, kubernetes-validate from requirements.txt)" % name
    return path


def render(render_dir, tmp_path, platform=None, extra_vars=None):
    """Run preflight and the Kubernetes layer; returns (returncode, output, recap counts)."""
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".ansible", "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0", PATH=os.path.join(ROOT, ".venv", "bin") + os.pathsep + os.environ.get("PATH", ""))
    command = [tool("ansible-playbook"), "-i", INVENTORY, os.path.join(HERE, "render.yml"), "-e", "kubernetes_render_dir=%s" % render_dir]
    extra = dict(extra_vars or {})
    if platform is not None:
        extra["platform"] = platform
    if extra:
        path = tmp_path / "extra-vars.json"
        path.write_text(json.dumps(extra), encoding="utf-8")
        command += ["-e", "@%s" % path]
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    recap = re.search(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", result.stdout)
    counts = dict(zip(("ok", "changed", "unreachable", "failed"), map(int, recap.groups()))) if recap else {}
    return result.returncode, result.stdout + result.stderr, counts


def snapshot(directory):
    files = {}
    for base, _dirs, names in os.walk(directory):
        for name in names:
            path = os.path.join(base, name)
            with open(path, "rb") as handle:
                files[os.path.relpath(path, directory)] = handle.read()
    return files


def documents(path):
    with open(path, encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc]


def build(directory):
    result = subprocess.run([tool("kubectl"), "kustomize", directory], capture_output=True, text=True, check=False)
    assert result.returncode == 0, "kubectl kustomize %s failed:\n%s" % (directory, result.stderr)
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc], result.stdout


def kustomize_dirs(tree):
    return sorted(base for base, _dirs, names in os.walk(tree) if "kustomization.yaml" in names)


def by_kind(objects, kind, name=None):
    found = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert found, "no %s %s among %s" % (kind, name or "", sorted({o["kind"] for o in objects}))
    return found if name is None else found[0]


@pytest.fixture(scope="module")
def flux_tree(tmp_path_factory):
    """The test inventory rendered twice into one directory (Flux, ALB, Karpenter, pod identity)."""
    tmp_path = tmp_path_factory.mktemp("flux")
    tree = str(tmp_path / "tree")
    code, output, first = render(tree, tmp_path)
    assert code == 0, output[-4000:]
    files_after_first = snapshot(tree)
    code, output, second = render(tree, tmp_path)
    assert code == 0, output[-4000:]
    return dict(tree=tree, first=first, second=second, files=files_after_first, files_again=snapshot(tree))


@pytest.fixture(scope="module")
def flux_built(flux_tree):
    return dict((os.path.relpath(d, flux_tree["tree"]), build(d)) for d in kustomize_dirs(flux_tree["tree"]))


def test_second_render_changes_nothing_and_files_are_byte_identical(flux_tree):
    assert flux_tree["first"]["changed"] > 0 and flux_tree["first"]["failed"] == 0
    assert flux_tree["second"]["changed"] == 0, flux_tree["second"]
    assert flux_tree["files_again"] == flux_tree["files"]


def test_tree_layout(flux_tree):
    files = set(flux_tree["files"])
    for app in ("queue-api", "queue-manager", "chat-server"):
        for kind in ("deployment", "service", "serviceaccount", "pdb", "kustomization"):
            assert "apps/base/%s/%s.yaml" % (app, kind) in files
        assert "apps/overlays/test/patches/%s.yaml" % app in files
    assert "apps/base/queue-api/hpa.yaml" in files and "apps/base/chat-server/hpa.yaml" not in files
    assert {"kustomization.yaml", "observability/config.alloy", "observability/releases/alloy.yaml", "observability/releases/loki.yaml",
            "observability/redis-exporter.yaml", "addons/karpenter-nodes.yaml", "addons/releases/metrics-server.yaml"} <= files
    text = b"".join(flux_tree["files"].values())
    assert b"creationTimestamp" not in text and b"kind: Secret\n" not in text


def test_every_kustomization_builds(flux_tree, flux_built):
    assert sorted(flux_built) == [".", "addons", "apps/base", "apps/base/chat-server", "apps/base/queue-api", "apps/base/queue-manager",
                                  "apps/overlays/test", "observability"]
    everything = flux_built["."][0]
    assert len(everything) == len(flux_built["addons"][0]) + len(flux_built["observability"][0]) + len(flux_built["apps/overlays/test"][0])


def validate_strict(path, version):
    result = subprocess.run([tool("kubernetes-validate"), "--strict", "-k", version, path], capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    unvalidated = set(re.findall(r"Couldn't find schema for kind (\w+)", output))
    assert unvalidated <= CRD_KINDS, output
    return output


def test_every_manifest_validates_strictly(flux_tree, flux_built, tmp_path):
    version = PLATFORM["eks"]["version"] + ".0"
    for name, (objects, text) in flux_built.items():
        built = tmp_path / ("built-%s.yaml" % name.replace("/", "_").replace(".", "root"))
        built.write_text(text, encoding="utf-8")
        output = validate_strict(str(built), version)
        core = [o for o in objects if o["kind"] not in CRD_KINDS]
        assert output.count("passed for resource") == len(core), output
    # The rendered files themselves, too (patches are partial objects by design and are checked built).
    for path in sorted(flux_tree["files"]):
        if path.endswith(".yaml") and not path.endswith("kustomization.yaml") and "/patches/" not in path:
            validate_strict(os.path.join(flux_tree["tree"], path), version)


def test_a_broken_manifest_is_caught_by_the_validator(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {ports: [{port: 80}], colour: blue}\n", encoding="utf-8")
    result = subprocess.run([tool("kubernetes-validate"), "--strict", "-k", "1.35.0", str(broken)], capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "colour" in result.stdout + result.stderr


def test_flux_releases_pin_chart_versions_and_carry_values(flux_built):
    objects = flux_built["."][0]
    releases = dict((o["metadata"]["name"], o) for o in by_kind(objects, "HelmRelease"))
    repositories = dict((o["metadata"]["name"], o) for o in by_kind(objects, "HelmRepository"))
    expected = {"metrics-server": "metrics_server", "kube-state-metrics": "kube_state_metrics", "aws-load-balancer-controller":
                "aws_load_balancer_controller", "external-secrets": "external_secrets", "karpenter": "karpenter", "loki": "loki", "alloy": "alloy"}
    assert sorted(releases) == sorted(expected)
    for name, key in expected.items():
        release, chart = releases[name], CHARTS[key]
        assert release["apiVersion"] == "helm.toolkit.fluxcd.io/v2"
        spec = release["spec"]["chart"]["spec"]
        assert (spec["chart"], spec["version"]) == (chart["chart"], chart["version"])
        assert spec["sourceRef"] == {"kind": "HelmRepository", "name": name, "namespace": "flux-system"}
        assert repositories[name]["apiVersion"] == "source.toolkit.fluxcd.io/v1"
        assert repositories[name]["spec"]["url"] == chart["repo_url"]
        assert repositories[name]["spec"].get("type") == ("oci" if chart["repo_url"].startswith("oci://") else None)
    loki = releases["loki"]["spec"]
    assert loki["targetNamespace"] == "observability"
    assert loki["values"]["loki"]["storage"]["bucketNames"]["chunks"] == "queue-infra-test-loki"
    assert loki["values"]["loki"]["storage"]["s3"] == {"region": "ap-northeast-2"}
    assert loki["values"]["loki"]["limits_config"]["retention_period"] == "336h"
    assert loki["values"]["loki"]["compactor"]["retention_enabled"] is True
    assert loki["values"]["serviceAccount"] == {"create": True, "name": "loki", "annotations": {}}
    alloy = releases["alloy"]["spec"]["values"]
    assert alloy["alloy"]["configMap"] == {"create": False, "name": "alloy-config", "key": "config.alloy"}
    assert [(p["name"], p["port"]) for p in alloy["alloy"]["extraPorts"]] == [("otlp-grpc", 4317), ("otlp-http", 4318)]
    assert alloy["serviceAccount"]["annotations"] == {}
    alb = releases["aws-load-balancer-controller"]["spec"]["values"]
    assert (alb["clusterName"], alb["vpcId"], alb["region"]) == ("queue-infra-test", "vpc-0123456789abcdef0", "ap-northeast-2")
    karpenter = releases["karpenter"]["spec"]["values"]["settings"]
    assert karpenter == {"clusterName": "queue-infra-test", "interruptionQueue": "queue-infra-test-interruptions"}


def test_alloy_configuration(flux_tree, flux_built):
    config = flux_tree["files"]["observability/config.alloy"].decode()
    assert config.count("{") == config.count("}")
    for needle in (
        'otelcol.receiver.otlp "apps"', 'endpoint = "0.0.0.0:4317"', 'endpoint = "0.0.0.0:4318"',
        "otelcol.processor.batch", "otelcol.exporter.prometheus", "otelcol.exporter.loki",
        'prometheus.remote_write "amp"', 'url = "%s"' % OUTPUTS["metrics_outputs"]["remote_write_url"],
        'sigv4 {\n      region = "ap-northeast-2"',
        'loki.write "default"', 'url = "http://loki-gateway.observability.svc.cluster.local/loki/api/v1/push"',
        '__address__ = "redis-exporter.observability.svc.cluster.local:9121"',
        '__address__ = "kube-state-metrics.kube-system.svc.cluster.local:8080"',
        'replacement   = "/api/v1/nodes/${1}/proxy/metrics"', 'replacement   = "/api/v1/nodes/${1}/proxy/metrics/cadvisor"',
        'loki.source.kubernetes "pods"', 'cluster = "queue-infra-test"',
    ):
        assert needle in config, needle
    # Every component the pipeline forwards to is declared.
    declared = set(re.findall(r'^([a-z_.]+) "([a-z_]+)" \{', config, re.M))
    for component, label in re.findall(r"\b((?:otelcol|prometheus|loki)\.[a-z_.]+?)\.([a-z_]+)\.(?:input|receiver)\b", config):
        assert (component, label) in declared, (component, label)
    configmap = by_kind(flux_built["observability"][0], "ConfigMap", "alloy-config")
    assert configmap["data"]["config.alloy"] == config and configmap["metadata"]["namespace"] == "observability"


def test_redis_exporter_reads_the_token_by_reference(flux_built):
    objects = flux_built["observability"][0]
    container = by_kind(objects, "Deployment", "redis-exporter")["spec"]["template"]["spec"]["containers"][0]
    env = dict((e["name"], e) for e in container["env"])
    assert env["REDIS_ADDR"]["value"] == "rediss://%s:6379" % OUTPUTS["cache_outputs"]["endpoint"]
    assert env["REDIS_PASSWORD"] == {"name": "REDIS_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "valkey-secret", "key": "password"}}}
    secret = by_kind(objects, "ExternalSecret", "valkey-secret")
    assert secret["spec"]["target"] == {"name": "valkey-secret", "creationPolicy": "Owner"}
    assert secret["apiVersion"] == "external-secrets.io/v1"
    assert secret["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "aws-secrets-manager"}
    assert secret["spec"]["data"] == [{"secretKey": "password", "remoteRef": {"key": OUTPUTS["cache_outputs"]["auth_secret_arn"]}}]
    store = by_kind(flux_built["addons"][0], "ClusterSecretStore", "aws-secrets-manager")
    assert store["spec"]["provider"]["aws"] == {"service": "SecretsManager", "region": "ap-northeast-2"}


def test_apps_overlay(flux_built):
    objects = flux_built["apps/overlays/test"][0]
    assert {o["metadata"].get("namespace") for o in objects if o["kind"] != "Namespace"} == {"queue-system"}
    api = by_kind(objects, "Deployment", "queue-api")
    assert "replicas" not in api["spec"]  # the HPA owns it
    container = api["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == OUTPUTS["registry_outputs"]["repository_uris"]["queue-api"] + ":1.4.2"
    assert container["resources"] == {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "1Gi"}}
    env = dict((e["name"], e) for e in container["env"])
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"]["value"] == "http://alloy.observability.svc.cluster.local:4318"
    assert env["SPRING_PROFILES_ACTIVE"]["value"] == "prod"
    # The cache's connection (uses: [cache]): the secret by reference first, then the settings the seed keeps in
    # the Secret valkey-secret (its secret_env), in place, then the env that spells the token in.
    names = [e["name"] for e in container["env"]]
    assert names[names.index("VALKEY_PASSWORD"):][:4] == ["VALKEY_PASSWORD", "SPRING_DATA_REDIS_HOST", "SPRING_DATA_REDIS_PASSWORD",
                                                          "ConnectionStrings__Valkey"]
    assert env["VALKEY_PASSWORD"]["valueFrom"] == {"secretKeyRef": {"name": "valkey-secret", "key": "password"}}
    assert env["SPRING_DATA_REDIS_PASSWORD"]["value"] == "$(VALKEY_PASSWORD)"
    for name in ("SPRING_DATA_REDIS_HOST", "ConnectionStrings__Valkey"):
        assert env[name] == {"name": name, "valueFrom": {"secretKeyRef": {"name": "valkey-secret", "key": name}}}
    secret = by_kind(objects, "ExternalSecret", "valkey-secret")
    assert secret["metadata"]["namespace"] == "queue-system"
    assert secret["spec"]["data"] == [{"secretKey": "password", "remoteRef": {"key": OUTPUTS["cache_outputs"]["auth_secret_arn"]}}]
    endpoint = OUTPUTS["cache_outputs"]["endpoint"]
    assert secret["spec"]["target"]["template"] == {"engineVersion": "v2", "data": {
        "password": "{{ .password }}", "SPRING_DATA_REDIS_HOST": endpoint,
        "ConnectionStrings__Valkey": endpoint + ":6379,ssl=true,password={{ .password }},abortConnect=false"}}
    configmap = by_kind(objects, "ConfigMap")[0]
    assert container["envFrom"] == [{"configMapRef": {"name": configmap["metadata"]["name"]}}]
    assert "SPRING_DATA_REDIS_HOST" not in configmap["data"] and configmap["data"]["VALKEY_HOST"] == endpoint
    assert (configmap["data"]["VALKEY_PORT"], configmap["data"]["VALKEY_TLS"], configmap["data"]["SPRING_DATA_REDIS_SSL_ENABLED"]) == ("6379", "true", "true")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/actuator/health", "port": "http"}
    hpa = by_kind(objects, "HorizontalPodAutoscaler", "queue-api")["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 10)
    assert [(m["resource"]["name"], m["resource"]["target"]["averageUtilization"]) for m in hpa["metrics"]] == [("cpu", 70), ("memory", 80)]
    assert by_kind(objects, "Deployment", "chat-server")["spec"]["replicas"] == 3
    assert {p["metadata"]["name"] for p in by_kind(objects, "PodDisruptionBudget")} == {"queue-api", "queue-manager", "chat-server"}
    chat = by_kind(objects, "Ingress", "chat-server")
    annotations = chat["metadata"]["annotations"]
    assert chat["spec"]["ingressClassName"] == "alb"
    assert annotations["alb.ingress.kubernetes.io/load-balancer-attributes"] == "idle_timeout.timeout_seconds=3600"
    assert "stickiness.enabled=true" in annotations["alb.ingress.kubernetes.io/target-group-attributes"]
    assert "alb.ingress.kubernetes.io/target-group-attributes" not in by_kind(objects, "Ingress", "queue-api")["metadata"]["annotations"]
    assert chat["spec"]["rules"][0]["host"] == "chat.example.com"


def test_network_policies_admit_only_what_each_app_needs(flux_built):
    policies = dict((p["metadata"]["name"], p["spec"]) for p in by_kind(flux_built["apps/overlays/test"][0], "NetworkPolicy"))
    assert sorted(policies) == ["allow-dns", "allow-ingress-chat-server", "allow-ingress-queue-api", "allow-otlp-to-alloy",
                                "allow-valkey", "default-deny-all"]
    assert policies["default-deny-all"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert policies["allow-dns"]["egress"][0]["to"][0]["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}
    otlp = policies["allow-otlp-to-alloy"]["egress"][0]
    assert [p["port"] for p in otlp["ports"]] == [4317, 4318]
    assert otlp["to"][0]["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "alloy"}}
    valkey = policies["allow-valkey"]
    assert valkey["podSelector"]["matchExpressions"] == [{"key": "app.kubernetes.io/name", "operator": "In",
                                                          "values": ["queue-api", "queue-manager", "chat-server"]}]
    assert [t["ipBlock"]["cidr"] for t in valkey["egress"][0]["to"]] == DB_CIDRS and valkey["egress"][0]["ports"] == [{"protocol": "TCP", "port": 6379}]
    ingress = policies["allow-ingress-chat-server"]
    assert ingress["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "chat-server"}}
    assert [f["ipBlock"]["cidr"] for f in ingress["ingress"][0]["from"]] == PUBLIC_CIDRS
    assert ingress["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 5000}]
    observability = dict((p["metadata"]["name"], p["spec"]) for p in by_kind(flux_built["observability"][0], "NetworkPolicy"))
    assert observability["alloy-ingress"]["ingress"][0]["from"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "queue-system"}}}]
    exporter = observability["redis-exporter"]
    assert exporter["ingress"][0]["from"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "alloy"}}}]
    assert [t["ipBlock"]["cidr"] for t in exporter["egress"][0]["to"]] == DB_CIDRS


def test_karpenter_nodes(flux_built):
    objects = flux_built["addons"][0]
    nodeclass = by_kind(objects, "EC2NodeClass", "default")
    assert nodeclass["apiVersion"] == "karpenter.k8s.aws/v1"
    assert nodeclass["spec"]["role"] == "queue-infra-test-node"
    assert nodeclass["spec"]["subnetSelectorTerms"] == [{"id": s} for s in OUTPUTS["network_outputs"]["app_subnet_ids"]]
    assert nodeclass["spec"]["tags"]["gameops:platform"] == "queue-infra-test"
    nodepool = by_kind(objects, "NodePool", "default")
    assert nodepool["apiVersion"] == "karpenter.sh/v1"
    assert nodepool["spec"]["template"]["spec"]["nodeClassRef"] == {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "default"}
    requirements = dict((r["key"], r["values"]) for r in nodepool["spec"]["template"]["spec"]["requirements"])
    assert requirements["karpenter.sh/capacity-type"] == ["spot", "on-demand"]


def test_a_dropped_app_is_pruned_from_the_tree(flux_tree, tmp_path):
    tree = str(tmp_path / "tree")
    shutil.copytree(flux_tree["tree"], tree)
    platform = copy.deepcopy(PLATFORM)
    platform["kubernetes"]["apps"] = [app for app in platform["kubernetes"]["apps"] if app["name"] != "chat-server"]
    code, output, counts = render(tree, tmp_path, platform)
    assert code == 0, output[-4000:]
    files = snapshot(tree)
    assert not [path for path in files if "chat-server" in path]
    assert "apps/base/queue-api/deployment.yaml" in files and counts["changed"] > 0
    objects, _text = build(os.path.join(tree, "apps", "overlays", "test"))
    assert "chat-server" not in {o["metadata"]["name"] for o in objects}


@pytest.fixture(scope="module")
def argocd_tree(tmp_path_factory):
    """Argo CD, ingress-nginx with cert-manager, IRSA, no Karpenter."""
    tmp_path = tmp_path_factory.mktemp("argocd")
    platform = copy.deepcopy(PLATFORM)
    platform["eks"]["workload_identity"] = "irsa"
    platform["kubernetes"].update(gitops="argocd", addons={"ingress": "nginx", "cert_manager": True, "acme_email": "ops@example.com"},
                                  overlay="production")
    platform["kubernetes"]["apps"][1]["uses"] = []  # queue-manager: no cache
    cache = dict(OUTPUTS["cache_outputs"], auth_secret_arn="", port=6380, transit_encryption=False)
    roles = dict(OUTPUTS["workload_roles_outputs"]["roles"], external_secrets="arn:aws:iam::123456789012:role/queue-infra-test-external-secrets")
    tree = str(tmp_path / "tree")
    code, output, _counts = render(tree, tmp_path, platform, {"workload_roles_outputs": {"mode": "irsa", "roles": roles}, "cache_outputs": cache})
    assert code == 0, output[-4000:]
    return tree


def test_overlay_named_by_the_spec_and_a_connection_only_for_its_users(argocd_tree):
    assert os.path.isdir(os.path.join(argocd_tree, "apps", "overlays", "production"))
    assert not os.path.exists(os.path.join(argocd_tree, "apps", "overlays", "test"))
    with open(os.path.join(argocd_tree, "kustomization.yaml"), encoding="utf-8") as root:
        assert "apps/overlays/production" in yaml.safe_load(root)["resources"]
    objects = build(os.path.join(argocd_tree, "apps", "overlays", "production"))[0]
    containers = dict((d["metadata"]["name"], d["spec"]["template"]["spec"]["containers"][0]) for d in by_kind(objects, "Deployment"))
    assert "envFrom" not in containers["queue-manager"] or containers["queue-manager"]["envFrom"] == []
    assert not [e for e in containers["queue-manager"]["env"] if "VALKEY" in e["name"] or "REDIS" in e["name"]]
    env = dict((e["name"], e) for e in containers["queue-api"]["env"])
    # Without AUTH: no secret, no ExternalSecret, a connection string without a password, the secret_env settings in place.
    assert "VALKEY_PASSWORD" not in env and "SPRING_DATA_REDIS_PASSWORD" not in env
    assert env["ConnectionStrings__Valkey"]["value"] == "$(VALKEY_HOST):$(VALKEY_PORT),ssl=$(VALKEY_TLS),abortConnect=false"
    assert "ExternalSecret" not in {o["kind"] for o in objects}
    configmap = by_kind(objects, "ConfigMap")[0]
    assert (configmap["data"]["VALKEY_PORT"], configmap["data"]["VALKEY_TLS"]) == ("6380", "false")
    assert configmap["data"]["SPRING_DATA_REDIS_HOST"] == OUTPUTS["cache_outputs"]["endpoint"]
    policy = by_kind(objects, "NetworkPolicy", "allow-valkey")["spec"]
    assert policy["podSelector"]["matchExpressions"][0]["values"] == ["queue-api", "chat-server"]
    assert policy["egress"][0]["ports"] == [{"protocol": "TCP", "port": 6380}]


def test_argocd_applications_nginx_cert_manager_and_irsa(argocd_tree, tmp_path):
    objects, text = build(argocd_tree)
    built = tmp_path / "all.yaml"
    built.write_text(text, encoding="utf-8")
    validate_strict(str(built), PLATFORM["eks"]["version"] + ".0")
    applications = dict((o["metadata"]["name"], o) for o in by_kind(objects, "Application"))
    assert sorted(applications) == ["alloy", "cert-manager", "external-secrets", "ingress-nginx", "kube-state-metrics", "loki", "metrics-server"]
    assert not [o for o in objects if o["kind"] in ("HelmRelease", "HelmRepository", "NodePool")]
    keys = {"alloy": "alloy", "cert-manager": "cert_manager", "ingress-nginx": "ingress_nginx", "loki": "loki"}
    for name, key in keys.items():
        app = applications[name]
        assert app["apiVersion"] == "argoproj.io/v1alpha1" and app["metadata"]["namespace"] == "argocd"
        source = app["spec"]["source"]
        assert (source["repoURL"], source["chart"], source["targetRevision"]) == (CHARTS[key]["repo_url"], CHARTS[key]["chart"], CHARTS[key]["version"])
        assert isinstance(source["helm"]["valuesObject"], dict)
    assert applications["cert-manager"]["spec"]["destination"] == {"server": "https://kubernetes.default.svc", "namespace": "cert-manager"}
    roles = OUTPUTS["workload_roles_outputs"]["roles"]
    values = applications["alloy"]["spec"]["source"]["helm"]["valuesObject"]
    assert values["serviceAccount"]["annotations"] == {"eks.amazonaws.com/role-arn": roles["alloy"]}
    values = applications["loki"]["spec"]["source"]["helm"]["valuesObject"]
    assert values["serviceAccount"]["annotations"] == {"eks.amazonaws.com/role-arn": roles["loki"]}
    issuer = by_kind(objects, "ClusterIssuer", "letsencrypt")
    assert issuer["apiVersion"] == "cert-manager.io/v1" and issuer["spec"]["acme"]["email"] == "ops@example.com"
    chat = by_kind(objects, "Ingress", "chat-server")
    assert chat["spec"]["ingressClassName"] == "nginx"
    assert chat["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt"
    assert chat["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "3600"
    assert chat["spec"]["tls"] == [{"hosts": ["chat.example.com"], "secretName": "chat-server-tls"}]
    policy = by_kind(objects, "NetworkPolicy", "allow-ingress-chat-server")["spec"]["ingress"][0]["from"][0]
    assert policy["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}


@pytest.fixture(scope="module")
def gateway_tree(tmp_path_factory):
    """Flux, the Gateway API (Envoy Gateway) with cert-manager: chat-server over HTTPS, queue-api over plain HTTP."""
    tmp_path = tmp_path_factory.mktemp("gateway")
    platform = copy.deepcopy(PLATFORM)
    platform["kubernetes"]["addons"] = {"ingress": "gateway", "cert_manager": True, "acme_email": "ops@example.com"}
    for app in platform["kubernetes"]["apps"]:
        if app["name"] == "queue-api":
            app["ingress"] = dict(app["ingress"], tls=False)
    tree = str(tmp_path / "tree")
    code, output, _counts = render(tree, tmp_path, platform)
    assert code == 0, output[-4000:]
    objects, text = build(tree)
    built = tmp_path / "all.yaml"
    built.write_text(text, encoding="utf-8")
    validate_strict(str(built), PLATFORM["eks"]["version"] + ".0")
    return objects


def test_gateway_controller_and_cert_manager_releases(gateway_tree):
    releases = dict((o["metadata"]["name"], o["spec"]) for o in by_kind(gateway_tree, "HelmRelease"))
    assert "envoy-gateway" in releases and "cert-manager" in releases
    assert "ingress-nginx" not in releases and "aws-load-balancer-controller" not in releases
    envoy = releases["envoy-gateway"]
    assert (envoy["chart"]["spec"]["chart"], envoy["chart"]["spec"]["version"]) == (CHARTS["envoy_gateway"]["chart"], CHARTS["envoy_gateway"]["version"])
    assert envoy["targetNamespace"] == "envoy-gateway-system"
    repository = by_kind(gateway_tree, "HelmRepository", "envoy-gateway")["spec"]
    assert repository == {"interval": "1h", "type": "oci", "url": "oci://docker.io/envoyproxy"}
    # cert-manager's gateway-shim needs the Gateway API CRDs Envoy Gateway brings when it starts.
    assert releases["cert-manager"]["dependsOn"] == [{"name": "envoy-gateway", "namespace": "flux-system"}]
    assert releases["cert-manager"]["values"]["config"]["enableGatewayAPI"] is True
    assert "dependsOn" not in envoy and "dependsOn" not in releases["external-secrets"]
    gateway_class = by_kind(gateway_tree, "GatewayClass", "envoy")["spec"]
    assert gateway_class["controllerName"] == "gateway.envoyproxy.io/gatewayclass-controller"
    proxy = by_kind(gateway_tree, "EnvoyProxy", gateway_class["parametersRef"]["name"])
    assert proxy["metadata"]["namespace"] == gateway_class["parametersRef"]["namespace"] == "envoy-gateway-system"
    service = proxy["spec"]["provider"]["kubernetes"]["envoyService"]["annotations"]
    assert service["service.beta.kubernetes.io/aws-load-balancer-type"] == "nlb"


def test_gateway_listeners_routes_and_issuer_agree(gateway_tree):
    assert not [o for o in gateway_tree if o["kind"] == "Ingress"]
    gateway = by_kind(gateway_tree, "Gateway")
    assert len(gateway) == 1
    gateway = gateway[0]
    assert gateway["spec"]["gatewayClassName"] == "envoy"
    assert gateway["metadata"]["annotations"] == {"cert-manager.io/cluster-issuer": "letsencrypt"}
    listeners = dict((listener["name"], listener) for listener in gateway["spec"]["listeners"])
    assert sorted(listeners) == ["http", "https-chat-server"]
    https = listeners["https-chat-server"]
    assert (https["protocol"], https["port"], https["hostname"]) == ("HTTPS", 443, "chat.example.com")
    assert https["tls"] == {"mode": "Terminate", "certificateRefs": [{"kind": "Secret", "name": "chat-server-tls"}]}
    # The ACME solver's HTTPRoute attaches to this very Gateway.
    solver = by_kind(gateway_tree, "ClusterIssuer", "letsencrypt")["spec"]["acme"]["solvers"][0]["http01"]
    assert solver == {"gatewayHTTPRoute": {"parentRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                                          "name": gateway["metadata"]["name"], "namespace": gateway["metadata"]["namespace"]}]}}
    routes = dict((o["metadata"]["name"], o) for o in by_kind(gateway_tree, "HTTPRoute"))
    assert sorted(routes) == ["chat-server", "chat-server-https-redirect", "queue-api"]
    for route in routes.values():
        assert route["metadata"]["namespace"] == gateway["metadata"]["namespace"]
        assert {ref["sectionName"] for ref in route["spec"]["parentRefs"]} <= set(listeners)
    chat = routes["chat-server"]["spec"]
    assert chat["parentRefs"] == [{"name": gateway["metadata"]["name"], "sectionName": "https-chat-server"}]
    assert chat["hostnames"] == ["chat.example.com"]
    assert chat["rules"] == [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                              "backendRefs": [{"name": "chat-server", "port": 5000}], "timeouts": {"request": "0s"}}]
    redirect = routes["chat-server-https-redirect"]["spec"]
    assert redirect["parentRefs"][0]["sectionName"] == "http"
    assert redirect["rules"] == [{"filters": [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}}]}]
    queue = routes["queue-api"]["spec"]
    assert queue["parentRefs"][0]["sectionName"] == "http" and "timeouts" not in queue["rules"][0]
    assert queue["rules"][0]["backendRefs"] == [{"name": "queue-api", "port": 8080}]


def test_gateway_network_policies_admit_only_its_envoy_fleet(gateway_tree):
    gateway = by_kind(gateway_tree, "Gateway")[0]["metadata"]
    envoy = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "envoy-gateway-system"}},
             "podSelector": {"matchLabels": {"app.kubernetes.io/name": "envoy",
                                             "gateway.envoyproxy.io/owning-gateway-name": gateway["name"],
                                             "gateway.envoyproxy.io/owning-gateway-namespace": gateway["namespace"]}}}
    chat = by_kind(gateway_tree, "NetworkPolicy", "allow-ingress-chat-server")["spec"]["ingress"]
    assert chat == [{"from": [envoy], "ports": [{"protocol": "TCP", "port": 5000}]}]
    solver = by_kind(gateway_tree, "NetworkPolicy", "allow-acme-http01-solver")["spec"]
    assert solver["podSelector"] == {"matchLabels": {"acme.cert-manager.io/http01-solver": "true"}}
    assert solver["ingress"] == [{"from": [envoy], "ports": [{"protocol": "TCP", "port": 8089}]}]


@pytest.mark.parametrize("change, expected", [
    ({"delivery": "push"}, "platform.kubernetes.delivery: 'push' is not one of: apply, render"),
    ({"apps": [{"name": "queue-api", "tag": "1.0.0"}]}, "platform.kubernetes.apps[0].image: required"),
    ({"apps": [{"name": "queue-api", "image": "nginx/nginx", "tag": "1", "uses": ["database"]}]},
     "platform.kubernetes.apps[0].uses[0]: 'database' is not a connection of a present layer; allowed: cache"),
])
def test_bad_spec_is_refused_in_preflight(tmp_path, change, expected):
    platform = copy.deepcopy(PLATFORM)
    platform["kubernetes"].update(change)
    code, output, _counts = render(str(tmp_path / "tree"), tmp_path, platform)
    assert code != 0 and expected in output, output[-3000:]
    assert not os.path.exists(tmp_path / "tree")


def test_controllers_that_call_aws_get_their_role_arns_under_irsa(tmp_path):
    """Flux, ALB, Karpenter and External Secrets under IRSA: each controller's service account names the role the
    workload_roles layer made for the identity the kubernetes layer contributes (its name is the roles output's key)."""
    with open(os.path.join(ROOT, "roles", "kubernetes", "contributions", "identities.yml"), encoding="utf-8") as handle:
        # The controllers' identities; the apps' (one templated entry, app_identities) are for the apps' service accounts.
        contributed = [identity for identity in yaml.safe_load(handle)["identities"] if isinstance(identity, dict)]
    roles = dict(OUTPUTS["workload_roles_outputs"]["roles"],
                 **dict((identity["name"], "arn:aws:iam::123456789012:role/gameops/queue-infra-test/queue-infra-test-" + identity["name"])
                        for identity in contributed))
    platform = copy.deepcopy(PLATFORM)
    platform["eks"]["workload_identity"] = "irsa"
    # external-dns too, on the platform's zone.
    platform["dns"] = {"zone": "example.com"}
    platform["kubernetes"]["addons"]["external_dns"] = True
    tree = str(tmp_path / "tree")
    code, output, _counts = render(tree, tmp_path, platform, {"workload_roles_outputs": {"mode": "irsa", "roles": roles},
                                                              "dns_outputs": {"zone": "example.com", "zone_id": "Z0123456789ABCDEFGHIJ"}})
    assert code == 0, output[-4000:]
    objects, _text = build(tree)
    releases = dict((o["metadata"]["name"], o["spec"]) for o in by_kind(objects, "HelmRelease"))
    for identity in contributed:
        release = releases[identity["service_account"]]
        assert release.get("targetNamespace", identity["namespace"]) == identity["namespace"]
        account = release["values"]["serviceAccount"]
        assert account["name"] == identity["service_account"]
        assert account["annotations"] == {"eks.amazonaws.com/role-arn": roles[identity["name"]]}, identity["name"]
    assert "external_dns" in [identity["name"] for identity in contributed]
    assert releases["external-dns"]["values"]["extraArgs"][0] == "--zone-id-filter=Z0123456789ABCDEFGHIJ"
