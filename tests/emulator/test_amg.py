"""The emulator's Amazon Managed Grafana control plane (aws_emulator.handlers.amg), through boto3 against the running
emulator, and in-process where the state lives in the emulator (status transitions, the token store).

Each test creates its own workspaces, so tests share the session's emulator without meeting.
"""

import json
import re
import time
import uuid

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

from aws_emulator.grafana_tokens import TOKENS, UNKNOWN, VALID
from aws_emulator.handlers import amg
from aws_emulator.handlers.base import RequestContext, ServiceError, snake_case

ACCOUNT = "123456789012"
REGION = "ap-northeast-2"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/grafana-workspace"
PLATFORM_TAGS = {"gameops:platform": "amg-test", "gameops:managed-by": "ansible"}


def grafana_client(region=REGION, validate=True):
    config = botocore.config.Config(parameter_validation=validate, retries={"max_attempts": 1})
    return boto3.client("grafana", region_name=region, config=config)


@pytest.fixture
def grafana(aws_env):
    return grafana_client()


def error(call, **kwargs):
    """(error code, HTTP status) of a call that must fail."""
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def create(grafana, **params):
    request = dict(accountAccessType="CURRENT_ACCOUNT", permissionType="SERVICE_MANAGED", authenticationProviders=["AWS_SSO"],
                   workspaceName="ops-" + uuid.uuid4().hex[:6])
    request.update(params)
    return grafana.create_workspace(**request)["workspace"]


@pytest.fixture
def workspace(grafana):
    return create(grafana)["id"]


def logged(emulator, mark):
    return [(entry["service"], entry["operation"], entry["status"]) for entry in emulator.since(mark)]


# -- workspaces ---------------------------------------------------------------------------------------


def test_workspace_lifecycle_is_logged(aws_env, grafana):
    mark = aws_env.mark()
    created = create(grafana, workspaceDescription="game ops", workspaceDataSources=["PROMETHEUS", "CLOUDWATCH"],
                     workspaceNotificationDestinations=["SNS"], tags=PLATFORM_TAGS, grafanaVersion="10.4",
                     vpcConfiguration={"securityGroupIds": ["sg-1"], "subnetIds": ["subnet-a", "subnet-b"]})
    workspace_id = created["id"]
    assert re.fullmatch(r"g-[0-9a-f]{10}", workspace_id)
    assert created["status"] == "CREATING"  # the create call answers CREATING, as AWS does
    assert created["endpoint"] == f"127.0.0.1:{aws_env.port}/grafana/{workspace_id}"
    assert created["authentication"] == {"providers": ["AWS_SSO"]}

    described = grafana.describe_workspace(workspaceId=workspace_id)["workspace"]
    assert described["status"] == "ACTIVE"
    assert (described["dataSources"], described["notificationDestinations"], described["grafanaVersion"]) == (
        ["PROMETHEUS", "CLOUDWATCH"], ["SNS"], "10.4")
    assert described["tags"] == PLATFORM_TAGS and described["description"] == "game ops"
    assert described["vpcConfiguration"]["subnetIds"] == ["subnet-a", "subnet-b"]

    summaries = {summary["id"]: summary for summary in grafana.list_workspaces()["workspaces"]}
    assert summaries[workspace_id]["tags"] == PLATFORM_TAGS and summaries[workspace_id]["status"] == "ACTIVE"
    assert "dataSources" not in summaries[workspace_id]  # summaries carry only WorkspaceSummary's members

    updated = grafana.update_workspace(workspaceId=workspace_id, workspaceDescription="renamed", removeVpcConfiguration=True)["workspace"]
    assert updated["status"] == "UPDATING" and updated["description"] == "renamed" and "vpcConfiguration" not in updated
    assert grafana.describe_workspace(workspaceId=workspace_id)["workspace"]["status"] == "ACTIVE"

    assert grafana.delete_workspace(workspaceId=workspace_id)["workspace"]["status"] == "DELETING"
    assert error(grafana.describe_workspace, workspaceId=workspace_id) == ("ResourceNotFoundException", 404)
    assert workspace_id not in [summary["id"] for summary in grafana.list_workspaces()["workspaces"]]
    assert logged(aws_env, mark) == [("grafana", "CreateWorkspace", 202), ("grafana", "DescribeWorkspace", 200),
                                     ("grafana", "ListWorkspaces", 200), ("grafana", "UpdateWorkspace", 202),
                                     ("grafana", "DescribeWorkspace", 200), ("grafana", "DeleteWorkspace", 202),
                                     ("grafana", "DescribeWorkspace", 404), ("grafana", "ListWorkspaces", 200)]


def test_client_token_makes_create_idempotent(grafana):
    token = uuid.uuid4().hex
    name = "idem-" + token[:6]
    first = create(grafana, clientToken=token, workspaceName=name)
    again = create(grafana, clientToken=token, workspaceName=name)
    assert again["id"] == first["id"]
    assert [summary["id"] for summary in grafana.list_workspaces()["workspaces"] if summary.get("name") == name] == [first["id"]]
    assert error(create, grafana=grafana, clientToken=token, workspaceName=name + "-other") == ("ConflictException", 409)


def test_create_refusals(grafana):
    before = len(grafana.list_workspaces()["workspaces"])
    invalid = ("ValidationException", 400)
    assert error(create, grafana=grafana, permissionType="CUSTOMER_MANAGED") == invalid
    assert error(create, grafana=grafana, grafanaVersion="7.5") == invalid
    assert error(create, grafana=grafana, accountAccessType="ORGANIZATION") == invalid
    assert error(create, grafana=grafana, configuration='{"plugins": {"pluginAdminEnabled": "yes"}}') == invalid
    assert error(create, grafana=grafana, configuration='{"unknown": {}}') == invalid
    assert error(create, grafana=grafana, tags={"aws:reserved": "x"}) == invalid
    assert error(create, grafana=grafana, workspaceName="not a name!") == invalid
    unchecked = grafana_client(validate=False)
    assert error(create, grafana=unchecked, authenticationProviders=["LDAP"]) == invalid
    assert error(create, grafana=unchecked, workspaceDataSources=["MYSQL"]) == invalid
    assert len(grafana.list_workspaces()["workspaces"]) == before
    customer = create(grafana, permissionType="CUSTOMER_MANAGED", workspaceRoleArn=ROLE)
    assert customer["workspaceRoleArn"] == ROLE


def test_unknown_workspace(grafana):
    missing = ("ResourceNotFoundException", 404)
    assert error(grafana.describe_workspace, workspaceId="g-0000000000") == missing
    assert error(grafana.delete_workspace, workspaceId="g-0000000000") == missing
    assert error(grafana.list_versions, workspaceId="g-0000000000") == missing
    assert error(grafana.create_workspace_service_account, workspaceId="g-0000000000", name="x", grafanaRole="ADMIN") == missing


def test_each_region_has_its_own_workspaces_and_pages(aws_env):
    grafana = grafana_client(region="eu-west-3")
    ids = [create(grafana)["id"] for index in range(3)]
    first = grafana.list_workspaces(maxResults=2)
    rest = grafana.list_workspaces(maxResults=2, nextToken=first["nextToken"])
    assert [summary["id"] for summary in first["workspaces"] + rest["workspaces"]] == ids and "nextToken" not in rest
    assert not set(ids) & {summary["id"] for summary in grafana_client().list_workspaces()["workspaces"]}
    assert error(grafana.list_workspaces, nextToken="bogus") == ("ValidationException", 400)


# -- authentication, configuration and versions -------------------------------------------------------


def test_saml_authentication_is_not_configured_until_configured(grafana):
    workspace_id = create(grafana, authenticationProviders=["SAML", "AWS_SSO"])["id"]
    authentication = grafana.describe_workspace_authentication(workspaceId=workspace_id)["authentication"]
    assert authentication["saml"] == {"status": "NOT_CONFIGURED"} and authentication["awsSso"]["ssoClientId"]
    summary = grafana.describe_workspace(workspaceId=workspace_id)["workspace"]["authentication"]
    assert summary == {"providers": ["SAML", "AWS_SSO"], "samlConfigurationStatus": "NOT_CONFIGURED"}

    saml = {"idpMetadata": {"url": "https://idp.example.com/metadata"}, "assertionAttributes": {"role": "role"},
            "roleValues": {"admin": ["ops-admins"]}}
    updated = grafana.update_workspace_authentication(workspaceId=workspace_id, authenticationProviders=["SAML"],
                                                      samlConfiguration=saml)["authentication"]
    assert updated["saml"]["status"] == "CONFIGURED" and updated["saml"]["configuration"]["roleValues"] == {"admin": ["ops-admins"]}
    assert "awsSso" not in updated
    assert grafana.describe_workspace(workspaceId=workspace_id)["workspace"]["authentication"]["samlConfigurationStatus"] == "CONFIGURED"
    assert error(grafana.update_workspace_authentication, workspaceId=workspace_id, authenticationProviders=["AWS_SSO"],
                 samlConfiguration=saml) == ("ValidationException", 400)


def test_configuration_upgrades_but_never_downgrades(grafana):
    # The catalogue as of 2026-12: 8.4 is no longer offered, 12.4 and 13 are.
    assert grafana.list_versions()["grafanaVersions"] == ["9.4", "10.4", "12.4", "13.0"]
    assert error(create, grafana=grafana, grafanaVersion="8.4") == ("ValidationException", 400)
    workspace_id = create(grafana, grafanaVersion="9.4", configuration='{"unifiedAlerting": {"enabled": true}}')["id"]
    configuration = grafana.describe_workspace_configuration(workspaceId=workspace_id)
    # AMG fills in the keys left out (hashicorp/terraform-provider-aws#34417).
    assert json.loads(configuration["configuration"]) == {"unifiedAlerting": {"enabled": True}, "plugins": {"pluginAdminEnabled": False}}
    assert configuration["grafanaVersion"] == "9.4"
    assert grafana.list_versions(workspaceId=workspace_id)["grafanaVersions"] == ["10.4", "12.4", "13.0"]

    plugins = json.dumps({"plugins": {"pluginAdminEnabled": True}})
    grafana.update_workspace_configuration(workspaceId=workspace_id, configuration=plugins, grafanaVersion="12.4")
    configuration = grafana.describe_workspace_configuration(workspaceId=workspace_id)
    assert json.loads(configuration["configuration"]) == {"plugins": {"pluginAdminEnabled": True}, "unifiedAlerting": {"enabled": True}}
    assert configuration["grafanaVersion"] == "12.4"
    assert grafana.describe_workspace(workspaceId=workspace_id)["workspace"]["grafanaVersion"] == "12.4"
    assert grafana.list_versions(workspaceId=workspace_id)["grafanaVersions"] == ["13.0"]

    invalid = ("ValidationException", 400)
    assert error(grafana.update_workspace_configuration, workspaceId=workspace_id, configuration=plugins, grafanaVersion="10.4") == invalid
    assert error(grafana.update_workspace_configuration, workspaceId=workspace_id, configuration=plugins, grafanaVersion="11.0") == invalid
    assert error(grafana.update_workspace_configuration, workspaceId=workspace_id, configuration="[]") == invalid
    assert grafana.describe_workspace_configuration(workspaceId=workspace_id)["grafanaVersion"] == "12.4"


def test_saml_defaults_are_filled_in(grafana):
    workspace_id = create(grafana, authenticationProviders=["SAML"])["id"]
    saml = {"idpMetadata": {"url": "https://idp.example.com/metadata"}, "assertionAttributes": {"role": "role"}}
    grafana.update_workspace_authentication(workspaceId=workspace_id, authenticationProviders=["SAML"], samlConfiguration=saml)
    shown = grafana.describe_workspace_authentication(workspaceId=workspace_id)["authentication"]["saml"]["configuration"]
    assert shown["assertionAttributes"] == {"role": "role", "name": "displayName", "login": "mail", "email": "mail"}
    assert shown["loginValidityDuration"] == 120 and shown["idpMetadata"] == saml["idpMetadata"]


def test_default_configuration_follows_the_version(grafana):
    old = json.loads(grafana.describe_workspace_configuration(workspaceId=create(grafana, grafanaVersion="9.4")["id"])["configuration"])
    new = grafana.describe_workspace_configuration(workspaceId=create(grafana)["id"])
    assert old["unifiedAlerting"] == {"enabled": False}
    assert new["grafanaVersion"] == "10.4" and json.loads(new["configuration"])["unifiedAlerting"] == {"enabled": True}


# -- service accounts and tokens ----------------------------------------------------------------------


def test_service_accounts_and_tokens(grafana, workspace):
    account = grafana.create_workspace_service_account(workspaceId=workspace, name="dashboards", grafanaRole="ADMIN")
    assert (account["name"], account["grafanaRole"], account["workspaceId"]) == ("dashboards", "ADMIN", workspace)
    assert error(grafana.create_workspace_service_account, workspaceId=workspace, name="dashboards", grafanaRole="VIEWER") == (
        "ConflictException", 409)
    listed = grafana.list_workspace_service_accounts(workspaceId=workspace)["serviceAccounts"]
    assert listed == [{"id": account["id"], "name": "dashboards", "isDisabled": "false", "grafanaRole": "ADMIN"}]

    created = grafana.create_workspace_service_account_token(workspaceId=workspace, serviceAccountId=account["id"], name="ansible",
                                                             secondsToLive=3600)
    token = created["serviceAccountToken"]
    assert re.fullmatch(r"glsa_[A-Za-z0-9]{32}_[0-9a-f]{8}", token["key"])
    tokens = grafana.list_workspace_service_account_tokens(workspaceId=workspace, serviceAccountId=account["id"])["serviceAccountTokens"]
    assert [(item["id"], item["name"]) for item in tokens] == [(token["id"], "ansible")]
    assert "key" not in tokens[0] and token["key"] not in json.dumps(tokens, default=str)
    assert (tokens[0]["expiresAt"] - tokens[0]["createdAt"]).total_seconds() == pytest.approx(3600)
    assert error(grafana.create_workspace_service_account_token, workspaceId=workspace, serviceAccountId=account["id"], name="ansible",
                 secondsToLive=60) == ("ConflictException", 409)
    assert error(grafana.create_workspace_service_account_token, workspaceId=workspace, serviceAccountId=account["id"], name="long",
                 secondsToLive=2592001) == ("ValidationException", 400)

    grafana.delete_workspace_service_account_token(workspaceId=workspace, serviceAccountId=account["id"], tokenId=token["id"])
    assert grafana.list_workspace_service_account_tokens(workspaceId=workspace, serviceAccountId=account["id"])["serviceAccountTokens"] == []
    assert error(grafana.delete_workspace_service_account_token, workspaceId=workspace, serviceAccountId=account["id"],
                 tokenId=token["id"]) == ("ResourceNotFoundException", 404)
    grafana.delete_workspace_service_account(workspaceId=workspace, serviceAccountId=account["id"])
    assert grafana.list_workspace_service_accounts(workspaceId=workspace)["serviceAccounts"] == []
    assert error(grafana.list_workspace_service_account_tokens, workspaceId=workspace, serviceAccountId=account["id"]) == (
        "ResourceNotFoundException", 404)


# -- tags ---------------------------------------------------------------------------------------------


def test_tags_and_the_tagging_api(aws_env, grafana):
    platform = "amg-" + uuid.uuid4().hex[:8]
    created = create(grafana, tags={"gameops:platform": platform})
    arn = f"arn:aws:grafana:{REGION}:{ACCOUNT}:/workspaces/{created['id']}"
    grafana.tag_resource(resourceArn=arn, tags={"team": "ops"})
    grafana.untag_resource(resourceArn=arn, tagKeys=["team"])
    grafana.tag_resource(resourceArn=arn, tags={"tier": "prod"})
    assert grafana.list_tags_for_resource(resourceArn=arn)["tags"] == {"gameops:platform": platform, "tier": "prod"}
    assert error(grafana.list_tags_for_resource, resourceArn=arn.replace(created["id"], "g-0000000000")) == ("ResourceNotFoundException", 404)
    assert error(grafana.tag_resource, resourceArn="arn:aws:grafana:nope", tags={"a": "b"}) == ("ValidationException", 400)

    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION)

    def listed():
        mappings = tagging.get_resources(TagFilters=[{"Key": "gameops:platform", "Values": [platform]}])["ResourceTagMappingList"]
        return {mapping["ResourceARN"]: {tag["Key"]: tag["Value"] for tag in mapping["Tags"]} for mapping in mappings}

    assert listed() == {arn: {"gameops:platform": platform, "tier": "prod"}}
    tagging.tag_resources(ResourceARNList=[arn], Tags={"via": "tagging-api"})
    assert grafana.list_tags_for_resource(resourceArn=arn)["tags"]["via"] == "tagging-api"
    grafana.delete_workspace(workspaceId=created["id"])
    assert listed() == {}


# -- in-process: what lives inside the emulator -------------------------------------------------------


class Clock:
    """Time that moves only when a test moves it; it starts now, as token expiries are checked against real time."""

    def __init__(self):
        self.now = time.time()

    def __call__(self):
        return self.now


def call(handler, operation, **params):
    """One operation on a handler in this process, validated as the emulator validates it."""
    handler.validate(operation, params)
    with handler.lock:
        handler.context = RequestContext(REGION, {"host": "emulator.test:4566"})
        return getattr(handler, snake_case(operation))(**params)


@pytest.fixture
def handler(monkeypatch):
    monkeypatch.setenv("MOTO_ACCOUNT_ID", ACCOUNT)
    return amg.GrafanaWorkspaces(clock=Clock())


def new_workspace(handler):
    return call(handler, "CreateWorkspace", accountAccessType="CURRENT_ACCOUNT", permissionType="SERVICE_MANAGED",
                authenticationProviders=["AWS_SSO"], tags=PLATFORM_TAGS)["workspace"]


def test_statuses_follow_the_latency_model(handler, monkeypatch):
    durations = {"grafana.workspace.create": 600, "grafana.workspace.update": 120, "grafana.workspace.delete": 180}
    monkeypatch.setattr(amg.latency, "seconds", durations.get)
    workspace = new_workspace(handler)
    workspace_id = workspace["id"]
    assert (workspace["status"], workspace["endpoint"]) == ("CREATING", f"emulator.test:4566/grafana/{workspace_id}")

    def status():
        return call(handler, "DescribeWorkspace", workspaceId=workspace_id)["workspace"]["status"]

    handler.clock.now += 599
    assert status() == "CREATING"
    with pytest.raises(ServiceError) as refused:
        call(handler, "CreateWorkspaceServiceAccount", workspaceId=workspace_id, name="early", grafanaRole="ADMIN")
    assert refused.value.code == "ConflictException"
    handler.clock.now += 1
    assert status() == "ACTIVE"

    call(handler, "UpdateWorkspaceConfiguration", workspaceId=workspace_id, configuration="{}", grafanaVersion="10.4")
    assert status() == "UPDATING"
    with pytest.raises(ServiceError) as refused:
        call(handler, "UpdateWorkspace", workspaceId=workspace_id, workspaceDescription="too soon")
    assert refused.value.code == "ConflictException"
    handler.clock.now += 120
    assert status() == "ACTIVE"

    assert call(handler, "DeleteWorkspace", workspaceId=workspace_id)["workspace"]["status"] == "DELETING"
    handler.clock.now += 179
    assert status() == "DELETING"
    assert handler.tagged_workspaces(ACCOUNT, REGION) == [(f"arn:aws:grafana:{REGION}:{ACCOUNT}:/workspaces/{workspace_id}", PLATFORM_TAGS)]
    handler.clock.now += 1
    with pytest.raises(ServiceError) as gone:
        status()
    assert gone.value.code == "ResourceNotFoundException"
    assert handler.tagged_workspaces(ACCOUNT, REGION) == []


def test_reads_show_an_update_late_while_changes_are_refused(handler, monkeypatch):
    """Eventually consistent reads (issue 13 #9): for the first 30 s of an update DescribeWorkspace shows the workspace
    as it was, ACTIVE, while AMG already answers ConflictException to other changes."""
    monkeypatch.setattr(amg.latency, "seconds", lambda kind: {"grafana.workspace.update": 120}.get(kind, 0))
    monkeypatch.setattr(amg.latency, "stale_seconds", lambda kind: {"grafana.workspace.update": 30}.get(kind, 0))
    workspace_id = new_workspace(handler)["id"]
    before = call(handler, "DescribeWorkspace", workspaceId=workspace_id)["workspace"]
    handler.clock.now += 10
    answer = call(handler, "UpdateWorkspace", workspaceId=workspace_id, workspaceDescription="new")["workspace"]
    assert (answer["status"], answer["description"]) == ("UPDATING", "new")

    def read():
        workspace = call(handler, "DescribeWorkspace", workspaceId=workspace_id)["workspace"]
        return workspace["status"], workspace.get("description"), workspace["modified"]

    assert read() == ("ACTIVE", None, before["modified"])
    listed = call(handler, "ListWorkspaces")["workspaces"]
    assert [item["status"] for item in listed if item["id"] == workspace_id] == ["ACTIVE"]
    for operation, params in (("UpdateWorkspaceConfiguration", dict(configuration="{}")),
                              ("CreateWorkspaceServiceAccount", dict(name="early", grafanaRole="ADMIN"))):
        with pytest.raises(ServiceError) as refused:
            call(handler, operation, workspaceId=workspace_id, **params)
        assert refused.value.code == "ConflictException"
    handler.clock.now += 30
    assert read() == ("UPDATING", "new", answer["modified"])
    handler.clock.now += 90
    assert read() == ("ACTIVE", "new", answer["modified"])
    call(handler, "UpdateWorkspaceConfiguration", workspaceId=workspace_id, configuration="{}")


def test_tokens_reach_the_token_store_and_leave_it(handler):
    workspace_id = new_workspace(handler)["id"]
    account_id = call(handler, "CreateWorkspaceServiceAccount", workspaceId=workspace_id, name="ci", grafanaRole="EDITOR")["id"]

    def mint(name):
        token = call(handler, "CreateWorkspaceServiceAccountToken", workspaceId=workspace_id, serviceAccountId=account_id, name=name,
                     secondsToLive=60)["serviceAccountToken"]
        return token["id"], token["key"]

    first_id, first = mint("first")
    assert TOKENS.tokens[workspace_id][first] == handler.clock.now + 60
    assert TOKENS.check(workspace_id, first) == VALID
    call(handler, "DeleteWorkspaceServiceAccountToken", workspaceId=workspace_id, serviceAccountId=account_id, tokenId=first_id)
    assert TOKENS.check(workspace_id, first) == UNKNOWN

    second = mint("second")[1]
    call(handler, "DeleteWorkspaceServiceAccount", workspaceId=workspace_id, serviceAccountId=account_id)
    assert TOKENS.check(workspace_id, second) == UNKNOWN

    account_id = call(handler, "CreateWorkspaceServiceAccount", workspaceId=workspace_id, name="ci", grafanaRole="EDITOR")["id"]
    third = mint("third")[1]
    call(handler, "DeleteWorkspace", workspaceId=workspace_id)
    assert TOKENS.check(workspace_id, third) == UNKNOWN and workspace_id not in TOKENS.tokens


def test_the_token_quota_counts_expired_tokens_until_they_are_deleted(handler):
    handler.token_quota = 3
    workspace_id = new_workspace(handler)["id"]
    account_id = call(handler, "CreateWorkspaceServiceAccount", workspaceId=workspace_id, name="ci", grafanaRole="ADMIN")["id"]

    def mint(name):
        return call(handler, "CreateWorkspaceServiceAccountToken", workspaceId=workspace_id, serviceAccountId=account_id, name=name,
                    secondsToLive=60)["serviceAccountToken"]["id"]

    first = mint("one")
    mint("two")
    mint("three")
    handler.clock.now += 120  # all three have expired, and still count
    with pytest.raises(ServiceError) as refused:
        mint("four")
    assert (refused.value.code, refused.value.status) == ("ServiceQuotaExceededException", 402)
    call(handler, "DeleteWorkspaceServiceAccountToken", workspaceId=workspace_id, serviceAccountId=account_id, tokenId=first)
    assert mint("four")


def test_grafana_8_workspaces_have_no_service_accounts(handler):
    workspace_id = new_workspace(handler)["id"]
    handler.regions[(ACCOUNT, REGION)].workspaces[workspace_id]["grafanaVersion"] = "8.4"  # AMG no longer makes 8.4 workspaces
    with pytest.raises(ServiceError) as refused:
        call(handler, "CreateWorkspaceServiceAccount", workspaceId=workspace_id, name="ci", grafanaRole="ADMIN")
    assert refused.value.code == "ValidationException" and "version 9 and above" in refused.value.message
    with pytest.raises(ServiceError) as refused:
        call(handler, "ListWorkspaceServiceAccounts", workspaceId=workspace_id)
    assert refused.value.code == "ValidationException"


def test_a_degraded_workspace_says_why_refuses_changes_and_can_be_deleted(handler):
    workspace_id = new_workspace(handler)["id"]
    handler.degrade(workspace_id, "The workspace's KMS key is disabled.")
    described = call(handler, "DescribeWorkspace", workspaceId=workspace_id)["workspace"]
    assert (described["status"], described["degradedWorkspaceReason"]) == ("DEGRADED", "The workspace's KMS key is disabled.")
    with pytest.raises(ServiceError) as refused:
        call(handler, "UpdateWorkspace", workspaceId=workspace_id, workspaceDescription="no")
    assert refused.value.code == "ConflictException"
    assert call(handler, "DeleteWorkspace", workspaceId=workspace_id)["workspace"]["status"] == "DELETING"


# -- permissions -----------------------------------------------------------------------------------------

SSO_USER = "906755c3a1-0a1b2c3d-1111-2222-3333-444455556666"
SSO_GROUP = "906755c3a1-9f8e7d6c-aaaa-bbbb-cccc-ddddeeeeffff"


def permissions(grafana, workspace_id, **filters):
    return sorted((entry["role"], entry["user"]["type"], entry["user"]["id"])
                  for entry in grafana.list_permissions(workspaceId=workspace_id, **filters)["permissions"])


def instruction(action, role, *users):
    return dict(action=action, role=role, users=[dict(type=kind, id=ident) for kind, ident in users])


def test_permissions_add_replace_and_revoke(grafana, workspace):
    assert permissions(grafana, workspace) == []
    answer = grafana.update_permissions(workspaceId=workspace, updateInstructionBatch=[
        instruction("ADD", "VIEWER", ("SSO_USER", SSO_USER)), instruction("ADD", "ADMIN", ("SSO_GROUP", SSO_GROUP))])
    assert answer["errors"] == []
    assert permissions(grafana, workspace) == [("ADMIN", "SSO_GROUP", SSO_GROUP), ("VIEWER", "SSO_USER", SSO_USER)]
    assert permissions(grafana, workspace, userType="SSO_GROUP") == [("ADMIN", "SSO_GROUP", SSO_GROUP)]
    assert permissions(grafana, workspace, userId=SSO_USER) == [("VIEWER", "SSO_USER", SSO_USER)]

    # One role per user: ADD with another replaces it; REVOKE of a role the user lacks changes nothing.
    grafana.update_permissions(workspaceId=workspace, updateInstructionBatch=[instruction("ADD", "EDITOR", ("SSO_USER", SSO_USER))])
    grafana.update_permissions(workspaceId=workspace, updateInstructionBatch=[instruction("REVOKE", "VIEWER", ("SSO_USER", SSO_USER))])
    assert permissions(grafana, workspace, userType="SSO_USER") == [("EDITOR", "SSO_USER", SSO_USER)]
    grafana.update_permissions(workspaceId=workspace, updateInstructionBatch=[instruction("REVOKE", "EDITOR", ("SSO_USER", SSO_USER))])
    assert permissions(grafana, workspace) == [("ADMIN", "SSO_GROUP", SSO_GROUP)]


def test_permissions_answer_unknown_ids_in_errors_and_apply_the_rest(grafana, workspace):
    bad = instruction("ADD", "ADMIN", ("SSO_USER", "alice@example.com"))
    answer = grafana.update_permissions(workspaceId=workspace, updateInstructionBatch=[
        bad, instruction("ADD", "VIEWER", ("SSO_GROUP", SSO_GROUP))])
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    [failed] = answer["errors"]
    assert failed["causedBy"] == bad and failed["code"] == 404 and "alice@example.com" in failed["message"]
    assert permissions(grafana, workspace) == [("VIEWER", "SSO_GROUP", SSO_GROUP)]


def test_permissions_refused_as_aws_does(grafana):
    user = ("SSO_USER", SSO_USER)
    assert error(grafana.list_permissions, workspaceId="g-0000000000") == ("ResourceNotFoundException", 404)
    assert error(grafana.update_permissions, workspaceId="g-0000000000",
                 updateInstructionBatch=[instruction("ADD", "ADMIN", user)]) == ("ResourceNotFoundException", 404)
    saml = create(grafana, authenticationProviders=["SAML"])["id"]
    assert error(grafana.list_permissions, workspaceId=saml) == ("ValidationException", 400)
    unvalidated = grafana_client(validate=False)
    assert error(unvalidated.update_permissions, workspaceId=saml,
                 updateInstructionBatch=[instruction("ADD", "OWNER", user)]) == ("ValidationException", 400)
    assert error(unvalidated.update_permissions, workspaceId=saml,
                 updateInstructionBatch=[instruction("ADD", "ADMIN", user)] * 21) == ("ValidationException", 400)
