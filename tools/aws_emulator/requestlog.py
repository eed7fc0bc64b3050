"""The emulator's request log: one JSON object per line with time, service, operation, status.

A request whose User-Agent names an SDK app id (botocore's ``app/<id>``, set by AWS_SDK_UA_APP_ID) also
records it as ``caller``: the site and teardown playbooks set one per layer, so the log tells which layer
made each call (tools/deployer_policy builds the deployer policy from it).
"""

import json
import re
import threading
import time

APP_ID = re.compile(r"(?:^|\s)app/(\S+)")


def caller(user_agent):
    """The SDK app id a User-Agent carries, or None."""
    match = APP_ID.search(user_agent or "")
    return match.group(1) if match else None


class RequestLog:
    """Appends one line per request; safe to share between the server's threads."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    def write(self, service, operation, status, mutating, user_agent=None):  # pylint: disable=too-many-arguments
        entry = {
            "time": round(time.time(), 6),
            "service": service,
            "operation": operation,
            "status": status,
            "mutating": mutating,
        }
        app_id = caller(user_agent)
        if app_id:
            entry["caller"] = app_id
        with self.lock, open(self.path, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(entry) + "\n")


def read(path):
    """All entries of a request log, oldest first; [] when there is none yet."""
    try:
        with open(path, encoding="utf-8") as stream:
            return [json.loads(line) for line in stream if line.strip()]
    except FileNotFoundError:
        return []
