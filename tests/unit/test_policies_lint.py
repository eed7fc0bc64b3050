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

import parliament
import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLES = os.path.join(ROOT, "roles")

# Inputs a role's policies are rendered with (the role's defaults fill in the rest), and the ARN of
# what a role's resource policies are attached to when their statements name no resource.
SAMPLE_INPUTS = {
    "eks": {"eks_platform_id": "lint-dev", "eks_region": "ap-northeast-2", "eks_tags": {}},
    "log_storage": {"log_storage_platform_id": "lint-dev", "log_storage_region": "ap-northeast-2"},
}
ATTACHED_TO = {
    "eks": "arn:aws:iam::123456789012:role/lint-dev-eks",
}
# What must be found, so a refactor that hides a policy from this test fails it.
EXPECTED = {
    "eks/vars/main.yml:eks_trust_policies.eks",
    "eks/vars/main.yml:eks_trust_policies.ec2",
    "eks/vars/main.yml:eks_trust_policies.pods",
    "log_storage/vars/main.yml:log_storage_bucket_policy",
}


def _trusted(value):
    """The value with its strings trusted as templates, as Ansible trusts a role's own vars files."""
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return {key: _trusted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_trusted(item) for item in value]
    return value


def _load_yaml(path):
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as handle:
        return _trusted(yaml.safe_load(handle) or {})


def _is_policy(value):
    return isinstance(value, dict) and "Statement" in value


def _role_var_policies(role):
    """(id, policy) for each policy document among a role's vars, rendered."""
    role_dir = os.path.join(ROLES, role)
    variables = _load_yaml(os.path.join(role_dir, "vars", "main.yml"))
    candidates = [name for name, value in variables.items() if "Statement" in json.dumps(value)]
    if not candidates:
        return []
    context = dict(_load_yaml(os.path.join(role_dir, "defaults", "main.yml")))
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


@pytest.mark.parametrize("policy_id,policy", POLICIES, ids=[policy[0] for policy in POLICIES])
def test_policy_has_no_parliament_findings(policy_id, policy):
    analyzed = parliament.analyze_policy_string(json.dumps(_as_linted(policy_id, policy)), include_community_auditors=True)
    findings = [(finding.issue, finding.severity, finding.detail) for finding in analyzed.findings
                if not (finding.issue == "CREDENTIALS_EXPOSURE" and _is_trust_policy(policy))]
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


def test_linter_catches_a_bad_policy():
    """parliament really runs: a mismatched resource is a finding."""
    bad = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket"}]}
    assert parliament.analyze_policy_string(json.dumps(bad)).findings
