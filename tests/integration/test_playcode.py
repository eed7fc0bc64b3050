"""Seed 001 (PlayCode.gg) end to end: inventories/playcode-local checked on a fresh account without a write, built,
built again with nothing to change, its rendered tree built and validated, and torn down leaving nothing tagged.

One converge sequence on an emulator of its own (test_site's fixture and helpers): what the seed asks of AWS is
read back through the emulator (the NAT gateway, the ECR lifecycle policy, the buckets' CORS and lifecycle, the
zone, the SES identity, the GitHub deploy role, the app's and external-dns's own roles), and every object of the
rendered tree goes through `kubectl kustomize` and `kubernetes-validate --strict` (tests/kubernetes/test_render.py).
"""

import json
import os
import sys

import boto3
import pytest
import yaml

from aws_emulator import requestlog
from conftest import ROOT
from test_site import changed_tasks, mutating_calls, playbook, recap
# local_emulator is a fixture, used by name.
from test_site import local_emulator  # noqa: F401  pylint: disable=unused-import

sys.path[:0] = [os.path.join(ROOT, "tests", "kubernetes"), os.path.join(ROOT, "tests", "datastores")]
# pylint: disable=wrong-import-position
import network_policies  # noqa: E402
from network_policies import Pod  # noqa: E402
from test_render import CRD_KINDS, build, kustomize_dirs, validate_strict  # noqa: E402

pytestmark = pytest.mark.slow

INVENTORY = "inventories/playcode-local"
PLATFORM_ID = "playcode-local"
ZONE = "local.playcode.gg"
with open(os.path.join(ROOT, INVENTORY, "group_vars", "all", "platform.yml"), encoding="utf-8") as _spec:
    VERSION = yaml.safe_load(_spec)["platform"]["eks"]["version"] + ".0"


def client(service, endpoint):
    return boto3.client(service, endpoint_url=endpoint, region_name="ap-northeast-2", aws_access_key_id="emulator", aws_secret_access_key="emulator")


def assert_aws_is_the_seed(endpoint):
    ec2, ecr, s3 = client("ec2", endpoint), client("ecr", endpoint), client("s3", endpoint)
    owned = [{"Name": "tag:gameops:platform", "Values": [PLATFORM_ID]}]
    [vpc] = ec2.describe_vpcs(Filters=owned)["Vpcs"]
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    assert len(ec2.describe_nat_gateways(Filters=owned)["NatGateways"]) == 1
    assert client("eks", endpoint).describe_cluster(name=PLATFORM_ID)["cluster"]["version"] == VERSION[:-2]
    lifecycle = json.loads(ecr.get_lifecycle_policy(repositoryName="playcode/playcode-app")["lifecyclePolicyText"])
    assert lifecycle["rules"][0]["selection"]["countNumber"] == 30
    [cors] = s3.get_bucket_cors(Bucket=PLATFORM_ID + "-uploads")["CORSRules"]
    assert (cors["AllowedOrigins"], sorted(cors["AllowedMethods"])) == (["https://" + ZONE], ["GET", "PUT"])
    rules = s3.get_bucket_lifecycle_configuration(Bucket=PLATFORM_ID + "-backups")["Rules"]
    assert {rule["ID"] for rule in rules} == {"backups-to-infrequent-access", "expire-backups"}
    [zone] = [z for z in client("route53", endpoint).list_hosted_zones()["HostedZones"] if z["Name"] == ZONE + "."]
    zone_id = zone["Id"].rsplit("/", 1)[1]
    assert client("sesv2", endpoint).get_email_identity(EmailIdentity=ZONE)["VerifiedForSendingStatus"] is True

    iam = client("iam", endpoint)
    trust = iam.get_role(RoleName=PLATFORM_ID + "-github-deploy")["Role"]["AssumeRolePolicyDocument"]
    assert "repo:playcode-gg/playcode:ref:refs/heads/main" in json.dumps(trust)
    # The app's own role: its uploads bucket's objects and SES from the platform's identity, nothing else.
    app = iam.get_role_policy(RoleName=PLATFORM_ID + "-app-playcode-app", PolicyName="app-playcode-app")["PolicyDocument"]
    assert [(s["Action"], s["Resource"]) for s in app["Statement"]] == [
        (["s3:PutObject", "s3:GetObject"], ["arn:aws:s3:::%s-uploads/*" % PLATFORM_ID]),
        (["ses:SendEmail", "ses:SendRawEmail"], "arn:aws:ses:ap-northeast-2:123456789012:identity/" + ZONE)]
    # external-dns's: records of the platform's zone only.
    dns = iam.get_role_policy(RoleName=PLATFORM_ID + "-external_dns", PolicyName="external_dns")["PolicyDocument"]
    changes = [s for s in dns["Statement"] if "route53:ChangeResourceRecordSets" in s["Action"]]
    assert [s["Resource"] for s in changes] == ["arn:aws:route53:::hostedzone/" + zone_id]
    eks = client("eks", endpoint)
    for namespace, account in (("playcode", "playcode-app"), ("external-dns", "external-dns")):
        associations = eks.list_pod_identity_associations(clusterName=PLATFORM_ID, namespace=namespace)["associations"]
        assert account in [a["serviceAccount"] for a in associations], namespace
    return zone_id


def assert_tree_is_the_seed(tree, zone_id, tmp_path):
    built = dict((os.path.relpath(d, tree), build(d)) for d in kustomize_dirs(tree))
    assert {".", "addons", "apps/overlays/local"} <= set(built)
    for name, (objects, text) in built.items():
        path = tmp_path / ("built-%s.yaml" % name.replace("/", "_").replace(".", "root"))
        path.write_text(text, encoding="utf-8")
        output = validate_strict(str(path), VERSION)
        assert output.count("passed for resource") == len([o for o in objects if o["kind"] not in CRD_KINDS]), output
    objects = built["."][0]
    by_name = dict(((o["kind"], o["metadata"]["name"]), o) for o in objects)
    deployment = by_name[("Deployment", "playcode-app")]
    assert deployment["metadata"]["namespace"] == "playcode"
    assert deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] == 3000
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == "playcode-app"
    hpa = by_name[("HorizontalPodAutoscaler", "playcode-app")]["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 4)
    assert sorted((m["resource"]["name"], m["resource"]["target"]["averageUtilization"]) for m in hpa["metrics"]) == [("cpu", 70), ("memory", 80)]
    # Not ingress-nginx (retired): Envoy Gateway, cert-manager, and external-dns on the platform's zone only.
    releases = dict((o["metadata"]["name"], o["spec"]) for o in objects if o["kind"] == "HelmRelease")
    assert "ingress-nginx" not in releases and {"envoy-gateway", "cert-manager", "external-dns"} <= set(releases)
    values = releases["external-dns"]["values"]
    assert (values["provider"], values["registry"], values["txtOwnerId"]) == ({"name": "aws"}, "txt", PLATFORM_ID)
    assert values["domainFilters"] == [ZONE] and "--zone-id-filter=" + zone_id in values["extraArgs"]
    assert "gateway-httproute" in values["sources"]
    [route] = [o for o in objects if o["kind"] == "HTTPRoute" and o["metadata"]["name"] == "playcode-app"]
    assert route["spec"]["hostnames"] == [ZONE]
    assert deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == "3000"
    assert_app_flows_are_the_seeds([o for o in objects if o["kind"] == "NetworkPolicy"])


def assert_app_flows_are_the_seeds(policies):
    """The seed's flows at the app, with every policy of the tree: ingress -> app :3000, Prometheus -> app :3000,
    app -> external :443; nothing else reaches the app, and the app reaches nothing else outside (the stores' flows are
    tests/datastores')."""
    app = Pod("playcode-app", "playcode", {"app.kubernetes.io/name": "playcode-app"}, "10.0.16.10")
    envoy = Pod("envoy", "envoy-gateway-system", {"app.kubernetes.io/name": "envoy", "gateway.envoyproxy.io/owning-gateway-name": PLATFORM_ID,
                                                  "gateway.envoyproxy.io/owning-gateway-namespace": "playcode"}, "10.0.16.30")
    prometheus = Pod("prometheus-0", "monitoring", {"app.kubernetes.io/name": "prometheus"}, "10.0.16.31")
    internet = Pod("internet", "none", {}, "203.0.113.9")
    for source in (envoy, prometheus):
        assert network_policies.allowed(policies, source, app, 3000), source
        assert not network_policies.allowed(policies, source, app, 8080), source
    others = (Pod("grafana", "monitoring", {"app.kubernetes.io/name": "grafana"}, "10.0.16.32"),
              Pod("mongodb-0", "playcode", {"app.kubernetes.io/name": "mongodb"}, "10.0.16.20"),
              Pod("intruder", "default", {"app.kubernetes.io/name": "playcode-app"}, "10.0.16.33"), internet)
    for source in others:
        assert not network_policies.allowed(policies, source, app, 3000), source
    assert network_policies.allowed(policies, app, internet, 443)
    assert not network_policies.allowed(policies, app, internet, 80)
    assert not network_policies.allowed(policies, app, prometheus, 9090)


def test_playcode_local_checks_converges_twice_and_tears_down(local_emulator, tmp_path):  # noqa: F811
    settings, state_dir, endpoint = local_emulator
    log = os.path.join(state_dir, "requests.jsonl")

    preview = playbook("site.yml", settings, "--check", "--diff", inventory=INVENTORY)
    assert preview.returncode == 0, preview.stdout[-3000:]
    assert mutating_calls(log, 0) == []
    assert "Plan: 0 to add" not in preview.stdout and " to change, 0 to destroy." in preview.stdout

    first = playbook("site.yml", settings, inventory=INVENTORY)
    assert first.returncode == 0, first.stdout[-3000:]
    assert recap(first.stdout)["changed"] > 0
    zone_id = assert_aws_is_the_seed(endpoint)

    mark = len(requestlog.read(log))
    again = playbook("site.yml", settings, inventory=INVENTORY)
    assert again.returncode == 0, again.stdout[-3000:]
    assert recap(again.stdout)["changed"] == 0, changed_tasks(again.stdout)
    assert mutating_calls(log, mark) == []
    assert_tree_is_the_seed(os.path.join(state_dir, "rendered-playcode"), zone_id, tmp_path)

    teardown = playbook("teardown.yml", settings, inventory=INVENTORY)
    assert teardown.returncode == 0, teardown.stdout[-3000:]
    calls = [(e["operation"], e["status"]) for e in requestlog.read(log)]
    for operation, status in (("DeleteHostedZone", 200), ("DeleteEmailIdentity", 200), ("DeleteBucket", 204), ("DeleteRepository", 200),
                              ("DeleteCluster", 200), ("DeleteRole", 200)):
        assert (operation, status) in calls[mark:], operation
    # The playbook asserts through the tagging API that nothing tagged is left, after the VPC went.
    assert calls.index(("DeleteVpc", 200)) < len(calls) - 1 - calls[::-1].index(("GetResources", 200))
    assert not os.path.exists(os.path.join(state_dir, "rendered-playcode")) or os.listdir(os.path.join(state_dir, "rendered-playcode")) == []
