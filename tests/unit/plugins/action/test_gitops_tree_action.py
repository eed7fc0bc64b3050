"""The gitops_tree action through ansible-playbook: check mode writes nothing, --diff shows each file, a second run is ok."""

import json
import os
import shutil
import subprocess
import sys

from conftest import COLLECTIONS_PATH

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
# The interpreter's own ansible-playbook; under ansible-test units, whose virtualenv has none, the one on PATH.
BIN = os.path.dirname(sys.executable if os.path.exists(os.path.join(os.path.dirname(sys.executable), "ansible-playbook"))
                      else shutil.which("ansible-playbook") or sys.executable)


def run(tmp_path, *options, files=None, connection="local"):
    task = {"name": "tree", "gameops.platform.gitops_tree": {
        "dest": str(tmp_path / "tree"), "header": "# rendered\n",
        "files": files or [{"path": "ns.yaml", "objects": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}}]},
                           {"path": "notes/README", "content": "hello\n"}]},
            "register": "tree"}
    show = {"name": "show", "ansible.builtin.debug": {"msg": "RESULT={{ tree | to_json }}"}}
    playbook = tmp_path / "play.yml"
    playbook.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": [task, show]}]))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_PATH,
               ANSIBLE_NOCOLOR="1", ANSIBLE_STDOUT_CALLBACK="default", ANSIBLE_CALLBACK_RESULT_FORMAT="json")
    process = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", str(playbook), "-e", "ansible_connection=%s" % connection,
                              "-e", "ansible_python_interpreter=%s" % sys.executable, *options],
                             cwd=str(tmp_path), env=env, capture_output=True, text=True, check=False, timeout=300)
    # The debug line is JSON ("msg": "RESULT={...}"): decode the string, then the result in it.
    results = [json.loads(json.loads(line.split('"msg": ', 1)[1].rstrip(","))[len("RESULT="):])
               for line in process.stdout.splitlines() if '"msg": "RESULT=' in line]
    return process, (results[0] if results else None)


def test_check_mode_writes_nothing_and_diff_shows_each_file(tmp_path):
    process, result = run(tmp_path, "--check", "--diff")
    assert process.returncode == 0, process.stdout[-2000:]
    assert result["changed"] is True and result["written"] == ["notes/README", "ns.yaml"]
    assert not (tmp_path / "tree").exists()
    assert "+hello" in process.stdout and "+  name: apps" in process.stdout


def test_converge_then_nothing_to_do_then_prune(tmp_path):
    process, first = run(tmp_path)
    assert process.returncode == 0 and first["changed"] is True
    assert (tmp_path / "tree" / "ns.yaml").read_text().startswith("# rendered\napiVersion: v1\n")
    process, second = run(tmp_path)
    assert (second["changed"], second["written"], second["unchanged"]) == (False, [], 2)
    process, pruned = run(tmp_path, files=[{"path": "notes/README", "content": "hello\n"}])
    assert pruned["removed"] == ["ns.yaml"] and not (tmp_path / "tree" / "ns.yaml").exists()


def test_a_remote_connection_is_refused(tmp_path):
    process, _result = run(tmp_path, connection="ssh")
    assert process.returncode != 0 and "gitops_tree writes on the controller; run it with a local connection" in process.stdout
    assert not (tmp_path / "tree").exists()


def test_a_path_outside_the_tree_fails_the_task(tmp_path):
    process, _result = run(tmp_path, files=[{"path": "../escape.yaml", "content": "x"}])
    assert process.returncode != 0 and "../escape.yaml: a file of the tree must be a path inside it" in process.stdout
    assert not (tmp_path / "escape.yaml").exists()
