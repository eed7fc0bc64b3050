#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ec2_vpc_subnets
short_description: Manage a set of subnets of a VPC in one call
version_added: 0.1.0
description:
  - Ensures each listed subnet of a VPC exists with its zone, public address mapping and tags, or that
    none of them exists.
  - One invocation for the whole set, where M(amazon.aws.ec2_vpc_subnet) takes one per subnet; the VPC's
    subnets are read with one paginated call.
  - A subnet is identified by its CIDR block within the VPC. Its availability zone cannot change;
    a subnet found in another zone than asked fails the module rather than being replaced.
  - Subnets of the VPC that are not listed are left alone.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  vpc_id:
    description: The VPC the subnets belong to.
    type: str
    required: true
  subnets:
    description: The subnets.
    type: list
    elements: dict
    required: true
    suboptions:
      cidr:
        description: The subnet's IPv4 CIDR block.
        type: str
        required: true
      az:
        description:
          - The availability zone. Required to create the subnet; when omitted, an existing subnet's zone is kept.
        type: str
      map_public:
        description: Whether instances launched in the subnet get a public IPv4 address.
        type: bool
        default: false
      tags:
        description: The subnet's tags. With O(purge_tags=true), tags not listed are removed.
        type: dict
        default: {}
  purge_tags:
    description: Remove the tags of a listed subnet that its O(subnets[].tags) do not name.
    type: bool
    default: true
  state:
    description: V(present) ensures the subnets; V(absent) deletes those of them that exist.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description: Wait for created subnets to become available.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for with O(wait=true).
    type: int
    default: 300
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports which subnets would be created, changed or deleted, without doing so; subnets it would create have no id.
  diff_mode:
    support: full
    description: Returns the listed subnets before and after, keyed by CIDR block.
"""

EXAMPLES = r"""
- name: Ensure a public and a private subnet
  gameops.platform.ec2_vpc_subnets:
    vpc_id: "{{ vpc_id }}"
    subnets:
      - cidr: 10.0.0.0/24
        az: ap-northeast-2a
        map_public: true
        tags: {Name: queue-infra-public-a}
      - cidr: 10.0.16.0/20
        az: ap-northeast-2a
        tags: {Name: queue-infra-app-a}
  register: subnets

- name: Remove them
  gameops.platform.ec2_vpc_subnets:
    vpc_id: "{{ vpc_id }}"
    subnets: [{cidr: 10.0.0.0/24}, {cidr: 10.0.16.0/20}]
    state: absent
"""

RETURN = r"""
subnets:
  description:
    - The listed subnets in the order given, in snake case as AWS describes them, with V(id) (V(null) for a
      subnet check mode would create) and V(tags) as a dict. Empty with O(state=absent).
  returned: always
  type: list
  elements: dict
  sample:
    - id: subnet-0123456789abcdef0
      cidr_block: 10.0.0.0/24
      availability_zone: ap-northeast-2a
      map_public_ip_on_launch: true
      vpc_id: vpc-0123456789abcdef0
      tags: {Name: queue-infra-public-a}
"""

try:
    import botocore
except ImportError:
    pass  # Reported by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags


def describe(subnet):
    """The comparable view of a subnet, as used in results and diffs."""
    if not subnet:
        return {}
    result = camel_dict_to_snake_dict(subnet, ignore_list=["Tags"])
    result["id"] = subnet.get("SubnetId")
    result["tags"] = boto3_tag_list_to_ansible_dict(subnet.get("Tags", []))
    return result


@AWSRetry.jittered_backoff()
def find_subnets(client, vpc_id):
    """The VPC's subnets by CIDR block; the listing is retried as a whole."""
    paginator = client.get_paginator("describe_subnets")
    pages = paginator.paginate(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
    return dict((subnet["CidrBlock"], subnet) for subnet in pages.build_full_result()["Subnets"])


def create_subnet(module, client, wanted):
    if not wanted.get("az"):
        module.fail_json(msg="subnet %s does not exist and has no az to create it in" % wanted["cidr"])
    planned = {"SubnetId": None, "VpcId": module.params["vpc_id"], "CidrBlock": wanted["cidr"], "AvailabilityZone": wanted["az"],
               "MapPublicIpOnLaunch": wanted["map_public"], "Tags": ansible_dict_to_boto3_tag_list(wanted["tags"])}
    if module.check_mode:
        return planned
    request = dict(VpcId=module.params["vpc_id"], CidrBlock=wanted["cidr"], AvailabilityZone=wanted["az"])
    if wanted["tags"]:
        request["TagSpecifications"] = boto3_tag_specifications(wanted["tags"], types="subnet")
    subnet = client.create_subnet(aws_retry=True, **request)["Subnet"]
    if wanted["map_public"]:
        set_map_public(client, subnet["SubnetId"], True)
    return dict(subnet, MapPublicIpOnLaunch=wanted["map_public"], Tags=planned["Tags"])


def set_map_public(client, subnet_id, value):
    client.modify_subnet_attribute(aws_retry=True, SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": value})


def update_subnet(module, client, subnet, wanted):
    """Brings an existing subnet to what is wanted; returns whether it changed."""
    if wanted.get("az") and subnet["AvailabilityZone"] != wanted["az"]:
        module.fail_json(msg="subnet %s is in %s, not %s: a subnet cannot move zones; delete it first"
                         % (wanted["cidr"], subnet["AvailabilityZone"], wanted["az"]))
    changed = False
    if subnet.get("MapPublicIpOnLaunch", False) != wanted["map_public"]:
        changed = True
        if not module.check_mode:
            set_map_public(client, subnet["SubnetId"], wanted["map_public"])
    # Compared with the tags DescribeSubnets returned: no DescribeTags call per subnet, as ensure_ec2_tags makes.
    to_add, to_remove = compare_aws_tags(boto3_tag_list_to_ansible_dict(subnet.get("Tags", [])), wanted["tags"],
                                         purge_tags=module.params["purge_tags"])
    if (to_add or to_remove) and not module.check_mode:
        if to_remove:
            client.delete_tags(aws_retry=True, Resources=[subnet["SubnetId"]], Tags=[{"Key": key} for key in to_remove])
        if to_add:
            client.create_tags(aws_retry=True, Resources=[subnet["SubnetId"]], Tags=ansible_dict_to_boto3_tag_list(to_add))
    return changed or bool(to_add or to_remove)


def planned_after(subnet, wanted, purge_tags):
    """What a changed subnet looks like afterwards, without reading it again."""
    tags = {} if purge_tags else boto3_tag_list_to_ansible_dict(subnet.get("Tags", []))
    tags.update(wanted["tags"])
    return dict(subnet, MapPublicIpOnLaunch=wanted["map_public"], Tags=ansible_dict_to_boto3_tag_list(tags))


def wait_available(module, client, subnets):
    ids = [subnet["SubnetId"] for subnet in subnets if subnet.get("State") != "available"]
    if not ids or module.check_mode or not module.params["wait"]:
        return
    delay = 5
    waiter = client.get_waiter("subnet_available")
    waiter.wait(SubnetIds=ids, WaiterConfig={"Delay": delay, "MaxAttempts": max(module.params["wait_timeout"] // delay, 1)})


def ensure_present(module, client, existing):
    changed, results, created = False, [], []
    for wanted in module.params["subnets"]:
        subnet = existing.get(wanted["cidr"])
        if subnet is None:
            subnet = create_subnet(module, client, wanted)
            created.append(subnet)
            changed = True
        elif update_subnet(module, client, subnet, wanted):
            subnet = planned_after(subnet, wanted, module.params["purge_tags"])
            changed = True
        results.append(subnet)
    wait_available(module, client, created)
    return changed, results


def ensure_absent(module, client, existing):
    doomed = [existing[wanted["cidr"]] for wanted in module.params["subnets"] if wanted["cidr"] in existing]
    if not module.check_mode:
        for subnet in doomed:
            client.delete_subnet(aws_retry=True, SubnetId=subnet["SubnetId"])
    return bool(doomed), []


def main():
    subnet_spec = dict(
        cidr=dict(type="str", required=True),
        az=dict(type="str"),
        map_public=dict(type="bool", default=False),
        tags=dict(type="dict", default={}),
    )
    argument_spec = dict(
        vpc_id=dict(type="str", required=True),
        subnets=dict(type="list", elements="dict", required=True, options=subnet_spec),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=300),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    cidrs = [wanted["cidr"] for wanted in module.params["subnets"]]
    if len(set(cidrs)) != len(cidrs):
        module.fail_json(msg="subnets lists a CIDR block more than once: %s" % ", ".join(sorted(set(c for c in cidrs if cidrs.count(c) > 1))))
    # Right after CreateSubnet, another endpoint may not know the id yet (InvalidSubnetID.NotFound).
    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff(catch_extra_error_codes=["InvalidSubnetID.NotFound"]))
    try:
        existing = find_subnets(client, module.params["vpc_id"])
        ensure = ensure_present if module.params["state"] == "present" else ensure_absent
        changed, subnets = ensure(module, client, existing)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, botocore.exceptions.WaiterError) as error:
        module.fail_json_aws(error, msg="Failed to manage the subnets of %s" % module.params["vpc_id"])
    before = dict((cidr, describe(existing.get(cidr))) for cidr in cidrs)
    after = dict((subnet["CidrBlock"], describe(subnet)) for subnet in subnets)
    module.exit_json(changed=changed, subnets=[describe(subnet) for subnet in subnets], diff=dict(before=before, after=after))


if __name__ == "__main__":
    main()
