#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: amg_permissions
short_description: Give IAM Identity Center users and groups their Grafana roles in an Amazon Managed Grafana workspace
version_added: 0.1.0
description:
  - Compares the Grafana roles (Admin, Editor, Viewer) that IAM Identity Center users and groups have in an Amazon
    Managed Grafana (AMG) workspace (C(ListPermissions)) with O(admins), O(editors) and O(viewers), and adds and
    revokes the difference (C(UpdatePermissions)).
  - With O(state=present) and O(exclusive=true), assignments the options do not list are revoked, so the workspace
    has exactly the listed ones; with O(exclusive=false), others are left alone. With O(state=absent), the listed
    assignments are revoked and nothing else is touched.
  - A user or group has one role in a workspace; one listed under two roles fails the task before any call. A change
    of role revokes the old role, then adds the new one.
  - Only workspaces that sign in with C(AWS_SSO) have such permissions; the task fails on others, and on a workspace
    that does not exist, before any change.
  - C(UpdatePermissions) answers success even when some instructions fail (an id Identity Center does not know);
    the module fails then, with AMG's C(errors), and reports the instructions that were applied as a change.
  - Identity Center ids are taken as given (user and group ids of the identity store, not names).
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  workspace_id:
    description: The id of the AMG workspace (V(g-0123456789)).
    type: str
    required: true
  admins:
    description: Identity Center users and groups that get the Grafana Admin role.
    type: dict
    suboptions: &principals
      users:
        description: Identity Center user ids.
        type: list
        elements: str
        default: []
      groups:
        description: Identity Center group ids.
        type: list
        elements: str
        default: []
  editors:
    description: Identity Center users and groups that get the Grafana Editor role.
    type: dict
    suboptions: *principals
  viewers:
    description: Identity Center users and groups that get the Grafana Viewer role.
    type: dict
    suboptions: *principals
  exclusive:
    description:
      - With O(state=present), whether assignments that O(admins), O(editors) and O(viewers) do not list are revoked.
      - V(false) only adds (and changes the role of) the listed users and groups.
    type: bool
    default: true
  state:
    description: V(present) gives the listed users and groups their roles; V(absent) revokes the listed assignments.
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
    description: Reports the assignments that would be added and revoked, and makes no C(UpdatePermissions) call.
  diff_mode:
    support: full
    description: The assignments before and after, by role.
"""

EXAMPLES = r"""
- name: Exactly these Identity Center users and groups have a Grafana role in the workspace
  gameops.platform.amg_permissions:
    workspace_id: "{{ workspace.workspace_id }}"
    admins:
      groups: [906755c3a1-0a1b2c3d-1111-2222-3333-444455556666]
    editors:
      users: [906755c3a1-9f8e7d6c-aaaa-bbbb-cccc-ddddeeeeffff]
    viewers:
      groups: [906755c3a1-12345678-abcd-ef01-2345-6789abcdef01]

- name: Add one viewer, leaving every other assignment as it is
  gameops.platform.amg_permissions:
    workspace_id: "{{ workspace.workspace_id }}"
    viewers:
      users: [906755c3a1-0f0f0f0f-1234-5678-9abc-def012345678]
    exclusive: false

- name: Revoke that viewer again
  gameops.platform.amg_permissions:
    workspace_id: "{{ workspace.workspace_id }}"
    viewers:
      users: [906755c3a1-0f0f0f0f-1234-5678-9abc-def012345678]
    state: absent
"""

RETURN = r"""
permissions:
  description: The workspace's assignments after the task (in check mode, as they would be), by role and user type.
  returned: always
  type: dict
  contains:
    admins:
      description: Users and groups with the Admin role.
      type: dict
      sample: {users: [], groups: [906755c3a1-0a1b2c3d-1111-2222-3333-444455556666]}
    editors:
      description: Users and groups with the Editor role.
      type: dict
      sample: {users: [906755c3a1-9f8e7d6c-aaaa-bbbb-cccc-ddddeeeeffff], groups: []}
    viewers:
      description: Users and groups with the Viewer role.
      type: dict
      sample: {users: [], groups: []}
added:
  description: The assignments added (in check mode, that would be), each with C(role), C(type) and C(id).
  returned: always
  type: list
  elements: dict
  sample: [{role: ADMIN, type: SSO_GROUP, id: 906755c3a1-0a1b2c3d-1111-2222-3333-444455556666}]
revoked:
  description: The assignments revoked (in check mode, that would be), each with C(role), C(type) and C(id).
  returned: always
  type: list
  elements: dict
  sample: [{role: VIEWER, type: SSO_USER, id: 906755c3a1-0f0f0f0f-1234-5678-9abc-def012345678}]
workspace_id:
  description: The workspace's id.
  returned: always
  type: str
  sample: g-0123456789
"""

try:
    import botocore
except ImportError:
    pass  # Reported by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.gameops.platform.plugins.module_utils import amg


def change_list(changes):
    return [dict(role=role, type=kind, id=ident) for role, kind, ident in changes]


def require_identity_center(module, client, workspace_id):
    """Fails the module, before any change, unless the workspace exists and signs in with AWS_SSO."""
    workspace = amg.describe_workspace(client, workspace_id)
    if workspace is None:
        module.fail_json(msg="The AMG workspace %s does not exist" % workspace_id)
    providers = (workspace.get("authentication") or {}).get("providers") or []
    if "AWS_SSO" not in providers:
        module.fail_json(msg="The AMG workspace %s signs in with %s, not AWS_SSO; only IAM Identity Center users and groups"
                         " have permissions" % (workspace_id, ", ".join(providers) or "nothing"))


def send(module, client, workspace_id, action, changes, done):
    """UpdatePermissions for one action; AMG's per-instruction errors fail the module, with what was done so far."""
    for batch in amg.update_instructions(action, changes):
        answer = client.update_permissions(aws_retry=True, workspaceId=workspace_id, updateInstructionBatch=batch)
        if answer.get("errors"):
            failed = [(instruction["role"], user["type"], user["id"]) for error in answer["errors"]
                      for instruction in [error["causedBy"]] for user in instruction["users"]]
            done[action] += [change for change in changes if change not in failed]
            module.fail_json(msg="AMG refused some permission updates of workspace %s: %s"
                             % (workspace_id, "; ".join(error["message"] for error in answer["errors"])),
                             errors=[amg.to_ansible(error) for error in answer["errors"]], changed=bool(done["ADD"] or done["REVOKE"]),
                             added=change_list(done["ADD"]), revoked=change_list(done["REVOKE"]))
    done[action] += changes


def ensure_permissions(module, client, workspace_id):
    """(revokes, adds, assignments before, assignments after)."""
    params = module.params
    wanted = amg.wanted_permissions(module)
    require_identity_center(module, client, workspace_id)
    current = amg.list_permissions(client, workspace_id)
    revokes, adds = amg.permission_changes(current, wanted, params["exclusive"], params["state"])
    if not module.check_mode:
        done = dict(ADD=[], REVOKE=[])
        # Revokes first: a change of role is a revoke of the old one, then an add of the new one.
        send(module, client, workspace_id, "REVOKE", revokes, done)
        send(module, client, workspace_id, "ADD", adds, done)
    return revokes, adds, current, amg.applied(current, revokes, adds)


def main():
    principals = dict(users=dict(type="list", elements="str", default=[]), groups=dict(type="list", elements="str", default=[]))
    argument_spec = dict(
        workspace_id=dict(type="str", required=True),
        admins=dict(type="dict", options=principals),
        editors=dict(type="dict", options=principals),
        viewers=dict(type="dict", options=principals),
        exclusive=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    workspace_id = module.params["workspace_id"]
    for option, _role in amg.PERMISSION_ROLES:
        for key, _kind in amg.PRINCIPAL_TYPES:
            if any(not principal.strip() for principal in (module.params[option] or {}).get(key) or []):
                module.fail_json(msg="%s.%s: an Identity Center id cannot be empty" % (option, key))
    client = amg.grafana_client(module)

    try:
        revokes, adds, before, after = ensure_permissions(module, client, workspace_id)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage the permissions of the AMG workspace %s" % workspace_id)

    result = dict(changed=bool(revokes or adds), workspace_id=workspace_id, permissions=amg.permissions_view(after),
                  added=change_list(adds), revoked=change_list(revokes))
    if module._diff:
        result["diff"] = dict(before=amg.permissions_view(before), after=amg.permissions_view(after))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
