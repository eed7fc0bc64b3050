#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: platform_spec
short_description: Validate a gameops platform spec and return it normalized
version_added: 0.1.0
description:
  - Checks the whole environment spec of a platform (the C(platform) variable of an inventory)
    before any AWS call is made, and returns it with defaults filled in, availability zones
    resolved and subnet CIDRs planned.
  - Every problem found is reported at once, each naming its field and what is allowed.
  - Makes no AWS call and never changes anything.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  spec:
    description:
      - The platform spec. Keys are C(name), C(environment), C(region), C(tags) and C(network).
      - C(network) holds C(cidr), C(availability_zones) (a count or a list of zone names),
        C(nat_gateways) (V(none), V(single) or V(per_az)), C(tiers) (C(public), C(app), C(db), each
        with a C(prefix) or one CIDR per zone in C(cidrs)), C(s3_endpoint) and C(flow_logs).
    type: dict
    required: true
attributes:
  check_mode:
    support: full
    description: The module never changes anything.
  diff_mode:
    support: none
    description: The module never changes anything, so there is nothing to show a difference of.
notes:
  - Subnets are planned tier by tier in the order given, each at the lowest free, aligned block
    of the VPC CIDR; explicit C(cidrs) are placed first.
"""

EXAMPLES = r"""
- name: Validate the environment spec
  gameops.platform.platform_spec:
    spec: "{{ platform }}"
  register: preflight

- name: Validate a three-tier VPC spread over two zones
  gameops.platform.platform_spec:
    spec:
      name: traffic-tacos
      environment: prod
      region: ap-northeast-2
      network:
        cidr: 10.180.0.0/16
        availability_zones: 2
        nat_gateways: per_az
        tiers:
          public: {prefix: 24}
          app: {prefix: 22}
          db: {prefix: 24}
"""

RETURN = r"""
platform:
  description: The spec, normalized.
  returned: success
  type: dict
  contains:
    id:
      description: C(name)-C(environment); the value of the C(gameops:platform) tag on every resource.
      type: str
      sample: queue-infra-dev
    tags:
      description: The user's tags plus the ownership tags C(gameops:platform) and C(gameops:managed-by).
      type: dict
    network:
      description: The network spec with C(availability_zones) as zone names and C(subnets) planned.
      type: dict
      sample:
        subnets:
          - {name: queue-infra-dev-public-a, tier: public, zone: ap-northeast-2a, cidr: 10.0.0.0/24, public: true}
errors:
  description: Every problem found, each naming its field.
  returned: failure
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.gameops.platform.plugins.module_utils.platform_spec import SpecError, validate


def main():
    module = AnsibleModule(argument_spec=dict(spec=dict(type="dict", required=True)), supports_check_mode=True)
    try:
        platform = validate(module.params["spec"])
    except SpecError as error:
        module.fail_json(msg="invalid platform spec:\n- " + "\n- ".join(error.errors), errors=error.errors)
    module.exit_json(changed=False, platform=platform)


if __name__ == "__main__":
    main()
