"""The kubeconfig the eks role writes keeps signing tokens when the virtualenv or the collection moves,
and the eks role's teardown removes it."""

import base64
import os
import shutil
import subprocess
import sys
import sysconfig

import pytest
import yaml

from conftest import COLLECTIONS_PATH, ROOT

CLUSTER, REGION = "queue-infra-test", "ap-northeast-2"
PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: gameops.platform.eks
        tasks_from: {tasks}
      vars:
        eks_platform_id: {cluster}
        eks_region: {region}
        eks_kubeconfig_path: {path}
        eks_cluster:
          cluster: {{endpoint: "https://ABCDEF.gr7.{region}.eks.amazonaws.com", certificate_authority: {{data: "{ca}"}}}}
"""
# What the kubernetes client does with a kubeconfig (kubernetes.core's modules load it the same way):
# it runs the exec plugin at once and keeps the header it makes of the token (a failed plugin is only logged).
LOAD = ("import sys; from kubernetes import client, config; c = client.Configuration(); "
        "config.load_kube_config(config_file=sys.argv[1], client_configuration=c); "
        "print(c.api_key.get('BearerToken', '')); sys.exit(not c.api_key.get('BearerToken'))")


def run_role_tasks(tmp_path, tasks, path, env=None):
    playbook = tmp_path / ("%s.yml" % tasks)
    playbook.write_text(PLAYBOOK.format(tasks=tasks, cluster=CLUSTER, region=REGION, path=path,
                                        ca=base64.b64encode(b"not a real CA").decode()), encoding="utf-8")
    ansible_playbook = shutil.which("ansible-playbook") or os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    run_env = dict(env or os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_PATH, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"))
    result = subprocess.run([ansible_playbook, "-i", "localhost,", "-c", "local", "-e", "ansible_python_interpreter=" + sys.executable,
                             str(playbook)], env=run_env, capture_output=True, text=True, check=False, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def kubeconfig(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("kubeconfig")
    path = tmp_path / "kube" / (CLUSTER + ".yaml")
    run_role_tasks(tmp_path, "kubeconfig", path)
    return path


@pytest.fixture(scope="module")
def moved(tmp_path_factory):
    """Another virtualenv (seeing this one's packages through a .pth file) and a copy of the collection."""
    tmp_path = tmp_path_factory.mktemp("moved")
    venv = tmp_path / "elsewhere" / "venv"
    subprocess.run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", str(venv)], check=True)
    site_packages = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                   check=True, capture_output=True, text=True).stdout.strip()
    with open(os.path.join(site_packages, "original.pth"), "w", encoding="utf-8") as stream:
        stream.write(sysconfig.get_paths()["purelib"] + "\n")
    collection = tmp_path / "elsewhere" / "collections" / "ansible_collections" / "gameops" / "platform"
    for part in ("plugins", "meta"):
        shutil.copytree(os.path.join(COLLECTIONS_PATH, "ansible_collections", "gameops", "platform", part), collection / part, symlinks=True)
    shutil.copy(os.path.join(ROOT, "galaxy.yml"), collection)
    (tmp_path / "home").mkdir()
    (tmp_path / "empty").mkdir()
    return tmp_path


def load_in(moved, kubeconfig, collections):
    """Load the kubeconfig as a fresh shell would: the moved virtualenv first on PATH, nothing of the repo."""
    env = {"PATH": os.pathsep.join([str(moved / "elsewhere" / "venv" / "bin"), "/usr/bin", "/bin"]), "HOME": str(moved / "home"),
           "ANSIBLE_COLLECTIONS_PATH": str(collections), "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"}
    return subprocess.run(["python3", "-c", LOAD, str(kubeconfig)], env=env, cwd=str(moved), capture_output=True, text=True, check=False)


def test_kubeconfig_names_no_path_of_this_machine(kubeconfig):
    text = kubeconfig.read_text(encoding="utf-8")
    for path in (ROOT, os.path.realpath(ROOT), sys.prefix, os.path.realpath(sys.prefix), COLLECTIONS_PATH):
        assert path not in text
    user = yaml.safe_load(text)["users"][0]["user"]["exec"]
    assert user["command"] == "python3" and user["args"][-2:] == [CLUSTER, REGION] and "env" not in user
    assert "k8s-aws-v1." not in text


def test_kubeconfig_signs_tokens_from_a_moved_virtualenv_and_collection(moved, kubeconfig):
    result = load_in(moved, kubeconfig, moved / "elsewhere" / "collections")
    assert result.returncode == 0, result.stderr
    header = result.stdout.strip()
    assert header.startswith("Bearer k8s-aws-v1.")
    url = base64.urlsafe_b64decode(header[len("Bearer k8s-aws-v1."):] + "==").decode()
    assert url.startswith("https://sts.%s.amazonaws.com/?Action=GetCallerIdentity" % REGION) and "x-k8s-aws-id" in url


def test_kubeconfig_finds_the_collection_only_where_ansible_would(moved, kubeconfig):
    """With no collection on the configured paths the exec plugin fails: nothing points at the original."""
    result = load_in(moved, kubeconfig, moved / "empty")
    assert result.returncode != 0 and "gameops" in result.stderr


def test_eks_teardown_removes_the_kubeconfig(aws_env, tmp_path):
    path = tmp_path / "kube" / (CLUSTER + ".yaml")
    run_role_tasks(tmp_path, "kubeconfig", path)
    assert path.exists()
    run_role_tasks(tmp_path, "absent", path, env=dict(os.environ))
    assert not path.exists()
