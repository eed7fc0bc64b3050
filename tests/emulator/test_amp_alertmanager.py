"""The emulator's AMP alert manager definitions (aws_emulator.handlers.amp_alertmanager) over moto's AMP workspaces,
through boto3 against the running emulator, and in-process for the status transitions.

Each test creates its own workspace, so tests share the session's emulator without meeting.
"""

import time
import uuid

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

from aws_emulator.handlers import amp_alertmanager
from aws_emulator.handlers.base import RequestContext, ServiceError, snake_case

ACCOUNT = "123456789012"
REGION = "ap-northeast-2"
CONFIG = b"""alertmanager_config: |
  route:
    receiver: default
    routes:
      - receiver: pager
        matchers: ['severity="critical"']
  receivers:
    - name: default
    - name: pager
      sns_configs:
        - topic_arn: arn:aws:sns:ap-northeast-2:123456789012:pager
          sigv4:
            region: ap-northeast-2
template_files:
  default_template: |
    {{ define "sns.default.message" }}{{ .Status }}{{ end }}
"""


@pytest.fixture
def amp(aws_env):
    return boto3.client("amp", region_name=REGION, config=botocore.config.Config(retries={"max_attempts": 1}))


@pytest.fixture
def workspace(amp):
    return amp.create_workspace(alias="alerts-" + uuid.uuid4().hex[:6])["workspaceId"]


def error(call, **kwargs):
    """(error code, HTTP status, message) of a call that must fail."""
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def test_definition_lifecycle_is_logged(aws_env, amp, workspace):
    mark = aws_env.mark()
    assert amp.create_alert_manager_definition(workspaceId=workspace, data=CONFIG)["status"] == {"statusCode": "CREATING"}
    described = amp.describe_alert_manager_definition(workspaceId=workspace)["alertManagerDefinition"]
    assert described["status"] == {"statusCode": "ACTIVE"} and described["data"] == CONFIG
    assert described["createdAt"] == described["modifiedAt"]

    changed = CONFIG.replace(b"receiver: pager", b"receiver: default")
    assert amp.put_alert_manager_definition(workspaceId=workspace, data=changed)["status"] == {"statusCode": "UPDATING"}
    described = amp.describe_alert_manager_definition(workspaceId=workspace)["alertManagerDefinition"]
    assert described["status"] == {"statusCode": "ACTIVE"} and described["data"] == changed
    assert described["modifiedAt"] >= described["createdAt"]

    amp.delete_alert_manager_definition(workspaceId=workspace)
    assert error(amp.describe_alert_manager_definition, workspaceId=workspace)[:2] == ("ResourceNotFoundException", 404)
    assert [(entry["service"], entry["operation"], entry["status"]) for entry in aws_env.since(mark)] == [
        ("amp", "CreateAlertManagerDefinition", 202), ("amp", "DescribeAlertManagerDefinition", 200),
        ("amp", "PutAlertManagerDefinition", 202), ("amp", "DescribeAlertManagerDefinition", 200),
        ("amp", "DeleteAlertManagerDefinition", 202), ("amp", "DescribeAlertManagerDefinition", 404)]


def test_definition_errors(amp, workspace):
    missing = ("ResourceNotFoundException", 404)
    assert error(amp.create_alert_manager_definition, workspaceId="ws-00000000-0000-0000-0000-000000000000", data=CONFIG)[:2] == missing
    assert error(amp.put_alert_manager_definition, workspaceId=workspace, data=CONFIG)[:2] == missing
    assert error(amp.delete_alert_manager_definition, workspaceId=workspace)[:2] == missing
    amp.create_alert_manager_definition(workspaceId=workspace, data=CONFIG)
    assert error(amp.create_alert_manager_definition, workspaceId=workspace, data=CONFIG)[:2] == ("ConflictException", 409)


@pytest.mark.parametrize("data, problem", [
    (b"alertmanager_config: [unclosed", "not valid YAML"),
    (b"- a list", "YAML mapping"),
    (b"template_files: {}", "missing the required alertmanager_config"),
    (b"alertmanager_config:\n  route: {receiver: default}", "must be a string"),
    (b"alertmanager_config: 'route: {receiver: default}'\nreceivers: []", "unknown top-level keys: receivers"),
    (b"alertmanager_config: 'receivers: [{name: default}]'", "no route provided"),
    (b'alertmanager_config: "route: {receiver: pager}\\nreceivers: [{name: default}]"', 'undefined receiver "pager"'),
    (b'alertmanager_config: "route: {receiver: default}\\nreceivers: [{name: default}]"\ntemplate_files: [a]', "template_files must map"),
])
def test_definition_is_validated(amp, workspace, data, problem):
    code, status, message = error(amp.create_alert_manager_definition, workspaceId=workspace, data=data)
    assert (code, status) == ("ValidationException", 400) and problem in message
    assert error(amp.describe_alert_manager_definition, workspaceId=workspace)[0] == "ResourceNotFoundException"


def test_moto_still_serves_the_rest_of_amp(aws_env, amp, workspace):
    mark = aws_env.mark()
    amp.create_rule_groups_namespace(workspaceId=workspace, name="rules", data=b"groups: []")
    assert amp.describe_workspace(workspaceId=workspace)["workspace"]["workspaceId"] == workspace
    assert [namespace["name"] for namespace in amp.list_rule_groups_namespaces(workspaceId=workspace)["ruleGroupsNamespaces"]] == ["rules"]
    # moto answers these (its CreateRuleGroupsNamespace says 200 where AWS says 202).
    assert [(entry["service"], entry["operation"], entry["status"]) for entry in aws_env.since(mark)] == [
        ("amp", "CreateRuleGroupsNamespace", 200), ("amp", "DescribeWorkspace", 200), ("amp", "ListRuleGroupsNamespaces", 200)]


def test_definition_goes_with_its_workspace(amp, workspace):
    amp.create_alert_manager_definition(workspaceId=workspace, data=CONFIG)
    amp.delete_workspace(workspaceId=workspace)
    assert error(amp.describe_alert_manager_definition, workspaceId=workspace)[:2] == ("ResourceNotFoundException", 404)


def test_tagging_api_lists_workspaces_and_rule_groups_namespaces(amp):
    platform = "amp-" + uuid.uuid4().hex[:8]
    tags = {"gameops:platform": platform}
    created = amp.create_workspace(alias=platform, tags=tags)
    namespace = amp.create_rule_groups_namespace(workspaceId=created["workspaceId"], name="rules", data=b"groups: []", tags=tags)
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION)

    def listed():
        mappings = tagging.get_resources(TagFilters=[{"Key": "gameops:platform", "Values": [platform]}])["ResourceTagMappingList"]
        return sorted(mapping["ResourceARN"] for mapping in mappings)

    assert listed() == sorted([created["arn"], namespace["arn"]])
    assert tagging.get_resources(ResourceTypeFilters=["aps:rulegroupsnamespace"],
                                 TagFilters=[{"Key": "gameops:platform", "Values": [platform]}])["ResourceTagMappingList"][0][
        "ResourceARN"] == namespace["arn"]
    amp.delete_rule_groups_namespace(workspaceId=created["workspaceId"], name="rules")
    assert listed() == [created["arn"]]
    amp.delete_workspace(workspaceId=created["workspaceId"])
    assert listed() == []


# -- in-process: the status transitions ---------------------------------------------------------------


class Clock:
    def __init__(self):
        self.now = time.time()

    def __call__(self):
        return self.now


def test_statuses_follow_the_latency_model(monkeypatch):
    from moto.amp.models import amp_backends  # pylint: disable=import-outside-toplevel  # moto loads slowly

    monkeypatch.setenv("MOTO_ACCOUNT_ID", ACCOUNT)
    monkeypatch.setattr(amp_alertmanager.latency, "seconds", {"amp.alert_manager_definition.create": 30,
                                                              "amp.alert_manager_definition.update": 20}.get)
    workspace = amp_backends[ACCOUNT][REGION].create_workspace(alias="in-process", tags={})
    handler = amp_alertmanager.AlertManagerDefinitions(clock=Clock())
    data = amp_alertmanager.base64.b64encode(CONFIG).decode()

    def call(operation, **params):
        params["workspaceId"] = workspace.workspace_id
        handler.validate(operation, params)
        handler.context = RequestContext(REGION, {})
        return getattr(handler, snake_case(operation))(**params)

    def status():
        return call("DescribeAlertManagerDefinition")["alertManagerDefinition"]["status"]["statusCode"]

    call("CreateAlertManagerDefinition", data=data)
    handler.clock.now += 29
    assert status() == "CREATING"
    with pytest.raises(ServiceError) as refused:
        call("PutAlertManagerDefinition", data=data)
    assert refused.value.code == "ConflictException"
    handler.clock.now += 1
    assert status() == "ACTIVE"
    call("PutAlertManagerDefinition", data=data)
    assert status() == "UPDATING"
    with pytest.raises(ServiceError) as refused:
        call("DeleteAlertManagerDefinition")
    assert refused.value.code == "ConflictException"
    handler.clock.now += 20
    assert status() == "ACTIVE"
    call("DeleteAlertManagerDefinition")
    with pytest.raises(ServiceError) as gone:
        status()
    assert gone.value.code == "ResourceNotFoundException"


@pytest.mark.parametrize("receiver", [
    {"name": "r", "webhook_configs": [{"url": "https://example.com"}]},
    {"name": "r", "sns_configs": [{"topic_arn": "arn:aws:sns:ap-northeast-2:123456789012:t", "http_config": {}, "sigv4": {"region": "ap-northeast-2"}}]},
    {"name": "r", "sns_configs": [{"topic_arn": "arn:aws:sns:ap-northeast-2:123456789012:t"}]},
    {"name": "r", "sns_configs": [{"topic_arn": "arn:aws:sns:ap-northeast-2:123456789012:t.fifo", "sigv4": {"region": "ap-northeast-2"}}]},
])
def test_only_sns_receivers(receiver):
    """AMP's only receiver is SNS, without api_url/http_config, with sigv4.region, to a Standard topic (issue 13 #8)."""
    import yaml  # pylint: disable=import-outside-toplevel

    with pytest.raises(ServiceError) as caught:
        amp_alertmanager.check_alertmanager_config(yaml.safe_dump({"route": {"receiver": "r"}, "receivers": [receiver]}))
    assert caught.value.code == "ValidationException"
    amp_alertmanager.check_alertmanager_config(yaml.safe_dump({"route": {"receiver": "r"}, "receivers": [
        {"name": "r", "sns_configs": [{"topic_arn": "arn:aws:sns:ap-northeast-2:123456789012:t", "sigv4": {"region": "ap-northeast-2"}}]}]}))


BAD_TEMPLATE = CONFIG.replace(b'{{ .Status }}{{ end }}', b'{{ .Status {{ end }}')
RULES = b"""groups:
  - name: cache
    rules:
      - alert: CacheDown
        expr: %s
"""


def test_failed_loads_leave_the_refused_data_and_a_reason(amp, workspace):
    """AMP takes the data and loads it afterwards: what does not load is CREATION_FAILED / UPDATE_FAILED (issue 13 #16)."""
    amp.create_alert_manager_definition(workspaceId=workspace, data=BAD_TEMPLATE)
    described = amp.describe_alert_manager_definition(workspaceId=workspace)["alertManagerDefinition"]
    assert described["status"] == {"statusCode": "CREATION_FAILED", "statusReason": "template: default_template: unclosed action"}
    assert described["data"] == BAD_TEMPLATE
    amp.put_alert_manager_definition(workspaceId=workspace, data=CONFIG)  # a failed definition takes a new one
    assert amp.describe_alert_manager_definition(workspaceId=workspace)["alertManagerDefinition"]["status"] == {"statusCode": "ACTIVE"}
    amp.put_alert_manager_definition(workspaceId=workspace, data=BAD_TEMPLATE)
    assert amp.describe_alert_manager_definition(workspaceId=workspace)["alertManagerDefinition"]["status"]["statusCode"] == "UPDATE_FAILED"
    amp.put_alert_manager_definition(workspaceId=workspace, data=CONFIG.replace(b'{{ end }}', b''))
    status = amp.describe_alert_manager_definition(workspaceId=workspace)["alertManagerDefinition"]["status"]
    assert status == {"statusCode": "UPDATE_FAILED", "statusReason": "template: default_template: unexpected EOF"}
    amp.delete_alert_manager_definition(workspaceId=workspace)

    amp.create_rule_groups_namespace(workspaceId=workspace, name="rules", data=RULES % b'up{job="cache"} == 0')
    assert amp.describe_rule_groups_namespace(workspaceId=workspace, name="rules")["ruleGroupsNamespace"]["status"] == {"statusCode": "ACTIVE"}
    amp.put_rule_groups_namespace(workspaceId=workspace, name="rules", data=RULES % b'sum(rate(up{job="cache"}[5m]) == 0')
    namespace = amp.describe_rule_groups_namespace(workspaceId=workspace, name="rules")["ruleGroupsNamespace"]
    assert namespace["status"] == {"statusCode": "UPDATE_FAILED", "statusReason": 'group "cache", rule 1, "CacheDown": could not parse '
                                   'expression: parse error: unclosed left parenthesis'}
    assert namespace["data"] == RULES % b'sum(rate(up{job="cache"}[5m]) == 0'
    amp.create_rule_groups_namespace(workspaceId=workspace, name="broken", data=RULES % b'up{job="(cache"} == 0)')
    broken = amp.describe_rule_groups_namespace(workspaceId=workspace, name="broken")["ruleGroupsNamespace"]
    assert broken["status"]["statusCode"] == "CREATION_FAILED" and "unexpected right parenthesis" in broken["status"]["statusReason"]
