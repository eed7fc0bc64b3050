import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.gameops.platform.plugins.filter.network import FilterModule

FILTERS = FilterModule().filters()


def test_plan_subnets_and_select_a_tier():
    plan = FILTERS["plan_subnets"]("10.0.0.0/16", {"public": {"prefix": 24}, "app": {"prefix": 20}}, ["z1", "z2"])
    assert [s["cidr"] for s in FILTERS["subnets_by_tier"](plan, "app")] == ["10.0.16.0/20", "10.0.32.0/20"]
    assert FILTERS["subnets_by_tier"](plan, "db") == []


def test_plan_errors_become_filter_errors():
    with pytest.raises(AnsibleFilterError, match="outside the VPC"):
        FILTERS["plan_subnets"]("10.0.0.0/16", {"public": {"cidrs": ["192.168.0.0/24"]}}, ["z1"])
