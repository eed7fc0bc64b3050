"""Lint every IAM policy document the collection writes with parliament (offline: it ships its IAM data).

Found: policy documents in the roles' vars (any variable whose YAML holds a ``Statement``, rendered
with Ansible's templar over the role's defaults and sample inputs), and JSON policy files under
roles/*/files and roles/*/templates. Any finding fails.

parliament lints identity policies and has no resource-policy mode. Resource policies (those whose
statements name a Principal: bucket policies, role trust policies) are linted as identity policies
with one adaptation: a statement with neither Resource nor NotResource (a trust policy's) gets the
ARN of the resource the policy is attached to, which is what it applies to. Principals are checked
here instead: each must be given and not be an Allow to everyone. parliament's CREDENTIALS_EXPOSURE
(an action that returns credentials, such as sts:AssumeRole) is what a role trust policy is for, so it
is not a finding there, and only there.
"""

import glob
import json
import os
import re

import parliament
import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from ansible_collections.gameops.platform.plugins.plugin_utils.preflight import preflight

from role_templates import trusted

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLES = os.path.join(ROOT, "roles")

# What preflight hands every role (their defaults read it): a sample platform with every layer's section.
PREFLIGHT = {"platform": preflight({
    "name": "lint", "environment": "dev", "region": "ap-northeast-2", "network": {"cidr": "10.0.0.0/16"},
    "eks": {"version": "1.35", "node_groups": [{"name": "general"}]}, "log_storage": {}, "buckets": {"uploads": {}},
    "observability": {"metrics": {}, "grafana": {}}})[0]}

# Inputs a role's policies are rendered with (the role's defaults fill in the rest), and the ARN of
# what a role's resource policies are attached to when their statements name no resource.
SAMPLE_INPUTS = {
    "eks": {"eks_platform_id": "lint-dev", "eks_region": "ap-northeast-2", "eks_tags": {}},
    "log_storage": {"log_storage_platform_id": "lint-dev", "log_storage_region": "ap-northeast-2"},
    "buckets": {"buckets_arn": "arn:aws:s3:::lint-dev-uploads"},
    "grafana": {
        "grafana_platform_id": "lint-dev",
        "grafana_region": "ap-northeast-2",
        "grafana_caller": {"account": "123456789012", "arn": "arn:aws:iam::123456789012:user/lint"},
        "grafana_amp_workspace_arns": ["arn:aws:aps:ap-northeast-2:123456789012:workspace/ws-0123"],
        "grafana_sns_topic_arns": ["arn:aws:sns:ap-northeast-2:123456789012:alerts"],
    },
    "ci": {
        "ci_spec": {"github": {"repository": "acme/game", "branches": ["main"], "environments": ["production"]},
                    "repositories": ["web"], "namespaces": ["apps"], "eks_access_policy": "AmazonEKSEditPolicy"},
        "ci_platform_id": "lint-dev", "ci_region": "ap-northeast-2", "ci_cluster_name": "lint-dev",
        "ci_caller": {"account": "123456789012", "arn": "arn:aws:iam::123456789012:user/lint"},
    },
    "workload_roles": {
        "workload_roles_platform_id": "lint-dev",
        "workload_roles_oidc_provider_arn": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.ap-northeast-2.amazonaws.com/id/ABCDEF",
        "workload_roles_oidc_issuer": "https://oidc.eks.ap-northeast-2.amazonaws.com/id/ABCDEF",
        "item": {"name": "alloy", "namespace": "observability", "service_account": "alloy"},
    },
}
ATTACHED_TO = {
    "ci": "arn:aws:iam::123456789012:role/lint-dev-github-deploy",
    "eks": "arn:aws:iam::123456789012:role/lint-dev-eks",
    "grafana": "arn:aws:iam::123456789012:role/lint-dev-grafana",
    "workload_roles": "arn:aws:iam::123456789012:role/lint-dev-alloy",
}
# What must be found, so a refactor that hides a policy from this test fails it.
EXPECTED = {
    "ci/vars/main.yml:ci_trust_policy",
    "ci/vars/main.yml:ci_policy",
    "eks/vars/main.yml:eks_trust_policies.eks",
    "eks/vars/main.yml:eks_trust_policies.ec2",
    "eks/vars/main.yml:eks_trust_policies.pods",
    "log_storage/vars/main.yml:log_storage_bucket_policy",
    "buckets/vars/main.yml:buckets_tls_only_policy",
    "grafana/vars/main.yml:grafana_trust_policy",
    "grafana/vars/main.yml:grafana_data_source_policy",
    "workload_roles/vars/main.yml:workload_roles_trust_policies.pod_identity",
    "workload_roles/vars/main.yml:workload_roles_trust_policies.irsa",
}


def _load_yaml(path):
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as handle:
        return trusted(yaml.safe_load(handle) or {})


def _is_policy(value):
    return isinstance(value, dict) and "Statement" in value


def _role_var_policies(role):
    """(id, policy) for each policy document among a role's vars, rendered."""
    role_dir = os.path.join(ROLES, role)
    variables = _load_yaml(os.path.join(role_dir, "vars", "main.yml"))
    candidates = [name for name, value in variables.items() if "Statement" in json.dumps(value)]
    if not candidates:
        return []
    context = dict(_load_yaml(os.path.join(role_dir, "defaults", "main.yml")), preflight=PREFLIGHT)
    context.update(variables)
    context.update(SAMPLE_INPUTS.get(role, {}))
    templar = Templar(loader=DataLoader(), variables=context)
    found = []
    for name in candidates:
        value = templar.template(variables[name])
        if _is_policy(value):
            found.append(("%s/vars/main.yml:%s" % (role, name), value))
        elif isinstance(value, dict):
            found.extend(("%s/vars/main.yml:%s.%s" % (role, name, key), policy)
                         for key, policy in value.items() if _is_policy(policy))
    return found


def _file_policies():
    """(id, policy) for each JSON policy document under roles/*/files and roles/*/templates."""
    found = []
    for kind in ("files", "templates"):
        for path in sorted(glob.glob(os.path.join(ROLES, "*", kind, "**", "*.json*"), recursive=True)):
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            if path.endswith(".j2"):
                role = os.path.relpath(path, ROLES).split(os.sep)[0]
                text = Templar(loader=DataLoader(), variables=SAMPLE_INPUTS.get(role, {})).template(trust_as_template(text))
            document = json.loads(text)
            if _is_policy(document):
                found.append((os.path.relpath(path, ROLES), document))
    return found


def all_policies():
    roles = sorted(name for name in os.listdir(ROLES) if os.path.isdir(os.path.join(ROLES, name)))
    return [found for role in roles for found in _role_var_policies(role)] + _file_policies()


POLICIES = all_policies()


def _statements(policy):
    statements = policy["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _as_linted(policy_id, policy):
    """The document parliament sees: a resource policy's statements get the resource they apply to."""
    role = policy_id.split("/")[0]
    statements = []
    for statement in _statements(policy):
        statement = dict(statement)
        if "Principal" in statement and "Resource" not in statement and "NotResource" not in statement:
            statement["Resource"] = ATTACHED_TO[role]
        statements.append(statement)
    return dict(policy, Statement=statements)


TRUST_ACTIONS = {"sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:TagSession"}


def _is_trust_policy(policy):
    """Every statement lets a principal assume the role the policy is attached to, and nothing else."""
    for statement in _statements(policy):
        actions = statement.get("Action", [])
        if "Principal" not in statement or not set([actions] if isinstance(actions, str) else actions) <= TRUST_ACTIONS:
            return False
    return True


def test_every_known_policy_is_found():
    assert EXPECTED <= {policy[0] for policy in POLICIES}


OIDC_PROVIDER_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/(.+)$")


def _oidc_issuers(policy):
    """Issuer hosts of the IAM OIDC providers a trust policy federates, each checked to pin sub and aud.

    parliament predates IAM OIDC providers: it knows only SAML providers as federation sources and has
    no condition keys for them, so it flags every IRSA trust policy. What it would miss is checked here:
    each such statement must pin both the service account (sub) and the STS audience (aud) exactly.
    """
    issuers = set()
    for statement in _statements(policy):
        federated = statement.get("Principal", {}).get("Federated") if isinstance(statement.get("Principal"), dict) else None
        match = OIDC_PROVIDER_ARN.match(federated or "")
        if not match:
            continue
        pinned = statement.get("Condition", {}).get("StringEquals", {})
        issuer = match.group(1)
        assert pinned.get(issuer + ":aud") == "sts.amazonaws.com", "%s: the audience is not pinned" % statement
        subjects = pinned.get(issuer + ":sub") or []
        subjects = [subjects] if isinstance(subjects, str) else subjects
        # A pod's service account (IRSA), or a GitHub repository's branch or environment (the ci layer's role).
        assert subjects and all(subject.startswith(("system:serviceaccount:", "repo:")) for subject in subjects), (
            "%s: the subject is not pinned" % statement)
        assert not any("*" in subject for subject in subjects), "%s: the subject is a wildcard" % statement
        issuers.add(issuer)
    return issuers


# Identity policies that must hand out a credential, and why: parliament's CREDENTIALS_EXPOSURE is expected there only.
RETURNS_CREDENTIALS = {
    "ci/vars/main.yml:ci_policy": "ecr:GetAuthorizationToken, the registry login a docker push needs",
}


def _expected_for_trust(finding, policy, issuers):
    """Findings that are what a trust policy is for (credentials), or parliament's blind spot for OIDC providers."""
    if not _is_trust_policy(policy):
        return False
    if finding.issue == "CREDENTIALS_EXPOSURE":
        return True
    if finding.issue == "UNKNOWN_FEDERATION_SOURCE":
        return OIDC_PROVIDER_ARN.match(finding.detail or "") is not None
    if finding.issue == "UNKNOWN_CONDITION_FOR_ACTION":
        return any(finding.detail.startswith("Unknown condition %s:%s for action sts:AssumeRoleWithWebIdentity" % (issuer, key))
                   for issuer in issuers for key in ("sub", "aud"))
    return False


@pytest.mark.parametrize("policy_id,policy", POLICIES, ids=[policy[0] for policy in POLICIES])
def test_policy_has_no_parliament_findings(policy_id, policy):
    analyzed = parliament.analyze_policy_string(json.dumps(_as_linted(policy_id, policy)), include_community_auditors=True)
    issuers = _oidc_issuers(policy)
    findings = [(finding.issue, finding.severity, finding.detail) for finding in analyzed.findings
                if not _expected_for_trust(finding, policy, issuers)
                and not (finding.issue == "CREDENTIALS_EXPOSURE" and policy_id in RETURNS_CREDENTIALS)]
    assert findings == [], "%s: %s" % (policy_id, findings)


@pytest.mark.parametrize("policy_id,policy", POLICIES, ids=[policy[0] for policy in POLICIES])
def test_resource_policy_principals(policy_id, policy):
    for statement in _statements(policy):
        if "Principal" not in statement and "NotPrincipal" not in statement:
            continue  # an identity policy's statement
        assert statement.get("Principal"), "%s: empty Principal in %s" % (policy_id, statement)
        if statement["Effect"] == "Allow":
            assert statement["Principal"] not in ("*", {"AWS": "*"}), "%s allows everyone: %s" % (policy_id, statement)


def test_policies_are_rendered():
    for policy_id, policy in POLICIES:
        assert "{{" not in json.dumps(policy), policy_id


def test_oidc_trust_must_pin_the_service_account():
    """The checks that stand in for parliament on IRSA trust policies really fail a loose one."""
    loose = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.ap-northeast-2.amazonaws.com/id/X"},
        "Condition": {"StringEquals": {"oidc.eks.ap-northeast-2.amazonaws.com/id/X:aud": "sts.amazonaws.com"}}}]}
    with pytest.raises(AssertionError, match="subject is not pinned"):
        _oidc_issuers(loose)
    issuer = "token.actions.githubusercontent.com"
    any_branch = {"Version": "2012-10-17", "Statement": [dict(
        loose["Statement"][0], Principal={"Federated": "arn:aws:iam::123456789012:oidc-provider/" + issuer},
        Condition={"StringEquals": {issuer + ":aud": "sts.amazonaws.com", issuer + ":sub": ["repo:acme/game:*"]}})]}
    with pytest.raises(AssertionError, match="subject is a wildcard"):
        _oidc_issuers(any_branch)


def test_linter_catches_a_bad_policy():
    """parliament really runs: a mismatched resource is a finding."""
    bad = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket"}]}
    assert parliament.analyze_policy_string(json.dumps(bad)).findings
