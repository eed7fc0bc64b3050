# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
name: progress
type: aggregate
short_description: Terraform's "Still creating... [1m0s elapsed]" for the collection's long waits
version_added: 0.2.0
description:
  - >-
    Modules cannot print while they run. The collection's waits (module_utils/waiting.py) write the state
    they last saw to a file in a directory this callback names in C(GAMEOPS_PROGRESS_DIR); a timer thread
    prints, at a steady interval of each wait's elapsed time, "C(<resource>: Still <state>... [1m0s elapsed])".
  - An aggregate callback, enabled beside the user's stdout callback, which it does not replace. It works
    with the C(local) and C(gameops.platform.warm_local) connections (modules run on the controller).
  - Only resource names and states are shown, never parameters or results.
requirements:
  - enable in C(callbacks_enabled) (ansible.cfg) or C(ANSIBLE_CALLBACKS_ENABLED)
options:
  interval:
    description: Seconds between two progress lines of a wait.
    type: float
    default: 30
    env:
      - name: GAMEOPS_PROGRESS_INTERVAL
    ini:
      - section: gameops_progress
        key: interval
"""

import json
import os
import shutil
import tempfile
import threading
import time

from ansible.plugins.callback import CallbackBase

PROGRESS_DIR_VARIABLE = "GAMEOPS_PROGRESS_DIR"  # as in module_utils/waiting.py


def elapsed_text(seconds):
    """Elapsed time as Terraform (Go's Duration) writes it: 30s, 1m0s, 1h2m3s."""
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return "%dh%dm%ds" % (hours, minutes, seconds)
    return "%dm%ds" % (minutes, seconds) if minutes else "%ds" % seconds


def is_running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "gameops.platform.progress"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None, clock=time.time):
        super().__init__(display=display)
        self.clock = clock
        self.directory = None
        self.next_line = {}  # progress file -> elapsed seconds at which its next line is due
        self._stop = threading.Event()
        self._thread = None

    def interval(self):
        return float(self.get_option("interval"))

    def start(self, directory=None):
        """Names the progress directory for the modules of this run (inherited by every worker) and starts the timer."""
        self.directory = directory or tempfile.mkdtemp(prefix="gameops-progress-")
        os.environ[PROGRESS_DIR_VARIABLE] = self.directory
        self._thread = threading.Thread(target=self._run, name="gameops-progress", daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        if os.environ.get(PROGRESS_DIR_VARIABLE) == self.directory:
            os.environ.pop(PROGRESS_DIR_VARIABLE)
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)

    def _run(self):
        while not self._stop.wait(min(1.0, self.interval())):
            self.tick()

    def waits(self):
        """The waits in progress: (file, record), leaving out those of a module that died mid-wait."""
        found = []
        for name in sorted(os.listdir(self.directory)) if self.directory and os.path.isdir(self.directory) else []:
            path = os.path.join(self.directory, name)
            if not name.endswith(".json"):
                continue
            try:
                with open(path, encoding="utf-8") as handle:
                    record = json.load(handle)
            except (OSError, ValueError):
                continue
            if is_running(int(record.get("pid", 0))):
                found.append((path, record))
        return found

    def tick(self):
        """Prints a line for each wait whose next interval of elapsed time has passed."""
        interval, now, current = self.interval(), self.clock(), self.waits()
        for path, record in current:
            elapsed = now - float(record["started"])
            due = self.next_line.get(path, interval)
            if elapsed < due:
                continue
            self._display.display("%s: Still %s... [%s elapsed]" % (record["resource"], record.get("state", "waiting"), elapsed_text(elapsed)))
            while due <= elapsed:
                due += interval
            self.next_line[path] = due
        for path in set(self.next_line) - set(path for path, _record in current):
            del self.next_line[path]

    def v2_playbook_on_start(self, playbook):
        if self._thread is None:
            self.start()

    def v2_playbook_on_stats(self, stats):
        self.stop()
