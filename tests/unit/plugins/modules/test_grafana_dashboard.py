"""grafana_dashboard against the emulator's Grafana: an AMG workspace and a token minted through boto3."""

import json
import threading
import time
import uuid

import boto3
import pytest
import requests
from werkzeug.serving import make_server

from ansible_collections.gameops.platform.plugins.module_utils import grafana_api
from ansible_collections.gameops.platform.plugins.module_utils.grafana_dashboards import folder_uid
from ansible_collections.gameops.platform.plugins.modules import grafana_dashboard
from aws_emulator.grafana_api import GrafanaApi
from aws_emulator.grafana_tokens import TokenStore
from aws_emulator.requestlog import RequestLog, read
from aws_emulator.server import EmulatorApp
from conftest import run_module


@pytest.fixture
def workspace_at(aws_env):
    """workspace_at(version): a fresh AMG workspace running that Grafana version: its Grafana URL and an admin token."""

    def make(version):
        client = boto3.client("grafana")
        workspace_id = client.create_workspace(accountAccessType="CURRENT_ACCOUNT", permissionType="SERVICE_MANAGED",
                                               authenticationProviders=["AWS_SSO"], workspaceName="dash-" + uuid.uuid4().hex[:6],
                                               grafanaVersion=version)["workspace"]["id"]
        endpoint = client.describe_workspace(workspaceId=workspace_id)["workspace"]["endpoint"]
        account = client.create_workspace_service_account(workspaceId=workspace_id, name="ansible", grafanaRole="ADMIN")
        token = client.create_workspace_service_account_token(workspaceId=workspace_id, serviceAccountId=account["id"], name="ansible",
                                                              secondsToLive=3600)["serviceAccountToken"]["key"]
        return Grafana("http://" + endpoint, token, aws_env)

    return make


@pytest.fixture
def workspace(workspace_at):
    """A workspace on Grafana 12.4, which has nested folders."""
    return workspace_at("12.4")


class Grafana:
    """A workspace's Grafana as the tests see it: raw HTTP for setting up and looking, and the request log."""

    def __init__(self, url, token, emulator):
        self.url = url
        self.token = token
        self.emulator = emulator

    def call(self, method, path, body=None, **query):
        response = requests.request(method, self.url + path, json=body, params=query, timeout=10,
                                    headers={"Authorization": "Bearer " + self.token})
        return response.status_code, response.json()

    def get(self, path, **query):
        status, body = self.call("GET", path, **query)
        assert status == 200, (path, body)
        return body

    def post(self, path, body):
        status, answer = self.call("POST", path, body)
        assert status == 200, (path, answer)
        return answer

    def args(self, **extra):
        return dict(url=self.url, token=self.token, **extra)

    def writes_since(self, mark):
        return [entry["operation"] for entry in self.emulator.since(mark) if entry["service"] == "grafana-api" and entry["mutating"]]

    def calls_since(self, mark):
        return [(entry["operation"], entry["status"]) for entry in self.emulator.since(mark) if entry["service"] == "grafana-api"]


def dashboard(uid, title, panel="Requests", **extra):
    return dict({"uid": uid, "title": title, "schemaVersion": 39, "panels": [{"id": 1, "type": "timeseries", "title": panel}]}, **extra)


def write(root, relative, content):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))
    return path


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "dashboards"
    write(root, "Queue Infra/queue.json", dashboard("queue", "Queue system"))
    write(root, "Platform/EKS/nodes.json", dashboard("nodes", "Nodes"))
    write(root, "top.json", dashboard("top", "Top"))
    return root


def test_import_creates_nested_folders_then_a_second_run_sends_no_write(workspace, tree):
    mark = workspace.emulator.mark()
    result = run_module(grafana_dashboard, workspace.args(path=str(tree)))

    assert result["changed"] is True
    assert {uid: item["action"] for uid, item in result["dashboards"].items()} == {"queue": "created", "nodes": "created", "top": "created"}
    platform, eks = folder_uid(("Platform",)), folder_uid(("Platform", "EKS"))
    assert result["folders"][eks] == {"action": "created", "uid": eks, "title": "EKS", "path": "Platform/EKS", "parent_uid": platform}
    stored = workspace.get("/api/dashboards/uid/nodes")
    assert (stored["meta"]["folderUid"], stored["meta"]["folderTitle"], stored["dashboard"]["panels"][0]["title"]) == (eks, "EKS", "Requests")
    assert [parent["title"] for parent in workspace.get("/api/folders/" + eks)["parents"]] == ["Platform"]
    assert workspace.get("/api/dashboards/uid/top")["meta"]["folderUid"] == ""
    assert result["dashboards"]["nodes"]["url"] == workspace.url + "/d/nodes"
    assert workspace.writes_since(mark).count("POST /api/dashboards/db") == 3

    mark = workspace.emulator.mark()
    again = run_module(grafana_dashboard, workspace.args(path=str(tree)))
    assert again["changed"] is False
    assert {item["action"] for item in list(again["dashboards"].values()) + list(again["folders"].values())} == {"unchanged"}
    assert workspace.writes_since(mark) == []
    assert workspace.get("/api/dashboards/uid/nodes")["meta"]["version"] == 1


def test_reformatted_files_and_grafana_fields_are_not_changes(workspace, tree):
    run_module(grafana_dashboard, workspace.args(path=str(tree)))
    # An export as Grafana gives it: with id and version, another key order, other indentation.
    write(tree, "Queue Infra/queue.json", json.dumps(dict(reversed(list(dashboard("queue", "Queue system", id=99, version=7).items())))))
    mark = workspace.emulator.mark()
    assert run_module(grafana_dashboard, workspace.args(path=str(tree)))["changed"] is False
    assert workspace.writes_since(mark) == []


def test_changed_panel_shows_in_diff_check_mode_writes_nothing_then_updates(workspace, tree):
    run_module(grafana_dashboard, workspace.args(path=str(tree)))
    write(tree, "Queue Infra/queue.json", dashboard("queue", "Queue system", panel="Tickets issued"))

    mark = workspace.emulator.mark()
    checked = run_module(grafana_dashboard, workspace.args(path=str(tree)), check_mode=True, diff=True)
    assert checked["changed"] is True and checked["dashboards"]["queue"]["action"] == "updated"
    assert checked["dashboards"]["nodes"]["action"] == "unchanged"
    [change] = checked["diff"]
    assert change["before_header"].startswith("dashboard queue (")
    assert change["before"]["dashboard"]["panels"][0]["title"] == "Requests"
    assert change["after"]["dashboard"]["panels"][0]["title"] == "Tickets issued"
    assert change["after"]["folder"] == "Queue Infra"
    assert workspace.writes_since(mark) == []

    updated = run_module(grafana_dashboard, workspace.args(path=str(tree)), diff=True)
    assert updated["changed"] is True and updated["dashboards"]["queue"]["action"] == "updated"
    stored = workspace.get("/api/dashboards/uid/queue")
    assert (stored["dashboard"]["panels"][0]["title"], stored["meta"]["version"]) == ("Tickets issued", 2)


def test_check_mode_on_an_empty_grafana_reports_everything_and_writes_nothing(workspace, tree):
    mark = workspace.emulator.mark()
    result = run_module(grafana_dashboard, workspace.args(path=str(tree), prune=True), check_mode=True, diff=True)
    assert result["changed"] is True
    assert {item["action"] for item in result["dashboards"].values()} == {"created"}
    assert len(result["diff"]) == 3 + 3  # three dashboards, three folders
    assert workspace.writes_since(mark) == []
    assert workspace.get("/api/search") == []


def test_prune_removes_only_what_is_in_managed_folders(workspace, tree):
    run_module(grafana_dashboard, workspace.args(path=str(tree)))
    queue_folder, platform = folder_uid(("Queue Infra",)), folder_uid(("Platform",))
    workspace.post("/api/dashboards/db", {"dashboard": dashboard("stale", "Stale"), "folderUid": queue_folder})
    workspace.post("/api/folders", {"uid": "old-sub", "title": "Old", "parentUid": platform})
    workspace.post("/api/dashboards/db", {"dashboard": dashboard("in-old", "In old"), "folderUid": "old-sub"})
    workspace.post("/api/folders", {"uid": "other", "title": "Other team"})
    workspace.post("/api/dashboards/db", {"dashboard": dashboard("theirs", "Theirs"), "folderUid": "other"})
    workspace.post("/api/dashboards/db", {"dashboard": dashboard("general", "In General")})

    mark = workspace.emulator.mark()
    checked = run_module(grafana_dashboard, workspace.args(path=str(tree), prune=True), check_mode=True, diff=True)
    assert {uid for uid, item in checked["dashboards"].items() if item["action"] == "deleted"} == {"stale", "in-old"}
    assert checked["folders"]["old-sub"]["action"] == "deleted"
    assert {change["before_header"] for change in checked["diff"]} == {"dashboard stale", "dashboard in-old", "folder old-sub"}
    assert workspace.writes_since(mark) == []

    pruned = run_module(grafana_dashboard, workspace.args(path=str(tree), prune=True))
    assert pruned["changed"] is True
    assert sorted(workspace.writes_since(mark)) == ["DELETE /api/dashboards/uid/{uid}", "DELETE /api/folders/{uid}"]
    left = {hit["uid"] for hit in workspace.get("/api/search", type="dash-db")}
    assert left == {"queue", "nodes", "top", "theirs", "general"}
    assert workspace.call("GET", "/api/folders/old-sub")[0] == 404
    assert run_module(grafana_dashboard, workspace.args(path=str(tree), prune=True))["changed"] is False


def test_prune_under_a_root_folder_removes_folders_dropped_from_the_source(workspace, tree):
    root = {"title": "Queue team", "uid": "queue-team"}
    first = run_module(grafana_dashboard, workspace.args(path=str(tree), root_folder=root))
    assert workspace.get("/api/dashboards/uid/top")["meta"]["folderUid"] == "queue-team"
    platform = [uid for uid, item in first["folders"].items() if item["path"] == "Platform"][0]
    assert workspace.get("/api/folders/" + platform)["parentUid"] == "queue-team"

    (tree / "Platform" / "EKS" / "nodes.json").unlink()
    pruned = run_module(grafana_dashboard, workspace.args(path=str(tree), root_folder=root, prune=True))
    assert pruned["folders"][platform]["action"] == "deleted"
    assert pruned["dashboards"]["nodes"]["action"] == "deleted"
    assert workspace.call("GET", "/api/dashboards/uid/nodes")[0] == 404
    assert {hit["uid"] for hit in workspace.get("/api/search", type="dash-db")} == {"queue", "top"}


def test_inputs_of_exports_are_mapped_by_name_and_by_type(workspace, tmp_path):
    export = {
        "__inputs": [{"name": "DS_PROMETHEUS", "type": "datasource", "pluginId": "prometheus"},
                     {"name": "DS_LOGS", "type": "datasource", "pluginId": "loki"},
                     {"name": "VAR_ENV", "type": "constant", "value": "prod"}],
        "__requires": [{"type": "datasource", "id": "prometheus"}],
        "uid": "mapped", "title": "Mapped", "id": None,
        "panels": [{"datasource": {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}, "targets": [{"expr": "up{env=\"${VAR_ENV}\"}"}]},
                   {"datasource": {"type": "loki", "uid": "${DS_LOGS}"}}],
    }
    write(tmp_path / "src", "Logs/mapped.json", export)
    result = run_module(grafana_dashboard, workspace.args(path=str(tmp_path / "src"), datasources={"prometheus": "amp", "DS_LOGS": "loki"}))
    assert result["dashboards"]["mapped"]["action"] == "created"
    stored = workspace.get("/api/dashboards/uid/mapped")["dashboard"]
    assert [panel["datasource"]["uid"] for panel in stored["panels"]] == ["amp", "loki"]
    assert stored["panels"][0]["targets"][0]["expr"] == 'up{env="prod"}'
    assert "__inputs" not in stored and "${" not in json.dumps(stored)
    again = run_module(grafana_dashboard, workspace.args(path=str(tmp_path / "src"), datasources={"prometheus": "amp", "DS_LOGS": "loki"}))
    assert again["changed"] is False


def test_single_dashboards_from_content_and_src(workspace, tmp_path):
    src = write(tmp_path, "one.json", dashboard("one", "One"))
    result = run_module(grafana_dashboard, workspace.args(dashboards=[{"src": str(src), "folder": "A/B"},
                                                                      {"content": dashboard("two", "Two")}]))
    assert (result["dashboards"]["one"]["folder"], result["dashboards"]["two"]["folder"]) == ("A/B", "")
    assert workspace.get("/api/dashboards/uid/one")["meta"]["folderTitle"] == "B"


@pytest.mark.parametrize("files, expected", [
    ({"a.json": "{not json"}, "a.json is not valid JSON"),
    ({"a.json": {"title": "No uid"}}, "a.json has no uid"),
    ({"X/a.json": dashboard("same", "A"), "Y/b.json": dashboard("same", "B")}, "uid same is in both"),
    ({"X/a.json": dashboard("a", "Twice"), "X/b.json": dashboard("b", "twice")}, "title 'twice' is in both"),
    ({"a.json": dashboard("a", "A", panels=[{"datasource": {"type": "elasticsearch", "uid": "${DS_ES}"}}])},
     "a.json uses input ${DS_ES} (type elasticsearch), which datasources does not map"),
])
def test_bad_sources_fail_before_any_request(workspace, tmp_path, files, expected):
    for relative, content in files.items():
        write(tmp_path / "src", relative, content)
    mark = workspace.emulator.mark()
    result = run_module(grafana_dashboard, workspace.args(path=str(tmp_path / "src"), datasources={"prometheus": "amp"}))
    assert result["failed"] is True
    assert expected in result["msg"] and "nothing was changed" in result["msg"]
    assert workspace.calls_since(mark) == []
    if "both" in expected:
        assert "a.json" in result["msg"] and "b.json" in result["msg"]


def test_unknown_token_fails_clearly(workspace, tree):
    result = run_module(grafana_dashboard, dict(workspace.args(path=str(tree)), token="glsa_nope"))
    assert result["failed"] is True and result["status"] == 401
    assert "rejected the token" in result["msg"] and "invalid or expired" in result["msg"]


def test_expired_token_fails_clearly(tmp_path, tree):
    now = [1000.0]
    tokens = TokenStore(clock=lambda: now[0])
    tokens.add("g-expired", "glsa_old", expires_at=1500.0)
    app = EmulatorApp(None, RequestLog(str(tmp_path / "requests.jsonl")), handlers={}, grafana=GrafanaApi(tokens, default_version="12.4"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = "http://127.0.0.1:%d/grafana/g-expired" % server.server_port
        assert run_module(grafana_dashboard, dict(url=url, token="glsa_old", path=str(tree)))["changed"] is True
        now[0] = 2000.0
        result = run_module(grafana_dashboard, dict(url=url, token="glsa_old", path=str(tree)))
    finally:
        server.shutdown()
    assert result["failed"] is True
    assert "the token is expired" in result["msg"] and "create a new service account token" in result["msg"]
    assert read(str(tmp_path / "requests.jsonl"))[-1]["status"] == 401


def concurrent_edit(monkeypatch, workspace, times):
    """Before the module's next `times` saves of queue, someone else saves it (so its version moves on)."""
    post = grafana_api.GrafanaClient.post
    left = [times]

    def racing_post(client, path, body):
        if path == "/api/dashboards/db" and body["dashboard"]["uid"] == "queue" and left[0]:
            left[0] -= 1
            stored = workspace.get("/api/dashboards/uid/queue")
            edited = dict(stored["dashboard"], description="edited by hand %d" % left[0])
            workspace.post("/api/dashboards/db", {"dashboard": edited, "folderUid": stored["meta"]["folderUid"]})
        return post(client, path, body)

    monkeypatch.setattr(grafana_api.GrafanaClient, "post", racing_post)


def test_version_mismatch_is_read_again_and_retried_once(workspace, tree, monkeypatch):
    run_module(grafana_dashboard, workspace.args(path=str(tree)))
    write(tree, "Queue Infra/queue.json", dashboard("queue", "Queue system", panel="Latency"))
    concurrent_edit(monkeypatch, workspace, times=1)
    mark = workspace.emulator.mark()
    result = run_module(grafana_dashboard, workspace.args(path=str(tree)))
    assert result["dashboards"]["queue"]["action"] == "updated"
    saves = [call for call in workspace.calls_since(mark) if call[0] == "POST /api/dashboards/db"]
    assert saves == [("POST /api/dashboards/db", 200), ("POST /api/dashboards/db", 412), ("POST /api/dashboards/db", 200)]
    stored = workspace.get("/api/dashboards/uid/queue")
    assert (stored["dashboard"]["panels"][0]["title"], "description" in stored["dashboard"], stored["meta"]["version"]) == ("Latency", False, 3)


def test_version_mismatch_twice_fails_clearly(workspace, tree, monkeypatch):
    run_module(grafana_dashboard, workspace.args(path=str(tree)))
    write(tree, "Queue Infra/queue.json", dashboard("queue", "Queue system", panel="Latency"))
    concurrent_edit(monkeypatch, workspace, times=2)
    result = run_module(grafana_dashboard, workspace.args(path=str(tree)))
    assert result["failed"] is True and result["status"] == 412
    assert "dashboard queue (" in result["msg"] and "changed by someone else twice" in result["msg"]


def test_name_exists_names_the_file_and_the_other_dashboard(workspace, tree):
    run_module(grafana_dashboard, workspace.args(path=str(tree)))
    workspace.post("/api/dashboards/db", {"dashboard": dashboard("hand-made", "Latency"), "folderUid": folder_uid(("Queue Infra",))})
    write(tree, "Queue Infra/latency.json", dashboard("latency", "Latency"))
    result = run_module(grafana_dashboard, workspace.args(path=str(tree)))
    assert result["failed"] is True
    assert "latency.json" in result["msg"] and "Latency (uid hand-made)" in result["msg"] and "'Queue Infra'" in result["msg"]


def test_grafana_that_cannot_nest_folders_is_said_so(workspace, tree, monkeypatch):
    post = grafana_api.GrafanaClient.post

    def flat_post(client, path, body):
        answer = post(client, path, dict(body, parentUid="") if path == "/api/folders" else body)
        return answer

    monkeypatch.setattr(grafana_api.GrafanaClient, "post", flat_post)
    result = run_module(grafana_dashboard, workspace.args(path=str(tree)))
    assert result["failed"] is True and "has no nested folders" in result["msg"] and "'EKS'" in result["msg"]


def test_retries_on_throttling_reach_the_module(workspace, tree, monkeypatch):
    sleeps = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    opened = []
    real = grafana_api.Request.open

    def throttled_once(request, method, url, **kwargs):
        opened.append(url)
        if len(opened) == 1:
            raise grafana_api.HTTPError(url, 429, "Too Many Requests", {"Retry-After": "3"}, None)
        return real(request, method, url, **kwargs)

    monkeypatch.setattr(grafana_api.Request, "open", throttled_once)
    result = run_module(grafana_dashboard, workspace.args(path=str(tree)))
    assert result["changed"] is True and sleeps[:1] == [3]


@pytest.fixture
def flat_tree(tmp_path):
    """A source one folder deep, as Grafanas without nested folders (AMG 9.4 and 10.4) can hold it."""
    root = tmp_path / "flat"
    write(root, "Queue Infra/queue.json", dashboard("queue", "Queue system"))
    write(root, "Platform/nodes.json", dashboard("nodes", "Nodes"))
    write(root, "top.json", dashboard("top", "Top"))
    return root


def others_content(workspace):
    """What someone else keeps in the Grafana: a folder with a dashboard, and a dashboard in General."""
    workspace.post("/api/folders", {"uid": "other", "title": "Other team"})
    workspace.post("/api/dashboards/db", {"dashboard": dashboard("theirs", "Theirs"), "folderUid": "other"})
    workspace.post("/api/dashboards/db", {"dashboard": dashboard("general", "In General")})


def test_prune_on_grafana_10_without_nested_folders_leaves_other_folders_alone(workspace_at, flat_tree):
    # Grafana 10.4 ignores parentUid when listing folders: every folder looked like a child of each managed one,
    # and deleting the "children" recursed without end.
    workspace = workspace_at("10.4")
    assert run_module(grafana_dashboard, workspace.args(path=str(flat_tree), prune=True))["changed"] is True
    others_content(workspace)
    queue_folder = folder_uid(("Queue Infra",))
    workspace.post("/api/dashboards/db", {"dashboard": dashboard("stale", "Stale"), "folderUid": queue_folder})

    mark = workspace.emulator.mark()
    pruned = run_module(grafana_dashboard, workspace.args(path=str(flat_tree), prune=True), diff=True)
    assert pruned.get("failed") is not True, pruned
    assert {uid for uid, item in pruned["dashboards"].items() if item["action"] == "deleted"} == {"stale"}
    assert "other" not in pruned["folders"]
    assert workspace.writes_since(mark) == ["DELETE /api/dashboards/uid/{uid}"]
    left = {hit["uid"] for hit in workspace.get("/api/search", type="dash-db")}
    assert left == {"queue", "nodes", "top", "theirs", "general"}
    assert run_module(grafana_dashboard, workspace.args(path=str(flat_tree), prune=True))["changed"] is False


def test_prune_on_grafana_9_is_refused_before_any_change(workspace_at, flat_tree):
    # Grafana 9 has no folderUIDs search parameter and ignores it: "the dashboards of a folder" were every
    # dashboard of the organisation, and prune deleted each one not in the source.
    workspace = workspace_at("9.4")
    assert run_module(grafana_dashboard, workspace.args(path=str(flat_tree)))["changed"] is True
    others_content(workspace)
    write(flat_tree, "Queue Infra/latency.json", dashboard("latency", "Latency"))

    mark = workspace.emulator.mark()
    result = run_module(grafana_dashboard, workspace.args(path=str(flat_tree), prune=True))
    assert result["failed"] is True
    assert "prune needs Grafana 10 or later" in result["msg"] and "9.4.7" in result["msg"]
    assert workspace.writes_since(mark) == []
    assert {hit["uid"] for hit in workspace.get("/api/search", type="dash-db")} == {"queue", "nodes", "top", "theirs", "general"}
    # Without prune, Grafana 9 is served as before.
    assert run_module(grafana_dashboard, workspace.args(path=str(flat_tree)))["dashboards"]["latency"]["action"] == "created"


def test_prune_deletes_only_hits_of_the_folder_pruned(workspace, flat_tree, monkeypatch):
    # A Grafana that answers a folder's search with other folders' hits (as one ignoring folderUIDs does) loses nothing.
    run_module(grafana_dashboard, workspace.args(path=str(flat_tree)))
    others_content(workspace)
    get = grafana_api.GrafanaClient.get

    def unfiltered(client, path, query=None):
        if path == "/api/search" and query:
            query = dict((key, value) for key, value in query.items() if key != "folderUIDs")
        return get(client, path, query)

    monkeypatch.setattr(grafana_api.GrafanaClient, "get", unfiltered)
    mark = workspace.emulator.mark()
    result = run_module(grafana_dashboard, workspace.args(path=str(flat_tree), prune=True))
    assert result["changed"] is False, result
    assert workspace.writes_since(mark) == []


def test_prune_on_nested_folders_never_revisits_a_folder(workspace, tree, monkeypatch):
    # A Grafana that lists a folder among its own children (as one ignoring parentUid does) cannot loop.
    run_module(grafana_dashboard, workspace.args(path=str(tree)))
    workspace.post("/api/folders", {"uid": "old", "title": "Old", "parentUid": folder_uid(("Platform",))})
    get = grafana_api.GrafanaClient.get

    def looping(client, path, query=None):
        answer = get(client, path, query)
        if path == "/api/folders" and query and query.get("parentUid") == "old":
            answer = answer + [{"id": 99, "uid": "old", "title": "Old", "parentUid": "old"}]
        return answer

    monkeypatch.setattr(grafana_api.GrafanaClient, "get", looping)
    result = run_module(grafana_dashboard, workspace.args(path=str(tree), prune=True))
    assert result["folders"]["old"]["action"] == "deleted"
    assert workspace.call("GET", "/api/folders/old")[0] == 404


def test_a_nested_source_on_grafana_9_fails_before_any_change(workspace_at, tree):
    workspace = workspace_at("9.4")
    mark = workspace.emulator.mark()
    result = run_module(grafana_dashboard, workspace.args(path=str(tree)))
    assert result["failed"] is True and "has no nested folders" in result["msg"] and "nothing was changed" in result["msg"]
    assert workspace.writes_since(mark) == []
