# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Dashboards as code, without a Grafana: load a source, validate it, map inputs, compare.

Everything here runs before the first request, so a bad source fails the task having changed nothing.
A source is a directory of dashboard JSON files whose sub-directories are folders (a/b/x.json is in
folder "b" inside folder "a"), and/or a list of single dashboards with a folder path each.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import hashlib
import json
import os
import re

UID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
PLACEHOLDER = re.compile(r"\$\{(DS_[A-Za-z0-9_]+)\}")
# What Grafana sets on the JSON it stores, or what an export carries that is not the dashboard.
VOLATILE_KEYS = ("id", "version", "iteration", "__inputs")


class DashboardError(Exception):
    """The source is not usable; the message lists every problem found."""


class Folder:
    """A folder the source needs: its path below the top of the source, title, uid and parent's uid.

    The root folder, when the tree hangs under one, has the path ().
    """

    def __init__(self, path, title, uid, parent_uid):
        self.path = path
        self.title = title
        self.uid = uid
        self.parent_uid = parent_uid

    def describe(self):
        return {"uid": self.uid, "title": self.title, "path": "/".join(self.path), "parent_uid": self.parent_uid}


class Dashboard:
    """One dashboard of the source: where it came from, its folder path and its JSON (inputs mapped)."""

    def __init__(self, origin, folder_path, dashboard):
        self.origin = origin
        self.folder_path = folder_path
        self.dashboard = dashboard

    @property
    def uid(self):
        return self.dashboard.get("uid")

    @property
    def title(self):
        return self.dashboard.get("title")


def _slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def folder_uid(path, root_uid=""):
    """A folder's uid from its path of titles: readable, stable, unique per path, at most 40 characters.

    A hash of the whole path (and of the root folder's uid, when the tree hangs under one) keeps paths
    that slug alike ("Queue Infra", "queue-infra") or differ past the cut apart.
    """
    key = "\0".join((root_uid,) + tuple(path))
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
    slug = _slug("-".join(path))[:31].strip("-") or "folder"
    return "%s-%s" % (slug, digest)


def folder_path(text):
    """A folder given as "a/b" (or a list of titles) as a tuple of titles; "" is the top."""
    parts = text if isinstance(text, (list, tuple)) else (text or "").split("/")
    return tuple(part.strip() for part in parts if part and part.strip())


def read_directory(path):
    """[(origin, folder path, text)] of every *.json below a directory, sorted; hidden entries are skipped."""
    if not os.path.isdir(path):
        raise DashboardError("path %s is not a directory" % path)
    found = []
    for current, dirs, files in os.walk(path):
        dirs[:] = sorted(name for name in dirs if not name.startswith("."))
        relative = os.path.relpath(current, path)
        parts = () if relative == os.curdir else tuple(relative.split(os.sep))
        for name in sorted(files):
            if name.endswith(".json") and not name.startswith("."):
                file_path = os.path.join(current, name)
                with open(file_path, "rb") as stream:
                    found.append((file_path, parts, stream.read()))
    return found


def read_entries(entries):
    """[(origin, folder path, text or dict)] of the module's dashboards list ({src|content, folder})."""
    found = []
    for index, entry in enumerate(entries):
        folder = folder_path(entry.get("folder") or "")
        if entry.get("src"):
            with open(entry["src"], "rb") as stream:
                found.append((entry["src"], folder, stream.read()))
        else:
            found.append(("dashboards[%d]" % index, folder, entry.get("content")))
    return found


def parse(origin, text):
    """The dashboard object of one source (the JSON of an export, or of an API answer {dashboard, meta})."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise DashboardError("%s is not UTF-8: %s" % (origin, error))
    if isinstance(text, str):
        try:
            data = json.loads(text)
        except ValueError as error:
            raise DashboardError("%s is not valid JSON: %s" % (origin, error))
    else:
        data = copy.deepcopy(text)
    if isinstance(data, dict) and isinstance(data.get("dashboard"), dict) and "panels" not in data:
        data = data["dashboard"]
    if not isinstance(data, dict):
        raise DashboardError("%s is not a dashboard: a JSON object is expected" % origin)
    return data


def _strings(value):
    """Every string in a JSON value, with the type beside it when it is the uid of a {type, uid} reference."""
    if isinstance(value, dict):
        kind = value.get("type") if isinstance(value.get("type"), str) else None
        for key, item in value.items():
            if key == "uid" and isinstance(item, str):
                yield item, kind
            else:
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value, None


def _replace(value, mapping):
    if isinstance(value, dict):
        return dict((key, _replace(item, mapping)) for key, item in value.items())
    if isinstance(value, list):
        return [_replace(item, mapping) for item in value]
    if isinstance(value, str) and "${" in value:
        for name, replacement in mapping.items():
            value = value.replace("${%s}" % name, replacement)
    return value


def map_inputs(origin, dashboard, datasources):
    """The dashboard with its ${DS_...} inputs replaced by data source uids, and its __inputs dropped.

    An input is looked up in datasources by its name (DS_PROMETHEUS or ${DS_PROMETHEUS}), then by its
    plugin type (prometheus), which makes that entry the default data source of the type. Constant
    inputs (${VAR_...}) take the value the export carries. Returns (dashboard, errors).
    """
    inputs = dashboard.get("__inputs") if isinstance(dashboard.get("__inputs"), list) else []
    kinds, mapping, errors = {}, {}, []
    for entry in inputs:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        if entry.get("type") == "constant":
            mapping[entry["name"]] = str(entry.get("value", ""))
        elif entry.get("type") == "datasource":
            kinds[entry["name"]] = entry.get("pluginId")
    for text, kind in _strings(dashboard):
        for name in PLACEHOLDER.findall(text):
            kinds.setdefault(name, None)
            if kind and PLACEHOLDER.fullmatch(text):
                kinds[name] = kinds[name] or kind
    for name in sorted(kinds):
        uid = datasources.get(name) or datasources.get("${%s}" % name) or datasources.get(kinds[name] or "")
        if uid:
            mapping[name] = uid
        else:
            errors.append("%s uses input ${%s}%s, which datasources does not map (by name, or by type)"
                          % (origin, name, " (type %s)" % kinds[name] if kinds[name] else ""))
    mapped = _replace(dashboard, mapping)
    mapped.pop("__inputs", None)
    return mapped, errors


def _check_dashboard(origin, dashboard):
    errors = []
    uid, title = dashboard.get("uid"), dashboard.get("title")
    if not uid:
        errors.append("%s has no uid: give every dashboard a fixed uid so that runs update it instead of adding copies" % origin)
    elif not isinstance(uid, str) or not UID_PATTERN.match(uid):
        errors.append("%s has uid %r: a uid is 1 to 40 letters, digits, '-' or '_'" % (origin, uid))
    if not isinstance(title, str) or not title.strip():
        errors.append("%s has no title" % origin)
    return errors


def load(sources, datasources=None):
    """[Dashboard] from [(origin, folder path, text)]; raises DashboardError listing every problem."""
    dashboards, errors = [], []
    for origin, path, text in sources:
        try:
            data = parse(origin, text)
        except DashboardError as error:
            errors.append(str(error))
            continue
        found = _check_dashboard(origin, data)
        data, unmapped = map_inputs(origin, data, datasources or {})
        errors.extend(found + unmapped)
        dashboards.append(Dashboard(origin, path, data))
    errors.extend(_check_unique(dashboards))
    if errors:
        raise DashboardError("; ".join(errors))
    return dashboards


def _check_unique(dashboards):
    errors, by_uid, by_title = [], {}, {}
    for item in dashboards:
        if isinstance(item.uid, str) and item.uid:
            if item.uid in by_uid:
                errors.append("uid %s is in both %s and %s" % (item.uid, by_uid[item.uid].origin, item.origin))
            by_uid.setdefault(item.uid, item)
        if isinstance(item.title, str) and item.title.strip():
            key = (item.folder_path, item.title.strip().lower())
            if key in by_title:
                errors.append("title %r is in both %s and %s, in the same folder %r"
                              % (item.title, by_title[key].origin, item.origin, "/".join(item.folder_path) or "General"))
            by_title.setdefault(key, item)
    return errors


def folders_of(dashboards, root=None):
    """The folders the dashboards need, parents before children: {path: Folder}.

    root: {title, uid?}: a folder that holds the whole tree (the top of the source goes in it); without
    one, the top of the source is Grafana's General folder.
    """
    found = {}
    root_uid = ""
    if root:
        root_uid = root.get("uid") or folder_uid((root["title"],))
        found[()] = Folder((), root["title"], root_uid, "")
    for item in dashboards:
        for depth in range(1, len(item.folder_path) + 1):
            path = item.folder_path[:depth]
            if path not in found:
                parent = found.get(path[:-1])
                found[path] = Folder(path, path[-1], folder_uid(path, root_uid), parent.uid if parent else "")
    return dict((path, found[path]) for path in sorted(found, key=lambda path: (len(path), path)))


def normalize(dashboard):
    """A dashboard without what Grafana sets or an export adds, for comparing desired with stored."""
    return dict((key, copy.deepcopy(value)) for key, value in dashboard.items() if key not in VOLATILE_KEYS)
