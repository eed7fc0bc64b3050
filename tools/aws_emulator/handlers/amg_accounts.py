"""Amazon Managed Grafana's workspace service accounts and their tokens, a mixin of GrafanaWorkspaces (amg.py).

They live in the workspace's Grafana, so they need an ACTIVE workspace (else ConflictException) and
go with it. A token's key is shown once, by CreateWorkspaceServiceAccountToken, and is registered with
aws_emulator.grafana_tokens.TOKENS until it expires; deleting the token, or its service account,
takes it out again.
"""

# The operation methods take the API's input members, camelCase, as keyword arguments.
# pylint: disable=invalid-name

import secrets
import string
import zlib

from aws_emulator.grafana_tokens import TOKENS
from aws_emulator.handlers.amg_model import conflict, not_found, paged
from aws_emulator.handlers.eks import view

KEY_ALPHABET = string.ascii_letters + string.digits


def new_key():
    """A Grafana service account token: glsa_, 32 random characters, _, and a CRC32 of them in hex."""
    secret = "".join(secrets.choice(KEY_ALPHABET) for position in range(32))
    return f"glsa_{secret}_{zlib.crc32(secret.encode()):08x}"


class ServiceAccounts:
    """Service account operations over the workspace records of GrafanaWorkspaces (record["_accounts"])."""

    def _service_account(self, record, service_account_id):
        account = record["_accounts"].get(service_account_id)
        if account is None:
            raise not_found(f"Service account {service_account_id} not found in workspace {record['id']}.")
        return account

    def _next_id(self, record):
        record["_next_id"] += 1
        return str(record["_next_id"] - 1)

    def create_workspace_service_account(self, workspaceId, name, grafanaRole):
        record = self._active(workspaceId)  # pylint: disable=no-member  # GrafanaWorkspaces'
        if any(account["name"] == name for account in record["_accounts"].values()):
            raise conflict(f"A service account named {name} already exists in workspace {workspaceId}.")
        account = {"id": self._next_id(record), "name": name, "grafanaRole": grafanaRole, "isDisabled": "false", "_tokens": {}}
        record["_accounts"][account["id"]] = account
        return {"id": account["id"], "name": name, "grafanaRole": grafanaRole, "workspaceId": workspaceId}

    def list_workspace_service_accounts(self, workspaceId, maxResults=None, nextToken=None):
        record = self._active(workspaceId)  # pylint: disable=no-member
        accounts = [view(account) for account in sorted(record["_accounts"].values(), key=lambda account: int(account["id"]))]
        return paged("serviceAccounts", accounts, maxResults, nextToken, workspaceId=workspaceId)

    def delete_workspace_service_account(self, workspaceId, serviceAccountId):
        record = self._active(workspaceId)  # pylint: disable=no-member
        account = self._service_account(record, serviceAccountId)
        for token in account["_tokens"].values():
            TOKENS.remove(workspaceId, token["_key"])
        del record["_accounts"][serviceAccountId]
        return {"serviceAccountId": serviceAccountId, "workspaceId": workspaceId}

    def create_workspace_service_account_token(self, workspaceId, serviceAccountId, name, secondsToLive):
        record = self._active(workspaceId)  # pylint: disable=no-member
        account = self._service_account(record, serviceAccountId)
        if any(token["name"] == name for token in account["_tokens"].values()):
            raise conflict(f"Service account {serviceAccountId} already has a token named {name}.")
        created = self.clock()  # pylint: disable=no-member
        token = {"id": self._next_id(record), "name": name, "createdAt": created, "expiresAt": created + secondsToLive, "_key": new_key()}
        account["_tokens"][token["id"]] = token
        TOKENS.add(workspaceId, token["_key"], token["expiresAt"])
        return {"serviceAccountToken": {"id": token["id"], "name": name, "key": token["_key"]}, "serviceAccountId": serviceAccountId,
                "workspaceId": workspaceId}

    def list_workspace_service_account_tokens(self, workspaceId, serviceAccountId, maxResults=None, nextToken=None):
        record = self._active(workspaceId)  # pylint: disable=no-member
        account = self._service_account(record, serviceAccountId)
        tokens = [view(token) for token in sorted(account["_tokens"].values(), key=lambda token: int(token["id"]))]  # view drops _key
        return paged("serviceAccountTokens", tokens, maxResults, nextToken, serviceAccountId=serviceAccountId, workspaceId=workspaceId)

    def delete_workspace_service_account_token(self, workspaceId, serviceAccountId, tokenId):
        record = self._active(workspaceId)  # pylint: disable=no-member
        account = self._service_account(record, serviceAccountId)
        token = account["_tokens"].pop(tokenId, None)
        if token is None:
            raise not_found(f"Token {tokenId} not found for service account {serviceAccountId}.")
        TOKENS.remove(workspaceId, token["_key"])
        return {"tokenId": tokenId, "serviceAccountId": serviceAccountId, "workspaceId": workspaceId}
