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
    resolved and subnet CIDRs planned, and the plan of its layers.
  - The layers are those of the collection's registry, C(meta/layers.yml). Each section is checked
    against the C(spec) entry point of its layer's role (C(ansible-doc -t role gameops.platform.<layer>)),
    then by the layer's own checks; a layer whose needs are absent is refused.
  - Every problem found is reported at once, each naming its full field path
    (such as C(platform.eks.node_groups[1].min_size)) and what is allowed.
  - Runs on the controller (an action plugin). Makes no AWS call and never changes anything.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  spec:
    description:
      - The platform spec. Keys are C(name), C(environment), C(region), C(tags), C(prune), C(confirm_removal),
        and one section per layer of C(meta/layers.yml) (C(network) is required).
      - C(prune) (bool, default V(true)) - a converge removes, layer by layer, what the platform created (found by
        its C(gameops:platform) tag) and the spec no longer names; V(false) keeps runs additive.
      - C(confirm_removal) (list of str, default V([])) - what holds data may be removed when this names it, as a layer
        (V(log_storage), V(cache)) or C(<layer>.<name>) (V(buckets.uploads), V(registry.queue-api)). Without it a
        converge refuses to remove a bucket with objects or a repository with images, naming them; check mode only
        shows them.
    type: dict
    required: true
  outputs_file:
    description:
      - The JSON file where the site playbook writes every layer's outputs after a run.
    type: path
  load_outputs:
    description:
      - Return the outputs of O(outputs_file) as facts C(<layer>_outputs), for a run limited to some layers
        (C(--tags)) that needs what others published.
    type: bool
    default: false
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
plan:
  description: The layers present and the order the site and teardown playbooks walk them in.
  returned: success
  type: dict
  contains:
    layers:
      description: The present layers in dependency order.
      type: list
      elements: str
      sample: [metrics, grafana, network, eks, cache, log_storage, registry, workload_roles, kubernetes]
    start:
      description: The layers whose slow creations start early.
      type: list
      elements: str
    steps:
      description: Each step of a converge, C(layer), C(role), C(tasks_from) (C(start), C(main)) and C(needs).
      type: list
      elements: dict
    teardown:
      description: The steps of a teardown, the converge's layers in reverse.
      type: list
      elements: dict
errors:
  description: Every problem found, each naming its field.
  returned: failure
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    """The work is done by the action plugin of the same name on the controller; this is its interface."""
    module = AnsibleModule(
        argument_spec=dict(spec=dict(type="dict", required=True), outputs_file=dict(type="path"), load_outputs=dict(type="bool", default=False)),
        supports_check_mode=True,
    )
    module.fail_json(msg="gameops.platform.platform_spec runs on the controller as an action plugin; it cannot run as a module")


if __name__ == "__main__":
    main()
