"""The Grafana HTTP API behind each emulated Amazon Managed Grafana workspace's endpoint.

A workspace's endpoint is "<emulator host:port>/grafana/<workspace id>", so this app serves
"/grafana/<workspace id>/api/...": dashboards, folders, search and data sources, with the semantics
Grafana documents (versions and 412s on save, 409s on existing uids and names, secure data source
fields that are never read back). Service account tokens of the workspace are the bearer tokens
(grafana_tokens.TOKENS, minted by the AMG control plane). State lives in memory, per workspace id.

Each workspace's Grafana answers as the version its workspace runs (grafana_tokens.VERSIONS, kept by
the AMG control plane; DEFAULT_VERSION for a workspace it does not know), which /api/health reports:
- before 10.0, /api/search has no ``folderUIDs`` parameter (only ``folderIds``; grafana/grafana PR
  #65040 added it in 10.0) and ignores it, as Grafana ignores every parameter it does not know, so it
  answers with the hits of every folder;
- before 11.0, there are no nested folders (Grafana 11 turned the nestedFolders feature on; AMG's 9.4
  and 10.4 do not have it): ``parentUid`` is ignored by GET /api/folders (every folder is listed) and
  by POST /api/folders (the folder is made at the top), folders carry no ``parentUid``/``parents``,
  and POST /api/folders/<uid>/move does not exist;
- from 13.0, data sources of the core ``prometheus`` type with SigV4 authentication are migrated to
  the dedicated ``grafana-amazonprometheus-datasource`` type when Grafana starts (after an upgrade),
  as Grafana 13's prometheusTypeMigration does.
"""

import copy
import datetime
import http
import json
import re
import secrets
import threading
from urllib.parse import parse_qs

from aws_emulator.grafana_tokens import EXPIRED, TOKENS, VALID, VERSIONS

PREFIX = "/grafana/"
# The version a workspace the AMG control plane does not know runs (AMG's default for CreateWorkspace).
DEFAULT_VERSION = "10.4"
# The Grafana build /api/health reports for an AMG version; another version reports "<version>.0".
BUILDS = {"8.4": "8.4.7", "9.4": "9.4.7", "10.4": "10.4.1", "12.4": "12.4.3"}
FOLDER_UIDS_SEARCH = (10, 0)
NESTED_FOLDERS = (11, 0)
PROMETHEUS_TYPE_MIGRATION = (13, 0)
AMAZON_PROMETHEUS_TYPE = "grafana-amazonprometheus-datasource"
UID_PATTERN = re.compile(r"^[a-zA-Z0-9\-_]{1,40}$")
JSON_HEADERS = {"Content-Type": "application/json"}


class ApiError(Exception):
    """An error answer: HTTP status and Grafana's JSON body ({"message": ..., maybe "status": ...})."""

    def __init__(self, code, message, **extra):
        super().__init__(message)
        self.code = code
        self.body = dict(extra, message=message)


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _slug(title):
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _new_uid():
    return secrets.token_urlsafe(10).replace("-", "a").replace("_", "b")[:14]


def version_key(version):
    return tuple(int(part) for part in re.findall(r"\d+", version))[:2]


def build_of(version):
    return BUILDS.get(version, version if version.count(".") >= 2 else version + ".0")


def _check_uid(uid, kind):
    if not isinstance(uid, str) or not UID_PATTERN.match(uid):
        raise ApiError(400, "invalid %s uid %r: up to 40 letters, digits, '-' or '_'" % (kind, uid))


class Workspace:
    """One workspace's Grafana: dashboards, folders and data sources of its single organisation."""

    def __init__(self, version=DEFAULT_VERSION):
        self.version = version
        self.last_id = 0
        self.dashboards = {}  # uid -> {"id", "dashboard", "folderUid", "version", "created", "updated"}
        self.folders = {}  # uid -> {"id", "uid", "title", "parentUid", "version", "created", "updated"}
        self.datasources = {}  # uid -> Grafana's data source fields plus "secureJsonData"

    def next_id(self):
        self.last_id += 1
        return self.last_id

    # Versions

    def runs(self, version):
        """Grafana runs `version` from now on: after an upgrade it starts again, and runs its start-up migrations."""
        if version == self.version:
            return
        self.version = version
        if self.at_least(PROMETHEUS_TYPE_MIGRATION):
            for stored in self.datasources.values():
                if stored["type"] == "prometheus" and (stored.get("jsonData") or {}).get("sigV4Auth"):
                    stored.update(type=AMAZON_PROMETHEUS_TYPE, typeName="Amazon Managed Service for Prometheus",
                                  version=stored["version"] + 1)

    def at_least(self, version):
        return version_key(self.version) >= version

    @property
    def nested(self):
        return self.at_least(NESTED_FOLDERS)

    def health(self):
        return {"commit": "emulator", "database": "ok", "version": build_of(self.version)}

    # Folders

    def folder(self, uid):
        if uid not in self.folders:
            raise ApiError(404, "folder not found")
        return self.folders[uid]

    def folder_view(self, uid, with_parents=True):
        stored = self.folders[uid]
        view = {key: value for key, value in stored.items() if key != "parentUid"}
        view.update(url="/dashboards/f/%s/%s" % (uid, _slug(stored["title"])), hasAcl=False, canSave=True, canEdit=True,
                    canAdmin=True, canDelete=True, createdBy="service-account", updatedBy="service-account")
        if stored["parentUid"]:
            view["parentUid"] = stored["parentUid"]
        if with_parents and self.nested:
            view["parents"] = [self.folder_view(parent, with_parents=False) for parent in self.ancestors(uid)]
        return view

    def ancestors(self, uid):
        """The uids of a folder's ancestors, root first."""
        chain = []
        parent = self.folders[uid]["parentUid"]
        while parent:
            chain.insert(0, parent)
            parent = self.folders[parent]["parentUid"]
        return chain

    def descendants(self, uid):
        """The uids of the folders below a folder, deepest last."""
        found = []
        for child in sorted(key for key, value in self.folders.items() if value["parentUid"] == uid):
            found.append(child)
            found.extend(self.descendants(child))
        return found

    def check_folder_title(self, title, parent_uid, uid=None):
        for other in self.folders.values():
            if other["uid"] != uid and other["parentUid"] == parent_uid and other["title"].lower() == title.lower():
                raise ApiError(409, "a folder with the same name already exists in the current location")

    def create_folder(self, body):
        uid = body.get("uid") or _new_uid()
        title = body.get("title")
        # Without nested folders Grafana ignores parentUid: the folder is made at the top.
        parent_uid = (body.get("parentUid") or "") if self.nested else ""
        _check_uid(uid, "folder")
        if not title:
            raise ApiError(400, "folder title cannot be empty")
        if uid in self.folders:
            raise ApiError(409, "a folder with the same uid already exists")
        if parent_uid:
            self.folder(parent_uid)
        self.check_folder_title(title, parent_uid)
        now = _now()
        self.folders[uid] = {"id": self.next_id(), "uid": uid, "title": title, "parentUid": parent_uid, "version": 1,
                             "created": now, "updated": now}
        return self.folder_view(uid)

    def update_folder(self, uid, body):
        stored = self.folder(uid)
        if body.get("version") != stored["version"] and not body.get("overwrite"):
            raise ApiError(412, "the folder has been changed by someone else", status="version-mismatch")
        title = body.get("title") or stored["title"]
        self.check_folder_title(title, stored["parentUid"], uid)
        stored.update(title=title, version=stored["version"] + 1, updated=_now())
        return self.folder_view(uid)

    def move_folder(self, uid, body):
        if not self.nested:
            raise ApiError(404, "Not found")  # the route only exists with nested folders
        stored = self.folder(uid)
        parent_uid = body.get("parentUid") or ""
        if parent_uid:
            self.folder(parent_uid)
            if parent_uid == uid or parent_uid in self.descendants(uid):
                raise ApiError(409, "a folder cannot be moved into itself or one of its subfolders")
        self.check_folder_title(stored["title"], parent_uid, uid)
        stored.update(parentUid=parent_uid, version=stored["version"] + 1, updated=_now())
        return self.folder_view(uid)

    def delete_folder(self, uid):
        stored = self.folder(uid)
        doomed = {uid, *self.descendants(uid)}
        for dashboard_uid in [key for key, value in self.dashboards.items() if value["folderUid"] in doomed]:
            del self.dashboards[dashboard_uid]
        for folder_uid in doomed:
            del self.folders[folder_uid]
        return {"message": "Folder deleted", "id": stored["id"], "title": stored["title"]}

    def list_folders(self, parent_uid):
        if not self.nested:
            parent_uid = ""  # parentUid is ignored: every folder is listed (none has a parent)
        children = [value for value in self.folders.values() if value["parentUid"] == parent_uid]
        return [dict({"id": value["id"], "uid": value["uid"], "title": value["title"]},
                     **({"parentUid": parent_uid} if parent_uid else {}))
                for value in sorted(children, key=lambda value: value["title"].lower())]

    # Dashboards

    def dashboard_url(self, uid):
        return "/d/%s/%s" % (uid, _slug(self.dashboards[uid]["dashboard"]["title"]))

    def save_dashboard(self, body):
        dashboard = body.get("dashboard")
        if not isinstance(dashboard, dict):
            raise ApiError(400, "bad request data: dashboard is required")
        title = dashboard.get("title")
        if not isinstance(title, str) or not title.strip():
            raise ApiError(400, "Dashboard title cannot be empty")
        uid = dashboard.get("uid") or _new_uid()
        _check_uid(uid, "dashboard")
        folder_uid = body.get("folderUid") or ""
        if folder_uid and folder_uid not in self.folders:
            raise ApiError(400, "folder not found")
        overwrite = bool(body.get("overwrite"))
        existing = self.dashboards.get(uid)
        if existing and dashboard.get("version") != existing["version"] and not overwrite:
            raise ApiError(412, "The dashboard has been changed by someone else", status="version-mismatch")
        for other_uid, other in list(self.dashboards.items()):
            same_place = other["folderUid"] == folder_uid and other["dashboard"]["title"].lower() == title.lower()
            if other_uid != uid and same_place:
                if not overwrite:
                    raise ApiError(412, "A dashboard with the same name in the folder already exists", status="name-exists")
                del self.dashboards[other_uid]
        now = _now()
        version = existing["version"] + 1 if existing else 1
        dashboard_id = existing["id"] if existing else self.next_id()
        stored = dict(copy.deepcopy(dashboard), id=dashboard_id, uid=uid, version=version)
        self.dashboards[uid] = {"id": dashboard_id, "dashboard": stored, "folderUid": folder_uid, "version": version,
                                "created": existing["created"] if existing else now, "updated": now,
                                "message": body.get("message") or ""}
        return {"id": dashboard_id, "uid": uid, "url": self.dashboard_url(uid), "status": "success", "version": version,
                "slug": _slug(title), "folderUid": folder_uid}

    def dashboard(self, uid):
        if uid not in self.dashboards:
            raise ApiError(404, "Dashboard not found")
        return self.dashboards[uid]

    def get_dashboard(self, uid):
        stored = self.dashboard(uid)
        folder = self.folders.get(stored["folderUid"])
        meta = {
            "type": "db", "canSave": True, "canEdit": True, "canAdmin": True, "canStar": True, "canDelete": True,
            "slug": _slug(stored["dashboard"]["title"]), "url": self.dashboard_url(uid), "expires": "0001-01-01T00:00:00Z",
            "created": stored["created"], "updated": stored["updated"], "createdBy": "service-account",
            "updatedBy": "service-account", "version": stored["version"], "hasAcl": False, "isFolder": False,
            "folderId": folder["id"] if folder else 0, "folderUid": stored["folderUid"],
            "folderTitle": folder["title"] if folder else "General",
            "folderUrl": "/dashboards/f/%s/%s" % (folder["uid"], _slug(folder["title"])) if folder else "",
            "provisioned": False, "provisionedExternalId": "",
        }
        return {"dashboard": copy.deepcopy(stored["dashboard"]), "meta": meta}

    def delete_dashboard(self, uid):
        stored = self.dashboard(uid)
        del self.dashboards[uid]
        title = stored["dashboard"]["title"]
        return {"title": title, "message": "Dashboard %s deleted" % title, "id": stored["id"]}

    # Search

    def search_hits(self):
        for uid, value in self.folders.items():
            hit = {"id": value["id"], "uid": uid, "title": value["title"], "type": "dash-folder",
                   "url": "/dashboards/f/%s/%s" % (uid, _slug(value["title"])), "uri": "db/" + _slug(value["title"]),
                   "slug": "", "tags": [], "isStarred": False}
            yield value["parentUid"], hit
        for uid, value in self.dashboards.items():
            dashboard = value["dashboard"]
            hit = {"id": value["id"], "uid": uid, "title": dashboard["title"], "type": "dash-db", "url": self.dashboard_url(uid),
                   "uri": "db/" + _slug(dashboard["title"]), "slug": "", "tags": list(dashboard.get("tags") or []),
                   "isStarred": False}
            yield value["folderUid"], hit

    def search(self, query):
        def values(name):
            return [item for value in query.get(name, []) for item in value.split(",") if item]

        text = (query.get("query") or [""])[0].lower()
        kinds, uids = values("type"), values("dashboardUIDs")
        # Grafana before 10.0 knows folderIds only, and ignores folderUIDs like any parameter it does not know.
        folders = values("folderUIDs") if self.at_least(FOLDER_UIDS_SEARCH) else []
        folder_ids = values("folderIds")
        hits = []
        for parent_uid, hit in self.search_hits():
            if kinds and hit["type"] not in kinds or text not in hit["title"].lower():
                continue
            if folders and (parent_uid or "general") not in folders or uids and hit["uid"] not in uids:
                continue
            parent = self.folders.get(parent_uid)
            if folder_ids and str(parent["id"] if parent else 0) not in folder_ids:
                continue
            if parent:
                hit.update(folderId=parent["id"], folderUid=parent_uid, folderTitle=parent["title"],
                           folderUrl="/dashboards/f/%s/%s" % (parent_uid, _slug(parent["title"])))
            hits.append(hit)
        limit = int((query.get("limit") or ["1000"])[0])
        start = (int((query.get("page") or ["1"])[0]) - 1) * limit
        return sorted(hits, key=lambda hit: (hit["type"] != "dash-folder", hit["title"].lower()))[start:start + limit]

    # Data sources

    def datasource(self, uid):
        if uid not in self.datasources:
            raise ApiError(404, "Data source not found")
        return self.datasources[uid]

    @staticmethod
    def datasource_view(stored, full=True):
        view = {key: copy.deepcopy(value) for key, value in stored.items() if key != "secureJsonData"}
        if full:
            view["secureJsonFields"] = {key: True for key in stored["secureJsonData"]}
        else:
            for key in ("password", "basicAuthUser", "withCredentials", "version", "secureJsonFields"):
                view.pop(key, None)
        return view

    def list_datasources(self):
        return [self.datasource_view(value, full=False) for value in self.datasources.values()]

    def check_datasource_name(self, name, uid):
        if any(other["name"] == name and other["uid"] != uid for other in self.datasources.values()):
            raise ApiError(409, "data source with the same name already exists")

    def apply_datasource(self, stored, body):
        for key, default in (("access", "proxy"), ("url", ""), ("user", ""), ("database", ""), ("basicAuth", False),
                             ("basicAuthUser", ""), ("withCredentials", False), ("isDefault", False), ("jsonData", {})):
            stored[key] = copy.deepcopy(body.get(key, default))
        stored["secureJsonData"].update(body.get("secureJsonData") or {})
        if stored["isDefault"]:
            for other in self.datasources.values():
                if other["uid"] != stored["uid"]:
                    other["isDefault"] = False

    def create_datasource(self, body):
        name, kind = body.get("name"), body.get("type")
        if not name or not kind:
            raise ApiError(400, "name and type are required")
        uid = body.get("uid") or _new_uid()
        _check_uid(uid, "data source")
        if uid in self.datasources:
            raise ApiError(409, "data source with the same uid already exists")
        self.check_datasource_name(name, uid)
        stored = {"id": self.next_id(), "uid": uid, "orgId": 1, "name": name, "type": kind, "typeName": kind.capitalize(),
                  "typeLogoUrl": "", "password": "", "version": 1, "readOnly": False, "secureJsonData": {}}
        self.apply_datasource(stored, body)
        self.datasources[uid] = stored
        return {"datasource": self.datasource_view(stored), "id": stored["id"], "message": "Datasource added", "name": name}

    def update_datasource(self, uid, body):
        stored = self.datasource(uid)
        version = body.get("version")
        if version and version < stored["version"]:
            raise ApiError(409, "Datasource has already been updated by someone else. Please reload and try again")
        name = body.get("name") or stored["name"]
        self.check_datasource_name(name, uid)
        stored.update(name=name, type=body.get("type") or stored["type"], version=stored["version"] + 1)
        self.apply_datasource(stored, body)
        return {"datasource": self.datasource_view(stored), "id": stored["id"], "message": "Datasource updated", "name": name}

    def delete_datasource(self, uid):
        stored = self.datasource(uid)
        del self.datasources[uid]
        return {"message": "Data source deleted", "id": stored["id"]}


# (method, path template, answer(workspace, uid, query, body), needs a token)
ROUTES = [
    ("GET", "/api/health", lambda ws, uid, query, body: ws.health(), False),
    ("GET", "/api/search", lambda ws, uid, query, body: ws.search(query), True),
    ("POST", "/api/dashboards/db", lambda ws, uid, query, body: ws.save_dashboard(body), True),
    ("GET", "/api/dashboards/uid/{uid}", lambda ws, uid, query, body: ws.get_dashboard(uid), True),
    ("DELETE", "/api/dashboards/uid/{uid}", lambda ws, uid, query, body: ws.delete_dashboard(uid), True),
    ("GET", "/api/folders", lambda ws, uid, query, body: ws.list_folders((query.get("parentUid") or [""])[0]), True),
    ("POST", "/api/folders", lambda ws, uid, query, body: ws.create_folder(body), True),
    ("GET", "/api/folders/{uid}", lambda ws, uid, query, body: ws.folder(uid) and ws.folder_view(uid), True),
    ("PUT", "/api/folders/{uid}", lambda ws, uid, query, body: ws.update_folder(uid, body), True),
    ("DELETE", "/api/folders/{uid}", lambda ws, uid, query, body: ws.delete_folder(uid), True),
    ("POST", "/api/folders/{uid}/move", lambda ws, uid, query, body: ws.move_folder(uid, body), True),
    ("GET", "/api/datasources", lambda ws, uid, query, body: ws.list_datasources(), True),
    ("POST", "/api/datasources", lambda ws, uid, query, body: ws.create_datasource(body), True),
    ("GET", "/api/datasources/uid/{uid}", lambda ws, uid, query, body: ws.datasource_view(ws.datasource(uid)), True),
    ("PUT", "/api/datasources/uid/{uid}", lambda ws, uid, query, body: ws.update_datasource(uid, body), True),
    ("DELETE", "/api/datasources/uid/{uid}", lambda ws, uid, query, body: ws.delete_datasource(uid), True),
]


def _compile(template):
    return re.compile("^" + re.sub(r"\\\{uid\\\}", "(?P<uid>[^/]+)", re.escape(template)) + "/?$")


COMPILED = [(method, template, _compile(template), answer, auth) for method, template, answer, auth in ROUTES]


class GrafanaApi:
    """The WSGI app of every workspace's Grafana API; also callable as handle() by the emulator's app."""

    def __init__(self, tokens=TOKENS, versions=VERSIONS, default_version=DEFAULT_VERSION):
        self.tokens = tokens
        self.versions = versions
        self.default_version = default_version
        self.lock = threading.Lock()
        self.workspaces = {}

    def forget(self, workspace_id):
        """Drop a deleted workspace's Grafana state."""
        with self.lock:
            self.workspaces.pop(workspace_id, None)

    @staticmethod
    def split(path):
        """(workspace id, path inside the workspace's Grafana) of a request path under PREFIX."""
        workspace_id, _sep, rest = path[len(PREFIX):].partition("/")
        return workspace_id, "/" + rest

    def handle(self, environ, body):
        """(operation, status, headers, payload bytes) for one request; operation is "<METHOD> <path template>"."""
        method = environ["REQUEST_METHOD"]
        workspace_id, path = self.split(environ.get("PATH_INFO", ""))
        operation = "%s %s" % (method, path)
        try:
            for route_method, template, regex, answer, auth in COMPILED:
                found = regex.match(path)
                if found and route_method == method:
                    operation = "%s %s" % (method, template)
                    if auth:
                        self.authenticate(workspace_id, environ.get("HTTP_AUTHORIZATION", ""))
                    result = self.answer(workspace_id, answer, found.groupdict().get("uid"), environ, body)
                    status = 200
                    break
            else:
                raise ApiError(404, "Not found")
        except ApiError as error:
            status, result = error.code, error.body
        return operation, status, dict(JSON_HEADERS), json.dumps(result).encode("utf-8")

    def authenticate(self, workspace_id, header):
        scheme, _sep, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key:
            raise ApiError(401, "Unauthorized")
        state = self.tokens.check(workspace_id, key.strip())
        if state == EXPIRED:
            raise ApiError(401, "API key expired")
        if state != VALID:
            raise ApiError(401, "invalid API key")

    def answer(self, workspace_id, answer, uid, environ, body):
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        payload = {}
        if environ["REQUEST_METHOD"] in ("POST", "PUT"):
            try:
                payload = json.loads(body or b"{}")
            except ValueError as error:
                raise ApiError(400, "bad request data: %s" % error) from error
            if not isinstance(payload, dict):
                raise ApiError(400, "bad request data: a JSON object is expected")
        version = self.versions.get(workspace_id) or self.default_version
        with self.lock:
            workspace = self.workspaces.setdefault(workspace_id, Workspace(version))
            workspace.runs(version)
            return answer(workspace, uid, query, payload)

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        _operation, status, headers, payload = self.handle(environ, body)
        start_response("%d %s" % (status, http.HTTPStatus(status).phrase), list(headers.items()))
        return [payload]
