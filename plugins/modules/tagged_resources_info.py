#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: tagged_resources_info
short_description: List the resources in a region that carry given tags
version_added: 0.1.0
description:
  - Asks the Resource Groups Tagging API for every resource whose tags match, across services.
  - Teardown uses it to prove that nothing the collection created is left.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  tag_filters:
    description:
      - Tag key to the value (or list of values) it must have. An empty value matches any value.
    type: dict
    required: true
  resource_types:
    description: Restrict the search to these types, for example V(ec2:vpc) or V(s3).
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: The module only reads.
  diff_mode:
    support: none
    description: The module only reads, so there is nothing to show a difference of.
notes:
  - Deleted NAT gateways stay visible (state C(deleted)) for about an hour on AWS, and KMS keys stay
    until their deletion window ends (state C(PendingDeletion)); the tagging API lists both. They
    are left out of the result.
"""

EXAMPLES = r"""
- name: Everything the collection created for a platform
  gameops.platform.tagged_resources_info:
    tag_filters:
      gameops:platform: queue-infra-prod
  register: leftovers
"""

RETURN = r"""
resources:
  description: The matching resources.
  returned: always
  type: list
  elements: dict
  contains:
    arn:
      description: The resource's ARN.
      type: str
      sample: arn:aws:ec2:ap-northeast-2:123456789012:vpc/vpc-0123456789abcdef0
    tags:
      description: The resource's tags.
      type: dict
"""

try:
    import botocore
except ImportError:
    pass  # Reported by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict


def tag_filter_list(tag_filters):
    filters = []
    for key, values in tag_filters.items():
        if values in (None, "", []):
            filters.append({"Key": key})
        else:
            filters.append({"Key": key, "Values": values if isinstance(values, list) else [str(values)]})
    return filters


# The throttling code of JSON services (KMS, the tagging API), which AWSRetry does not retry by default.
JSON_RETRY = AWSRetry.jittered_backoff(catch_extra_error_codes=["ThrottlingException"])


def deleted_nat_gateways(module, arns):
    ids = [arn.rpartition("/")[2] for arn in arns]
    ec2 = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    gateways = ec2.describe_nat_gateways(aws_retry=True, NatGatewayIds=ids)["NatGateways"]
    return set(gateway["NatGatewayId"] for gateway in gateways if gateway["State"] == "deleted")


def deleted_kms_keys(module, arns):
    kms = module.client("kms", retry_decorator=JSON_RETRY)
    keys = [kms.describe_key(aws_retry=True, KeyId=arn)["KeyMetadata"] for arn in arns]
    return set(key["KeyId"] for key in keys if key["KeyState"] in ("PendingDeletion", "PendingReplicaDeletion"))


# ARN fragment to a function returning the ids, among those ARNs, of resources already deleted.
LINGERING = {":natgateway/": deleted_nat_gateways, ":key/": deleted_kms_keys}


def drop_deleted(module, resources):
    """Deleted resources that AWS keeps listing for a while are gone for all purposes here."""
    deleted = set()
    for fragment, find_deleted in LINGERING.items():
        arns = [resource["arn"] for resource in resources if fragment in resource["arn"]]
        if arns:
            deleted |= find_deleted(module, arns)
    return [resource for resource in resources if resource["arn"].rpartition("/")[2] not in deleted]


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            tag_filters=dict(type="dict", required=True),
            resource_types=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    client = module.client("resourcegroupstaggingapi", retry_decorator=JSON_RETRY)
    request = {"TagFilters": tag_filter_list(module.params["tag_filters"])}
    if module.params["resource_types"]:
        request["ResourceTypeFilters"] = module.params["resource_types"]
    try:
        pages = JSON_RETRY(lambda: client.get_paginator("get_resources").paginate(**request).build_full_result())()
        resources = [
            {"arn": mapping["ResourceARN"], "tags": boto3_tag_list_to_ansible_dict(mapping.get("Tags", []))}
            for mapping in pages.get("ResourceTagMappingList", [])
        ]
        resources = drop_deleted(module, resources)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to list tagged resources")
    module.exit_json(changed=False, resources=resources)


if __name__ == "__main__":
    main()
