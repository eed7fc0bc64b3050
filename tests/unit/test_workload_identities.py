"""Workload identities as contributions: the folding filter, and every shipped contribution file's policies.

Each layer's roles/<role>/contributions/identities.yml is rendered as the workload_roles layer renders it (with
preflight and the earlier layers' outputs visible), folded by the workload_identities filter, and each policy is
linted with parliament, as tests/unit/test_policies_lint.py lints the roles' own policies.
"""

import copy
import glob
import json
import os

import parliament
import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.gameops.platform.plugins.filter.workload_identities import workload_identities
from ansible_collections.gameops.platform.plugins.plugin_utils import layers
from ansible_collections.gameops.platform.plugins.plugin_utils.preflight import preflight

from role_templates import trusted

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ACCOUNT = "123456789012"
REGION = "ap-northeast-2"

# Every layer that can contribute an identity, with what turns each of its identities on.
SPEC = {
    "name": "lint", "environment": "dev", "region": REGION, "network": {"cidr": "10.0.0.0/16"},
    "eks": {"version": "1.35", "node_groups": [{"name": "general"}], "workload_identity": "irsa"},
    "log_storage": {"kms_key_arn": "arn:aws:kms:%s:%s:key/12345678-abcd-1234-abcd-123456789012" % (REGION, ACCOUNT)},
    "observability": {"metrics": {}},
    "registry": {"repositories": [{"name": "web"}]},
    "dns": {"zone": "lint.example.com"},
    "buckets": {"uploads": {}, "backups": {}, "sealed": {"kms_key_arn": "arn:aws:kms:%s:%s:key/0000aaaa-abcd-1234-abcd-123456789012" % (REGION, ACCOUNT)}},
    "mail": {"domain": "mail.lint.example.com"},
    "kubernetes": {"delivery": "render", "render_dir": "/tmp/lint", "gitops": "flux", "observability": {"redis_exporter": False},
                   "addons": {"ingress": "alb", "external_secrets": True, "external_dns": True,
                              "karpenter": {"enabled": True, "interruption_queue": "lint-dev-interruptions"}},
                   "apps": [{"name": "worker", "image": "web", "tag": "1.0.0"}]},
}
# The outputs of the layers built before workload_roles, as they publish them.
OUTPUTS = {
    "metrics_outputs": {"arn": "arn:aws:aps:%s:%s:workspace/ws-12345678-abcd-1234-abcd-123456789012" % (REGION, ACCOUNT)},
    "log_storage_outputs": {"bucket_name": "lint-dev-loki"},
    "network_outputs": {"vpc_id": "vpc-0123456789abcdef0"},
    "eks_outputs": {"cluster_name": "lint-dev", "node_role_arn": "arn:aws:iam::%s:role/lint-dev-node" % ACCOUNT},
    "dns_outputs": {"zone_id": "Z0123456789ABCDEFGHIJ"},
    "workload_roles_account_id": ACCOUNT,
    "workload_roles_cluster_name": "lint-dev",
}


def _plan(spec):
    platform, plan = preflight(spec)
    return platform, plan


def render(spec=None, outputs=None):
    """The contribution files of the spec's plan, each rendered in the workload_roles layer's context."""
    platform, plan = _plan(spec or SPEC)
    context = dict(OUTPUTS if outputs is None else outputs, preflight={"platform": platform, "plan": plan})
    templar = Templar(loader=DataLoader(), variables=context)
    sources = [entry["file"] for entry in plan["contributions"]["identities"]]
    contents = []
    for source in sources:
        with open(source, encoding="utf-8") as handle:
            contents.append(templar.template(trusted(yaml.safe_load(handle))))
    return contents, sources


FOLDED = workload_identities(*render())
BY_NAME = dict((identity["name"], identity) for identity in FOLDED)


def test_every_shipped_contribution_file_is_in_the_registry():
    shipped = sorted(glob.glob(os.path.join(ROOT, "roles", "*", "contributions", "identities.yml")))
    registered = sorted(layer.contribution("identities") for layer in layers.load().values() if "identities" in layer.contributes)
    assert [os.path.relpath(path, layers.COLLECTION_ROOT) for path in registered] == [os.path.relpath(path, ROOT) for path in shipped]
    assert len(shipped) >= 3


def test_the_folded_list_has_every_component_in_build_order():
    assert [identity["name"] for identity in FOLDED] == ["alloy", "loki", "aws_load_balancer_controller", "external_secrets", "karpenter",
                                                         "external_dns"]
    assert (BY_NAME["loki"]["namespace"], BY_NAME["loki"]["service_account"]) == ("observability", "loki")
    # The service accounts roles/cluster_addons renders for the controllers.
    assert [(BY_NAME[name]["namespace"], BY_NAME[name]["service_account"]) for name in ("aws_load_balancer_controller", "external_secrets", "karpenter")] \
        == [("kube-system", "aws-load-balancer-controller"), ("external-secrets", "external-secrets"), ("karpenter", "karpenter")]


# What parliament reports that is the component's job, each with why; anything else fails.
EXPECTED_FINDINGS = {
    # The first ALB of an account needs ELB's service-linked role; the statement allows only that one.
    ("aws_load_balancer_controller", "PERMISSIONS_MANAGEMENT_ACTIONS"): lambda finding: finding.location["actions"] == ["iam:createservicelinkedrole"],
    # elasticloadbalancing:CreateAction is in the service authorization reference; parliament's IAM data predates it.
    ("aws_load_balancer_controller", "UNKNOWN_CONDITION_FOR_ACTION"):
        lambda finding: finding.detail == "Unknown condition elasticloadbalancing:CreateAction for action elasticloadbalancing:AddTags",
    # Karpenter launches nodes: it passes the node role (only that one, only to EC2) through instance profiles it makes.
    ("karpenter", "PERMISSIONS_MANAGEMENT_ACTIONS"): lambda finding: set(finding.location["actions"]) <= {
        "iam:passrole", "iam:createinstanceprofile", "iam:addroletoinstanceprofile", "iam:removerolefrominstanceprofile",
        "iam:deleteinstanceprofile", "iam:taginstanceprofile"},
    ("karpenter", "PRIVILEGE_ESCALATION"): lambda finding: set(finding.location["actions"]) == {"iam:passrole", "ec2:runinstances"},
    # EC2 checks tag conditions per resource type, so one launch's resources are split over statements (as Karpenter's
    # own policy does); parliament wants every statement to name all of them.
    ("karpenter", "RESOURCE_MISMATCH"): lambda finding: {entry["action"] for entry in finding.detail}
        <= {"ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"},
}


def _unexpected(name, finding):
    expected = EXPECTED_FINDINGS.get((name, finding.issue))
    return expected is None or not expected(finding)


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_each_policy_is_non_empty_and_parliament_clean(name):
    policy = BY_NAME[name]["policy"]
    assert policy["Statement"], name
    for statement in policy["Statement"]:
        assert statement.get("Action") and statement.get("Resource"), (name, statement)
    text = json.dumps(policy)
    assert "{{" not in text and "::" not in text.replace("::image", "").replace("::snapshot", "").replace("::parameter", "") \
        .replace("iam::", "").replace("s3:::", "").replace("route53:::", ""), text
    analyzed = parliament.analyze_policy_string(text, include_community_auditors=True)
    assert [(finding.issue, finding.detail) for finding in analyzed.findings if _unexpected(name, finding)] == [], name


def test_the_expected_findings_do_not_hide_others():
    """A finding of another kind, or of an allowed kind about other actions, still fails."""
    bad = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["iam:PassRole", "iam:CreateRole"], "Resource": "*"}]}
    findings = parliament.analyze_policy_string(json.dumps(bad), include_community_auditors=True).findings
    assert findings and all(_unexpected("karpenter", finding) for finding in findings if finding.issue != "PRIVILEGE_ESCALATION")
    assert any(_unexpected("karpenter", finding) for finding in findings)


def test_policies_are_scoped_to_the_platform():
    loki = json.dumps(BY_NAME["loki"]["policy"])
    assert "arn:aws:s3:::lint-dev-loki/*" in loki and SPEC["log_storage"]["kms_key_arn"] in loki
    secrets = BY_NAME["external_secrets"]["policy"]["Statement"]
    assert [statement["Resource"] for statement in secrets] == ["arn:aws:secretsmanager:%s:%s:secret:lint-dev/*" % (REGION, ACCOUNT)]
    karpenter = json.dumps(BY_NAME["karpenter"]["policy"])
    assert "aws:RequestTag/kubernetes.io/cluster/lint-dev" in karpenter and "arn:aws:sqs:%s:%s:lint-dev-interruptions" % (REGION, ACCOUNT) in karpenter
    alb = BY_NAME["aws_load_balancer_controller"]["policy"]["Statement"]
    tagged = [statement for statement in alb if "elasticloadbalancing:DeleteLoadBalancer" in statement["Action"]]
    assert tagged and tagged[0]["Condition"] == {"StringEquals": {"aws:ResourceTag/elbv2.k8s.aws/cluster": "lint-dev"}}
    assert any("vpc/vpc-0123456789abcdef0" in json.dumps(statement) for statement in alb)


def test_external_dns_changes_records_in_the_platform_zone_only():
    zone = "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"
    statements = BY_NAME["external_dns"]["policy"]["Statement"]
    assert (BY_NAME["external_dns"]["namespace"], BY_NAME["external_dns"]["service_account"]) == ("external-dns", "external-dns")
    assert [(s["Action"], s["Resource"]) for s in statements] == [
        (["route53:ChangeResourceRecordSets"], zone),
        (["route53:ListResourceRecordSets", "route53:ListTagsForResource", "route53:ListTagsForResources"], zone),
        (["route53:ListHostedZones"], "*")]


def app_spec(identity):
    """SPEC with an app that has its own identity (apps' roles reach their pods by pod identity only)."""
    spec = copy.deepcopy(SPEC)
    spec["eks"]["workload_identity"] = "pod_identity"
    spec["kubernetes"]["apps"].insert(0, {"name": "web", "image": "web", "tag": "1.0.0", "identity": identity})
    return spec


def test_an_app_identity_may_use_its_buckets_objects_and_send_from_the_platform_identity_only():
    folded = workload_identities(*render(app_spec({"buckets": ["uploads", "sealed"], "mail": True})))
    assert [identity["name"] for identity in folded][-2:] == ["external_dns", "app-web"]
    web = folded[-1]
    analyzed = parliament.analyze_policy_string(json.dumps(web["policy"]), include_community_auditors=True)
    assert [(finding.issue, finding.detail) for finding in analyzed.findings] == []
    assert (web["namespace"], web["service_account"]) == ("queue-system", "web")
    statements = dict((s["Sid"], s) for s in web["policy"]["Statement"])
    assert statements["PutAndGetObjectsOfItsBuckets"]["Action"] == ["s3:PutObject", "s3:GetObject"]
    assert statements["PutAndGetObjectsOfItsBuckets"]["Resource"] == ["arn:aws:s3:::lint-dev-uploads/*", "arn:aws:s3:::lint-dev-sealed/*"]
    assert statements["UseTheBucketKeysThroughS3"]["Resource"] == [SPEC["buckets"]["sealed"]["kms_key_arn"]]
    assert statements["UseTheBucketKeysThroughS3"]["Condition"] == {"StringEquals": {"kms:ViaService": "s3.%s.amazonaws.com" % REGION}}
    assert statements["SendMailFromThePlatformIdentity"]["Resource"] == "arn:aws:ses:%s:%s:identity/mail.lint.example.com" % (REGION, ACCOUNT)
    assert "backups" not in json.dumps(web) and "worker" not in json.dumps(folded)
    # Without mail, no SES statement; without an identity, no role.
    folded = dict((identity["name"], identity) for identity in workload_identities(*render(app_spec({"buckets": ["uploads"]}))))
    assert [s["Sid"] for s in folded["app-web"]["policy"]["Statement"]] == ["PutAndGetObjectsOfItsBuckets"]


def test_only_what_the_spec_turns_on_is_folded():
    spec = copy.deepcopy(SPEC)
    spec["kubernetes"]["addons"] = {"ingress": "nginx", "external_secrets": False}
    del spec["log_storage"]
    spec["kubernetes"]["observability"] = {"enabled": False, "redis_exporter": False}
    outputs = dict(OUTPUTS, log_storage_outputs={})
    folded = workload_identities(*render(spec, outputs))
    assert [identity["name"] for identity in folded] == ["alloy"]
    # Karpenter without an interruption queue: no SQS statement.
    spec["kubernetes"]["addons"] = {"ingress": "none", "external_secrets": False, "karpenter": {"enabled": True}}
    folded = workload_identities(*render(spec, outputs))
    assert "sqs:" not in json.dumps(folded[-1]["policy"]) and folded[-1]["name"] == "karpenter"


GOOD = {"name": "app", "namespace": "apps", "service_account": "app",
        "policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}]}}


@pytest.mark.parametrize("change,expected", [
    ({"policy": {"Version": "2012-10-17", "Statement": []}},
     r"roles/x/contributions/identities.yml: identities\[0\] \(app\).policy.Statement: empty"),
    ({"policy": {"Statement": [{"Effect": "Allow", "Resource": "*"}]}},
     r"identities\[0\] \(app\).policy.Statement\[0\].Action: empty; give Action or NotAction"),
    ({"policy": {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": ""}]}},
     r"identities\[0\] \(app\).policy.Statement\[0\].Resource: empty; give Resource or NotResource"),
    ({"service_account": ""}, r"identities\[0\] \(app\).service_account: required"),
    ({"name": "bad name"}, r"name: 'bad name'; IAM role names allow"),
])
def test_a_bad_identity_is_refused_with_its_field_path(change, expected):
    with pytest.raises(AnsibleFilterError, match=expected):
        workload_identities([{"identities": [dict(GOOD, **change)]}], ["/c/roles/x/contributions/identities.yml"])


def test_an_unwanted_identity_is_not_checked_and_not_folded():
    unwanted = dict(GOOD, wanted=False, policy={"Statement": []})
    assert workload_identities([{"identities": [unwanted]}], ["roles/x/contributions/identities.yml"]) == []


def test_extra_identities_are_appended_and_names_must_be_unique():
    folded = workload_identities([{"identities": [GOOD]}], ["roles/x/contributions/identities.yml"], [dict(GOOD, name="extra")])
    assert [identity["name"] for identity in folded] == ["app", "extra"]
    assert set(folded[0]) == {"name", "namespace", "service_account", "policy"}
    with pytest.raises(AnsibleFilterError, match=r"workload_roles_extra\[0\] \(app\).name: app is contributed twice"):
        workload_identities([{"identities": [GOOD]}], ["roles/x/contributions/identities.yml"], [GOOD])
    with pytest.raises(AnsibleFilterError, match="must hold `identities`, a list"):
        workload_identities([{}], ["roles/x/contributions/identities.yml"])
