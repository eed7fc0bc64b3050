#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: amp_workspace
short_description: Manage an Amazon Managed Service for Prometheus workspace
version_added: 0.1.0
description:
  - Ensures an Amazon Managed Service for Prometheus (AMP) workspace exists with the given alias, tags,
    logging configuration and KMS key, or that it is gone.
  - The workspace is found by its alias. AMP does not keep aliases unique, so the module fails, naming
    their ids, when several workspaces share the alias; O(workspace_id) pins one (and renames it to O(alias)).
  - Workspaces being deleted are not counted as having the alias.
  - The KMS key can only be chosen when the workspace is created; asking for another one later fails.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  alias:
    description:
      - The workspace's alias, which identifies it unless O(workspace_id) is given.
      - Required to create a workspace.
    type: str
  workspace_id:
    description:
      - The id of an existing workspace (C(ws-...)) to manage instead of finding it by alias.
      - With O(state=present) it must exist; a workspace cannot be created with a chosen id.
    type: str
  state:
    description: V(present) ensures the workspace; V(absent) deletes it, with its rule groups namespaces and alert manager definition.
    type: str
    choices: [present, absent]
    default: present
  logging:
    description:
      - Where AMP sends the workspace's logs (rule evaluation and alert manager errors).
      - Omitted, the logging configuration is left as it is. Given without O(logging.log_group_arn)
        (or with it empty), logging is turned off.
    type: dict
    suboptions:
      log_group_arn:
        description:
          - The ARN of the CloudWatch Logs log group, ending in C(:*), such as
            C(arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/prometheus/queue-infra:*).
        type: str
  kms_key_arn:
    description:
      - The customer managed KMS key that encrypts the workspace's data; omitted, AMP uses a key it owns.
      - Only set when the workspace is created. A different value for an existing workspace fails.
    type: str
  wait:
    description: Whether to wait for the workspace to become C(ACTIVE) after creation, or to be gone after deletion.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports whether the workspace would be created, renamed, retagged, have its logging changed or be deleted, without doing so.
  diff_mode:
    support: full
    description: Returns the workspace's id, alias, KMS key, log group and tags before and after.
"""

EXAMPLES = r"""
- name: A workspace for the queue platform's metrics
  gameops.platform.amp_workspace:
    alias: queue-infra-prod
    logging:
      log_group_arn: arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/prometheus/queue-infra-prod:*
    tags:
      gameops:platform: queue-infra-prod
      gameops:managed-by: gameops.platform
  register: metrics_workspace

- name: Alloy remote-writes here
  ansible.builtin.debug:
    msg: "{{ metrics_workspace.workspace.remote_write_url }}"

- name: Remove it
  gameops.platform.amp_workspace:
    alias: queue-infra-prod
    state: absent
"""

RETURN = r"""
workspace:
  description:
    - The workspace as C(DescribeWorkspace) returns it, in snake case, with its status code, URLs and logging
      configuration; empty when there is none.
    - In check mode, what the workspace would be; values only AWS knows are null.
  returned: always
  type: dict
  contains:
    workspace_id:
      description: The workspace's id.
      type: str
      sample: ws-0123abcd-4567-89ef-0123-456789abcdef
    arn:
      description: The workspace's ARN.
      type: str
      sample: arn:aws:aps:ap-northeast-2:123456789012:workspace/ws-0123abcd-4567-89ef-0123-456789abcdef
    alias:
      description: The workspace's alias.
      type: str
      sample: queue-infra-prod
    status:
      description: The workspace's status code (C(CREATING), C(ACTIVE), C(UPDATING), C(DELETING), C(CREATION_FAILED)).
      type: str
      sample: ACTIVE
    prometheus_endpoint:
      description: The workspace's Prometheus endpoint, ending in C(/).
      type: str
      sample: https://aps-workspaces.ap-northeast-2.amazonaws.com/workspaces/ws-0123abcd-4567-89ef-0123-456789abcdef/
    remote_write_url:
      description: Where Prometheus-compatible agents (Grafana Alloy) remote-write samples.
      type: str
      sample: https://aps-workspaces.ap-northeast-2.amazonaws.com/workspaces/ws-0123abcd-4567-89ef-0123-456789abcdef/api/v1/remote_write
    query_url:
      description: The Prometheus query API (the Grafana data source adds the rest of the path).
      type: str
      sample: https://aps-workspaces.ap-northeast-2.amazonaws.com/workspaces/ws-0123abcd-4567-89ef-0123-456789abcdef/api/v1/query
    kms_key_arn:
      description: The customer managed KMS key, or null when AMP's own key is used.
      type: str
      sample: null
    logging:
      description: The logging configuration, C(log_group_arn) and C(status); empty when logging is off.
      type: dict
      sample: {log_group_arn: "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/prometheus/queue-infra-prod:*", status: ACTIVE}
    tags:
      description: The workspace's tags.
      type: dict
      sample: {gameops:platform: queue-infra-prod}
    created_at:
      description: When the workspace was created.
      type: str
      sample: "2025-01-01T00:00:00+00:00"
"""

try:
    import botocore
except ImportError:
    pass  # Reported by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.gameops.platform.plugins.module_utils import amp

DIFF_KEYS = ("workspace_id", "alias", "kms_key_arn", "log_group_arn", "tags")


def find_workspace(module, client):
    """The workspace to manage (described), by id or by alias; None when there is none."""
    params = module.params
    if params["workspace_id"]:
        return amp.describe_workspace(client, params["workspace_id"])
    # The alias filter matches prefixes; only an exact alias counts.
    listed = amp.paginate(client, "list_workspaces", alias=params["alias"])["workspaces"]
    matches = [summary for summary in listed
               if summary.get("alias") == params["alias"] and amp.status_code(summary) != "DELETING"]
    if len(matches) > 1:
        module.fail_json(msg="%d AMP workspaces have the alias %s: %s; give workspace_id to choose one"
                         % (len(matches), params["alias"], ", ".join(sorted(item["workspaceId"] for item in matches))),
                         workspace_ids=sorted(item["workspaceId"] for item in matches))
    return amp.describe_workspace(client, matches[0]["workspaceId"]) if matches else None


def logging_configuration(client, workspace_id):
    """The workspace's logging configuration; None when logging is off."""
    try:
        config = client.describe_logging_configuration(aws_retry=True, workspaceId=workspace_id).get("loggingConfiguration")
    except is_boto3_error_code("ResourceNotFoundException"):
        return None
    return config or None


def urls(endpoint):
    if not endpoint:
        return None, None
    base = endpoint if endpoint.endswith("/") else endpoint + "/"
    return base + "api/v1/remote_write", base + "api/v1/query"


def describe(client, workspace):
    """The workspace as returned (see RETURN); {} when there is none."""
    if workspace is None:
        return {}
    result = amp.to_ansible(workspace)
    result["status"] = amp.status_code(workspace)
    result.setdefault("kms_key_arn", None)
    result.setdefault("tags", {})
    result["remote_write_url"], result["query_url"] = urls(workspace.get("prometheusEndpoint"))
    config = logging_configuration(client, workspace["workspaceId"])
    result["logging"] = dict(log_group_arn=config["logGroupArn"], status=amp.status_code(config)) if config else {}
    return result


def diff_view(result):
    if not result:
        return {}
    view = dict((key, result.get(key)) for key in DIFF_KEYS if key != "log_group_arn")
    view["log_group_arn"] = result["logging"].get("log_group_arn")
    return view


def wanted_log_group(module):
    """The log group asked for: None to leave logging alone, "" for no logging."""
    logging = module.params["logging"]
    if logging is None:
        return None
    return logging.get("log_group_arn") or ""


def wait_for(module, client, workspace_id, done, what):
    return amp.wait_or_fail(module, lambda: amp.describe_workspace(client, workspace_id), done,
                            what="AMP workspace %s %s" % (workspace_id, what))


def ensure_logging(module, client, workspace_id, current, log_group):
    """Brings logging to ``log_group`` (None: leave it); (changed, logging after)."""
    current_arn = current.get("log_group_arn") or ""
    if log_group is None or log_group == current_arn:
        return False, current
    if not module.check_mode:
        if not log_group:
            amp.when_settled(client.delete_logging_configuration, workspaceId=workspace_id)
        elif current_arn:
            amp.when_settled(client.update_logging_configuration, workspaceId=workspace_id, logGroupArn=log_group)
        else:
            amp.when_settled(client.create_logging_configuration, workspaceId=workspace_id, logGroupArn=log_group)
    return True, dict(log_group_arn=log_group, status=None) if log_group else {}


def create_workspace(module, client):
    params = module.params
    log_group = wanted_log_group(module)
    if module.check_mode:
        return dict(workspace_id=None, arn=None, alias=params["alias"], status=None, prometheus_endpoint=None,
                    remote_write_url=None, query_url=None, kms_key_arn=params["kms_key_arn"], tags=params["tags"] or {},
                    logging=dict(log_group_arn=log_group, status=None) if log_group else {})
    request = dict(alias=params["alias"])
    if params["tags"]:
        request["tags"] = params["tags"]
    if params["kms_key_arn"]:
        request["kmsKeyArn"] = params["kms_key_arn"]
    workspace_id = client.create_workspace(aws_retry=True, **request)["workspaceId"]
    # Logging can only be configured on an ACTIVE workspace; when_settled retries until it is.
    if params["wait"] or log_group:
        wait_for(module, client, workspace_id, amp.is_active, "to become ACTIVE")
    if log_group:
        amp.when_settled(client.create_logging_configuration, workspaceId=workspace_id, logGroupArn=log_group)
    return describe(client, amp.describe_workspace(client, workspace_id))


def update_workspace(module, client, before):
    params = module.params
    workspace_id = before["workspace_id"]
    if params["kms_key_arn"] is not None and params["kms_key_arn"] != before["kms_key_arn"]:
        module.fail_json(msg="The KMS key of AMP workspace %s cannot be changed: it uses %s, and %s was asked for. "
                         "Keep kms_key_arn as it is, or delete the workspace and create it again (its data is lost)."
                         % (workspace_id, before["kms_key_arn"] or "the key AMP owns", params["kms_key_arn"]))
    after = dict(before)
    changed = bool(params["alias"]) and params["alias"] != before["alias"]
    if changed:
        after["alias"] = params["alias"]
        if not module.check_mode:
            amp.when_settled(client.update_workspace_alias, workspaceId=workspace_id, alias=params["alias"])
    logging_changed, after["logging"] = ensure_logging(module, client, workspace_id, before["logging"], wanted_log_group(module))
    tags_changed, after["tags"] = amp.ensure_tags(module, client, before["arn"], before["tags"], params["tags"], params["purge_tags"])
    changed = changed or logging_changed or tags_changed
    if changed and not module.check_mode:
        workspace = wait_for(module, client, workspace_id, amp.is_active, "to become ACTIVE") if params["wait"] else None
        after = describe(client, workspace or amp.describe_workspace(client, workspace_id))
    return changed, after


def delete_workspace(module, client, workspace_id):
    if module.check_mode:
        return
    try:
        amp.when_settled(client.delete_workspace, workspaceId=workspace_id)
    except is_boto3_error_code("ResourceNotFoundException"):
        return
    if module.params["wait"]:
        wait_for(module, client, workspace_id, amp.is_gone, "to be deleted")


def main():
    argument_spec = dict(
        alias=dict(type="str"),
        workspace_id=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        logging=dict(type="dict", options=dict(log_group_arn=dict(type="str"))),
        kms_key_arn=dict(type="str", no_log=False),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, required_one_of=[["alias", "workspace_id"]], supports_check_mode=True)
    params = module.params
    client = amp.amp_client(module)

    try:
        workspace = find_workspace(module, client)
        before = describe(client, workspace)
        if params["state"] == "absent":
            changed, after = workspace is not None, {}
            if changed:
                delete_workspace(module, client, workspace["workspaceId"])
        elif workspace is None:
            if params["workspace_id"]:
                module.fail_json(msg="AMP workspace %s does not exist in region %s; omit workspace_id to create one by alias"
                                 % (params["workspace_id"], module.region))
            changed, after = True, create_workspace(module, client)
        else:
            changed, after = update_workspace(module, client, before)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage the AMP workspace %s" % (params["workspace_id"] or params["alias"]))

    module.exit_json(changed=changed, workspace=after, diff=dict(before=diff_view(before), after=diff_view(after)))


if __name__ == "__main__":
    main()
