"""Every shipped inventory's platform spec passes preflight."""

import os

import pytest
import yaml

from ansible_collections.gameops.platform.plugins.plugin_utils.preflight import validate
from conftest import ROOT


@pytest.mark.parametrize("environment", ["local", "dev", "prod"])
def test_inventory_spec_passes_preflight(environment):
    with open(os.path.join(ROOT, "inventories", environment, "group_vars", "all", "platform.yml"), encoding="utf-8") as stream:
        platform = validate(yaml.safe_load(stream)["platform"])
    assert platform["id"] == "queue-infra-" + environment
    assert platform["eks"]["node_groups"] and platform["network"]["subnets"]
