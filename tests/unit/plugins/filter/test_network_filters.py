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


def test_subnet_requests_tag_each_subnet_with_its_name_tier_and_tier_tags():
    plan = [{"name": "p-public-z1", "tier": "public", "zone": "z1", "cidr": "10.0.0.0/24", "public": True},
            {"name": "p-db-z1", "tier": "db", "zone": "z1", "cidr": "10.0.1.0/24", "public": False}]
    public, db = FILTERS["subnet_requests"](plan, {"Project": "p", "Name": "overridden"}, {"public": {"kubernetes.io/role/elb": "1"}})
    assert public == {"cidr": "10.0.0.0/24", "az": "z1", "map_public": True,
                      "tags": {"Project": "p", "Name": "p-public-z1", "gameops:tier": "public", "kubernetes.io/role/elb": "1"}}
    assert db["map_public"] is False
    assert db["tags"] == {"Project": "p", "Name": "p-db-z1", "gameops:tier": "db"}
