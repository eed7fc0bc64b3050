"""The Loki reader's manifests: only the read API behind the password, only the ALB in, only Loki out."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.gameops.platform.plugins.filter.loki_reader import loki_reader_manifests

SETTINGS = {"host": "logs.queue.example.com", "namespace": "observability", "platform_id": "queue-infra-prod",
            "certificate_arn": "arn:aws:acm:ap-northeast-2:123456789012:certificate/0", "secret_store": "aws-secrets-manager",
            "secret": "queue-infra-prod/grafana/loki-reader", "source_cidrs": ["10.0.0.0/24", "10.0.1.0/24"],
            "labels": {"app.kubernetes.io/part-of": "queue-infra-prod"}}


def objects():
    files = loki_reader_manifests(SETTINGS)
    assert files[0]["path"] == "kustomization.yaml"
    assert files[0]["objects"][0]["resources"] == [entry["path"] for entry in files[1:]]
    return {obj["kind"]: obj for entry in files[1:] for obj in entry["objects"]}


def read_location_pattern():
    conf = objects()["ConfigMap"]["data"]["default.conf"]
    pattern = re.search(r"location ~ (\S+) \{", conf).group(1)
    return conf, re.compile(pattern)


@pytest.mark.parametrize("path", ["/loki/api/v1/query_range", "/loki/api/v1/labels", "/loki/api/v1/label/app/values",
                                  "/loki/api/v1/series", "/loki/api/v1/index/volume", "/loki/api/v1/status/buildinfo"])
def test_the_read_endpoints_grafana_calls_pass(path):
    assert read_location_pattern()[1].match(path)


@pytest.mark.parametrize("path", ["/loki/api/v1/push", "/loki/api/v1/tail", "/loki/api/v1/delete", "/loki/api/v1/rules",
                                  "/api/prom/push", "/flush", "/loki/api/v1/query_range/../push", "/config"])
def test_push_tail_admin_and_everything_else_do_not(path):
    assert not read_location_pattern()[1].match(path)


def test_the_password_is_checked_and_not_passed_on_and_only_reads_are_allowed():
    conf = read_location_pattern()[0]
    location = conf[conf.index("location ~"):]
    assert "auth_basic_user_file /etc/nginx/auth/htpasswd;" in location
    assert 'proxy_set_header Authorization "";' in location
    assert "limit_except GET POST { deny all; }" in location
    assert "proxy_pass http://loki-gateway.observability.svc.cluster.local:80;" in location


def test_the_htpasswd_line_comes_from_secrets_manager_not_the_tree():
    found = objects()
    auth = found["ExternalSecret"]["spec"]
    assert auth["data"] == [{"secretKey": "htpasswd", "remoteRef": {"key": SETTINGS["secret"], "property": "htpasswd"}}]
    assert auth["target"]["name"] == "loki-reader-auth"
    volumes = found["Deployment"]["spec"]["template"]["spec"]["volumes"]
    assert {"name": "auth", "secret": {"secretName": "loki-reader-auth"}} in volumes


def test_the_ingress_joins_the_platform_alb_on_https_only():
    ingress = objects()["Ingress"]
    annotations = ingress["metadata"]["annotations"]
    assert annotations["alb.ingress.kubernetes.io/group.name"] == "queue-infra-prod"
    assert annotations["alb.ingress.kubernetes.io/listen-ports"] == '[{"HTTPS": 443}]'
    assert annotations["alb.ingress.kubernetes.io/certificate-arn"] == SETTINGS["certificate_arn"]
    assert ingress["spec"]["rules"][0]["host"] == "logs.queue.example.com"


def test_only_the_alb_subnets_reach_it_and_it_reaches_only_loki_and_dns():
    policy = objects()["NetworkPolicy"]["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    assert policy["ingress"] == [{"from": [{"ipBlock": {"cidr": "10.0.0.0/24"}}, {"ipBlock": {"cidr": "10.0.1.0/24"}}],
                                  "ports": [{"protocol": "TCP", "port": 8080}]}]
    targets = [rule["to"][0]["podSelector"]["matchLabels"] for rule in policy["egress"]]
    assert targets == [{"app.kubernetes.io/name": "loki", "app.kubernetes.io/component": "gateway"}, {"k8s-app": "kube-dns"}]


@pytest.mark.parametrize("key", ["certificate_arn", "secret_store", "source_cidrs"])
def test_refuses_settings_without_what_it_needs(key):
    with pytest.raises(AnsibleFilterError, match="%s must be given" % key):
        loki_reader_manifests(dict(SETTINGS, **{key: "" if key != "source_cidrs" else []}))
