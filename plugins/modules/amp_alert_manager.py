#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: amp_alert_manager
short_description: Manage the alert manager definition of an AMP workspace
version_added: 0.1.0
description:
  - Ensures an Amazon Managed Service for Prometheus workspace has the given alert manager definition
    (where the alerts of its rules go), or that it has none.
  - The definition is checked before any AWS call against what AMP takes. Receivers may only have
    C(sns_configs) (no C(api_url) or C(http_config), C(sigv4) with a C(region), a Standard topic, not FIFO).
  - The definition is checked before any AWS call. It must be a mapping with C(alertmanager_config) (an Alertmanager
    configuration with a C(route) whose receivers are all defined under C(receivers)) and optionally
    C(template_files) (file name to template text).
  - Definitions are compared as parsed YAML, C(alertmanager_config) included, so one that differs only in
    comments, quoting or layout changes nothing. A changed one replaces the old with C(PutAlertManagerDefinition).
  - AMP loads a definition after taking it. One it cannot load (a template that does not parse, say) is left
    C(CREATION_FAILED) or C(UPDATE_FAILED), holding the refused data, and the run that sent it fails while
    waiting, with AMP's reason. A definition found in a failed state is sent again (a change, even when it
    is the same), so a later run retries or fails with the reason again instead of reporting it unchanged.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  workspace_id:
    description: The id of the AMP workspace (C(ws-...)).
    type: str
    required: true
  definition:
    description:
      - The alert manager definition, as YAML text or as a mapping.
      - C(alertmanager_config) may be given as text (as AMP keeps it) or as a mapping, which is sent as YAML text.
      - Required with O(state=present).
    type: raw
  state:
    description:
      - V(present) ensures the definition; V(absent) deletes it.
      - With V(absent), a workspace that does not exist has no definition to delete.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description: Whether to wait for the definition to become C(ACTIVE) after it is created or changed, or to be gone after deletion.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 300
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports whether the definition would be created, changed or deleted, without doing so.
  diff_mode:
    support: full
    description: Returns the definition (as YAML, after parsing) before and after, as text for a unified diff.
notes:
  - Alert manager definitions have no ARN of their own and take no tags; the workspace's tags cover them.
"""

EXAMPLES = r"""
- name: Send the workspace's alerts to an SNS topic
  gameops.platform.amp_alert_manager:
    workspace_id: "{{ metrics_workspace.workspace.workspace_id }}"
    definition: |
      alertmanager_config: |
        route:
          receiver: sns
          group_by: [alertname]
        receivers:
          - name: sns
            sns_configs:
              - topic_arn: arn:aws:sns:ap-northeast-2:123456789012:queue-infra-alerts
                sigv4:
                  region: ap-northeast-2

- name: The same, given as a mapping
  gameops.platform.amp_alert_manager:
    workspace_id: ws-0123abcd-4567-89ef-0123-456789abcdef
    definition:
      alertmanager_config:
        route: {receiver: default}
        receivers: [{name: default}]

- name: Remove the definition
  gameops.platform.amp_alert_manager:
    workspace_id: ws-0123abcd-4567-89ef-0123-456789abcdef
    state: absent
"""

RETURN = r"""
alert_manager_definition:
  description:
    - The definition as C(DescribeAlertManagerDefinition) returns it, in snake case; empty when there is none.
    - In check mode, what the definition would be; values only AWS knows are null.
  returned: always
  type: dict
  contains:
    status:
      description: The status code (C(CREATING), C(ACTIVE), C(UPDATING), C(DELETING), C(CREATION_FAILED), C(UPDATE_FAILED)).
      type: str
      sample: ACTIVE
    status_reason:
      description: Why the definition is in a failed state, when it is.
      type: str
      sample: null
    data:
      description: The definition as AMP keeps it (text).
      type: str
      sample: "alertmanager_config: |\n  route:\n    receiver: default\n  receivers:\n    - name: default\n"
    definition:
      description: The definition parsed, with C(alertmanager_config) parsed too.
      type: dict
      sample: {alertmanager_config: {route: {receiver: default}, receivers: [{name: default}]}}
    created_at:
      description: When the definition was created.
      type: str
      sample: "2025-01-01T00:00:00+00:00"
    modified_at:
      description: When the definition was last changed.
      type: str
      sample: "2025-01-01T00:00:00+00:00"
"""

try:
    import botocore
except ImportError:
    pass  # Reported by AnsibleAWSModule

from ansible.module_utils.common.text.converters import to_bytes
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.six import string_types

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.gameops.platform.plugins.module_utils import amp

TOP_LEVEL_KEYS = ("alertmanager_config", "template_files")


def route_receivers(route):
    """Every receiver a route tree names."""
    names = [route["receiver"]] if route.get("receiver") else []
    for child in route.get("routes") or []:
        names += route_receivers(child) if isinstance(child, dict) else []
    return names


def receiver_problems(receivers):
    """What AMP refuses in receivers: "The only alert receiver currently supported in Amazon Managed Service for
    Prometheus is Amazon SNS" (AMP-alertmanager-receiver.html); in sns_configs no api_url or http_config, sigv4
    with a region, and a Standard topic, not FIFO (AMP-alertmanager-receiver-config.html)."""
    problems = []
    for receiver in receivers if isinstance(receivers, list) else []:
        if not isinstance(receiver, dict):
            continue
        name = receiver.get("name")
        problems += ["receiver %s has %s; AMP supports only sns_configs" % (name, key)
                     for key in receiver if key.endswith("_configs") and key != "sns_configs"]
        for config in receiver.get("sns_configs") or []:
            if not isinstance(config, dict):
                continue
            problems += ["receiver %s: sns_configs cannot have %s in AMP" % (name, key) for key in ("api_url", "http_config") if key in config]
            if not isinstance(config.get("sigv4"), dict) or not config["sigv4"].get("region"):
                problems.append("receiver %s: sns_configs needs sigv4 with a region in AMP" % name)
            if str(config.get("topic_arn", "")).endswith(".fifo"):
                problems.append("receiver %s: AMP needs a Standard SNS topic, not the FIFO topic %s" % (name, config["topic_arn"]))
    return problems


def definition_problems(document, config):
    """What makes the definition (and its parsed alertmanager_config) not one AMP takes; [] when it is one."""
    if not isinstance(document, dict) or "alertmanager_config" not in document:
        return ["it must be a mapping with alertmanager_config"]
    problems = ["unknown top-level key %s (only %s)" % (key, ", ".join(TOP_LEVEL_KEYS)) for key in document if key not in TOP_LEVEL_KEYS]
    templates = document.get("template_files")
    if templates is not None and not (isinstance(templates, dict) and all(isinstance(value, string_types) for value in templates.values())):
        problems.append("template_files must map file names to template text")
    if not isinstance(config, dict):
        return problems + ["alertmanager_config must be a mapping"]
    route = config.get("route")
    if not isinstance(route, dict) or not route.get("receiver"):
        return problems + ["alertmanager_config must have a route with a receiver"]
    receivers = config.get("receivers")
    defined = [item.get("name") for item in receivers if isinstance(item, dict)] if isinstance(receivers, list) else []
    problems += ["the route names the receiver %s, which receivers does not define" % name
                 for name in route_receivers(route) if name not in defined]
    return problems + receiver_problems(receivers)


def parse_definition(module, value, what):
    """(parsed definition with alertmanager_config parsed too, text of the definition) from text or a mapping."""
    document = amp.load_yaml(module, value, what)
    if not isinstance(document, dict) or "alertmanager_config" not in document:
        return document, None
    config = document.get("alertmanager_config")
    config_is_text = isinstance(config, (string_types, bytes))
    if config_is_text:
        config = amp.load_yaml(module, config, "alertmanager_config of the %s" % what)
    parsed = dict(document, alertmanager_config=config)
    if isinstance(value, string_types) and config_is_text:
        return parsed, to_text(value)
    # AMP takes alertmanager_config only as text (a YAML block scalar).
    return parsed, amp.dump_yaml(dict(parsed, alertmanager_config=amp.dump_yaml(config)))


def wanted_definition(module):
    parsed, text = parse_definition(module, module.params["definition"], "alert manager definition")
    problems = definition_problems(parsed, parsed.get("alertmanager_config") if isinstance(parsed, dict) else None)
    if problems:
        module.fail_json(msg="definition is not an AMP alert manager definition: %s" % "; ".join(problems), problems=problems)
    return parsed, text


def get_definition(client, workspace_id):
    try:
        return client.describe_alert_manager_definition(aws_retry=True, workspaceId=workspace_id)["alertManagerDefinition"]
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


def describe(module, definition):
    """The definition as returned (see RETURN); {} when there is none."""
    if definition is None:
        return {}
    result = amp.to_ansible(dict((key, value) for key, value in definition.items() if key not in ("data", "status")))
    result["status"] = amp.status_code(definition)
    result["status_reason"] = definition["status"].get("statusReason")
    result["data"] = to_text(definition.get("data") or b"")
    result["definition"] = parse_definition(module, result["data"], "alert manager definition AMP keeps")[0]
    return result


def diff_view(module, result):
    if not result:
        return ""
    return amp.diff_text(["alert manager definition of workspace %s" % module.params["workspace_id"]] + amp.failure_lines(result),
                         amp.dump_yaml(result["definition"]))


def wait_for(module, client, done, what):
    workspace_id = module.params["workspace_id"]
    return amp.wait_or_fail(module, lambda: get_definition(client, workspace_id), done,
                            what="alert manager definition of AMP workspace %s %s" % (workspace_id, what))


def ensure_definition(module, client, before, parsed, text):
    """Creates or replaces the definition; (changed, definition after)."""
    params = module.params
    # A definition AMP failed to load holds the refused data: the same data is not "unchanged" but sent again.
    if before and parsed == before["definition"] and before["status"] not in amp.FAILED_STATES:
        return False, before
    if module.check_mode:
        return True, dict(before, status=None, status_reason=None, data=text, definition=parsed, modified_at=None)
    operation = client.put_alert_manager_definition if before else client.create_alert_manager_definition
    amp.when_settled(operation, workspaceId=params["workspace_id"], data=to_bytes(text))
    definition = wait_for(module, client, amp.is_active, "to become ACTIVE") if params["wait"] else None
    definition = definition or get_definition(client, params["workspace_id"])
    return True, describe(module, definition)


def delete_definition(module, client):
    if module.check_mode:
        return
    try:
        amp.when_settled(client.delete_alert_manager_definition, workspaceId=module.params["workspace_id"])
    except is_boto3_error_code("ResourceNotFoundException"):
        return
    if module.params["wait"]:
        wait_for(module, client, amp.is_gone, "to be deleted")


def main():
    argument_spec = dict(
        workspace_id=dict(type="str", required=True),
        definition=dict(type="raw"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=300),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, required_if=[["state", "present", ["definition"]]], supports_check_mode=True)
    params = module.params
    # The definition is checked before any call.
    parsed, text = wanted_definition(module) if params["state"] == "present" else (None, None)
    client = amp.amp_client(module)

    try:
        workspace = amp.require_workspace(module, client, params["workspace_id"])
        definition = get_definition(client, params["workspace_id"]) if workspace else None
        before = describe(module, definition)
        if params["state"] == "absent":
            changed, after = definition is not None, {}
            if changed:
                delete_definition(module, client)
        else:
            changed, after = ensure_definition(module, client, before, parsed, text)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage the alert manager definition of AMP workspace %s" % params["workspace_id"])

    module.exit_json(changed=changed, alert_manager_definition=after, diff=dict(
        before=diff_view(module, before), after=diff_view(module, after),
        before_header="alert manager definition (before)", after_header="alert manager definition (after)"))


if __name__ == "__main__":
    main()
