# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``observability`` section of the platform spec: AMP (metrics) and AMG (grafana)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.gameops.platform.plugins.module_utils import aws_rules, dns_spec

# Grafana versions Amazon Managed Grafana offers for new workspaces (ListVersions), oldest first.
# The amg_workspace module asks ListVersions again at run time; this list lets preflight refuse early.
# AMG ListVersions in 2026-12; 8.4 is retired. 9.4 reaches end of support on 2026-12-20 and has no
# folder filter in search, so dashboard prune is refused on it.
AMG_VERSIONS = ("9.4", "10.4", "12.4", "13.0")
AUTHENTICATION_PROVIDERS = ("AWS_SSO", "SAML")
# Rule files shipped in roles/metrics/files/rules/.
RULE_SETS = ("queue", "valkey", "eks", "gamepulse")
# The grafana role's IAM role, <platform id>-grafana (roles/grafana/vars/main.yml).
GRAFANA_ROLE_SUFFIX = "-grafana"
# The permissions' roles (gameops.platform.amg_permissions' options), highest first.
GRAFANA_ROLES = ("admins", "editors", "viewers")
ALIAS = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


# The shape of gameops.platform.amg_workspace's saml option, so the spec passes through unchanged.


def check_metrics(metrics, platform, errors):
    """Check the metrics section (already type-checked) and return it normalized."""
    platform_id = platform["id"]
    field = "platform.observability.metrics"
    alias = metrics["alias"] or platform_id
    if not ALIAS.match(alias):
        errors.append("%s.alias: %r must be 1-100 letters, digits, '_', '.' or '-'" % (field, alias))
    for index, name in enumerate(metrics["rule_sets"]):
        if name not in RULE_SETS:
            errors.append("%s.rule_sets[%d]: %r is not a rule set the collection ships; allowed: %s" % (field, index, name, ", ".join(RULE_SETS)))
    aws_rules.check_unique(metrics["rule_sets"], field + ".rule_sets", "the rule set", errors)
    topic = metrics["alert_sns_topic_arn"]
    # AMP's alert manager publishes to a Standard topic of the workspace's region only (AMP User Guide,
    # "Configure alert manager to send messages to Amazon SNS"; fidelity review #22).
    problem = topic and aws_rules.arn_problem(topic, "sns", platform["region"], same_region=True)
    if problem:
        errors.append("%s.alert_sns_topic_arn: %r %s" % (field, topic, problem))
    elif topic and topic.endswith(".fifo"):
        errors.append("%s.alert_sns_topic_arn: %r is a FIFO topic; the AMP alert manager needs a Standard topic" % (field, topic))
    return dict(metrics, alias=alias)


def _check_saml(grafana, errors):
    field = "platform.observability.grafana.saml"
    saml = grafana["saml"]
    if "SAML" not in grafana["authentication_providers"]:
        if saml:
            errors.append("%s: given, but SAML is not among the authentication_providers" % field)
        return
    metadata = (saml or {}).get("idp_metadata") or {}
    if bool(metadata.get("url")) == bool(metadata.get("xml")):
        errors.append("%s.idp_metadata: SAML authentication needs exactly one of url or xml" % field)
    elif metadata.get("url") and not re.match(r"^https://[^/\s]+", metadata["url"]):
        # AMG fetches the metadata over HTTPS only (UpdateWorkspaceAuthentication, idpMetadata.url).
        errors.append("%s.idp_metadata.url: %r must be an https:// URL" % (field, metadata["url"]))
    elif not (saml.get("role_values") or {}).get("admin"):
        errors.append("%s.role_values.admin: SAML needs at least one role value that makes a Grafana admin" % field)
    elif saml.get("login_validity_duration") is not None and not 5 <= saml["login_validity_duration"] <= 525600:
        errors.append("%s.login_validity_duration: %d minutes is outside 5 to 525600" % (field, saml["login_validity_duration"]))


def _check_permissions(grafana, errors):
    """Permissions are AMG's for IAM Identity Center users and groups only, and each has one role in a workspace."""
    field = "platform.observability.grafana.permissions"
    permissions = grafana.get("permissions")
    if not permissions:
        return
    if "AWS_SSO" not in grafana["authentication_providers"]:
        errors.append("%s: given, but AWS_SSO is not among the authentication_providers (permissions are for IAM Identity "
                      "Center users and groups)" % field)
    roles = {}
    for role in GRAFANA_ROLES:
        for kind in ("users", "groups"):
            where = "%s.%s.%s" % (field, role, kind)
            ids = (permissions.get(role) or {}).get(kind) or []
            aws_rules.check_unique(ids, where, "the id", errors)
            for index, ident in enumerate(ids):
                if not ident or not ident.strip():
                    errors.append("%s[%d]: an Identity Center id cannot be empty" % (where, index))
                elif roles.setdefault((kind, ident), role) != role:
                    errors.append("%s[%d]: %r is also among the %s; a user or group has one Grafana role"
                                  % (where, index, ident, roles[(kind, ident)]))


def _check_dashboard_dirs(dirs, field, errors):
    """Each directory exists: the grafana role's ansible.builtin.find runs on the controller, where a relative
    path is taken from the directory ansible-playbook runs in (argument specs expand ~ and variables of a path)."""
    aws_rules.check_unique(dirs, field + ".dashboard_dirs", "the directory", errors)
    for index, directory in enumerate(dirs):
        path = os.path.expanduser(os.path.expandvars(directory))
        if not os.path.isdir(path):
            errors.append("%s.dashboard_dirs[%d]: %r is not a directory%s" % (
                field, index, directory, "" if os.path.isabs(path) else " (relative to %s, where ansible-playbook runs)" % os.getcwd()))


def _check_loki_host(host, platform, field, errors):
    """AMG reaches Loki through the apps' ALB (kubernetes layer), so that path must exist and the name be served."""
    kubernetes = platform.get("kubernetes")
    if not kubernetes:
        errors.append("%s: Loki is served by the kubernetes layer; add platform.kubernetes or leave loki_host empty" % field)
    elif (kubernetes.get("addons") or {}).get("ingress") != "alb":
        errors.append("%s: AMG reaches Loki through the ALB; needs platform.kubernetes.addons.ingress alb, not %r"
                      % (field, (kubernetes.get("addons") or {}).get("ingress")))
    elif not (kubernetes.get("observability") or {}).get("enabled", True):
        errors.append("%s: needs the observability stack (platform.kubernetes.observability.enabled), which runs Loki" % field)
    problem = dns_spec.host_problem(host, platform)
    if problem:
        errors.append("%s: %r %s" % (field, host, problem))


def check_grafana(grafana, platform, errors):
    """Check the grafana section (already type-checked) and return it normalized."""
    platform_id = platform["id"]
    field = "platform.observability.grafana"
    providers = grafana["authentication_providers"]
    if not providers:
        errors.append("%s.authentication_providers: give at least one of %s" % (field, ", ".join(AUTHENTICATION_PROVIDERS)))
    for index, provider in enumerate(providers):
        if provider not in AUTHENTICATION_PROVIDERS:
            errors.append("%s.authentication_providers[%d]: %r is not an authentication provider AMG offers; allowed: %s"
                          % (field, index, provider, ", ".join(AUTHENTICATION_PROVIDERS)))
    _check_saml(grafana, errors)
    version = grafana["version"] or AMG_VERSIONS[-1]
    if version not in AMG_VERSIONS:
        errors.append("%s.version: %r is not a Grafana version AMG offers; allowed: %s" % (field, version, ", ".join(AMG_VERSIONS)))
    elif version == "9.4" and grafana["prune_dashboards"] and grafana["dashboard_dirs"]:
        errors.append("%s.prune_dashboards: Grafana 9.4 cannot list one folder's dashboards, so pruning could delete "
                      "others'; set it to false or use version 10.4 or later" % field)
    for index, topic in enumerate(grafana["notification_sns_topic_arns"]):
        problem = aws_rules.arn_problem(topic, "sns", platform["region"])
        if problem:
            errors.append("%s.notification_sns_topic_arns[%d]: %r %s" % (field, index, topic, problem))
    aws_rules.check_unique(grafana["notification_sns_topic_arns"], field + ".notification_sns_topic_arns", "the topic", errors)
    _check_dashboard_dirs(grafana["dashboard_dirs"], field, errors)
    _check_permissions(grafana, errors)
    loki_host = dns_spec.normalized_name(grafana["loki_host"])
    if loki_host:
        _check_loki_host(loki_host, platform, field + ".loki_host", errors)
    role = platform_id + GRAFANA_ROLE_SUFFIX
    problem = aws_rules.iam_role_name_problem(role)
    if problem:
        errors.append("%s: the IAM role %r (<platform.name>-<platform.environment>-grafana) %s; shorten platform.name or "
                      "platform.environment" % (field, role, problem))
    name = grafana["workspace_name"] or platform_id
    if not re.match(r"^[a-zA-Z0-9-._~]{1,255}$", name):
        errors.append("%s.workspace_name: %r must be 1-255 letters, digits, '-', '.', '_' or '~'" % (field, name))
    return dict(grafana, version=version, workspace_name=name, loki_host=loki_host)
