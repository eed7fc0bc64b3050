# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Counts module invocations and times tasks for the benchmark (tools/benchmark); not part of the collection."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = """
name: module_count
type: aggregate
short_description: counts module invocations and task time for tools/benchmark
description:
  - Writes a JSON summary to the file named by BENCHMARK_CALLBACK_OUT when the playbook ends.
requirements:
  - enable in ANSIBLE_CALLBACKS_ENABLED and put this directory in ANSIBLE_CALLBACK_PLUGINS
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase

# Actions the controller runs itself: no module is sent anywhere.
CONTROLLER_ACTIONS = frozenset(
    "ansible.builtin." + name if "." not in name else name
    for name in ("include_tasks", "import_tasks", "include_role", "import_role", "set_fact", "assert", "debug", "fail", "meta",
                 "include_vars", "add_host", "group_by", "set_stats", "pause", "validate_argument_spec", "async_status")
)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "module_count"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.invocations = 0
        self.controller = 0
        self.tasks = 0
        self.started = {}
        self.task_seconds = {}
        self.by_role = {}

    def _action(self, result):
        action = result._task.resolved_action or result._task.action  # pylint: disable=protected-access
        return action if "." in action else "ansible.builtin." + action

    def _count(self, result):
        if self._action(result) in CONTROLLER_ACTIONS:
            self.controller += 1
        else:
            self.invocations += 1
            role = result._task._role  # pylint: disable=protected-access
            name = role.get_name(include_role_fqcn=False) if role else "(playbook)"
            self.by_role[name] = self.by_role.get(name, 0) + 1

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.tasks += 1
        self.started[task._uuid] = time.monotonic()  # pylint: disable=protected-access

    def _finish(self, result, counted=True):
        task = result._task  # pylint: disable=protected-access
        if counted and "results" not in result._result:  # pylint: disable=protected-access  # loops are counted per item
            self._count(result)
        began = self.started.get(task._uuid)  # pylint: disable=protected-access
        if began is not None:
            name = "%s | %s" % (self._action(result), task.get_name())
            self.task_seconds[name] = self.task_seconds.get(name, 0) + time.monotonic() - began

    def v2_runner_on_ok(self, result):
        self._finish(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._finish(result)

    def v2_runner_on_skipped(self, result):
        self._finish(result, counted=False)

    def v2_runner_item_on_ok(self, result):
        self._count(result)

    def v2_runner_item_on_failed(self, result):
        self._count(result)

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("BENCHMARK_CALLBACK_OUT")
        if not path:
            return
        slowest = sorted(self.task_seconds.items(), key=lambda item: -item[1])[:15]
        with open(path, "w", encoding="utf-8") as stream:
            json.dump({"module_invocations": self.invocations, "controller_actions": self.controller, "tasks": self.tasks,
                       "slowest_tasks": slowest, "invocations_by_role": self.by_role}, stream, indent=1)
