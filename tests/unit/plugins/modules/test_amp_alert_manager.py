import uuid

import boto3
import pytest
import yaml

from ansible_collections.gameops.platform.plugins.modules import amp_alert_manager
from conftest import run_module

DEFINITION = """# AMP keeps alertmanager_config as text.
alertmanager_config: |
  route:
    receiver: default
    group_by: [alertname]
  receivers:
    - name: default
"""

# The same definition as a mapping, alertmanager_config included: equal once parsed.
DEFINITION_MAPPING = {"alertmanager_config": {"route": {"receiver": "default", "group_by": ["alertname"]},
                                              "receivers": [{"name": "default"}]}}

SNS = {"alertmanager_config": {
    "route": {"receiver": "sns"},
    "receivers": [{"name": "sns", "sns_configs": [{"topic_arn": "arn:aws:sns:ap-northeast-2:123456789012:alerts",
                                                   "sigv4": {"region": "ap-northeast-2"}}]}]}}


@pytest.fixture
def workspace_id(aws_env):
    return boto3.client("amp").create_workspace(alias="alerts-%s" % uuid.uuid4().hex[:8])["workspaceId"]


def stored(workspace_id):
    return boto3.client("amp").describe_alert_manager_definition(workspaceId=workspace_id)["alertManagerDefinition"]["data"].decode()


def test_create_then_no_op(aws_env, workspace_id):
    args = dict(workspace_id=workspace_id, definition=DEFINITION)
    mark = aws_env.mark()
    planned = run_module(amp_alert_manager, args, check_mode=True, diff=True)
    assert planned["changed"] is True
    assert planned["diff"]["before"] == "" and "receiver: default" in planned["diff"]["after"]
    assert aws_env.mutations_since(mark) == []

    created = run_module(amp_alert_manager, args, diff=True)
    assert created["changed"] is True
    assert aws_env.mutations_since(mark) == ["CreateAlertManagerDefinition"]
    assert stored(workspace_id) == DEFINITION
    assert created["alert_manager_definition"]["status"] == "ACTIVE"
    assert created["alert_manager_definition"]["definition"] == DEFINITION_MAPPING
    assert created["diff"]["after"] == planned["diff"]["after"]

    mark = aws_env.mark()
    again = run_module(amp_alert_manager, dict(args, definition=DEFINITION_MAPPING), diff=True)
    assert again["changed"] is False
    assert aws_env.mutations_since(mark) == []


def test_change_is_put_with_alertmanager_config_as_text(aws_env, workspace_id, api_calls):
    run_module(amp_alert_manager, dict(workspace_id=workspace_id, definition=DEFINITION))

    mark = aws_env.mark()
    planned = run_module(amp_alert_manager, dict(workspace_id=workspace_id, definition=SNS), check_mode=True, diff=True)
    assert planned["changed"] is True
    assert "topic_arn" not in planned["diff"]["before"] and "topic_arn" in planned["diff"]["after"]
    assert aws_env.mutations_since(mark) == []

    del api_calls[:]
    put = run_module(amp_alert_manager, dict(workspace_id=workspace_id, definition=SNS))
    assert put["changed"] is True
    assert aws_env.mutations_since(mark) == ["PutAlertManagerDefinition"]
    [sent] = [params["data"] for operation, params in api_calls if operation == "PutAlertManagerDefinition"]
    document = yaml.safe_load(sent)
    assert isinstance(document["alertmanager_config"], str)
    assert yaml.safe_load(document["alertmanager_config"]) == SNS["alertmanager_config"]
    assert put["alert_manager_definition"]["definition"] == SNS

    mark = aws_env.mark()
    assert run_module(amp_alert_manager, dict(workspace_id=workspace_id, definition=SNS))["changed"] is False
    assert aws_env.mutations_since(mark) == []


@pytest.mark.parametrize("definition, problem", [
    ("alertmanager_config: [", "not valid YAML"),
    ({"route": {"receiver": "default"}}, "a mapping with alertmanager_config"),
    (dict(DEFINITION_MAPPING, extra=1), "unknown top-level key extra"),
    ({"alertmanager_config": "route: {receiver: x}\nreceivers: [{name: y}]\n"}, "receiver x, which receivers does not define"),
    ({"alertmanager_config": {"receivers": [{"name": "y"}]}}, "a route with a receiver"),
    (dict(DEFINITION_MAPPING, template_files={"a.tmpl": ["not", "text"]}), "template_files must map file names to template text"),
    # AMP takes SNS receivers only (issue 13 #8, #22).
    ({"alertmanager_config": {"route": {"receiver": "w"}, "receivers": [{"name": "w", "webhook_configs": [{"url": "https://x"}]}]}},
     "receiver w has webhook_configs; AMP supports only sns_configs"),
    ({"alertmanager_config": {"route": {"receiver": "s"}, "receivers": [{"name": "s", "sns_configs": [
        {"topic_arn": "arn:aws:sns:ap-northeast-2:123456789012:t", "api_url": "https://sns", "sigv4": {"region": "ap-northeast-2"}}]}]}},
     "sns_configs cannot have api_url"),
    ({"alertmanager_config": {"route": {"receiver": "s"}, "receivers": [{"name": "s", "sns_configs": [
        {"topic_arn": "arn:aws:sns:ap-northeast-2:123456789012:t"}]}]}}, "needs sigv4 with a region"),
    ({"alertmanager_config": {"route": {"receiver": "s"}, "receivers": [{"name": "s", "sns_configs": [
        {"topic_arn": "arn:aws:sns:ap-northeast-2:123456789012:t.fifo", "sigv4": {"region": "ap-northeast-2"}}]}]}}, "not the FIFO topic"),
])
def test_a_bad_definition_fails_before_any_call(aws_env, workspace_id, definition, problem):
    mark = aws_env.mark()
    result = run_module(amp_alert_manager, dict(workspace_id=workspace_id, definition=definition))
    assert result["failed"] is True
    assert problem in result["msg"]
    assert aws_env.since(mark) == []


def test_delete(aws_env, workspace_id):
    run_module(amp_alert_manager, dict(workspace_id=workspace_id, definition=DEFINITION))

    mark = aws_env.mark()
    planned = run_module(amp_alert_manager, dict(workspace_id=workspace_id, state="absent"), check_mode=True, diff=True)
    assert planned["changed"] is True and planned["diff"]["after"] == ""
    assert aws_env.mutations_since(mark) == []

    assert run_module(amp_alert_manager, dict(workspace_id=workspace_id, state="absent"))["changed"] is True
    assert aws_env.mutations_since(mark) == ["DeleteAlertManagerDefinition"]

    mark = aws_env.mark()
    assert run_module(amp_alert_manager, dict(workspace_id=workspace_id, state="absent"))["changed"] is False
    assert aws_env.mutations_since(mark) == []
    missing = run_module(amp_alert_manager, dict(workspace_id="ws-00000000-0000-0000-0000-000000000000", definition=DEFINITION))
    assert missing["failed"] is True and "does not exist" in missing["msg"]


def test_a_definition_amp_failed_to_load_is_not_unchanged(aws_env, workspace_id):
    """AMP keeps a definition it cannot load, CREATION_FAILED: the next run sends it again and fails with the reason (issue 13 #16)."""
    broken = dict(DEFINITION_MAPPING, template_files={"default_template": '{{ define "sns.default.message" }}{{ .Status }}'})
    args = dict(workspace_id=workspace_id, definition=dict(broken))
    failed = run_module(amp_alert_manager, args)
    assert failed["failed"] is True and "CREATION_FAILED" in failed["msg"] and "unexpected EOF" in failed["msg"]

    mark = aws_env.mark()
    planned = run_module(amp_alert_manager, args, check_mode=True, diff=True)
    assert planned["changed"] is True and "# status: CREATION_FAILED: template" in planned["diff"]["before"]
    assert aws_env.mutations_since(mark) == []
    again = run_module(amp_alert_manager, args)
    assert again["failed"] is True and "unexpected EOF" in again["msg"]
    assert aws_env.mutations_since(mark) == ["PutAlertManagerDefinition"]

    fixed = dict(args, definition=dict(broken, template_files={"default_template": '{{ define "sns.default.message" }}{{ .Status }}{{ end }}'}))
    result = run_module(amp_alert_manager, fixed)
    assert result["changed"] is True and result["alert_manager_definition"]["status"] == "ACTIVE"
    assert run_module(amp_alert_manager, fixed)["changed"] is False
