# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A rendered directory written in one pass: what changed is written, what is no longer rendered removed.

Controller side: the gitops_tree action plugin calls ``plan`` then, outside check mode, ``apply``.
"""

import os
import stat
import tempfile

from ansible.plugins.filter.core import to_nice_yaml


class TreeError(ValueError):
    """The files asked for cannot be written as given (a path outside the tree, a file without content)."""


def render(entry, header):
    """A file's text: its ``content`` as given, or its ``objects`` as YAML documents after ``header``."""
    if "content" in entry:
        return str(entry["content"])
    if "objects" in entry:
        # Sorted keys, two-space indent and no folding: the form the roles always wrote, so nothing churns.
        return header + "---\n".join(to_nice_yaml(item, indent=2, width=4096) for item in entry["objects"])
    raise TreeError("%s: give content or objects" % entry.get("path"))


def _relative(path):
    normalized = os.path.normpath(str(path))
    if os.path.isabs(normalized) or normalized == "." or normalized.split(os.sep)[0] == "..":
        raise TreeError("%s: a file of the tree must be a path inside it" % path)
    return normalized


def _read(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def _existing(dest):
    """Every file under dest, as paths relative to it."""
    found = []
    for root, _dirs, names in os.walk(dest):
        found.extend(os.path.relpath(os.path.join(root, name), dest) for name in names)
    return found


def plan(dest, files, header="", keep=(), prune=True, mode=0o644):
    """What writing ``files`` under ``dest`` changes: {"write": [(path, text)], "chmod": [path], "remove": [path], "diff": [...]}.

    Only reads. A file whose text and mode are already those asked for is left alone; with ``prune``,
    files under dest that are neither asked for nor in ``keep`` are to be removed.
    """
    wanted = {}
    for entry in files:
        path = _relative(entry.get("path", ""))
        if path in wanted:
            raise TreeError("%s: listed twice" % path)
        wanted[path] = render(entry, header)
    changes = dict(write=[], chmod=[], remove=[], diff=[])
    for path, text in sorted(wanted.items()):
        target = os.path.join(dest, path)
        before = _read(target)
        if before != text:
            changes["write"].append((path, text))
            changes["diff"].append(dict(before_header=target, after_header=target, before=before or "", after=text))
        elif stat.S_IMODE(os.stat(target).st_mode) != mode:
            changes["chmod"].append(path)
    if prune and os.path.isdir(dest):
        kept = set(wanted) | set(_relative(path) for path in keep)
        for path in sorted(set(_existing(dest)) - kept):
            target = os.path.join(dest, path)
            changes["remove"].append(path)
            changes["diff"].append(dict(before_header=target, after_header=target, before=_read(target) or "", after=""))
    return changes


def _write(target, text, mode, dir_mode):
    directory = os.path.dirname(target)
    os.makedirs(directory, mode=dir_mode, exist_ok=True)
    # Written beside the target and renamed over it: a reader (or a GitOps tool) never sees half a file.
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".gitops-tree-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _remove_empty_dirs(dest, path):
    directory = os.path.dirname(os.path.join(dest, path))
    while os.path.abspath(directory) != os.path.abspath(dest) and not os.listdir(directory):
        os.rmdir(directory)
        directory = os.path.dirname(directory)


def apply(dest, changes, mode=0o644, dir_mode=0o755):
    """Carry out a plan: write, fix modes, remove (and the directories that leaves empty)."""
    os.makedirs(dest, mode=dir_mode, exist_ok=True)
    for path, text in changes["write"]:
        _write(os.path.join(dest, path), text, mode, dir_mode)
    for path in changes["chmod"]:
        os.chmod(os.path.join(dest, path), mode)
    for path in changes["remove"]:
        os.unlink(os.path.join(dest, path))
        _remove_empty_dirs(dest, path)
