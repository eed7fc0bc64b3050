"""The ci layer's trust policy as roles/ci renders it, evaluated as IAM evaluates it against GitHub's token claims:
only the pinned repository's runs on the pinned branches and environments, with tokens for STS, may assume the role."""

import fnmatch

import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from ansible_collections.gameops.platform.plugins.plugin_utils import layers
from ansible_collections.gameops.platform.plugins.plugin_utils.preflight import preflight

from role_templates import trusted

SPEC = {"name": "playcode", "environment": "prod", "region": "ap-northeast-2", "network": {"cidr": "10.0.0.0/16"},
        "eks": {"version": "1.35", "node_groups": [{"name": "general"}]},
        "registry": {"prefix": "playcode", "repositories": [{"name": "web"}]},
        "kubernetes": {"namespaces": {"apps": "playcode"}, "observability": {"enabled": False, "redis_exporter": False}},
        "ci": {"github": {"repository": "playcode-gg/playcode", "environments": ["production"]}}}


def _trust_policy(ci):
    """The role's trust policy as roles/ci renders it for a normalized ci section."""
    role = layers.COLLECTION_ROOT + "/roles/ci/vars/main.yml"
    with open(role, encoding="utf-8") as handle:
        variables = trusted(yaml.safe_load(handle))
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
    platform, _plan = preflight(SPEC)
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
