"""The ci layer through the generic site and teardown playbooks: GitHub's shared OIDC provider, a deploy role whose
trust is pinned to one repository and branch, ECR push on the platform's repositories, and an EKS access entry
scoped to the apps namespace. A provider another platform claims outlives this platform's teardown.
"""

import json

import boto3

from conftest import ROOT
from test_site import changed_tasks, mutating_calls, playbook, recap
# local_emulator is a fixture, used by name.
from test_site import local_emulator  # noqa: F401  pylint: disable=unused-import

GITHUB = "token.actions.githubusercontent.com"
PLATFORM = {
    "name": "playcode", "environment": "local", "region": "ap-northeast-2", "tags": {"Project": "playcode"},
    "network": {"cidr": "10.0.0.0/16", "availability_zones": 2, "nat_gateways": "none", "s3_endpoint": False},
    "eks": {"version": "1.35", "node_groups": [{"name": "general", "min_size": 1, "max_size": 2}]},
    "registry": {"prefix": "playcode", "repositories": [{"name": "web"}]},
    "ci": {"github": {"repository": "playcode-gg/playcode", "branches": ["main"]}, "namespaces": ["playcode"]},
}


def client(service, endpoint):
    return boto3.client(service, endpoint_url=endpoint, region_name="ap-northeast-2",
                        aws_access_key_id="emulator", aws_secret_access_key="emulator")


def test_ci_role_converges_twice_and_tears_down_leaving_a_shared_provider(local_emulator):  # noqa: F811
    settings, state_dir, endpoint = local_emulator
    extra = dict(settings, platform=PLATFORM)
    iam = client("iam", endpoint)
    first = playbook("site.yml", extra)
    assert first.returncode == 0, first.stdout[-3000:]

    role = iam.get_role(RoleName="playcode-local-github-deploy")["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Condition"]["StringEquals"] == {
        GITHUB + ":aud": "sts.amazonaws.com", GITHUB + ":sub": ["repo:playcode-gg/playcode:ref:refs/heads/main"]}
    policy = iam.get_role_policy(RoleName="playcode-local-github-deploy", PolicyName="deploy")["PolicyDocument"]
    resources = {statement["Sid"]: statement["Resource"] for statement in policy["Statement"]}
    assert resources["PushToTheAppRepositories"] == ["arn:aws:ecr:ap-northeast-2:123456789012:repository/playcode/web"]
    assert resources["FindTheCluster"] == "arn:aws:eks:ap-northeast-2:123456789012:cluster/playcode-local"
    eks = client("eks", endpoint)
    scopes = eks.list_associated_access_policies(clusterName="playcode-local", principalArn=role["Arn"])["associatedAccessPolicies"]
    assert [(p["policyArn"].rsplit("/", 1)[1], p["accessScope"]) for p in scopes] == [
        ("AmazonEKSEditPolicy", {"type": "namespace", "namespaces": ["playcode"]})]
    provider_arn = "arn:aws:iam::123456789012:oidc-provider/" + GITHUB
    tags = {tag["Key"]: tag["Value"] for tag in iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn)["Tags"]}
    assert tags == {"gameops:managed-by": "gameops.platform", "gameops:claimed-by:playcode-local": "true"}
    with open(state_dir + "/outputs/playcode-local.json", encoding="utf-8") as handle:
        assert json.load(handle)["layers"]["ci"]["role_arn"] == role["Arn"]

    # Another platform of the account claims the provider too.
    iam.tag_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn, Tags=[{"Key": "gameops:claimed-by:other-prod", "Value": "true"}])
    second = playbook("site.yml", extra)
    assert second.returncode == 0 and recap(second.stdout)["changed"] == 0, changed_tasks(second.stdout)
    mark = len(open(state_dir + "/requests.jsonl", encoding="utf-8").readlines())
    check = playbook("site.yml", extra, "--check", "--diff")
    assert check.returncode == 0 and recap(check.stdout)["changed"] == 0, changed_tasks(check.stdout)
    assert mutating_calls(state_dir + "/requests.jsonl", mark) == []

    mark = len(open(state_dir + "/requests.jsonl", encoding="utf-8").readlines())
    # The emulator outlives this teardown (no stop hook; the fixture stops it), so what is left can be asked.
    hooks = {"before": [ROOT + "/tools/emulator_hooks/start.yml"], "after_teardown": []}
    teardown = playbook("teardown.yml", dict(extra, platform_hooks=hooks))
    assert teardown.returncode == 0, teardown.stdout[-3000:]
    removed = [call["operation"] for call in mutating_calls(state_dir + "/requests.jsonl", mark)]
    assert removed.index("DeleteAccessEntry") < removed.index("DeleteRole") < removed.index("DeleteCluster")
    assert "playcode-local-github-deploy" not in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    tags = {tag["Key"]: tag["Value"] for tag in iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn)["Tags"]}
    assert tags == {"gameops:managed-by": "gameops.platform", "gameops:claimed-by:other-prod": "true"}
