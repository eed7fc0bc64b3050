# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.gameops.platform.plugins.module_utils.network_plan import PlanError, plan_subnets


def _plan_subnets(vpc_cidr, tiers, zones):
    try:
        return plan_subnets(vpc_cidr, tiers, zones)
    except PlanError as error:
        raise AnsibleFilterError(str(error))


def _subnets_by_tier(subnets, tier):
    return [subnet for subnet in subnets if subnet["tier"] == tier]


def _subnet_requests(subnets, tags, tier_tags):
    """The subnets of a plan as gameops.platform.ec2_vpc_subnets takes them, each tagged with its name and tier."""
    requests = []
    for subnet in subnets:
        subnet_tags = dict(tags)
        subnet_tags.update({"Name": subnet["name"], "gameops:tier": subnet["tier"]})
        subnet_tags.update(tier_tags.get(subnet["tier"], {}))
        requests.append({"cidr": subnet["cidr"], "az": subnet["zone"], "map_public": subnet["public"], "tags": subnet_tags})
    return requests


class FilterModule(object):
    """Network planning filters."""

    def filters(self):
        return {"plan_subnets": _plan_subnets, "subnets_by_tier": _subnets_by_tier, "subnet_requests": _subnet_requests}
