"""The shipped deployer policy covers a real run: every IAM action a converge and a teardown of
inventories/local make, layer by layer, is allowed by that layer's policies/deployer/<layer>.json.

One site.yml and one teardown.yml on an emulator of their own (tools/deployer_policy/run.py, the run
`make deployer-policy` makes). When it fails, a role calls an action its layer's document lacks:
regenerate the documents with `make deployer-policy` and review the diff.
"""

import glob
import json
import os

import pytest

from conftest import ROOT

from deployer_policy import documents
from deployer_policy.__main__ import used_actions
from deployer_policy.run import converge_and_teardown


def shipped():
    found = {}
    for path in glob.glob(os.path.join(ROOT, "policies", "deployer", "*.json")):
        with open(path, encoding="utf-8") as handle:
            found[os.path.basename(path)[:-5]] = json.load(handle)
    return found


@pytest.mark.slow
def test_a_converge_and_teardown_need_only_what_the_documents_allow(tmp_path):
    log, marks = converge_and_teardown(str(tmp_path))
    used = used_actions(log, marks)
    assert {"network", "eks", "cache", "metrics", "grafana", "log_storage", "registry", "workload_roles", "platform"} <= set(used)
    teardown_start = min(mark["time"] for mark in marks if mark["playbook"] == "teardown.yml")
    assert any(entry["operation"] == "DeleteVpc" for entry in log if entry["time"] > teardown_start)
    assert documents.missing(used, shipped()) == []
