# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform spec: its schema, the checks beyond types, and its normalized form.

The schema is an Ansible argument spec, so types, choices and unknown keys are checked by
ansible-core's own validator; ``validate`` adds what types cannot say (CIDRs, zones, names).
No AWS call is made: preflight must be able to refuse a spec before anything exists.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.gameops.platform.plugins.module_utils.data_spec import (
    CACHE_OPTIONS,
    LOG_STORAGE_OPTIONS,
    REGISTRY_OPTIONS,
    check_cache,
    check_log_storage,
    check_registry,
)
from ansible_collections.gameops.platform.plugins.module_utils.eks_spec import EKS_OPTIONS, normalize_eks
from ansible_collections.gameops.platform.plugins.module_utils.kubernetes_spec import KUBERNETES_OPTIONS, check_kubernetes
from ansible_collections.gameops.platform.plugins.module_utils.network_plan import PlanError, plan_subnets
from ansible_collections.gameops.platform.plugins.module_utils.observability_spec import OBSERVABILITY_OPTIONS, check_observability

# Zone letters per region, so preflight can refuse an AZ count without calling AWS.
REGION_ZONES = {
    "ap-northeast-1": "acd",
    "ap-northeast-2": "abcd",
    "ap-northeast-3": "abc",
    "ap-southeast-1": "abc",
    "ap-southeast-2": "abc",
    "ap-south-1": "abc",
    "ca-central-1": "abd",
    "eu-central-1": "abc",
    "eu-west-1": "abc",
    "eu-west-2": "abc",
    "eu-north-1": "abc",
    "sa-east-1": "abc",
    "us-east-1": "abcdef",
    "us-east-2": "abc",
    "us-west-1": "ac",
    "us-west-2": "abcd",
}

TIER_NAMES = ("public", "app", "db")
DEFAULT_TIERS = {"public": {"prefix": 24}, "app": {"prefix": 20}, "db": {"prefix": 24}}
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")

# Tag keys the collection puts on everything it creates; teardown finds resources by them.
PLATFORM_TAG = "gameops:platform"
MANAGED_BY_TAG = "gameops:managed-by"
COLLECTION = "gameops.platform"

TIER_OPTIONS = dict(prefix=dict(type="int"), cidrs=dict(type="list", elements="str"))

NETWORK_OPTIONS = dict(
    cidr=dict(type="str", required=True),
    availability_zones=dict(type="raw", default=2),
    nat_gateways=dict(type="str", default="single", choices=["none", "single", "per_az"]),
    tiers=dict(
        type="dict",
        options=dict((tier, dict(type="dict", options=TIER_OPTIONS)) for tier in TIER_NAMES),
    ),
    s3_endpoint=dict(type="bool", default=True),
    flow_logs=dict(
        type="dict",
        options=dict(
            enabled=dict(type="bool", default=False),
            destination_type=dict(type="str", default="s3", choices=["s3", "cloud-watch-logs"]),
            destination_arn=dict(type="str"),
            iam_role_arn=dict(type="str"),
            traffic_type=dict(type="str", default="ALL", choices=["ALL", "ACCEPT", "REJECT"]),
        ),
    ),
)

PLATFORM_OPTIONS = dict(
    name=dict(type="str", required=True),
    environment=dict(type="str", required=True),
    region=dict(type="str", required=True),
    tags=dict(type="dict", default={}),
    network=dict(type="dict", required=True, options=NETWORK_OPTIONS),
    eks=dict(type="dict", options=EKS_OPTIONS),
    log_storage=dict(type="dict", options=LOG_STORAGE_OPTIONS),
    registry=dict(type="dict", options=REGISTRY_OPTIONS),
    cache=dict(type="dict", options=CACHE_OPTIONS),
    observability=dict(type="dict", options=OBSERVABILITY_OPTIONS),
    kubernetes=dict(type="dict", options=KUBERNETES_OPTIONS),
)


class SpecError(ValueError):
    """The spec was refused; ``errors`` lists every problem found, each naming its field."""

    def __init__(self, errors):
        super().__init__("; ".join(errors))
        self.errors = errors


def _check_name(value, field, errors):
    if not NAME_PATTERN.match(value):
        errors.append(
            "%s: %r must be 2-32 characters of lowercase letters, digits and '-', starting with a letter" % (field, value)
        )


def _zones(region, requested, errors):
    letters = REGION_ZONES.get(region)
    if letters is None:
        errors.append("platform.region: %r is not a supported region; allowed: %s" % (region, ", ".join(sorted(REGION_ZONES))))
        return []
    available = [region + letter for letter in letters]
    if isinstance(requested, bool) or not isinstance(requested, (int, list)):
        errors.append("platform.network.availability_zones: give a count (int) or a list of zone names, not %r" % (requested,))
        return []
    if isinstance(requested, int):
        if not 1 <= requested <= len(available):
            errors.append(
                "platform.network.availability_zones: %s has %d zones; allowed counts are 1 to %d"
                % (region, len(available), len(available))
            )
            return []
        return available[:requested]
    unknown = [zone for zone in requested if zone not in available]
    if unknown or not requested or len(set(requested)) != len(requested):
        errors.append(
            "platform.network.availability_zones: %r must be distinct zones of %s: %s" % (requested, region, ", ".join(available))
        )
        return []
    return list(requested)


def _tiers(tiers, errors):
    chosen = dict((name, spec) for name, spec in (tiers or DEFAULT_TIERS).items() if spec is not None)
    for required in ("public", "app"):
        if required not in chosen:
            errors.append("platform.network.tiers.%s: required; the %s tier is where %s" % (
                required, required, "load balancers and NAT gateways live" if required == "public" else "workloads run"))
    for name, spec in chosen.items():
        if spec.get("prefix") is not None and spec.get("cidrs"):
            errors.append("platform.network.tiers.%s: give prefix or cidrs, not both" % name)
    return chosen


def _network(network, region, platform_id, errors):
    zones = _zones(region, network["availability_zones"], errors)
    tiers = _tiers(network.get("tiers"), errors)
    flow_logs = network.get("flow_logs") or {"enabled": False}
    if flow_logs.get("enabled") and not flow_logs.get("destination_arn"):
        errors.append("platform.network.flow_logs.destination_arn: required when flow logs are enabled")
    if flow_logs.get("enabled") and flow_logs.get("destination_type") == "cloud-watch-logs" and not flow_logs.get("iam_role_arn"):
        errors.append("platform.network.flow_logs.iam_role_arn: required for the cloud-watch-logs destination")
    subnets = []
    if zones and not errors:
        try:
            subnets = plan_subnets(network["cidr"], tiers, zones)
        except PlanError as error:
            errors.append("platform." + str(error))
    for subnet in subnets:
        subnet["name"] = "%s-%s-%s" % (platform_id, subnet["tier"], subnet["zone"][-1])
        subnet["public"] = subnet["tier"] == "public"
    return dict(network, availability_zones=zones, tiers=tiers, flow_logs=flow_logs, subnets=subnets)


def _allowed_keys(path):
    options = PLATFORM_OPTIONS
    for key in path:
        options = options[key].get("options", {})
    return sorted(options)


def _schema_errors(result):
    """ansible-core's messages, with unknown keys reported by their full path and the allowed keys."""
    errors = []
    for error in result.errors:
        if type(error).__name__ == "UnsupportedError":
            continue
        errors.append("platform: %s" % error)
    for unknown in sorted(result.unsupported_parameters, key=str):
        path = (unknown,) if isinstance(unknown, str) else tuple(unknown)
        errors.append("platform.%s: unknown key; allowed here: %s" % (".".join(path), ", ".join(_allowed_keys(path[:-1]))))
    return errors


def validate(spec):
    """Check a platform spec and return it normalized; raises SpecError listing every problem."""
    if not isinstance(spec, dict):
        raise SpecError(["platform: must be a mapping, got %s" % type(spec).__name__])
    result = ArgumentSpecValidator(PLATFORM_OPTIONS).validate(spec)
    errors = _schema_errors(result)
    if errors:
        raise SpecError(errors)
    params = result.validated_parameters
    _check_name(params["name"], "platform.name", errors)
    _check_name(params["environment"], "platform.environment", errors)
    platform_id = "%s-%s" % (params["name"], params["environment"])
    network = _network(params["network"], params["region"], platform_id, errors)
    eks = normalize_eks(params["eks"], platform_id, errors) if params["eks"] else None
    log_storage = check_log_storage(params["log_storage"], platform_id, errors) if params["log_storage"] else None
    registry = check_registry(params["registry"], errors) if params["registry"] else None
    cache = check_cache(params["cache"], errors) if params["cache"] else None
    observability = check_observability(params["observability"], platform_id, errors) if params["observability"] else None
    sections = dict(eks=eks, log_storage=log_storage, registry=registry, cache=cache)
    kubernetes = check_kubernetes(params["kubernetes"], sections, errors) if params["kubernetes"] else None
    if errors:
        raise SpecError(errors)
    tags = dict(params["tags"])
    tags.update({PLATFORM_TAG: platform_id, MANAGED_BY_TAG: COLLECTION})
    return dict(params, id=platform_id, tags=tags, network=network, eks=eks, log_storage=log_storage, registry=registry, cache=cache,
                observability=observability, kubernetes=kubernetes)
