# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Loki reader: Loki's query API, and only that, behind a password and the platform's ALB, for AMG.

AMG cannot connect to a VPC in every region (not in ap-northeast-2, where our platforms run), so its Loki data
source must come over the internet. Loki's own gateway also takes pushes; this proxy passes only the read
endpoints Grafana's Loki data source calls, checks the password, and drops it before Loki.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.errors import AnsibleFilterError

NAME = "loki-reader"
PORT = 8080
IMAGE = "nginxinc/nginx-unprivileged:1.28.0-alpine"
# Grafana's Loki data source: queries, label and series lookups, index stats and volume, patterns, detected
# fields and labels, and the build info its health check reads. Not push, tail, rules or the admin endpoints.
READ_PATHS = ("query", "query_range", "labels", r"label/[^/]+/values", "series", "index/stats", "index/volume",
              "index/volume_range", "patterns", "detected_labels", "detected_fields", r"detected_field/[^/]+/values",
              "format_query", "status/buildinfo")
# Loki's gateway as the grafana/loki chart runs it: Service port 80, container port 8080.
LOKI_GATEWAY = {"app.kubernetes.io/name": "loki", "app.kubernetes.io/component": "gateway"}
REQUIRED = ("host", "namespace", "platform_id", "certificate_arn", "secret_store", "secret", "source_cidrs", "labels")


def _nginx_conf(namespace):
    return "\n".join([
        "server {",
        "  listen %d;" % PORT,
        "  server_tokens off;",
        "  client_max_body_size 1m;",
        "  location = /ready { access_log off; return 200 \"ok\\n\"; }",
        "  location ~ ^/loki/api/v1/(%s)$ {" % "|".join(READ_PATHS),
        "    limit_except GET POST { deny all; }",
        "    auth_basic \"Loki\";",
        "    auth_basic_user_file /etc/nginx/auth/htpasswd;",
        "    proxy_set_header Authorization \"\";",
        "    proxy_read_timeout 300s;",
        "    proxy_pass http://loki-gateway.%s.svc.cluster.local:80;" % namespace,
        "  }",
        "  location / { return 404; }",
        "}",
        "",
    ])


def _meta(settings, name=NAME):
    return {"name": name, "namespace": settings["namespace"], "labels": dict(settings["labels"], **{"app.kubernetes.io/name": NAME})}


def _deployment(settings):
    security = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta(settings),
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app.kubernetes.io/name": NAME}},
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": NAME}},
                "spec": {
                    "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [{
                        "name": "nginx", "image": settings.get("image") or IMAGE,
                        "ports": [{"name": "http", "containerPort": PORT}],
                        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 10},
                        "resources": {"requests": {"cpu": "20m", "memory": "32Mi"}, "limits": {"memory": "64Mi"}},
                        "securityContext": security,
                        "volumeMounts": [{"name": "config", "mountPath": "/etc/nginx/conf.d", "readOnly": True},
                                         {"name": "auth", "mountPath": "/etc/nginx/auth", "readOnly": True},
                                         {"name": "tmp", "mountPath": "/tmp"}],
                    }],
                    "volumes": [{"name": "config", "configMap": {"name": NAME}},
                                {"name": "auth", "secret": {"secretName": NAME + "-auth"}},
                                {"name": "tmp", "emptyDir": {}}],
                },
            },
        },
    }


def _ingress(settings):
    annotations = {
        "alb.ingress.kubernetes.io/scheme": "internet-facing",
        "alb.ingress.kubernetes.io/target-type": "ip",
        "alb.ingress.kubernetes.io/group.name": settings["platform_id"],
        "alb.ingress.kubernetes.io/listen-ports": json.dumps([{"HTTPS": 443}]),
        "alb.ingress.kubernetes.io/certificate-arn": settings["certificate_arn"],
        "alb.ingress.kubernetes.io/healthcheck-path": "/ready",
    }
    backend = {"service": {"name": NAME, "port": {"number": 80}}}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": dict(_meta(settings), annotations=annotations),
            "spec": {"ingressClassName": "alb", "tls": [{"hosts": [settings["host"]]}],
                     "rules": [{"host": settings["host"], "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}]}}


def _network_policy(settings):
    """Only the ALB (its subnets) may reach the reader; the reader may reach only Loki's gateway and DNS."""
    dns = {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                   "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
           "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": _meta(settings),
            "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/name": NAME}}, "policyTypes": ["Ingress", "Egress"],
                     "ingress": [{"from": [{"ipBlock": {"cidr": cidr}} for cidr in settings["source_cidrs"]],
                                  "ports": [{"protocol": "TCP", "port": PORT}]}],
                     "egress": [{"to": [{"podSelector": {"matchLabels": LOKI_GATEWAY}}], "ports": [{"protocol": "TCP", "port": 8080}]}, dns]}}


def loki_reader_manifests(settings):
    """The reader's directory of the rendered tree, as gitops_tree files (path and objects)."""
    missing = [key for key in REQUIRED if not settings.get(key)]
    if missing:
        raise AnsibleFilterError("loki_reader_manifests: %s must be given (the Loki reader is served at %r)"
                                 % (", ".join(missing), settings.get("host")))
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(settings), "data": {"default.conf": _nginx_conf(settings["namespace"])}}
    service = {"apiVersion": "v1", "kind": "Service", "metadata": _meta(settings),
               "spec": {"selector": {"app.kubernetes.io/name": NAME}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}
    auth = {"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret", "metadata": _meta(settings, NAME + "-auth"),
            "spec": {"refreshInterval": "1h", "secretStoreRef": {"kind": "ClusterSecretStore", "name": settings["secret_store"]},
                     "target": {"name": NAME + "-auth", "creationPolicy": "Owner"},
                     "data": [{"secretKey": "htpasswd", "remoteRef": {"key": settings["secret"], "property": "htpasswd"}}]}}
    files = [("config.yaml", [config]), ("auth.yaml", [auth]), ("deployment.yaml", [_deployment(settings)]),
             ("service.yaml", [service]), ("ingress.yaml", [_ingress(settings)]), ("network-policy.yaml", [_network_policy(settings)])]
    kustomization = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": [path for path, _objects in files]}
    return [{"path": "kustomization.yaml", "objects": [kustomization]}] + [{"path": path, "objects": objects} for path, objects in files]


class FilterModule(object):
    def filters(self):
        return {"loki_reader_manifests": loki_reader_manifests}
