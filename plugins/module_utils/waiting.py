# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Polling with a deadline, for AWS resources whose service has no botocore waiter for the state we need."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time


# Seconds before the second poll; later intervals double up to the caller's delay.
FIRST_INTERVAL = 1


# The progress callback (gameops.platform.progress) names a directory here; each wait keeps its latest state
# in a file of its own there, since a module cannot print while it runs.
PROGRESS_DIR_VARIABLE = "GAMEOPS_PROGRESS_DIR"


def state_of(result):
    """The state a describe result shows (status, Status or AMP's status.statusCode); None when gone."""
    if result is None:
        return "gone"
    if not isinstance(result, dict):
        return "waiting"
    status = result.get("status", result.get("Status"))
    if isinstance(status, dict):
        status = status.get("statusCode")
    return str(status).lower() if status else "waiting"


class Progress:
    """The latest state of one wait, in the progress directory (nothing when there is none)."""

    def __init__(self, what):
        directory = os.environ.get(PROGRESS_DIR_VARIABLE)
        self.path = os.path.join(directory, "%d-%d.json" % (os.getpid(), id(self))) if directory and os.path.isdir(directory) else None
        self.record = dict(resource=what, pid=os.getpid(), started=time.time())

    def update(self, state):
        if not self.path:
            return
        self.record["state"] = state
        try:
            with open(self.path + ".tmp", "w", encoding="utf-8") as handle:
                json.dump(self.record, handle)
            os.replace(self.path + ".tmp", self.path)  # the callback never reads half a file
        except OSError:
            self.path = None  # progress is a courtesy; a wait never fails for it

    def end(self):
        if self.path and os.path.exists(self.path):
            os.remove(self.path)


class WaitTimeout(Exception):
    """The resource did not reach the wanted state in time; ``last`` is what was seen last."""

    def __init__(self, message, last):
        super().__init__(message)
        self.last = last


def wait_until(describe, done, timeout, delay=10, failed=None, what="resource"):
    """Call ``describe()`` until ``done(result)`` holds, for at most ``timeout`` seconds.

    The first polls come quickly and the interval doubles up to ``delay`` seconds: what settles in
    seconds is seen in seconds, and a ten-minute creation still costs only a poll every ``delay``.
    ``failed(result)``, when given, returns a message for states that will never become done
    (CREATE_FAILED, DEGRADED...), which ends the wait at once with that message. ``describe``
    returning None means the resource is gone, which ``done`` may accept (deletion waits).
    Returns the last result.
    """
    progress = Progress(what)
    try:
        return _poll(describe, done, timeout, delay, failed, what, progress)
    finally:
        progress.end()


def _poll(describe, done, timeout, delay, failed, what, progress):
    deadline = time.monotonic() + timeout
    interval = min(FIRST_INTERVAL, delay)
    while True:
        result = describe()
        progress.update(state_of(result))
        if done(result):
            return result
        message = failed(result) if failed and result is not None else None
        if message:
            raise WaitTimeout("%s failed: %s" % (what, message), result)
        if time.monotonic() + interval > deadline:
            raise WaitTimeout("timed out after %ds waiting for %s" % (timeout, what), result)
        time.sleep(interval)
        interval = min(interval * 2, delay)
