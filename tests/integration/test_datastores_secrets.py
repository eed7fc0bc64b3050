"""The datastores layer against the emulator: each store's password is generated once in Secrets Manager, tagged,
read back (a second run changes nothing), never printed, and removed at once by the absent state."""

import json
import os
import socket
import subprocess
import sys

import boto3
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLATFORM = {
    "name": "playcode", "environment": "local", "region": "ap-northeast-2", "tags": {"Project": "playcode"},
    "network": {"cidr": "10.0.0.0/16"},
    "eks": {"version": "1.35", "node_groups": [{"name": "general"}]},
    "buckets": {"backups": {}},
    "kubernetes": {"delivery": "render", "namespaces": {"apps": "playcode"}, "observability": {"enabled": False},
                   "apps": [{"name": "playcode-app", "image": "ghcr.io/playcode/app", "tag": "1.0.0", "port": 3000, "uses": ["datastores"]}]},
    "datastores": {"tags": {"team": "data"}},
}
NAMES = ["playcode-local/datastores/mongodb", "playcode-local/datastores/redis"]


@pytest.fixture
def emulator(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "tools"))
    subprocess.run([sys.executable, "-m", "aws_emulator", "start", "--host", "127.0.0.1", "--port", str(port), "--state-dir", str(tmp_path)],
                   env=env, check=True, capture_output=True)
    yield "http://127.0.0.1:%d" % port
    subprocess.run([sys.executable, "-m", "aws_emulator", "stop", "--state-dir", str(tmp_path)], env=env, check=False)


def run(endpoint, tmp_path, state="present", platform=None, expect=0, extra_args=()):
    extra = tmp_path / "vars.json"
    aws = {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "emulator", "AWS_SECRET_ACCESS_KEY": "emulator"}
    extra.write_text(json.dumps({"platform": platform or PLATFORM, "platform_state": state, "ansible_python_interpreter": sys.executable,
                                 "platform_aws_environment": aws}), encoding="utf-8")
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".ansible", "collections"))
    result = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local",
                             os.path.join(ROOT, "tests", "datastores", "secrets.yml"), "-e", "@%s" % extra, "-v", *extra_args],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == expect, result.stdout[-4000:] + result.stderr[-2000:]
    return result.stdout


def changed(output):
    return int(output.split("PLAY RECAP")[-1].split("changed=")[1].split()[0])


def test_passwords_are_made_once_tagged_never_printed_and_removed(emulator, tmp_path):
    secrets = boto3.client("secretsmanager", endpoint_url=emulator, region_name="ap-northeast-2",
                           aws_access_key_id="emulator", aws_secret_access_key="emulator")
    # A check run on a fresh account makes nothing (and needs no ARN that is not there yet).
    checked = run(emulator, tmp_path, extra_args=("--check",))
    assert changed(checked) > 0 and not secrets.list_secrets()["SecretList"]
    first = run(emulator, tmp_path)
    values = dict((name, secrets.get_secret_value(SecretId=name)["SecretString"]) for name in NAMES)
    for name, value in values.items():
        assert len(value) == 40 and value.isalnum(), name
        assert value not in first, "%s printed" % name
        tags = dict((tag["Key"], tag["Value"]) for tag in secrets.describe_secret(SecretId=name)["Tags"])
        assert tags["gameops:platform"] == "playcode-local" and tags["gameops:layer"] == "datastores" and tags["team"] == "data"
    assert values[NAMES[0]] != values[NAMES[1]]

    second = run(emulator, tmp_path)
    assert changed(second) == 0, second[-3000:]
    assert dict((name, secrets.get_secret_value(SecretId=name)["SecretString"]) for name in NAMES) == values
    assert not any(value in second for value in values.values())

    # The section dropped from the spec: the passwords stay until platform.confirm_removal names datastores.
    dropped = json.loads(json.dumps(dict((key, value) for key, value in PLATFORM.items() if key != "datastores")))
    dropped["kubernetes"]["apps"][0]["uses"] = []
    kept = run(emulator, tmp_path, platform=dropped, expect=2)
    assert "Add datastores to platform.confirm_removal" in kept, kept[-3000:]
    assert sorted(NAMES) == sorted(entry["Name"] for entry in secrets.list_secrets()["SecretList"])
    run(emulator, tmp_path, platform=dict(dropped, confirm_removal=["datastores"]))
    assert not secrets.list_secrets()["SecretList"]

    run(emulator, tmp_path)
    run(emulator, tmp_path, "absent")
    listed = [entry["Name"] for entry in secrets.list_secrets()["SecretList"]]
    assert not set(NAMES) & set(listed), listed
