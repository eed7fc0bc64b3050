#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: grafana_dashboard
short_description: Keep Grafana dashboards and their folders as code
version_added: 0.1.0
description:
  - Imports a tree of dashboard JSON files into a Grafana (an Amazon Managed Grafana workspace, or any
    Grafana 9.4 or later) through its HTTP API, with folders taken from the directory layout, nested.
  - The whole source is validated before the first request, so a broken source changes nothing. Every
    file must be JSON with a uid (at most 40 letters, digits, V(-) or V(_)); uids must be unique across
    files and titles unique within a folder; every C(${DS_...}) input must be mapped by O(datasources).
  - A dashboard is compared with the stored one, without what Grafana sets (V(id), V(version),
    V(iteration)) and with its folder, and is only sent when it differs, so a second run changes nothing.
  - It is saved with the stored version and without overwrite, so a dashboard changed by someone else
    meanwhile is not overwritten blindly; the module reads it again and retries once.
  - With O(prune), the managed folders end up holding exactly the source.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  url:
    description:
      - The Grafana URL, for example an Amazon Managed Grafana workspace endpoint.
      - Without a scheme (as AMG gives its endpoints), V(https://) is assumed.
    type: str
    required: true
    aliases: [grafana_url]
  token:
    description:
      - A service account token (Amazon Managed Grafana C(CreateWorkspaceServiceAccountToken)) or API key
        with the Editor role, or Admin to create folders.
    type: str
    required: true
    aliases: [grafana_api_key]
  path:
    description:
      - A directory of dashboard JSON files (C(*.json)); hidden files and directories are skipped.
      - Files at the top go in O(root_folder), or in the General folder without one. Each sub-directory is
        a folder titled as the directory, nested as the directories are (C(a/b/x.json) goes in folder
        C(b) inside folder C(a)).
      - A folder's uid is derived from its path (and O(root_folder)'s uid), so it is the same on every
        run and in every Grafana, readable, and at most 40 characters.
      - A file may hold a dashboard, a grafana.com export (with C(__inputs)) or an API answer
        (C({dashboard, meta})).
    type: path
  dashboards:
    description:
      - Dashboards given one by one, on their own or besides O(path).
    type: list
    elements: dict
    suboptions:
      src:
        description: A dashboard JSON file.
        type: path
      content:
        description: The dashboard, as a dictionary or as JSON text.
        type: raw
      folder:
        description: The folder path, titles separated by V(/), as O(path) would make it; V("") is the top.
        type: str
        default: ""
  root_folder:
    description:
      - A folder that holds the whole source; the top of the source goes in it instead of the General folder.
      - With O(prune), everything in it that is not in the source is removed, so folders dropped from
        the source go too (top-level folders of a source without a root folder cannot be told apart
        from anyone else's and are never removed).
    type: dict
    suboptions:
      title:
        description: The folder's title.
        type: str
        required: true
      uid:
        description: The folder's uid; derived from O(root_folder.title) when omitted.
        type: str
  datasources:
    description:
      - Data source uids for the C(${DS_...}) inputs of exported dashboards, by input name (V(DS_PROMETHEUS)
        or V(${DS_PROMETHEUS})) or, as the default of a data source type, by plugin id (V(prometheus), V(loki)).
      - An input's type comes from the export's C(__inputs), or from the C({type, uid}) reference it is used in.
      - Constant inputs (C(${VAR_...})) take the value the export carries.
    type: dict
    default: {}
  prune:
    description:
      - Delete what is in the managed folders (the folders of the source, O(root_folder) included) but
        not in the source, dashboards and sub-folders alike; deleting a folder deletes what is in it.
      - Nothing outside the managed folders is touched, nor anything in the General folder. A dashboard
        is only deleted when Grafana's search hit names the pruned folder as its folder, and a folder
        only when Grafana names the pruned folder as its parent; each folder is visited once, and a
        managed folder is never deleted.
      - Needs Grafana 10 or later (read from C(/api/health) before any change), since Grafana 9 has no
        C(folderUIDs) search parameter (it came with Grafana 10.0) and ignores it, so it cannot list one
        folder's dashboards; the task fails, having changed nothing, when O(prune) is asked of a Grafana 9
        (such as an Amazon Managed Grafana 9.4 workspace).
      - Sub-folders exist only where Grafana has nested folders (Grafana 11, or 10 with the C(nestedFolders)
        feature); a Grafana without them ignores C(parentUid) and lists every folder, which are then not
        taken for sub-folders.
      - Sources imported by separate tasks that share a folder path share that folder, so pruning one removes
        the other's dashboards; give each source its own O(root_folder), or import them as one source.
    type: bool
    default: false
  commit_message:
    description: The version message Grafana keeps with each saved dashboard (C(message) of the save request).
    type: str
    default: Saved by gameops.platform.grafana_dashboard
  validate_certs:
    description: Verify Grafana's TLS certificate.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for each answer.
    type: int
    default: 30
  retries:
    description:
      - How many times a request is retried when Grafana answers 429 (after its C(Retry-After)) or 5xx, or
        cannot be reached, with exponential backoff.
    type: int
    default: 4
notes:
  - Nested folders need Grafana 11 or the C(nestedFolders) feature; a Grafana that puts a sub-folder at the
    top instead (Amazon Managed Grafana 10.4 workspaces do) fails the task with that said. On Grafana 9,
    which has no nested folders at all, a nested source fails before any change.
  - Dashboards are compared as data, so reformatting a file changes nothing.
attributes:
  check_mode:
    support: full
    description: Only reads; reports what would be created, updated or deleted.
  diff_mode:
    support: full
    description:
      - The folder and normalized JSON of each dashboard created, updated or deleted, before and after, and
        of each folder created, changed or deleted.
"""

EXAMPLES = r"""
- name: Import the dashboards of a role, mapping the inputs of grafana.com exports to our data sources
  gameops.platform.grafana_dashboard:
    url: "{{ grafana_workspace.endpoint }}"
    token: "{{ grafana_token }}"
    path: "{{ role_path }}/files/dashboards"
    datasources:
      prometheus: amp
      DS_LOKI: loki
    prune: true

- name: Keep one team's dashboards under their own folder, removing what they dropped
  gameops.platform.grafana_dashboard:
    url: https://g-abcdef1234.grafana-workspace.ap-northeast-2.amazonaws.com
    token: "{{ grafana_token }}"
    path: dashboards/queue-team
    root_folder:
      title: Queue team
      uid: queue-team
    prune: true

- name: Add two single dashboards
  gameops.platform.grafana_dashboard:
    url: "{{ grafana_url }}"
    token: "{{ grafana_token }}"
    dashboards:
      - src: files/node-exporter.json
        folder: Platform/Nodes
      - content: {uid: smoke, title: Smoke test, panels: []}
"""

RETURN = r"""
dashboards:
  description: Every dashboard of the source, and every one deleted, by uid.
  returned: always
  type: dict
  contains:
    action:
      description: V(created), V(updated), V(unchanged) or V(deleted).
      type: str
    title:
      description: The dashboard's title.
      type: str
    folder:
      description: The folder's path of titles separated by V(/); V("") for the General folder.
      type: str
    folder_uid:
      description: The folder's uid; V("") for the General folder.
      type: str
    url:
      description: The dashboard's URL.
      type: str
    source:
      description: The file (or C(dashboards[N])) it came from; absent for deleted ones.
      type: str
  sample:
    queue-system:
      action: updated
      title: Queue system
      folder: Queue Infra
      folder_uid: queue-infra-3f2a9c1d
      url: https://g-abcdef1234.grafana-workspace.ap-northeast-2.amazonaws.com/d/queue-system
      source: roles/grafana/files/dashboards/Queue Infra/queue-system.json
folders:
  description: The managed folders, and every one deleted, by uid.
  returned: always
  type: dict
  contains:
    action:
      description: V(created), V(updated), V(unchanged) or V(deleted).
      type: str
    title:
      description: The folder's title.
      type: str
    path:
      description: Its path of titles below the top of the source; V("") for O(root_folder).
      type: str
    parent_uid:
      description: The uid of the folder it is in; V("") at the top.
      type: str
  sample:
    queue-infra-3f2a9c1d: {action: unchanged, title: Queue Infra, path: Queue Infra, parent_uid: ""}
"""

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.gameops.platform.plugins.module_utils import grafana_dashboards as source
from ansible_collections.gameops.platform.plugins.module_utils.grafana_api import GRAFANA_ARGUMENT_SPEC, GrafanaClient, GrafanaError

# Grafana 10.0 added the folderUIDs search parameter (grafana/grafana PR #65040); 11.0 turned nested folders on.
FOLDER_UIDS_SEARCH = (10, 0)
NESTED_FOLDERS = (11, 0)


class DashboardSync:
    """Brings a Grafana in line with a validated source; records actions and diffs as it goes."""

    def __init__(self, module, client, dashboards, folders):
        self.module = module
        self.client = client
        self.dashboards = dashboards
        self.folders = folders  # {path: Folder}
        self.titles = dict((folder.uid, "/".join(folder.path)) for folder in folders.values())
        self.managed = set(self.titles)
        self.folder_results = {}
        self.dashboard_results = {}
        self.diffs = []
        self.visited = set()  # folders pruned so far, so that none is gone through twice
        self._version = None

    @property
    def check_mode(self):
        return self.module.check_mode

    def diff(self, header, before, after):
        if self.module._diff:
            self.diffs.append(dict(before_header=header, after_header=header, before=before, after=after))

    # The Grafana

    def version(self):
        """(Grafana's version text, its (major, minor)); from /api/health, else the build info of /api/frontend/settings."""
        if self._version is None:
            text = (self.client.get_or_none("/api/health") or {}).get("version")
            if not text:
                settings = self.client.get_or_none("/api/frontend/settings") or {}
                text = (settings.get("buildInfo") or {}).get("version")
            numbers = tuple(int(number) for number in re.findall(r"\d+", text or "")[:2])
            self._version = (text or "unknown", numbers if len(numbers) == 2 else None)
        return self._version

    def nested(self):
        numbers = self.version()[1]
        return numbers is not None and numbers >= NESTED_FOLDERS

    def check_grafana(self):
        """Refuse, before any change, what this Grafana cannot do: prune below 10, nested folders below 10."""
        text, numbers = self.version()
        if self.module.params["prune"] and (numbers is None or numbers < FOLDER_UIDS_SEARCH):
            raise GrafanaError("prune needs Grafana 10 or later, and Grafana at %s runs %s: before 10.0 its search API has no "
                               "folderUIDs parameter and ignores it, so the dashboards of one folder cannot be told from all the "
                               "others; nothing was changed (upgrade the workspace, or run without prune)" % (self.client.url, text))
        nested = [folder for folder in self.folders.values() if folder.parent_uid]
        if nested and numbers is not None and numbers < FOLDER_UIDS_SEARCH:
            inner = nested[0]
            raise GrafanaError("Grafana at %s runs %s, which has no nested folders, and folder %r is inside folder %r; keep the "
                               "source one level deep; nothing was changed"
                               % (self.client.url, text, inner.title, self.titles.get(inner.parent_uid)))

    # Folders

    def ensure_folders(self):
        for folder in self.folders.values():
            stored = self.client.get_or_none("/api/folders/%s" % folder.uid)
            wanted = dict(title=folder.title, parent_uid=folder.parent_uid)
            if stored is None:
                action = "created"
                if not self.check_mode:
                    self.create_folder(folder)
            else:
                had = dict(title=stored.get("title"), parent_uid=stored.get("parentUid") or "")
                action = "unchanged" if had == wanted else "updated"
                if action == "updated":
                    self.update_folder(folder, stored, had)
                    self.diff("folder %s" % folder.uid, had, wanted)
            if action == "created":
                self.diff("folder %s" % folder.uid, {}, wanted)
            self.folder_results[folder.uid] = dict(folder.describe(), action=action)

    def create_folder(self, folder):
        body = dict(uid=folder.uid, title=folder.title)
        if folder.parent_uid:
            body["parentUid"] = folder.parent_uid
        try:
            answer = self.client.post("/api/folders", body)
        except GrafanaError as error:
            raise GrafanaError("cannot create folder %r (uid %s): %s" % ("/".join(folder.path) or folder.title, folder.uid, error),
                               error.status, error.body)
        self.check_nested(folder, answer)

    def check_nested(self, folder, answer):
        if folder.parent_uid and (answer.get("parentUid") or "") != folder.parent_uid:
            raise GrafanaError("Grafana at %s put folder %r at the top instead of inside folder %s: it has no nested folders "
                               "(Grafana 11, or the nestedFolders feature, has them; Amazon Managed Grafana 10.4 does not); "
                               "keep the source one level deep" % (self.client.url, folder.title, folder.parent_uid))

    def update_folder(self, folder, stored, had):
        if self.check_mode:
            return
        if had["title"] != folder.title:
            stored = self.client.put("/api/folders/%s" % folder.uid, dict(title=folder.title, version=stored.get("version"),
                                                                          overwrite=False))
        if had["parent_uid"] != folder.parent_uid:
            answer = self.client.post("/api/folders/%s/move" % folder.uid, dict(parentUid=folder.parent_uid))
            self.check_nested(folder, answer)

    # Dashboards

    def folder_uid(self, item):
        folder = self.folders.get(item.folder_path)
        return folder.uid if folder else ""

    def view(self, dashboard, folder_uid):
        """What the diff shows of a dashboard: its folder and its normalized JSON."""
        return dict(folder_uid=folder_uid, folder=self.titles.get(folder_uid, folder_uid), dashboard=source.normalize(dashboard))

    def ensure_dashboards(self):
        for item in self.dashboards:
            folder_uid = self.folder_uid(item)
            stored = self.client.get_or_none("/api/dashboards/uid/%s" % item.uid)
            action = self.compare(item, stored, folder_uid)
            if action != "unchanged":
                before = self.view(stored["dashboard"], stored["meta"].get("folderUid") or "") if stored else {}
                if not self.check_mode:
                    action = self.save(item, stored, folder_uid)
                if action != "unchanged":
                    self.diff("dashboard %s (%s)" % (item.uid, item.origin), before, self.view(item.dashboard, folder_uid))
            self.dashboard_results[item.uid] = dict(action=action, title=item.title, folder="/".join(item.folder_path),
                                                    folder_uid=folder_uid, url="%s/d/%s" % (self.client.url, item.uid),
                                                    source=item.origin)

    @staticmethod
    def compare(item, stored, folder_uid):
        if stored is None:
            return "created"
        same = source.normalize(stored["dashboard"]) == source.normalize(item.dashboard)
        return "unchanged" if same and (stored["meta"].get("folderUid") or "") == folder_uid else "updated"

    def save(self, item, stored, folder_uid, again=False):
        dashboard = dict(source.normalize(item.dashboard), id=None)
        if stored is not None:
            dashboard["version"] = stored["dashboard"].get("version", stored["meta"].get("version"))
        body = dict(dashboard=dashboard, folderUid=folder_uid, overwrite=False, message=self.module.params["commit_message"])
        try:
            self.client.post("/api/dashboards/db", body)
        except GrafanaError as error:
            if error.grafana_status == "version-mismatch" and not again:
                # Saved by someone else since we read it: read it again, and save over that version once.
                stored = self.client.get_or_none("/api/dashboards/uid/%s" % item.uid)
                action = self.compare(item, stored, folder_uid)
                return action if action == "unchanged" else self.save(item, stored, folder_uid, again=True)
            if error.grafana_status == "version-mismatch":
                raise GrafanaError("dashboard %s (%s) was changed by someone else twice while it was being saved; run again"
                                   % (item.uid, item.origin), error.status, error.body)
            if error.grafana_status == "name-exists":
                raise GrafanaError(self.name_exists(item, folder_uid), error.status, error.body)
            raise GrafanaError("cannot save dashboard %s (%s): %s" % (item.uid, item.origin, error), error.status, error.body)
        return "updated" if stored is not None else "created"

    def name_exists(self, item, folder_uid):
        hits = self.search(folder_uid, "dash-db", query=item.title)
        others = ["%s (uid %s)" % (hit["title"], hit["uid"]) for hit in hits
                  if hit.get("title", "").lower() == item.title.lower() and hit.get("uid") != item.uid]
        return ("cannot save dashboard %s (%s): folder %r already has a dashboard titled %r: %s; rename one of them or "
                "delete the other" % (item.uid, item.origin, self.titles.get(folder_uid, "General"), item.title,
                                      ", ".join(others) or "another uid"))

    # Pruning

    def search(self, folder_uid, kind, query=None):
        """The hits of a folder ("" for General): only those Grafana names the folder of, whatever else it answers with."""
        hits, page = [], 1
        while True:
            params = dict(folderUIDs=folder_uid or "general", type=kind, limit=1000, page=page)
            if query:
                params["query"] = query
            found = self.client.get("/api/search", params)
            hits.extend(hit for hit in found if (hit.get("folderUid") or "") == folder_uid)
            if len(found) < 1000:
                return hits
            page += 1

    def children(self, folder_uid):
        """The sub-folders of a folder: none without nested folders, where Grafana ignores parentUid and lists every folder.

        A folder counts only when Grafana names the folder as its parent (or, with nested folders, names none), is not
        the folder itself and has not been gone through already.
        """
        nested = self.nested()
        found = []
        for child in self.client.get("/api/folders", dict(parentUid=folder_uid)):
            parent = child.get("parentUid", folder_uid if nested else None)
            if parent == folder_uid and child.get("uid") != folder_uid and child.get("uid") not in self.visited:
                found.append(child)
        return found

    def prune(self):
        keep = set(item.uid for item in self.dashboards)
        self.visited.update(self.managed)
        for folder in self.folders.values():
            if self.folder_results[folder.uid]["action"] == "created":
                continue  # new: nothing in it yet
            for hit in self.search(folder.uid, "dash-db"):
                if hit["uid"] not in keep:
                    self.delete_dashboard(hit, folder.uid)
            for child in self.children(folder.uid):
                self.delete_folder(child, folder.uid, keep, top=True)

    def delete_dashboard(self, hit, folder_uid, with_folder=False):
        if self.module._diff:
            stored = self.client.get_or_none("/api/dashboards/uid/%s" % hit["uid"])
            if stored:
                self.diff("dashboard %s" % hit["uid"], self.view(stored["dashboard"], folder_uid), {})
        if not self.check_mode and not with_folder:
            self.client.delete("/api/dashboards/uid/%s" % hit["uid"])
        self.dashboard_results[hit["uid"]] = dict(action="deleted", title=hit.get("title"), folder=self.titles.get(folder_uid, ""),
                                                  folder_uid=folder_uid, url="%s/d/%s" % (self.client.url, hit["uid"]))

    def delete_folder(self, folder, parent_uid, keep, top=False):
        """Report a folder not in the source, and all in it, as deleted; delete the top one (Grafana deletes what is in it)."""
        self.visited.add(folder["uid"])
        self.titles.setdefault(folder["uid"], folder["title"])
        for hit in self.search(folder["uid"], "dash-db"):
            if hit["uid"] not in keep:
                self.delete_dashboard(hit, folder["uid"], with_folder=True)
        for child in self.children(folder["uid"]):
            self.delete_folder(child, folder["uid"], keep)
        self.diff("folder %s" % folder["uid"], dict(title=folder["title"], parent_uid=parent_uid), {})
        if top and not self.check_mode:
            self.client.delete("/api/folders/%s" % folder["uid"])
        self.folder_results[folder["uid"]] = dict(action="deleted", title=folder["title"], path=self.titles[folder["uid"]],
                                                  uid=folder["uid"], parent_uid=parent_uid)

    def run(self):
        if self.module.params["prune"] or any(folder.parent_uid for folder in self.folders.values()):
            self.check_grafana()
        self.ensure_folders()
        self.ensure_dashboards()
        if self.module.params["prune"]:
            self.prune()
        changed = any(result["action"] != "unchanged" for result in
                      list(self.folder_results.values()) + list(self.dashboard_results.values()))
        result = dict(changed=changed, dashboards=self.dashboard_results, folders=self.folder_results)
        if self.module._diff:
            result["diff"] = self.diffs
        return result


def load_source(module):
    """The validated dashboards and the folders they need; fails the task before any request when the source is bad."""
    params = module.params
    mapping = params["datasources"]
    bad = sorted(key for key, value in mapping.items() if not isinstance(value, str) or not value)
    if bad:
        module.fail_json(msg="datasources must map to data source uids (strings): %s" % ", ".join(bad))
    try:
        found = source.read_directory(params["path"]) if params["path"] else []
        for index, entry in enumerate(params["dashboards"] or []):
            if bool(entry.get("src")) == (entry.get("content") is not None):
                raise source.DashboardError("dashboards[%d] needs either src or content" % index)
        found.extend(source.read_entries(params["dashboards"] or []))
        dashboards = source.load(found, mapping)
    except (source.DashboardError, IOError, OSError) as error:
        module.fail_json(msg="the dashboards were not imported, nothing was changed: %s" % error)
    return dashboards, source.folders_of(dashboards, params["root_folder"])


def main():
    argument_spec = dict(
        GRAFANA_ARGUMENT_SPEC,
        url=dict(type="str", required=True, aliases=["grafana_url"]),
        path=dict(type="path"),
        dashboards=dict(type="list", elements="dict", options=dict(
            src=dict(type="path"), content=dict(type="raw"), folder=dict(type="str", default=""))),
        root_folder=dict(type="dict", options=dict(title=dict(type="str", required=True), uid=dict(type="str"))),
        datasources=dict(type="dict", default={}),
        prune=dict(type="bool", default=False),
        commit_message=dict(type="str", default="Saved by gameops.platform.grafana_dashboard"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, required_one_of=[("path", "dashboards")])
    dashboards, folders = load_source(module)
    sync = DashboardSync(module, GrafanaClient.from_module(module), dashboards, folders)
    try:
        result = sync.run()
    except GrafanaError as error:
        module.fail_json(msg=str(error), status=error.status, dashboards=sync.dashboard_results, folders=sync.folder_results)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
