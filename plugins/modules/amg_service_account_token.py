#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: amg_service_account_token
short_description: Mint or delete a short-lived token of an Amazon Managed Grafana service account
version_added: 0.1.0
description:
  - With O(state=present), mints a token for a service account of an Amazon Managed Grafana (AMG)
    workspace, creating the service account first when the workspace has none of that name, and returns
    the token's key. The key is what the Grafana HTTP API of the workspace takes as a bearer token,
    until the token expires after O(seconds_to_live).
  - Before minting, the service account's expired tokens are deleted. AMG counts expired tokens against
    its quota of tokens until they are deleted ("This includes active and expired tokens", AMG user guide),
    so tokens left by runs that never got to delete them (killed before their C(always) block) would
    otherwise fill the quota and stop minting with C(ServiceQuotaExceededException).
  - AMG shows a key only when it mints it; this module returns it once, in RV(token.key). The task
    that calls it must set C(no_log=true). Every present call mints a new token, so it always reports
    a change; a token of the same name is deleted first.
  - With O(state=absent), deletes a token by O(token_id) or O(token_name), and with
    O(delete_service_account=true) the service account and every token it has.
  - Service accounts exist only on workspaces of Grafana 9 and later (AMG API reference); the task fails,
    before any change, on an older workspace.
  - AMG answers C(ConflictException) to service account calls while the workspace is being updated; those
    calls are retried for up to about two minutes.
  - Meant for short-lived tokens that a play mints, uses and deletes; keep O(seconds_to_live) short.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  workspace_id:
    description:
      - The id of the AMG workspace (V(g-0123456789)); it must run Grafana 9 or later to mint a token.
      - A workspace being created or updated is waited for until V(ACTIVE) (see O(wait_timeout)); one in any other
        state fails the task.
    type: str
    required: true
  wait_timeout:
    description:
      - With O(state=present), how many seconds to wait for a workspace being created or updated (for example by an
        C(amg_workspace) task with O(gameops.platform.amg_workspace#module:wait=false)) to become V(ACTIVE).
      - In check mode nothing is waited for.
    type: int
    default: 600
  service_account:
    description: The name of the workspace's service account.
    type: str
    default: gameops-platform
  grafana_role:
    description:
      - The Grafana role a service account created by this module gets.
      - AMG cannot change the role of a service account; one that exists with another role fails the task.
    type: str
    choices: [ADMIN, EDITOR, VIEWER]
    default: ADMIN
  token_name:
    description: The token's name; unique within the service account.
    type: str
    default: gameops-ansible
  token_id:
    description: With O(state=absent), the id of the token to delete (instead of finding it by O(token_name)).
    type: str
  seconds_to_live:
    description: How long the token is valid, in seconds; 1 to 2592000 (30 days).
    type: int
    default: 900
  delete_service_account:
    description: With O(state=absent), delete the service account too, with all its tokens.
    type: bool
    default: false
  state:
    description: V(present) mints a token; V(absent) deletes one.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description:
      - Reports what would be created or deleted and makes no call that changes anything; a present call
        returns no key.
  diff_mode:
    support: none
    description: A token is minted or deleted; there is nothing to compare.
"""

EXAMPLES = r"""
- name: Mint a token for the next few minutes of Grafana API calls
  gameops.platform.amg_service_account_token:
    workspace_id: "{{ workspace.workspace_id }}"
    service_account: gameops-platform
    grafana_role: ADMIN
    token_name: ansible-{{ ansible_date_time.epoch | default('run') }}
    seconds_to_live: 900
  register: grafana_token
  no_log: true

- name: Delete it when done
  gameops.platform.amg_service_account_token:
    workspace_id: "{{ workspace.workspace_id }}"
    token_id: "{{ grafana_token.token.id }}"
    state: absent
"""

RETURN = r"""
token:
  description:
    - The token minted (O(state=present)) or deleted (O(state=absent)); empty when there was none to delete.
    - In check mode, C(id) and C(key) are null.
  returned: always
  type: dict
  contains:
    expired_deleted:
      description:
        - With O(state=present), the ids of the service account's expired tokens deleted before minting
          (in check mode, those that would be).
      type: list
      elements: str
      sample: ["7", "9"]
    id:
      description: The token's id.
      type: str
      sample: "12"
    name:
      description: The token's name.
      type: str
      sample: gameops-ansible
    key:
      description:
        - The token's key, a bearer token for the workspace's Grafana HTTP API. B(Secret); only with
          O(state=present), and only this once.
      type: str
      sample: glsa_0123456789abcdef0123456789abcdef_01234567
    expires_at:
      description: When the token stops working, ISO 8601.
      type: str
      sample: "2025-01-01T00:15:00+00:00"
service_account:
  description: The service account, as C(ListWorkspaceServiceAccounts) lists it, in snake case; empty when there is none.
  returned: always
  type: dict
  sample: {id: "2", name: gameops-platform, grafana_role: ADMIN, is_disabled: "false"}
workspace_id:
  description: The workspace's id.
  returned: always
  type: str
  sample: g-0123456789
"""

import datetime

try:
    import botocore
except ImportError:
    pass  # Reported by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.botocore import normalize_boto3_result
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.gameops.platform.plugins.module_utils import amg

MAX_SECONDS_TO_LIVE = 2592000


def find_token(client, workspace_id, account, params):
    """The service account's token named by token_id or token_name, or None."""
    tokens = amg.list_tokens(client, workspace_id, account["id"])
    if params["token_id"]:
        return next((token for token in tokens if token["id"] == params["token_id"]), None)
    return next((token for token in tokens if token["name"] == params["token_name"]), None)


def token_view(token, key=None):
    token = normalize_boto3_result(token)
    result = dict(id=token.get("id"), name=token.get("name"), expires_at=token.get("expiresAt"))
    if key is not None:
        result["key"] = key
    return result


def ensure_service_account(module, client, workspace_id):
    """(changed, the service account; its id is None in check mode when it would be created)."""
    params = module.params
    account = amg.find_service_account(client, workspace_id, params["service_account"])
    if account is not None:
        if account["grafanaRole"] != params["grafana_role"]:
            module.fail_json(msg="The service account %s of workspace %s has the Grafana role %s, not %s; AMG cannot change it"
                             % (params["service_account"], workspace_id, account["grafanaRole"], params["grafana_role"]))
        return False, account
    if module.check_mode:
        return True, dict(id=None, name=params["service_account"], grafanaRole=params["grafana_role"])
    account = amg.when_settled(client.create_workspace_service_account, workspaceId=workspace_id, name=params["service_account"],
                               grafanaRole=params["grafana_role"])
    account.pop("ResponseMetadata", None)
    account.pop("workspaceId", None)
    return True, account


def mint(module, client, workspace_id):
    """(the service account, the token minted with its key)."""
    params = module.params
    created, account = ensure_service_account(module, client, workspace_id)
    expires_at = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=params["seconds_to_live"])
    planned = dict(id=None, name=params["token_name"], key=None, expires_at=expires_at.isoformat())
    existing = amg.list_tokens(client, workspace_id, account["id"]) if not created and account["id"] is not None else []
    now = datetime.datetime.now(datetime.timezone.utc)
    # Expired tokens still count against AMG's token quota until deleted, and a token of the same name (left by a
    # run that never got to delete it) would be refused: both go first.
    doomed = [token for token in existing if amg.expired(token, now) or token["name"] == params["token_name"]]
    planned["expired_deleted"] = [token["id"] for token in doomed if amg.expired(token, now)]
    if module.check_mode:
        return account, planned
    for token in doomed:
        try:
            amg.when_settled(client.delete_workspace_service_account_token, workspaceId=workspace_id, serviceAccountId=account["id"],
                             tokenId=token["id"])
        except is_boto3_error_code("ResourceNotFoundException"):
            pass  # deleted meanwhile by another run
    minted = amg.when_settled(client.create_workspace_service_account_token, workspaceId=workspace_id, serviceAccountId=account["id"],
                              name=params["token_name"], secondsToLive=params["seconds_to_live"])
    token = minted["serviceAccountToken"]
    listed = next((item for item in amg.list_tokens(client, workspace_id, account["id"]) if item["id"] == token["id"]), None)
    result = token_view(listed or dict(token, expiresAt=planned["expires_at"]), key=token["key"])
    result["expired_deleted"] = planned["expired_deleted"]
    return account, result


def remove(module, client, workspace_id):
    """(changed, the service account, the token deleted)."""
    params = module.params
    account = amg.find_service_account(client, workspace_id, params["service_account"])
    if account is None:
        return False, {}, {}
    token = find_token(client, workspace_id, account, params)
    changed = token is not None or params["delete_service_account"]
    if module.check_mode or not changed:
        return changed, account, token_view(token) if token else {}
    try:
        if token is not None:
            amg.when_settled(client.delete_workspace_service_account_token, workspaceId=workspace_id, serviceAccountId=account["id"],
                             tokenId=token["id"])
        if params["delete_service_account"]:
            amg.when_settled(client.delete_workspace_service_account, workspaceId=workspace_id, serviceAccountId=account["id"])
    except is_boto3_error_code("ResourceNotFoundException"):
        pass  # deleted by someone else meanwhile: what was asked holds
    return True, account, token_view(token) if token else {}


def main():
    argument_spec = dict(
        workspace_id=dict(type="str", required=True),
        service_account=dict(type="str", default="gameops-platform"),
        grafana_role=dict(type="str", default="ADMIN", choices=["ADMIN", "EDITOR", "VIEWER"]),
        token_name=dict(type="str", default="gameops-ansible"),
        token_id=dict(type="str"),
        seconds_to_live=dict(type="int", default=900),
        wait_timeout=dict(type="int", default=600),
        delete_service_account=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    workspace_id = params["workspace_id"]
    if not 1 <= params["seconds_to_live"] <= MAX_SECONDS_TO_LIVE:
        module.fail_json(msg="seconds_to_live must be 1 to %d, not %d" % (MAX_SECONDS_TO_LIVE, params["seconds_to_live"]))
    client = amg.grafana_client(module)

    try:
        workspace = amg.describe_workspace(client, workspace_id)
        if params["state"] == "absent":
            # A workspace being deleted took its service accounts and tokens with it.
            gone = workspace is None or workspace["status"] == "DELETING"
            changed, account, token = (False, {}, {}) if gone else remove(module, client, workspace_id)
        else:
            # Being created or updated, it will be ACTIVE: waited for (in check mode, taken as it will be).
            settling = workspace is not None and workspace["status"] in amg.BUSY_STATUSES and workspace["status"] != "DELETING"
            if settling and not module.check_mode:
                workspace = amg.wait_active(module, client, workspace_id)
            elif workspace is None or workspace["status"] != "ACTIVE" and not settling:
                module.fail_json(msg="The AMG workspace %s %s; tokens are minted on an ACTIVE workspace"
                                 % (workspace_id, "does not exist" if workspace is None else "is %s" % workspace["status"]))
            if not amg.has_service_accounts(workspace.get("grafanaVersion")):
                module.fail_json(msg="The AMG workspace %s runs Grafana %s; service accounts are only available for workspaces "
                                 "compatible with Grafana version 9 and above; upgrade it (amg_workspace grafana_version)"
                                 % (workspace_id, workspace.get("grafanaVersion")))
            changed = True
            account, token = mint(module, client, workspace_id)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage a service account token of the AMG workspace %s" % workspace_id)

    module.exit_json(changed=changed, workspace_id=workspace_id, token=token, service_account=amg.to_ansible(account))


if __name__ == "__main__":
    main()
