"""iam_workload_roles: a set of component roles, their one inline policy and pod identity associations, in one call."""

import json
import uuid

import boto3
import pytest

from ansible_collections.gameops.platform.plugins.modules import iam_workload_roles
from conftest import create_eks_cluster, run_module

TRUST = {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]}


def policy(*actions):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "arn:aws:s3:::logs/*"}]}


@pytest.fixture
def platform(aws_env):
    return "wr-%s" % uuid.uuid4().hex[:8]


@pytest.fixture
def cluster(aws_env):
    return create_eks_cluster("wr")


def role(platform, name, **changes):
    spec = {"name": "%s-%s" % (platform, name), "path": "/gameops/%s/" % platform, "description": name + " in observability",
            "trust_policy": TRUST, "policy_name": name, "policy": policy("s3:GetObject"), "tags": {"gameops:platform": platform}}
    spec.update(changes)
    return spec


def args(cluster, *roles):
    return {"cluster_name": cluster, "roles": list(roles)}


def associations(cluster):
    """Service account -> role; a listing's summaries carry no role (as AWS's), so each is described."""
    eks = boto3.client("eks")
    described = [eks.describe_pod_identity_association(clusterName=cluster, associationId=summary["associationId"])["association"]
                 for summary in eks.list_pod_identity_associations(clusterName=cluster)["associations"]]
    return {(association["namespace"], association["serviceAccount"]): association["roleArn"] for association in described}


def test_created_in_one_call_then_a_second_run_changes_nothing(aws_env, platform, cluster):
    loki = role(platform, "loki", pod_identity={"namespace": "observability", "service_account": "loki"})
    alloy = role(platform, "alloy", policy=policy("aps:RemoteWrite"), pod_identity={"namespace": "observability", "service_account": "alloy"})
    mark = aws_env.mark()
    planned = run_module(iam_workload_roles, args(cluster, loki, alloy), check_mode=True, diff=True)
    assert planned["changed"] is True and [entry["arn"] for entry in planned["roles"]] == [None, None]
    assert planned["diff"]["before"] == {loki["name"]: {}, alloy["name"]: {}}
    assert planned["diff"]["after"][loki["name"]]["service_account"] == "observability/loki"
    assert [(entry["type"], entry["name"], entry["before"]) for entry in planned["ansible_facts"]["iam_workload_roles_plan_resources"]] \
        == [("iam role", loki["name"], {}), ("iam role", alloy["name"], {})]
    assert aws_env.mutations_since(mark) == []

    mark = aws_env.mark()
    created = run_module(iam_workload_roles, args(cluster, loki, alloy), diff=True)
    assert created["changed"] is True
    assert sorted(aws_env.mutations_since(mark)) == sorted(["CreateRole", "PutRolePolicy", "CreatePodIdentityAssociation"] * 2)
    iam = boto3.client("iam")
    made = iam.get_role(RoleName=loki["name"])["Role"]
    assert made["Path"] == loki["path"] and {tag["Key"]: tag["Value"] for tag in made["Tags"]} == loki["tags"]
    assert iam.get_role_policy(RoleName=alloy["name"], PolicyName="alloy")["PolicyDocument"] == alloy["policy"]
    assert associations(cluster) == {("observability", "loki"): made["Arn"],
                                     ("observability", "alloy"): iam.get_role(RoleName=alloy["name"])["Role"]["Arn"]}
    assert [entry["arn"] for entry in created["roles"]][0] == made["Arn"]

    mark = aws_env.mark()
    again = run_module(iam_workload_roles, args(cluster, loki, alloy), diff=True)
    assert again["changed"] is False and not any(entry["changed"] for entry in again["roles"])
    assert again["diff"]["before"] == again["diff"]["after"]
    assert aws_env.mutations_since(mark) == []


def test_drift_is_put_back_and_shown_first_in_check_mode(aws_env, platform, cluster):
    loki = role(platform, "loki")
    run_module(iam_workload_roles, args(cluster, loki))
    iam = boto3.client("iam")
    iam.put_role_policy(RoleName=loki["name"], PolicyName="added-by-hand", PolicyDocument=json.dumps(policy("s3:*")))
    iam.tag_role(RoleName=loki["name"], Tags=[{"Key": "owner", "Value": "someone"}])
    changed = role(platform, "loki", policy=policy("s3:GetObject", "s3:PutObject"), description="loki, writing too")

    mark = aws_env.mark()
    planned = run_module(iam_workload_roles, args(cluster, changed), check_mode=True, diff=True)
    assert planned["changed"] is True and aws_env.mutations_since(mark) == []
    before, after = planned["diff"]["before"][loki["name"]], planned["diff"]["after"][loki["name"]]
    assert before["policy"] == loki["policy"] and after["policy"] == changed["policy"]
    assert before["tags"] == dict(loki["tags"], owner="someone") and after["tags"] == loki["tags"]

    mark = aws_env.mark()
    run_module(iam_workload_roles, args(cluster, changed))
    assert sorted(aws_env.mutations_since(mark)) == ["DeleteRolePolicy", "PutRolePolicy", "UntagRole", "UpdateRole"]
    assert iam.list_role_policies(RoleName=loki["name"])["PolicyNames"] == ["loki"]
    assert iam.get_role_policy(RoleName=loki["name"], PolicyName="loki")["PolicyDocument"] == changed["policy"]
    assert iam.get_role(RoleName=loki["name"])["Role"]["Description"] == "loki, writing too"


def test_a_trust_change_is_updated_in_place(aws_env, platform, cluster):
    loki = role(platform, "loki")
    run_module(iam_workload_roles, args(cluster, loki))
    irsa = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
                                                    "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/oidc.example"}}]}
    mark = aws_env.mark()
    result = run_module(iam_workload_roles, args(cluster, role(platform, "loki", trust_policy=irsa)))
    assert result["changed"] is True and aws_env.mutations_since(mark) == ["UpdateAssumeRolePolicy"]


def test_an_association_to_another_role_is_pointed_at_this_one(aws_env, platform, cluster):
    eks = boto3.client("eks")
    eks.create_pod_identity_association(clusterName=cluster, namespace="observability", serviceAccount="loki",
                                        roleArn="arn:aws:iam::123456789012:role/someone-else")
    loki = role(platform, "loki", pod_identity={"namespace": "observability", "service_account": "loki"})
    mark = aws_env.mark()
    result = run_module(iam_workload_roles, args(cluster, loki))
    assert "UpdatePodIdentityAssociation" in aws_env.mutations_since(mark)
    assert associations(cluster) == {("observability", "loki"): result["roles"][0]["arn"]}


def test_a_role_under_another_path_is_refused_not_replaced(aws_env, platform, cluster):
    loki = role(platform, "loki")
    boto3.client("iam").create_role(RoleName=loki["name"], Path="/", AssumeRolePolicyDocument=json.dumps(TRUST))
    mark = aws_env.mark()
    result = run_module(iam_workload_roles, args(cluster, loki))
    assert result["failed"] is True
    assert result["msg"] == ("The IAM role %s is under the path /, not /gameops/%s/; IAM cannot move a role: delete it and run again"
                             % (loki["name"], platform))
    assert aws_env.mutations_since(mark) == []


def test_pod_identity_needs_a_cluster(aws_env, platform):
    result = run_module(iam_workload_roles, {"roles": [role(platform, "loki", pod_identity={"namespace": "o", "service_account": "l"})]})
    assert result["failed"] is True and result["msg"] == "cluster_name is required when a role has pod_identity"
