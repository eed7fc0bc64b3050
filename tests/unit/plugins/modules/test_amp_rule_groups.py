import uuid

import boto3
import pytest

from ansible_collections.gameops.platform.plugins.modules import amp_rule_groups
from conftest import run_module

RULES = """# Kept as written: comments and layout reach AMP.
groups:
  - name: gamepulse
    rules:
      - alert: HighErrorRate
        expr: rate(http_requests_total{status=~"5.."}[5m]) > 0.1
        for: 2m
        labels:
          severity: critical
        annotations:
          summary: "High error rate on {{ $labels.instance }}"
"""

# The same rules as a mapping: equal once parsed.
RULES_MAPPING = {"groups": [{"name": "gamepulse", "rules": [{
    "alert": "HighErrorRate", "expr": 'rate(http_requests_total{status=~"5.."}[5m]) > 0.1', "for": "2m",
    "labels": {"severity": "critical"}, "annotations": {"summary": "High error rate on {{ $labels.instance }}"}}]}]}


@pytest.fixture
def workspace_id(aws_env):
    return boto3.client("amp").create_workspace(alias="rules-%s" % uuid.uuid4().hex[:8])["workspaceId"]


def stored(workspace_id, name):
    namespace = boto3.client("amp").describe_rule_groups_namespace(workspaceId=workspace_id, name=name)["ruleGroupsNamespace"]
    return namespace["data"].decode(), namespace["tags"]


def test_create_then_no_op(aws_env, workspace_id):
    args = dict(workspace_id=workspace_id, name="gamepulse", data=RULES, tags={"gameops:platform": "t"})
    mark = aws_env.mark()
    planned = run_module(amp_rule_groups, args, check_mode=True, diff=True)
    assert planned["changed"] is True
    assert planned["diff"]["before"] == ""
    assert "# tags: gameops:platform=t\n" in planned["diff"]["after"]
    assert "- alert: HighErrorRate\n" in planned["diff"]["after"]
    assert aws_env.mutations_since(mark) == []

    created = run_module(amp_rule_groups, args, diff=True)
    assert created["changed"] is True
    assert aws_env.mutations_since(mark) == ["CreateRuleGroupsNamespace"]
    assert stored(workspace_id, "gamepulse") == (RULES, {"gameops:platform": "t"})
    namespace = created["rule_groups_namespace"]
    assert namespace["status"] == "ACTIVE"
    assert namespace["arn"].endswith(":rulegroupsnamespace/%s/gamepulse" % workspace_id)
    assert namespace["groups"] == RULES_MAPPING["groups"]
    assert created["diff"]["after"] == planned["diff"]["after"]

    mark = aws_env.mark()
    again = run_module(amp_rule_groups, dict(args, data=RULES_MAPPING), diff=True)
    assert again["changed"] is False
    assert again["diff"]["before"] == again["diff"]["after"]
    assert aws_env.mutations_since(mark) == []


def test_changed_rules_are_put_and_shown(aws_env, workspace_id, api_calls):
    run_module(amp_rule_groups, dict(workspace_id=workspace_id, name="gamepulse", data=RULES_MAPPING))
    changed_rules = {"groups": [dict(RULES_MAPPING["groups"][0], interval="30s")]}

    mark = aws_env.mark()
    planned = run_module(amp_rule_groups, dict(workspace_id=workspace_id, name="gamepulse", data=changed_rules), check_mode=True, diff=True)
    assert planned["changed"] is True
    assert "interval: 30s" not in planned["diff"]["before"] and "interval: 30s" in planned["diff"]["after"]
    assert aws_env.mutations_since(mark) == []

    del api_calls[:]
    put = run_module(amp_rule_groups, dict(workspace_id=workspace_id, name="gamepulse", data=changed_rules, tags={"a": "b"}))
    assert put["changed"] is True
    assert sorted(aws_env.mutations_since(mark)) == ["PutRuleGroupsNamespace", "TagResource"]
    [sent] = [params["data"] for operation, params in api_calls if operation == "PutRuleGroupsNamespace"]
    assert sent.decode().startswith("groups:\n- name: gamepulse\n  rules:\n")  # a mapping goes as block YAML
    assert put["rule_groups_namespace"]["groups"][0]["interval"] == "30s"
    assert stored(workspace_id, "gamepulse")[1] == {"a": "b"}


@pytest.mark.parametrize("data, problem", [
    ("groups: [", "not valid YAML"),
    ("- just a list", "a mapping with a non-empty list of groups"),
    ({"groups": []}, "a mapping with a non-empty list of groups"),
    ({"groups": [{"rules": []}]}, "groups[0] must be a mapping with a name"),
    ({"groups": [{"name": "a", "rules": []}, {"name": "a", "rules": []}]}, "group a is defined more than once"),
    ({"groups": [{"name": "a"}]}, "group a must have a list of rules"),
    ({"groups": [{"name": "a", "rules": [{"alert": "A"}]}]}, "group a rules[0] must have expr and exactly one of alert and record"),
    ({"groups": [{"name": "a", "rules": [{"alert": "A", "record": "b", "expr": "up"}]}]}, "exactly one of alert and record"),
    ({"groups": [{"name": "a", "rules": []}], "extra": 1}, "unknown top-level key extra"),
])
def test_a_bad_rule_file_fails_before_any_call(aws_env, workspace_id, data, problem):
    mark = aws_env.mark()
    result = run_module(amp_rule_groups, dict(workspace_id=workspace_id, name="bad", data=data))
    assert result["failed"] is True
    assert problem in result["msg"]
    assert aws_env.since(mark) == []


def test_missing_workspace(aws_env):
    missing = "ws-00000000-0000-0000-0000-000000000000"
    result = run_module(amp_rule_groups, dict(workspace_id=missing, name="gamepulse", data=RULES))
    assert result["failed"] is True and "AMP workspace %s does not exist" % missing in result["msg"]
    assert run_module(amp_rule_groups, dict(workspace_id=missing, name="gamepulse", state="absent"))["changed"] is False


def test_delete(aws_env, workspace_id):
    run_module(amp_rule_groups, dict(workspace_id=workspace_id, name="gamepulse", data=RULES))

    mark = aws_env.mark()
    planned = run_module(amp_rule_groups, dict(workspace_id=workspace_id, name="gamepulse", state="absent"), check_mode=True, diff=True)
    assert planned["changed"] is True and "HighErrorRate" in planned["diff"]["before"] and planned["diff"]["after"] == ""
    assert aws_env.mutations_since(mark) == []

    assert run_module(amp_rule_groups, dict(workspace_id=workspace_id, name="gamepulse", state="absent"))["changed"] is True
    assert aws_env.mutations_since(mark) == ["DeleteRuleGroupsNamespace"]
    assert boto3.client("amp").list_rule_groups_namespaces(workspaceId=workspace_id)["ruleGroupsNamespaces"] == []

    mark = aws_env.mark()
    assert run_module(amp_rule_groups, dict(workspace_id=workspace_id, name="gamepulse", state="absent"))["changed"] is False
    assert aws_env.mutations_since(mark) == []


def test_a_namespace_amp_failed_to_load_is_not_unchanged(aws_env, workspace_id):
    """AMP keeps a rule file it cannot load, UPDATE_FAILED: the next run sends it again and fails with the reason (issue 13 #16)."""
    args = dict(workspace_id=workspace_id, name="gamepulse", data=RULES)
    run_module(amp_rule_groups, args)
    broken = dict(args, data=RULES.replace("[5m]) > 0.1", "[5m] > 0.1"))
    failed = run_module(amp_rule_groups, broken)
    assert failed["failed"] is True and "UPDATE_FAILED" in failed["msg"] and "unclosed left parenthesis" in failed["msg"]

    mark = aws_env.mark()
    planned = run_module(amp_rule_groups, broken, check_mode=True, diff=True)
    assert planned["changed"] is True and "# status: UPDATE_FAILED: group" in planned["diff"]["before"]
    assert "status:" not in planned["diff"]["after"] and aws_env.mutations_since(mark) == []
    again = run_module(amp_rule_groups, broken)
    assert again["failed"] is True and "unclosed left parenthesis" in again["msg"]
    assert aws_env.mutations_since(mark) == ["PutRuleGroupsNamespace"]

    fixed = run_module(amp_rule_groups, args)
    assert fixed["changed"] is True and fixed["rule_groups_namespace"]["status"] == "ACTIVE"
    assert run_module(amp_rule_groups, args)["changed"] is False
