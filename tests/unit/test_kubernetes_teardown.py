"""The Kubernetes layer's teardown removes the rendered tree it wrote, and nothing beside it."""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import COLLECTIONS_PATH, ROOT

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  vars_files: ["{spec}"]
  vars:
    platform_state: absent
  tasks:
    - name: Preflight, as teardown runs it
      gameops.platform.platform_spec:
        spec: "{{{{ platform }}}}"
      register: preflight
    - name: The Kubernetes layer's teardown
      ansible.builtin.include_role:
        name: gameops.platform.kubernetes
        tasks_from: absent
      vars:
        kubernetes_render_dir: "{render_dir}"
"""
# What the layer renders: a part per component and the root kustomization.
TREE = ["kustomization.yaml", "apps/base/kustomization.yaml", "addons/kustomization.yaml", "observability/loki.yaml"]


def teardown(tmp_path, render_dir):
    # The dev inventory's spec renders its tree (delivery: render).
    playbook = tmp_path / "teardown.yml"
    playbook.write_text(PLAYBOOK.format(spec=os.path.join(ROOT, "inventories", "dev", "group_vars", "all", "platform.yml"),
                                        render_dir=render_dir), encoding="utf-8")
    ansible_playbook = shutil.which("ansible-playbook") or os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_PATH)
    result = subprocess.run([ansible_playbook, "-i", "localhost,", "-c", "local", "-e", "ansible_python_interpreter=" + sys.executable,
                             str(playbook)], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def rendered(tmp_path):
    render_dir = tmp_path / "gitops" / "queue-infra-dev"
    for name in TREE:
        (render_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (render_dir / name).write_text("---\n", encoding="utf-8")
    return render_dir


def test_teardown_removes_the_rendered_tree(tmp_path, rendered):
    teardown(tmp_path, rendered)
    assert not rendered.exists()
    assert (tmp_path / "gitops").is_dir()


def test_teardown_keeps_what_it_did_not_write(tmp_path, rendered):
    (rendered / "README.md").write_text("the team's notes\n", encoding="utf-8")
    teardown(tmp_path, rendered)
    assert sorted(os.listdir(rendered)) == ["README.md"]
