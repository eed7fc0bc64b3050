"""The emulator's request log: one JSON object per line with time, service, operation, status."""

import json
import threading
import time


class RequestLog:
    """Appends one line per request; safe to share between the server's threads."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    def write(self, service, operation, status, mutating):
        entry = {
            "time": round(time.time(), 6),
            "service": service,
            "operation": operation,
            "status": status,
            "mutating": mutating,
        }
        with self.lock, open(self.path, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(entry) + "\n")


def read(path):
    """All entries of a request log, oldest first; [] when there is none yet."""
    try:
        with open(path, encoding="utf-8") as stream:
            return [json.loads(line) for line in stream if line.strip()]
    except FileNotFoundError:
        return []
