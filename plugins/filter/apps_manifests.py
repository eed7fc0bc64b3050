# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The apps' Kustomize base and overlay, built from the apps spec and the connections the layers contribute."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible.errors import AnsibleFilterError

INGRESSES = ("alb", "gateway", "nginx", "none")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
# Kubernetes' dependent environment variables: $(NAME) expands, $$(NAME) stays literal.
REFERENCE = re.compile(r"\$\$|\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)")
GO_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
KUSTOMIZATION = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization"}
NETWORK_POLICY = "networking.k8s.io/v1"
GATEWAY_API = "gateway.networking.k8s.io/v1"
# OTLP to Alloy over HTTP; traces are off (the platform keeps metrics and logs).
OTEL_ENV = (("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"), ("OTEL_METRICS_EXPORTER", "otlp"),
            ("OTEL_LOGS_EXPORTER", "otlp"), ("OTEL_TRACES_EXPORTER", "none"))
SETTINGS = {"platform_id": "", "environment": None, "namespace": None, "overlay": None, "repository_uris": {},
            "otlp_endpoint": None, "observability_namespace": None, "otlp_ports": None, "secret_store": "",
            "ingress": None, "ingress_source_cidrs": [], "ingress_namespace": "", "certificate_arn": "",
            "cluster_issuer": "", "gateway_name": "", "gateway_class": "", "scraper": None}


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _int(value, field, errors, low=None, high=None):
    """An int, or an int in a string (Ansible may hand either); None (and an error) otherwise."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if not _is_int(value) or (low is not None and value < low) or (high is not None and value > high):
        bounds = " from %s to %s" % (low, high) if high is not None else " of at least %s" % low if low is not None else ""
        errors.append("%s: %r must be an integer%s" % (field, value, bounds))
        return None
    return value


def _text(value, field, errors, pattern=None, hint=""):
    if not isinstance(value, str) or not value:
        errors.append("%s: required, a non-empty string" % field)
        return ""
    if pattern is not None and not pattern.match(value):
        errors.append("%s: %r %s" % (field, value, hint))
    return value


def _mapping(value, field, errors, empty_ok=True):
    if value is None and empty_ok:
        return {}
    if not isinstance(value, dict):
        errors.append("%s: must be a mapping, got %r" % (field, value))
        return {}
    return value


def _strings(value, field, errors):
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        errors.append("%s: must be a list of non-empty strings, got %r" % (field, value))
        return []
    return value


def _scalar(value, field, errors):
    """A ConfigMap literal or env value as Kubernetes takes it: a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    errors.append("%s: %r must be a string, number or boolean" % (field, value))
    return ""


def _pairs(value, field, errors):
    """A name -> value mapping of environment variables, in its order, each name checked."""
    pairs = []
    for name, item in _mapping(value, field, errors).items():
        if not isinstance(name, str) or not ENV_NAME.match(name):
            errors.append("%s.%s: not a valid environment variable name" % (field, name))
            continue
        pairs.append((name, _scalar(item, "%s.%s" % (field, name), errors)))
    return pairs


# --- the inputs, checked and normalized -------------------------------------------------------------

def _settings(given, errors):
    unknown = sorted(set(given) - set(SETTINGS))
    if unknown:
        errors.append("apps_manifests: unknown options %s; allowed: %s" % (", ".join(unknown), ", ".join(sorted(SETTINGS))))
    settings = dict((key, given.get(key, default)) for key, default in SETTINGS.items())
    for key in ("environment", "namespace", "overlay", "otlp_endpoint", "observability_namespace"):
        _text(settings[key], key, errors)
    if settings["ingress"] not in INGRESSES:
        errors.append("ingress: %r is not one of: %s" % (settings["ingress"], ", ".join(INGRESSES)))
    ports = settings["otlp_ports"]
    if not isinstance(ports, list) or not ports:
        errors.append("otlp_ports: required, a non-empty list of ports")
        ports = []
    settings["otlp_ports"] = [_int(port, "otlp_ports[%d]" % index, errors, 1, 65535) for index, port in enumerate(ports)]
    settings["ingress_source_cidrs"] = _strings(settings["ingress_source_cidrs"], "ingress_source_cidrs", errors)
    settings["repository_uris"] = _mapping(settings["repository_uris"], "repository_uris", errors)
    if settings["ingress"] == "alb" and not settings["ingress_source_cidrs"]:
        errors.append("ingress_source_cidrs: required with the alb ingress (the CIDRs the load balancer reaches pods from)")
    if settings["ingress"] == "gateway":
        _text(settings["gateway_class"], "gateway_class", errors)
        _text(settings["gateway_name"], "gateway_name", errors)
    if settings["ingress"] == "nginx" or settings["ingress"] == "gateway":
        _text(settings["ingress_namespace"], "ingress_namespace", errors)
    for key in ("platform_id", "secret_store", "certificate_arn", "cluster_issuer"):
        if not isinstance(settings[key], str):
            errors.append("%s: %r must be a string (empty for none)" % (key, settings[key]))
            settings[key] = ""
    if settings["scraper"]:
        scraper = _mapping(settings["scraper"], "scraper", errors)
        _text(scraper.get("namespace"), "scraper.namespace", errors)
        settings["scraper"] = dict(scraper, labels=_mapping(scraper.get("labels"), "scraper.labels", errors))
    return settings


def _secret(value, field, errors):
    """Secrets Manager ARN -> the Kubernetes Secret name, its key, and the env variable the key is read into."""
    if not value:
        return None
    secret = _mapping(value, field, errors)
    for key in ("name", "arn"):
        _text(secret.get(key), "%s.%s" % (field, key), errors)
    _text(secret.get("key"), field + ".key", errors, SECRET_KEY, "is not a valid Secret key")
    _text(secret.get("env"), field + ".env", errors, ENV_NAME, "is not a valid environment variable name")
    return secret


def _connection(name, value, field, errors):
    given = _mapping(value, field, errors, empty_ok=False)
    connection = {
        "name": _text(given.get("name"), field + ".name", errors, DNS_LABEL, "must be a DNS label (its ConfigMap and policy are named after it)"),
        "endpoint": _text(given.get("endpoint"), field + ".endpoint", errors),
        "port": _int(given.get("port"), field + ".port", errors, 1, 65535),
        "cidrs": _strings(given.get("cidrs"), field + ".cidrs", errors),
        "config": _pairs(given.get("config"), field + ".config", errors),
        "env": _pairs(given.get("env"), field + ".env", errors),
        "secret": _secret(given.get("secret"), field + ".secret", errors),
        "secret_env": _strings(given.get("secret_env"), field + ".secret_env", errors),
    }
    if given and not given.get("cidrs"):
        errors.append("%s.cidrs: empty; the apps' egress needs the CIDRs the %s connection's endpoint lives in" % (field, name))
    declared = [key for key, _value in connection["config"] + connection["env"]]
    for index, key in enumerate(connection["secret_env"]):
        if key not in declared:
            errors.append("%s.secret_env[%d]: %r is not a name of its config or env (have: %s)" % (field, index, key, ", ".join(declared)))
        elif not SECRET_KEY.match(key):
            errors.append("%s.secret_env[%d]: %r cannot be a Secret key" % (field, index, key))
    return connection


def _app(app, field, connections, settings, errors):
    if not isinstance(app, dict):
        errors.append("%s: must be a mapping (an app as platform.kubernetes.apps has it)" % field)
        return None
    _text(app.get("name"), field + ".name", errors, DNS_LABEL, "must be a DNS label (lowercase letters, digits, '-', at most 63)")
    _text(app.get("tag"), field + ".tag", errors)
    _text(app.get("health_path"), field + ".health_path", errors)
    port = _int(app.get("port"), field + ".port", errors, 1, 65535)
    repository, image = app.get("repository") or "", app.get("image") or ""
    if repository and repository not in settings["repository_uris"]:
        errors.append("%s.repository: %r has no ECR URI in repository_uris (have: %s)"
                      % (field, repository, ", ".join(sorted(settings["repository_uris"])) or "none"))
    elif not repository and not image:
        errors.append("%s: give repository (a registry repository) or image (a full name)" % field)
    hpa = _mapping(app.get("hpa"), field + ".hpa", errors) or None
    if hpa:
        low = _int(hpa.get("min"), field + ".hpa.min", errors, 1)
        high = _int(hpa.get("max"), field + ".hpa.max", errors, 1)
        if low and high and low > high:
            errors.append("%s.hpa: min %d is above max %d" % (field, low, high))
        for key in ("cpu_percent", "memory_percent"):
            if hpa.get(key):
                _int(hpa[key], "%s.hpa.%s" % (field, key), errors, 1)
    else:
        _int(app.get("replicas"), field + ".replicas", errors, 0)
    ingress = _mapping(app.get("ingress"), field + ".ingress", errors) or None
    if ingress:
        _text(ingress.get("host"), field + ".ingress.host", errors)
        _text(ingress.get("path"), field + ".ingress.path", errors)
        if settings["ingress"] == "none":
            errors.append("%s.ingress: needs an ingress path; ingress is none" % field)
    if app.get("metrics_path"):
        _text(app["metrics_path"], field + ".metrics_path", errors)
        if not settings["scraper"]:
            errors.append("%s.metrics_path: needs the scraper option (the in-cluster Prometheus's namespace and labels)" % field)
    uses = _strings(app.get("uses"), field + ".uses", errors)
    for index, used in enumerate(uses):
        if used not in connections:
            errors.append("%s.uses[%d]: %r is not a connection given (have: %s)" % (field, index, used, ", ".join(connections) or "none"))
    given = _mapping(app.get("resources"), field + ".resources", errors)
    # Both kinds always (Kustomize merges them), without the quantities left unset.
    resources = {}
    for kind in ("requests", "limits"):
        quantities = _mapping(given.get(kind), "%s.resources.%s" % (field, kind), errors)
        resources[kind] = dict((key, value) for key, value in quantities.items() if value is not None)
    return dict(app, port=port, hpa=hpa, ingress=ingress, uses=uses, websocket=bool(app.get("websocket")),
                env=_pairs(app.get("env"), field + ".env", errors), resources=resources)


# --- a connection's part: its env, ConfigMap, Secret and egress -------------------------------------

def _go_literal(text):
    """Text the Secret's Go template must not interpret, as a quoted Go string when it has braces."""
    return "{{ %s }}" % json.dumps(text) if "{{" in text or "}}" in text else text


def _go_reference(key):
    return "{{ .%s }}" % key if GO_IDENTIFIER.match(key) else "{{ index . %s }}" % json.dumps(key)


def _secret_value(connection, name, field, errors):
    """A setting that lives in the Secret, spelled as its ExternalSecret's template: $(VAR) references are
    resolved here, as Kubernetes would in the container, the secret's own variable to its key."""
    values = dict(connection["config"] + connection["env"])
    secret = connection["secret"]

    def spell(value, seen):
        parts, last = [], 0
        for match in REFERENCE.finditer(value):
            parts.append(_go_literal(value[last:match.start()]))
            last = match.end()
            variable = match.group(1)
            if variable is None:
                parts.append("$")
            elif variable == secret["env"]:
                parts.append(_go_reference(secret["key"]))
            elif variable in values and variable not in seen:
                parts.append(spell(values[variable], seen | {variable}))
            else:
                errors.append("%s: $(%s) is neither a setting of the connection nor its secret's %s; the Secret cannot spell it in"
                              % (field, variable, secret["env"]))
        parts.append(_go_literal(value[last:]))
        return "".join(parts)

    return spell(values[name], {name})


def _secret_ref(secret, key, env):
    return {"name": env, "valueFrom": {"secretKeyRef": {"name": secret["name"], "key": key}}}


def _connection_parts(key, connection, users, settings, errors):
    """What one used connection adds: container env, ConfigMap literals, the egress policy, the ExternalSecret."""
    field = "connections.%s" % key
    secret = connection["secret"]
    # Without a secret (no AUTH) nothing is secret: the settings stay in the ConfigMap and the env.
    hidden = set(connection["secret_env"]) if secret else set()
    env = [_secret_ref(secret, secret["key"], secret["env"])] if secret else []
    # Settings the ConfigMap would have held are defined before any env, as envFrom is.
    env += [_secret_ref(secret, name, name) for name, _value in connection["config"] if name in hidden]
    env += [_secret_ref(secret, name, name) if name in hidden else {"name": name, "value": value} for name, value in connection["env"]]
    config_map = {"name": connection["name"], "literals": ["%s=%s" % pair for pair in connection["config"] if pair[0] not in hidden]}
    policy = {
        "apiVersion": NETWORK_POLICY, "kind": "NetworkPolicy", "metadata": {"name": "allow-%s" % connection["name"]},
        "spec": {"podSelector": {"matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "In", "values": users}]},
                 "policyTypes": ["Egress"],
                 "egress": [{"to": [{"ipBlock": {"cidr": cidr}} for cidr in connection["cidrs"]],
                             "ports": [{"protocol": "TCP", "port": connection["port"]}]}]}}
    files = []
    # The token is never written to the tree: without a store, the Secret must be made by other means.
    if secret and settings["secret_store"]:
        target = {"name": secret["name"], "creationPolicy": "Owner"}
        if hidden:
            # A template replaces the Secret's data, so the key itself is spelled in too.
            data = {secret["key"]: _go_reference(secret["key"])}
            for name in connection["secret_env"]:
                data[name] = _secret_value(connection, name, "%s.secret_env (%s)" % (field, name), errors)
            target["template"] = {"engineVersion": "v2", "data": data}
        files.append({"path": secret["name"] + ".yaml", "objects": [{
            "apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret", "metadata": {"name": secret["name"]},
            "spec": {"refreshInterval": "1h", "secretStoreRef": {"kind": "ClusterSecretStore", "name": settings["secret_store"]},
                     "target": target, "data": [{"secretKey": secret["key"], "remoteRef": {"key": secret["arn"]}}]}}]})
    return env, config_map, policy, files


# --- one app: its base and its overlay patch ----------------------------------------------------------

def _probe(app, period, failures):
    return {"httpGet": {"path": app["health_path"], "port": "http"}, "periodSeconds": period, "failureThreshold": failures}


def _pod_metadata(app, selector):
    """The in-cluster Prometheus scrapes pods by these annotations (observability_stack's scrape config)."""
    metadata = {"labels": selector}
    if app.get("metrics_path"):
        metadata["annotations"] = {"prometheus.io/scrape": "true", "prometheus.io/port": str(app["port"]),
                                   "prometheus.io/path": app["metrics_path"]}
    return metadata


def _scrape_policy(app, settings):
    """Prometheus's pods (the scraper) may reach the app's port, nobody else through this policy."""
    scraper = settings["scraper"]
    peer = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": scraper["namespace"]}}}
    if scraper.get("labels"):
        peer["podSelector"] = {"matchLabels": dict(scraper["labels"])}
    return {"apiVersion": NETWORK_POLICY, "kind": "NetworkPolicy", "metadata": {"name": "allow-scrape-" + app["name"]},
            "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/name": app["name"]}}, "policyTypes": ["Ingress"],
                     "ingress": [{"from": [peer], "ports": [{"protocol": "TCP", "port": app["port"]}]}]}}


def _deployment_spec(app, settings, connection_env, connections):
    selector = {"app.kubernetes.io/name": app["name"]}
    env = [{"name": "OTEL_SERVICE_NAME", "value": app["name"]}, {"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": settings["otlp_endpoint"]}]
    env += [{"name": name, "value": value} for name, value in OTEL_ENV]
    for used in app["uses"]:
        env += connection_env[used]
    container = {
        "name": app["name"],
        # A placeholder name: the overlay's images entry sets the repository and tag.
        "image": app["name"],
        "ports": [{"name": "http", "containerPort": app["port"], "protocol": "TCP"}],
        "envFrom": [{"configMapRef": {"name": connections[used]["name"]}} for used in app["uses"]],
        "env": env,
        "startupProbe": _probe(app, 5, 30), "readinessProbe": _probe(app, 10, 3), "livenessProbe": _probe(app, 20, 3),
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    spec = {
        "revisionHistoryLimit": 5,
        "selector": {"matchLabels": selector},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
        "template": {"metadata": _pod_metadata(app, selector), "spec": {
            "serviceAccountName": app["name"],
            "automountServiceAccountToken": False,
            # WebSocket servers get time to drain their connections.
            "terminationGracePeriodSeconds": 60 if app["websocket"] else 30,
            "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
            "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                           "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": selector}}],
            "containers": [container],
            "volumes": [{"name": "tmp", "emptyDir": {}}]}},
    }
    # With an HPA the Deployment leaves replicas to it, so a sync never undoes a scale-out.
    if not app["hpa"]:
        spec["replicas"] = 1
    return spec


def _hpa_metrics(hpa):
    return [{"type": "Resource", "resource": {"name": name, "target": {"type": "Utilization", "averageUtilization": int(hpa[key])}}}
            for name, key in (("cpu", "cpu_percent"), ("memory", "memory_percent")) if hpa.get(key)]


def _base_files(app, settings, connection_env, connections):
    name, selector = app["name"], {"app.kubernetes.io/name": app["name"]}
    metadata = {"name": name, "labels": selector}
    objects = [
        ("serviceaccount.yaml", {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata, "automountServiceAccountToken": False}),
        ("deployment.yaml", {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata,
                             "spec": _deployment_spec(app, settings, connection_env, connections)}),
        ("service.yaml", {"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": {
            "selector": selector, "ports": [{"name": "http", "port": app["port"], "targetPort": "http", "protocol": "TCP"}]}}),
        ("pdb.yaml", {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": metadata,
                      "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector}}}),
    ]
    if app["hpa"]:
        objects.append(("hpa.yaml", {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": metadata, "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": 1, "maxReplicas": 3,
            "metrics": _hpa_metrics({"cpu_percent": 80}),
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}}}}))
    files = [{"path": "base/%s/%s" % (name, path), "objects": [obj]} for path, obj in objects]
    files.append({"path": "base/%s/kustomization.yaml" % name, "objects": [dict(KUSTOMIZATION, resources=[path for path, _obj in objects])]})
    return files


def _patch_file(app, settings):
    env = [{"name": "OTEL_RESOURCE_ATTRIBUTES",
            "value": "deployment.environment.name=%s,service.namespace=%s" % (settings["environment"], settings["namespace"])}]
    env += [{"name": name, "value": value} for name, value in app["env"]]
    objects = [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": app["name"]},
                "spec": {"template": {"spec": {"containers": [{"name": app["name"], "resources": app["resources"], "env": env}]}}}}]
    if app["hpa"]:
        objects.append({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": app["name"]},
                        "spec": {"minReplicas": int(app["hpa"]["min"]), "maxReplicas": int(app["hpa"]["max"]), "metrics": _hpa_metrics(app["hpa"])}})
    return {"path": "%s/patches/%s.yaml" % (settings["overlay"], app["name"]), "objects": objects}


# --- the ingress path: Ingresses or the Gateway's routes, and who may reach the apps -----------------

def _tls(app, settings):
    return bool(settings["cluster_issuer"]) and bool(app["ingress"].get("tls", False))


def _alb_annotations(app, settings, any_websocket):
    prefix = "alb.ingress.kubernetes.io/"
    https = bool(settings["certificate_arn"])
    annotations = {
        prefix + "scheme": "internet-facing",
        prefix + "target-type": "ip",
        prefix + "group.name": settings["platform_id"],
        prefix + "healthcheck-path": app["health_path"],
        # The apps share one load balancer (the group): its idle timeout serves the WebSocket ones.
        prefix + "load-balancer-attributes": "idle_timeout.timeout_seconds=%d" % (3600 if any_websocket else 60),
        prefix + "listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]' if https else '[{"HTTP": 80}]',
    }
    if https:
        annotations.update({prefix + "certificate-arn": settings["certificate_arn"], prefix + "ssl-redirect": "443"})
    if app["websocket"]:
        annotations[prefix + "target-group-attributes"] = \
            "stickiness.enabled=true,stickiness.lb_cookie.duration_seconds=86400,deregistration_delay.timeout_seconds=60"
    return annotations


def _nginx_annotations(app, settings):
    annotations = {"cert-manager.io/cluster-issuer": settings["cluster_issuer"]} if _tls(app, settings) else {}
    if app["websocket"]:
        annotations.update({"nginx.ingress.kubernetes.io/proxy-read-timeout": "3600", "nginx.ingress.kubernetes.io/proxy-send-timeout": "3600"})
    return annotations


def _ingress(app, settings, any_websocket):
    host, path = app["ingress"]["host"], app["ingress"]["path"]
    alb = settings["ingress"] == "alb"
    spec = {"ingressClassName": settings["ingress"],
            "rules": [{"host": host, "http": {"paths": [{"path": path, "pathType": "Prefix",
                                                         "backend": {"service": {"name": app["name"], "port": {"name": "http"}}}}]}}]}
    if not alb and _tls(app, settings):
        spec["tls"] = [{"hosts": [host], "secretName": app["name"] + "-tls"}]
    annotations = _alb_annotations(app, settings, any_websocket) if alb else _nginx_annotations(app, settings)
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": app["name"], "annotations": annotations}, "spec": spec}


def _routes(app, settings):
    """With TLS the route is served on the app's HTTPS listener and plain HTTP is redirected to it; cert-manager's
    HTTP-01 routes match /.well-known/acme-challenge/<token>, a longer prefix than the redirect's, so they still win."""
    name, host, tls = app["name"], app["ingress"]["host"], _tls(app, settings)
    rule = {"matches": [{"path": {"type": "PathPrefix", "value": app["ingress"]["path"]}}], "backendRefs": [{"name": name, "port": app["port"]}]}
    if app["websocket"]:
        rule["timeouts"] = {"request": "0s"}
    routes = [{"apiVersion": GATEWAY_API, "kind": "HTTPRoute", "metadata": {"name": name}, "spec": {
        "parentRefs": [{"name": settings["gateway_name"], "sectionName": "https-" + name if tls else "http"}],
        "hostnames": [host], "rules": [rule]}}]
    if tls:
        routes.append({"apiVersion": GATEWAY_API, "kind": "HTTPRoute", "metadata": {"name": name + "-https-redirect"}, "spec": {
            "parentRefs": [{"name": settings["gateway_name"], "sectionName": "http"}], "hostnames": [host],
            "rules": [{"filters": [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}}]}]}})
    return routes


def _https_listener(app):
    return {"name": "https-" + app["name"], "protocol": "HTTPS", "port": 443, "hostname": app["ingress"]["host"],
            "tls": {"mode": "Terminate", "certificateRefs": [{"kind": "Secret", "name": app["name"] + "-tls"}]},
            "allowedRoutes": {"namespaces": {"from": "Same"}}}


def _gateway_peer(settings):
    """The Gateway's Envoy fleet runs in the controller's namespace, labelled with the Gateway it serves."""
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": settings["ingress_namespace"]}},
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "envoy",
                                            "gateway.envoyproxy.io/owning-gateway-name": settings["gateway_name"],
                                            "gateway.envoyproxy.io/owning-gateway-namespace": settings["namespace"]}}}


def _ingress_policy(app, settings):
    """ingress-nginx's pods may reach the app, a Gateway's Envoy fleet, or with an ALB (IP targets) the public tier."""
    if settings["ingress"] == "nginx":
        sources = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": settings["ingress_namespace"]}},
                    "podSelector": {"matchLabels": {"app.kubernetes.io/name": "ingress-nginx"}}}]
    elif settings["ingress"] == "gateway":
        sources = [_gateway_peer(settings)]
    else:
        sources = [{"ipBlock": {"cidr": cidr}} for cidr in settings["ingress_source_cidrs"]]
    return {"apiVersion": NETWORK_POLICY, "kind": "NetworkPolicy", "metadata": {"name": "allow-ingress-" + app["name"]},
            "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/name": app["name"]}}, "policyTypes": ["Ingress"],
                     "ingress": [{"from": sources, "ports": [{"protocol": "TCP", "port": app["port"]}]}]}}


def _gateway_objects(settings, listeners):
    """The apps' Gateway: plain HTTP for every host, an HTTPS listener for each app with TLS, whose certificate
    cert-manager issues from the Gateway's annotation (its gateway-shim)."""
    gateway = {"apiVersion": GATEWAY_API, "kind": "Gateway", "metadata": {
        "name": settings["gateway_name"],
        "annotations": {"cert-manager.io/cluster-issuer": settings["cluster_issuer"]} if listeners else {}},
        "spec": {"gatewayClassName": settings["gateway_class"],
                 "listeners": [{"name": "http", "protocol": "HTTP", "port": 80, "allowedRoutes": {"namespaces": {"from": "Same"}}}] + listeners}}
    return [gateway]


def _acme_solver_policy(settings):
    """cert-manager answers HTTP-01 from solver pods in this namespace, on 8089, reached through the Gateway."""
    return {"apiVersion": NETWORK_POLICY, "kind": "NetworkPolicy", "metadata": {"name": "allow-acme-http01-solver"},
            "spec": {"podSelector": {"matchLabels": {"acme.cert-manager.io/http01-solver": "true"}}, "policyTypes": ["Ingress"],
                     "ingress": [{"from": [_gateway_peer(settings)], "ports": [{"protocol": "TCP", "port": 8089}]}]}}


# EKS Pod Identity's agent, on every node's link-local address, hands the pod its role's credentials.
POD_IDENTITY_AGENT = "169.254.170.23/32"


def _aws_api_policy(users):
    """Apps with their own AWS identity reach the Pod Identity agent for credentials and AWS's APIs (S3, SES) on 443;
    the seed's app -> external :443. Without it default-deny leaves the identity unusable."""
    return {"apiVersion": NETWORK_POLICY, "kind": "NetworkPolicy", "metadata": {"name": "allow-aws-apis"},
            "spec": {"podSelector": {"matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "In", "values": users}]},
                     "policyTypes": ["Egress"],
                     "egress": [{"to": [{"ipBlock": {"cidr": POD_IDENTITY_AGENT}}], "ports": [{"protocol": "TCP", "port": 80}]},
                                {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}]}]}}


def _base_policies(settings):
    """Zero trust (seed 001): deny everything, then admit DNS and OTLP to Alloy; the overlay adds the
    connections and the ingress path, which depend on the environment."""
    def policy(name, spec):
        return {"apiVersion": NETWORK_POLICY, "kind": "NetworkPolicy", "metadata": {"name": name}, "spec": spec}
    dns = {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                   "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
           "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}
    alloy = {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": settings["observability_namespace"]}},
                     "podSelector": {"matchLabels": {"app.kubernetes.io/name": "alloy"}}}],
             "ports": [{"protocol": "TCP", "port": port} for port in settings["otlp_ports"]]}
    return [policy("default-deny-all", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
            policy("allow-dns", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [dns]}),
            policy("allow-otlp-to-alloy", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [alloy]})]


# --- the whole tree ---------------------------------------------------------------------------------

def _checked(apps, connections, settings):
    errors = []
    settings = _settings(settings, errors)
    if not isinstance(connections, dict):
        errors.append("connections: must be a mapping, name -> what its layer contributes")
        connections = {}
    if not isinstance(apps, list):
        errors.append("apps: must be a list of apps")
        apps = []
    used = [name for name in connections if any(isinstance(app, dict) and name in (app.get("uses") or []) for app in apps)]
    checked_connections = dict((name, _connection(name, connections[name], "connections.%s" % name, errors)) for name in used)
    checked_apps, seen = [], set()
    for index, app in enumerate(apps):
        checked = _app(app, "apps[%d]" % index, connections, settings, errors)
        if checked is None:
            continue
        if checked.get("name") in seen:
            errors.append("apps[%d].name: %r is given twice" % (index, checked["name"]))
        seen.add(checked.get("name"))
        checked_apps.append(checked)
    return checked_apps, checked_connections, settings, errors


def apps_manifests(apps, connections, **settings):
    """The apps' tree, files relative to the apps' directory, each a path and its objects:
    base/<app>/* and base/{network-policies,kustomization}.yaml, then <overlay>/*."""
    apps, connections, settings, errors = _checked(apps, connections, settings)
    if errors:
        raise AnsibleFilterError("apps_manifests refused its input:\n" + "\n".join(errors))
    connection_env, config_maps, connection_policies, secret_files = {}, [], [], []
    for key, connection in connections.items():
        users = [app["name"] for app in apps if key in app["uses"]]
        env, config_map, policy, files = _connection_parts(key, connection, users, settings, errors)
        connection_env[key] = env
        config_maps.append(config_map)
        connection_policies.append(policy)
        secret_files += files
    if errors:
        raise AnsibleFilterError("apps_manifests refused its input:\n" + "\n".join(errors))

    any_websocket = any(app["websocket"] for app in apps)
    gateway = settings["ingress"] == "gateway"
    files, ingresses, ingress_policies, listeners = [], [], [], []
    for app in apps:
        files += _base_files(app, settings, connection_env, connections) + [_patch_file(app, settings)]
        if app["ingress"]:
            ingresses += _routes(app, settings) if gateway else [_ingress(app, settings, any_websocket)]
            ingress_policies.append(_ingress_policy(app, settings))
            if gateway and _tls(app, settings):
                listeners.append(_https_listener(app))
    names = [app["name"] for app in apps]
    files += [{"path": "base/network-policies.yaml", "objects": _base_policies(settings)},
              {"path": "base/kustomization.yaml", "objects": [dict(KUSTOMIZATION, resources=names + ["network-policies.yaml"])]}]

    with_identity = [app["name"] for app in apps if app.get("identity")]
    overlay = [{"path": "namespace.yaml", "objects": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": settings["namespace"]}}]},
               {"path": "network-policies.yaml", "objects": connection_policies + ingress_policies
                + ([_acme_solver_policy(settings)] if gateway and listeners else [])
                + ([_aws_api_policy(with_identity)] if with_identity else [])
                + [_scrape_policy(app, settings) for app in apps if app.get("metrics_path")]}]
    if ingresses:
        overlay.append({"path": "ingress.yaml", "objects": (_gateway_objects(settings, listeners) if gateway else []) + ingresses})
    overlay += secret_files
    labels = {"app.kubernetes.io/managed-by": "gameops.platform", "app.kubernetes.io/part-of": settings["platform_id"],
              "app.kubernetes.io/instance": settings["environment"]}
    kustomization = dict(KUSTOMIZATION, namespace=settings["namespace"],
                         labels=[{"pairs": labels, "includeSelectors": False}],
                         resources=["namespace.yaml", "../../base"] + [item["path"] for item in overlay if item["path"] != "namespace.yaml"],
                         images=[{"name": app["name"], "newName": settings["repository_uris"][app["repository"]] if app.get("repository")
                                  else app["image"], "newTag": app["tag"]} for app in apps],
                         patches=[{"path": "patches/%s.yaml" % name} for name in names])
    replicas = [{"name": app["name"], "count": int(app["replicas"])} for app in apps if not app["hpa"]]
    if replicas:
        kustomization["replicas"] = replicas
    if config_maps:
        kustomization["configMapGenerator"] = config_maps
    files += [{"path": "%s/%s" % (settings["overlay"], item["path"]), "objects": item["objects"]} for item in overlay]
    files.append({"path": settings["overlay"] + "/kustomization.yaml", "objects": [kustomization]})
    return files


class FilterModule(object):
    """The apps' Kubernetes manifests."""

    def filters(self):
        return {"apps_manifests": apps_manifests}
