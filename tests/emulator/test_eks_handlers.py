"""The emulator's EKS extensions (aws_emulator.handlers.eks), through boto3 against the running emulator.

Clusters are moto's: each test creates its own, so tests share the session's emulator without meeting.
"""

import json
import re
import uuid
from datetime import datetime

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"
REGION = "ap-northeast-2"
CLUSTER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/eks-cluster"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/queue-worker"
OTHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/queue-worker-v2"
POLICY = "arn:aws:eks::aws:cluster-access-policy/"
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def eks_client(region=REGION, validate=True):
    config = botocore.config.Config(parameter_validation=validate, retries={"max_attempts": 1})
    return boto3.client("eks", region_name=region, config=config)


def create_cluster(eks, version="1.35", name=None):
    name = name or "queue-" + uuid.uuid4().hex[:8]
    eks.create_cluster(name=name, version=version, roleArn=CLUSTER_ROLE, resourcesVpcConfig={"subnetIds": ["subnet-a", "subnet-b"]})
    return name


def error(call, **kwargs):
    """(error code, HTTP status) of a call that must fail."""
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def logged(emulator, mark):
    return [(entry["service"], entry["operation"], entry["status"]) for entry in emulator.since(mark)]


@pytest.fixture
def eks(aws_env):
    return eks_client()


@pytest.fixture
def cluster(eks):
    return create_cluster(eks)


# -- addons -----------------------------------------------------------------------------------------


def test_addon_lifecycle_is_logged(aws_env, eks, cluster):
    mark = aws_env.mark()
    created = eks.create_addon(clusterName=cluster, addonName="vpc-cni", addonVersion="v1.19.2-eksbuild.1", tags={"team": "platform"})["addon"]
    assert created["status"] == "ACTIVE" and created["addonVersion"] == "v1.19.2-eksbuild.1"
    assert re.match(rf"^arn:aws:eks:{REGION}:{ACCOUNT}:addon/{cluster}/vpc-cni/{UUID}$", created["addonArn"])
    assert created["health"] == {"issues": []} and created["tags"] == {"team": "platform"} and created["podIdentityAssociations"] == []
    assert isinstance(created["createdAt"], datetime) and created["createdAt"] == created["modifiedAt"]
    assert "serviceAccountRoleArn" not in created and "configurationValues" not in created
    assert eks.describe_addon(clusterName=cluster, addonName="vpc-cni")["addon"] == created
    assert eks.list_addons(clusterName=cluster)["addons"] == ["vpc-cni"]

    configuration = json.dumps({"env": {"ENABLE_PREFIX_DELEGATION": "true"}})
    update = eks.update_addon(clusterName=cluster, addonName="vpc-cni", addonVersion="v1.19.5-eksbuild.3", serviceAccountRoleArn=ROLE,
                              configurationValues=configuration, resolveConflicts="OVERWRITE")["update"]
    assert (update["type"], update["status"], update["errors"]) == ("AddonUpdate", "Successful", [])
    assert {param["type"] for param in update["params"]} == {"AddonVersion", "ServiceAccountRoleArn", "ConfigurationValues", "ResolveConflicts"}
    updated = eks.describe_addon(clusterName=cluster, addonName="vpc-cni")["addon"]
    assert (updated["addonVersion"], updated["serviceAccountRoleArn"], updated["configurationValues"]) == ("v1.19.5-eksbuild.3", ROLE, configuration)
    assert updated["modifiedAt"] >= updated["createdAt"] == created["createdAt"]

    assert eks.delete_addon(clusterName=cluster, addonName="vpc-cni", preserve=True)["addon"]["status"] == "DELETING"
    assert error(eks.describe_addon, clusterName=cluster, addonName="vpc-cni") == ("ResourceNotFoundException", 404)
    assert eks.list_addons(clusterName=cluster)["addons"] == []
    assert logged(aws_env, mark) == [("eks", "CreateAddon", 200), ("eks", "DescribeAddon", 200), ("eks", "ListAddons", 200),
                                     ("eks", "UpdateAddon", 200), ("eks", "DescribeAddon", 200), ("eks", "DeleteAddon", 200),
                                     ("eks", "DescribeAddon", 404), ("eks", "ListAddons", 200)]


@pytest.mark.parametrize("version, addon, expected", [("1.32", "kube-proxy", "v1.32.3-eksbuild.7"), ("1.35", "kube-proxy", "v1.35.0-eksbuild.2"),
                                                      # on 1.32 the default is not the newest build that runs there (v1.11.4-eksbuild.24)
                                                      ("1.32", "coredns", "v1.11.4-eksbuild.14"), ("1.33", "coredns", "v1.12.1-eksbuild.2"),
                                                      ("1.35", "metrics-server", "v0.8.0-eksbuild.2")])
def test_addon_version_defaults_to_the_cluster_versions_default(eks, version, addon, expected):
    cluster = create_cluster(eks, version)
    assert eks.create_addon(clusterName=cluster, addonName=addon)["addon"]["addonVersion"] == expected


def test_addon_errors(eks, cluster):
    missing = "no-such-cluster"
    assert error(eks.create_addon, clusterName=missing, addonName="vpc-cni") == ("ResourceNotFoundException", 404)
    assert error(eks.list_addons, clusterName=missing) == ("ResourceNotFoundException", 404)
    assert error(eks.describe_addon, clusterName=missing, addonName="vpc-cni") == ("ResourceNotFoundException", 404)
    assert error(eks.describe_addon, clusterName=cluster, addonName="vpc-cni") == ("ResourceNotFoundException", 404)
    assert error(eks.update_addon, clusterName=cluster, addonName="vpc-cni", addonVersion="v1.19.5-eksbuild.3") == ("ResourceNotFoundException", 404)
    assert error(eks.delete_addon, clusterName=cluster, addonName="vpc-cni") == ("ResourceNotFoundException", 404)

    eks.create_addon(clusterName=cluster, addonName="coredns", configurationValues="replicaCount: 3\n")  # YAML is fine too
    assert error(eks.create_addon, clusterName=cluster, addonName="coredns") == ("ResourceInUseException", 409)
    invalid = ("InvalidParameterException", 400)
    assert error(eks.create_addon, clusterName=cluster, addonName="no-such-addon") == invalid
    assert error(eks.create_addon, clusterName=cluster, addonName="kube-proxy", addonVersion="v1.33.0-eksbuild.2") == invalid  # needs 1.33
    assert error(eks.create_addon, clusterName=cluster, addonName="kube-proxy", addonVersion="v9.9.9") == invalid
    assert error(eks.create_addon, clusterName=cluster, addonName="vpc-cni", serviceAccountRoleArn="arn:aws:iam::123:user/x") == invalid
    assert error(eks.update_addon, clusterName=cluster, addonName="coredns", addonVersion="v1.11.4-eksbuild.14") == invalid  # 1.32 at most
    with pytest.raises(ClientError) as caught:
        eks.update_addon(clusterName=cluster, addonName="coredns", configurationValues='{"replicas": 2, "replicaCount": "two"}')
    assert "$.replicas: is not defined" in str(caught.value) and "$.replicaCount: str found, integer expected" in str(caught.value)
    assert error(eks.create_addon, clusterName=cluster, addonName="kube-proxy", configurationValues="- not\n- an object") == invalid
    assert eks.list_addons(clusterName=cluster)["addons"] == ["coredns"]  # nothing made by a failed call

    unchecked = eks_client(validate=False)
    assert error(unchecked.create_addon, clusterName=cluster, addonName="vpc-cni", tags={"team": 7}) == ("ValidationException", 400)
    assert error(unchecked.list_addons, clusterName=cluster, maxResults=0) == ("ValidationException", 400)
    assert error(unchecked.list_addons, clusterName=cluster, maxResults=101) == invalid
    assert error(eks.list_addons, clusterName=cluster, nextToken="not-a-token") == invalid


def test_addon_versions_filter_and_page(eks):
    kube_proxy = eks.describe_addon_versions(addonName="kube-proxy", kubernetesVersion="1.33")["addons"]
    assert [(addon["addonName"], addon["type"], addon["owner"], addon["publisher"]) for addon in kube_proxy] == [("kube-proxy", "networking", "aws", "eks")]
    assert [version["addonVersion"] for version in kube_proxy[0]["addonVersions"]] == ["v1.33.0-eksbuild.2"]
    assert kube_proxy[0]["addonVersions"][0]["compatibilities"] == [{"clusterVersion": "1.33", "platformVersions": ["*"], "defaultVersion": True}]

    names = ["aws-ebs-csi-driver", "coredns", "eks-pod-identity-agent", "kube-proxy", "metrics-server", "vpc-cni"]
    for kubernetes_version in ("1.32", "1.33", "1.34", "1.35"):  # every addon runs on every version EKS creates
        assert [addon["addonName"] for addon in eks.describe_addon_versions(kubernetesVersion=kubernetes_version)["addons"]] == names
    assert eks.describe_addon_versions(kubernetesVersion="1.19")["addons"] == []
    assert eks.describe_addon_versions(addonName="no-such-addon")["addons"] == []
    assert [addon["addonName"] for addon in eks.describe_addon_versions(types=["storage"])["addons"]] == ["aws-ebs-csi-driver"]
    assert eks.describe_addon_versions(owners=["aws-marketplace"])["addons"] == []
    community = eks.describe_addon_versions(owners=["community"])["addons"]
    assert [(addon["addonName"], addon["owner"], addon["publisher"]) for addon in community] == [("metrics-server", "community", "eks")]
    assert "metrics-server" not in [addon["addonName"] for addon in eks.describe_addon_versions(owners=["aws"])["addons"]]

    pages = list(eks.get_paginator("describe_addon_versions").paginate(PaginationConfig={"PageSize": 2}))
    assert [[addon["addonName"] for addon in page["addons"]] for page in pages] == [names[:2], names[2:4], names[4:]]
    vpc_cni = eks.describe_addon_versions(addonName="vpc-cni")["addons"][0]["addonVersions"]
    assert [version["requiresIamPermissions"] for version in vpc_cni] == [True] * 7
    assert [len(version["compatibilities"]) for version in vpc_cni] == [3, 4, 4, 7, 7, 3, 3]


def test_every_addon_has_one_default_on_every_version_eks_creates(eks):
    """As DescribeAddonVersions has it: on each version EKS creates, each addon marks one version its default."""
    creatable = [entry["clusterVersion"] for entry in eks.describe_cluster_versions()["clusterVersions"]]
    assert creatable == ["1.32", "1.33", "1.34", "1.35"]
    for version in creatable:
        for addon in eks.describe_addon_versions(kubernetesVersion=version)["addons"]:
            defaults = [info["addonVersion"] for info in addon["addonVersions"] for compatibility in info["compatibilities"]
                        if compatibility["clusterVersion"] == version and compatibility["defaultVersion"]]
            assert len(defaults) == 1, (version, addon["addonName"], defaults)


def test_addon_configuration_schema(eks):
    answer = eks.describe_addon_configuration(addonName="vpc-cni", addonVersion="v1.19.5-eksbuild.3")
    schema = json.loads(answer["configurationSchema"])
    assert schema["additionalProperties"] is False and schema["properties"]["env"] == {"type": "object"}
    assert answer["podIdentityConfiguration"] == [
        {"serviceAccount": "aws-node", "recommendedManagedPolicies": ["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"]}]
    assert eks.describe_addon_configuration(addonName="coredns", addonVersion="v1.12.1-eksbuild.2")["podIdentityConfiguration"] == []
    assert error(eks.describe_addon_configuration, addonName="vpc-cni", addonVersion="v0.0.1") == ("ResourceNotFoundException", 404)
    assert error(eks.describe_addon_configuration, addonName="no-such-addon", addonVersion="v1") == ("ResourceNotFoundException", 404)


def test_addon_owns_its_pod_identity_associations(eks, cluster):
    addon = eks.create_addon(clusterName=cluster, addonName="vpc-cni",
                             podIdentityAssociations=[{"serviceAccount": "aws-node", "roleArn": ROLE}])["addon"]
    [summary] = eks.list_pod_identity_associations(clusterName=cluster)["associations"]
    assert addon["podIdentityAssociations"] == [summary["associationArn"]]
    assert (summary["namespace"], summary["serviceAccount"], summary["ownerArn"]) == ("kube-system", "aws-node", addon["addonArn"])
    owned = summary["associationId"]
    assert error(eks.delete_pod_identity_association, clusterName=cluster, associationId=owned) == ("InvalidRequestException", 400)
    assert error(eks.update_pod_identity_association, clusterName=cluster, associationId=owned, roleArn=OTHER_ROLE) == ("InvalidRequestException", 400)

    eks.update_addon(clusterName=cluster, addonName="vpc-cni", podIdentityAssociations=[{"serviceAccount": "aws-node", "roleArn": OTHER_ROLE}])
    association = eks.describe_pod_identity_association(clusterName=cluster, associationId=owned)["association"]
    assert association["roleArn"] == OTHER_ROLE  # the same association, with the new role
    eks.update_addon(clusterName=cluster, addonName="vpc-cni", podIdentityAssociations=[])
    assert eks.list_pod_identity_associations(clusterName=cluster)["associations"] == []
    assert eks.describe_addon(clusterName=cluster, addonName="vpc-cni")["addon"]["podIdentityAssociations"] == []

    invalid = ("InvalidParameterException", 400)
    unsupported = [{"serviceAccount": "coredns", "roleArn": ROLE}]
    assert error(eks.create_addon, clusterName=cluster, addonName="coredns", podIdentityAssociations=unsupported) == invalid
    eks.create_pod_identity_association(clusterName=cluster, namespace="kube-system", serviceAccount="ebs-csi-controller-sa", roleArn=ROLE)
    taken = [{"serviceAccount": "ebs-csi-controller-sa", "roleArn": ROLE}]
    assert error(eks.create_addon, clusterName=cluster, addonName="aws-ebs-csi-driver", podIdentityAssociations=taken) == ("ResourceInUseException", 409)
    assert error(eks.describe_addon, clusterName=cluster, addonName="aws-ebs-csi-driver") == ("ResourceNotFoundException", 404)

    eks.create_addon(clusterName=cluster, addonName="aws-ebs-csi-driver", namespaceConfig={"namespace": "storage"}, podIdentityAssociations=taken)
    in_storage = eks.list_pod_identity_associations(clusterName=cluster, namespace="storage")["associations"]
    assert [association["serviceAccount"] for association in in_storage] == ["ebs-csi-controller-sa"]
    eks.delete_addon(clusterName=cluster, addonName="aws-ebs-csi-driver")
    assert eks.list_pod_identity_associations(clusterName=cluster, namespace="storage")["associations"] == []


# -- access entries and policies --------------------------------------------------------------------


def test_access_entry_lifecycle_is_logged(aws_env, eks, cluster):
    mark = aws_env.mark()
    principal = f"arn:aws:iam::{ACCOUNT}:role/teams/ci-deployer"
    created = eks.create_access_entry(clusterName=cluster, principalArn=principal, kubernetesGroups=["deployers"], tags={"team": "ci"})["accessEntry"]
    assert (created["type"], created["kubernetesGroups"], created["tags"]) == ("STANDARD", ["deployers"], {"team": "ci"})
    assert created["username"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/ci-deployer/{{{{SessionName}}}}"
    assert re.match(rf"^arn:aws:eks:{REGION}:{ACCOUNT}:access-entry/{cluster}/role/{ACCOUNT}/ci-deployer/{UUID}$", created["accessEntryArn"])
    assert isinstance(created["createdAt"], datetime)
    assert eks.describe_access_entry(clusterName=cluster, principalArn=principal)["accessEntry"] == created

    updated = eks.update_access_entry(clusterName=cluster, principalArn=principal, kubernetesGroups=["deployers", "readers"], username="ci")["accessEntry"]
    assert (updated["kubernetesGroups"], updated["username"], updated["createdAt"]) == (["deployers", "readers"], "ci", created["createdAt"])

    admin, view = POLICY + "AmazonEKSClusterAdminPolicy", POLICY + "AmazonEKSViewPolicy"
    associated = eks.associate_access_policy(clusterName=cluster, principalArn=principal, policyArn=admin, accessScope={"type": "cluster"})
    assert (associated["clusterName"], associated["principalArn"]) == (cluster, principal)
    assert associated["associatedAccessPolicy"]["accessScope"] == {"type": "cluster", "namespaces": []}
    first = eks.associate_access_policy(clusterName=cluster, principalArn=principal, policyArn=view,
                                        accessScope={"type": "namespace", "namespaces": ["queue"]})["associatedAccessPolicy"]
    again = eks.associate_access_policy(clusterName=cluster, principalArn=principal, policyArn=view,
                                        accessScope={"type": "namespace", "namespaces": ["queue", "dev-*"]})["associatedAccessPolicy"]
    assert again["associatedAt"] == first["associatedAt"] and again["accessScope"]["namespaces"] == ["queue", "dev-*"]
    policies = eks.list_associated_access_policies(clusterName=cluster, principalArn=principal)
    assert (policies["clusterName"], policies["principalArn"]) == (cluster, principal)
    assert [(policy["policyArn"], policy["accessScope"]["type"]) for policy in policies["associatedAccessPolicies"]] == [
        (admin, "cluster"), (view, "namespace")]

    reader = f"arn:aws:iam::{ACCOUNT}:user/reader"
    assert eks.create_access_entry(clusterName=cluster, principalArn=reader)["accessEntry"]["username"] == reader
    assert eks.list_access_entries(clusterName=cluster)["accessEntries"] == sorted([principal, reader])
    assert eks.list_access_entries(clusterName=cluster, associatedPolicyArn=admin)["accessEntries"] == [principal]

    eks.disassociate_access_policy(clusterName=cluster, principalArn=principal, policyArn=admin)
    assert error(eks.disassociate_access_policy, clusterName=cluster, principalArn=principal, policyArn=admin) == ("ResourceNotFoundException", 404)
    policies = eks.list_associated_access_policies(clusterName=cluster, principalArn=principal)["associatedAccessPolicies"]
    assert [policy["policyArn"] for policy in policies] == [view]
    eks.delete_access_entry(clusterName=cluster, principalArn=principal)
    assert error(eks.describe_access_entry, clusterName=cluster, principalArn=principal) == ("ResourceNotFoundException", 404)
    assert eks.list_access_entries(clusterName=cluster)["accessEntries"] == [reader]
    operations = [entry[1] for entry in logged(aws_env, mark)]
    assert operations == ["CreateAccessEntry", "DescribeAccessEntry", "UpdateAccessEntry", "AssociateAccessPolicy", "AssociateAccessPolicy",
                          "AssociateAccessPolicy", "ListAssociatedAccessPolicies", "CreateAccessEntry", "ListAccessEntries", "ListAccessEntries",
                          "DisassociateAccessPolicy", "DisassociateAccessPolicy", "ListAssociatedAccessPolicies", "DeleteAccessEntry",
                          "DescribeAccessEntry", "ListAccessEntries"]
    assert [entry[2] for entry in logged(aws_env, mark) if entry[2] != 200] == [404, 404]


def test_access_entry_errors(eks, cluster):
    principal = f"arn:aws:iam::{ACCOUNT}:role/ci"
    missing = ("ResourceNotFoundException", 404)
    invalid = ("InvalidParameterException", 400)
    assert error(eks.create_access_entry, clusterName="no-such-cluster", principalArn=principal) == missing
    assert error(eks.list_access_entries, clusterName="no-such-cluster") == missing
    assert error(eks.describe_access_entry, clusterName=cluster, principalArn=principal) == missing
    assert error(eks.update_access_entry, clusterName=cluster, principalArn=principal, username="ci") == missing
    assert error(eks.delete_access_entry, clusterName=cluster, principalArn=principal) == missing
    assert error(eks.associate_access_policy, clusterName=cluster, principalArn=principal, policyArn=POLICY + "AmazonEKSViewPolicy",
                 accessScope={"type": "cluster"}) == missing
    assert error(eks.list_associated_access_policies, clusterName=cluster, principalArn=principal) == missing

    eks.create_access_entry(clusterName=cluster, principalArn=principal)
    assert error(eks.create_access_entry, clusterName=cluster, principalArn=principal) == ("ResourceInUseException", 409)
    assert error(eks.create_access_entry, clusterName=cluster, principalArn=f"arn:aws:sts::{ACCOUNT}:assumed-role/ci/session") == invalid
    assert error(eks.create_access_entry, clusterName=cluster, principalArn=OTHER_ROLE, type="ROBOT") == invalid
    assert error(eks.create_access_entry, clusterName=cluster, principalArn=OTHER_ROLE, type="EC2_LINUX", kubernetesGroups=["nodes"]) == invalid
    assert error(eks.create_access_entry, clusterName=cluster, principalArn=OTHER_ROLE, kubernetesGroups=["system:masters"]) == invalid
    node = eks.create_access_entry(clusterName=cluster, principalArn=OTHER_ROLE, type="EC2_LINUX")["accessEntry"]
    assert (node["type"], node["username"]) == ("EC2_LINUX", "system:node:{{EC2PrivateDNSName}}")
    assert error(eks.update_access_entry, clusterName=cluster, principalArn=OTHER_ROLE, username="node") == invalid

    def associate(policy="AmazonEKSViewPolicy", **scope):
        return error(eks.associate_access_policy, clusterName=cluster, principalArn=principal, policyArn=POLICY + policy, accessScope=scope)

    assert associate("AmazonEKSMadeUpPolicy", type="cluster") == invalid
    assert associate(type="namespace") == invalid
    assert associate(type="cluster", namespaces=["queue"]) == invalid
    assert associate(type="namespace", namespaces=["Not_A_Namespace"]) == invalid
    assert associate() == invalid
    assert eks.list_associated_access_policies(clusterName=cluster, principalArn=principal)["associatedAccessPolicies"] == []


def test_access_policies_list_and_page(eks):
    everything = eks.list_access_policies()
    assert "nextToken" not in everything
    names = [policy["name"] for policy in everything["accessPolicies"]]
    assert {"AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy", "AmazonEKSEditPolicy", "AmazonEKSViewPolicy"} <= set(names)
    assert all(policy["arn"] == POLICY + policy["name"] for policy in everything["accessPolicies"])

    first = eks.list_access_policies(maxResults=5)
    assert len(first["accessPolicies"]) == 5 and first["nextToken"]
    second = eks.list_access_policies(maxResults=5, nextToken=first["nextToken"])
    assert [policy["name"] for policy in second["accessPolicies"]] == names[5:10]
    pages = list(eks.get_paginator("list_access_policies").paginate(PaginationConfig={"PageSize": 5}))
    assert [policy for page in pages for policy in page["accessPolicies"]] == everything["accessPolicies"]
    assert len(pages) == -(-len(names) // 5)


# -- pod identity associations ----------------------------------------------------------------------


def test_pod_identity_association_lifecycle_is_logged(aws_env, eks, cluster):
    mark = aws_env.mark()
    created = eks.create_pod_identity_association(clusterName=cluster, namespace="queue", serviceAccount="worker", roleArn=ROLE,
                                                  tags={"team": "queue"})["association"]
    assert re.match(r"^a-[0-9a-z]{17}$", created["associationId"])
    assert created["associationArn"] == f"arn:aws:eks:{REGION}:{ACCOUNT}:podidentityassociation/{cluster}/{created['associationId']}"
    assert (created["clusterName"], created["roleArn"], created["tags"], created["disableSessionTags"]) == (cluster, ROLE, {"team": "queue"}, False)
    assert "ownerArn" not in created and "externalId" not in created and isinstance(created["modifiedAt"], datetime)
    association_id = created["associationId"]
    assert eks.describe_pod_identity_association(clusterName=cluster, associationId=association_id)["association"] == created

    updated = eks.update_pod_identity_association(clusterName=cluster, associationId=association_id, roleArn=OTHER_ROLE, targetRoleArn=ROLE,
                                                  disableSessionTags=True, policy='{"Version": "2012-10-17", "Statement": []}')["association"]
    assert (updated["roleArn"], updated["targetRoleArn"], updated["disableSessionTags"]) == (OTHER_ROLE, ROLE, True)
    assert re.match(f"^{UUID}$", updated["externalId"])
    cleared = eks.update_pod_identity_association(clusterName=cluster, associationId=association_id, targetRoleArn="", policy="")["association"]
    assert "targetRoleArn" not in cleared and "externalId" not in cleared and "policy" not in cleared

    for namespace, service_account in (("queue", "scheduler"), ("billing", "worker")):
        eks.create_pod_identity_association(clusterName=cluster, namespace=namespace, serviceAccount=service_account, roleArn=ROLE)
    summaries = eks.list_pod_identity_associations(clusterName=cluster, namespace="queue")["associations"]
    assert [summary["serviceAccount"] for summary in summaries] == ["worker", "scheduler"]
    assert set(summaries[0]) == {"clusterName", "namespace", "serviceAccount", "associationArn", "associationId"}
    assert [s["namespace"] for s in eks.list_pod_identity_associations(clusterName=cluster, serviceAccount="worker")["associations"]] == ["queue", "billing"]
    first = eks.list_pod_identity_associations(clusterName=cluster, maxResults=2)
    rest = eks.list_pod_identity_associations(clusterName=cluster, maxResults=2, nextToken=first["nextToken"])
    assert [len(first["associations"]), len(rest["associations"])] == [2, 1] and "nextToken" not in rest

    assert eks.delete_pod_identity_association(clusterName=cluster, associationId=association_id)["association"]["associationId"] == association_id
    assert error(eks.describe_pod_identity_association, clusterName=cluster, associationId=association_id) == ("ResourceNotFoundException", 404)
    assert logged(aws_env, mark)[:4] == [("eks", "CreatePodIdentityAssociation", 200), ("eks", "DescribePodIdentityAssociation", 200),
                                         ("eks", "UpdatePodIdentityAssociation", 200), ("eks", "UpdatePodIdentityAssociation", 200)]
    assert logged(aws_env, mark)[-2:] == [("eks", "DeletePodIdentityAssociation", 200), ("eks", "DescribePodIdentityAssociation", 404)]


def test_pod_identity_association_errors(eks, cluster):
    missing = ("ResourceNotFoundException", 404)
    invalid = ("InvalidParameterException", 400)

    def create(**overrides):
        return error(eks.create_pod_identity_association, **dict({"clusterName": cluster, "namespace": "queue", "serviceAccount": "worker",
                                                                  "roleArn": ROLE}, **overrides))

    assert create(clusterName="no-such-cluster") == missing
    assert error(eks.list_pod_identity_associations, clusterName="no-such-cluster") == missing
    for member in ("describe", "delete"):
        assert error(getattr(eks, f"{member}_pod_identity_association"), clusterName=cluster, associationId="a-0123456789abcdefg") == missing
    assert error(eks.update_pod_identity_association, clusterName=cluster, associationId="a-0123456789abcdefg", roleArn=ROLE) == missing
    assert create(roleArn="queue-worker") == invalid
    assert create(namespace="Queue_NS") == invalid
    assert create(targetRoleArn="arn:aws:iam::123456789012:user/x") == invalid
    assert create(policy="{not json") == invalid

    created = eks.create_pod_identity_association(clusterName=cluster, namespace="queue", serviceAccount="worker", roleArn=ROLE)
    association_id = created["association"]["associationId"]
    assert create(roleArn=OTHER_ROLE) == ("ResourceInUseException", 409)
    assert error(eks.update_pod_identity_association, clusterName=cluster, associationId=association_id, roleArn="nope") == invalid
    assert eks.describe_pod_identity_association(clusterName=cluster, associationId=association_id)["association"]["roleArn"] == ROLE


# -- tags, regions and the clusters' lifetime -------------------------------------------------------


def test_tags_on_every_eks_resource(eks, cluster):
    addon_arn = eks.create_addon(clusterName=cluster, addonName="kube-proxy")["addon"]["addonArn"]
    entry_arn = eks.create_access_entry(clusterName=cluster, principalArn=ROLE)["accessEntry"]["accessEntryArn"]
    association_arn = eks.create_pod_identity_association(clusterName=cluster, namespace="queue", serviceAccount="worker",
                                                          roleArn=ROLE)["association"]["associationArn"]
    cluster_arn = eks.describe_cluster(name=cluster)["cluster"]["arn"]
    nodegroup_arn = eks.create_nodegroup(clusterName=cluster, nodegroupName="workers", subnets=["subnet-a"], nodeRole=ROLE)["nodegroup"]["nodegroupArn"]
    for arn in (addon_arn, entry_arn, association_arn, cluster_arn, nodegroup_arn):
        eks.tag_resource(resourceArn=arn, tags={"team": "queue", "cost-center": "42"})
        eks.untag_resource(resourceArn=arn, tagKeys=["cost-center", "absent"])
        assert eks.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "queue"}, arn
    # The tags are the resources' own, as their describe calls show, moto's included.
    assert eks.describe_addon(clusterName=cluster, addonName="kube-proxy")["addon"]["tags"] == {"team": "queue"}
    assert eks.describe_nodegroup(clusterName=cluster, nodegroupName="workers")["nodegroup"]["tags"] == {"team": "queue"}
    assert eks.describe_cluster(name=cluster)["cluster"]["tags"] == {"team": "queue"}

    gone = f"arn:aws:eks:{REGION}:{ACCOUNT}:addon/{cluster}/coredns/{uuid.uuid4()}"
    assert error(eks.list_tags_for_resource, resourceArn=gone) == ("NotFoundException", 404)
    assert error(eks.tag_resource, resourceArn="not-an-arn", tags={"a": "b"}) == ("BadRequestException", 400)
    assert error(eks.tag_resource, resourceArn=addon_arn, tags={"aws:owner": "me"}) == ("BadRequestException", 400)
    assert error(eks.tag_resource, resourceArn=addon_arn, tags={f"k{n}": "v" for n in range(50)}) == ("BadRequestException", 400)


def test_each_region_has_its_own_clusters(eks, cluster):
    oregon = eks_client("us-west-2")
    assert error(oregon.create_addon, clusterName=cluster, addonName="coredns") == ("ResourceNotFoundException", 404)
    create_cluster(oregon, name=cluster)
    addon = oregon.create_addon(clusterName=cluster, addonName="coredns")["addon"]
    assert addon["addonArn"].startswith(f"arn:aws:eks:us-west-2:{ACCOUNT}:addon/{cluster}/coredns/")
    assert eks.list_addons(clusterName=cluster)["addons"] == []


def test_state_goes_with_its_cluster(eks, cluster):
    eks.create_addon(clusterName=cluster, addonName="coredns")
    eks.create_access_entry(clusterName=cluster, principalArn=ROLE)
    eks.delete_cluster(name=cluster)
    assert error(eks.list_addons, clusterName=cluster) == ("ResourceNotFoundException", 404)
    create_cluster(eks, name=cluster)
    assert eks.list_addons(clusterName=cluster)["addons"] == []
    assert eks.list_access_entries(clusterName=cluster)["accessEntries"] == []


def test_vpc_cni_moves_one_minor_version_at_a_time(eks):
    """UpdateAddon refuses a vpc-cni update of more than one minor version (issue 13 #5)."""
    cluster = create_cluster(eks, version="1.33")
    eks.create_addon(clusterName=cluster, addonName="vpc-cni", addonVersion="v1.19.5-eksbuild.3")
    for version in ("1.34", "1.35"):
        eks.update_cluster_version(name=cluster, version=version)
    assert error(eks.update_addon, clusterName=cluster, addonName="vpc-cni", addonVersion="v1.21.1-eksbuild.1") == ("InvalidParameterException", 400)
    eks.update_addon(clusterName=cluster, addonName="vpc-cni", addonVersion="v1.20.4-eksbuild.2")
    eks.update_addon(clusterName=cluster, addonName="vpc-cni", addonVersion="v1.21.1-eksbuild.1")
    assert eks.describe_addon(clusterName=cluster, addonName="vpc-cni")["addon"]["addonVersion"] == "v1.21.1-eksbuild.1"


def test_preserve_is_refused_on_creation(eks):
    """resolveConflicts PRESERVE works on updates only (issue 13 #18)."""
    cluster = create_cluster(eks)
    assert error(eks.create_addon, clusterName=cluster, addonName="coredns", resolveConflicts="PRESERVE") == ("InvalidParameterException", 400)
    eks.create_addon(clusterName=cluster, addonName="coredns", resolveConflicts="NONE")
    eks.update_addon(clusterName=cluster, addonName="coredns", resolveConflicts="PRESERVE", configurationValues='{"replicaCount": 3}')
