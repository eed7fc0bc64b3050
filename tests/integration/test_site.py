"""The README's main job end to end: site.yml on the local inventory, twice, then teardown.yml.

Runs the real ansible-playbook against an emulator of its own (a free port, a temporary state
directory), so a developer's running emulator is left alone. The converges run at -vvv, and no secret
may show in anything they print or write: the cache's AUTH token (read back from Secrets Manager), and
the Grafana service account token a run mints for the dashboard import and deletes (looked for by its
shape, glsa_..., as Grafana mints them).
"""

import json
import os
import re
import subprocess
import sys

import boto3
import pytest

from conftest import ROOT, free_port

from aws_emulator import requestlog


def playbook(playbook_name, emulator_vars, *extra, plan_json=None, inventory="inventories/local"):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    if plan_json:
        env["GAMEOPS_PLAN_JSON"] = plan_json  # the plan callback's JSON (plugins/callback/plan.py)
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook_name,
               "-i", inventory, "-e", json.dumps(emulator_vars), *extra]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)


SECRET_NAME = "queue-infra-local/cache/auth-token"
LOKI_READER_SECRET = "queue-infra-local/grafana/loki-reader"
GRAFANA_TOKEN = re.compile(r"glsa_[A-Za-z0-9]{32}_[0-9a-f]{8}")


def rendered_text(directory):
    """Everything the Kubernetes layer rendered for GitOps."""
    texts = []
    for parent, _dirs, files in os.walk(directory):
        for name in files:
            with open(os.path.join(parent, name), encoding="utf-8") as handle:
                texts.append(handle.read())
    assert texts, "nothing was rendered"
    return "\n".join(texts)


def assert_no_secret(result, auth_token, what):
    printed = result.stdout + result.stderr
    assert auth_token not in printed, "the AUTH token shows in the output of " + what
    assert not GRAFANA_TOKEN.search(printed), "a Grafana token shows in the output of " + what


def recap(output):
    return dict((key, int(value)) for key, value in re.findall(r"(ok|changed|failed)=(\d+)", output.split("PLAY RECAP")[-1]))


@pytest.fixture
def local_emulator(tmp_path):
    port = free_port()
    settings = {"platform_emulator": {"enabled": True, "host": "127.0.0.1", "port": port,
                                      "state_dir": str(tmp_path), "tools_dir": os.path.join(ROOT, "tools")}}
    yield settings, str(tmp_path), "http://127.0.0.1:%d" % port
    subprocess.run([sys.executable, "-m", "aws_emulator", "stop", "--state-dir", str(tmp_path)],
                   env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "tools")), check=False)


def test_bad_spec_fails_in_preflight_before_any_aws_call(local_emulator):
    settings, state_dir = local_emulator[:2]
    # Besides a network that cannot be planned, values AWS refuses only minutes into a converge: a tag key with
    # AWS's reserved prefix, and a cache engine version ElastiCache does not offer.
    bad = dict(settings, platform={"name": "queue-infra", "environment": "local", "region": "ap-northeast-2",
                                   "tags": {"aws:team": "games"},
                                   "network": {"cidr": "10.0.0.0/16", "availability_zones": 7,
                                               "tiers": {"public": {"cidrs": ["10.1.0.0/24"]}, "app": {"prefix": 20}}},
                                   "cache": {"engine_version": "7.0"}})
    result = playbook("site.yml", bad)
    assert result.returncode != 0
    assert "platform.network.availability_zones: ap-northeast-2 has 4 zones; allowed counts are 1 to 4" in result.stdout
    assert "platform.tags: the key 'aws:team' uses the prefix aws:, which AWS reserves" in result.stdout
    assert "platform.cache.engine_version: '7.0' is not a valkey version ElastiCache offers; allowed: 7.2, 8.0, 8.1" in result.stdout
    assert requestlog.read(os.path.join(state_dir, "requests.jsonl")) == []


LAYERS = ["cache", "certificates", "dns", "eks", "grafana", "kubernetes", "log_storage", "metrics", "network", "registry", "workload_roles"]


def read_plan(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def changed_tasks(output):
    """The tasks a run reported changed, for a failure message."""
    blocks = output.split("\nTASK [")[1:]
    return [block.split("]")[0] for block in blocks if "\nchanged: " in block]


# The platform lock's item (platform_lock, DynamoDB) is written and deleted by every run, check runs too: run
# bookkeeping, not platform state. The platform itself uses no DynamoDB.
LOCK_SERVICE = "dynamodb"


def mutating_calls(log, mark):
    return [e for e in requestlog.read(log)[mark:] if e["mutating"] and e["service"] != LOCK_SERVICE]


def test_converge_twice_then_teardown(local_emulator):
    settings, state_dir, url = local_emulator
    log = os.path.join(state_dir, "requests.jsonl")
    plan_json = os.path.join(state_dir, "plan.json")
    preview = playbook("site.yml", settings, "--check", "--diff", plan_json=plan_json)
    assert preview.returncode == 0, preview.stdout[-3000:]
    assert "queue-infra-local-app-b 10.0.32.0/20" in preview.stdout
    assert mutating_calls(log, 0) == []
    # The plan on a fresh account: every layer lists what it would create, nothing to change or destroy.
    plan = read_plan(plan_json)
    assert sorted(set(r["layer"] for r in plan["resources"] if r["action"] == "+")) == LAYERS, plan
    assert plan["summary"]["change"] == plan["summary"]["destroy"] == 0, plan
    assert "Plan: %d to add, 0 to change, 0 to destroy." % plan["summary"]["add"] in preview.stdout

    first = playbook("site.yml", settings, "-vvv")
    assert first.returncode == 0, first.stdout[-3000:]
    assert recap(first.stdout)["changed"] > 0
    # The slow creations' start entry points do their prerequisites; the main entry points find them done.
    for task in ("cache : Ensure the cache subnet group spans the db tier subnets",
                 "eks : Ensure the control plane security group admits the VPC on 443",
                 "grafana : Ensure the workspace IAM role exists, assumable by AMG for this account only"):
        assert first.stdout.count("TASK [gameops.platform.%s]" % task) == 1, task
    # Every layer's outputs, in the one file per platform (and in the run's last task).
    with open(os.path.join(state_dir, "outputs", "queue-infra-local.json"), encoding="utf-8") as handle:
        outputs_text = handle.read()
    outputs = json.loads(outputs_text)["layers"]
    assert sorted(outputs) == LAYERS
    assert outputs["network"]["vpc_id"].startswith("vpc-") and "vpc_id: " + outputs["network"]["vpc_id"] in first.stdout

    ec2 = boto3.client("ec2", endpoint_url=url, region_name="ap-northeast-2", aws_access_key_id="a", aws_secret_access_key="b")
    owned = [{"Name": "tag:gameops:platform", "Values": ["queue-infra-local"]}]
    assert len(ec2.describe_vpcs(Filters=owned)["Vpcs"]) == 1
    assert len(ec2.describe_subnets(Filters=owned)["Subnets"]) == 6
    assert len(ec2.describe_nat_gateways(Filters=owned)["NatGateways"]) == 1
    assert len(ec2.describe_route_tables(Filters=owned)["RouteTables"]) == 4

    grafana = boto3.client("grafana", endpoint_url=url, region_name="ap-northeast-2", aws_access_key_id="a", aws_secret_access_key="b")
    workspaces = grafana.list_workspaces()["workspaces"]
    assert [(w["name"], w["status"]) for w in workspaces] == [("queue-infra-local", "ACTIVE")]
    # The token the dashboard import used lived only for the run: no token is left behind.
    accounts = grafana.list_workspace_service_accounts(workspaceId=workspaces[0]["id"])["serviceAccounts"]
    for account in accounts:
        assert grafana.list_workspace_service_account_tokens(workspaceId=workspaces[0]["id"], serviceAccountId=account["id"])["serviceAccountTokens"] == []
    assert outputs["grafana"]["url"] == "http://127.0.0.1:%d/grafana/%s" % (int(url.rsplit(":", 1)[1]), workspaces[0]["id"])

    # Alloy may only remote-write to the platform's AMP workspace, through its pod identity association.
    amp = boto3.client("amp", endpoint_url=url, region_name="ap-northeast-2", aws_access_key_id="a", aws_secret_access_key="b")
    workspace_arn = [w["arn"] for w in amp.list_workspaces(alias="queue-infra-local")["workspaces"]]
    iam = boto3.client("iam", endpoint_url=url, region_name="ap-northeast-2", aws_access_key_id="a", aws_secret_access_key="b")
    statements = iam.get_role_policy(RoleName="queue-infra-local-alloy", PolicyName="alloy")["PolicyDocument"]["Statement"]
    assert [(s["Action"], s["Resource"]) for s in statements] == [(["aps:RemoteWrite"], workspace_arn[0])]
    eks = boto3.client("eks", endpoint_url=url, region_name="ap-northeast-2", aws_access_key_id="a", aws_secret_access_key="b")
    associations = eks.list_pod_identity_associations(clusterName="queue-infra-local", namespace="observability")["associations"]
    assert sorted(a["serviceAccount"] for a in associations) == ["alloy", "loki"]
    # Every contributed identity the spec turns on has its role, under the platform's path: the controllers too.
    made = sorted(r["RoleName"] for r in iam.list_roles(PathPrefix="/gameops/queue-infra-local/")["Roles"])
    assert made == ["queue-infra-local-" + name for name in ("alloy", "aws_load_balancer_controller", "external_secrets", "loki")]
    for namespace, account in (("kube-system", "aws-load-balancer-controller"), ("external-secrets", "external-secrets")):
        associations = eks.list_pod_identity_associations(clusterName="queue-infra-local", namespace=namespace)["associations"]
        assert account in [a["serviceAccount"] for a in associations], namespace

    secrets = boto3.client("secretsmanager", endpoint_url=url, region_name="ap-northeast-2", aws_access_key_id="a", aws_secret_access_key="b")
    auth_token = secrets.get_secret_value(SecretId=SECRET_NAME)["SecretString"]
    assert len(auth_token) == 64 and auth_token.isalnum()
    elasticache = boto3.client("elasticache", endpoint_url=url, region_name="ap-northeast-2", aws_access_key_id="a", aws_secret_access_key="b")
    group = elasticache.describe_replication_groups(ReplicationGroupId="queue-infra-local-cache")["ReplicationGroups"][0]
    assert group["AuthTokenEnabled"] and group["TransitEncryptionEnabled"]
    assert_no_secret(first, auth_token, "the first converge")
    assert auth_token not in outputs_text and not GRAFANA_TOKEN.search(outputs_text), "a secret was written to the outputs file"
    rendered = os.path.join(state_dir, "rendered")
    assert auth_token not in rendered_text(rendered), "the AUTH token was written to the rendered tree"
    # AMG's Loki data source signs in to the Loki reader with a password kept only in Secrets Manager.
    reader = json.loads(secrets.get_secret_value(SecretId=LOKI_READER_SECRET)["SecretString"])
    assert len(reader["password"]) == 64 and reader["htpasswd"].startswith("grafana:{SSHA}")
    for text, what in ((first.stdout + first.stderr, "the first converge"), (outputs_text, "the outputs file"), (rendered_text(rendered), "the tree")):
        assert reader["password"] not in text and reader["htpasswd"] not in text, "the Loki reader's password shows in " + what
    assert os.path.isfile(os.path.join(rendered, "loki-reader", "ingress.yaml"))

    # The check run changes one field, Loki's retention (the inventory has 30 days): the plan shows just that.
    for extra in (["-vvv"], ["--check", "--diff", "-e", "log_storage_retention_days=14"]):
        mark = len(requestlog.read(log))
        again = playbook("site.yml", settings, *extra, plan_json=plan_json)
        assert again.returncode == 0, again.stdout[-3000:]
        assert_no_secret(again, auth_token, "site.yml " + " ".join(extra))
        assert recap(again.stdout)["changed"] == (1 if "--check" in extra else 0), changed_tasks(again.stdout)
        writes = [call["operation"] for call in mutating_calls(log, mark)]
        # A converge mints the dashboard import's short-lived Grafana token and deletes it: credentials, not
        # platform state. Check mode mints none, so it makes no write at all.
        assert writes == ([] if "--check" in extra else ["CreateWorkspaceServiceAccountToken", "DeleteWorkspaceServiceAccountToken"])
    assert "  ~   log_storage  s3 lifecycle queue-infra-local-loki  (expiration.days: 30 -> 14)" in again.stdout
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in again.stdout
    assert [(r["layer"], r["action"], r["type"]) for r in read_plan(plan_json)["resources"]] == [("log_storage", "~", "s3 lifecycle")]
    # Generated once, kept: the second converge reused the token.
    assert secrets.get_secret_value(SecretId=SECRET_NAME)["SecretString"] == auth_token
    assert len(secrets.list_secret_version_ids(SecretId=SECRET_NAME)["Versions"]) == 1

    built = subprocess.run(["kubectl", "kustomize", rendered], capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    assert "name: queue-api" in built.stdout and "kind: HorizontalPodAutoscaler" in built.stdout

    teardown = playbook("teardown.yml", settings)
    assert teardown.returncode == 0, teardown.stdout[-3000:]
    assert_no_secret(teardown, auth_token, "the teardown")
    assert not os.path.exists(rendered) or os.listdir(rendered) == [], "the rendered tree outlived the teardown"
    calls = [(e["operation"], e["status"]) for e in requestlog.read(log)]
    # The playbook asserts through the tagging API that nothing tagged is left, after the VPC went.
    assert calls.index(("DeleteVpc", 200)) < len(calls) - 1 - calls[::-1].index(("GetResources", 200))
