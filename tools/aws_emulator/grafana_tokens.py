"""Service account tokens of Amazon Managed Grafana workspaces, shared by two parts of the emulator.

The AMG control-plane handler mints and deletes them (CreateWorkspaceServiceAccountToken,
DeleteWorkspaceServiceAccountToken, DeleteWorkspace); the Grafana HTTP API behind each workspace's
endpoint accepts them as bearer tokens until they expire, as Grafana does.
"""

import threading
import time

VALID, EXPIRED, UNKNOWN = "valid", "expired", "unknown"


class TokenStore:
    """Bearer tokens per workspace: {workspace id: {token key: expiry as epoch seconds}}."""

    def __init__(self, clock=time.time):
        self.clock = clock
        self.lock = threading.Lock()
        self.tokens = {}

    def add(self, workspace_id, key, expires_at):
        with self.lock:
            self.tokens.setdefault(workspace_id, {})[key] = expires_at

    def remove(self, workspace_id, key):
        with self.lock:
            self.tokens.get(workspace_id, {}).pop(key, None)

    def remove_workspace(self, workspace_id):
        with self.lock:
            self.tokens.pop(workspace_id, None)

    def check(self, workspace_id, key):
        """VALID, EXPIRED or UNKNOWN for a bearer token presented to a workspace's Grafana."""
        with self.lock:
            expires_at = self.tokens.get(workspace_id, {}).get(key)
        if expires_at is None:
            return UNKNOWN
        return VALID if self.clock() < expires_at else EXPIRED


TOKENS = TokenStore()
