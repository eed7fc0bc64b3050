"""The deployer policy (policies/deployer/<layer>.json, written by tools/deployer_policy): what it maps
each request to, how it gives requests to layers, that the shipped documents lint clean, and that the
check used by tests/integration/test_deployer_policy_generated.py fails when a document lacks an action."""

import glob
import json
import os

import parliament
import pytest
import yaml

from conftest import ROOT

from deployer_policy import actions, documents
from deployer_policy.__main__ import used_actions

SHIPPED = {os.path.basename(path)[:-5]: path for path in glob.glob(os.path.join(ROOT, "policies", "deployer", "*.json"))}

# A deployer creates IAM roles, writes bucket, key and repository policies: permissions management is its
# job, and parliament's RESOURCE_POLICY_PRIVILEGE_ESCALATION (one who may write a bucket policy may grant
# itself the bucket's objects) follows from it. Both are accepted, nothing else.
ACCEPTED = {"PERMISSIONS_MANAGEMENT_ACTIONS", "RESOURCE_POLICY_PRIVILEGE_ESCALATION"}


def _load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def test_documents_are_shipped_for_the_layers():
    with open(os.path.join(ROOT, "meta", "layers.yml"), encoding="utf-8") as handle:
        layers = set(yaml.safe_load(handle)["layers"])
    assert {"network", "eks", "cache", "metrics", "grafana", "log_storage", "registry", "workload_roles"} <= set(SHIPPED)
    assert set(SHIPPED) <= layers | {"platform"}


@pytest.mark.parametrize("layer", sorted(SHIPPED))
def test_document_lints_clean(layer):
    # Linted as rendered for one platform, as test_policies_lint renders the roles' templated policies.
    text = json.dumps(_load(SHIPPED[layer])).replace(documents.PLATFORM_VARIABLE, "lint-dev")
    findings = [(finding.issue, finding.detail) for finding in parliament.analyze_policy_string(text, include_community_auditors=True).findings
                if finding.issue not in ACCEPTED]
    assert findings == [], "%s: %s" % (layer, findings)


@pytest.mark.parametrize("layer", sorted(SHIPPED))
def test_document_names_only_known_actions_once(layer):
    allowed = documents.allowed_actions(_load(SHIPPED[layer]))
    assert actions.unknown(allowed) == []
    sids = [statement["Sid"] for statement in _load(SHIPPED[layer])["Statement"]]
    assert len(sids) == len(set(sids)), sids


@pytest.mark.parametrize("service,operation,action", [
    ("s3", "HeadBucket", "s3:ListBucket"),
    ("s3", "PutBucketLifecycleConfiguration", "s3:PutLifecycleConfiguration"),
    ("s3", "ListObjectsV2", "s3:ListBucket"),
    ("s3", "GetBucketLocation", "s3:GetBucketLocation"),
    ("resourcegroupstaggingapi", "GetResources", "tag:GetResources"),
    ("amp", "CreateWorkspace", "aps:CreateWorkspace"),
    ("eks", "DescribeClusterVersions", "eks:DescribeClusterVersions"),
    ("elbv2", "DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancers"),
    ("grafana", "CreateWorkspaceServiceAccountToken", "grafana:CreateWorkspaceServiceAccountToken"),
    ("grafana-api", "PutDashboard", None),
])
def test_request_to_action(service, operation, action):
    assert actions.iam_action(service, operation) == action


def test_an_operation_named_unlike_its_action_is_caught():
    assert actions.unknown(["s3:PutBucketLifecycleConfiguration", "s3:PutLifecycleConfiguration"]) == ["s3:PutBucketLifecycleConfiguration"]


def test_requests_go_to_the_task_running_then():
    marks = [{"time": 1.0, "layer": None}, {"time": 2.0, "layer": "network"}, {"time": 3.0, "layer": "eks"}, {"time": 4.0, "layer": None}]
    log = [{"time": 1.5, "service": "s3", "operation": "ListBuckets"},
           {"time": 2.5, "service": "ec2", "operation": "CreateVpc"},
           {"time": 3.5, "service": "eks", "operation": "CreateCluster"},
           {"time": 4.5, "service": "resourcegroupstaggingapi", "operation": "GetResources"},
           {"time": 4.6, "service": "grafana-api", "operation": "GetDashboard"}]
    assert used_actions(log, marks) == {"platform": {"s3:ListAllMyBuckets", "tag:GetResources"},
                                        "network": {"ec2:CreateVpc"}, "eks": {"eks:CreateCluster"}}


def test_the_check_fails_when_a_document_lacks_an_action():
    used = {"eks": {"eks:CreateCluster", "eks:DescribeCluster"}, "network": {"ec2:CreateVpc"}}
    complete = {layer: documents.document(layer, layer_actions) for layer, layer_actions in used.items()}
    assert documents.missing(used, complete) == []
    lacking = {"eks": documents.document("eks", {"eks:CreateCluster"}), "network": complete["network"]}
    assert documents.missing(used, lacking) == [("eks", "eks:DescribeCluster")]
    # A layer with no document lacks everything; a wildcard and IAM's case-insensitive names still match.
    assert documents.missing(used, {"eks": complete["eks"]}) == [("network", "ec2:CreateVpc")]
    wildcard = {"Statement": [{"Effect": "Allow", "Action": "EC2:Create*", "Resource": "*"}]}
    assert documents.missing({"network": {"ec2:CreateVpc"}}, {"network": wildcard}) == []


def test_resources_scope_by_type_and_the_platforms_names():
    assert documents.resources("ec2:DescribeVpcs", "p-dev") == ["*"]
    assert documents.resources("eks:DescribeCluster", "p-dev") == ["arn:aws:eks:*:*:cluster/p-dev"]
    assert documents.resources("iam:CreateRole", "p-dev") == ["arn:aws:iam::*:role/gameops/p-dev/*", "arn:aws:iam::*:role/p-dev-*"]
    assert documents.resources("ec2:DeleteVpc", "p-dev") == ["arn:aws:ec2:*:*:vpc/*"]


def test_additions_cover_what_the_emulator_cannot_show():
    eks = documents.document("eks", {"eks:CreateCluster"}, "p-dev")
    passes = [statement for statement in eks["Statement"] if statement["Action"] == ["iam:PassRole"]]
    assert passes and passes[0]["Resource"] == ["arn:aws:iam::*:role/p-dev-*"]
    assert "iam:CreateServiceLinkedRole" in documents.allowed_actions(eks)
    workload = documents.document("workload_roles", {"eks:CreatePodIdentityAssociation"}, "p-dev")
    assert [s["Resource"] for s in workload["Statement"] if s["Action"] == ["iam:PassRole"]] == [["arn:aws:iam::*:role/gameops/p-dev/*"]]


def test_a_create_with_tags_also_needs_the_tagging_action():
    allowed = documents.allowed_actions(documents.document("registry", {"ecr:CreateRepository", "ecr:DescribeRepositories"}, "p-dev"))
    assert sorted(allowed) == ["ecr:CreateRepository", "ecr:DescribeRepositories", "ecr:TagResource"]
