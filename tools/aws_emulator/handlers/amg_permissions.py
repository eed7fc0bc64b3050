"""Amazon Managed Grafana's user and group permissions (UpdatePermissions, ListPermissions), a mixin of
GrafanaWorkspaces (amg.py).

Permissions give IAM Identity Center users and groups a Grafana role in a workspace, so they exist only on
workspaces that sign in with AWS_SSO: the emulator refuses both calls elsewhere with ValidationException.
A user or group has one role: ADD with another role replaces it; REVOKE takes it away (REVOKE of a role it
does not have changes nothing).

UpdatePermissions answers 200 even when instructions fail: each failed instruction is in ``errors`` (code,
message, causedBy) and the others are applied. Identity Center ids look like
``[0-9a-f]{10}-`` (optional) followed by a UUID (the AWS CLI reference's pattern for the id); the emulator
cannot look users up, so it answers an id of any other form with an error entry as AWS does for a user or
group it cannot find in Identity Center. The ids are kept exactly as sent.
"""

# The operation methods take the API's input members, camelCase, as keyword arguments.
# pylint: disable=invalid-name

import re

from aws_emulator.handlers.amg_model import paged, validation

IDENTITY_CENTER_ID = re.compile(r"^([0-9a-fA-F]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$")
NOT_FOUND_CODE = 404


class Permissions:
    """Permission operations over the workspace records of GrafanaWorkspaces (record["_permissions"])."""

    def _with_identity_center(self, workspace_id):
        record = self._workspace(workspace_id)  # pylint: disable=no-member  # GrafanaWorkspaces'
        if "AWS_SSO" not in record["_providers"]:
            raise validation(f"Workspace {workspace_id} does not use AWS_SSO authentication; permissions can only be "
                             "managed for IAM Identity Center users and groups.")
        return record.setdefault("_permissions", {})  # (type, id) -> role

    def update_permissions(self, workspaceId, updateInstructionBatch):
        permissions = self._with_identity_center(workspaceId)
        errors = []
        for instruction in updateInstructionBatch:
            unknown = [user for user in instruction["users"] if not IDENTITY_CENTER_ID.match(user["id"])]
            if unknown:
                names = ", ".join(f"{user['type']} {user['id']}" for user in unknown)
                errors.append({"code": NOT_FOUND_CODE, "message": f"Could not find {names} in IAM Identity Center.",
                               "causedBy": instruction})
                continue
            for user in instruction["users"]:
                key = (user["type"], user["id"])
                if instruction["action"] == "ADD":
                    permissions[key] = instruction["role"]
                elif permissions.get(key) == instruction["role"]:
                    del permissions[key]
        return {"errors": errors}

    def list_permissions(self, workspaceId, maxResults=None, nextToken=None, userType=None, userId=None, groupId=None):
        permissions = self._with_identity_center(workspaceId)
        entries = [{"user": {"type": kind, "id": ident}, "role": role} for (kind, ident), role in sorted(permissions.items())
                   if (userType is None or kind == userType) and (userId is None or (kind, ident) == ("SSO_USER", userId))
                   and (groupId is None or (kind, ident) == ("SSO_GROUP", groupId))]
        return paged("permissions", entries, maxResults, nextToken)
