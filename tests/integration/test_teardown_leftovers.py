"""teardown.yml survives what a Kubernetes load balancer controller leaves when the cluster goes first.

On an emulator of its own: site.yml builds a network and an EKS cluster only, then boto3 leaves in the VPC
what the AWS Load Balancer Controller, the in-tree provider and the VPC CNI leave on AWS: load balancers with
their security groups and a target group, a rule in the collection's control-plane group and one in EKS's own
cluster group pointing at the load balancer's group, and a detached interface holding the cluster group. The
emulator refuses, as AWS does, to delete a subnet, group or VPC something still depends on
(fidelity.ec2_dependency_violations), so without roles/network/tasks/absent_leftovers.yml the teardown fails.
"""

import os

import boto3
import pytest
from botocore.exceptions import ClientError

from aws_emulator import requestlog
from test_site import local_emulator, playbook  # noqa: F401  # pylint: disable=unused-import  # the fixture, by import

pytestmark = pytest.mark.slow

PLATFORM_ID = "queue-infra-local"
CLUSTER_TAGS = [{"Key": "elbv2.k8s.aws/cluster", "Value": PLATFORM_ID}, {"Key": "ingress.k8s.aws/stack", "Value": "queue-system/queue-api"}]
# Network and EKS only: what a load balancer controller needs, and quick to build.
PLATFORM = {
    "name": "queue-infra", "environment": "local", "region": "ap-northeast-2", "tags": {"Project": "queue-infra"},
    "network": {"cidr": "10.0.0.0/16", "availability_zones": 2, "nat_gateways": "single",
                "tiers": {"public": {"prefix": 24}, "app": {"prefix": 20}}, "s3_endpoint": True},
    "eks": {"version": "1.35", "node_groups": [{"name": "general", "instance_types": ["t3.large"], "min_size": 1, "max_size": 2}]},
}


def platform_writes(log, mark):
    """Mutating calls since the mark, but the platform lock's (DynamoDB, run bookkeeping: every run writes it)."""
    return [e["operation"] for e in requestlog.read(log)[mark:] if e["mutating"] and e["service"] != "dynamodb"]


def clients(url):
    settings = {"endpoint_url": url, "region_name": "ap-northeast-2", "aws_access_key_id": "a", "aws_secret_access_key": "b"}
    return {name: boto3.client(name, **settings) for name in ("ec2", "elbv2", "elb")}


def subnet_ids(ec2, vpc_id, tier):
    found = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "tag:Name", "Values": ["%s-%s-*" % (PLATFORM_ID, tier)]}])
    return sorted(subnet["SubnetId"] for subnet in found["Subnets"])


def group(ec2, vpc_id, name, tags):
    created = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id,
                                        TagSpecifications=[{"ResourceType": "security-group", "Tags": tags}])
    return created["GroupId"]


def allow_from(ec2, group_id, source_id, port):
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "UserIdGroupPairs": [{"GroupId": source_id}]}])


def leave_what_kubernetes_leaves(aws, vpc_id):
    """What the cluster's controllers made and nobody removed; returns the ids to look for afterwards."""
    ec2, elbv2, elb = aws["ec2"], aws["elbv2"], aws["elb"]
    public, app = subnet_ids(ec2, vpc_id, "public"), subnet_ids(ec2, vpc_id, "app")
    lb_group = group(ec2, vpc_id, "k8s-queuesys-queueapi-4f2a9c1e7b", CLUSTER_TAGS)
    ec2.authorize_security_group_ingress(GroupId=lb_group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    alb = elbv2.create_load_balancer(Name="k8s-queuesys-queueapi-4f2a9c1e7b", Subnets=public, SecurityGroups=[lb_group],
                                     Scheme="internet-facing", Type="application", Tags=CLUSTER_TAGS)["LoadBalancers"][0]
    target_group = elbv2.create_target_group(Name="k8s-queuesys-queueapi-8d3e6f0a21", Protocol="HTTP", Port=8080, VpcId=vpc_id,
                                             TargetType="ip", Tags=CLUSTER_TAGS)["TargetGroups"][0]
    elbv2.create_listener(LoadBalancerArn=alb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group["TargetGroupArn"]}])
    nlb = elbv2.create_load_balancer(Name="k8s-queuesys-chatsrv-0c5b7d2e9f", Subnets=app, Scheme="internal", Type="network",
                                     Tags=CLUSTER_TAGS)["LoadBalancers"][0]
    # The in-tree provider's Service type LoadBalancer: a classic ELB and its own group.
    elb_group = group(ec2, vpc_id, "k8s-elb-a1b2c3d4e5f6", [{"Key": "kubernetes.io/cluster/" + PLATFORM_ID, "Value": "owned"}])
    elb.create_load_balancer(LoadBalancerName="a1b2c3d4e5f6", Subnets=public, SecurityGroups=[elb_group],
                             Listeners=[{"Protocol": "TCP", "LoadBalancerPort": 443, "InstancePort": 31443}])
    # The controller opens the nodes to the load balancer; EKS could not delete its cluster group while the
    # interface the VPC CNI detached still held it.
    cluster_group = group(ec2, vpc_id, "eks-cluster-sg-%s-1234567890" % PLATFORM_ID, [{"Key": "kubernetes.io/cluster/" + PLATFORM_ID, "Value": "owned"}])
    allow_from(ec2, cluster_group, lb_group, 8080)
    control_plane = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [PLATFORM_ID + "-control-plane"]}])["SecurityGroups"]
    allow_from(ec2, control_plane[0]["GroupId"], lb_group, 443)
    eni = ec2.create_network_interface(SubnetId=app[0], Groups=[cluster_group], Description="aws-K8S-i-0123456789abcdef0",
                                       TagSpecifications=[{"ResourceType": "network-interface",
                                                           "Tags": [{"Key": "cluster.k8s.amazonaws.com/name", "Value": PLATFORM_ID}]}])
    return {"subnets": public + app, "groups": [lb_group, elb_group, cluster_group], "eni": eni["NetworkInterface"]["NetworkInterfaceId"],
            "load_balancers": [alb["LoadBalancerArn"], nlb["LoadBalancerArn"]], "target_group": target_group["TargetGroupArn"]}


def failed_tasks(output):
    blocks = output.split("\nTASK [")[1:]
    return [block.split("]")[0] for block in blocks if "\nfatal: " in block]


def refusal(call, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"]


def test_teardown_removes_load_balancers_groups_and_interfaces_kubernetes_left(local_emulator):  # pylint: disable=redefined-outer-name
    settings, state_dir, url = local_emulator
    log = os.path.join(state_dir, "requests.jsonl")
    built = playbook("site.yml", dict(settings, platform=PLATFORM))
    assert built.returncode == 0, built.stdout[-3000:]
    aws = clients(url)
    ec2 = aws["ec2"]
    vpc_id = ec2.describe_vpcs(Filters=[{"Name": "tag:gameops:platform", "Values": [PLATFORM_ID]}])["Vpcs"][0]["VpcId"]
    left = leave_what_kubernetes_leaves(aws, vpc_id)

    # What the teardown met before absent_leftovers.yml: every subnet, and each leftover group, is held.
    for subnet_id in left["subnets"]:
        assert refusal(ec2.delete_subnet, SubnetId=subnet_id) == "DependencyViolation", subnet_id
    for group_id in left["groups"]:
        assert refusal(ec2.delete_security_group, GroupId=group_id) == "DependencyViolation", group_id

    mark = len(requestlog.read(log))
    preview = playbook("teardown.yml", dict(settings, platform=PLATFORM), "--check")
    # Check mode removes nothing: it succeeds, shows what a teardown would remove, and writes nothing.
    assert preview.returncode == 0 and failed_tasks(preview.stdout) == [], preview.stdout[-3000:]
    assert "TASK [Show what a teardown would remove]" in preview.stdout and "vpc/" + vpc_id in preview.stdout
    assert platform_writes(log, mark) == []
    for task in ("Remove the application load balancers in the VPC", "Remove the detached network interfaces", "Remove the security groups"):
        assert "TASK [gameops.platform.network : %s" % task in preview.stdout, task
    assert "changed: [localhost] => (item=k8s-queuesys-queueapi-4f2a9c1e7b)" in preview.stdout, preview.stdout[-3000:]

    # The emulator stays up after the teardown (enabled: false skips its stop) to be asked what is left.
    kept = dict(settings, platform=PLATFORM, platform_emulator=dict(settings["platform_emulator"], enabled=False))
    mark = len(requestlog.read(log))
    teardown = playbook("teardown.yml", kept)
    assert teardown.returncode == 0, teardown.stdout[-3000:]
    writes = [e["operation"] for e in requestlog.read(log)[mark:] if e["mutating"] and e["status"] == 200]
    for operation in ("DeleteLoadBalancer", "DeleteTargetGroup", "DeleteNetworkInterface", "RevokeSecurityGroupIngress", "DeleteVpc"):
        assert operation in writes, (operation, writes)
    # The load balancers went before the internet gateway: AWS keeps it while they map public addresses.
    assert writes.index("DeleteLoadBalancer") < writes.index("DetachInternetGateway")

    assert ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Vpcs"] == []
    assert aws["elbv2"].describe_load_balancers()["LoadBalancers"] == []
    assert aws["elbv2"].describe_target_groups()["TargetGroups"] == []
    assert aws["elb"].describe_load_balancers()["LoadBalancerDescriptions"] == []
    assert ec2.describe_network_interfaces(Filters=[{"Name": "network-interface-id", "Values": [left["eni"]]}])["NetworkInterfaces"] == []
    assert ec2.describe_security_groups(Filters=[{"Name": "group-id", "Values": left["groups"]}])["SecurityGroups"] == []

    mark = len(requestlog.read(log))
    again = playbook("teardown.yml", kept)
    assert again.returncode == 0, again.stdout[-3000:]
    assert platform_writes(log, mark) == []
