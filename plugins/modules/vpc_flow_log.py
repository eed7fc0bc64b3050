#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: vpc_flow_log
short_description: Manage the flow log of a VPC, subnet or network interface
version_added: 0.1.0
description:
  - Ensures a resource has exactly one flow log with the given destination and traffic type,
    or none.
  - A flow log cannot be modified in place; when its settings differ it is replaced.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  resource_id:
    description: The VPC, subnet or network interface id.
    type: str
    required: true
  resource_type:
    description: The kind of resource O(resource_id) names.
    type: str
    choices: [VPC, Subnet, NetworkInterface]
    default: VPC
  state:
    description:
      - V(present) ensures the flow log; V(absent) removes every flow log of the resource.
    type: str
    choices: [present, absent]
    default: present
  traffic_type:
    description: Which traffic to log.
    type: str
    choices: [ALL, ACCEPT, REJECT]
    default: ALL
  destination_type:
    description: Where the records go.
    type: str
    choices: [s3, cloud-watch-logs]
    default: s3
  destination_arn:
    description:
      - The S3 bucket (or bucket/prefix) ARN, or the CloudWatch Logs log group ARN.
      - Required with O(state=present).
    type: str
  iam_role_arn:
    description: Role that lets the service publish to CloudWatch Logs; required for that destination.
    type: str
  max_aggregation_interval:
    description: Seconds over which records are aggregated, 60 or 600.
    type: int
    choices: [60, 600]
    default: 600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports whether flow logs would be created, replaced, retagged or deleted, without doing so.
  diff_mode:
    support: full
    description: Returns the flow log (or flow logs) of the resource before and the flow log after.
"""

EXAMPLES = r"""
- name: Send all VPC traffic records to S3
  gameops.platform.vpc_flow_log:
    resource_id: "{{ vpc_id }}"
    destination_arn: arn:aws:s3:::queue-infra-flow-logs
    tags:
      gameops:platform: queue-infra-prod

- name: Remove the flow logs of a VPC
  gameops.platform.vpc_flow_log:
    resource_id: "{{ vpc_id }}"
    state: absent
"""

RETURN = r"""
flow_log:
  description: The flow log as AWS describes it, in snake case; empty when absent.
  returned: always
  type: dict
  sample:
    flow_log_id: fl-0123456789abcdef0
    resource_id: vpc-0123456789abcdef0
    traffic_type: ALL
    log_destination_type: s3
    log_destination: arn:aws:s3:::queue-infra-flow-logs
    tags: {gameops:platform: queue-infra-prod}
"""

try:
    import botocore
except ImportError:
    pass  # Reported by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import ensure_ec2_tags
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications


def describe(flow_log):
    """The comparable view of a flow log, as used in results and diffs."""
    if not flow_log:
        return {}
    result = camel_dict_to_snake_dict(flow_log, ignore_list=["Tags"])
    result["tags"] = boto3_tag_list_to_ansible_dict(flow_log.get("Tags", []))
    return result


@AWSRetry.jittered_backoff()
def find_flow_logs(client, resource_id):
    """The flow logs of a resource; the listing is retried as a whole."""
    paginator = client.get_paginator("describe_flow_logs")
    pages = paginator.paginate(Filters=[{"Name": "resource-id", "Values": [resource_id]}])
    return pages.build_full_result()["FlowLogs"]


def matches(flow_log, params):
    return (
        flow_log.get("TrafficType") == params["traffic_type"]
        and flow_log.get("LogDestinationType") == params["destination_type"]
        and flow_log.get("LogDestination") == params["destination_arn"]
        and flow_log.get("DeliverLogsPermissionArn") == params["iam_role_arn"]
        and flow_log.get("MaxAggregationInterval", 600) == params["max_aggregation_interval"]
    )


def delete_flow_logs(module, client, flow_logs):
    if flow_logs and not module.check_mode:
        client.delete_flow_logs(aws_retry=True, FlowLogIds=[flow_log["FlowLogId"] for flow_log in flow_logs])
    return bool(flow_logs)


def create_flow_log(module, client):
    params = module.params
    if module.check_mode:
        return {"ResourceId": params["resource_id"], "TrafficType": params["traffic_type"],
                "LogDestinationType": params["destination_type"], "LogDestination": params["destination_arn"]}
    request = dict(
        ResourceIds=[params["resource_id"]],
        ResourceType=params["resource_type"],
        TrafficType=params["traffic_type"],
        LogDestinationType=params["destination_type"],
        LogDestination=params["destination_arn"],
        MaxAggregationInterval=params["max_aggregation_interval"],
    )
    if params["iam_role_arn"]:
        request["DeliverLogsPermissionArn"] = params["iam_role_arn"]
    if params["tags"]:
        request["TagSpecifications"] = boto3_tag_specifications(params["tags"], types="vpc-flow-log")
    response = client.create_flow_logs(aws_retry=True, **request)
    if response.get("Unsuccessful"):
        module.fail_json(msg="AWS refused the flow log: %s" % response["Unsuccessful"][0]["Error"]["Message"])
    return find_flow_logs(client, params["resource_id"])[0]


def ensure_present(module, client, existing):
    params = module.params
    keep = next((flow_log for flow_log in existing if matches(flow_log, params)), None)
    changed = delete_flow_logs(module, client, [flow_log for flow_log in existing if flow_log is not keep])
    if keep is None:
        return True, create_flow_log(module, client)
    if params["tags"] is not None:
        changed |= ensure_ec2_tags(client, module, keep["FlowLogId"], resource_type="vpc-flow-log",
                                   tags=params["tags"], purge_tags=params["purge_tags"])
    if changed and not module.check_mode:
        keep = find_flow_logs(client, params["resource_id"])[0]
    return changed, keep


def main():
    argument_spec = dict(
        resource_id=dict(type="str", required=True),
        resource_type=dict(type="str", default="VPC", choices=["VPC", "Subnet", "NetworkInterface"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        traffic_type=dict(type="str", default="ALL", choices=["ALL", "ACCEPT", "REJECT"]),
        destination_type=dict(type="str", default="s3", choices=["s3", "cloud-watch-logs"]),
        destination_arn=dict(type="str"),
        iam_role_arn=dict(type="str"),
        max_aggregation_interval=dict(type="int", default=600, choices=[60, 600]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[["state", "present", ["destination_arn"]], ["destination_type", "cloud-watch-logs", ["iam_role_arn"]]],
        supports_check_mode=True,
    )
    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    try:
        existing = find_flow_logs(client, module.params["resource_id"])
        if module.params["state"] == "absent":
            changed, flow_log = delete_flow_logs(module, client, existing), None
        else:
            changed, flow_log = ensure_present(module, client, existing)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage the flow log of %s" % module.params["resource_id"])
    before = describe(existing[0]) if len(existing) == 1 else [describe(flow_log) for flow_log in existing]
    module.exit_json(changed=changed, flow_log=describe(flow_log), diff=dict(before=before, after=describe(flow_log)))


if __name__ == "__main__":
    main()
