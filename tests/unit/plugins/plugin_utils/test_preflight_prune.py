import copy

import pytest

from ansible_collections.gameops.platform.plugins.plugin_utils.preflight import SpecError, validate

SPEC = {"name": "queue-infra", "environment": "dev", "region": "ap-northeast-2",
        "network": {"cidr": "10.0.0.0/16", "availability_zones": 2, "nat_gateways": "single"}}


def with_core(**core):
    return dict(copy.deepcopy(SPEC), **core)


def test_prune_is_on_and_nothing_is_confirmed_by_default():
    platform = validate(SPEC)
    assert platform["prune"] is True and platform["confirm_removal"] == []


def test_additive_runs_and_confirmations_are_kept():
    platform = validate(with_core(prune=False, confirm_removal=["cache", "buckets.uploads", "registry.queue-api"]))
    assert platform["prune"] is False
    assert platform["confirm_removal"] == ["cache", "buckets.uploads", "registry.queue-api"]


@pytest.mark.parametrize("entries, expected", [
    (["cach"], "platform.confirm_removal[0]: 'cach' must be a layer"),
    (["cache", "buckets."], "platform.confirm_removal[1]: 'buckets.' must be a layer"),
    (["nothere.uploads"], "platform.confirm_removal[0]: 'nothere.uploads'"),
])
def test_a_confirmation_that_names_no_layer_is_refused_with_its_path(entries, expected):
    with pytest.raises(SpecError) as error:
        validate(with_core(confirm_removal=entries))
    assert any(message.startswith(expected) for message in error.value.errors), error.value.errors


def test_prune_must_be_a_boolean():
    with pytest.raises(SpecError) as error:
        validate(with_core(prune="sometimes"))
    assert any(message.startswith("platform.prune") for message in error.value.errors), error.value.errors


def test_absent_layers_that_find_their_leftovers_by_tag_are_planned_as_dropped():
    from ansible_collections.gameops.platform.plugins.plugin_utils.preflight import preflight  # pylint: disable=import-outside-toplevel
    dropped = preflight(SPEC)[1]["dropped"]
    assert {"registry", "buckets"} <= {step["layer"] for step in dropped}
    assert {step["tasks_from"] for step in dropped} == {"dropped"}
    present = preflight(with_core(buckets={"uploads": {}}))[1]["dropped"]
    assert "buckets" not in {step["layer"] for step in present} and "registry" in {step["layer"] for step in present}
