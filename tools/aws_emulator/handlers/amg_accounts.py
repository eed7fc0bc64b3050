"""Amazon Managed Grafana's workspace service accounts and their tokens, a mixin of GrafanaWorkspaces (amg.py).

They live in the workspace's Grafana, so they need an ACTIVE workspace (else ConflictException) and
go with it. A token's key is shown once, by CreateWorkspaceServiceAccountToken, and is registered with
aws_emulator.grafana_tokens.TOKENS until it expires; deleting the token, or its service account,
takes it out again.

Service accounts need Grafana 9 or later (ValidationException on 8.4 workspaces, as the API reference
says). Tokens count against a quota per workspace that includes expired tokens, until they are deleted
("This includes active and expired tokens. You must delete tokens to remove them from your quota",
AMG user guide, "Use service accounts to authenticate with the Grafana HTTP APIs"): beyond it,
CreateWorkspaceServiceAccountToken fails with ServiceQuotaExceededException (botocore lists it). AWS
does not publish the number; TOKEN_QUOTA models it.
"""

# The operation methods take the API's input members, camelCase, as keyword arguments.
# pylint: disable=invalid-name

import secrets
import string
import zlib

from aws_emulator.grafana_tokens import TOKENS
from aws_emulator.handlers.amg_model import conflict, has_service_accounts, not_found, paged, validation
from aws_emulator.handlers.base import ServiceError
from aws_emulator.handlers.eks import view

KEY_ALPHABET = string.ascii_letters + string.digits
TOKEN_QUOTA = 100  # tokens per workspace, expired ones included


def quota_exceeded(message):
    return ServiceError("ServiceQuotaExceededException", message, 402)


def new_key():
    """A Grafana service account token: glsa_, 32 random characters, _, and a CRC32 of them in hex."""
    secret = "".join(secrets.choice(KEY_ALPHABET) for position in range(32))
    return f"glsa_{secret}_{zlib.crc32(secret.encode()):08x}"


class ServiceAccounts:
    """Service account operations over the workspace records of GrafanaWorkspaces (record["_accounts"])."""

    token_quota = TOKEN_QUOTA

    def _with_accounts(self, workspace_id):
        """The ACTIVE workspace, if its Grafana has service accounts (9 and later)."""
        record = self._active(workspace_id)  # pylint: disable=no-member  # GrafanaWorkspaces'
        if not has_service_accounts(record["grafanaVersion"]):
            raise validation(f"Workspace {workspace_id} runs Grafana {record['grafanaVersion']}: service accounts are only available "
                             "for workspaces that are compatible with Grafana version 9 and above.")
        return record

    def _service_account(self, record, service_account_id):
        account = record["_accounts"].get(service_account_id)
        if account is None:
            raise not_found(f"Service account {service_account_id} not found in workspace {record['id']}.")
        return account

    def _next_id(self, record):
        record["_next_id"] += 1
        return str(record["_next_id"] - 1)

    def create_workspace_service_account(self, workspaceId, name, grafanaRole):
        record = self._with_accounts(workspaceId)
        if any(account["name"] == name for account in record["_accounts"].values()):
            raise conflict(f"A service account named {name} already exists in workspace {workspaceId}.")
        account = {"id": self._next_id(record), "name": name, "grafanaRole": grafanaRole, "isDisabled": "false", "_tokens": {}}
        record["_accounts"][account["id"]] = account
        return {"id": account["id"], "name": name, "grafanaRole": grafanaRole, "workspaceId": workspaceId}

    def list_workspace_service_accounts(self, workspaceId, maxResults=None, nextToken=None):
        record = self._with_accounts(workspaceId)
        accounts = [view(account) for account in sorted(record["_accounts"].values(), key=lambda account: int(account["id"]))]
        return paged("serviceAccounts", accounts, maxResults, nextToken, workspaceId=workspaceId)

    def delete_workspace_service_account(self, workspaceId, serviceAccountId):
        record = self._with_accounts(workspaceId)
        account = self._service_account(record, serviceAccountId)
        for token in account["_tokens"].values():
            TOKENS.remove(workspaceId, token["_key"])
        del record["_accounts"][serviceAccountId]
        return {"serviceAccountId": serviceAccountId, "workspaceId": workspaceId}

    def create_workspace_service_account_token(self, workspaceId, serviceAccountId, name, secondsToLive):
        record = self._with_accounts(workspaceId)
        account = self._service_account(record, serviceAccountId)
        if any(token["name"] == name for token in account["_tokens"].values()):
            raise conflict(f"Service account {serviceAccountId} already has a token named {name}.")
        held = sum(len(other["_tokens"]) for other in record["_accounts"].values())
        if held >= self.token_quota:
            raise quota_exceeded(f"Workspace {workspaceId} has {held} service account tokens, active and expired, which is its quota of "
                                 f"{self.token_quota}; delete tokens to make room.")
        created = self.clock()  # pylint: disable=no-member
        token = {"id": self._next_id(record), "name": name, "createdAt": created, "expiresAt": created + secondsToLive, "_key": new_key()}
        account["_tokens"][token["id"]] = token
        TOKENS.add(workspaceId, token["_key"], token["expiresAt"])
        return {"serviceAccountToken": {"id": token["id"], "name": name, "key": token["_key"]}, "serviceAccountId": serviceAccountId,
                "workspaceId": workspaceId}

    def list_workspace_service_account_tokens(self, workspaceId, serviceAccountId, maxResults=None, nextToken=None):
        record = self._with_accounts(workspaceId)
        account = self._service_account(record, serviceAccountId)
        tokens = [view(token) for token in sorted(account["_tokens"].values(), key=lambda token: int(token["id"]))]  # view drops _key
        return paged("serviceAccountTokens", tokens, maxResults, nextToken, serviceAccountId=serviceAccountId, workspaceId=workspaceId)

    def delete_workspace_service_account_token(self, workspaceId, serviceAccountId, tokenId):
        record = self._with_accounts(workspaceId)
        account = self._service_account(record, serviceAccountId)
        token = account["_tokens"].pop(tokenId, None)
        if token is None:
            raise not_found(f"Token {tokenId} not found for service account {serviceAccountId}.")
        TOKENS.remove(workspaceId, token["_key"])
        return {"tokenId": tokenId, "serviceAccountId": serviceAccountId, "workspaceId": workspaceId}
