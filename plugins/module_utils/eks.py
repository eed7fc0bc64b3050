# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the EKS modules share: the client, the cluster, addon versions, access policy ARNs, tags, waits.

Every call goes through the client ``eks_client`` returns, with ``aws_retry=True``, or through
``paginate``, which retries a whole listing; nothing is retried twice over.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible.module_utils.common.yaml import HAS_YAML, yaml_load

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.gameops.platform.plugins.module_utils import rest_json
from ansible_collections.gameops.platform.plugins.module_utils.waiting import WaitTimeout
from ansible_collections.gameops.platform.plugins.module_utils.waiting import wait_until

ACCESS_POLICY_ARN = "arn:%s:eks::aws:cluster-access-policy/%s"


# Shared with the other REST-JSON services' helpers; modules call them through this module.
paginate = rest_json.paginate
to_ansible = rest_json.to_ansible
ensure_tags = rest_json.ensure_tags


def eks_client(module):
    """The EKS client; call it with ``aws_retry=True``."""
    return rest_json.retried_client(module, "eks")


def describe_cluster(client, name):
    """The cluster, or None when there is none of that name."""
    try:
        return client.describe_cluster(aws_retry=True, name=name)["cluster"]
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


def require_cluster(module, client, name):
    """The cluster; None with state=absent when there is none (nothing to delete), else a failure."""
    cluster = describe_cluster(client, name)
    if cluster is None and module.params["state"] != "absent":
        module.fail_json(msg="EKS cluster %s does not exist in region %s" % (name, module.region))
    return cluster


def partition(arn):
    return arn.split(":")[1]


# -- Kubernetes versions ------------------------------------------------------------------------------

# DescribeClusterVersions' deprecated ``status`` in the terms of its ``versionStatus``.
LEGACY_VERSION_STATUS = {"unsupported": "UNSUPPORTED", "standard-support": "STANDARD_SUPPORT", "extended-support": "EXTENDED_SUPPORT"}


def _day(value):
    """A timestamp botocore parsed (a datetime) as an ISO date; None stays None."""
    return value.date().isoformat() if hasattr(value, "date") else value


def eks_versions(client, include_all=True):
    """EKS's Kubernetes version calendar from DescribeClusterVersions: {minor version: details}.

    Each has ``status`` (V(STANDARD_SUPPORT), V(EXTENDED_SUPPORT), which costs more per cluster hour, or
    V(UNSUPPORTED): past the end of extended support, where EKS creates no cluster and auto-upgrades
    existing ones), ``default`` (what CreateCluster takes without a version), and ``release_date``,
    ``end_of_standard_support`` and ``end_of_extended_support`` as ISO dates. With ``include_all``,
    end-of-life versions are listed too, so a caller can tell "end of life" from "unknown".
    """
    params = dict(includeAll=True) if include_all else {}
    result = {}
    for entry in paginate(client, "describe_cluster_versions", **params)["clusterVersions"]:
        result[entry["clusterVersion"]] = dict(
            status=entry.get("versionStatus") or LEGACY_VERSION_STATUS.get(entry.get("status")),
            default=bool(entry.get("defaultVersion")),
            release_date=_day(entry.get("releaseDate")),
            end_of_standard_support=_day(entry.get("endOfStandardSupportDate")),
            end_of_extended_support=_day(entry.get("endOfExtendedSupportDate")),
        )
    return result


# -- addon versions -----------------------------------------------------------------------------------


def version_key(version):
    """Orders addon versions such as v1.19.5-eksbuild.3 by their numbers."""
    return tuple(int(number) for number in re.findall(r"\d+", version))


def _addon_versions(client, addon_name, kubernetes_version=None):
    params = dict(addonName=addon_name)
    if kubernetes_version:
        params["kubernetesVersion"] = kubernetes_version
    addons = paginate(client, "describe_addon_versions", **params)["addons"]
    return [info for addon in addons if addon["addonName"] == addon_name for info in addon["addonVersions"]]


def resolve_addon_version(module, client, addon_name, kubernetes_version, requested):
    """The exact addon version to install on a cluster of the Kubernetes version.

    V(latest) is the newest version that runs on it, V(default) the one AWS marks default for it
    (else the newest); an exact version must run on it. Fails with what there is otherwise.
    """
    infos = _addon_versions(client, addon_name, kubernetes_version)
    compatible = sorted(set(info["addonVersion"] for info in infos), key=version_key, reverse=True)
    if not compatible:
        if _addon_versions(client, addon_name):
            module.fail_json(msg="No version of the EKS addon %s runs on Kubernetes %s" % (addon_name, kubernetes_version))
        module.fail_json(msg="EKS has no addon named %s in region %s" % (addon_name, module.region))
    if requested == "latest":
        return compatible[0]
    if requested == "default":
        defaults = [info["addonVersion"] for info in infos for compatibility in info.get("compatibilities", [])
                    if compatibility.get("clusterVersion") == kubernetes_version and compatibility.get("defaultVersion")]
        return max(defaults, key=version_key) if defaults else compatible[0]
    if requested not in compatible:
        module.fail_json(msg="Version %s of the EKS addon %s does not run on Kubernetes %s; these do: %s"
                         % (requested, addon_name, kubernetes_version, ", ".join(compatible)))
    return requested


def parse_configuration(module, values):
    """Addon configuration values as a dict, from a dict or JSON or YAML text; {} when there are none."""
    if values is None or values == "":
        return {}
    if isinstance(values, dict):
        return values
    try:
        document = json.loads(values)
    except ValueError:
        if not HAS_YAML:
            module.fail_json(msg="Configuration values that are not JSON need PyYAML to be read: %s" % values)
        try:
            document = yaml_load(values)
        except Exception as error:  # pylint: disable=broad-except  # yaml.YAMLError, without importing yaml
            module.fail_json(msg="Configuration values are neither JSON nor YAML: %s" % error)
    if document is None:
        return {}
    if not isinstance(document, dict):
        module.fail_json(msg="Configuration values must be a JSON or YAML object, not: %s" % values)
    return document


# -- access policies ----------------------------------------------------------------------------------


def access_policy_arn(policy, arn_partition="aws"):
    """The ARN of an EKS access policy given by short name (AmazonEKSViewPolicy) or ARN."""
    if policy.startswith("arn:"):
        return policy
    return ACCESS_POLICY_ARN % (arn_partition, policy)


def access_policy_arns(client):
    """The ARNs of the access policies EKS offers."""
    return set(policy["arn"] for policy in paginate(client, "list_access_policies")["accessPolicies"])


# -- tags and waits -----------------------------------------------------------------------------------


def wait_or_fail(module, describe, done, failed=None, what="resource", timed_out=None):
    """wait_until with the module's wait_timeout; a failure or time-out fails the module. ``timed_out`` is added to the
    message of a time-out (not of a failure): what goes on meanwhile, and what to do."""
    try:
        return wait_until(describe, done, module.params["wait_timeout"], delay=10, failed=failed, what=what)
    except WaitTimeout as error:
        message = str(error)
        if timed_out and error.last is not None and not (failed and failed(error.last)):
            message = "%s; %s" % (message, timed_out)
        module.fail_json(msg=message, last=to_ansible(error.last))
