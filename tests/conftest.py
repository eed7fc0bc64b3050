"""Shared pytest fixtures: the collection and the emulator importable, and a running emulator."""

import contextlib
import io
import json
import os
import shutil
import socket
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Where ansible-playbook finds this collection: the link `make setup` makes or, when the tree itself lies at
# .../ansible_collections/gameops/platform (ansible-test units, tests/units.sh), the directory above that.
COLLECTIONS_PATH = (os.path.dirname(os.path.dirname(os.path.dirname(ROOT)))
                    if os.path.basename(os.path.dirname(os.path.dirname(ROOT))) == "ansible_collections"
                    else os.path.join(ROOT, ".ansible", "collections"))
sys.path[:0] = [os.path.join(ROOT, ".ansible", "collections"), os.path.join(ROOT, "tools")]


def _install_collection_loader():
    """Import ansible_collections.* through Ansible's collection loader, as ansible-test's units do.

    Plugins other than modules (lookups) are only usable through Ansible's plugin loader, which needs
    collection packages imported by its own finder; it must be in place before any test imports one.
    """
    # pylint: disable=import-outside-toplevel  # must run before anything imports ansible_collections
    from ansible.utils.collection_loader import AnsibleCollectionConfig
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

    # Under `ansible-test units` (tests/units.sh) its own finder is in place already, over the tree it runs in.
    if AnsibleCollectionConfig.collection_finder is None:
        _AnsibleCollectionFinder(paths=[os.path.join(ROOT, ".ansible", "collections")])._install()


_install_collection_loader()
# Tests import their helpers with `from conftest import ...`. ansible-test loads this file as
# ansible_collections.gameops.platform.tests.conftest, so the plain name is made to mean this module too.
sys.modules.setdefault("conftest", sys.modules[__name__])

# pylint: disable=wrong-import-position
from aws_emulator import __main__ as emulator_cli  # noqa: E402
from aws_emulator import requestlog  # noqa: E402


def pytest_configure(config):
    # `make test` runs the slow ones too; `pytest -m "not slow"` leaves them out while developing.
    config.addinivalue_line("markers", "slow: full ansible-playbook runs against an emulator of their own (minutes)")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Emulator:
    """A running emulator: its URL and its request log."""

    def __init__(self, state_dir, port):
        self.state_dir = str(state_dir)
        self.port = port
        self.url = "http://127.0.0.1:%d" % port

    def requests(self):
        return requestlog.read(os.path.join(self.state_dir, "requests.jsonl"))

    def mark(self):
        """How many requests were logged so far; pass to since() to see only what came after."""
        return len(self.requests())

    def since(self, mark):
        return self.requests()[mark:]

    def mutations_since(self, mark):
        """The operations that changed something since the mark, in order."""
        return [entry["operation"] for entry in self.since(mark) if entry["mutating"]]

    def env(self):
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_ACCESS_KEY_ID": "emulator",
            "AWS_SECRET_ACCESS_KEY": "emulator",
            "AWS_DEFAULT_REGION": "ap-northeast-2",
        }


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("emulator")
    running = Emulator(state_dir, free_port())
    emulator_cli.start("127.0.0.1", running.port, running.state_dir)
    yield running
    emulator_cli.stop(running.state_dir)


@pytest.fixture
def aws_env(emulator, monkeypatch):
    """Point boto3 (and so every module) at the session's emulator."""
    for key, value in emulator.env().items():
        monkeypatch.setenv(key, value)
    return emulator


@pytest.fixture
def api_calls(monkeypatch):
    """Every AWS call made in this process from here on, as (operation, parameters)."""
    import botocore.client  # pylint: disable=import-outside-toplevel

    calls = []
    make_api_call = botocore.client.BaseClient._make_api_call

    def record(client, operation, params):
        calls.append((operation, params))
        return make_api_call(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    return calls


@pytest.fixture(scope="session")
def promtool():
    """The path of promtool (.venv/bin first, then the PATH); fails the test when there is none."""
    path = shutil.which("promtool", path=os.pathsep.join([os.path.join(ROOT, ".venv", "bin"), os.environ.get("PATH", "")]))
    if not path:
        pytest.fail("promtool is missing: run `make setup`, which unpacks it from Debian's prometheus package into .venv/bin")
    return path


def create_eks_cluster(prefix, version="1.35"):
    """A cluster in the emulator, named uniquely, for tests of what hangs off clusters."""
    import uuid  # pylint: disable=import-outside-toplevel

    import boto3  # pylint: disable=import-outside-toplevel

    name = "%s-%s" % (prefix, uuid.uuid4().hex[:8])
    boto3.client("eks").create_cluster(name=name, version=version, roleArn="arn:aws:iam::123456789012:role/eks-cluster",
                                       resourcesVpcConfig={"subnetIds": ["subnet-a", "subnet-b"]})
    return name


def run_module(module, args, check_mode=False, diff=False):
    """Run an Ansible module's main() in-process; returns its JSON result."""
    from ansible.module_utils.testing import patch_module_args  # pylint: disable=import-outside-toplevel

    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    out = io.StringIO()
    with patch_module_args(args), contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        module.main()
    return json.loads(out.getvalue())
