"""The ci section of the platform spec: GitHub's names, and only repositories and namespaces the platform has."""

import fnmatch

import pytest
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template
import yaml

from ansible_collections.gameops.platform.plugins.plugin_utils import layers
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


def _trusted(value):
    """Strings trusted as templates, as Ansible trusts a role's own vars files."""
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return {key: _trusted(item) for key, item in value.items()}
    return [_trusted(item) for item in value] if isinstance(value, list) else value


def _trust_policy(ci):
    """The role's trust policy as roles/ci renders it for a normalized ci section."""
    role = layers.COLLECTION_ROOT + "/roles/ci/vars/main.yml"
    with open(role, encoding="utf-8") as handle:
        variables = _trusted(yaml.safe_load(handle))
    context = dict(variables, ci_spec=ci, ci_platform_id="playcode-prod", ci_region="ap-northeast-2",
                   ci_caller={"account": "123456789012", "arn": "arn:aws:iam::123456789012:user/ci"})
    templar = Templar(loader=DataLoader(), variables=context)
    return templar.template(trust_as_template("{{ ci_trust_policy }}"))


def _admits(policy, claims):
    """IAM's evaluation of the trust's StringEquals/StringLike conditions against a web identity token's claims."""
    for statement in policy["Statement"]:
        conditions = statement.get("Condition", {})
        matches = {"StringEquals": lambda wanted, got: got == wanted,
                   "StringLike": lambda wanted, got: fnmatch.fnmatchcase(got, wanted)}
        if all(any(matches[operator](wanted, claims.get(key.split(":", 1)[1], ""))
                   for wanted in (values if isinstance(values, list) else [values]))
               for operator, pinned in conditions.items() for key, values in pinned.items()):
            return True
    return False


def test_the_trust_admits_only_the_pinned_repository_branches_and_environments():
    platform, _plan = preflight(spec({"github": {"repository": "playcode-gg/playcode", "environments": ["production"]}}))
    policy = _trust_policy(platform["ci"])
    statement = policy["Statement"][0]
    assert statement["Principal"] == {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}
    assert set(statement["Condition"]) == {"StringEquals"}
    token = {"aud": "sts.amazonaws.com", "sub": "repo:playcode-gg/playcode:ref:refs/heads/main"}
    assert _admits(policy, token)
    assert _admits(policy, dict(token, sub="repo:playcode-gg/playcode:environment:production"))
    for refused in ("repo:playcode-gg/other:ref:refs/heads/main", "repo:someone/playcode:ref:refs/heads/main",
                    "repo:playcode-gg/playcode:ref:refs/heads/feature", "repo:playcode-gg/playcode:pull_request",
                    "repo:playcode-gg/playcode:ref:refs/tags/v1", "repo:playcode-gg/playcode:environment:staging",
                    "repo:playcode-gg/playcode:ref:refs/heads/main-evil"):
        assert not _admits(policy, dict(token, sub=refused)), refused
    assert not _admits(policy, dict(token, aud="https://github.com/playcode-gg"))
