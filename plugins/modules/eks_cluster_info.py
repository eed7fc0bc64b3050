#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: eks_cluster_info
short_description: Describe an EKS cluster with its node groups, addons and access entries
version_added: 0.1.0
description:
  - Returns the cluster and the names of what hangs off it, so teardown can remove those first and
    verification can read back a whole EKS layer in one call.
  - Returns C(exists=false) when there is no such cluster.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  name:
    description: The cluster name.
    type: str
    required: true
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
    description: The module only reads.
"""

EXAMPLES = r"""
- name: Read back the cluster
  gameops.platform.eks_cluster_info:
    name: queue-infra-prod
  register: cluster_info
"""

RETURN = r"""
exists:
  description: Whether the cluster exists.
  returned: always
  type: bool
cluster:
  description: DescribeCluster's answer in snake case; empty when the cluster does not exist.
  returned: always
  type: dict
  sample: {name: queue-infra-prod, status: ACTIVE, version: "1.35"}
nodegroups:
  description: Names of the cluster's managed node groups.
  returned: always
  type: list
  elements: str
addons:
  description: Names of the cluster's addons.
  returned: always
  type: list
  elements: str
access_entries:
  description: Principal ARNs of the cluster's access entries.
  returned: always
  type: list
  elements: str
"""

try:
    import botocore
except ImportError:
    pass  # Reported by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.gameops.platform.plugins.module_utils import rest_json


def list_all(client, operation, key, **params):
    """Every page of a listing, merged."""
    return rest_json.paginate(client, operation, **params).get(key, [])


def main():
    module = AnsibleAWSModule(argument_spec=dict(name=dict(type="str", required=True)), supports_check_mode=True)
    client = rest_json.retried_client(module, "eks")
    name = module.params["name"]
    try:
        cluster = client.describe_cluster(aws_retry=True, name=name)["cluster"]
    except is_boto3_error_code("ResourceNotFoundException"):
        module.exit_json(changed=False, exists=False, cluster={}, nodegroups=[], addons=[], access_entries=[])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:  # pylint: disable=duplicate-except
        module.fail_json_aws(error, msg="Failed to describe EKS cluster %s" % name)
    try:
        nodegroups = list_all(client, "list_nodegroups", "nodegroups", clusterName=name)
        addons = list_all(client, "list_addons", "addons", clusterName=name)
        access_entries = list_all(client, "list_access_entries", "accessEntries", clusterName=name)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to list what belongs to EKS cluster %s" % name)
    module.exit_json(
        changed=False,
        exists=True,
        cluster=camel_dict_to_snake_dict(cluster, ignore_list=["tags"]),
        nodegroups=nodegroups,
        addons=addons,
        access_entries=access_entries,
    )


if __name__ == "__main__":
    main()
