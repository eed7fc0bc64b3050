import uuid

import boto3
import botocore.exceptions
import pytest

from ansible_collections.gameops.platform.plugins.module_utils import amp
from ansible_collections.gameops.platform.plugins.modules import amp_alert_manager
from ansible_collections.gameops.platform.plugins.modules import amp_workspace
from conftest import Emulator, free_port, run_module

from aws_emulator import __main__ as emulator_cli
from aws_emulator import faults, latency

LOG_GROUP = "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/prometheus/%s:*"
KMS_KEY = "arn:aws:kms:ap-northeast-2:123456789012:key/0f4c3a5e-1111-2222-3333-444455556666"


@pytest.fixture
def alias(aws_env):
    return "metrics-%s" % uuid.uuid4().hex[:8]


def workspaces(alias):
    listed = boto3.client("amp").list_workspaces(alias=alias)["workspaces"]
    return [item for item in listed if item["alias"] == alias]


def test_create_then_no_op(aws_env, alias):
    args = dict(alias=alias, tags={"gameops:platform": "t"}, logging=dict(log_group_arn=LOG_GROUP % alias))
    mark = aws_env.mark()
    planned = run_module(amp_workspace, args, check_mode=True, diff=True)
    assert planned["changed"] is True
    assert planned["diff"] == {"before": {}, "after": dict(workspace_id=None, alias=alias, kms_key_arn=None,
                                                           tags={"gameops:platform": "t"}, log_group_arn=LOG_GROUP % alias)}
    assert aws_env.mutations_since(mark) == []
    assert workspaces(alias) == []

    mark = aws_env.mark()
    created = run_module(amp_workspace, args, diff=True)
    assert created["changed"] is True
    assert aws_env.mutations_since(mark) == ["CreateWorkspace", "CreateLoggingConfiguration"]
    [listed] = workspaces(alias)
    workspace = created["workspace"]
    assert workspace["workspace_id"] == listed["workspaceId"]
    assert workspace["status"] == "ACTIVE"
    assert workspace["tags"] == {"gameops:platform": "t"}
    assert workspace["logging"] == {"log_group_arn": LOG_GROUP % alias, "status": "ACTIVE"}
    endpoint = workspace["prometheus_endpoint"]
    assert endpoint.endswith("/workspaces/%s/" % listed["workspaceId"])
    assert workspace["remote_write_url"] == endpoint + "api/v1/remote_write"
    assert workspace["query_url"] == endpoint + "api/v1/query"
    assert created["diff"]["after"] == dict(planned["diff"]["after"], workspace_id=listed["workspaceId"])

    mark = aws_env.mark()
    again = run_module(amp_workspace, args, diff=True)
    assert again["changed"] is False
    assert again["workspace"] == workspace
    assert aws_env.mutations_since(mark) == []


def test_tags_logging_and_alias_change_in_place(aws_env, alias):
    created = run_module(amp_workspace, dict(alias=alias, tags={"keep": "1", "drop": "2"}))["workspace"]
    workspace_id = created["workspace_id"]

    mark = aws_env.mark()
    planned = run_module(amp_workspace, dict(alias=alias, tags={"keep": "1", "new": "3"}, logging=dict(log_group_arn=LOG_GROUP % "a")),
                         check_mode=True, diff=True)
    assert planned["changed"] is True
    assert planned["diff"]["after"]["tags"] == {"keep": "1", "new": "3"}
    assert aws_env.mutations_since(mark) == []

    updated = run_module(amp_workspace, dict(alias=alias, tags={"keep": "1", "new": "3"}, logging=dict(log_group_arn=LOG_GROUP % "a")))
    assert updated["changed"] is True
    assert sorted(aws_env.mutations_since(mark)) == ["CreateLoggingConfiguration", "TagResource", "UntagResource"]
    assert updated["workspace"]["workspace_id"] == workspace_id
    assert boto3.client("amp").describe_workspace(workspaceId=workspace_id)["workspace"]["tags"] == {"keep": "1", "new": "3"}

    mark = aws_env.mark()
    moved = run_module(amp_workspace, dict(alias=alias, logging=dict(log_group_arn=LOG_GROUP % "b"), purge_tags=False, tags={}))
    assert moved["changed"] is True and moved["workspace"]["logging"]["log_group_arn"] == LOG_GROUP % "b"
    assert aws_env.mutations_since(mark) == ["UpdateLoggingConfiguration"]

    mark = aws_env.mark()
    off = run_module(amp_workspace, dict(alias=alias, logging={}))
    assert off["changed"] is True and off["workspace"]["logging"] == {}
    assert aws_env.mutations_since(mark) == ["DeleteLoggingConfiguration"]

    mark = aws_env.mark()
    renamed = run_module(amp_workspace, dict(workspace_id=workspace_id, alias=alias + "-new"))
    assert renamed["changed"] is True and renamed["workspace"]["alias"] == alias + "-new"
    assert aws_env.mutations_since(mark) == ["UpdateWorkspaceAlias"]
    assert workspaces(alias) == [] and len(workspaces(alias + "-new")) == 1


def test_shared_alias_fails_naming_the_workspaces_unless_pinned(aws_env, alias):
    client = boto3.client("amp")
    ids = sorted(client.create_workspace(alias=alias)["workspaceId"] for index in range(2))
    client.create_workspace(alias=alias + "-other")  # a prefix match is not the alias

    mark = aws_env.mark()
    result = run_module(amp_workspace, dict(alias=alias))
    assert result["failed"] is True
    assert "2 AMP workspaces have the alias %s: %s" % (alias, ", ".join(ids)) in result["msg"]
    assert result["workspace_ids"] == ids
    assert aws_env.mutations_since(mark) == []

    pinned = run_module(amp_workspace, dict(alias=alias, workspace_id=ids[1], tags={"a": "b"}))
    assert pinned["changed"] is True and pinned["workspace"]["workspace_id"] == ids[1]
    assert client.describe_workspace(workspaceId=ids[0])["workspace"]["tags"] == {}


def test_kms_key_is_create_only(aws_env, alias, api_calls):
    created = run_module(amp_workspace, dict(alias=alias, kms_key_arn=KMS_KEY))
    assert created["changed"] is True
    assert [params.get("kmsKeyArn") for operation, params in api_calls if operation == "CreateWorkspace"] == [KMS_KEY]

    plain = run_module(amp_workspace, dict(alias=alias + "-plain"))["workspace"]
    mark = aws_env.mark()
    refused = run_module(amp_workspace, dict(alias=alias + "-plain", kms_key_arn=KMS_KEY, tags={"a": "b"}))
    assert refused["failed"] is True
    assert "The KMS key of AMP workspace %s cannot be changed: it uses the key AMP owns" % plain["workspace_id"] in refused["msg"]
    assert aws_env.mutations_since(mark) == []


def test_missing_pinned_workspace(aws_env):
    mark = aws_env.mark()
    result = run_module(amp_workspace, dict(workspace_id="ws-00000000-0000-0000-0000-000000000000"))
    assert result["failed"] is True and "does not exist" in result["msg"]
    gone = run_module(amp_workspace, dict(workspace_id="ws-00000000-0000-0000-0000-000000000000", state="absent"))
    assert gone["changed"] is False
    assert aws_env.mutations_since(mark) == []


def test_delete(aws_env, alias):
    created = run_module(amp_workspace, dict(alias=alias))["workspace"]

    mark = aws_env.mark()
    planned = run_module(amp_workspace, dict(alias=alias, state="absent"), check_mode=True, diff=True)
    assert planned["changed"] is True and planned["diff"]["after"] == {}
    assert planned["diff"]["before"]["workspace_id"] == created["workspace_id"]
    assert aws_env.mutations_since(mark) == []

    deleted = run_module(amp_workspace, dict(alias=alias, state="absent"))
    assert deleted["changed"] is True and deleted["workspace"] == {}
    assert aws_env.mutations_since(mark) == ["DeleteWorkspace"]
    assert workspaces(alias) == []

    mark = aws_env.mark()
    assert run_module(amp_workspace, dict(alias=alias, state="absent"))["changed"] is False
    assert aws_env.mutations_since(mark) == []


@pytest.fixture(scope="module")
def busy_emulator(tmp_path_factory):
    """An emulator where a workspace is CREATING for 3 s and 30% of requests are throttled."""
    running = Emulator(tmp_path_factory.mktemp("busy-emulator"), free_port())
    emulator_cli.start("127.0.0.1", running.port, running.state_dir, settings={
        latency.SCALE_VARIABLE: "3", faults.FAULTS_VARIABLE: "throttle=0.3", faults.SEED_VARIABLE: "7"})
    yield running
    emulator_cli.stop(running.state_dir)


def test_waits_for_active_and_retries_throttling_and_conflicts(busy_emulator, monkeypatch):
    for key, value in busy_emulator.env().items():
        monkeypatch.setenv(key, value)
    args = dict(alias="busy", logging=dict(log_group_arn=LOG_GROUP % "busy"))
    created = run_module(amp_workspace, args)
    assert created["changed"] is True, created
    assert created["workspace"]["status"] == "ACTIVE"
    assert created["workspace"]["logging"]["log_group_arn"] == LOG_GROUP % "busy"
    assert run_module(amp_workspace, args)["changed"] is False

    # Not waited for: the alert manager definition is refused (409) while the workspace is CREATING.
    fresh = run_module(amp_workspace, dict(alias="busy-fresh", wait=False))["workspace"]
    assert fresh["status"] == "CREATING"
    definition = {"alertmanager_config": {"route": {"receiver": "default"}, "receivers": [{"name": "default"}]}}
    defined = run_module(amp_alert_manager, dict(workspace_id=fresh["workspace_id"], definition=definition))
    assert defined["changed"] is True, defined
    assert defined["alert_manager_definition"]["status"] == "ACTIVE"

    statuses = [(entry["operation"], entry["status"]) for entry in busy_emulator.requests()]
    assert 429 in [status for operation, status in statuses], "no request was throttled: the retries went untested"
    creates = [status for operation, status in statuses if operation == "CreateAlertManagerDefinition"]
    assert 409 in creates and creates[-1] == 202


def client_error(code):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": code}}, "PutRuleGroupsNamespace")


def test_changes_are_retried_while_the_resource_is_busy(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    answers = [client_error("ConflictException"), client_error("ThrottlingException"), {"status": {"statusCode": "UPDATING"}}]
    calls = []

    def operation(**params):
        calls.append(params)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert amp.when_settled(operation, workspaceId="ws-1") == {"status": {"statusCode": "UPDATING"}}
    assert calls == [{"workspaceId": "ws-1"}] * 3

    def invalid(**params):
        calls.append(params)
        raise client_error("ValidationException")

    del calls[:]
    with pytest.raises(botocore.exceptions.ClientError):
        amp.when_settled(invalid, workspaceId="ws-1")
    assert len(calls) == 1
