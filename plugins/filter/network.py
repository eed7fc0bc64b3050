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


class FilterModule(object):
    """Network planning filters."""

    def filters(self):
        return {"plan_subnets": _plan_subnets, "subnets_by_tier": _subnets_by_tier}
