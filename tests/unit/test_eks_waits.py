"""The eks role's node group wait: long enough for a rolling version update of the group's largest size.

A version update replaces about one node every five minutes at maxUnavailable 1 (fidelity review #22:
20 nodes take over an hour), so the wait is at least 360 s per node of max_size, and never below
eks_wait_timeout.
"""

import os

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def wait_timeout_expression():
    with open(os.path.join(ROOT, "roles", "eks", "tasks", "compute.yml"), encoding="utf-8") as handle:
        tasks = yaml.safe_load(handle)
    [task] = [task for task in tasks if task["name"] == "Wait for the node groups"]
    return task["gameops.platform.eks_nodegroup"]["wait_timeout"]


@pytest.mark.parametrize("max_size, configured, expected", [(2, 1800, 1800), (20, 1800, 7200), (10, 7200, 7200), (6, 60, 2160)])
def test_node_group_wait_covers_a_rolling_update(max_size, configured, expected):
    templar = Templar(loader=DataLoader(), variables={"eks_wait_timeout": configured, "item": {"max_size": max_size}})
    assert int(templar.template(trust_as_template(wait_timeout_expression()))) == expected


def wait_condition():
    with open(os.path.join(ROOT, "roles", "eks", "tasks", "compute.yml"), encoding="utf-8") as handle:
        tasks = yaml.safe_load(handle)
    [task] = [task for task in tasks if task["name"] == "Wait for the node groups"]
    return task["when"]


@pytest.mark.parametrize("started, waits", [
    ({"changed": False, "nodegroup": {"status": "ACTIVE"}}, False),  # a no-op converge: nothing to wait for
    ({"changed": True, "nodegroup": {"status": "ACTIVE"}}, True),  # an update was just sent
    ({"changed": False, "nodegroup": {"status": "UPDATING"}}, True),  # another run's update is still rolling
    ({"changed": True, "nodegroup": {}}, True),  # check mode on a fresh account: nothing to read
])
def test_node_groups_are_waited_for_unless_found_active_and_unchanged(started, waits):
    variables = {"eks_nodegroups_started": {"results": [{"changed": False, "nodegroup": {"status": "ACTIVE"}}, started]},
                 "eks_nodegroup_index": 1}
    templar = Templar(loader=DataLoader(), variables=variables)
    expression = "{{ %s }}" % wait_condition().strip()
    assert templar.template(trust_as_template(expression)) is waits
