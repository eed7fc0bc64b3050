"""A converge and a teardown of an inventory on a fresh emulator of their own; returns its request log."""

import json
import os
import socket
import subprocess
import sys

from aws_emulator import requestlog

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CALLBACKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "callback_plugins")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _playbook(name, inventory, settings, marks):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_CALLBACK_PLUGINS=CALLBACKS, ANSIBLE_CALLBACKS_ENABLED="layer_marks", DEPLOYER_POLICY_MARKS=marks)
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), name, "-i", inventory,
               "-e", json.dumps(settings)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800, check=False)
    if result.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (name, result.stdout[-3000:]))


def converge_and_teardown(state_dir, inventory="inventories/local"):
    """site.yml then teardown.yml on an emulator in state_dir (started by the inventory's hook, stopped by
    its teardown hook); (the entries of its request log, the task marks of callback_plugins/layer_marks)."""
    marks = os.path.join(state_dir, "layer_marks.jsonl")
    settings = {"platform_emulator": {"enabled": True, "host": "127.0.0.1", "port": _free_port(),
                                      "state_dir": state_dir, "tools_dir": os.path.join(ROOT, "tools")}}
    try:
        _playbook("site.yml", inventory, settings, marks)
        _playbook("teardown.yml", inventory, settings, marks)
    finally:
        subprocess.run([sys.executable, "-m", "aws_emulator", "stop", "--state-dir", state_dir],
                       env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "tools")), capture_output=True, check=False)
    return requestlog.read(os.path.join(state_dir, "requests.jsonl")), requestlog.read(marks)
