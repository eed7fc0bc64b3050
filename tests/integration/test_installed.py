"""The collection as a user installs it: built into its tarball, installed elsewhere, its playbooks run.

A full converge and teardown of the installed collection on the emulator was run by hand (README);
here the tarball is checked for what it ships and leaves out, and its site playbook is run far enough to
prove it resolves and runs preflight from the installed tree, without the repository.
"""

import json
import os
import re
import subprocess
import sys
import tarfile

from conftest import ROOT

BIN = os.path.dirname(sys.executable)


def run(*command, cwd, env=None):
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


def test_the_installed_collection_runs_its_site_playbook(tmp_path):
    built = run(os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path), ROOT, cwd=str(tmp_path))
    assert built.returncode == 0, built.stderr
    [tarball] = [name for name in os.listdir(str(tmp_path)) if name.endswith(".tar.gz")]
    with tarfile.open(str(tmp_path / tarball)) as archive:
        names = archive.getnames()
    assert "playbooks/site.yml" in names and "playbooks/teardown.yml" in names and "meta/layers.yml" in names
    assert "roles/buckets/meta/argument_specs.yml" in names and "plugins/action/platform_spec.py" in names
    assert not [name for name in names if name.startswith(("tools/", "tests/", "inventories/local/", "molecule/"))]

    collections = tmp_path / "collections"
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith("ANSIBLE_"))
    env.update(ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_NOCOLOR="1")
    installed = run(os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--no-deps", "-p", str(collections),
                    str(tmp_path / tarball), cwd=str(tmp_path), env=env)
    assert installed.returncode == 0, installed.stderr

    inventory = tmp_path / "inventory.yml"
    platform = {"name": "demo", "environment": "dev", "region": "ap-northeast-2", "network": {"cidr": "10.0.0.0/16"},
                "eks": {"version": "1.35", "node_groups": [{"name": "general", "min_size": 5, "max_size": 2}]}, "queues": {}}
    localhost = {"ansible_connection": "gameops.platform.warm_local", "ansible_pipelining": True, "ansible_python_interpreter": sys.executable}
    inventory.write_text(json.dumps({"all": {"hosts": {"localhost": localhost}, "vars": {"platform": platform}}}), encoding="utf-8")
    result = run(os.path.join(BIN, "ansible-playbook"), "gameops.platform.site", "-i", str(inventory), cwd=str(tmp_path), env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert re.search(r"platform\.queues: unknown key; allowed here: [a-z_, ]*\beks\b", result.stdout), result.stdout
    assert "platform.eks.node_groups[0]: min_size 5 must be between 0 and max_size 2" in result.stdout, result.stdout
    assert str(collections) in run(os.path.join(BIN, "ansible-doc"), "-t", "role", "gameops.platform.buckets", cwd=str(tmp_path), env=env).stdout
