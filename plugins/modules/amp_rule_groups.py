#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: amp_rule_groups
short_description: Manage a rule groups namespace (Prometheus recording and alerting rules) of an AMP workspace
version_added: 0.1.0
description:
  - Ensures a rule groups namespace of an Amazon Managed Service for Prometheus workspace holds the given
    Prometheus rule file, or that the namespace is gone.
  - The rule file is checked before any AWS call to be a mapping with a non-empty list of C(groups), each with a
    unique C(name) and a list of C(rules), each rule with C(expr) and exactly one of C(alert) and C(record).
    AMP checks the PromQL itself; C(promtool check rules) checks it offline.
  - The rules are compared as parsed YAML, so a file that differs only in comments, quoting or layout changes
    nothing. A changed file replaces the namespace's data with C(PutRuleGroupsNamespace).
  - AMP loads a rule file after taking it. A file it cannot load leaves the namespace C(CREATION_FAILED) or
    C(UPDATE_FAILED), holding that file, and the run that sent it fails while waiting, with AMP's reason. A
    namespace found in a failed state is sent the rule file again (a change, even when the file is the
    same), so a later run retries or fails with the reason again instead of reporting it unchanged.
  - The module runs on the target host; read rule files on the controller with P(ansible.builtin.file#lookup)
    and pass their content in O(data).
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  workspace_id:
    description: The id of the AMP workspace (C(ws-...)).
    type: str
    required: true
  name:
    description: The name of the rule groups namespace.
    type: str
    required: true
  data:
    description:
      - The Prometheus rule file, as YAML text or as a mapping with C(groups).
      - Text is sent as it is (comments kept); a mapping is sent as block-style YAML.
      - Required with O(state=present).
    type: raw
  state:
    description:
      - V(present) ensures the namespace with the rules; V(absent) deletes it.
      - With V(absent), a workspace that does not exist has no namespace to delete.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description: Whether to wait for the namespace to become C(ACTIVE) after it is created or changed, or to be gone after deletion.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 300
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports whether the namespace would be created, changed, retagged or deleted, without doing so.
  diff_mode:
    support: full
    description: Returns the rule file (as YAML, after parsing) and the tags before and after, as text for a unified diff.
"""

EXAMPLES = r"""
- name: Alerts of the queue platform's apps
  gameops.platform.amp_rule_groups:
    workspace_id: "{{ metrics_workspace.workspace.workspace_id }}"
    name: queue
    data: "{{ lookup('ansible.builtin.file', 'rules/queue.yml') }}"
    tags:
      gameops:platform: queue-infra-prod

- name: Rules given inline
  gameops.platform.amp_rule_groups:
    workspace_id: ws-0123abcd-4567-89ef-0123-456789abcdef
    name: gamepulse
    data:
      groups:
        - name: gamepulse
          rules:
            - alert: HighErrorRate
              expr: rate(http_requests_total{status=~"5.."}[5m]) > 0.1
              for: 2m
              labels: {severity: critical}

- name: Remove the namespace
  gameops.platform.amp_rule_groups:
    workspace_id: ws-0123abcd-4567-89ef-0123-456789abcdef
    name: gamepulse
    state: absent
"""

RETURN = r"""
rule_groups_namespace:
  description:
    - The namespace as C(DescribeRuleGroupsNamespace) returns it, in snake case; empty when there is none.
    - In check mode, what the namespace would be; values only AWS knows are null.
  returned: always
  type: dict
  contains:
    name:
      description: The namespace's name.
      type: str
      sample: queue
    arn:
      description: The namespace's ARN.
      type: str
      sample: arn:aws:aps:ap-northeast-2:123456789012:rulegroupsnamespace/ws-0123abcd-4567-89ef-0123-456789abcdef/queue
    status:
      description: The status code (C(CREATING), C(ACTIVE), C(UPDATING), C(DELETING), C(CREATION_FAILED), C(UPDATE_FAILED)).
      type: str
      sample: ACTIVE
    status_reason:
      description: Why the namespace is in a failed state, when it is.
      type: str
      sample: null
    data:
      description: The rule file as AMP keeps it (text).
      type: str
      sample: "groups:\n  - name: queue\n    rules: []\n"
    groups:
      description: The rule groups, parsed.
      type: list
      elements: dict
      sample: [{name: queue, rules: []}]
    tags:
      description: The namespace's tags.
      type: dict
      sample: {gameops:platform: queue-infra-prod}
    created_at:
      description: When the namespace was created.
      type: str
      sample: "2025-01-01T00:00:00+00:00"
    modified_at:
      description: When the namespace was last changed.
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


def rule_file_problems(document):
    """What makes ``document`` not a Prometheus rule file, as messages; [] when it is one."""
    if not isinstance(document, dict) or not isinstance(document.get("groups"), list) or not document["groups"]:
        return ["it must be a mapping with a non-empty list of groups"]
    problems = ["unknown top-level key %s (only groups)" % key for key in document if key != "groups"]
    names = []
    for index, group in enumerate(document["groups"]):
        if not isinstance(group, dict) or not isinstance(group.get("name"), string_types) or not group["name"]:
            problems.append("groups[%d] must be a mapping with a name" % index)
            continue
        where = "group %s" % group["name"]
        if group["name"] in names:
            problems.append("%s is defined more than once" % where)
        names.append(group["name"])
        if not isinstance(group.get("rules"), list):
            problems.append("%s must have a list of rules" % where)
            continue
        for number, rule in enumerate(group["rules"]):
            kinds = [kind for kind in ("alert", "record") if isinstance(rule, dict) and rule.get(kind)]
            if len(kinds) != 1 or not rule.get("expr"):
                problems.append("%s rules[%d] must have expr and exactly one of alert and record" % (where, number))
    return problems


def wanted_rules(module):
    """(parsed rule file, text to send) from the data option; fails when it is not a rule file."""
    data = module.params["data"]
    document = amp.load_yaml(module, data, "rule file in data")
    problems = rule_file_problems(document)
    if problems:
        module.fail_json(msg="data is not a Prometheus rule file: %s" % "; ".join(problems), problems=problems)
    text = to_text(data) if isinstance(data, string_types) else amp.dump_yaml(document)
    return document, text


def get_namespace(client, workspace_id, name):
    try:
        return client.describe_rule_groups_namespace(aws_retry=True, workspaceId=workspace_id, name=name)["ruleGroupsNamespace"]
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


def describe(module, namespace):
    """The namespace as returned (see RETURN); {} when there is none."""
    if namespace is None:
        return {}
    result = amp.to_ansible(dict((key, value) for key, value in namespace.items() if key not in ("data", "status")))
    result["status"] = amp.status_code(namespace)
    result["status_reason"] = namespace["status"].get("statusReason")
    result["data"] = to_text(namespace.get("data") or b"")
    result["groups"] = (amp.load_yaml(module, result["data"], "rule file AMP keeps") or {}).get("groups", [])
    result.setdefault("tags", {})
    return result


def diff_view(module, result):
    if not result:
        return ""
    header = ["rule groups namespace %s of workspace %s" % (result["name"], module.params["workspace_id"]),
              "tags: %s" % ", ".join("%s=%s" % item for item in sorted(result["tags"].items()))] + amp.failure_lines(result)
    return amp.diff_text(header, amp.dump_yaml(dict(groups=result["groups"])))


def wait_for(module, client, done, what):
    params = module.params
    return amp.wait_or_fail(module, lambda: get_namespace(client, params["workspace_id"], params["name"]), done,
                            what="rule groups namespace %s of AMP workspace %s %s" % (params["name"], params["workspace_id"], what))


def create_namespace(module, client, document, text):
    params = module.params
    if module.check_mode:
        return dict(name=params["name"], arn=None, status=None, status_reason=None, data=text, groups=document["groups"],
                    tags=params["tags"] or {})
    request = dict(workspaceId=params["workspace_id"], name=params["name"], data=to_bytes(text))
    if params["tags"]:
        request["tags"] = params["tags"]
    amp.when_settled(client.create_rule_groups_namespace, **request)
    namespace = wait_for(module, client, amp.is_active, "to become ACTIVE") if params["wait"] else None
    return describe(module, namespace or get_namespace(client, params["workspace_id"], params["name"]))


def update_namespace(module, client, before, document, text):
    params = module.params
    after = dict(before)
    # A namespace AMP failed to load holds the refused file: the same file is not "unchanged" but sent again.
    changed = document["groups"] != before["groups"] or before["status"] in amp.FAILED_STATES
    if changed:
        after.update(data=text, groups=document["groups"], status=None, status_reason=None)
        if not module.check_mode:
            amp.when_settled(client.put_rule_groups_namespace, workspaceId=params["workspace_id"], name=params["name"],
                             data=to_bytes(text))
    tags_changed, after["tags"] = amp.ensure_tags(module, client, before["arn"], before["tags"], params["tags"], params["purge_tags"])
    if (changed or tags_changed) and not module.check_mode:
        namespace = wait_for(module, client, amp.is_active, "to become ACTIVE") if changed and params["wait"] else None
        after = describe(module, namespace or get_namespace(client, params["workspace_id"], params["name"]))
    return changed or tags_changed, after


def delete_namespace(module, client):
    params = module.params
    if module.check_mode:
        return
    try:
        amp.when_settled(client.delete_rule_groups_namespace, workspaceId=params["workspace_id"], name=params["name"])
    except is_boto3_error_code("ResourceNotFoundException"):
        return
    if params["wait"]:
        wait_for(module, client, amp.is_gone, "to be deleted")


def main():
    argument_spec = dict(
        workspace_id=dict(type="str", required=True),
        name=dict(type="str", required=True),
        data=dict(type="raw"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=300),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, required_if=[["state", "present", ["data"]]], supports_check_mode=True)
    params = module.params
    # The rule file is checked before any call.
    document, text = wanted_rules(module) if params["state"] == "present" else (None, None)
    client = amp.amp_client(module)

    try:
        workspace = amp.require_workspace(module, client, params["workspace_id"])
        namespace = get_namespace(client, params["workspace_id"], params["name"]) if workspace else None
        before = describe(module, namespace)
        if params["state"] == "absent":
            changed, after = namespace is not None, {}
            if changed:
                delete_namespace(module, client)
        elif namespace is None:
            changed, after = True, create_namespace(module, client, document, text)
        else:
            changed, after = update_namespace(module, client, before, document, text)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage the rule groups namespace %s of AMP workspace %s"
                             % (params["name"], params["workspace_id"]))

    module.exit_json(changed=changed, rule_groups_namespace=after, diff=dict(
        before=diff_view(module, before), after=diff_view(module, after),
        before_header="%s (before)" % params["name"], after_header="%s (after)" % params["name"]))


if __name__ == "__main__":
    main()
