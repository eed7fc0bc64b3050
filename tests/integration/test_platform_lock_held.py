"""The platform lock end to end, cheaply: a lock taken with the module stands for a converge in progress.

site.yml and teardown.yml are refused before any change, naming the holder; unlock.yml breaks the lock only
with the id that is held, after which the lock can be taken again.
"""

import os

import boto3
import pytest

from ansible_collections.gameops.platform.plugins.module_utils.lock_holder import process_identity
from ansible_collections.gameops.platform.plugins.modules import platform_lock
from conftest import ROOT, free_port, run_module

from aws_emulator import __main__ as emulator_cli
from aws_emulator import requestlog
from test_site import playbook

PLATFORM_ID = "queue-infra-local"


@pytest.fixture
def running_emulator(tmp_path, monkeypatch):
    port = free_port()
    emulator_cli.start("127.0.0.1", port, str(tmp_path))
    url = "http://127.0.0.1:%d" % port
    for key, value in {"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "emulator", "AWS_SECRET_ACCESS_KEY": "emulator",
                       "AWS_DEFAULT_REGION": "ap-northeast-2"}.items():
        monkeypatch.setenv(key, value)
    settings = {"platform_emulator": {"enabled": True, "host": "127.0.0.1", "port": port, "state_dir": str(tmp_path),
                                      "tools_dir": os.path.join(ROOT, "tools")}}
    yield settings, os.path.join(str(tmp_path), "requests.jsonl")
    emulator_cli.stop(str(tmp_path))


def successful_mutations(log, mark):
    return [entry["operation"] for entry in requestlog.read(log)[mark:] if entry["mutating"] and entry["status"] == 200]


def test_a_held_lock_refuses_converge_and_teardown_until_unlocked(running_emulator):
    settings, log = running_emulator
    # This test process stands for a converge on another machine, still running.
    holder = dict(user="ci", host="runner-3", pid=os.getpid(), playbook="playbooks/site.yml",
                  command="ansible-playbook site.yml -i inventories/local", process="another-boot:1:%d:1" % os.getpid())
    held = run_module(platform_lock, dict(platform=PLATFORM_ID, holder=holder, region="ap-northeast-2"))["lock"]
    mark = len(requestlog.read(log))

    for name in ("site.yml", "teardown.yml"):
        refused = playbook(name, settings)
        assert refused.returncode != 0, refused.stdout[-2000:]
        assert "platform %s is locked by ci@runner-3 (pid %d, playbook playbooks/site.yml" % (PLATFORM_ID, os.getpid()) in refused.stdout
        assert "since %s, lock id %s" % (held["since"], held["lock_id"]) in refused.stdout
        assert "Release the platform's lock" not in refused.stdout  # the other run's lock is not touched
    assert successful_mutations(log, mark) == []

    wrong = playbook("playbooks/unlock.yml", settings, "-e", "lock_id=not-the-id")
    assert wrong.returncode != 0 and "is not locked by not-the-id but by ci@runner-3" in wrong.stdout

    broken = playbook("playbooks/unlock.yml", settings, "-e", "lock_id=" + held["lock_id"])
    assert broken.returncode == 0, broken.stdout[-2000:]
    assert "Released lock %s of %s" % (held["lock_id"], PLATFORM_ID) in broken.stdout
    item = boto3.client("dynamodb").get_item(TableName="gameops-platform-locks", Key={"platform": {"S": PLATFORM_ID}})
    assert "Item" not in item
    retaken = run_module(platform_lock, dict(platform=PLATFORM_ID, region="ap-northeast-2",
                                             holder=dict(holder, process=process_identity(os.getpid()))))
    assert retaken["lock"]["lock_id"] != held["lock_id"]
