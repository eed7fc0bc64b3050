"""The emulator's EKS cluster and nodegroup corrections (fidelity.eks_creation_defaults, handlers/eks_clusters.py).

Each test creates its own cluster, so tests share the session's emulator without meeting.
"""

import json
import uuid

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"
REGION = "ap-northeast-2"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/eks-cluster"
NODE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/eks-node"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0c2d7a7e-1111-4c4c-9a9a-0123456789ab"


@pytest.fixture
def eks(aws_env):
    return boto3.client("eks", region_name=REGION, config=botocore.config.Config(retries={"max_attempts": 1}))


@pytest.fixture
def subnets(aws_env):
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc_id = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    ids = [ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.40.{index}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"]
           for index, zone in enumerate("ab")]
    return vpc_id, ids


def new_cluster(eks, subnet_ids=("subnet-a", "subnet-b"), **params):
    name = "c-" + uuid.uuid4().hex[:8]
    eks.create_cluster(name=name, roleArn=ROLE, resourcesVpcConfig={"subnetIds": list(subnet_ids)}, **params)
    return name


def new_nodegroup(eks, cluster, **params):
    name = "ng-" + uuid.uuid4().hex[:6]
    eks.create_nodegroup(clusterName=cluster, nodegroupName=name, nodeRole=NODE_ROLE, subnets=["subnet-a"], **params)
    return name


def error(call, **kwargs):
    """(error code, message) of a call that must fail."""
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_cluster_creation_defaults(eks, subnets):
    vpc_id, subnet_ids = subnets
    cluster = eks.describe_cluster(name=new_cluster(eks, subnet_ids))["cluster"]
    assert cluster["version"] == "1.35"  # the calendar's default version, in standard support
    config = cluster["resourcesVpcConfig"]
    assert (config["vpcId"], config["subnetIds"], config["securityGroupIds"]) == (vpc_id, subnet_ids, [])
    assert (config["endpointPublicAccess"], config["endpointPrivateAccess"], config["publicAccessCidrs"]) == (True, False, ["0.0.0.0/0"])
    assert config["clusterSecurityGroupId"].startswith("sg-")
    assert cluster["accessConfig"] == {"authenticationMode": "CONFIG_MAP", "bootstrapClusterCreatorAdminPermissions": True}
    assert cluster["logging"] == {"clusterLogging": [{"types": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
                                                      "enabled": False}]}

    named = eks.describe_cluster(name=new_cluster(eks, version="1.32", logging={"clusterLogging": [{"types": ["audit", "api"], "enabled": True}]},
                                                  accessConfig={"authenticationMode": "API"}))["cluster"]
    assert named["version"] == "1.32" and "vpcId" not in named["resourcesVpcConfig"]  # subnets unknown to EC2
    assert named["logging"]["clusterLogging"] == [{"types": ["api", "audit"], "enabled": True},
                                                  {"types": ["authenticator", "controllerManager", "scheduler"], "enabled": False}]
    assert named["accessConfig"]["authenticationMode"] == "API"


def test_cluster_creation_refusals(eks):
    invalid = "InvalidParameterException"
    before = eks.list_clusters()["clusters"]
    assert error(new_cluster, eks=eks, version="1.19")[0] == invalid
    assert error(new_cluster, eks=eks, accessConfig={"authenticationMode": "CONFIG_MAP", "bootstrapClusterCreatorAdminPermissions": False})[0] == invalid
    assert error(new_cluster, eks=eks, logging={"clusterLogging": [{"types": ["kubelet"], "enabled": True}]})[0] == invalid
    assert error(new_cluster, eks=eks, encryptionConfig=[{"resources": ["configmaps"], "provider": {"keyArn": KEY}}])[0] == invalid
    assert eks.list_clusters()["clusters"] == before  # nothing made by a refused call


def test_update_cluster_config_one_kind_per_call_and_merged(aws_env, eks, subnets):
    name = new_cluster(eks, subnets[1])
    mark = aws_env.mark()
    update = eks.update_cluster_config(name=name, resourcesVpcConfig={"endpointPrivateAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]})["update"]
    assert (update["type"], update["status"], update["errors"]) == ("EndpointAccessUpdate", "Successful", [])
    assert update["params"] == [{"type": "EndpointPrivateAccess", "value": "true"}, {"type": "PublicAccessCidrs", "value": '["203.0.113.0/24"]'}]
    assert eks.describe_update(name=name, updateId=update["id"])["update"] == update
    config = eks.describe_cluster(name=name)["cluster"]["resourcesVpcConfig"]
    assert config["subnetIds"] == subnets[1] and config["vpcId"] == subnets[0]  # merged, not replaced as moto does
    assert (config["endpointPublicAccess"], config["endpointPrivateAccess"], config["publicAccessCidrs"]) == (True, True, ["203.0.113.0/24"])
    assert [entry["operation"] for entry in aws_env.since(mark)] == ["UpdateClusterConfig", "DescribeUpdate", "DescribeCluster"]

    logging = {"clusterLogging": [{"types": ["api", "audit"], "enabled": True}]}
    assert eks.update_cluster_config(name=name, logging=logging)["update"]["type"] == "LoggingUpdate"
    assert eks.describe_cluster(name=name)["cluster"]["logging"]["clusterLogging"][0] == {"types": ["api", "audit"], "enabled": True}
    assert error(eks.update_cluster_config, name=name, logging=logging) == (
        "InvalidParameterException", "No changes needed for the logging config provided")
    both = error(eks.update_cluster_config, name=name, logging={"clusterLogging": [{"types": ["api"], "enabled": False}]},
                 resourcesVpcConfig={"endpointPublicAccess": False})
    assert both == ("InvalidParameterException", "Only one type of update can be allowed.")
    assert error(eks.update_cluster_config, name=name, resourcesVpcConfig={"endpointPublicAccess": False, "endpointPrivateAccess": False})[0] == (
        "InvalidParameterException")
    assert error(eks.update_cluster_config, name=name, resourcesVpcConfig={"endpointPrivateAccess": True})[1].startswith(
        "Cluster is already at the desired configuration")


def test_authentication_mode_only_moves_towards_api(eks):
    name = new_cluster(eks)
    update = eks.update_cluster_config(name=name, accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})["update"]
    assert (update["type"], update["params"]) == ("AccessConfigUpdate", [{"type": "AuthenticationMode", "value": "API_AND_CONFIG_MAP"}])
    assert error(eks.update_cluster_config, name=name, accessConfig={"authenticationMode": "CONFIG_MAP"}) == (
        "InvalidParameterException", "Unsupported authentication mode update from API_AND_CONFIG_MAP to CONFIG_MAP")
    eks.update_cluster_config(name=name, accessConfig={"authenticationMode": "API"})
    assert eks.describe_cluster(name=name)["cluster"]["accessConfig"] == {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": True}


def test_authentication_mode_moves_one_step_at_a_time(eks):
    """CONFIG_MAP to API in one call is refused (issue 13 #3; pulumi/pulumi-eks#1493)."""
    name = new_cluster(eks)
    assert error(eks.update_cluster_config, name=name, accessConfig={"authenticationMode": "API"}) == (
        "InvalidParameterException", "Unsupported authentication mode update from CONFIG_MAP to API")
    assert eks.describe_cluster(name=name)["cluster"]["accessConfig"]["authenticationMode"] == "CONFIG_MAP"


def test_version_update_needs_nodegroups_at_the_cluster_version(eks):
    """UpdateClusterVersion is refused while a managed nodegroup lags the cluster (issue 13 #2)."""
    name = new_cluster(eks, version="1.33")
    nodegroup = new_nodegroup(eks, name)
    eks.update_cluster_version(name=name, version="1.34")
    assert error(eks.update_cluster_version, name=name, version="1.35") == (
        "InvalidParameterException", f"Nodegroups {nodegroup} must be updated to match cluster version 1.34 before updating cluster version")
    eks.update_nodegroup_version(clusterName=name, nodegroupName=nodegroup, version="1.34")
    eks.update_cluster_version(name=name, version="1.35")
    assert eks.describe_cluster(name=name)["cluster"]["version"] == "1.35"


def test_cluster_versions_calendar(eks):
    """DescribeClusterVersions: the calendar with its support dates; end-of-life versions only with includeAll (issue 13 #4)."""
    supported = {entry["clusterVersion"]: entry for entry in eks.describe_cluster_versions()["clusterVersions"]}
    assert {"1.32", "1.33", "1.35"} <= set(supported) and not {"1.29", "1.30", "1.31"} & set(supported)
    assert supported["1.35"]["versionStatus"] == "STANDARD_SUPPORT" and supported["1.35"]["status"] == "standard-support"
    assert supported["1.32"]["versionStatus"] == "EXTENDED_SUPPORT"
    # 1.34's standard support ended on 2026-12-02: extended support since, no longer the default.
    assert (supported["1.34"]["versionStatus"], supported["1.34"]["status"], supported["1.34"]["defaultVersion"]) == (
        "EXTENDED_SUPPORT", "extended-support", False)
    assert supported["1.34"]["endOfExtendedSupportDate"].date().isoformat() == "2027-12-02"
    assert supported["1.32"]["endOfExtendedSupportDate"].date().isoformat() == "2027-03-23"
    every = {entry["clusterVersion"]: entry for entry in eks.get_paginator("describe_cluster_versions").paginate(includeAll=True)
             .build_full_result()["clusterVersions"]}
    assert every["1.31"]["versionStatus"] == "UNSUPPORTED" and every["1.31"]["endOfExtendedSupportDate"].date().isoformat() == "2026-11-26"
    assert [entry["clusterVersion"] for entry in eks.describe_cluster_versions(defaultOnly=True)["clusterVersions"]] == ["1.35"]
    assert [entry["clusterVersion"] for entry in eks.describe_cluster_versions(clusterVersions=["1.33"])["clusterVersions"]] == ["1.33"]


def test_end_of_life_versions_are_refused(eks):
    """CreateCluster and UpdateClusterVersion refuse a version past its extended support (1.31 since 2026-11-26), naming the
    version as EKS does; DescribeClusterVersions lists what is offered instead, the standard-support default among them."""
    invalid = "InvalidParameterException"
    before = eks.list_clusters()["clusters"]
    assert error(new_cluster, eks=eks, version="1.31") == (invalid, "unsupported Kubernetes version 1.31")
    assert error(new_cluster, eks=eks, version="1.29") == (invalid, "unsupported Kubernetes version 1.29")
    assert eks.list_clusters()["clusters"] == before  # nothing made by a refused call
    name = new_cluster(eks, version="1.32")  # the oldest version EKS still creates
    assert error(eks.update_cluster_version, name=name, version="1.31") == (invalid, "unsupported Kubernetes version 1.31")
    assert error(eks.update_cluster_version, name=name, version="1.36") == (invalid, "unsupported Kubernetes version 1.36")
    assert eks.describe_cluster(name=name)["cluster"]["version"] == "1.32"
    offered = eks.describe_cluster_versions()["clusterVersions"]
    assert [(entry["clusterVersion"], entry["versionStatus"], entry["defaultVersion"]) for entry in offered] == [
        ("1.32", "EXTENDED_SUPPORT", False), ("1.33", "EXTENDED_SUPPORT", False), ("1.34", "EXTENDED_SUPPORT", False),
        ("1.35", "STANDARD_SUPPORT", True)]


def test_calendar_statuses_by_date():
    from aws_emulator.handlers import eks_catalog  # pylint: disable=import-outside-toplevel

    day = __import__("datetime").date
    on = day(2026, 12, 2)  # the last day of 1.34's standard support
    statuses = {version: eks_catalog.version_status(version, on) for version in eks_catalog.KUBERNETES_VERSIONS}
    assert statuses == {"1.29": "UNSUPPORTED", "1.30": "UNSUPPORTED", "1.31": "UNSUPPORTED", "1.32": "EXTENDED_SUPPORT",
                        "1.33": "EXTENDED_SUPPORT", "1.34": "STANDARD_SUPPORT", "1.35": "STANDARD_SUPPORT"}
    assert eks_catalog.version_status("1.34", day(2026, 12, 3)) == "EXTENDED_SUPPORT"
    assert eks_catalog.creatable_versions(day(2026, 12, 3)) == ("1.32", "1.33", "1.34", "1.35")
    assert eks_catalog.creatable_versions(day(2026, 11, 26)) == ("1.31", "1.32", "1.33", "1.34", "1.35")  # 1.31's last day
    assert eks_catalog.creatable_versions(day(2027, 3, 24)) == ("1.33", "1.34", "1.35")


def test_version_updates_one_minor_at_a_time(eks):
    name = new_cluster(eks, version="1.32")
    assert error(eks.update_cluster_version, name=name, version="1.34") == (
        "InvalidParameterException", "Unsupported Kubernetes minor version update from 1.32 to 1.34")
    assert error(eks.update_cluster_version, name=name, version="1.32")[0] == "InvalidParameterException"
    update = eks.update_cluster_version(name=name, version="1.33")["update"]
    assert (update["type"], update["params"][0]) == ("VersionUpdate", {"type": "Version", "value": "1.33"})
    assert eks.describe_cluster(name=name)["cluster"]["version"] == "1.33"
    assert error(eks.update_cluster_version, name=name, version="1.32") == (  # no way back
        "InvalidParameterException", "Unsupported Kubernetes minor version update from 1.33 to 1.32")
    eks.update_cluster_version(name=name, version="1.34")
    eks.update_cluster_version(name=name, version="1.35")
    assert error(eks.update_cluster_version, name=name, version="1.36")[0] == "InvalidParameterException"  # not offered yet
    assert eks.describe_update(name=name, updateId=update["id"])["update"]["status"] == "Successful"
    assert error(eks.describe_update, name=name, updateId=str(uuid.uuid4()))[0] == "ResourceNotFoundException"


def test_encryption_can_be_added_never_changed(eks):
    name = new_cluster(eks)
    config = [{"resources": ["secrets"], "provider": {"keyArn": KEY}}]
    update = eks.associate_encryption_config(clusterName=name, encryptionConfig=config)["update"]
    assert (update["type"], json.loads(update["params"][0]["value"])) == ("AssociateEncryptionConfig", config)
    assert eks.describe_cluster(name=name)["cluster"]["encryptionConfig"] == config
    assert error(eks.associate_encryption_config, clusterName=name, encryptionConfig=config)[0] == "InvalidRequestException"


def test_nodegroup_creation_defaults(eks):
    cluster = new_cluster(eks, version="1.33")
    nodegroup = eks.describe_nodegroup(clusterName=cluster, nodegroupName=new_nodegroup(eks, cluster))["nodegroup"]
    assert (nodegroup["version"], nodegroup["amiType"], nodegroup["releaseVersion"]) == ("1.33", "AL2023_x86_64_STANDARD", "1.33.4-20261118")
    assert (nodegroup["diskSize"], nodegroup["updateConfig"]) == (20, {"maxUnavailable": 1, "updateStrategy": "DEFAULT"})
    assert nodegroup["scalingConfig"] == {"minSize": 2, "maxSize": 2, "desiredSize": 2}
    assert "remoteAccess" not in nodegroup
    assert error(new_nodegroup, eks=eks, cluster=cluster, version="1.32")[0] == "InvalidParameterException"  # not the cluster's
    assert error(new_nodegroup, eks=eks, cluster=cluster, scalingConfig={"minSize": 3, "maxSize": 2, "desiredSize": 2})[0] == (
        "InvalidParameterException")
    assert error(new_nodegroup, eks=eks, cluster=new_cluster(eks), amiType="AL2_x86_64")[0] == "InvalidParameterException"  # none from 1.33 on


def test_nodegroup_config_updates(eks):
    cluster = new_cluster(eks)
    name = new_nodegroup(eks, cluster, labels={"role": "queue", "tier": "a"}, scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 2},
                         taints=[{"key": "dedicated", "value": "queue", "effect": "NO_SCHEDULE"}])
    other = new_nodegroup(eks, cluster)
    update = eks.update_nodegroup_config(clusterName=cluster, nodegroupName=name, labels={"addOrUpdateLabels": {"tier": "b"}, "removeLabels": ["role"]},
                                         taints={"removeTaints": [{"key": "dedicated", "value": "queue", "effect": "NO_SCHEDULE"}]},
                                         scalingConfig={"maxSize": 5})["update"]
    assert update["type"] == "ConfigUpdate"
    assert [param["type"] for param in update["params"]] == ["LabelsToAdd", "LabelsToRemove", "TaintsToRemove", "MaxSize"]
    assert eks.describe_update(name=cluster, nodegroupName=name, updateId=update["id"])["update"] == update
    assert error(eks.describe_update, name=cluster, updateId=update["id"])[0] == "ResourceNotFoundException"  # not a cluster update
    nodegroup = eks.describe_nodegroup(clusterName=cluster, nodegroupName=name)["nodegroup"]
    assert (nodegroup["labels"], nodegroup["taints"]) == ({"tier": "b"}, [])
    assert nodegroup["scalingConfig"] == {"minSize": 1, "maxSize": 5, "desiredSize": 2}
    assert eks.describe_nodegroup(clusterName=cluster, nodegroupName=other)["nodegroup"]["scalingConfig"]["maxSize"] == 2  # nothing shared

    assert error(eks.update_nodegroup_config, clusterName=cluster, nodegroupName=name, scalingConfig={"desiredSize": 6}) == (
        "InvalidParameterException", "Desired capacity 6 can't be greater than max size 5")
    assert error(eks.update_nodegroup_config, clusterName=cluster, nodegroupName=name,
                 labels={"addOrUpdateLabels": {"a": "1"}, "removeLabels": ["a"]})[0] == "InvalidParameterException"
    assert error(eks.update_nodegroup_config, clusterName=cluster, nodegroupName=name)[0] == "InvalidParameterException"
    assert eks.update_nodegroup_config(clusterName=cluster, nodegroupName=name, updateConfig={"maxUnavailablePercentage": 25})["update"]["params"] == [
        {"type": "MaxUnavailablePercentage", "value": "25"}]


def test_nodegroup_version_follows_the_cluster(eks):
    cluster = new_cluster(eks, version="1.33")
    name = new_nodegroup(eks, cluster, releaseVersion="1.33.3-20261104")
    assert error(eks.update_nodegroup_version, clusterName=cluster, nodegroupName=name, version="1.34")[0] == "InvalidParameterException"
    update = eks.update_nodegroup_version(clusterName=cluster, nodegroupName=name)["update"]  # the newest release of its version
    assert update["params"] == [{"type": "Version", "value": "1.33"}, {"type": "ReleaseVersion", "value": "1.33.4-20261118"}]
    assert error(eks.update_nodegroup_version, clusterName=cluster, nodegroupName=name)[0] == "InvalidParameterException"  # nothing to do
    eks.update_cluster_version(name=cluster, version="1.34")
    update = eks.update_nodegroup_version(clusterName=cluster, nodegroupName=name, version="1.34")["update"]
    assert eks.describe_update(name=cluster, nodegroupName=name, updateId=update["id"])["update"]["type"] == "VersionUpdate"
    nodegroup = eks.describe_nodegroup(clusterName=cluster, nodegroupName=name)["nodegroup"]
    assert (nodegroup["version"], nodegroup["releaseVersion"]) == ("1.34", "1.34.3-20261118")


def test_addon_updates_can_be_described(eks):
    cluster = new_cluster(eks)
    eks.create_addon(clusterName=cluster, addonName="coredns")
    update = eks.update_addon(clusterName=cluster, addonName="coredns", configurationValues='{"replicaCount": 3}')["update"]
    assert eks.describe_update(name=cluster, addonName="coredns", updateId=update["id"])["update"] == update


def test_a_version_update_rolls_the_nodes_a_batch_at_a_time():
    """EKS replaces a nodegroup's nodes maxUnavailable at a time, minutes a batch (issue 13 #22)."""
    from types import SimpleNamespace  # pylint: disable=import-outside-toplevel

    from aws_emulator.handlers import eks_clusters  # pylint: disable=import-outside-toplevel

    def nodegroup(desired, **update_config):
        return SimpleNamespace(scaling_config={"desiredSize": desired}, update_config=update_config)

    per_batch = eks_clusters.ROLLING_MINUTES_PER_BATCH
    assert eks_clusters.rolling_minutes(nodegroup(20, maxUnavailable=1)) == 20 * per_batch > 60
    assert eks_clusters.rolling_minutes(nodegroup(5, maxUnavailable=2)) == 3 * per_batch
    assert eks_clusters.rolling_minutes(nodegroup(10, maxUnavailablePercentage=50)) == 2 * per_batch


# -- upgrade insights ----------------------------------------------------------------------------------


def test_a_healthy_cluster_has_passing_upgrade_insights_for_its_next_version(eks):
    name = new_cluster(eks, version="1.33")
    insights = eks.list_insights(clusterName=name)["insights"]
    assert sorted(insight["name"] for insight in insights) == ["Deprecated APIs removed in Kubernetes v1.34", "Kubelet version skew"]
    assert {(insight["category"], insight["kubernetesVersion"], insight["insightStatus"]["status"]) for insight in insights} == {
        ("UPGRADE_READINESS", "1.34", "PASSING")}
    described = eks.describe_insight(clusterName=name, id=insights[0]["id"])["insight"]
    assert {key: described[key] for key in insights[0]} == insights[0] and described["recommendation"]
    assert eks.list_insights(clusterName=name, filter={"statuses": ["ERROR"]})["insights"] == []
    assert eks.list_insights(clusterName=name, filter={"kubernetesVersions": ["1.35"]})["insights"] == []
    assert len(eks.list_insights(clusterName=name, filter={"categories": ["UPGRADE_READINESS"], "statuses": ["PASSING", "ERROR"]})["insights"]) == 2
    first = eks.list_insights(clusterName=name, maxResults=1)
    second = eks.list_insights(clusterName=name, maxResults=1, nextToken=first["nextToken"])
    assert [page["insights"][0]["id"] for page in (first, second)] == [insight["id"] for insight in insights] and "nextToken" not in second
    paginated = eks.get_paginator("list_insights").paginate(clusterName=name, PaginationConfig={"PageSize": 1}).build_full_result()
    assert paginated["insights"] == insights

    eks.update_cluster_version(name=name, version="1.34")  # the insights follow the cluster to its next version
    assert {insight["kubernetesVersion"] for insight in eks.list_insights(clusterName=name)["insights"]} == {"1.35"}
    assert error(eks.describe_insight, clusterName=name, id=insights[0]["id"])[0] == "ResourceNotFoundException"
    assert error(eks.list_insights, clusterName=name, filter={"statuses": ["FAILING"]})[0] == "InvalidParameterException"
    assert error(eks.list_insights, clusterName="no-such-cluster")[0] == "ResourceNotFoundException"


def test_force_on_a_healthy_cluster_changes_nothing(eks):
    name = new_cluster(eks, version="1.33")
    eks.update_cluster_version(name=name, version="1.34", force=True)
    assert eks.describe_cluster(name=name)["cluster"]["version"] == "1.34"


@pytest.fixture
def in_process(monkeypatch):
    """The EKS handler and moto's EKS backend in this process: (handler, a new 1.33 cluster's name)."""
    from moto.eks.models import eks_backends  # pylint: disable=import-outside-toplevel

    from aws_emulator.handlers.eks import EksExtensions  # pylint: disable=import-outside-toplevel

    monkeypatch.setenv("MOTO_ACCOUNT_ID", ACCOUNT)
    name = "c-" + uuid.uuid4().hex[:8]
    cluster = eks_backends[ACCOUNT][REGION].create_cluster(name=name, role_arn=ROLE, resources_vpc_config={"subnetIds": ["subnet-a"]})
    cluster.version = "1.33"
    yield EksExtensions(), name
    eks_backends[ACCOUNT][REGION].delete_cluster(name)


def dispatch(handler, operation, labels, **body):
    """(HTTP status, answer) of an operation as the emulator serves it."""
    status, _headers, payload = handler.dispatch(operation, labels, "", {}, json.dumps(body).encode(), region=REGION)
    return status, json.loads(payload)


def test_an_error_insight_blocks_the_upgrade_unless_forced(in_process):
    handler, name = in_process
    insight_id = handler.add_insight(name, "Kubelet version skew", "ERROR", region=REGION, reason="Nodes run kubelet 1.31.",
                                     description="Checks for kubelet versions of worker nodes.")
    other = handler.add_insight(name, "Deprecated APIs removed in Kubernetes v1.35", "ERROR", kubernetes_version="1.35", region=REGION)
    status, listed = dispatch(handler, "ListInsights", {"name": name}, filter={"statuses": ["ERROR"], "kubernetesVersions": ["1.34"]})
    assert status == 200 and [(insight["id"], insight["insightStatus"]) for insight in listed["insights"]] == [
        (insight_id, {"status": "ERROR", "reason": "Nodes run kubelet 1.31."})]  # it took the passing check's place
    assert len(dispatch(handler, "ListInsights", {"name": name})[1]["insights"]) == 3
    assert dispatch(handler, "DescribeInsight", {"name": name, "id": other})[1]["insight"]["kubernetesVersion"] == "1.35"

    assert dispatch(handler, "UpdateClusterVersion", {"name": name}, version="1.34") == (400, {
        "__type": "InvalidStateException", "clusterName": name,
        "message": "Amazon EKS detected upgrade readiness issues. Call the ListInsights API to view detected upgrade blocking issues. "
                   "Pass the force flag when updating to override upgrade readiness errors."})
    assert dispatch(handler, "UpdateClusterVersion", {"name": name}, version="1.34", force=False)[0] == 400
    status, answer = dispatch(handler, "UpdateClusterVersion", {"name": name}, version="1.34", force=True)
    assert (status, answer["update"]["type"]) == (200, "VersionUpdate")
    # Now the 1.35 insight applies: the next step is blocked in turn.
    assert dispatch(handler, "UpdateClusterVersion", {"name": name}, version="1.35")[1]["__type"] == "InvalidStateException"


def test_warning_insights_do_not_block(in_process):
    handler, name = in_process
    handler.add_insight(name, "Kubelet version skew", "WARNING", region=REGION)
    handler.add_insight(name, "Cluster health issues", "ERROR", category="MISCONFIGURATION", region=REGION)
    assert dispatch(handler, "UpdateClusterVersion", {"name": name}, version="1.34")[0] == 200
