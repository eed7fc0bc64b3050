# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Polling with a deadline, for AWS resources whose service has no botocore waiter for the state we need."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time


# Seconds before the second poll; later intervals double up to the caller's delay.
FIRST_INTERVAL = 1


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
    deadline = time.monotonic() + timeout
    interval = min(FIRST_INTERVAL, delay)
    while True:
        result = describe()
        if done(result):
            return result
        message = failed(result) if failed and result is not None else None
        if message:
            raise WaitTimeout("%s failed: %s" % (what, message), result)
        if time.monotonic() + interval > deadline:
            raise WaitTimeout("timed out after %ds waiting for %s" % (timeout, what), result)
        time.sleep(interval)
        interval = min(interval * 2, delay)
