#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: platform_lock
short_description: Take or release the lock of a platform, so that two runs never change it at once
version_added: 0.2.0
description:
  - One item per platform in a DynamoDB table, written with a conditional put (as Terraform's S3 backend
    did before S3 conditional writes), so exactly one run holds it; a second converge, check or teardown
    is refused with the holder's user, host, pid, playbook and command, and since when.
  - The table is created on first use (on-demand billing, tagged C(gameops:managed-by)), so a fresh
    account needs nothing made by hand. It is shared by every platform in the region and stays after a
    teardown, which only releases its item (the C(gameops:platform) tag is not on it, so teardown's
    leftover check does not see it).
  - A lock whose holder ran on this machine (same boot and PID namespace) and no longer runs is taken
    over, with a warning; the takeover is conditional on the stale lock id, so two runs cannot both win.
    Any other holder counts as alive; break its lock with O(state=released) and its O(lock_id)
    (C(playbooks/unlock.yml)).
  - Run through the action plugin of the same name, which fills O(holder) with the controller's
    C(ansible-playbook) process.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  platform:
    description: The platform id (C(<name>-<environment>)) the lock is for.
    type: str
    required: true
  state:
    description:
      - V(acquired) takes the lock, or keeps it when O(lock_id) already holds it.
      - V(released) deletes it, only when O(lock_id) is the id held; releasing a lock nobody holds is a no-op.
    type: str
    choices: [acquired, released]
    default: acquired
  lock_id:
    description:
      - The id of the lock. Required with O(state=released). With O(state=acquired), a new id is made when omitted.
    type: str
  holder:
    description:
      - Who takes the lock; the action plugin sets it. Keys C(user), C(host), C(pid), C(playbook),
        C(command) and C(process) (the process identity that proves a holder gone).
    type: dict
    default: {}
  table:
    description: The DynamoDB table holding the locks.
    type: str
    default: gameops-platform-locks
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: partial
    details:
      - A check run takes and releases the lock as a converge does, as C(terraform plan) does, because what a
        check reads is what a concurrent converge is changing. It changes nothing of the platform.
    description: Writes the lock in check mode too, on purpose.
  diff_mode:
    support: none
    description: The lock is bookkeeping of the run, not part of the platform; there is nothing to diff.
notes:
  - The result is never C(changed), so a second converge still reports C(changed=0).
  - The recorded command has the values of C(-e), C(--extra-vars) and the vault and key options replaced by C(***).
"""

EXAMPLES = r"""
- name: Take the platform's lock before the first change
  gameops.platform.platform_lock:
    platform: queue-infra-prod
  register: platform_lock

- name: Release it
  gameops.platform.platform_lock:
    platform: queue-infra-prod
    state: released
    lock_id: "{{ platform_lock.lock.lock_id }}"
"""

RETURN = r"""
lock:
  description: The lock now held (V(acquired)); empty after V(released).
  returned: always
  type: dict
  sample:
    platform: queue-infra-prod
    lock_id: 5d0c2f6e-2b8a-4f63-9f61-1f1c2b9a0e7d
    user: alice
    host: ci-runner-7
    pid: 4242
    playbook: playbooks/site.yml
    command: ansible-playbook site.yml -i inventories/prod -e ***
    since: "2026-12-03T12:00:00Z"
held_by:
  description: The lock another run holds, when this one was refused.
  returned: on refusal
  type: dict
released:
  description: Whether a lock was deleted (V(released)).
  returned: when O(state=released)
  type: bool
took_over:
  description: The stale lock taken over, when its holder was proved gone.
  returned: when a stale lock was taken over
  type: dict
"""

import datetime
import uuid

try:
    import botocore
except ImportError:
    pass  # Reported by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.gameops.platform.plugins.module_utils.lock_holder import is_gone

FIELDS = ("platform", "lock_id", "user", "host", "pid", "playbook", "command", "since", "process")
TABLE_TAGS = {"gameops:managed-by": "gameops.platform.platform_lock"}
# Throttling is retried; a failed condition is an answer, never retried.
RETRY = AWSRetry.jittered_backoff(catch_extra_error_codes=["ThrottlingException"])


def to_item(lock):
    return dict((key, {"N": str(lock[key])} if key == "pid" else {"S": str(lock[key])}) for key in FIELDS if lock.get(key) not in (None, ""))


def from_item(item):
    if not item:
        return {}
    lock = dict((key, list(value.values())[0]) for key, value in item.items())
    if "pid" in lock:
        lock["pid"] = int(lock["pid"])
    return lock


def public(lock):
    """What results and messages show: the process identity stays internal."""
    return dict((key, value) for key, value in lock.items() if key != "process")


def describe_holder(lock):
    return "%s@%s (pid %s, playbook %s, command: %s) since %s, lock id %s" % (
        lock.get("user", "?"), lock.get("host", "?"), lock.get("pid", "?"), lock.get("playbook", "?"),
        lock.get("command", "?"), lock.get("since", "?"), lock.get("lock_id", "?"))


def ensure_table(client, table):
    """The lock table, created on first use; DescribeTable first, so later runs never need CreateTable."""
    try:
        status = client.describe_table(aws_retry=True, TableName=table)["Table"]["TableStatus"]
    except is_boto3_error_code("ResourceNotFoundException"):
        try:
            client.create_table(
                aws_retry=True, TableName=table, BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": "platform", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "platform", "KeyType": "HASH"}],
                Tags=ansible_dict_to_boto3_tag_list(TABLE_TAGS))
        except is_boto3_error_code("ResourceInUseException"):
            pass  # another run created it first
        status = "CREATING"
    if status != "ACTIVE":
        client.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 2, "MaxAttempts": 60})


def read_lock(client, table, platform):
    response = client.get_item(aws_retry=True, TableName=table, Key={"platform": {"S": platform}}, ConsistentRead=True)
    return from_item(response.get("Item"))


def conditional_put(client, table, lock, condition, values):
    """Puts the lock when the condition holds; returns None, or the item that failed it (None if gone)."""
    try:
        client.put_item(aws_retry=True, TableName=table, Item=to_item(lock), ConditionExpression=condition,
                        ExpressionAttributeValues=values, ReturnValuesOnConditionCheckFailure="ALL_OLD")
        return None
    except is_boto3_error_code("ConditionalCheckFailedException") as error:
        return from_item(error.response.get("Item")) or read_lock(client, table, lock["platform"])


def ensure_acquired(module, client):
    params = module.params
    lock = dict(params["holder"], platform=params["platform"], lock_id=params["lock_id"] or str(uuid.uuid4()),
                since=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    ensure_table(client, params["table"])
    held = conditional_put(client, params["table"], lock, "attribute_not_exists(platform) OR lock_id = :mine",
                           {":mine": {"S": lock["lock_id"]}})
    if held is None:
        return dict(lock=public(lock))
    if held and is_gone(held.get("process")):
        # Only the stale id may be replaced: of two runs taking over at once, one wins.
        if conditional_put(client, params["table"], lock, "lock_id = :stale", {":stale": {"S": held["lock_id"]}}) is None:
            module.warn("took over the lock left by a run that is gone: %s" % describe_holder(held))
            return dict(lock=public(lock), took_over=public(held))
        held = read_lock(client, params["table"], params["platform"])
    module.fail_json(
        msg="platform %s is locked by %s. If that run is gone, break the lock with: "
            "ansible-playbook gameops.platform.unlock -i <inventory> -e lock_id=%s"
            % (params["platform"], describe_holder(held), held.get("lock_id", "?")),
        held_by=public(held), lock={})


def ensure_released(module, client):
    params = module.params
    try:
        client.delete_item(aws_retry=True, TableName=params["table"], Key={"platform": {"S": params["platform"]}},
                           ConditionExpression="lock_id = :mine", ExpressionAttributeValues={":mine": {"S": params["lock_id"]}})
    except is_boto3_error_code("ResourceNotFoundException"):
        return dict(lock={}, released=False)  # no table: nothing was ever held
    except is_boto3_error_code("ConditionalCheckFailedException"):
        held = read_lock(client, params["table"], params["platform"])
        if not held:
            return dict(lock={}, released=False)
        module.fail_json(msg="platform %s is not locked by %s but by %s; nothing was released"
                         % (params["platform"], params["lock_id"], describe_holder(held)), held_by=public(held), lock={})
    return dict(lock={}, released=True)


def main():
    argument_spec = dict(
        platform=dict(type="str", required=True),
        state=dict(type="str", default="acquired", choices=["acquired", "released"]),
        lock_id=dict(type="str"),
        holder=dict(type="dict", default={}),
        table=dict(type="str", default="gameops-platform-locks"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, required_if=[["state", "released", ["lock_id"]]], supports_check_mode=True)
    client = module.client("dynamodb", retry_decorator=RETRY)
    try:
        result = ensure_acquired(module, client) if module.params["state"] == "acquired" else ensure_released(module, client)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, botocore.exceptions.WaiterError) as error:
        module.fail_json_aws(error, msg="Failed to manage the lock of platform %s" % module.params["platform"])
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
