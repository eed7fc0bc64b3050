# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``network`` section of the platform spec: zones resolved and subnets planned, no AWS call."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.gameops.platform.plugins.module_utils import aws_rules
from ansible_collections.gameops.platform.plugins.module_utils.network_plan import PlanError, plan_subnets

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

# VPC User Guide, "VPC CIDR blocks" and "Subnet CIDR blocks": an IPv4 VPC or subnet block is /16 to /28.
MIN_PREFIX, MAX_PREFIX = 16, 28

TIER_NAMES = ("public", "app", "db")
DEFAULT_TIERS = {"public": {"prefix": 24}, "app": {"prefix": 20}, "db": {"prefix": 24}}


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


def _check_sizes(network, tiers, errors):
    """The VPC block and explicit subnet blocks IPv4 and /16 to /28; the planner checks the rest (inside, overlaps)."""
    blocks = [("platform.network.cidr", network["cidr"])]
    for name, spec in sorted(tiers.items()):
        blocks += [("platform.network.tiers.%s.cidrs[%d]" % (name, index), cidr) for index, cidr in enumerate(spec.get("cidrs") or [])]
    for field, cidr in blocks:
        try:
            block = ipaddress.ip_network(cidr)
        except ValueError:
            continue  # the planner names it
        if block.version != 4:
            errors.append("%s: %r is not an IPv4 CIDR; the VPC and its subnets take IPv4 blocks" % (field, cidr))
        elif not MIN_PREFIX <= block.prefixlen <= MAX_PREFIX:
            errors.append("%s: %r is a /%d; AWS takes IPv4 blocks of /%d to /%d" % (field, cidr, block.prefixlen, MIN_PREFIX, MAX_PREFIX))


def _check_flow_logs(flow_logs, region, errors):
    field = "platform.network.flow_logs"
    if not flow_logs.get("enabled"):
        return
    destination = flow_logs.get("destination_arn")
    service = "s3" if flow_logs.get("destination_type") == "s3" else "logs"
    problem = destination and aws_rules.arn_problem(destination, service, region)
    if problem:
        errors.append("%s.destination_arn: %r %s" % (field, destination, problem))
    role = flow_logs.get("iam_role_arn")
    problem = role and aws_rules.arn_problem(role, "iam", region)
    if problem or (role and ":role/" not in role):
        errors.append("%s.iam_role_arn: %r %s" % (field, role, problem or "is a user's ARN; flow logs assume a role"))


def check_network(network, platform, errors):
    """Check the network section (already type-checked): zones resolved, tiers chosen, subnets planned."""
    region, platform_id = platform["region"], platform["id"]
    found_before = len(errors)
    zones = _zones(region, network["availability_zones"], errors)
    tiers = _tiers(network.get("tiers"), errors)
    flow_logs = network.get("flow_logs") or {"enabled": False}
    if flow_logs.get("enabled") and not flow_logs.get("destination_arn"):
        errors.append("platform.network.flow_logs.destination_arn: required when flow logs are enabled")
    if flow_logs.get("enabled") and flow_logs.get("destination_type") == "cloud-watch-logs" and not flow_logs.get("iam_role_arn"):
        errors.append("platform.network.flow_logs.iam_role_arn: required for the cloud-watch-logs destination")
    _check_flow_logs(flow_logs, region, errors)
    _check_sizes(network, tiers, errors)
    subnets = []
    if zones and len(errors) == found_before:
        try:
            subnets = plan_subnets(network["cidr"], tiers, zones)
        except PlanError as error:
            errors.append("platform." + str(error))
    for subnet in subnets:
        subnet["name"] = "%s-%s-%s" % (platform_id, subnet["tier"], subnet["zone"][-1])
        subnet["public"] = subnet["tier"] == "public"
    return dict(network, availability_zones=zones, tiers=tiers, flow_logs=flow_logs, subnets=subnets)
