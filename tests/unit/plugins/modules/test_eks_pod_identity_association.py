
import boto3
import pytest

from ansible_collections.gameops.platform.plugins.modules import eks_pod_identity_association
from conftest import create_eks_cluster, run_module

ROLE = "arn:aws:iam::123456789012:role/queue-worker"
OTHER_ROLE = "arn:aws:iam::123456789012:role/queue-worker-v2"


@pytest.fixture
def cluster(aws_env):
    return create_eks_cluster("podid")


def associations(cluster):
    eks = boto3.client("eks")
    return [eks.describe_pod_identity_association(clusterName=cluster, associationId=summary["associationId"])["association"]
            for summary in eks.list_pod_identity_associations(clusterName=cluster)["associations"]]


def worker(cluster, **extra):
    return dict(cluster_name=cluster, namespace="queue", service_account="worker", **extra)


def test_create_then_no_op(aws_env, cluster):
    args = worker(cluster, role_arn=ROLE, tags={"gameops:platform": "t"})
    mark = aws_env.mark()
    planned = run_module(eks_pod_identity_association, args, check_mode=True, diff=True)
    assert planned["changed"] is True
    assert planned["diff"] == {"before": {}, "after": dict(namespace="queue", service_account="worker", role_arn=ROLE,
                                                           association_arn=None, tags={"gameops:platform": "t"})}
    assert aws_env.mutations_since(mark) == []
    assert associations(cluster) == []

    mark = aws_env.mark()
    created = run_module(eks_pod_identity_association, args, diff=True)
    assert created["changed"] is True
    assert aws_env.mutations_since(mark) == ["CreatePodIdentityAssociation"]
    [association] = associations(cluster)
    assert (association["namespace"], association["serviceAccount"], association["roleArn"], association["tags"]) == (
        "queue", "worker", ROLE, {"gameops:platform": "t"})
    assert created["association"]["association_id"] == association["associationId"]
    assert created["diff"]["after"] == dict(planned["diff"]["after"], association_arn=association["associationArn"])

    mark = aws_env.mark()
    again = run_module(eks_pod_identity_association, args, diff=True)
    assert again["changed"] is False
    assert again["diff"]["before"] == again["diff"]["after"] == created["diff"]["after"]
    assert aws_env.mutations_since(mark) == []


def test_role_change_updates_the_association(aws_env, cluster, api_calls):
    created = run_module(eks_pod_identity_association, worker(cluster, role_arn=ROLE))
    association_id = created["association"]["association_id"]

    mark = aws_env.mark()
    planned = run_module(eks_pod_identity_association, worker(cluster, role_arn=OTHER_ROLE), check_mode=True, diff=True)
    assert planned["changed"] is True and planned["diff"]["after"]["role_arn"] == OTHER_ROLE
    assert aws_env.mutations_since(mark) == []

    del api_calls[:]
    updated = run_module(eks_pod_identity_association, worker(cluster, role_arn=OTHER_ROLE), diff=True)
    assert updated["changed"] is True
    assert [(operation, {key: value for key, value in params.items() if key != "clientRequestToken"})
            for operation, params in api_calls if operation.startswith("Update")] == [
        ("UpdatePodIdentityAssociation", {"clusterName": cluster, "associationId": association_id, "roleArn": OTHER_ROLE})]
    assert aws_env.mutations_since(mark) == ["UpdatePodIdentityAssociation"]
    assert updated["association"]["association_id"] == association_id
    before, after = updated["diff"]["before"], updated["diff"]["after"]
    assert {key for key in after if after[key] != before[key]} == {"role_arn"}
    assert [association["roleArn"] for association in associations(cluster)] == [OTHER_ROLE]


def test_only_its_own_service_account_is_touched(aws_env, cluster):
    eks = boto3.client("eks")
    for namespace, service_account in (("queue", "scheduler"), ("billing", "worker")):
        eks.create_pod_identity_association(clusterName=cluster, namespace=namespace, serviceAccount=service_account, roleArn=ROLE)
    assert run_module(eks_pod_identity_association, worker(cluster, role_arn=OTHER_ROLE))["changed"] is True
    run_module(eks_pod_identity_association, worker(cluster, state="absent"))
    remaining = sorted((association["namespace"], association["serviceAccount"], association["roleArn"]) for association in associations(cluster))
    assert remaining == [("billing", "worker", ROLE), ("queue", "scheduler", ROLE)]


def test_tags_update_and_purge(aws_env, cluster):
    run_module(eks_pod_identity_association, worker(cluster, role_arn=ROLE, tags={"keep": "1", "drop": "x"}))
    mark = aws_env.mark()
    result = run_module(eks_pod_identity_association, worker(cluster, role_arn=ROLE, tags={"keep": "1", "add": "y"}))
    assert result["changed"] is True and result["association"]["tags"] == {"keep": "1", "add": "y"}
    assert sorted(aws_env.mutations_since(mark)) == ["TagResource", "UntagResource"]
    assert run_module(eks_pod_identity_association, worker(cluster, role_arn=ROLE))["changed"] is False


def test_clear_failures(aws_env, cluster):
    eks = boto3.client("eks")
    eks.create_addon(clusterName=cluster, addonName="vpc-cni", podIdentityAssociations=[{"serviceAccount": "aws-node", "roleArn": ROLE}])
    mark = aws_env.mark()
    owned = dict(cluster_name=cluster, namespace="kube-system", service_account="aws-node")
    for args in (dict(owned, role_arn=OTHER_ROLE), dict(owned, state="absent")):
        refused = run_module(eks_pod_identity_association, args)
        assert refused["failed"] is True
        assert refused["msg"].startswith("The pod identity association of kube-system/aws-node is owned by the addon arn:aws:eks:")

    missing = run_module(eks_pod_identity_association, worker("no-such-cluster", role_arn=ROLE))
    assert missing["failed"] is True and missing["msg"] == "EKS cluster no-such-cluster does not exist in region ap-northeast-2"
    assert run_module(eks_pod_identity_association, worker(cluster))["failed"] is True  # role_arn is required
    assert aws_env.mutations_since(mark) == []

    gone = run_module(eks_pod_identity_association, worker("no-such-cluster", state="absent"))
    assert gone["changed"] is False and "failed" not in gone


def test_delete_and_delete_again(aws_env, cluster):
    run_module(eks_pod_identity_association, worker(cluster, role_arn=ROLE))
    mark = aws_env.mark()
    planned = run_module(eks_pod_identity_association, worker(cluster, state="absent"), check_mode=True)
    assert planned["changed"] is True and aws_env.mutations_since(mark) == []

    deleted = run_module(eks_pod_identity_association, worker(cluster, state="absent"), diff=True)
    assert deleted["changed"] is True and deleted["association"] == {}
    assert deleted["diff"]["before"]["role_arn"] == ROLE and deleted["diff"]["after"] == {}
    assert aws_env.mutations_since(mark) == ["DeletePodIdentityAssociation"]
    assert associations(cluster) == []

    mark = aws_env.mark()
    again = run_module(eks_pod_identity_association, worker(cluster, state="absent"), diff=True)
    assert again["changed"] is False and again["diff"] == {"before": {}, "after": {}}
    assert aws_env.mutations_since(mark) == []
