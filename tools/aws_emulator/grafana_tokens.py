"""What two parts of the emulator share of Amazon Managed Grafana workspaces: tokens and versions.

The AMG control-plane handler mints and deletes service account tokens (CreateWorkspaceServiceAccountToken,
DeleteWorkspaceServiceAccountToken, DeleteWorkspace); the Grafana HTTP API behind each workspace's
endpoint accepts them as bearer tokens until they expire, as Grafana does.

The handler also records the Grafana version each workspace runs (CreateWorkspace, and
UpdateWorkspaceConfiguration's upgrades), so that the Grafana HTTP API answers the way that version
of Grafana does (aws_emulator.grafana_api).
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


class VersionStore:
    """The AMG Grafana version (such as "10.4") each workspace runs: {workspace id: version}."""

    def __init__(self):
        self.lock = threading.Lock()
        self.versions = {}

    def set(self, workspace_id, version):
        with self.lock:
            self.versions[workspace_id] = version

    def get(self, workspace_id, default=None):
        with self.lock:
            return self.versions.get(workspace_id, default)

    def remove(self, workspace_id):
        with self.lock:
            self.versions.pop(workspace_id, None)


TOKENS = TokenStore()
VERSIONS = VersionStore()
