"""The apps_manifests filter: the apps' base and overlay from the apps spec and the connections they use."""

import copy

import pytest

from ansible_collections.gameops.platform.plugins.filter.apps_manifests import FilterModule

apps_manifests = FilterModule().filters()["apps_manifests"]

ENDPOINT = "master.p-cache.abc.apn2.cache.amazonaws.com"
ARN = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:p/cache/auth-AbCdEf"
SETTINGS = dict(platform_id="p-test", environment="test", namespace="games", overlay="overlays/test",
                repository_uris={"api": "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/p/api"},
                otlp_endpoint="http://alloy.obs.svc.cluster.local:4318", observability_namespace="obs",
                otlp_ports=[4317, "4318"], secret_store="store", ingress="alb", ingress_source_cidrs=["10.0.0.0/24", "10.0.1.0/24"],
                ingress_namespace="edge", certificate_arn="", cluster_issuer="", gateway_name="p-test", gateway_class="")


def app(name, **fields):
    """An app as preflight hands it (every field present)."""
    base = dict(name=name, repository="", image="registry.example.com/%s" % name, tag="1.0.0", port=8080, replicas=2,
                health_path="/health", hpa=None, resources={"requests": {"cpu": "100m", "memory": None}, "limits": {"cpu": None, "memory": "512Mi"}},
                ingress=None, websocket=False, uses=[], env={})
    base.update(fields)
    return base


def connection(**fields):
    """A connection as a layer contributes it, the token by reference."""
    base = {"name": "kv", "endpoint": ENDPOINT, "port": 6379, "tls": True, "cidrs": ["10.0.2.0/24", "10.0.3.0/24"],
            "secret": {"name": "kv-secret", "arn": ARN, "key": "password", "env": "KV_PASSWORD"},
            "config": {"KV_HOST": ENDPOINT, "KV_PORT": "6379", "KV_TLS": "true", "CLIENT_HOST": ENDPOINT},
            "env": {"CLIENT_PASSWORD": "$(KV_PASSWORD)", "CLIENT_URL": "$(KV_HOST):$(KV_PORT),ssl=$(KV_TLS),password=$(KV_PASSWORD)"}}
    base.update(fields)
    return base


def render(apps, connections=None, **changes):
    files = apps_manifests(apps, {"kv": connection()} if connections is None else connections, **dict(SETTINGS, **changes))
    paths = [item["path"] for item in files]
    assert len(paths) == len(set(paths)), paths
    return dict((item["path"], item["objects"]) for item in files)


def refused(apps, connections=None, **changes):
    with pytest.raises(Exception) as caught:
        render(apps, connections, **changes)
    # Ansible's own error (AnsibleFilterError, named AnsibleTemplatePluginError in ansible-core 2.19), not a crash.
    assert "AnsibleError" in [cls.__name__ for cls in type(caught.value).__mro__], repr(caught.value)
    return str(caught.value)


def one(tree, path):
    objects = tree[path]
    assert len(objects) == 1, objects
    return objects[0]


def container(tree, name):
    return one(tree, "base/%s/deployment.yaml" % name)["spec"]["template"]["spec"]["containers"][0]


def by_name(objects, kind=None):
    return dict((o["metadata"]["name"], o) for o in objects if kind is None or o["kind"] == kind)


def overlay_kustomization(tree):
    return one(tree, "overlays/test/kustomization.yaml")


def test_every_kind_of_an_app_with_hpa_ingress_and_a_connection():
    tree = render([app("api", repository="api", image="", uses=["kv"], ingress={"host": "api.example.com", "path": "/", "tls": True},
                       hpa={"min": 2, "max": 6, "cpu_percent": 70, "memory_percent": None}, env={"MODE": "prod"})])
    assert sorted(p for p in tree if p.startswith("base/api/")) == ["base/api/%s.yaml" % k for k in
                                                                    ("deployment", "hpa", "kustomization", "pdb", "service", "serviceaccount")]
    kinds = dict((p.rsplit("/", 1)[1], one(tree, p)["kind"]) for p in tree if p.startswith("base/api/"))
    assert kinds == {"deployment.yaml": "Deployment", "hpa.yaml": "HorizontalPodAutoscaler", "kustomization.yaml": "Kustomization",
                     "pdb.yaml": "PodDisruptionBudget", "service.yaml": "Service", "serviceaccount.yaml": "ServiceAccount"}
    assert one(tree, "base/api/kustomization.yaml")["resources"] == ["serviceaccount.yaml", "deployment.yaml", "service.yaml",
                                                                     "pdb.yaml", "hpa.yaml"]
    deployment = one(tree, "base/api/deployment.yaml")
    assert "replicas" not in deployment["spec"]  # the HPA owns it
    assert deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 30
    assert one(tree, "base/api/service.yaml")["spec"]["ports"] == [{"name": "http", "port": 8080, "targetPort": "http", "protocol": "TCP"}]
    assert one(tree, "base/api/pdb.yaml")["spec"] == {"maxUnavailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": "api"}}}
    assert sorted(by_name(tree["base/network-policies.yaml"])) == ["allow-dns", "allow-otlp-to-alloy", "default-deny-all"]
    otlp = by_name(tree["base/network-policies.yaml"])["allow-otlp-to-alloy"]["spec"]["egress"][0]
    assert otlp["ports"] == [{"protocol": "TCP", "port": 4317}, {"protocol": "TCP", "port": 4318}]
    assert one(tree, "base/kustomization.yaml")["resources"] == ["api", "network-policies.yaml"]
    # The overlay.
    assert one(tree, "overlays/test/namespace.yaml") == {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "games"}}
    assert sorted(by_name(tree["overlays/test/network-policies.yaml"])) == ["allow-ingress-api", "allow-kv"]
    ingress = one(tree, "overlays/test/ingress.yaml")
    assert ingress["kind"] == "Ingress" and ingress["spec"]["ingressClassName"] == "alb"
    assert ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/group.name"] == "p-test"
    assert ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/listen-ports"] == '[{"HTTP": 80}]'
    assert one(tree, "overlays/test/kv-secret.yaml")["kind"] == "ExternalSecret"
    patch, hpa = tree["overlays/test/patches/api.yaml"]
    patched = patch["spec"]["template"]["spec"]["containers"][0]
    assert patched["env"] == [{"name": "OTEL_RESOURCE_ATTRIBUTES", "value": "deployment.environment.name=test,service.namespace=games"},
                              {"name": "MODE", "value": "prod"}]
    assert patched["resources"] == {"requests": {"cpu": "100m"}, "limits": {"memory": "512Mi"}}
    assert hpa["spec"] == {"minReplicas": 2, "maxReplicas": 6, "metrics": [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]}
    kustomization = overlay_kustomization(tree)
    assert kustomization["resources"] == ["namespace.yaml", "../../base", "network-policies.yaml", "ingress.yaml", "kv-secret.yaml"]
    assert kustomization["images"] == [{"name": "api", "newName": SETTINGS["repository_uris"]["api"], "newTag": "1.0.0"}]
    assert kustomization["patches"] == [{"path": "patches/api.yaml"}] and "replicas" not in kustomization
    assert kustomization["labels"] == [{"pairs": {"app.kubernetes.io/managed-by": "gameops.platform", "app.kubernetes.io/part-of": "p-test",
                                                  "app.kubernetes.io/instance": "test"}, "includeSelectors": False}]


def test_a_plain_app_without_uses_ingress_hpa_or_websocket():
    tree = render([app("worker")])
    spec = one(tree, "base/worker/deployment.yaml")["spec"]
    assert spec["replicas"] == 1 and spec["template"]["spec"]["terminationGracePeriodSeconds"] == 30
    worker = container(tree, "worker")
    assert worker["envFrom"] == []
    assert [e["name"] for e in worker["env"]] == ["OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL",
                                                  "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER", "OTEL_TRACES_EXPORTER"]
    assert "base/worker/hpa.yaml" not in tree and len(tree["overlays/test/patches/worker.yaml"]) == 1
    # Nobody uses the connection: no ConfigMap, no egress, no ExternalSecret, no ingress file.
    kustomization = overlay_kustomization(tree)
    assert "configMapGenerator" not in kustomization and "overlays/test/kv-secret.yaml" not in tree
    assert "overlays/test/ingress.yaml" not in tree and tree["overlays/test/network-policies.yaml"] == []
    assert kustomization["replicas"] == [{"name": "worker", "count": 2}]
    assert kustomization["images"] == [{"name": "worker", "newName": "registry.example.com/worker", "newTag": "1.0.0"}]


def test_a_websocket_app_drains_longer_and_sets_the_shared_load_balancer():
    tree = render([app("chat", ingress={"host": "chat.example.com", "path": "/"}, websocket=True),
                   app("api", ingress={"host": "api.example.com", "path": "/"})], certificate_arn="arn:aws:acm:x")
    assert one(tree, "base/chat/deployment.yaml")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 60
    ingresses = by_name(tree["overlays/test/ingress.yaml"])
    chat, api = ingresses["chat"]["metadata"]["annotations"], ingresses["api"]["metadata"]["annotations"]
    assert "stickiness.enabled=true" in chat["alb.ingress.kubernetes.io/target-group-attributes"]
    assert "alb.ingress.kubernetes.io/target-group-attributes" not in api
    # One load balancer for the group: its idle timeout serves the WebSocket app.
    assert chat["alb.ingress.kubernetes.io/load-balancer-attributes"] == api["alb.ingress.kubernetes.io/load-balancer-attributes"] \
        == "idle_timeout.timeout_seconds=3600"
    assert api["alb.ingress.kubernetes.io/certificate-arn"] == "arn:aws:acm:x" and api["alb.ingress.kubernetes.io/ssl-redirect"] == "443"
    policy = by_name(tree["overlays/test/network-policies.yaml"])["allow-ingress-chat"]["spec"]["ingress"][0]
    assert policy["from"] == [{"ipBlock": {"cidr": "10.0.0.0/24"}}, {"ipBlock": {"cidr": "10.0.1.0/24"}}]
    without = render([app("api", ingress={"host": "api.example.com", "path": "/"})])
    annotations = one(without, "overlays/test/ingress.yaml")["metadata"]["annotations"]
    assert annotations["alb.ingress.kubernetes.io/load-balancer-attributes"] == "idle_timeout.timeout_seconds=60"


def test_env_configmap_and_egress_from_a_contribution_without_secret_env():
    tree = render([app("api", uses=["kv"]), app("worker"), app("job", uses=["kv"])])
    env = container(tree, "api")["env"]
    names = [e["name"] for e in env]
    # The token by reference, then the connection's env in its order (which spells the token in by $(VAR)).
    assert names[6:] == ["KV_PASSWORD", "CLIENT_PASSWORD", "CLIENT_URL"]
    assert env[6] == {"name": "KV_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "kv-secret", "key": "password"}}}
    assert env[8] == {"name": "CLIENT_URL", "value": "$(KV_HOST):$(KV_PORT),ssl=$(KV_TLS),password=$(KV_PASSWORD)"}
    assert container(tree, "api")["envFrom"] == [{"configMapRef": {"name": "kv"}}]
    assert [e["name"] for e in container(tree, "worker")["env"]][6:] == []
    assert overlay_kustomization(tree)["configMapGenerator"] == [{"name": "kv", "literals": [
        "KV_HOST=" + ENDPOINT, "KV_PORT=6379", "KV_TLS=true", "CLIENT_HOST=" + ENDPOINT]}]
    policy = by_name(tree["overlays/test/network-policies.yaml"])["allow-kv"]["spec"]
    assert policy["podSelector"]["matchExpressions"] == [{"key": "app.kubernetes.io/name", "operator": "In", "values": ["api", "job"]}]
    assert policy["egress"] == [{"to": [{"ipBlock": {"cidr": "10.0.2.0/24"}}, {"ipBlock": {"cidr": "10.0.3.0/24"}}],
                                 "ports": [{"protocol": "TCP", "port": 6379}]}]
    secret = one(tree, "overlays/test/kv-secret.yaml")
    assert secret["spec"]["target"] == {"name": "kv-secret", "creationPolicy": "Owner"}
    assert secret["spec"]["data"] == [{"secretKey": "password", "remoteRef": {"key": ARN}}]
    assert secret["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "store"}


def test_secret_env_moves_settings_into_the_secret_and_the_apps_read_them_by_reference():
    connections = {"kv": connection(secret_env=["CLIENT_HOST", "CLIENT_URL"])}
    tree = render([app("api", uses=["kv"])], connections)
    env = container(tree, "api")["env"][6:]

    def ref(key):
        return {"secretKeyRef": {"name": "kv-secret", "key": key}}
    assert env == [{"name": "KV_PASSWORD", "valueFrom": ref("password")}, {"name": "CLIENT_HOST", "valueFrom": ref("CLIENT_HOST")},
                   {"name": "CLIENT_PASSWORD", "value": "$(KV_PASSWORD)"}, {"name": "CLIENT_URL", "valueFrom": ref("CLIENT_URL")}]
    literals = overlay_kustomization(tree)["configMapGenerator"][0]["literals"]
    assert literals == ["KV_HOST=" + ENDPOINT, "KV_PORT=6379", "KV_TLS=true"]
    target = one(tree, "overlays/test/kv-secret.yaml")["spec"]["target"]
    # The template replaces the Secret's data: the key is spelled in too; $(VAR) resolved, the token as the template's.
    assert target == {"name": "kv-secret", "creationPolicy": "Owner", "template": {"engineVersion": "v2", "data": {
        "password": "{{ .password }}", "CLIENT_HOST": ENDPOINT,
        "CLIENT_URL": ENDPOINT + ":6379,ssl=true,password={{ .password }}"}}}


def test_secret_env_spells_references_through_env_escapes_and_odd_keys():
    secret = {"name": "kv-secret", "arn": ARN, "key": "auth-token", "env": "KV_PASSWORD"}
    env = {"CLIENT_PASSWORD": "$(KV_PASSWORD)", "CLIENT_URL": "u=$(CLIENT_PASSWORD)@$(KV_HOST) $$(KV_HOST) {{x}}"}
    tree = render([app("api", uses=["kv"])], {"kv": connection(secret=secret, env=env, secret_env=["CLIENT_URL"])})
    data = one(tree, "overlays/test/kv-secret.yaml")["spec"]["target"]["template"]["data"]
    assert data["auth-token"] == '{{ index . "auth-token" }}'
    # $$ is Kubernetes' escape of a literal $(...); braces the Go template would read are quoted.
    assert data["CLIENT_URL"] == 'u={{ index . "auth-token" }}@%s ${{ "(KV_HOST) {{x}}" }}' % ENDPOINT


def test_without_a_secret_or_a_store_the_secret_env_stays_or_no_external_secret_is_written():
    no_auth = {"kv": connection(secret=None, env={"CLIENT_URL": "$(KV_HOST)"}, secret_env=["CLIENT_HOST", "CLIENT_URL"])}
    tree = render([app("api", uses=["kv"])], no_auth)
    assert container(tree, "api")["env"][6:] == [{"name": "CLIENT_URL", "value": "$(KV_HOST)"}]
    assert "CLIENT_HOST=" + ENDPOINT in overlay_kustomization(tree)["configMapGenerator"][0]["literals"]
    assert not [p for p in tree if p.endswith("kv-secret.yaml")]
    # Without a store the Secret is made by other means; the apps still read it by reference.
    tree = render([app("api", uses=["kv"])], {"kv": connection(secret_env=["CLIENT_URL"])}, secret_store="")
    assert "overlays/test/kv-secret.yaml" not in tree and "kv-secret.yaml" not in overlay_kustomization(tree)["resources"]
    assert container(tree, "api")["env"][-1] == {"name": "CLIENT_URL", "valueFrom": {"secretKeyRef": {"name": "kv-secret", "key": "CLIENT_URL"}}}


def test_gateway_routes_listeners_and_the_acme_solver_policy():
    apps = [app("chat", ingress={"host": "chat.example.com", "path": "/", "tls": True}, websocket=True),
            app("api", ingress={"host": "api.example.com", "path": "/v1", "tls": False})]
    tree = render(apps, ingress="gateway", gateway_class="envoy", cluster_issuer="letsencrypt")
    objects = tree["overlays/test/ingress.yaml"]
    gateway = objects[0]
    assert gateway["kind"] == "Gateway" and gateway["metadata"] == {"name": "p-test", "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt"}}
    assert [listener["name"] for listener in gateway["spec"]["listeners"]] == ["http", "https-chat"]
    routes = by_name(objects, "HTTPRoute")
    assert sorted(routes) == ["api", "chat", "chat-https-redirect"]
    assert routes["chat"]["spec"]["parentRefs"] == [{"name": "p-test", "sectionName": "https-chat"}]
    assert routes["chat"]["spec"]["rules"][0]["timeouts"] == {"request": "0s"}
    assert routes["api"]["spec"]["rules"] == [{"matches": [{"path": {"type": "PathPrefix", "value": "/v1"}}],
                                               "backendRefs": [{"name": "api", "port": 8080}]}]
    policies = by_name(tree["overlays/test/network-policies.yaml"])
    envoy = policies["allow-ingress-chat"]["spec"]["ingress"][0]["from"][0]
    assert envoy["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": "edge"}}
    assert envoy["podSelector"]["matchLabels"]["gateway.envoyproxy.io/owning-gateway-namespace"] == "games"
    assert policies["allow-acme-http01-solver"]["spec"]["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 8089}]
    # Without TLS anywhere: no annotation, no HTTPS listener, no solver policy.
    plain = render(apps, ingress="gateway", gateway_class="envoy")
    assert plain["overlays/test/ingress.yaml"][0]["metadata"]["annotations"] == {}
    assert "allow-acme-http01-solver" not in by_name(plain["overlays/test/network-policies.yaml"])


def test_nginx_ingress_with_cert_manager():
    apps = [app("chat", ingress={"host": "chat.example.com", "path": "/", "tls": True}, websocket=True)]
    tree = render(apps, ingress="nginx", cluster_issuer="letsencrypt")
    ingress = one(tree, "overlays/test/ingress.yaml")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"] == [{"hosts": ["chat.example.com"], "secretName": "chat-tls"}]
    assert ingress["metadata"]["annotations"] == {"cert-manager.io/cluster-issuer": "letsencrypt",
                                                  "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
                                                  "nginx.ingress.kubernetes.io/proxy-send-timeout": "3600"}
    source = by_name(tree["overlays/test/network-policies.yaml"])["allow-ingress-chat"]["spec"]["ingress"][0]["from"][0]
    assert source["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": "edge"}}
    assert "tls" not in one(render(apps, ingress="nginx"), "overlays/test/ingress.yaml")["spec"]


def test_the_input_is_not_changed():
    apps, connections = [app("api", uses=["kv"], env={"A": "1"})], {"kv": connection(secret_env=["CLIENT_URL"])}
    before = copy.deepcopy((apps, connections))
    render(apps, connections)
    assert (apps, connections) == before


def test_bad_apps_are_refused_with_every_field_path():
    message = refused([app("Bad_Name", tag="", port=70000, uses=["db", "kv"]),
                       app("api", repository="web", image=""),
                       app("api", hpa={"min": 5, "max": 2}, ingress={"host": "", "path": "/"}),
                       "not an app"])
    for expected in ("apps[0].name: 'Bad_Name' must be a DNS label", "apps[0].tag: required", "apps[0].port: 70000 must be an integer from 1 to 65535",
                     "apps[0].uses[0]: 'db' is not a connection given (have: kv)",
                     "apps[1].repository: 'web' has no ECR URI in repository_uris (have: api)",
                     "apps[2].hpa: min 5 is above max 2", "apps[2].ingress.host: required", "apps[2].name: 'api' is given twice",
                     "apps[3]: must be a mapping"):
        assert expected in message, message


def test_bad_connections_are_refused_with_their_field_paths():
    broken = {"kv": connection(endpoint="", cidrs=[], port="six", secret={"name": "s", "arn": ARN, "key": "bad key!", "env": "E"},
                               secret_env=["NOT_SET"])}
    message = refused([app("api", uses=["kv"])], broken)
    for expected in ("connections.kv.endpoint: required", "connections.kv.cidrs: empty", "connections.kv.port: 'six' must be an integer",
                     "connections.kv.secret.key: 'bad key!' is not a valid Secret key",
                     "connections.kv.secret_env[0]: 'NOT_SET' is not a name of its config or env"):
        assert expected in message, message
    unresolved = {"kv": connection(env={"CLIENT_URL": "$(ELSEWHERE)"}, secret_env=["CLIENT_URL"])}
    assert "connections.kv.secret_env (CLIENT_URL): $(ELSEWHERE) is neither a setting" in refused([app("api", uses=["kv"])], unresolved)
    # A connection nobody uses is not checked.
    assert render([app("api")], {"kv": {"name": "broken"}})


def test_bad_settings_are_refused():
    assert "ingress: 'haproxy' is not one of: alb, gateway, nginx, none" in refused([app("api")], ingress="haproxy")
    assert "ingress_source_cidrs: required with the alb ingress" in refused([app("api")], ingress_source_cidrs=[])
    assert "gateway_class: required" in refused([app("api")], ingress="gateway")
    with_ingress = [app("api", ingress={"host": "a.example.com", "path": "/"})]
    assert "apps[0].ingress: needs an ingress path; ingress is none" in refused(with_ingress, ingress="none")
    assert "apps_manifests: unknown options colour" in refused([app("api")], colour="blue")
    assert "otlp_ports[0]: 'x' must be an integer" in refused([app("api")], otlp_ports=["x"])
    assert "connections: must be a mapping" in refused([app("api")], connections=["kv"])


def test_apps_with_their_own_identity_reach_the_pod_identity_agent_and_aws_apis_only():
    tree = render([app("uploader", identity={"buckets": ["uploads"], "mail": True}), app("worker")])
    [policy] = [p for p in tree["overlays/test/network-policies.yaml"] if p["metadata"]["name"] == "allow-aws-apis"]
    assert policy["spec"]["podSelector"] == {"matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "In", "values": ["uploader"]}]}
    assert policy["spec"]["policyTypes"] == ["Egress"]
    assert policy["spec"]["egress"] == [
        {"to": [{"ipBlock": {"cidr": "169.254.170.23/32"}}], "ports": [{"protocol": "TCP", "port": 80}]},
        {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}]}]
    assert not [p for p in render([app("worker")])["overlays/test/network-policies.yaml"] if p["metadata"]["name"] == "allow-aws-apis"]


def test_an_app_with_a_metrics_path_is_annotated_and_admits_only_the_scraper_on_its_port():
    scraper = {"namespace": "monitoring", "labels": {"app.kubernetes.io/name": "prometheus"}}
    tree = render([app("web", port=3000, metrics_path="/metrics"), app("worker")], scraper=scraper)
    template = one(tree, "base/web/deployment.yaml")["spec"]["template"]["metadata"]
    assert template["annotations"] == {"prometheus.io/scrape": "true", "prometheus.io/port": "3000", "prometheus.io/path": "/metrics"}
    assert "annotations" not in one(tree, "base/worker/deployment.yaml")["spec"]["template"]["metadata"]
    policies = by_name(tree["overlays/test/network-policies.yaml"])
    assert sorted(name for name in policies if name.startswith("allow-scrape-")) == ["allow-scrape-web"]
    assert policies["allow-scrape-web"]["spec"] == {
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "web"}}, "policyTypes": ["Ingress"],
        "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
                               "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}}],
                     "ports": [{"protocol": "TCP", "port": 3000}]}]}


def test_a_metrics_path_without_a_scraper_is_refused():
    assert "apps[0].metrics_path: needs the scraper option" in refused([app("web", metrics_path="/metrics")])
