"""The datastores layer's contributions rendered as the layers that collect them render them: the backup job's
workload identity (parliament-clean, s3:PutObject into the backups bucket only) and the apps' connection."""

import copy
import json
import os

import parliament
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.gameops.platform.plugins.filter.workload_identities import workload_identities
from ansible_collections.gameops.platform.plugins.plugin_utils.preflight import preflight

from role_templates import trusted

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ACCOUNT, REGION = "123456789012", "ap-northeast-2"
KEY = "arn:aws:kms:%s:%s:key/12345678-abcd-1234-abcd-123456789012" % (REGION, ACCOUNT)
SPEC = {
    "name": "playcode", "environment": "prod", "region": REGION, "network": {"cidr": "10.0.0.0/16"},
    "eks": {"version": "1.35", "node_groups": [{"name": "general"}]},
    "buckets": {"uploads": {}, "backups": {}},
    "kubernetes": {"delivery": "render", "namespaces": {"apps": "playcode"}, "observability": {"enabled": False},
                   "apps": [{"name": "playcode-app", "image": "ghcr.io/playcode/app", "tag": "1.0.0", "port": 3000, "uses": ["datastores"]}]},
    "datastores": {},
}


def contribution(kind, spec, **outputs):
    platform, plan = preflight(spec)
    source = [entry["file"] for entry in plan["contributions"][kind] if entry["layer"] == "datastores"][0]
    context = dict(outputs, preflight={"platform": platform, "plan": plan}, workload_roles_account_id=ACCOUNT)
    with open(source, encoding="utf-8") as handle:
        return Templar(loader=DataLoader(), variables=context).template(trusted(yaml.safe_load(handle))), source


def backup_identity(spec):
    rendered, source = contribution("identities", spec)
    folded = workload_identities([rendered], [source])
    return dict((identity["name"], identity) for identity in folded).get("datastores_backup")


def test_the_backup_may_only_put_objects_under_its_prefix_in_the_backups_bucket():
    identity = backup_identity(SPEC)
    assert (identity["namespace"], identity["service_account"]) == ("playcode", "mongodb-backup")
    assert identity["policy"]["Statement"] == [{"Sid": "PutBackupsInTheBackupsBucket", "Effect": "Allow", "Action": ["s3:PutObject"],
                                                "Resource": "arn:aws:s3:::playcode-prod-backups/mongodb/*"}]
    findings = parliament.analyze_policy_string(json.dumps(identity["policy"]), include_community_auditors=True).findings
    assert [(finding.issue, finding.detail) for finding in findings] == []


def test_a_bucket_with_its_own_key_adds_encryption_with_that_key_only():
    spec = copy.deepcopy(SPEC)
    spec["buckets"]["backups"] = {"kms_key_arn": KEY}
    statements = backup_identity(spec)["policy"]["Statement"]
    assert statements[1] == {"Sid": "EncryptWithTheBucketKey", "Effect": "Allow", "Action": ["kms:GenerateDataKey"], "Resource": KEY}
    findings = parliament.analyze_policy_string(json.dumps({"Version": "2012-10-17", "Statement": statements}),
                                                include_community_auditors=True).findings
    assert [(finding.issue, finding.detail) for finding in findings] == []


def test_no_backup_no_identity():
    spec = copy.deepcopy(SPEC)
    spec["datastores"] = {"backup": {"enabled": False}}
    assert backup_identity(spec) is None


def test_the_connection_names_mongodb_and_redis_and_carries_no_secret_value():
    arn = "arn:aws:secretsmanager:%s:%s:secret:playcode-prod/datastores/mongodb-AbCdEf" % (REGION, ACCOUNT)
    stores = {"stores": ["mongodb", "redis"],
              "endpoints": {"mongodb": "mongodb.playcode.svc.cluster.local", "redis": "redis.playcode.svc.cluster.local"},
              "secret_names": {"mongodb": "playcode-prod/datastores/mongodb"}, "secret_arns": {"mongodb": arn}}
    outputs = {"datastores_outputs": stores,
               "kubernetes_subnets": [{"tier": "app", "cidr": "10.0.16.0/20"}, {"tier": "db", "cidr": "10.0.2.0/24"}]}
    connection, _source = contribution("connection", SPEC, **outputs)
    assert (connection["endpoint"], connection["port"], connection["cidrs"]) == ("mongodb.playcode.svc.cluster.local", 27017, ["10.0.16.0/20"])
    assert connection["secret"] == {"name": "mongodb-app-credentials", "key": "password", "env": "MONGODB_PASSWORD",
                                    "arn": arn}
    assert connection["config"]["REDIS_HOST"] == "redis.playcode.svc.cluster.local" and connection["config"]["REDIS_PORT"] == "6379"
    assert connection["env"] == {"MONGODB_URI": "mongodb://$(MONGODB_USERNAME):$(MONGODB_PASSWORD)@$(MONGODB_HOST):$(MONGODB_PORT)/?authSource=admin"}
