"""grafana_datasource against the emulator's Grafana: an AMG workspace and a token minted through boto3."""

import uuid

import boto3
import pytest
import requests

from ansible_collections.gameops.platform.plugins.modules import grafana_datasource
from conftest import run_module


@pytest.fixture
def grafana(aws_env):
    """A fresh AMG workspace's Grafana: module connection arguments, a getter, and its writes since a mark."""
    return make_grafana(aws_env)


@pytest.fixture
def grafana_at(aws_env):
    """grafana_at(version): the same, on a workspace of that Grafana version."""
    return lambda version: make_grafana(aws_env, grafanaVersion=version)


def make_grafana(aws_env, **create):
    client = boto3.client("grafana")
    workspace_id = client.create_workspace(accountAccessType="CURRENT_ACCOUNT", permissionType="SERVICE_MANAGED",
                                           authenticationProviders=["AWS_SSO"], workspaceName="ds-" + uuid.uuid4().hex[:6],
                                           **create)["workspace"]["id"]
    endpoint = client.describe_workspace(workspaceId=workspace_id)["workspace"]["endpoint"]
    account = client.create_workspace_service_account(workspaceId=workspace_id, name="ansible", grafanaRole="ADMIN")
    token = client.create_workspace_service_account_token(workspaceId=workspace_id, serviceAccountId=account["id"], name="ansible",
                                                          secondsToLive=3600)["serviceAccountToken"]["key"]

    class Grafana:
        connection = dict(grafana_url="http://" + endpoint, token=token)

        @staticmethod
        def get(path):
            response = requests.get("http://" + endpoint + path, headers={"Authorization": "Bearer " + token}, timeout=10)
            return response.status_code, response.json()

        @staticmethod
        def writes_since(mark):
            return [entry["operation"] for entry in aws_env.since(mark) if entry["service"] == "grafana-api" and entry["mutating"]]

    Grafana.emulator = aws_env
    Grafana.workspace_id = workspace_id
    return Grafana


AMP = dict(uid="amp", name="Amazon Managed Prometheus", type="prometheus", url="https://aps-workspaces.example/workspaces/ws-1/",
           is_default=True, json_data={"httpMethod": "POST", "sigV4Auth": True, "sigV4AuthType": "ec2_iam_role", "sigV4Region": "ap-northeast-2"})


def args(grafana, options):
    return dict(grafana.connection, **options)


def test_create_then_unchanged_then_update_with_diff(grafana):
    mark = grafana.emulator.mark()
    checked = run_module(grafana_datasource, args(grafana, AMP), check_mode=True, diff=True)
    assert checked["changed"] is True and checked["diff"]["before"] == {} and checked["diff"]["after"]["name"] == AMP["name"]
    assert grafana.writes_since(mark) == [] and grafana.get("/api/datasources/uid/amp")[0] == 404

    created = run_module(grafana_datasource, args(grafana, AMP))
    assert created["changed"] is True
    assert (created["datasource"]["uid"], created["datasource"]["is_default"], created["datasource"]["json_data"]) == ("amp", True, AMP["json_data"])
    status, stored = grafana.get("/api/datasources/uid/amp")
    assert status == 200 and stored["url"] == AMP["url"] and stored["access"] == "proxy"

    mark = grafana.emulator.mark()
    again = run_module(grafana_datasource, args(grafana, AMP))
    assert again["changed"] is False and grafana.writes_since(mark) == []

    moved = dict(AMP, url="https://aps-workspaces.example/workspaces/ws-2/")
    diffed = run_module(grafana_datasource, args(grafana, moved), check_mode=True, diff=True)
    assert diffed["changed"] is True
    assert (diffed["diff"]["before"]["url"], diffed["diff"]["after"]["url"]) == (AMP["url"], moved["url"])
    assert grafana.writes_since(mark) == []
    updated = run_module(grafana_datasource, args(grafana, moved))
    assert updated["changed"] is True and updated["datasource"]["version"] == 2
    assert grafana.writes_since(mark) == ["PUT /api/datasources/uid/{uid}"]


def test_secrets_are_sent_on_create_and_when_missing_never_returned(grafana):
    loki = dict(uid="loki", name="Loki", type="loki", url="https://loki", basic_auth=True, basic_auth_user="grafana",
                secure_json_data={"basicAuthPassword": "pa55word"})
    created = run_module(grafana_datasource, args(grafana, loki), diff=True)
    assert created["changed"] is True
    assert created["datasource"]["secure_json_fields"] == {"basicAuthPassword": True}
    assert created["diff"]["after"]["secure_json_fields"] == ["basicAuthPassword"]
    assert "pa55word" not in str(created)

    mark = grafana.emulator.mark()
    assert run_module(grafana_datasource, args(grafana, loki))["changed"] is False  # on_create: a set key is not resent
    assert grafana.writes_since(mark) == []
    rotated = run_module(grafana_datasource, args(grafana, dict(loki, update_secure="always")))
    assert rotated["changed"] is True and grafana.writes_since(mark) == ["PUT /api/datasources/uid/{uid}"]

    with_token = dict(loki, secure_json_data={"basicAuthPassword": "pa55word", "httpHeaderValue1": "Bearer x"})
    added = run_module(grafana_datasource, args(grafana, with_token))
    assert added["changed"] is True
    assert grafana.get("/api/datasources/uid/loki")[1]["secureJsonFields"] == {"basicAuthPassword": True, "httpHeaderValue1": True}


def test_absent_deletes_once(grafana):
    run_module(grafana_datasource, args(grafana, AMP))
    checked = run_module(grafana_datasource, args(grafana, {"uid": "amp", "state": "absent"}), check_mode=True)
    assert checked["changed"] is True and grafana.get("/api/datasources/uid/amp")[0] == 200
    assert run_module(grafana_datasource, args(grafana, {"uid": "amp", "state": "absent"}))["changed"] is True
    assert grafana.get("/api/datasources/uid/amp")[0] == 404
    assert run_module(grafana_datasource, args(grafana, {"uid": "amp", "state": "absent"}))["changed"] is False


def test_a_name_held_by_another_uid_is_said_so(grafana):
    run_module(grafana_datasource, args(grafana, AMP))
    result = run_module(grafana_datasource, args(grafana, dict(AMP, uid="amp-2")))
    assert result["failed"] is True
    assert "the name 'Amazon Managed Prometheus' belongs to data source amp" in result["msg"]


def test_present_needs_name_and_type(grafana):
    result = run_module(grafana_datasource, args(grafana, {"uid": "x"}))
    assert result["failed"] is True and "name, type" in result["msg"]


def test_bad_token_fails_clearly(grafana):
    result = run_module(grafana_datasource, dict(args(grafana, AMP), token="glsa_wrong"))
    assert result["failed"] is True and result["status"] == 401 and "invalid or expired" in result["msg"]


def test_a_sigv4_prometheus_that_grafana_13_migrated_stays_migrated(grafana_at):
    grafana = grafana_at("12.4")
    created = run_module(grafana_datasource, args(grafana, AMP))
    assert created["changed"] is True and created["datasource"]["type"] == "prometheus"  # 12.4: the core type still
    boto3.client("grafana").update_workspace_configuration(workspaceId=grafana.workspace_id, configuration="{}", grafanaVersion="13.0")
    assert grafana.get("/api/datasources/uid/amp")[1]["type"] == "grafana-amazonprometheus-datasource"  # migrated on start-up

    mark = grafana.emulator.mark()
    again = run_module(grafana_datasource, args(grafana, AMP), diff=True)
    assert again["changed"] is False, again
    assert again["datasource"]["type"] == "grafana-amazonprometheus-datasource"
    assert grafana.writes_since(mark) == []


def test_on_grafana_13_a_sigv4_prometheus_is_made_with_the_dedicated_type(grafana_at):
    grafana = grafana_at("13.0")
    created = run_module(grafana_datasource, args(grafana, AMP))
    assert created["datasource"]["type"] == "grafana-amazonprometheus-datasource"
    assert grafana.get("/api/datasources/uid/amp")[1]["jsonData"]["sigV4Auth"] is True
    assert run_module(grafana_datasource, args(grafana, AMP))["changed"] is False
    plain = dict(AMP, uid="plain", name="Plain", json_data={})
    assert run_module(grafana_datasource, args(grafana, plain))["datasource"]["type"] == "prometheus"
