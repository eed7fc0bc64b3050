# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Subnet planning: carve a VPC CIDR into tiers of per-AZ subnets.

Used by the ``plan_subnets`` filter and by ``platform_spec`` preflight, so the plan a user can
preview is the plan that gets built.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress


class PlanError(ValueError):
    """A plan that cannot be made; the message names the field at fault."""


def _network(cidr, field):
    try:
        return ipaddress.ip_network(cidr, strict=True)
    except (ValueError, TypeError) as error:
        raise PlanError("%s: %r is not a valid IPv4 CIDR (%s)" % (field, cidr, error))


def _next_free(vpc, prefix, taken, field):
    """The lowest subnet of the given prefix inside vpc that overlaps nothing taken."""
    if prefix < vpc.prefixlen or prefix > 28:
        raise PlanError(
            "%s: /%d does not fit; allowed prefixes are /%d to /28 inside %s" % (field, prefix, vpc.prefixlen, vpc)
        )
    for candidate in vpc.subnets(new_prefix=prefix):
        if not any(candidate.overlaps(other) for other in taken):
            return candidate
    raise PlanError("%s: no free /%d left in %s" % (field, prefix, vpc))


def plan_subnets(vpc_cidr, tiers, zones):
    """Plan one subnet per tier and zone.

    ``tiers`` maps a tier name to ``{'prefix': int}`` or ``{'cidrs': [one per zone]}``; tiers are
    planned in the order given, explicit CIDRs first so planned ones flow around them.
    Returns a list of ``{'tier', 'zone', 'cidr'}`` dicts, tier by tier, zone by zone.
    """
    vpc = _network(vpc_cidr, "network.cidr")
    taken = []
    explicit = {}
    for tier, tier_spec in tiers.items():
        cidrs = tier_spec.get("cidrs")
        if not cidrs:
            continue
        field = "network.tiers.%s.cidrs" % tier
        if len(cidrs) != len(zones):
            raise PlanError("%s: %d CIDRs given for %d availability zones; give one per zone" % (field, len(cidrs), len(zones)))
        explicit[tier] = []
        for index, cidr in enumerate(cidrs):
            subnet = _network(cidr, "%s[%d]" % (field, index))
            if not subnet.subnet_of(vpc):
                raise PlanError("%s[%d]: %s is outside the VPC CIDR %s" % (field, index, subnet, vpc))
            clash = next((other for other in taken if subnet.overlaps(other)), None)
            if clash is not None:
                raise PlanError("%s[%d]: %s overlaps %s" % (field, index, subnet, clash))
            taken.append(subnet)
            explicit[tier].append(subnet)
    plan = []
    for tier, tier_spec in tiers.items():
        for index, zone in enumerate(zones):
            if tier in explicit:
                subnet = explicit[tier][index]
            else:
                subnet = _next_free(vpc, int(tier_spec.get("prefix") or 24), taken, "network.tiers.%s.prefix" % tier)
                taken.append(subnet)
            plan.append({"tier": tier, "zone": zone, "cidr": str(subnet)})
    return plan
