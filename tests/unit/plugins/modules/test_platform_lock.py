import os
import subprocess
import uuid

import boto3

from ansible_collections.gameops.platform.plugins.module_utils.lock_holder import process_identity, redacted_command
from ansible_collections.gameops.platform.plugins.modules import platform_lock
from conftest import run_module


def holder(user="alice", process=None):
    return dict(user=user, host="ci-7", pid=4242, playbook="playbooks/site.yml", command="ansible-playbook site.yml",
                process=process or process_identity(os.getpid()))


def platform_id():
    return "lock-%s" % uuid.uuid4().hex[:8]


def acquire(platform, check_mode=False, **extra):
    return run_module(platform_lock, dict(dict(platform=platform, holder=holder()), **extra), check_mode=check_mode)


def test_second_acquire_is_refused_naming_the_holder(aws_env):
    platform = platform_id()
    first = acquire(platform)
    assert first["changed"] is False and first["lock"]["user"] == "alice" and "process" not in first["lock"]
    second = run_module(platform_lock, dict(platform=platform, holder=holder(user="bob")))
    assert second["failed"] is True
    assert "locked by alice@ci-7 (pid 4242, playbook playbooks/site.yml, command: ansible-playbook site.yml) since" in second["msg"]
    assert "-e lock_id=%s" % first["lock"]["lock_id"] in second["msg"]
    assert second["held_by"]["lock_id"] == first["lock"]["lock_id"]


def test_check_mode_takes_the_lock_too_and_the_same_id_keeps_it(aws_env):
    platform = platform_id()
    taken = acquire(platform, check_mode=True)
    assert acquire(platform)["failed"] is True
    again = acquire(platform, lock_id=taken["lock"]["lock_id"])
    assert again.get("failed") is not True and again["lock"]["lock_id"] == taken["lock"]["lock_id"]


def test_release_needs_the_held_id(aws_env):
    platform = platform_id()
    lock_id = acquire(platform)["lock"]["lock_id"]
    wrong = run_module(platform_lock, dict(platform=platform, state="released", lock_id="not-it"))
    assert wrong["failed"] is True and "not locked by not-it but by alice@ci-7" in wrong["msg"]
    released = run_module(platform_lock, dict(platform=platform, state="released", lock_id=lock_id))
    assert released["released"] is True and released["changed"] is False
    assert run_module(platform_lock, dict(platform=platform, state="released", lock_id=lock_id))["released"] is False
    assert acquire(platform).get("failed") is not True


def test_a_lock_of_a_process_that_is_gone_is_taken_over(aws_env):
    platform = platform_id()
    sleeper = subprocess.Popen(["sleep", "60"])  # pylint: disable=consider-using-with
    stale = dict(holder(process=process_identity(sleeper.pid)), pid=sleeper.pid)
    first = run_module(platform_lock, dict(platform=platform, holder=stale))
    assert acquire(platform)["failed"] is True  # alive: never broken
    sleeper.kill()
    sleeper.wait()
    taken = acquire(platform)
    assert taken["took_over"]["lock_id"] == first["lock"]["lock_id"]
    assert "took over the lock" in str(taken.get("warnings")), taken


def test_a_holder_of_another_machine_counts_as_alive(aws_env):
    platform = platform_id()
    run_module(platform_lock, dict(platform=platform, holder=holder(process="other-boot:1:4242:99")))
    assert acquire(platform)["failed"] is True


def test_the_table_is_made_on_first_use_and_not_tagged_with_a_platform(aws_env):
    table = "locks-%s" % uuid.uuid4().hex[:8]
    acquire(platform_id(), table=table)
    client = boto3.client("dynamodb")
    description = client.describe_table(TableName=table)["Table"]
    tags = client.list_tags_of_resource(ResourceArn=description["TableArn"])["Tags"]
    assert description["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert tags == [{"Key": "gameops:managed-by", "Value": "gameops.platform.platform_lock"}]


def test_the_command_hides_extra_vars():
    command = redacted_command(["/venv/bin/ansible-playbook", "site.yml", "-e", '{"AWS_SECRET_ACCESS_KEY": "s"}',
                                "--extra-vars=token=t", "-etoken=u", "-i", "inventories/dev"])
    assert command == "ansible-playbook site.yml -e *** --extra-vars=*** -e*** -i inventories/dev"
