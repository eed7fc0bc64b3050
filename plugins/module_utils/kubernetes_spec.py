# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``kubernetes`` section of the platform spec: what runs inside the cluster and how it is delivered.

Choices (delivery, gitops, ingress) are checked here rather than with ``choices`` so that every
message names its full path, such as ``platform.kubernetes.delivery``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.gameops.platform.plugins.module_utils import aws_rules
from ansible_collections.gameops.platform.plugins.module_utils import monitoring_spec

DELIVERY_MODES = ("apply", "render")
GITOPS_TOOLS = ("flux", "argocd")
INGRESS_KINDS = ("alb", "gateway", "nginx", "none")
# Where cert-manager's Let's Encrypt certificates can be served: the ALB takes ACM certificates only.
CERT_MANAGER_INGRESS = ("gateway", "nginx")
KARPENTER_CAPACITY_TYPES = ("spot", "on-demand")

# Kubernetes' own rules: an app names its Deployment and its Service, whose names are DNS-1035 labels (a
# letter first); namespaces are DNS-1123 labels (aws_rules); C identifiers (and '.', '-') for environment
# variable names, resource quantities such as 250m, 0.5 or 512Mi.
DNS_LABEL = aws_rules.DNS_1035_LABEL
ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$")
HOSTNAME = re.compile(r"^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DURATION = re.compile(r"^[0-9]+(ms|s|m|h)$")
IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def _choice(value, allowed, field, errors):
    if value not in allowed:
        errors.append("%s: %r is not one of: %s" % (field, value, ", ".join(allowed)))


def _port(value, field, errors):
    if not 1 <= value <= 65535:
        errors.append("%s: %d is out of range; allowed 1 to 65535" % (field, value))


def _quantities(resources, field, errors):
    for kind in ("requests", "limits"):
        for name, value in sorted((resources.get(kind) or {}).items()):
            if value is not None and not QUANTITY.match(str(value)):
                errors.append("%s.%s.%s: %r is not a Kubernetes quantity (such as 250m, 1 or 512Mi)" % (field, kind, name, value))


def _image(app, field, repositories, errors):
    """Split the image into a registry repository (resolved to its ECR URI later) or a full name, and a tag."""
    image, tag = app["image"], app["tag"]
    if not image:
        errors.append("%s.image: required; give a repository of platform.registry or a full image reference" % field)
        return dict(repository="", image="", tag=tag or "")
    if image in repositories:
        repository, name = image, ""
    elif "/" in image:
        repository, name = "", image
        last = image.rsplit("/", 1)[1]
        if ":" in last:
            name, embedded = image.rsplit(":", 1)
            if tag and tag != embedded:
                errors.append("%s.tag: %r contradicts the tag %r in the image" % (field, tag, embedded))
            tag = embedded
    else:
        errors.append("%s.image: %r is not a repository of platform.registry (%s) nor a full image reference with a '/'"
                      % (field, image, ", ".join(sorted(repositories)) or "none defined"))
        return dict(repository="", image="", tag=tag or "")
    if not tag:
        errors.append("%s.tag: required; the image tag to deploy (ECR repositories are immutable, so never 'latest' by default)" % field)
    elif not IMAGE_TAG.match(tag):
        errors.append("%s.tag: %r is not a valid image tag" % (field, tag))
    return dict(repository=repository, image=name, tag=tag or "")


def _hpa(hpa, field, errors):
    if hpa["min"] < 1:
        errors.append("%s.hpa.min: %d; an HPA keeps at least 1 replica" % (field, hpa["min"]))
    if hpa["min"] > hpa["max"]:
        errors.append("%s.hpa: min %d is above max %d" % (field, hpa["min"], hpa["max"]))
    for key in ("cpu_percent", "memory_percent"):
        if hpa[key] is not None and not 1 <= hpa[key] <= 1000:
            errors.append("%s.hpa.%s: %d; allowed 1 to 1000 (percent of the request)" % (field, key, hpa[key]))


def _identity(identity, field, sections, errors):
    """The app's own AWS role may name only the platform's buckets and its mail identity, which preflight knows."""
    buckets = sections.get("buckets") or {}
    for position, key in enumerate(identity["buckets"]):
        if key not in buckets:
            errors.append("%s.identity.buckets[%d]: %r is not a bucket of platform.buckets; allowed: %s"
                          % (field, position, key, ", ".join(sorted(buckets)) or "none (the spec has no buckets)"))
    if identity["mail"] and not sections.get("mail"):
        errors.append("%s.identity.mail: needs platform.mail (the SES identity the app sends from)" % field)
    if not identity["buckets"] and not identity["mail"]:
        errors.append("%s.identity: allows nothing; give buckets, mail or both (or drop it)" % field)
    # The role reaches the app's pods by its pod identity association; the apps' ServiceAccounts carry no IRSA annotation.
    if (sections.get("eks") or {}).get("workload_identity", "pod_identity") != "pod_identity":
        errors.append("%s.identity: needs platform.eks.workload_identity pod_identity (an app's ServiceAccount is not annotated "
                      "for IRSA)" % field)


def _metrics_path(app, field, observability, errors):
    """Scraped by the in-cluster Prometheus only: with AMP the apps push OTLP to Alloy instead."""
    path = app.get("metrics_path") or ""
    if path and not path.startswith("/"):
        errors.append("%s: %r must start with '/'" % (field, path))
    elif path and not (observability.get("enabled", True) and observability.get("in_cluster")):
        errors.append("%s: needs platform.kubernetes.observability.in_cluster, whose Prometheus scrapes it (with AMP the apps "
                      "push OTLP to Alloy)" % field)


def _app(app, index, sections, addons, connections, errors):
    field = "platform.kubernetes.apps[%d]" % index
    if not DNS_LABEL.match(app["name"]):
        errors.append("%s.name: %r must be a DNS label (lowercase letters, digits, '-', at most 63)" % (field, app["name"]))
    registry = sections.get("registry") or {}
    repositories = [repository["name"] for repository in registry.get("repositories", [])]
    image = _image(app, field, repositories, errors)
    _port(app["port"], field + ".port", errors)
    if app["replicas"] < 0:
        errors.append("%s.replicas: %d; give 0 or more" % (field, app["replicas"]))
    if app["hpa"]:
        _hpa(app["hpa"], field, errors)
        if app["hpa"]["memory_percent"] is not None and not app["resources"]["requests"]["memory"]:
            errors.append("%s.hpa.memory_percent: needs resources.requests.memory" % field)
        if app["hpa"]["cpu_percent"] is not None and not app["resources"]["requests"]["cpu"]:
            errors.append("%s.hpa.cpu_percent: needs resources.requests.cpu" % field)
    _quantities(app["resources"], field + ".resources", errors)
    if not app["health_path"].startswith("/"):
        errors.append("%s.health_path: %r must start with '/'" % (field, app["health_path"]))
    if app["ingress"]:
        if not HOSTNAME.match(app["ingress"]["host"]):
            errors.append("%s.ingress.host: %r is not a DNS name" % (field, app["ingress"]["host"]))
        if not app["ingress"]["path"].startswith("/"):
            errors.append("%s.ingress.path: %r must start with '/'" % (field, app["ingress"]["path"]))
        if addons["ingress"] == "none":
            errors.append("%s.ingress: needs an ingress controller; platform.kubernetes.addons.ingress is none" % field)
    if app.get("identity"):
        _identity(app["identity"], field, sections, errors)
    for position, name in enumerate(app["uses"]):
        if name not in connections:
            errors.append("%s.uses[%d]: %r is not a connection of a present layer; allowed: %s"
                          % (field, position, name, ", ".join(connections) or "none (no present layer contributes one)"))
    env = {}
    for key, value in sorted(app["env"].items()):
        if not ENV_NAME.match(key):
            errors.append("%s.env.%s: not a valid environment variable name" % (field, key))
        if isinstance(value, (dict, list)) or value is None:
            errors.append("%s.env.%s: give a string, number or boolean" % (field, key))
        env[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return dict(app, env=env, **image)


def _connections(sections):
    """The connections an app may use: the present layers (their sections checked before this one) that contribute one."""
    # Imported here: module_utils loads without the controller-side registry (ansible-test's import check).
    from ansible_collections.gameops.platform.plugins.plugin_utils import layers  # pylint: disable=import-outside-toplevel

    def present(section):
        value = sections
        for key in section:
            value = (value or {}).get(key)
        return bool(value)

    return [name for name, layer in layers.load().items() if "connection" in layer.contributes and layer.section and present(layer.section)]


def _addons(addons, sections, errors):
    region = sections["region"]
    field = "platform.kubernetes.addons"
    _choice(addons["ingress"], INGRESS_KINDS, field + ".ingress", errors)
    if addons["ingress"] == "nginx":
        # Kubernetes SIG Network retired community ingress-nginx in March 2026: no more releases or security fixes.
        errors.warnings.append("%s.ingress: nginx is deprecated: ingress-nginx is retired upstream (no releases or security fixes "
                               "since March 2026); use alb (the AWS Load Balancer Controller, ACM certificates) or gateway "
                               "(Envoy Gateway, Gateway API, with cert_manager for Let's Encrypt)" % field)
    if addons["cert_manager"] and addons["ingress"] not in CERT_MANAGER_INGRESS:
        errors.append("%s.cert_manager: issues certificates for gateway or nginx; with ingress %s use certificate_arn (ACM) instead"
                      % (field, addons["ingress"]))
    if addons["certificate_arn"] and addons["ingress"] != "alb":
        errors.append("%s.certificate_arn: an ACM certificate is served by the ALB only; with ingress %s use cert_manager"
                      % (field, addons["ingress"]))
    if addons["cert_manager"] and not EMAIL.match(addons["acme_email"]):
        errors.append("%s.acme_email: %r; cert_manager needs the e-mail address ACME registers" % (field, addons["acme_email"]))
    # An ALB's listener takes a certificate of its own region (ACM User Guide, "Services integrated with ACM").
    problem = addons["certificate_arn"] and aws_rules.arn_problem(addons["certificate_arn"], "acm", region, same_region=True)
    if problem:
        errors.append("%s.certificate_arn: %r %s" % (field, addons["certificate_arn"], problem))
    karpenter = addons["karpenter"]
    if addons["external_dns"] and not sections.get("dns"):
        errors.append("%s.external_dns: needs platform.dns (the Route 53 zone whose records it keeps)" % field)
    if addons["external_dns"] and addons["ingress"] == "none":
        errors.append("%s.external_dns: keeps the records of the apps' hosts, which need an ingress; ingress is none" % field)
    for capacity_type in karpenter["capacity_types"]:
        _choice(capacity_type, KARPENTER_CAPACITY_TYPES, field + ".karpenter.capacity_types", errors)
    if karpenter["enabled"] and not karpenter["capacity_types"]:
        errors.append("%s.karpenter.capacity_types: give spot, on-demand or both" % field)
    if karpenter["cpu_limit"] < 1:
        errors.append("%s.karpenter.cpu_limit: %d; give at least 1 CPU" % (field, karpenter["cpu_limit"]))
    if not DURATION.match(karpenter["consolidate_after"]):
        errors.append("%s.karpenter.consolidate_after: %r is not a duration such as 30s or 1m" % (field, karpenter["consolidate_after"]))


def _check_metrics_server(addons, eks, errors):
    """metrics-server once: the EKS addon and the layer's Helm release would fight over the same objects (fidelity review #22)."""
    if not eks or not addons["metrics_server"]:
        return
    names = [addon["name"] for addon in eks.get("addons") or []]  # the default addons have no metrics-server
    if "metrics-server" in names:
        errors.append("platform.kubernetes.addons.metrics_server: metrics-server is also an EKS addon (platform.eks.addons[%d]); "
                      "both would own the same objects, so keep one: set metrics_server to false or drop the addon"
                      % names.index("metrics-server"))


def _observability(observability, sections, errors):
    field = "platform.kubernetes.observability"
    log_storage = sections.get("log_storage")
    if observability["enabled"] and not log_storage:
        errors.append("%s.enabled: Loki needs platform.log_storage (its S3 bucket)" % field)
    retention = observability["loki_retention_days"]
    if retention is None:
        retention = log_storage["retention_days"] if log_storage else 30
    elif retention < 1:
        errors.append("%s.loki_retention_days: %d; keep logs at least 1 day" % (field, retention))
    elif log_storage and retention > log_storage["retention_days"]:
        errors.append("%s.loki_retention_days: %d is longer than the bucket keeps objects (platform.log_storage.retention_days %d)"
                      % (field, retention, log_storage["retention_days"]))
    for key in ("otlp_grpc_port", "otlp_http_port"):
        _port(observability[key], "%s.%s" % (field, key), errors)
    if observability["otlp_grpc_port"] == observability["otlp_http_port"]:
        errors.append("%s.otlp_http_port: must differ from otlp_grpc_port" % field)
    if not DURATION.match(observability["scrape_interval"]):
        errors.append("%s.scrape_interval: %r is not a duration such as 30s" % (field, observability["scrape_interval"]))
    if observability["alloy_replicas"] < 1:
        errors.append("%s.alloy_replicas: %d; run at least 1" % (field, observability["alloy_replicas"]))
    if observability["redis_exporter"] and observability["enabled"] and not sections.get("cache"):
        errors.append("%s.redis_exporter: needs platform.cache (the Valkey it scrapes)" % field)
    in_cluster = monitoring_spec.check_in_cluster(observability["in_cluster"], observability, errors)
    return dict(observability, loki_retention_days=retention, in_cluster=in_cluster)


def check_kubernetes(kubernetes, sections, errors):
    """Check the section against the others (``sections``, the platform: normalized eks, log_storage, registry, cache) and normalize it."""
    field = "platform.kubernetes"
    _choice(kubernetes["delivery"], DELIVERY_MODES, field + ".delivery", errors)
    _choice(kubernetes["gitops"], GITOPS_TOOLS, field + ".gitops", errors)
    eks = sections.get("eks")  # preflight refuses the section without it (meta/layers.yml: needs eks)
    for key, namespace in sorted(kubernetes["namespaces"].items()):
        if not aws_rules.DNS_1123_LABEL.match(namespace):
            errors.append("%s.namespaces.%s: %r is not a valid namespace name: a DNS label of at most 63 lowercase letters, "
                          "digits and '-', starting and ending with a letter or digit" % (field, key, namespace))
    if kubernetes["overlay"] and not aws_rules.DNS_1123_LABEL.match(kubernetes["overlay"]):
        errors.append("%s.overlay: %r is not a directory name of lowercase letters, digits and '-'" % (field, kubernetes["overlay"]))
    if kubernetes["namespaces"]["apps"] == kubernetes["namespaces"]["observability"]:
        errors.append("%s.namespaces.apps: must differ from namespaces.observability (each has its own network policies)" % field)
    _addons(kubernetes["addons"], sections, errors)
    _check_metrics_server(kubernetes["addons"], eks, errors)
    connections = _connections(sections)
    apps = [_app(app, index, sections, kubernetes["addons"], connections, errors) for index, app in enumerate(kubernetes["apps"])]
    names = [app["name"] for app in apps]
    for name in sorted(set(name for name in names if names.count(name) > 1)):
        errors.append("%s.apps: the name %r is used more than once" % (field, name))
    observability = _observability(kubernetes["observability"], sections, errors)
    for index, app in enumerate(apps):
        _metrics_path(app, "%s.apps[%d].metrics_path" % (field, index), observability, errors)
    return dict(
        kubernetes,
        apps=apps,
        observability=observability,
        overlay=kubernetes["overlay"] or sections["environment"],
        kubernetes_version=eks["version"] if eks else "",
        # external-dns's only domain: the zone of the dns layer (checked before this section).
        dns_zone=(sections.get("dns") or {}).get("zone", ""),
        workload_identity=eks.get("workload_identity", "pod_identity") if eks else "pod_identity",
    )
