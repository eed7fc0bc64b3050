"""Progress lines during a real wait: an AMP workspace that the emulator's latency model keeps CREATING
for a few seconds, created by ansible-playbook with the repository's ansible.cfg (which enables the
gameops.platform.progress callback), through the warm_local connection and through plain local."""

import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT, free_port

from aws_emulator import __main__ as emulator_cli
from aws_emulator import latency

PLAYBOOK = """
- name: Create a workspace and wait for it
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Create an AMP workspace
      gameops.platform.amp_workspace:
        alias: progress-{connection}
        region: ap-northeast-2
"""
PROGRESS = re.compile(r"AMP workspace ws-\S+ to become ACTIVE: Still creating\.\.\. \[(\d+)s elapsed\]")


@pytest.fixture(scope="module")
def slow_emulator(tmp_path_factory):
    state_dir = str(tmp_path_factory.mktemp("progress"))
    port = free_port()
    # One real minute (an AMP workspace's creation) lasts 4 s.
    emulator_cli.start("127.0.0.1", port, state_dir, settings={latency.SCALE_VARIABLE: "4"})
    yield "http://127.0.0.1:%d" % port, state_dir
    emulator_cli.stop(state_dir)


@pytest.mark.parametrize("connection", ["gameops.platform.warm_local", "local"])
def test_a_wait_prints_progress_at_the_interval(slow_emulator, connection):
    url, state_dir = slow_emulator
    playbook = os.path.join(state_dir, "progress-%s.yml" % connection.rsplit(".", 1)[-1])
    with open(playbook, "w", encoding="utf-8") as handle:
        handle.write(PLAYBOOK.format(connection=connection.rsplit(".", 1)[-1].replace("_", "-")))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1", GAMEOPS_PROGRESS_INTERVAL="1",
               AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID="emulator", AWS_SECRET_ACCESS_KEY="emulator")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook, "-i", "localhost,",
               "-e", "ansible_connection=%s ansible_python_interpreter=%s" % (connection, sys.executable)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    elapsed = [int(seconds) for seconds in PROGRESS.findall(result.stdout)]
    assert len(elapsed) >= 2, result.stdout
    assert elapsed == sorted(set(elapsed)), "one line per interval, in order: %s" % elapsed
    assert result.stdout.index("Still creating") < result.stdout.index("changed: [localhost]")
