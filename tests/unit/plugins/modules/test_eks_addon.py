import json

import boto3
import pytest

from ansible_collections.gameops.platform.plugins.modules import eks_addon
from conftest import create_eks_cluster, run_module

ROLE = "arn:aws:iam::123456789012:role/vpc-cni"
OTHER_ROLE = "arn:aws:iam::123456789012:role/vpc-cni-v2"
LATEST_VPC_CNI = "v1.21.1-eksbuild.1"  # the newest vpc-cni on the test clusters' 1.35; the default too
OLDER_VPC_CNI = "v1.20.4-eksbuild.2"  # one minor below: vpc-cni moves one at a time


@pytest.fixture
def cluster(aws_env):
    return create_eks_cluster("addons")


def aws_addon(cluster, name="vpc-cni"):
    return boto3.client("eks").describe_addon(clusterName=cluster, addonName=name)["addon"]


def test_create_then_no_op(aws_env, cluster):
    args = dict(cluster_name=cluster, name="vpc-cni", configuration_values={"env": {"ENABLE_PREFIX_DELEGATION": "true"}},
                pod_identity_associations=[dict(service_account="aws-node", role_arn=ROLE)], tags={"gameops:platform": "t"})
    expected = dict(addon_name="vpc-cni", addon_version=LATEST_VPC_CNI,
                    configuration_values={"env": {"ENABLE_PREFIX_DELEGATION": "true"}}, service_account_role_arn=None,
                    pod_identity_associations=[dict(service_account="aws-node", role_arn=ROLE)], tags={"gameops:platform": "t"})

    mark = aws_env.mark()
    planned = run_module(eks_addon, args, check_mode=True, diff=True)
    assert planned["changed"] is True
    assert planned["diff"] == {"before": {}, "after": dict(expected, addon_arn=None)}
    assert aws_env.mutations_since(mark) == []
    assert boto3.client("eks").list_addons(clusterName=cluster)["addons"] == []

    mark = aws_env.mark()
    created = run_module(eks_addon, args, diff=True)
    assert created["changed"] is True
    assert aws_env.mutations_since(mark) == ["CreateAddon"]
    assert created["addon"]["status"] == "ACTIVE"
    assert created["addon"]["addon_arn"] == aws_addon(cluster)["addonArn"]
    assert created["diff"] == {"before": {}, "after": dict(expected, addon_arn=created["addon"]["addon_arn"])}
    assert {key: created["addon"][key] for key in expected} == expected
    assert json.loads(aws_addon(cluster)["configurationValues"]) == {"env": {"ENABLE_PREFIX_DELEGATION": "true"}}

    mark = aws_env.mark()
    again = run_module(eks_addon, args, diff=True)
    assert again["changed"] is False
    assert again["diff"]["before"] == again["diff"]["after"] == created["diff"]["after"]
    assert aws_env.mutations_since(mark) == []

    # The same configuration as JSON or YAML text is no change either: it is compared as data.
    for text in ('{"env": {"ENABLE_PREFIX_DELEGATION": "true"}}', "env:\n  ENABLE_PREFIX_DELEGATION: 'true'\n"):
        assert run_module(eks_addon, dict(args, configuration_values=text))["changed"] is False
    assert aws_env.mutations_since(mark) == []


def test_update_of_one_field_sends_only_that(aws_env, cluster, api_calls):
    base = dict(cluster_name=cluster, name="vpc-cni", version=OLDER_VPC_CNI, configuration_values={"env": {"A": "1"}})
    run_module(eks_addon, base)

    def updates():
        return [params for operation, params in api_calls if operation == "UpdateAddon"]

    def sent(**change):
        del api_calls[:]
        result = run_module(eks_addon, dict(base, **change), diff=True)
        assert result.get("changed") is True, result
        [update] = updates()
        return result, {key: value for key, value in update.items() if key not in ("clusterName", "addonName", "resolveConflicts", "clientRequestToken")}

    result, update = sent(configuration_values='{"env": {"A": "2"}}')
    assert update == {"configurationValues": '{"env": {"A": "2"}}'}
    assert result["diff"]["before"]["configuration_values"] == {"env": {"A": "1"}}
    assert result["diff"]["after"]["configuration_values"] == {"env": {"A": "2"}}
    changed = {key for key in result["diff"]["after"] if result["diff"]["after"][key] != result["diff"]["before"][key]}
    assert changed == {"configuration_values"}
    base["configuration_values"] = {"env": {"A": "2"}}

    result, update = sent(version=LATEST_VPC_CNI)
    assert update == {"addonVersion": LATEST_VPC_CNI}
    assert aws_addon(cluster)["addonVersion"] == LATEST_VPC_CNI == result["addon"]["addon_version"]
    base["version"] = LATEST_VPC_CNI

    _result, update = sent(service_account_role_arn=ROLE)
    assert update == {"serviceAccountRoleArn": ROLE}
    base["service_account_role_arn"] = ROLE

    _result, update = sent(pod_identity_associations=[dict(service_account="aws-node", role_arn=OTHER_ROLE)])
    assert update == {"podIdentityAssociations": [{"serviceAccount": "aws-node", "roleArn": OTHER_ROLE}]}

    _result, update = sent(configuration_values={}, resolve_conflicts="PRESERVE")
    assert update == {"configurationValues": "{}"}
    assert updates()[0]["resolveConflicts"] == "PRESERVE"
    base["configuration_values"] = {}
    assert aws_addon(cluster)["serviceAccountRoleArn"] == ROLE

    # Omitted options leave the addon as it is.
    mark = aws_env.mark()
    assert run_module(eks_addon, dict(cluster_name=cluster, name="vpc-cni"))["changed"] is False
    assert aws_env.mutations_since(mark) == []


def test_check_mode_update_and_delete_make_no_mutating_call(aws_env, cluster):
    run_module(eks_addon, dict(cluster_name=cluster, name="vpc-cni", version=OLDER_VPC_CNI, tags={"a": "1"}))
    mark = aws_env.mark()
    planned = run_module(eks_addon, dict(cluster_name=cluster, name="vpc-cni", configuration_values={"env": {"A": "1"}},
                                         tags={"b": "2"}), check_mode=True, diff=True)
    assert planned["changed"] is True
    after = planned["diff"]["after"]
    assert (after["addon_version"], after["configuration_values"], after["tags"]) == (LATEST_VPC_CNI, {"env": {"A": "1"}}, {"b": "2"})
    assert planned["diff"]["before"]["addon_version"] == OLDER_VPC_CNI

    planned = run_module(eks_addon, dict(cluster_name=cluster, name="vpc-cni", state="absent"), check_mode=True, diff=True)
    assert planned["changed"] is True and planned["diff"]["after"] == {}
    assert aws_env.mutations_since(mark) == []
    addon = aws_addon(cluster)
    assert (addon["addonVersion"], addon["tags"], "configurationValues" in addon) == (OLDER_VPC_CNI, {"a": "1"}, False)


@pytest.mark.parametrize("version, expected", [("latest", "v1.11.4-eksbuild.24"), ("default", "v1.11.4-eksbuild.14"),
                                               ("v1.11.4-eksbuild.14", "v1.11.4-eksbuild.14")])
def test_version_resolution_on_the_clusters_kubernetes_version(aws_env, version, expected):
    # On 1.32, coredns v1.12 (1.33 and later) does not run; v1.11.4-eksbuild.24 is the newest that does, eksbuild.14 the default.
    cluster = create_eks_cluster("addons", "1.32")
    result = run_module(eks_addon, dict(cluster_name=cluster, name="coredns", version=version))
    assert result["changed"] is True and result["addon"]["addon_version"] == expected
    assert aws_addon(cluster, "coredns")["addonVersion"] == expected


def test_latest_upgrades_and_default_does_not_downgrade(aws_env, cluster):
    run_module(eks_addon, dict(cluster_name=cluster, name="vpc-cni", version=OLDER_VPC_CNI))
    mark = aws_env.mark()
    assert run_module(eks_addon, dict(cluster_name=cluster, name="vpc-cni"))["addon"]["addon_version"] == LATEST_VPC_CNI
    assert aws_env.mutations_since(mark) == ["UpdateAddon"]

    cluster = create_eks_cluster("addons", "1.32")
    run_module(eks_addon, dict(cluster_name=cluster, name="coredns", version="latest"))
    mark = aws_env.mark()
    kept = run_module(eks_addon, dict(cluster_name=cluster, name="coredns", version="default"))
    assert kept["changed"] is False and kept["addon"]["addon_version"] == "v1.11.4-eksbuild.24"
    assert aws_env.mutations_since(mark) == []


def test_clear_failures(aws_env, cluster):
    mark = aws_env.mark()
    unknown = run_module(eks_addon, dict(cluster_name=cluster, name="no-such-addon"))
    assert unknown["failed"] is True and unknown["msg"] == "EKS has no addon named no-such-addon in region ap-northeast-2"

    incompatible = run_module(eks_addon, dict(cluster_name=cluster, name="kube-proxy", version="v1.33.0-eksbuild.2"))
    assert incompatible["failed"] is True
    assert incompatible["msg"] == ("Version v1.33.0-eksbuild.2 of the EKS addon kube-proxy does not run on Kubernetes 1.35; "
                                   "these do: v1.35.0-eksbuild.2")

    missing = run_module(eks_addon, dict(cluster_name="no-such-cluster", name="vpc-cni"))
    assert missing["failed"] is True and missing["msg"] == "EKS cluster no-such-cluster does not exist in region ap-northeast-2"

    bad = run_module(eks_addon, dict(cluster_name=cluster, name="vpc-cni", configuration_values="- a list"))
    assert bad["failed"] is True and "must be a JSON or YAML object" in bad["msg"]
    bad = run_module(eks_addon, dict(cluster_name=cluster, name="vpc-cni", service_account_role_arn=""))
    assert bad["failed"] is True and "can be replaced, not removed" in bad["msg"]
    assert aws_env.mutations_since(mark) == []

    # Nothing to delete on a cluster that does not exist.
    gone = run_module(eks_addon, dict(cluster_name="no-such-cluster", name="vpc-cni", state="absent"))
    assert gone["changed"] is False and "failed" not in gone


def test_failed_state_ends_the_wait_with_the_health_issues(aws_env, cluster, monkeypatch):
    """The emulator's addons settle at once; a DEGRADED one is made up for the wait after CreateAddon."""
    degraded = {"addonName": "coredns", "status": "DEGRADED", "health": {"issues": [
        {"code": "InsufficientNumberOfReplicas", "message": "The add-on is unhealthy", "resourceIds": ["coredns"]}]}}
    answers = iter([None, degraded])
    monkeypatch.setattr(eks_addon, "get_addon", lambda *args: next(answers))
    result = run_module(eks_addon, dict(cluster_name=cluster, name="coredns"))
    assert result["failed"] is True
    assert result["msg"] == ("addon coredns of cluster %s to become ACTIVE failed: the addon is DEGRADED; health issues: "
                             "InsufficientNumberOfReplicas: The add-on is unhealthy (coredns)" % cluster)
    assert result["last"]["status"] == "DEGRADED"


def test_tags_update_and_purge(aws_env, cluster):
    run_module(eks_addon, dict(cluster_name=cluster, name="kube-proxy", tags={"keep": "1", "drop": "x"}))
    mark = aws_env.mark()
    result = run_module(eks_addon, dict(cluster_name=cluster, name="kube-proxy", tags={"keep": "1", "add": "y"}), diff=True)
    assert result["changed"] is True and result["addon"]["tags"] == {"keep": "1", "add": "y"}
    assert sorted(aws_env.mutations_since(mark)) == ["TagResource", "UntagResource"]
    assert result["diff"]["before"]["tags"] == {"keep": "1", "drop": "x"}
    assert aws_addon(cluster, "kube-proxy")["tags"] == {"keep": "1", "add": "y"}
    assert run_module(eks_addon, dict(cluster_name=cluster, name="kube-proxy", tags={"z": "1"}, purge_tags=False))["changed"] is True
    assert aws_addon(cluster, "kube-proxy")["tags"] == {"keep": "1", "add": "y", "z": "1"}


def test_delete_and_delete_again(aws_env, cluster):
    run_module(eks_addon, dict(cluster_name=cluster, name="vpc-cni", pod_identity_associations=[dict(service_account="aws-node", role_arn=ROLE)]))
    mark = aws_env.mark()
    deleted = run_module(eks_addon, dict(cluster_name=cluster, name="vpc-cni", state="absent", preserve_on_delete=True), diff=True)
    assert deleted["changed"] is True and deleted["addon"] == {}
    assert deleted["diff"]["before"]["pod_identity_associations"] == [dict(service_account="aws-node", role_arn=ROLE)]
    assert deleted["diff"]["after"] == {}
    assert aws_env.mutations_since(mark) == ["DeleteAddon"]
    eks = boto3.client("eks")
    assert eks.list_addons(clusterName=cluster)["addons"] == []
    assert eks.list_pod_identity_associations(clusterName=cluster)["associations"] == []

    mark = aws_env.mark()
    again = run_module(eks_addon, dict(cluster_name=cluster, name="vpc-cni", state="absent"), diff=True)
    assert again["changed"] is False and again["diff"] == {"before": {}, "after": {}}
    assert aws_env.mutations_since(mark) == []


def test_preserve_is_none_on_creation_and_preserve_on_update(aws_env, cluster, api_calls):
    """EKS refuses resolveConflicts PRESERVE on CreateAddon (issue 13 #18)."""
    args = dict(cluster_name=cluster, name="coredns", resolve_conflicts="PRESERVE")
    created = run_module(eks_addon, args)
    assert created.get("failed") is not True, created.get("msg")
    updated = run_module(eks_addon, dict(args, configuration_values={"replicaCount": 3}))
    assert updated["changed"] is True
    sent = [(operation, params["resolveConflicts"]) for operation, params in api_calls if operation in ("CreateAddon", "UpdateAddon")]
    assert sent == [("CreateAddon", "NONE"), ("UpdateAddon", "PRESERVE")]


def test_vpc_cni_steps_one_minor_version_at_a_time(aws_env, api_calls):
    """latest on vpc-cni two minors ahead goes through the newest of the minor between (issue 13 #5)."""
    cluster = create_eks_cluster("cni", version="1.33")
    run_module(eks_addon, dict(cluster_name=cluster, name="vpc-cni", version="v1.19.5-eksbuild.3"))
    eks_api = boto3.client("eks")
    for version in ("1.34", "1.35"):
        eks_api.update_cluster_version(name=cluster, version=version)
    planned = run_module(eks_addon, dict(cluster_name=cluster, name="vpc-cni"), check_mode=True)
    assert planned["addon"]["version_steps"] == ["v1.20.4-eksbuild.2"] and planned["addon"]["addon_version"] == "v1.21.1-eksbuild.1"
    result = run_module(eks_addon, dict(cluster_name=cluster, name="vpc-cni"))
    assert result.get("failed") is not True, result.get("msg")
    assert result["changed"] is True and result["addon"]["addon_version"] == "v1.21.1-eksbuild.1"
    assert [params.get("addonVersion") for operation, params in api_calls if operation == "UpdateAddon"] == ["v1.20.4-eksbuild.2", "v1.21.1-eksbuild.1"]
    assert run_module(eks_addon, dict(cluster_name=cluster, name="vpc-cni"))["changed"] is False
