"""The Grafana HTTP API of each emulated AMG workspace: in-process for its semantics, through the emulator for its wiring."""

import uuid

import boto3
import pytest
import requests
from werkzeug.test import Client

from aws_emulator.grafana_api import AMAZON_PROMETHEUS_TYPE, GrafanaApi
from aws_emulator.grafana_tokens import TokenStore, VersionStore
from aws_emulator.requestlog import RequestLog, read
from aws_emulator.server import EmulatorApp

KEY = "glsa_valid"


class Api:
    """A Grafana API app in-process, behind the emulator's app (so requests are logged), with one valid token.

    Workspace g-1 runs `version` (12.4, with nested folders, unless told otherwise); set_version() upgrades it.
    """

    def __init__(self, tmp_path, version="12.4"):
        self.now = [1000.0]
        self.tokens = TokenStore(clock=lambda: self.now[0])
        self.tokens.add("g-1", KEY, 2000.0)
        self.versions = VersionStore()
        self.versions.set("g-1", version)
        self.log_path = str(tmp_path / "requests.jsonl")
        self.client = Client(EmulatorApp(None, RequestLog(self.log_path), handlers={}, grafana=GrafanaApi(self.tokens, self.versions)))

    def set_version(self, version):
        self.versions.set("g-1", version)

    def call(self, method, path, body=None, key=KEY, workspace="g-1", **query):
        headers = {"Authorization": "Bearer " + key} if key else {}
        response = self.client.open("/grafana/%s%s" % (workspace, path), method=method, json=body, headers=headers, query_string=query)
        return response.status_code, response.get_json()

    def ok(self, method, path, body=None, **query):
        status, answer = self.call(method, path, body, **query)
        assert status == 200, (method, path, answer)
        return answer

    def log(self):
        return [(entry["service"], entry["operation"], entry["status"], entry["mutating"]) for entry in read(self.log_path)]


@pytest.fixture
def api(tmp_path):
    return Api(tmp_path)


@pytest.fixture
def api_at(tmp_path):
    """Api(version) factory, for Grafanas of a given AMG version."""
    return lambda version: Api(tmp_path, version)


def save(api, uid, title, folder="", **extra):
    return api.call("POST", "/api/dashboards/db", dict({"dashboard": {"uid": uid, "title": title}, "folderUid": folder}, **extra))


def test_auth_health_and_the_request_log(api):
    assert api.call("GET", "/api/health", key=None) == (200, {"commit": "emulator", "database": "ok", "version": "12.4.3"})
    assert api.call("GET", "/api/search", key=None) == (401, {"message": "Unauthorized"})
    assert api.call("GET", "/api/search", key="glsa_other") == (401, {"message": "invalid API key"})
    assert api.call("GET", "/api/search", workspace="g-2") == (401, {"message": "invalid API key"})
    api.now[0] = 2500.0
    status, answer = api.call("GET", "/api/search")
    assert status == 401 and "expired" in answer["message"]
    api.now[0] = 1000.0
    assert save(api, "d", "D")[0] == 200
    assert api.call("GET", "/api/nowhere")[0] == 404
    assert api.log() == [("grafana-api", "GET /api/health", 200, False)] + [("grafana-api", "GET /api/search", 401, False)] * 4 + [
        ("grafana-api", "POST /api/dashboards/db", 200, True), ("grafana-api", "GET /api/nowhere", 404, False)]


def test_dashboards_save_with_versions_and_refuse_stale_ones(api):
    status, created = save(api, "queue", "Queue", message="first")
    assert status == 200 and (created["uid"], created["version"], created["status"], created["url"]) == ("queue", 1, "success", "/d/queue/queue")
    assert save(api, "queue", "Queue")[1] == {"status": "version-mismatch", "message": "The dashboard has been changed by someone else"}
    assert save(api, "queue", "Queue")[0] == 412
    status, saved = api.call("POST", "/api/dashboards/db", {"dashboard": {"uid": "queue", "title": "Queue", "version": 1}})
    assert (status, saved["version"], saved["id"]) == (200, 2, created["id"])
    assert api.call("POST", "/api/dashboards/db", {"dashboard": {"uid": "queue", "title": "Queue"}, "overwrite": True})[1]["version"] == 3
    stored = api.ok("GET", "/api/dashboards/uid/queue")
    assert (stored["dashboard"]["version"], stored["dashboard"]["id"], stored["meta"]["version"]) == (3, created["id"], 3)
    assert (stored["meta"]["folderUid"], stored["meta"]["folderTitle"], stored["meta"]["isFolder"]) == ("", "General", False)
    assert api.call("POST", "/api/dashboards/db", {"dashboard": {"uid": "x"}}) == (400, {"message": "Dashboard title cannot be empty"})
    assert api.call("POST", "/api/dashboards/db", {"dashboard": {"uid": "x" * 41, "title": "Long"}})[0] == 400
    assert save(api, "y", "Y", folder="missing")[0] == 400
    assert api.ok("DELETE", "/api/dashboards/uid/queue") == {"title": "Queue", "message": "Dashboard Queue deleted", "id": created["id"]}
    assert api.call("GET", "/api/dashboards/uid/queue") == (404, {"message": "Dashboard not found"})
    assert api.call("DELETE", "/api/dashboards/uid/queue")[0] == 404


def test_titles_are_unique_per_folder_unless_overwritten(api):
    api.ok("POST", "/api/folders", {"uid": "f", "title": "F"})
    assert save(api, "a", "Same", folder="f")[0] == 200
    name_exists = {"status": "name-exists", "message": "A dashboard with the same name in the folder already exists"}
    assert save(api, "b", "same", folder="f") == (412, name_exists)
    assert save(api, "c", "Same")[0] == 200  # another folder (General)
    assert save(api, "b", "Same", folder="f", overwrite=True)[0] == 200
    assert api.call("GET", "/api/dashboards/uid/a")[0] == 404


def test_nested_folders(api):
    top = api.ok("POST", "/api/folders", {"uid": "top", "title": "Top"})
    assert (top["version"], top["url"], top["parents"], "parentUid" in top) == (1, "/dashboards/f/top/top", [], False)
    api.ok("POST", "/api/folders", {"uid": "mid", "title": "Mid", "parentUid": "top"})
    low = api.ok("POST", "/api/folders", {"uid": "low", "title": "Low", "parentUid": "mid"})
    assert low["parentUid"] == "mid" and [parent["uid"] for parent in low["parents"]] == ["top", "mid"]
    assert api.call("POST", "/api/folders", {"uid": "top", "title": "Again"}) == (409, {"message": "a folder with the same uid already exists"})
    assert api.call("POST", "/api/folders", {"uid": "other", "title": "mid", "parentUid": "top"})[0] == 409
    assert api.call("POST", "/api/folders", {"uid": "orphan", "title": "O", "parentUid": "nope"})[0] == 404
    assert api.call("POST", "/api/folders", {"uid": "untitled"})[0] == 400
    assert [folder["uid"] for folder in api.ok("GET", "/api/folders")] == ["top"]
    assert api.ok("GET", "/api/folders", parentUid="top") == [{"id": 2, "uid": "mid", "title": "Mid", "parentUid": "top"}]

    assert api.call("PUT", "/api/folders/mid", {"title": "Middle", "version": 7})[1]["status"] == "version-mismatch"
    renamed = api.ok("PUT", "/api/folders/mid", {"title": "Middle", "version": 1})
    assert (renamed["title"], renamed["version"]) == ("Middle", 2)
    assert api.call("POST", "/api/folders/top/move", {"parentUid": "low"})[0] == 409
    assert api.ok("POST", "/api/folders/low/move", {"parentUid": "top"})["parentUid"] == "top"
    assert api.call("GET", "/api/folders/missing") == (404, {"message": "folder not found"})


def test_deleting_a_folder_deletes_what_is_in_it_recursively(api):
    api.ok("POST", "/api/folders", {"uid": "a", "title": "A"})
    api.ok("POST", "/api/folders", {"uid": "b", "title": "B", "parentUid": "a"})
    api.ok("POST", "/api/folders", {"uid": "keep", "title": "Keep"})
    for uid, folder in (("in-a", "a"), ("in-b", "b"), ("kept", "keep"), ("general", "")):
        assert save(api, uid, uid, folder=folder)[0] == 200
    assert api.ok("DELETE", "/api/folders/a") == {"message": "Folder deleted", "id": 1, "title": "A"}
    assert {hit["uid"] for hit in api.ok("GET", "/api/search")} == {"keep", "kept", "general"}
    assert api.call("GET", "/api/folders/b")[0] == 404


def test_search_filters(api):
    api.ok("POST", "/api/folders", {"uid": "a", "title": "A"})
    api.ok("POST", "/api/folders", {"uid": "b", "title": "B", "parentUid": "a"})
    save(api, "x", "Queue latency", folder="a")
    save(api, "y", "Valkey", folder="b")
    save(api, "z", "Queue in general")

    def uids(**query):
        return [hit["uid"] for hit in api.ok("GET", "/api/search", **query)]

    assert uids() == ["a", "b", "z", "x", "y"]  # folders first, then by title
    assert uids(type="dash-db") == ["z", "x", "y"]
    assert uids(type="dash-folder") == ["a", "b"]
    assert uids(folderUIDs="a") == ["b", "x"]
    assert uids(folderUIDs="general", type="dash-db") == ["z"]
    assert uids(query="queue") == ["z", "x"]
    assert uids(dashboardUIDs="y,x") == ["x", "y"]
    assert uids(type="dash-db", limit="2", page="2") == ["y"]
    [hit] = api.ok("GET", "/api/search", dashboardUIDs="y")
    assert (hit["type"], hit["folderUid"], hit["folderTitle"], hit["url"]) == ("dash-db", "b", "B", "/d/y/valkey")


def test_data_sources_keep_secrets_write_only(api):
    body = {"uid": "amp", "name": "AMP", "type": "prometheus", "access": "proxy", "url": "https://aps/workspaces/ws-1",
            "jsonData": {"sigV4Auth": True}, "secureJsonData": {"sigV4SecretKey": "s3cret"}, "isDefault": True}
    created = api.ok("POST", "/api/datasources", body)
    assert created["message"] == "Datasource added" and created["datasource"]["secureJsonFields"] == {"sigV4SecretKey": True}
    assert api.call("POST", "/api/datasources", dict(body, uid="other"))[0] == 409  # same name
    assert api.call("POST", "/api/datasources", dict(body, name="Other"))[0] == 409  # same uid
    assert api.call("POST", "/api/datasources", {"name": "no type"})[0] == 400
    loki = api.ok("POST", "/api/datasources", {"uid": "loki", "name": "Loki", "type": "loki", "url": "http://loki", "isDefault": True})
    assert loki["datasource"]["isDefault"] is True
    stored = api.ok("GET", "/api/datasources/uid/amp")
    assert stored["isDefault"] is False and stored["jsonData"] == {"sigV4Auth": True} and stored["version"] == 1
    assert "s3cret" not in str(api.ok("GET", "/api/datasources")) + str(stored)
    updated = api.ok("PUT", "/api/datasources/uid/amp", dict(body, url="https://aps/workspaces/ws-2", secureJsonData={}))
    assert updated["datasource"]["secureJsonFields"] == {"sigV4SecretKey": True}  # kept when not sent
    assert (updated["datasource"]["url"], updated["datasource"]["version"]) == ("https://aps/workspaces/ws-2", 2)
    assert updated["message"] == "Datasource updated"
    assert api.call("PUT", "/api/datasources/uid/amp", dict(body, version=1))[0] == 409  # older than stored
    assert api.call("PUT", "/api/datasources/uid/amp", dict(body, name="Loki"))[0] == 409
    assert api.ok("DELETE", "/api/datasources/uid/amp")["message"] == "Data source deleted"
    assert api.call("GET", "/api/datasources/uid/amp") == (404, {"message": "Data source not found"})
    assert [item["uid"] for item in api.ok("GET", "/api/datasources")] == ["loki"]


@pytest.mark.parametrize("version, build", [("9.4", "9.4.7"), ("10.4", "10.4.1"), ("12.4", "12.4.3"), ("13.0", "13.0.0")])
def test_health_reports_the_version_the_workspace_runs(api_at, version, build):
    assert api_at(version).ok("GET", "/api/health")["version"] == build


@pytest.mark.parametrize("version", ["9.4", "10.4"])
def test_before_grafana_11_there_are_no_nested_folders(api_at, version):
    api = api_at(version)
    api.ok("POST", "/api/folders", {"uid": "top", "title": "Top"})
    child = api.ok("POST", "/api/folders", {"uid": "child", "title": "Child", "parentUid": "top"})
    assert "parentUid" not in child and "parents" not in child  # made at the top: parentUid is ignored
    api.ok("POST", "/api/folders", {"uid": "other", "title": "Other"})
    # parentUid is ignored by the listing too: every folder, the one asked about included, and no parentUid.
    listed = api.ok("GET", "/api/folders", parentUid="top")
    assert [folder["uid"] for folder in listed] == ["child", "other", "top"] and not any("parentUid" in folder for folder in listed)
    assert api.call("POST", "/api/folders/child/move", {"parentUid": "top"})[0] == 404
    assert "parents" not in api.ok("GET", "/api/folders/child")


def test_before_grafana_10_search_ignores_folder_uids(api_at):
    api = api_at("9.4")
    folder = api.ok("POST", "/api/folders", {"uid": "a", "title": "A"})
    save(api, "x", "In A", folder="a")
    save(api, "y", "In General")
    everything = [hit["uid"] for hit in api.ok("GET", "/api/search", folderUIDs="a", type="dash-db")]
    assert everything == ["x", "y"]  # no folderUIDs in 9.x: every dashboard of the org
    assert [hit["uid"] for hit in api.ok("GET", "/api/search", folderIds=str(folder["id"]), type="dash-db")] == ["x"]
    assert [hit["uid"] for hit in api.ok("GET", "/api/search", folderIds="0", type="dash-db")] == ["y"]
    [hit] = api.ok("GET", "/api/search", dashboardUIDs="x")
    assert hit["folderUid"] == "a"
    api.set_version("10.4")
    assert [hit["uid"] for hit in api.ok("GET", "/api/search", folderUIDs="a", type="dash-db")] == ["x"]


def test_grafana_13_migrates_sigv4_prometheus_data_sources_when_it_starts(api):
    sigv4 = {"uid": "amp", "name": "AMP", "type": "prometheus", "url": "https://aps/workspaces/ws-1",
             "jsonData": {"httpMethod": "POST", "sigV4Auth": True, "sigV4AuthType": "ec2_iam_role", "sigV4Region": "ap-northeast-2"}}
    api.ok("POST", "/api/datasources", sigv4)
    api.ok("POST", "/api/datasources", {"uid": "plain", "name": "Plain", "type": "prometheus", "url": "http://prometheus"})
    assert api.ok("GET", "/api/datasources/uid/amp")["type"] == "prometheus"  # 12.4: not migrated
    api.set_version("13.0")
    migrated = api.ok("GET", "/api/datasources/uid/amp")
    assert (migrated["type"], migrated["jsonData"], migrated["version"]) == (AMAZON_PROMETHEUS_TYPE, sigv4["jsonData"], 2)
    assert api.ok("GET", "/api/datasources/uid/plain")["type"] == "prometheus"


def test_workspaces_are_apart(api):
    api.tokens.add("g-2", "glsa_two", 2000.0)
    save(api, "mine", "Mine")
    assert api.call("GET", "/api/dashboards/uid/mine", key="glsa_two", workspace="g-2")[0] == 404


def test_through_the_emulator_with_a_token_amg_minted(aws_env):
    client = boto3.client("grafana")
    workspace = client.create_workspace(accountAccessType="CURRENT_ACCOUNT", permissionType="SERVICE_MANAGED",
                                        authenticationProviders=["AWS_SSO"], workspaceName="api-" + uuid.uuid4().hex[:6],
                                        grafanaVersion="10.4")
    workspace_id = workspace["workspace"]["id"]
    endpoint = client.describe_workspace(workspaceId=workspace_id)["workspace"]["endpoint"]
    account = client.create_workspace_service_account(workspaceId=workspace_id, name="ci", grafanaRole="EDITOR")
    token = client.create_workspace_service_account_token(workspaceId=workspace_id, serviceAccountId=account["id"], name="ci",
                                                          secondsToLive=600)["serviceAccountToken"]
    url, headers = "http://%s" % endpoint, {"Authorization": "Bearer " + token["key"]}
    mark = aws_env.mark()
    assert requests.post(url + "/api/folders", json={"uid": "f", "title": "F"}, headers=headers, timeout=10).status_code == 200
    assert requests.get(url + "/api/folders/f", headers=headers, timeout=10).json()["title"] == "F"
    client.delete_workspace_service_account_token(workspaceId=workspace_id, serviceAccountId=account["id"], tokenId=token["id"])
    assert requests.get(url + "/api/folders/f", headers=headers, timeout=10).status_code == 401
    logged = [(entry["service"], entry["operation"], entry["status"], entry["mutating"]) for entry in aws_env.since(mark)]
    assert [entry for entry in logged if entry[0] == "grafana-api"] == [
        ("grafana-api", "POST /api/folders", 200, True), ("grafana-api", "GET /api/folders/{uid}", 200, False),
        ("grafana-api", "GET /api/folders/{uid}", 401, False)]
    # Its Grafana answers as the version the workspace runs, and follows its upgrades.
    assert requests.get(url + "/api/health", timeout=10).json()["version"] == "10.4.1"
    client.update_workspace_configuration(workspaceId=workspace_id, configuration="{}", grafanaVersion="12.4")
    assert requests.get(url + "/api/health", timeout=10).json()["version"] == "12.4.3"
