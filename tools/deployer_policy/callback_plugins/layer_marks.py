# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Marks where each task starts, with its layer, for tools/deployer_policy; not part of the collection."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = """
name: layer_marks
type: aggregate
short_description: writes a line per task start with the layer it belongs to, for tools/deployer_policy
description:
  - Appends one JSON line per task start (time, playbook, layer, task) to the file named by
    DEPLOYER_POLICY_MARKS. The layer is the task's tag that names a layer of meta/layers.yml (the site and
    teardown playbooks tag each layer's tasks with its name); null for the playbooks' own tasks.
requirements:
  - enable in ANSIBLE_CALLBACKS_ENABLED and put this directory in ANSIBLE_CALLBACK_PLUGINS
"""

import json
import os
import time

import yaml
from ansible.plugins.callback import CallbackBase

LAYERS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "meta", "layers.yml")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "layer_marks"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        with open(LAYERS_FILE, encoding="utf-8") as handle:
            self.layers = set(yaml.safe_load(handle)["layers"])
        self.playbook = None

    def v2_playbook_on_start(self, playbook):
        self.playbook = os.path.basename(playbook._file_name)  # pylint: disable=protected-access

    def v2_playbook_on_task_start(self, task, is_conditional):
        # One host and the linear strategy: a task's AWS calls all come before the next task starts.
        layers = sorted(self.layers.intersection(task.tags))
        mark = {"time": round(time.time(), 6), "playbook": self.playbook,
                "layer": layers[0] if layers else None, "task": task.get_name()}
        with open(os.environ["DEPLOYER_POLICY_MARKS"], "a", encoding="utf-8") as stream:
            stream.write(json.dumps(mark) + "\n")
