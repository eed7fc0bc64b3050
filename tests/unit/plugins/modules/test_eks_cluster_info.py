import boto3

from ansible_collections.gameops.platform.plugins.modules import eks_cluster_info
from conftest import run_module


def test_missing_cluster_is_reported_not_failed(aws_env):
    result = run_module(eks_cluster_info, dict(name="no-such-cluster"))
    assert result["exists"] is False and result["nodegroups"] == [] and result["cluster"] == {}


def test_cluster_with_what_hangs_off_it(aws_env):
    eks = boto3.client("eks")
    role = "arn:aws:iam::123456789012:role/eks"
    eks.create_cluster(name="info-test", version="1.35", roleArn=role, resourcesVpcConfig={"subnetIds": ["subnet-1", "subnet-2"]})
    eks.create_nodegroup(clusterName="info-test", nodegroupName="workers", nodeRole=role, subnets=["subnet-1"])
    eks.create_addon(clusterName="info-test", addonName="vpc-cni")
    eks.create_access_entry(clusterName="info-test", principalArn="arn:aws:iam::123456789012:role/admin")
    mark = aws_env.mark()
    result = run_module(eks_cluster_info, dict(name="info-test"))
    assert result["exists"] is True and result["cluster"]["name"] == "info-test"
    assert result["cluster"]["identity"]["oidc"]["issuer"].startswith("https://oidc.eks.ap-northeast-2.amazonaws.com/id/")
    assert result["nodegroups"] == ["workers"]
    assert result["addons"] == ["vpc-cni"]
    assert result["access_entries"] == ["arn:aws:iam::123456789012:role/admin"]
    assert not [entry for entry in aws_env.since(mark) if entry["mutating"]]
