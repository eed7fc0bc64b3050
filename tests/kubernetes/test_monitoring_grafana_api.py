"""The in-cluster Grafana reached through its API (an applied stack with in_cluster.grafana.url): the role's
grafana_api.yml signs in as the admin, mints a service account token for the run, imports the shared tree's
dashboards with grafana_dashboard and deletes the token. Grafana is the emulator's Grafana API, with the admin's
basic auth and the service account endpoints Grafana documents in front of it."""

import base64
import json
import os
import re
import secrets
import subprocess
import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from aws_emulator.grafana_api import GrafanaApi
from aws_emulator.grafana_tokens import TokenStore
from test_render import ROOT, tool

HERE = os.path.dirname(os.path.abspath(__file__))
ADMIN = ("admin", "s3cret-" + secrets.token_hex(8))
WORKSPACE = "g-incluster"
PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Import the in-cluster dashboards through the API
      ansible.builtin.include_role:
        name: gameops.platform.observability_stack
        tasks_from: grafana_api
      vars:
        observability_stack_grafana_spec:
          url: "{url}"
          dashboard_files:
            - {{uid: playcode-application, folder: PlayCode, file: PlayCode/application.json}}
            - {{uid: playcode-database, folder: PlayCode, file: PlayCode/database.json}}
        observability_stack_grafana_admin: {{user: "{user}", password: "{password}"}}
        observability_stack_dashboards_dir: "{dashboards}"
"""


class InClusterGrafana:
    """Grafana's admin API (basic auth) for service accounts and their tokens, over the emulator's Grafana API."""

    def __init__(self):
        self.tokens = TokenStore()
        self.api = GrafanaApi(tokens=self.tokens)
        self.accounts, self.live_tokens, self.requests = {}, {}, []

    def basic(self, environ):
        scheme, _sep, value = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        return scheme == "Basic" and base64.b64decode(value).decode() == "%s:%s" % ADMIN

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"][len("/grafana/" + WORKSPACE):]
        self.requests.append((environ["REQUEST_METHOD"], path, environ.get("HTTP_AUTHORIZATION", "").split(" ")[0]))
        if not path.startswith("/api/serviceaccounts"):
            return self.api(environ, start_response)
        if not self.basic(environ):
            return self.reply(start_response, 401, {"message": "Unauthorized"})
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length)) if length else {}
        method = environ["REQUEST_METHOD"]
        if method == "GET" and path == "/api/serviceaccounts/search":
            return self.reply(start_response, 200, {"serviceAccounts": list(self.accounts.values()), "totalCount": len(self.accounts)})
        if method == "POST" and path == "/api/serviceaccounts":
            account = {"id": len(self.accounts) + 1, "name": body["name"], "role": body["role"]}
            self.accounts[account["id"]] = account
            return self.reply(start_response, 201, account)
        found = re.match(r"^/api/serviceaccounts/(\d+)/tokens(?:/(\d+))?$", path)
        if found and method == "POST":
            key = "glsa_" + secrets.token_hex(16)
            token_id = len(self.live_tokens) + 100
            self.live_tokens[token_id] = key
            self.tokens.add(WORKSPACE, key, float("inf"))
            return self.reply(start_response, 200, {"id": token_id, "name": body["name"], "key": key})
        if found and method == "DELETE":
            self.tokens.remove(WORKSPACE, self.live_tokens.pop(int(found.group(2))))
            return self.reply(start_response, 200, {"message": "API key deleted"})
        return self.reply(start_response, 404, {"message": "Not found"})

    @staticmethod
    def reply(start_response, status, body):
        start_response("%d X" % status, [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def grafana():
    app = InClusterGrafana()
    server = make_server("127.0.0.1", 0, app, handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.url = "http://127.0.0.1:%d/grafana/%s" % (server.server_port, WORKSPACE)
    yield app
    server.shutdown()


def run(tmp_path, url, password=ADMIN[1]):
    playbook = tmp_path / "import.yml"
    playbook.write_text(PLAYBOOK.format(url=url, user=ADMIN[0], password=password,
                                        dashboards=os.path.join(ROOT, "roles", "grafana", "files", "dashboards")), encoding="utf-8")
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".ansible", "collections"),
               ANSIBLE_NOCOLOR="1", PATH=os.path.join(ROOT, ".venv", "bin") + os.pathsep + os.environ.get("PATH", ""))
    result = subprocess.run([tool("ansible-playbook"), "-i", "localhost,", "-c", "local", "-e", "ansible_python_interpreter=%s" % tool("python"),
                             str(playbook)], env=env, cwd=ROOT,
                            capture_output=True, text=True, check=False)
    recap = re.search(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", result.stdout)
    counts = dict(zip(("ok", "changed", "unreachable", "failed"), map(int, recap.groups()))) if recap else {}
    return result.returncode, result.stdout + result.stderr, counts


def test_dashboards_are_imported_with_a_token_of_the_run_and_a_second_run_changes_nothing(grafana, tmp_path):
    code, output, first = run(tmp_path, grafana.url)
    assert code == 0, output[-4000:]
    assert first["changed"] == 2  # the service account, then the two dashboards (one task)
    workspace = grafana.api.workspaces[WORKSPACE]
    stored = sorted((uid, workspace.folder(item["folderUid"])["title"]) for uid, item in workspace.dashboards.items())
    assert stored == [("playcode-application", "PlayCode"), ("playcode-database", "PlayCode")]
    assert grafana.live_tokens == {}  # the run's token is gone
    # Only the service account endpoints saw the admin's password; everything else went with the token.
    assert {(method, scheme) for method, path, scheme in grafana.requests if not path.startswith("/api/serviceaccounts")} <= {
        ("GET", "Bearer"), ("POST", "Bearer"), ("PUT", "Bearer"), ("DELETE", "Bearer")}
    assert ADMIN[1] not in output
    code, output, second = run(tmp_path, grafana.url)
    assert code == 0, output[-4000:]
    assert second["changed"] == 0 and len(grafana.accounts) == 1 and grafana.live_tokens == {}


def test_a_wrong_admin_password_fails_before_any_dashboard_is_sent(grafana, tmp_path):
    wrong = "nope-" + secrets.token_hex(8)
    code, output, _counts = run(tmp_path, grafana.url, password=wrong)
    assert code != 0, output[-2000:]
    assert WORKSPACE not in grafana.api.workspaces or not grafana.api.workspaces[WORKSPACE].dashboards
    assert wrong not in output and not grafana.accounts
