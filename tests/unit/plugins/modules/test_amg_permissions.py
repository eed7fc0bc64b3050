import uuid

import boto3
import pytest

from ansible_collections.gameops.platform.plugins.modules import amg_permissions
from conftest import run_module

ALICE = "906755c3a1-%s" % uuid.UUID(int=1)
BOB = "906755c3a1-%s" % uuid.UUID(int=2)
OPS = "906755c3a1-%s" % uuid.UUID(int=3)
DEVS = "%s" % uuid.UUID(int=4)  # ids without the store prefix are valid too


def grafana():
    return boto3.client("grafana")


def create(providers):
    return grafana().create_workspace(workspaceName="perms-%s" % uuid.uuid4().hex[:8], accountAccessType="CURRENT_ACCOUNT",
                                      permissionType="SERVICE_MANAGED", authenticationProviders=providers)["workspace"]["id"]


@pytest.fixture
def workspace(aws_env):
    return create(["AWS_SSO"])


def assignments(workspace_id):
    return sorted((entry["role"], entry["user"]["type"], entry["user"]["id"])
                  for entry in grafana().list_permissions(workspaceId=workspace_id)["permissions"])


def grant(workspace_id, role, kind, ident):
    answer = grafana().update_permissions(workspaceId=workspace_id, updateInstructionBatch=[
        dict(action="ADD", role=role, users=[dict(type=kind, id=ident)])])
    assert answer["errors"] == []


def test_converges_then_is_idempotent(aws_env, workspace):
    args = dict(workspace_id=workspace, admins=dict(groups=[OPS]), editors=dict(users=[ALICE]), viewers=dict(groups=[DEVS]))
    mark = aws_env.mark()
    first = run_module(amg_permissions, args)
    assert first["changed"] is True
    assert aws_env.mutations_since(mark) == ["UpdatePermissions"]
    assert assignments(workspace) == [("ADMIN", "SSO_GROUP", OPS), ("EDITOR", "SSO_USER", ALICE), ("VIEWER", "SSO_GROUP", DEVS)]
    assert first["permissions"]["admins"] == {"users": [], "groups": [OPS]}
    assert first["revoked"] == []

    mark = aws_env.mark()
    second = run_module(amg_permissions, args)
    assert second["changed"] is False and second["added"] == [] and second["revoked"] == []
    assert aws_env.mutations_since(mark) == []


def test_exclusive_revokes_the_unlisted_and_changes_roles(aws_env, workspace):
    grant(workspace, "ADMIN", "SSO_USER", BOB)
    grant(workspace, "VIEWER", "SSO_USER", ALICE)
    result = run_module(amg_permissions, dict(workspace_id=workspace, admins=dict(users=[ALICE])))
    assert result["changed"] is True
    assert assignments(workspace) == [("ADMIN", "SSO_USER", ALICE)]
    assert sorted((item["role"], item["id"]) for item in result["revoked"]) == [("ADMIN", BOB), ("VIEWER", ALICE)]
    assert result["added"] == [{"role": "ADMIN", "type": "SSO_USER", "id": ALICE}]


def test_additive_leaves_others(aws_env, workspace):
    grant(workspace, "ADMIN", "SSO_USER", BOB)
    run_module(amg_permissions, dict(workspace_id=workspace, viewers=dict(users=[ALICE]), exclusive=False))
    assert assignments(workspace) == [("ADMIN", "SSO_USER", BOB), ("VIEWER", "SSO_USER", ALICE)]


def test_absent_revokes_only_the_listed(aws_env, workspace):
    grant(workspace, "ADMIN", "SSO_USER", BOB)
    grant(workspace, "VIEWER", "SSO_GROUP", DEVS)
    result = run_module(amg_permissions, dict(workspace_id=workspace, viewers=dict(groups=[DEVS]), admins=dict(users=[ALICE]),
                                              state="absent"))
    assert result["changed"] is True
    assert result["revoked"] == [{"role": "VIEWER", "type": "SSO_GROUP", "id": DEVS}]
    assert assignments(workspace) == [("ADMIN", "SSO_USER", BOB)]
    again = run_module(amg_permissions, dict(workspace_id=workspace, viewers=dict(groups=[DEVS]), state="absent"))
    assert again["changed"] is False


def test_check_mode_and_diff_change_nothing(aws_env, workspace):
    grant(workspace, "EDITOR", "SSO_USER", BOB)
    mark = aws_env.mark()
    result = run_module(amg_permissions, dict(workspace_id=workspace, admins=dict(users=[ALICE])), check_mode=True, diff=True)
    assert result["changed"] is True
    assert aws_env.mutations_since(mark) == []
    assert assignments(workspace) == [("EDITOR", "SSO_USER", BOB)]
    assert result["diff"]["before"]["editors"] == {"users": [BOB], "groups": []}
    assert result["diff"]["after"]["editors"] == {"users": [], "groups": []}
    assert result["diff"]["after"]["admins"] == {"users": [ALICE], "groups": []}
    assert result["permissions"] == result["diff"]["after"]


def test_an_id_under_two_roles_fails_before_any_call(aws_env, workspace):
    mark = aws_env.mark()
    result = run_module(amg_permissions, dict(workspace_id=workspace, admins=dict(users=[ALICE]), viewers=dict(users=[ALICE])))
    assert result["failed"] is True and "one Grafana role" in result["msg"]
    assert aws_env.since(mark) == []


def test_an_empty_id_fails(aws_env, workspace):
    result = run_module(amg_permissions, dict(workspace_id=workspace, admins=dict(users=["  "])))
    assert result["failed"] is True and "cannot be empty" in result["msg"]


def test_unknown_identity_center_ids_fail_with_amgs_errors(aws_env, workspace):
    result = run_module(amg_permissions, dict(workspace_id=workspace, admins=dict(users=["not-a-user"]), viewers=dict(users=[ALICE])))
    assert result["failed"] is True
    assert "not-a-user" in result["msg"]
    assert result["errors"][0]["caused_by"]["role"] == "ADMIN"
    # The viewer instruction went through, and is reported as a change.
    assert result["changed"] is True and result["added"] == [{"role": "VIEWER", "type": "SSO_USER", "id": ALICE}]
    assert assignments(workspace) == [("VIEWER", "SSO_USER", ALICE)]


def test_a_saml_only_workspace_fails_before_any_change(aws_env):
    workspace_id = create(["SAML"])
    mark = aws_env.mark()
    result = run_module(amg_permissions, dict(workspace_id=workspace_id, admins=dict(users=[ALICE])))
    assert result["failed"] is True and "not AWS_SSO" in result["msg"]
    assert aws_env.mutations_since(mark) == []


def test_an_unknown_workspace_fails(aws_env):
    result = run_module(amg_permissions, dict(workspace_id="g-0000000000", admins=dict(users=[ALICE])))
    assert result["failed"] is True and "does not exist" in result["msg"]
