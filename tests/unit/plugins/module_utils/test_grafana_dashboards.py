"""Dashboards as code without a Grafana (grafana_dashboards), and the Grafana HTTP client (grafana_api)."""

import json
import threading

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from ansible_collections.gameops.platform.plugins.module_utils import grafana_dashboards as source
from ansible_collections.gameops.platform.plugins.module_utils.grafana_api import (
    GrafanaClient, GrafanaError, base_url, retry_after_seconds)

# -- sources ------------------------------------------------------------------------------------------


def write(root, relative, content):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content))


def test_directories_are_nested_folders_with_stable_short_uids(tmp_path):
    write(tmp_path, "a/b/x.json", {"uid": "x", "title": "X"})
    write(tmp_path, "a/y.json", {"uid": "y", "title": "Y"})
    write(tmp_path, "z.json", {"uid": "z", "title": "Z"})
    write(tmp_path, ".hidden/h.json", "not even JSON")
    write(tmp_path, "a/notes.txt", "ignored")
    dashboards = source.load(source.read_directory(str(tmp_path)))
    assert [(item.uid, item.folder_path) for item in dashboards] == [("z", ()), ("y", ("a",)), ("x", ("a", "b"))]
    folders = source.folders_of(dashboards)
    assert list(folders) == [("a",), ("a", "b")]
    assert folders[("a", "b")].parent_uid == folders[("a",)].uid
    assert folders[("a", "b")].title == "b"
    assert folders[("a", "b")].uid == source.folder_uid(("a", "b"))


def test_folder_uids_are_deterministic_distinct_and_at_most_40_characters():
    long_path = ("A very long folder name for the platform team",) * 3
    uids = {source.folder_uid(path) for path in [("Queue Infra",), ("queue-infra",), ("Queue", "Infra"), long_path]}
    assert len(uids) == 4
    assert all(len(uid) <= 40 and source.UID_PATTERN.match(uid) for uid in uids)
    assert source.folder_uid(("Queue Infra",)) == source.folder_uid(("Queue Infra",))
    assert source.folder_uid(("Queue Infra",)).startswith("queue-infra-")
    assert source.folder_uid(("a",), root_uid="team-1") != source.folder_uid(("a",), root_uid="team-2")


def test_a_root_folder_holds_the_top_of_the_source():
    dashboards = source.load([("t.json", (), '{"uid": "t", "title": "T"}'), ("s.json", ("Sub",), '{"uid": "s", "title": "S"}')])
    folders = source.folders_of(dashboards, root={"title": "Team", "uid": "team"})
    assert [(path, folder.uid == "team", folder.parent_uid) for path, folder in folders.items()] == [
        ((), True, ""), (("Sub",), False, "team")]


def test_every_problem_is_reported_at_once():
    sources = [
        ("one.json", (), '{"uid": "dup", "title": "One"}'),
        ("two.json", (), '{"uid": "dup", "title": "Two"}'),
        ("bad.json", (), "{"),
        ("list.json", (), "[]"),
        ("nouid.json", (), '{"title": "No uid"}'),
        ("longuid.json", (), json.dumps({"uid": "x" * 41, "title": "Long"})),
        ("notitle.json", (), '{"uid": "nt"}'),
        ("same1.json", ("F",), '{"uid": "s1", "title": "Same"}'),
        ("same2.json", ("F",), '{"uid": "s2", "title": "SAME"}'),
    ]
    with pytest.raises(source.DashboardError) as caught:
        source.load(sources)
    message = str(caught.value)
    for expected in ("uid dup is in both one.json and two.json", "bad.json is not valid JSON", "list.json is not a dashboard",
                     "nouid.json has no uid", "longuid.json has uid", "notitle.json has no title",
                     "title 'SAME' is in both same1.json and same2.json, in the same folder 'F'"):
        assert expected in message


def test_same_title_in_different_folders_is_fine():
    sources = [("a.json", ("A",), '{"uid": "a", "title": "Same"}'), ("b.json", ("B",), '{"uid": "b", "title": "Same"}')]
    assert len(source.load(sources)) == 2


def test_api_answers_are_unwrapped():
    [item] = source.load([("api.json", (), json.dumps({"dashboard": {"uid": "u", "title": "T"}, "meta": {"folderUid": "f"}}))])
    assert item.dashboard == {"uid": "u", "title": "T"}


def export(**extra):
    return dict({
        "__inputs": [{"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource", "pluginId": "prometheus"},
                     {"name": "DS_LOKI", "type": "datasource", "pluginId": "loki"}],
        "uid": "e", "title": "Export",
        "panels": [{"datasource": {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}, "title": "from ${DS_PROMETHEUS}"},
                   {"datasource": "${DS_LOKI}"}],
        "templating": {"list": [{"name": "job", "datasource": {"uid": "${DS_PROMETHEUS}"}, "query": "label_values(up, job)"}]},
    }, **extra)


@pytest.mark.parametrize("mapping", [
    {"DS_PROMETHEUS": "amp", "DS_LOKI": "loki"},
    {"${DS_PROMETHEUS}": "amp", "${DS_LOKI}": "loki"},
    {"prometheus": "amp", "loki": "loki"},
    {"DS_PROMETHEUS": "amp", "prometheus": "other", "loki": "loki"},  # the name wins over the type's default
])
def test_inputs_map_by_name_or_by_type(mapping):
    mapped, errors = source.map_inputs("e.json", export(), mapping)
    assert errors == []
    assert mapped["panels"][0] == {"datasource": {"type": "prometheus", "uid": "amp"}, "title": "from amp"}
    assert mapped["panels"][1]["datasource"] == "loki"
    assert mapped["templating"]["list"][0]["datasource"]["uid"] == "amp"
    assert "__inputs" not in mapped and "__inputs" in export()


def test_undeclared_placeholders_take_their_type_from_the_reference():
    dashboard = {"uid": "u", "title": "T", "panels": [{"datasource": {"type": "loki", "uid": "${DS_LOGS}"}}]}
    mapped, errors = source.map_inputs("t.json", dashboard, {"loki": "loki-uid"})
    assert errors == [] and mapped["panels"][0]["datasource"]["uid"] == "loki-uid"


def test_unmapped_inputs_name_file_and_input():
    mapped, errors = source.map_inputs("e.json", export(), {"prometheus": "amp"})
    assert errors == ["e.json uses input ${DS_LOKI} (type loki), which datasources does not map (by name, or by type)"]
    assert mapped["panels"][1]["datasource"] == "${DS_LOKI}"


def test_template_variables_that_are_not_inputs_are_left_alone():
    dashboard = {"uid": "u", "title": "T", "panels": [{"datasource": {"uid": "${datasource}"}, "expr": "rate(x[$__rate_interval])"}]}
    assert source.map_inputs("t.json", dashboard, {}) == (dashboard, [])


def test_normalize_drops_what_grafana_sets_only():
    stored = {"id": 7, "uid": "u", "title": "T", "version": 3, "iteration": 123, "panels": [{"id": 1}]}
    assert source.normalize(stored) == {"uid": "u", "title": "T", "panels": [{"id": 1}]}
    assert source.normalize(stored) == source.normalize({"title": "T", "panels": [{"id": 1}], "uid": "u"})


# -- the HTTP client ----------------------------------------------------------------------------------


class Script:
    """A Grafana stand-in answering from a script of (status, body, headers), then 200 {"ok": true}."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.seen = []

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.seen.append((request.method, request.full_path.rstrip("?"), request.headers.get("Authorization"), request.get_data(as_text=True)))
        status, body, headers = self.answers.pop(0) if self.answers else (200, {"ok": True}, {})
        return Response(json.dumps(body), status=status, headers=headers, content_type="application/json")(environ, start_response)


@pytest.fixture
def scripted():
    servers = []

    def serve(*answers):
        script = Script(answers)
        server = make_server("127.0.0.1", 0, script, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        sleeps = []
        client = GrafanaClient("http://127.0.0.1:%d/grafana/g-1" % server.server_port, "glsa_key", retries=3, sleep=sleeps.append)
        return client, script, sleeps

    yield serve
    for server in servers:
        server.shutdown()


def test_requests_carry_the_token_and_json(scripted):
    client, script, sleeps = scripted((200, {"id": 1}, {}))
    assert client.post("/api/folders", {"title": "A"}) == {"id": 1}
    assert client.get("/api/search", {"type": "dash-db", "folderUIDs": "a"}) == {"ok": True}
    assert script.seen == [("POST", "/grafana/g-1/api/folders", "Bearer glsa_key", '{"title": "A"}'),
                           ("GET", "/grafana/g-1/api/search?type=dash-db&folderUIDs=a", "Bearer glsa_key", "")]
    assert sleeps == []


def test_throttling_waits_as_long_as_retry_after_says(scripted):
    client, script, sleeps = scripted((429, {"message": "slow down"}, {"Retry-After": "7"}), (429, {}, {}))
    assert client.get("/api/health") == {"ok": True}
    assert sleeps == [7, 2.0]  # Retry-After, then the backoff of the second attempt
    assert len(script.seen) == 3


def test_server_errors_back_off_then_fail_saying_so(scripted):
    client, script, sleeps = scripted(*[(503, {"message": "busy"}, {})] * 4)
    with pytest.raises(GrafanaError) as caught:
        client.get("/api/health")
    assert sleeps == [1.0, 2.0, 4.0]
    assert caught.value.status == 503 and "kept failing" in str(caught.value) and "after 4 attempts" in str(caught.value)
    assert len(script.seen) == 4


@pytest.mark.parametrize("status, message, expected", [
    (401, "invalid API key", "rejected the token (GET /api/search: 401 invalid API key): the token is invalid or expired"),
    (401, "API key expired", "the token is expired; create a new service account token"),
    (403, "Access denied", "the token's service account lacks the permission; give it the Editor or Admin role"),
    (404, "Dashboard not found", "has no such thing: GET /api/search: 404 Dashboard not found"),
    (400, "bad request data", "refused GET /api/search: 400 bad request data"),
])
def test_client_errors_are_not_retried_and_say_what_to_do(scripted, status, message, expected):
    client, script, sleeps = scripted((status, {"message": message}, {}))
    with pytest.raises(GrafanaError) as caught:
        client.get("/api/search")
    assert expected in str(caught.value) and caught.value.status == status
    assert sleeps == [] and len(script.seen) == 1


def test_grafana_status_words_are_kept(scripted):
    client, script, sleeps = scripted((412, {"message": "changed", "status": "version-mismatch"}, {}), (404, {"message": "no"}, {}))
    with pytest.raises(GrafanaError) as caught:
        client.post("/api/dashboards/db", {})
    assert caught.value.grafana_status == "version-mismatch"
    assert client.get_or_none("/api/dashboards/uid/x") is None


def test_check_mode_clients_refuse_writes():
    client = GrafanaClient("http://127.0.0.1:1", "key", read_only=True, opener=lambda *args, **kwargs: pytest.fail("sent"))
    with pytest.raises(GrafanaError, match="check mode only reads"):
        client.delete("/api/dashboards/uid/x")


def test_unreachable_grafana_is_retried_then_reported():
    sleeps = []
    client = GrafanaClient("http://127.0.0.1:9", "key", retries=2, sleep=sleeps.append, timeout=2)
    with pytest.raises(GrafanaError, match=r"cannot reach Grafana at http://127.0.0.1:9 \(GET /api/health after 3 attempts\)"):
        client.get("/api/health")
    assert sleeps == [1.0, 2.0]


def test_urls_and_retry_after():
    assert base_url("g-abc.grafana-workspace.ap-northeast-2.amazonaws.com/") == "https://g-abc.grafana-workspace.ap-northeast-2.amazonaws.com"
    assert base_url("http://127.0.0.1:5000/grafana/g-1") == "http://127.0.0.1:5000/grafana/g-1"
    assert retry_after_seconds("12") == 12
    assert retry_after_seconds("600") == 60  # capped
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480) == 10
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
