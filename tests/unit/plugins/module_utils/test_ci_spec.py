"""The ci section of the platform spec: GitHub's names, and only repositories and namespaces the platform has.

The role's trust policy, rendered and evaluated as IAM would, is tested in tests/unit/test_ci_trust.py (it needs
Ansible's templar, which `ansible-test units` does not offer to plugin tests)."""

import pytest

from ansible_collections.gameops.platform.plugins.plugin_utils.preflight import SpecError, preflight

BASE = {"name": "playcode", "environment": "prod", "region": "ap-northeast-2", "network": {"cidr": "10.0.0.0/16"},
        "eks": {"version": "1.35", "node_groups": [{"name": "general"}]},
        "registry": {"prefix": "playcode", "repositories": [{"name": "web"}, {"name": "worker"}]},
        "kubernetes": {"namespaces": {"apps": "playcode"}, "observability": {"enabled": False, "redis_exporter": False}}}


def spec(ci, **sections):
    return dict(BASE, ci=ci, **sections)


def errors_of(given):
    with pytest.raises(SpecError) as refused:
        preflight(given)
    return refused.value.errors


def test_defaults_push_to_every_repository_and_deploy_to_the_apps_namespace():
    platform, plan = preflight(spec({"github": {"repository": "playcode-gg/playcode"}}))
    ci = platform["ci"]
    assert ci["github"] == {"repository": "playcode-gg/playcode", "branches": ["main"], "environments": []}
    assert ci["repositories"] == ["web", "worker"] and ci["namespaces"] == ["playcode"]
    assert ci["eks_access_policy"] == "AmazonEKSEditPolicy"
    assert plan["layers"].index("ci") > max(plan["layers"].index("registry"), plan["layers"].index("eks"))
    assert plan["teardown"][0]["layer"] == "ci"


def test_bad_input_is_refused_with_the_field_path():
    errors = errors_of(spec({"github": {"repository": "playcode", "branches": ["release/*", "main"], "environments": ["prod:eu"]},
                             "repositories": ["web", "api"], "namespaces": ["Apps"]}))
    assert any(e.startswith("platform.ci.github.repository: 'playcode' is not a GitHub repository; give owner/name") for e in errors), errors
    assert any(e.startswith("platform.ci.github.branches[0]: 'release/*' is not a branch name the trust can match exactly") for e in errors), errors
    assert not any(e.startswith("platform.ci.github.branches[1]") for e in errors), errors
    assert any(e.startswith("platform.ci.github.environments[0]: 'prod:eu' is not a GitHub environment name") for e in errors), errors
    assert "platform.ci.repositories[1]: 'api' is not a repository of platform.registry.repositories; allowed: web, worker" in errors
    assert any(e.startswith("platform.ci.namespaces[0]: 'Apps' is not a namespace name") for e in errors), errors


def test_a_trust_without_a_repository_or_anything_to_grant_is_refused():
    assert any(e.startswith("platform.ci.github.repository: required") for e in errors_of(spec({"github": {"branches": ["main"]}}))), \
        errors_of(spec({"github": {"branches": ["main"]}}))
    nothing = dict(BASE, ci={"github": {"repository": "a/b"}, "namespaces": ["apps"]})
    del nothing["eks"], nothing["kubernetes"], nothing["registry"]
    errors = errors_of(nothing)
    assert "platform.ci.namespaces: needs platform.eks (the cluster of the access entry), which the spec does not have" in errors
    bare = dict(nothing, ci={"github": {"repository": "a/b", "branches": [], "environments": []}})
    errors = errors_of(bare)
    assert "platform.ci.github: give branches or environments; with neither, no run may assume the role" in errors
    assert any(e.startswith("platform.ci: the role could push to no repository and deploy to no namespace") for e in errors), errors
