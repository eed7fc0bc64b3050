import time
import urllib.error
import urllib.request
import uuid

import boto3
import pytest

from ansible_collections.gameops.platform.plugins.module_utils import amg
from ansible_collections.gameops.platform.plugins.modules import amg_service_account_token
from conftest import run_module


def grafana():
    return boto3.client("grafana")


@pytest.fixture
def workspace(aws_env):
    """An ACTIVE workspace (the emulator settles at once) and its endpoint."""
    created = grafana().create_workspace(workspaceName="tokens-%s" % uuid.uuid4().hex[:8], accountAccessType="CURRENT_ACCOUNT",
                                         permissionType="SERVICE_MANAGED", authenticationProviders=["AWS_SSO"])["workspace"]
    return created["id"], created["endpoint"]


def accounts(workspace_id):
    return grafana().list_workspace_service_accounts(workspaceId=workspace_id)["serviceAccounts"]


def tokens(workspace_id, account_id):
    return grafana().list_workspace_service_account_tokens(workspaceId=workspace_id, serviceAccountId=account_id)["serviceAccountTokens"]


def token_account(workspace_id):
    [account] = accounts(workspace_id)
    return account


def grafana_status(endpoint, key):
    """The HTTP status the workspace's Grafana answers a search with the key as bearer token."""
    request = urllib.request.Request("http://%s/api/search" % endpoint, headers={"Authorization": "Bearer %s" % key})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_mint_returns_the_key_once(aws_env, workspace):
    workspace_id, endpoint = workspace
    mark = aws_env.mark()
    minted = run_module(amg_service_account_token, dict(workspace_id=workspace_id, token_name="run-1", seconds_to_live=600))
    assert minted["changed"] is True
    assert aws_env.mutations_since(mark) == ["CreateWorkspaceServiceAccount", "CreateWorkspaceServiceAccountToken"]
    token = minted["token"]
    assert token["name"] == "run-1" and token["key"].startswith("glsa_") and token["expires_at"]
    assert minted["service_account"] == {"id": token_account(workspace_id)["id"], "name": "gameops-platform", "grafana_role": "ADMIN"}
    assert grafana_status(endpoint, token["key"]) == 200

    # AMG lists the token, never its key; and the module's arguments never carry it.
    [listed] = tokens(workspace_id, minted["service_account"]["id"])
    assert listed["id"] == token["id"] and "key" not in listed
    assert token["key"] not in str(minted["invocation"])

    # Another token on the same service account: the account is reused.
    mark = aws_env.mark()
    second = run_module(amg_service_account_token, dict(workspace_id=workspace_id, token_name="run-2"))
    assert aws_env.mutations_since(mark) == ["CreateWorkspaceServiceAccountToken"]
    assert second["token"]["key"] != token["key"]
    assert len(accounts(workspace_id)) == 1


def test_a_token_of_the_same_name_is_replaced(aws_env, workspace):
    workspace_id, endpoint = workspace
    first = run_module(amg_service_account_token, dict(workspace_id=workspace_id))
    mark = aws_env.mark()
    second = run_module(amg_service_account_token, dict(workspace_id=workspace_id))
    assert aws_env.mutations_since(mark) == ["DeleteWorkspaceServiceAccountToken", "CreateWorkspaceServiceAccountToken"]
    assert [item["id"] for item in tokens(workspace_id, token_account(workspace_id)["id"])] == [second["token"]["id"]]
    assert grafana_status(endpoint, first["token"]["key"]) == 401
    assert grafana_status(endpoint, second["token"]["key"]) == 200


def test_check_mode_mints_nothing(aws_env, workspace):
    workspace_id = workspace[0]
    mark = aws_env.mark()
    planned = run_module(amg_service_account_token, dict(workspace_id=workspace_id), check_mode=True)
    assert planned["changed"] is True
    assert planned["token"]["key"] is None and planned["token"]["id"] is None
    assert aws_env.mutations_since(mark) == []
    assert accounts(workspace_id) == []


def test_absent_removes_the_token_and_optionally_the_account(aws_env, workspace):
    workspace_id, endpoint = workspace
    by_name = run_module(amg_service_account_token, dict(workspace_id=workspace_id, token_name="by-name"))
    by_id = run_module(amg_service_account_token, dict(workspace_id=workspace_id, token_name="by-id"))

    mark = aws_env.mark()
    planned = run_module(amg_service_account_token, dict(workspace_id=workspace_id, token_name="by-name", state="absent"), check_mode=True)
    assert planned["changed"] is True and planned["token"]["id"] == by_name["token"]["id"]
    assert aws_env.mutations_since(mark) == []

    removed = run_module(amg_service_account_token, dict(workspace_id=workspace_id, token_name="by-name", state="absent"))
    assert removed["changed"] is True and "key" not in removed["token"]
    assert aws_env.mutations_since(mark) == ["DeleteWorkspaceServiceAccountToken"]
    assert grafana_status(endpoint, by_name["token"]["key"]) == 401
    mark = aws_env.mark()
    assert run_module(amg_service_account_token, dict(workspace_id=workspace_id, token_name="by-name", state="absent"))["changed"] is False
    assert aws_env.mutations_since(mark) == []

    removed = run_module(amg_service_account_token, dict(workspace_id=workspace_id, token_id=by_id["token"]["id"], state="absent"))
    assert removed["changed"] is True and removed["token"]["name"] == "by-id"
    assert tokens(workspace_id, token_account(workspace_id)["id"]) == []

    removed = run_module(amg_service_account_token, dict(workspace_id=workspace_id, state="absent", delete_service_account=True))
    assert removed["changed"] is True
    assert accounts(workspace_id) == []
    assert run_module(amg_service_account_token, dict(workspace_id=workspace_id, state="absent", delete_service_account=True))["changed"] is False


def test_refusals(aws_env, workspace):
    workspace_id = workspace[0]
    grafana().create_workspace_service_account(workspaceId=workspace_id, name="viewer", grafanaRole="VIEWER")
    mark = aws_env.mark()
    result = run_module(amg_service_account_token, dict(workspace_id=workspace_id, service_account="viewer"))
    assert result["failed"] is True and "has the Grafana role VIEWER, not ADMIN" in result["msg"]
    result = run_module(amg_service_account_token, dict(workspace_id=workspace_id, seconds_to_live=0))
    assert result["msg"] == "seconds_to_live must be 1 to 2592000, not 0"
    result = run_module(amg_service_account_token, dict(workspace_id="g-0000000000"))
    assert result["msg"] == "The AMG workspace g-0000000000 does not exist; tokens are minted on an ACTIVE workspace"
    assert run_module(amg_service_account_token, dict(workspace_id="g-0000000000", state="absent"))["changed"] is False
    assert aws_env.mutations_since(mark) == []


def test_expired_tokens_are_deleted_so_they_do_not_fill_the_quota(aws_env, workspace):
    # AMG counts expired tokens against its quota until they are deleted; runs killed before their always block leave
    # theirs behind under timestamped names, which a same-name cleanup never meets.
    workspace_id, _endpoint = workspace
    client = grafana()
    account = client.create_workspace_service_account(workspaceId=workspace_id, name="gameops-platform", grafanaRole="ADMIN")
    for index in range(100):  # the emulator's quota
        client.create_workspace_service_account_token(workspaceId=workspace_id, serviceAccountId=account["id"],
                                                      name="gameops-%d" % index, secondsToLive=1)
    time.sleep(1.5)
    planned = run_module(amg_service_account_token, dict(workspace_id=workspace_id, token_name="gameops-next"), check_mode=True)
    assert len(planned["token"]["expired_deleted"]) == 100 and len(tokens(workspace_id, account["id"])) == 100

    minted = run_module(amg_service_account_token, dict(workspace_id=workspace_id, token_name="gameops-next"))
    assert minted["changed"] is True and minted["token"]["key"], minted
    assert len(minted["token"]["expired_deleted"]) == 100
    assert [token["name"] for token in tokens(workspace_id, account["id"])] == ["gameops-next"]


def test_a_workspace_before_grafana_9_has_no_service_accounts(aws_env, workspace, monkeypatch, api_calls):
    workspace_id, _endpoint = workspace
    describe = amg.describe_workspace
    monkeypatch.setattr(amg, "describe_workspace", lambda client, ws: dict(describe(client, ws), grafanaVersion="8.4"))
    result = run_module(amg_service_account_token, dict(workspace_id=workspace_id))
    assert result["failed"] is True and "runs Grafana 8.4" in result["msg"] and "version 9 and above" in result["msg"]
    assert [operation for operation, _params in api_calls] == ["DescribeWorkspace"]
