
import boto3
import pytest

from ansible_collections.gameops.platform.plugins.modules import eks_access_entry
from conftest import create_eks_cluster, run_module

PRINCIPAL = "arn:aws:iam::123456789012:role/ci-deployer"
POLICY = "arn:aws:eks::aws:cluster-access-policy/"
ADMIN, EDIT, VIEW = POLICY + "AmazonEKSClusterAdminPolicy", POLICY + "AmazonEKSEditPolicy", POLICY + "AmazonEKSViewPolicy"
CLUSTER_SCOPE = {"type": "cluster", "namespaces": []}


@pytest.fixture
def cluster(aws_env):
    return create_eks_cluster("access")


def sent(api_calls):
    """The mutating calls recorded, with the parameters that matter."""
    return [(operation, {key: value for key, value in params.items() if key not in ("clusterName", "principalArn", "clientRequestToken")})
            for operation, params in api_calls if not operation.startswith(("Describe", "List"))]


def aws_policies(cluster, principal=PRINCIPAL):
    listed = boto3.client("eks").list_associated_access_policies(clusterName=cluster, principalArn=principal)
    return {policy["policyArn"]: policy["accessScope"] for policy in listed["associatedAccessPolicies"]}


def namespaced(*namespaces):
    return {"type": "namespace", "namespaces": list(namespaces)}


def test_create_then_no_op(aws_env, cluster):
    args = dict(cluster_name=cluster, principal_arn=PRINCIPAL, kubernetes_groups=["deployers"], tags={"gameops:platform": "t"},
                access_policies=[dict(policy="AmazonEKSClusterAdminPolicy"),
                                 dict(policy=VIEW, access_scope=dict(type="namespace", namespaces=["queue", "dev-*"]))])
    policies = [dict(policy_arn=ADMIN, access_scope=CLUSTER_SCOPE), dict(policy_arn=VIEW, access_scope=namespaced("dev-*", "queue"))]

    mark = aws_env.mark()
    planned = run_module(eks_access_entry, args, check_mode=True, diff=True)
    assert planned["changed"] is True
    assert planned["diff"] == {"before": {}, "after": dict(principal_arn=PRINCIPAL, type="STANDARD", kubernetes_groups=["deployers"],
                                                           username=None, tags={"gameops:platform": "t"}, access_policies=policies)}
    assert aws_env.mutations_since(mark) == []
    assert boto3.client("eks").list_access_entries(clusterName=cluster)["accessEntries"] == []

    mark = aws_env.mark()
    created = run_module(eks_access_entry, args, diff=True)
    assert created["changed"] is True
    assert aws_env.mutations_since(mark) == ["CreateAccessEntry", "AssociateAccessPolicy", "AssociateAccessPolicy"]
    username = "arn:aws:sts::123456789012:assumed-role/ci-deployer/{{SessionName}}"
    assert created["diff"]["after"] == dict(planned["diff"]["after"], username=username)
    entry = created["access_entry"]
    assert (entry["type"], entry["kubernetes_groups"], entry["username"], entry["tags"]) == ("STANDARD", ["deployers"], username, {"gameops:platform": "t"})
    assert [policy["policy_arn"] for policy in entry["access_policies"]] == [ADMIN, VIEW]
    assert aws_policies(cluster) == {ADMIN: CLUSTER_SCOPE, VIEW: namespaced("dev-*", "queue")}

    mark = aws_env.mark()
    again = run_module(eks_access_entry, args, diff=True)
    assert again["changed"] is False
    assert again["diff"]["before"] == again["diff"]["after"] == created["diff"]["after"]
    assert aws_env.mutations_since(mark) == []


def test_policies_are_associated_and_disassociated_exactly(aws_env, cluster, api_calls):
    base = dict(cluster_name=cluster, principal_arn=PRINCIPAL)
    run_module(eks_access_entry, dict(base, access_policies=[dict(policy="AmazonEKSViewPolicy"), dict(policy="AmazonEKSEditPolicy")]))

    # Add one: one association.
    del api_calls[:]
    result = run_module(eks_access_entry, dict(base, access_policies=[
        dict(policy="AmazonEKSViewPolicy"), dict(policy="AmazonEKSEditPolicy"), dict(policy=ADMIN)]), diff=True)
    assert result["changed"] is True
    assert sent(api_calls) == [("AssociateAccessPolicy", {"policyArn": ADMIN, "accessScope": {"type": "cluster"}})]
    assert [policy["policy_arn"] for policy in result["diff"]["after"]["access_policies"]] == [ADMIN, EDIT, VIEW]

    # Change the scope of one: it is associated again with the new scope, nothing else.
    del api_calls[:]
    result = run_module(eks_access_entry, dict(base, access_policies=[
        dict(policy="AmazonEKSViewPolicy"), dict(policy="AmazonEKSEditPolicy", access_scope=dict(type="namespace", namespaces=["queue"])),
        dict(policy=ADMIN)]), diff=True)
    assert sent(api_calls) == [("AssociateAccessPolicy", {"policyArn": EDIT, "accessScope": namespaced("queue")})]
    before, after = result["diff"]["before"]["access_policies"], result["diff"]["after"]["access_policies"]
    assert [policy for policy in before if policy not in after] == [dict(policy_arn=EDIT, access_scope=CLUSTER_SCOPE)]
    assert [policy for policy in after if policy not in before] == [dict(policy_arn=EDIT, access_scope=namespaced("queue"))]
    assert aws_policies(cluster) == {ADMIN: CLUSTER_SCOPE, EDIT: namespaced("queue"), VIEW: CLUSTER_SCOPE}

    # Namespaces in another order are the same scope.
    del api_calls[:]
    keep = [dict(policy=ADMIN), dict(policy=VIEW), dict(policy=EDIT, access_scope=dict(type="namespace", namespaces=["queue", "queue"]))]
    assert run_module(eks_access_entry, dict(base, access_policies=keep))["changed"] is False
    assert sent(api_calls) == []

    # Remove one: one disassociation; without purging, nothing is removed.
    del api_calls[:]
    result = run_module(eks_access_entry, dict(base, access_policies=keep[:1], purge_access_policies=False))
    assert result["changed"] is False and sent(api_calls) == []
    result = run_module(eks_access_entry, dict(base, access_policies=keep[:2]))
    assert result["changed"] is True
    assert sent(api_calls) == [("DisassociateAccessPolicy", {"policyArn": EDIT})]
    assert aws_policies(cluster) == {ADMIN: CLUSTER_SCOPE, VIEW: CLUSTER_SCOPE}

    # Omitted, the policies are left alone; empty, they all go.
    del api_calls[:]
    assert run_module(eks_access_entry, base)["changed"] is False
    run_module(eks_access_entry, dict(base, access_policies=[]))
    assert sorted(sent(api_calls), key=repr) == [("DisassociateAccessPolicy", {"policyArn": ADMIN}), ("DisassociateAccessPolicy", {"policyArn": VIEW})]
    assert aws_policies(cluster) == {}


def test_groups_and_username_update_exactly(aws_env, cluster, api_calls):
    base = dict(cluster_name=cluster, principal_arn=PRINCIPAL)
    run_module(eks_access_entry, dict(base, kubernetes_groups=["deployers"], username="ci"))
    del api_calls[:]
    result = run_module(eks_access_entry, dict(base, kubernetes_groups=["readers", "deployers"]), diff=True)
    assert result["changed"] is True
    assert sent(api_calls) == [("UpdateAccessEntry", {"kubernetesGroups": ["deployers", "readers"]})]
    assert result["diff"]["after"]["kubernetes_groups"] == ["deployers", "readers"]
    assert result["access_entry"]["username"] == "ci"

    del api_calls[:]
    assert run_module(eks_access_entry, dict(base, kubernetes_groups=["deployers", "readers"], username="ci-bot"))["changed"] is True
    assert sent(api_calls) == [("UpdateAccessEntry", {"username": "ci-bot"})]

    mark = aws_env.mark()
    planned = run_module(eks_access_entry, dict(base, kubernetes_groups=[], access_policies=[dict(policy="AmazonEKSViewPolicy")],
                                                tags={"a": "1"}), check_mode=True, diff=True)
    assert planned["changed"] is True and planned["diff"]["after"]["kubernetes_groups"] == []
    planned = run_module(eks_access_entry, dict(base, state="absent"), check_mode=True)
    assert planned["changed"] is True
    assert aws_env.mutations_since(mark) == []


def test_tags_update_and_purge(aws_env, cluster):
    base = dict(cluster_name=cluster, principal_arn=PRINCIPAL)
    run_module(eks_access_entry, dict(base, tags={"keep": "1", "drop": "x"}))
    mark = aws_env.mark()
    result = run_module(eks_access_entry, dict(base, tags={"keep": "1", "add": "y"}))
    assert result["changed"] is True and result["access_entry"]["tags"] == {"keep": "1", "add": "y"}
    assert sorted(aws_env.mutations_since(mark)) == ["TagResource", "UntagResource"]
    assert run_module(eks_access_entry, base)["changed"] is False


def test_clear_failures(aws_env, cluster):
    base = dict(cluster_name=cluster, principal_arn=PRINCIPAL)
    run_module(eks_access_entry, base)
    mark = aws_env.mark()

    retyped = run_module(eks_access_entry, dict(base, type="EC2_LINUX"))
    assert retyped["failed"] is True
    assert "is of type STANDARD, not EC2_LINUX, and the type of an access entry cannot be changed" in retyped["msg"]

    node = run_module(eks_access_entry, dict(base, type="EC2_LINUX", kubernetes_groups=["nodes"]))
    assert node["failed"] is True and node["msg"] == "kubernetes_groups and username only apply to access entries of type STANDARD"

    unknown = run_module(eks_access_entry, dict(base, access_policies=[dict(policy="AmazonEKSMadeUpPolicy")]))
    assert unknown["failed"] is True and unknown["msg"] == "Not EKS access policies: " + POLICY + "AmazonEKSMadeUpPolicy"

    unscoped = run_module(eks_access_entry, dict(base, access_policies=[dict(policy="AmazonEKSViewPolicy", access_scope=dict(type="namespace"))]))
    assert unscoped["failed"] is True and "names no namespaces" in unscoped["msg"]

    missing = run_module(eks_access_entry, dict(base, cluster_name="no-such-cluster"))
    assert missing["failed"] is True and missing["msg"] == "EKS cluster no-such-cluster does not exist in region ap-northeast-2"
    assert aws_env.mutations_since(mark) == []

    gone = run_module(eks_access_entry, dict(base, cluster_name="no-such-cluster", state="absent"))
    assert gone["changed"] is False and "failed" not in gone


def test_other_types(aws_env, cluster):
    node_role = "arn:aws:iam::123456789012:role/nodes"
    created = run_module(eks_access_entry, dict(cluster_name=cluster, principal_arn=node_role, type="EC2_LINUX"))
    assert created["changed"] is True and created["access_entry"]["type"] == "EC2_LINUX"
    assert run_module(eks_access_entry, dict(cluster_name=cluster, principal_arn=node_role, type="EC2_LINUX"))["changed"] is False


def test_delete_and_delete_again(aws_env, cluster):
    run_module(eks_access_entry, dict(cluster_name=cluster, principal_arn=PRINCIPAL, access_policies=[dict(policy="AmazonEKSViewPolicy")]))
    mark = aws_env.mark()
    deleted = run_module(eks_access_entry, dict(cluster_name=cluster, principal_arn=PRINCIPAL, state="absent"), diff=True)
    assert deleted["changed"] is True and deleted["access_entry"] == {}
    assert deleted["diff"]["before"]["access_policies"] == [dict(policy_arn=VIEW, access_scope=CLUSTER_SCOPE)]
    assert deleted["diff"]["after"] == {}
    assert aws_env.mutations_since(mark) == ["DeleteAccessEntry"]
    assert boto3.client("eks").list_access_entries(clusterName=cluster)["accessEntries"] == []

    mark = aws_env.mark()
    again = run_module(eks_access_entry, dict(cluster_name=cluster, principal_arn=PRINCIPAL, state="absent"), diff=True)
    assert again["changed"] is False and again["diff"] == {"before": {}, "after": {}}
    assert aws_env.mutations_since(mark) == []
