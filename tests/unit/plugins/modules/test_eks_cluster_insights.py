"""eks_cluster and EKS upgrade readiness insights: a version an insight in ERROR applies to needs force_upgrade (issue 13)."""

import json

import boto3
import botocore.client
import pytest
from botocore.exceptions import ClientError

from ansible_collections.gameops.platform.plugins.modules import eks_cluster
from conftest import run_module

# The network, name and args fixtures (a 1.33 cluster) are test_eks_cluster's.
from test_eks_cluster import args, name, network  # noqa: F401  pylint: disable=unused-import

BLOCKER = {
    "id": "5e1c6f0a-0b7d-4c63-9d0e-1f2a3b4c5d6e",
    "name": "Deprecated APIs removed in Kubernetes v1.34",
    "category": "UPGRADE_READINESS",
    "kubernetesVersion": "1.34",
    "description": "Checks for usage of deprecated APIs that are scheduled for removal in Kubernetes v1.34.",
    "insightStatus": {"status": "ERROR", "reason": "Deprecated API usage detected within the last 30 days."},
}
REFUSAL = ("Amazon EKS detected upgrade readiness issues. Call the ListInsights API to view detected upgrade blocking issues. "
           "Pass the force flag when updating to override upgrade readiness errors.")


@pytest.fixture
def eks_calls(monkeypatch):
    """Every EKS call the module makes, as (operation, parameters); ``answers`` {operation: function of the parameters}
    answer in the emulator's place, unless they return None.

    The emulator runs in its own process and AWS has no call that puts an insight in ERROR, so the insight EKS
    would report (and the refusal it would send) is answered here, in the module's process.
    """
    make_api_call = botocore.client.BaseClient._make_api_call
    calls, answers = [], {}

    def call(client, operation, params):
        calls.append((operation, params))
        answer = answers[operation](params) if operation in answers else None
        return make_api_call(client, operation, params) if answer is None else answer

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)
    return calls, answers


def blocked_for_1_34(params):
    wanted = params.get("filter") or {}
    applies = "1.34" in wanted.get("kubernetesVersions", []) and "ERROR" in wanted.get("statuses", [])
    return {"insights": [BLOCKER] if applies else []}


def refused_without_force(params):
    if params.get("force") is not True:
        raise ClientError({"Error": {"Code": "InvalidStateException", "Message": REFUSAL}, "clusterName": params["name"],
                           "ResponseMetadata": {"HTTPStatusCode": 400}}, "UpdateClusterVersion")
    return None  # forced: the emulator updates the cluster


def version_of(cluster_name):
    return boto3.client("eks").describe_cluster(name=cluster_name)["cluster"]["version"]


def expect_blocked(result):
    assert result["failed"] is True
    for part in (BLOCKER["name"], BLOCKER["description"], BLOCKER["insightStatus"]["reason"], "Kubernetes 1.34", "force_upgrade=true"):
        assert part in result["msg"]
    assert [insight["id"] for insight in result["upgrade_insights"]] == [BLOCKER["id"]]


@pytest.mark.parametrize("check_mode", [False, True])
def test_an_error_insight_blocks_the_version_update_before_any_change(aws_env, args, eks_calls, check_mode):
    run_module(eks_cluster, args)
    calls, answers = eks_calls
    answers["ListInsights"] = blocked_for_1_34
    mark = aws_env.mark()
    result = run_module(eks_cluster, dict(args, version="1.35", logging=["api"], tags={"a": "1"}), check_mode=check_mode)
    expect_blocked(result)
    assert aws_env.mutations_since(mark) == []  # neither the logging update nor the tags
    assert "UpdateClusterVersion" not in [call[0] for call in calls] and version_of(args["name"]) == "1.33"
    [listed] = [params for operation, params in calls if operation == "ListInsights"]
    assert listed == {"clusterName": args["name"], "filter": {"categories": ["UPGRADE_READINESS"], "kubernetesVersions": ["1.34"],
                                                              "statuses": ["ERROR"]}}


def test_force_upgrade_goes_past_error_insights_with_a_warning(aws_env, args, eks_calls):
    run_module(eks_cluster, args)
    calls, answers = eks_calls
    answers["ListInsights"] = blocked_for_1_34
    planned = run_module(eks_cluster, dict(args, version="1.35", force_upgrade=True), check_mode=True)
    assert [update["request"] for update in planned["updates"]] == [{"name": args["name"], "version": version, "force": True}
                                                                    for version in ("1.34", "1.35")]
    mark = aws_env.mark()
    result = run_module(eks_cluster, dict(args, version="1.35", force_upgrade=True))
    assert result.get("failed") is not True, result.get("msg")
    assert result["changed"] is True and result["cluster"]["version"] == "1.35"
    assert aws_env.mutations_since(mark) == ["UpdateClusterVersion", "UpdateClusterVersion"]
    assert [params.get("force") for operation, params in calls if operation == "UpdateClusterVersion"] == [True, True]
    assert result["upgrade_insights"][0]["name"] == BLOCKER["name"]
    warnings = json.dumps(result.get("warnings"))
    assert "with force_upgrade" in warnings and BLOCKER["name"] in warnings


def test_a_refusal_the_insights_did_not_show_yet_fails_with_how_to_override(aws_env, args, eks_calls):
    """EKS refreshes insights about daily: ListInsights may show no ERROR while UpdateClusterVersion refuses."""
    run_module(eks_cluster, args)
    answers = eks_calls[1]
    answers["UpdateClusterVersion"] = refused_without_force
    result = run_module(eks_cluster, dict(args, version="1.34"))
    assert result["failed"] is True
    assert result["msg"].startswith("EKS refused to update cluster %s to Kubernetes 1.34: %s" % (args["name"], REFUSAL))
    assert "none listed yet" in result["msg"] and "force_upgrade=true" in result["msg"] and result["upgrade_insights"] == []
    forced = run_module(eks_cluster, dict(args, version="1.34", force_upgrade=True))
    assert forced.get("failed") is not True and forced["updates"][0]["update"]["type"] == "VersionUpdate"


def test_no_insight_is_read_without_a_version_update(aws_env, args):
    run_module(eks_cluster, args)
    mark = aws_env.mark()
    assert run_module(eks_cluster, dict(args, force_upgrade=True))["changed"] is False
    assert run_module(eks_cluster, dict(args, logging=["api"]))["changed"] is True
    logged = [entry["operation"] for entry in aws_env.since(mark)]
    assert logged == ["DescribeCluster", "DescribeCluster", "UpdateClusterConfig", "DescribeUpdate", "DescribeCluster"]
