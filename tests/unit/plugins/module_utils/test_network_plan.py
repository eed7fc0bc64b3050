import pytest

from ansible_collections.gameops.platform.plugins.module_utils.network_plan import PlanError, plan_subnets

ZONES = ["ap-northeast-2a", "ap-northeast-2c"]


def cidrs(plan, tier):
    return [subnet["cidr"] for subnet in plan if subnet["tier"] == tier]


def test_seed_003_three_tier_layout():
    plan = plan_subnets("10.180.0.0/16", {"public": {"prefix": 24}, "app": {"prefix": 22}, "db": {"prefix": 24}}, ZONES)
    assert cidrs(plan, "public") == ["10.180.0.0/24", "10.180.1.0/24"]
    assert cidrs(plan, "app") == ["10.180.4.0/22", "10.180.8.0/22"]
    assert cidrs(plan, "db") == ["10.180.2.0/24", "10.180.3.0/24"]
    assert [subnet["zone"] for subnet in plan if subnet["tier"] == "app"] == ZONES


def test_explicit_cidrs_are_kept_and_planned_tiers_flow_around_them():
    tiers = {"public": {"cidrs": ["10.0.1.0/24", "10.0.2.0/24"]}, "app": {"prefix": 24}}
    plan = plan_subnets("10.0.0.0/16", tiers, ZONES)
    assert cidrs(plan, "public") == ["10.0.1.0/24", "10.0.2.0/24"]
    assert cidrs(plan, "app") == ["10.0.0.0/24", "10.0.3.0/24"]


@pytest.mark.parametrize(
    "vpc, tiers, message",
    [
        ("10.0.0.0/33", {"public": {"prefix": 24}}, "network.cidr: '10.0.0.0/33' is not a valid IPv4 CIDR"),
        ("10.0.0.0/16", {"public": {"cidrs": ["10.1.0.0/24", "10.0.1.0/24"]}}, "network.tiers.public.cidrs[0]: 10.1.0.0/24 is outside"),
        ("10.0.0.0/16", {"public": {"cidrs": ["10.0.0.0/24", "10.0.0.128/25"]}}, "network.tiers.public.cidrs[1]: 10.0.0.128/25 overlaps 10.0.0.0/24"),
        ("10.0.0.0/16", {"public": {"cidrs": ["10.0.0.0/24"]}}, "network.tiers.public.cidrs: 1 CIDRs given for 2 availability zones"),
        ("10.0.0.0/16", {"app": {"prefix": 12}}, "network.tiers.app.prefix: /12 does not fit"),
        ("10.0.0.0/24", {"app": {"prefix": 24}}, "network.tiers.app.prefix: no free /24 left in 10.0.0.0/24"),
    ],
)
def test_impossible_plans_name_the_field(vpc, tiers, message):
    with pytest.raises(PlanError) as error:
        plan_subnets(vpc, tiers, ZONES)
    assert message in str(error.value)
