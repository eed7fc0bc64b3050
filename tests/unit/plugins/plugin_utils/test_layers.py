"""The layer registry (meta/layers.yml): what it names exists, the plan orders layers, and bad specs are refused."""

import os
import re

import pytest
import yaml

from ansible_collections.gameops.platform.plugins.plugin_utils import layers
from ansible_collections.gameops.platform.plugins.plugin_utils.preflight import CORE_OPTIONS, SpecError, preflight

ROOT = layers.COLLECTION_ROOT

SPEC = {
    "name": "demo",
    "environment": "dev",
    "region": "ap-northeast-2",
    "network": {"cidr": "10.0.0.0/16"},
    "eks": {"version": "1.35", "node_groups": [{"name": "general"}]},
    "log_storage": {},
    "cache": {},
    "observability": {"metrics": {}, "grafana": {"version": "10.4"}},
    "kubernetes": {"apps": [{"name": "api", "image": "ghcr.io/acme/api", "tag": "1.0.0"}]},
}


def registry_of(entries, tmp_path):
    (tmp_path / "meta").mkdir(parents=True)
    (tmp_path / "meta" / "layers.yml").write_text(yaml.safe_dump({"layers": entries}), encoding="utf-8")
    return layers.load(str(tmp_path))


def test_every_layer_has_its_role_its_spec_and_its_check():
    for layer in layers.load().values():
        assert os.path.isdir(os.path.join(ROOT, "roles", layer.role, "tasks")), layer.name
        for entry_point in ("start", "verify"):
            if getattr(layer, entry_point):
                assert os.path.exists(os.path.join(ROOT, "roles", layer.role, "tasks", entry_point + ".yml")), (layer.name, entry_point)
        if layer.section:
            assert layer.schema(), layer.name
        if layer.check:
            assert callable(layer.checker()), layer.name


def test_plan_starts_slow_creations_before_waiting_and_tears_down_in_reverse():
    platform, plan = preflight(SPEC)
    steps = ["%s:%s" % (step["layer"], step["tasks_from"]) for step in plan["steps"]]
    assert plan["start"] == ["grafana", "eks", "cache"]
    # What only reads the account comes before anything is built, whatever it needs.
    assert plan["verify"] == ["eks"] and steps[0] == "eks:verify" and plan["steps"][0]["needs"] == []
    for layer in ("grafana", "eks", "cache"):
        assert steps.index(layer + ":start") < min(steps.index(name + ":main") for name in ("grafana", "eks", "cache")), steps
    assert steps.index("network:main") < steps.index("eks:start") and steps.index("metrics:main") < steps.index("grafana:start")
    assert steps.index("workload_roles:main") < steps.index("kubernetes:main") == len(steps) - 1
    assert [step["layer"] for step in plan["teardown"]] == list(reversed(plan["layers"]))
    assert {step["tasks_from"] for step in plan["teardown"]} == {"main"}
    assert set(plan["layers"]) == {"metrics", "grafana", "network", "eks", "cache", "log_storage", "workload_roles", "kubernetes"}
    assert platform["registry"] is None and platform["observability"]["grafana"]["version"] == "10.4"


def test_only_the_present_layers_are_planned():
    spec = {key: SPEC[key] for key in ("name", "environment", "region", "network")}
    assert preflight(spec)[1]["layers"] == ["network"]


def test_a_layer_whose_needs_are_absent_is_refused():
    spec = dict(SPEC)
    del spec["eks"]
    with pytest.raises(SpecError) as refused:
        preflight(spec)
    assert "platform.kubernetes: needs platform.eks (the eks layer), which the spec does not have" in refused.value.errors
    spec = dict(SPEC, observability={"grafana": {}})
    with pytest.raises(SpecError) as refused:
        preflight(spec)
    assert "platform.observability.grafana: needs platform.observability.metrics (the metrics layer), which the spec does not have" in refused.value.errors


def test_a_section_for_no_layer_is_refused_with_the_allowed_keys():
    with pytest.raises(SpecError) as refused:
        preflight(dict(SPEC, queues={}, observability={"metrics": {}, "tracing": {}}))
    errors = refused.value.errors
    [queues] = [error for error in errors if error.startswith("platform.queues: unknown key; allowed here: ")]
    allowed = queues.split("allowed here: ")[1].split(", ")
    tops = set(layer.section[0] for layer in layers.load().values() if layer.section)
    assert allowed == sorted(tops | set(CORE_OPTIONS)) and "observability" in allowed
    assert "platform.observability.tracing: unknown key; allowed here: grafana, metrics" in errors


def test_type_and_semantic_problems_of_every_section_are_reported_together():
    spec = dict(SPEC, eks=dict(SPEC["eks"], node_groups=[{"name": "a"}, {"name": "b", "min_size": "two"}]),
                cache={"replicas_per_shard": 9})
    with pytest.raises(SpecError) as refused:
        preflight(spec)
    errors = refused.value.errors
    assert any(error.startswith("platform.eks.node_groups[1].min_size: is of type str") for error in errors), errors
    assert any(error.startswith("platform.cache.replicas_per_shard: 9;") for error in errors), errors


def test_the_registry_refuses_what_it_cannot_order(tmp_path):
    with pytest.raises(layers.RegistryError, match="names nowhere, which is not a layer"):
        registry_of({"a": {"needs": ["nowhere"]}}, tmp_path / "one")
    registry = registry_of({"a": {"section": None, "needs": ["b"]}, "b": {"section": None, "needs": ["a"]}}, tmp_path / "two")
    with pytest.raises(layers.RegistryError, match="wait on each other"):
        layers.plan(registry, {"a", "b"})
    with pytest.raises(layers.RegistryError, match="unknown keys colour"):
        registry_of({"a": {"colour": "blue"}}, tmp_path / "three")


def test_contributions_are_named_by_kind_and_found_in_the_role(tmp_path):
    with pytest.raises(layers.RegistryError, match="contributes colours; allowed: identities, connection, releases"):
        registry_of({"a": {"contributes": ["colours"]}}, tmp_path / "one")
    with pytest.raises(layers.RegistryError, match="contributes identities, but .*roles/a/contributions/identities.yml does not exist"):
        registry_of({"a": {"contributes": ["identities"]}}, tmp_path / "two")
    contributions = tmp_path / "three" / "roles" / "b" / "contributions"
    contributions.mkdir(parents=True)
    (contributions / "identities.yml").write_text("---\n", encoding="utf-8")
    registry = registry_of({"a": {"section": None}, "b": {"section": None, "needs": ["a"], "contributes": ["identities"]}},
                           tmp_path / "three")
    plan = layers.plan(registry, {"a", "b"})
    assert plan["contributions"]["identities"] == [{"layer": "b", "file": str(contributions / "identities.yml")}]
    assert plan["contributions"]["connection"] == [] and layers.plan(registry, {"a"})["contributions"]["identities"] == []


def _defaults(options, path=""):
    for name, option in options.items():
        if "default" in option:
            yield path + name, option["default"]
        yield from _defaults(option.get("options") or {}, path + name + ".")


def test_a_spec_default_is_written_once():
    """The spec entry point of a role is the only place a section's defaults are written."""
    for layer in layers.load().values():
        if not layer.section:
            continue
        fields = dict(_defaults(layer.schema()))
        specs = yaml.safe_load(open(os.path.join(ROOT, "roles", layer.role, "meta", "argument_specs.yml"), encoding="utf-8"))
        main = specs["argument_specs"]["main"]["options"]
        defaults_path = os.path.join(ROOT, "roles", layer.role, "defaults", "main.yml")
        role_defaults = yaml.safe_load(open(defaults_path, encoding="utf-8")) or {}
        for variable, value in role_defaults.items():
            field = variable[len(layer.role) + 1:]
            if field in fields:
                assert isinstance(value, str) and ("preflight.platform." in value or layer.role + "_spec." in value), (
                    "%s: %s repeats the spec's default of %s instead of taking it from preflight" % (defaults_path, variable, field))
                assert "default" not in main.get(variable, {}), (
                    "%s main: %s documents a default of its own; the spec entry point has it" % (layer.role, variable))
    module_utils = os.path.join(ROOT, "plugins", "module_utils")
    for name in os.listdir(module_utils):
        if name.endswith("_spec.py"):
            text = open(os.path.join(module_utils, name), encoding="utf-8").read()
            assert not re.search(r"^[A-Z_]+_OPTIONS = dict\(", text, re.M), "%s declares a schema; it belongs in a role's spec entry point" % name
