"""Preflight refuses what AWS or Kubernetes would refuse mid-converge (issue 13), naming the field and what is allowed."""

import copy
import os

import jinja2
import pytest
import yaml

from ansible_collections.gameops.platform.plugins.module_utils import aws_rules, data_spec
from ansible_collections.gameops.platform.plugins.plugin_utils.preflight import SpecError, validate
from aws_emulator.handlers import elasticache_groups
from conftest import ROOT

REGION = "ap-northeast-2"
ACCOUNT = "123456789012"
NODE_GROUP = {"name": "general", "instance_types": ["t3.large"]}
BASE = {
    "name": "queue-infra",
    "environment": "dev",
    "region": REGION,
    "tags": {"Project": "queue-infra"},
    "network": {"cidr": "10.0.0.0/16"},
    "eks": {"version": "1.35", "node_groups": [NODE_GROUP]},
    "log_storage": {},
    "registry": {"prefix": "queue-infra", "repositories": [{"name": "queue-api"}]},
    "cache": {},
    "observability": {"metrics": {}, "grafana": {}},
    "buckets": {"uploads": {}},
    "kubernetes": {"apps": [{"name": "queue-api", "image": "queue-api", "tag": "1.0.0"}]},
}


def spec_with(path, value):
    """BASE with the value at a dotted path (a list index as a number)."""
    spec = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    node = spec
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[int(last) if isinstance(node, list) else last] = value
    return spec


def errors_of(spec):
    with pytest.raises(SpecError) as error:
        validate(spec)
    return error.value.errors


def assert_refused(spec, expected):
    messages = errors_of(spec)
    assert any(expected in message for message in messages), messages


def test_base_passes():
    platform = validate(BASE)
    assert platform["cache"]["engine_version"] == "8.0" and platform["eks"]["cluster_name"] == "queue-infra-dev"


# 1. Names AWS derives from the platform id or takes from the spec.
@pytest.mark.parametrize(
    "path, value, expected",
    [
        # <id>-cache: 41 characters is one over ElastiCache's 40.
        ("environment", "d" * 23, "platform.cache: the replication group id 'queue-infra-%s-cache' (<platform.name>-<platform.environment>-cache) "
                                  "is not a replication group id ElastiCache takes: 1-40 letters" % ("d" * 23)),
        ("eks.node_groups", [dict(NODE_GROUP, name="-general")], "platform.eks.node_groups[0].name: '-general' is not a node group name EKS takes"),
        ("eks.node_groups", [dict(NODE_GROUP, name="g" * 64)], "platform.eks.node_groups[0].name: '%s' is not a node group name" % ("g" * 64)),
        ("eks.node_groups", [dict(NODE_GROUP, name="gen.eral")], "platform.eks.node_groups[0].name: 'gen.eral'"),
        ("log_storage", {"bucket_name": "logs..archive"}, "platform.log_storage.bucket_name: 'logs..archive' is not a valid S3 bucket name"),
        ("log_storage", {"bucket_name": "xn--logs"},
         "platform.log_storage.bucket_name: 'xn--logs' is not a valid S3 bucket name: it must not start with 'xn--'"),
        ("log_storage", {"bucket_name": "logs-s3alias"}, "it must not end with '-s3alias'"),
        ("log_storage", {"bucket_name": "10.0.0.1"}, "it must not be an IP address"),
        ("buckets", {"uploads": {"bucket_name": "sthree-uploads"}}, "platform.buckets.uploads.bucket_name: 'sthree-uploads' must not start with"),
        ("registry.repositories", [{"name": "queue-api-"}], "platform.registry.repositories[0].name: 'queue-infra/queue-api-' is not a name ECR accepts"),
    ],
)
def test_names_aws_refuses(path, value, expected):
    assert_refused(spec_with(path, value), expected)


@pytest.mark.parametrize(
    "environment, expected",
    [
        # <id>-eks-cluster of 65 characters, one over IAM's 64.
        ("e" * 20, "platform.eks: the IAM role '%s-%s-eks-cluster' (<platform.name>-<platform.environment>-eks-cluster) is 65 characters; "
                   "IAM role names have 1 to 64" % ("n" * 32, "e" * 20)),
        ("e" * 32, "platform.eks: the IAM role '%s-%s-ebs-csi'" % ("n" * 32, "e" * 32)),
        ("e" * 32, "platform.observability.grafana: the IAM role '%s-%s-grafana' (<platform.name>-<platform.environment>-grafana) is 73 characters"
         % ("n" * 32, "e" * 32)),
    ],
)
def test_iam_role_names_the_roles_derive(environment, expected):
    spec = spec_with("name", "n" * 32)
    spec["environment"] = environment
    assert_refused(spec, expected)


@pytest.mark.parametrize("name", ["queue__api", "queue--api", "team/queue.api"])
def test_repository_names_ecr_takes_are_accepted(name):
    # botocore's RepositoryName allows '__' and runs of '-' between parts.
    spec = spec_with("registry.repositories", [{"name": name}])
    spec["kubernetes"]["apps"][0]["image"] = name
    assert validate(spec)["registry"]["repositories"][0]["name"] == name


def test_longest_ids_within_the_limits_pass():
    # <id>-cache of exactly 40 characters; <id>-eks-cluster of exactly 64 without the cache and grafana.
    assert len(validate(spec_with("environment", "d" * 22))["id"] + "-cache") == 40
    spec = spec_with("name", "n" * 32)
    spec["environment"] = "e" * 19
    del spec["cache"], spec["observability"]
    spec["kubernetes"]["observability"] = {"redis_exporter": False}
    assert len(validate(spec)["id"] + "-eks-cluster") == 64


@pytest.mark.parametrize(
    "group_id, ok",
    [("a", True), ("a" * 40, True), ("a" * 41, False), ("1cache", False), ("my--cache", False), ("cache-", False), ("my-cache", True)],
)
def test_replication_group_id_rule(group_id, ok):
    assert (aws_rules.replication_group_id_problem(group_id) is None) == ok


# 2. Tags.
@pytest.mark.parametrize(
    "tags, expected",
    [
        ({"aws:owner": "me"}, "platform.tags: the key 'aws:owner' uses the prefix aws:, which AWS reserves"),
        ({"AWS:Owner": "me"}, "platform.tags: the key 'AWS:Owner' uses the prefix aws:"),
        ({"gameops:platform": "other"}, "platform.tags: the key 'gameops:platform' uses the prefix gameops:, which the collection reserves"),
        ({"k" * 129: "v"}, "must be a key of 1 to 128 characters"),
        ({"Owner": "v" * 257}, "platform.tags.Owner: '%s' is 257 characters; a tag value has at most 256" % ("v" * 257)),
        ({"Owner": None}, "platform.tags.Owner: None is null; give a string"),
        ({"Owner": ["a"]}, "platform.tags.Owner: ['a'] must be a string, not a list"),
        ({"Team#1": "x"}, "platform.tags: the key 'Team#1' has '#'; tags take letters, digits, spaces and _ . : / = + - @"),
        ({"Owner": "a,b"}, "platform.tags.Owner: 'a,b' has ','"),
        # 45 of the user's and the 5 the network role puts on subnets make 50; one more is refused.
        (dict(("tag%d" % index, "v") for index in range(46)),
         "platform.tags: 46 tags; with the 5 the collection adds to the subnets (Name, gameops:managed-by, gameops:platform, "
         "gameops:tier, kubernetes.io/role/internal-elb) that is 51, and AWS allows 50 per resource"),
    ],
)
def test_tags_aws_refuses(tags, expected):
    assert_refused(spec_with("tags", tags), expected)


def test_tags_aws_takes_are_accepted():
    # 46 of the user's, Name among them, and the 4 other keys the subnets get: exactly 50.
    tags = dict(("tag%d" % index, "v") for index in range(41))
    tags.update({"Owner": "platform-team@example.com", "Cost Center": "", "Name": "x", "Umlaut": "Grüße", "Path": "a/b:c=d+e"})
    assert len(validate(spec_with("tags", tags))["tags"]) == len(tags) + 2


# 3. Kubernetes syntax.
@pytest.mark.parametrize(
    "group, expected",
    [
        ({"labels": {"role": "-monitoring"}}, "platform.eks.node_groups[0].labels.role: '-monitoring' is not a Kubernetes label value"),
        ({"labels": {"role": "m" * 64}}, "platform.eks.node_groups[0].labels.role: '%s' is not a Kubernetes label value" % ("m" * 64)),
        ({"labels": {"role": ""}}, "platform.eks.node_groups[0].labels.role: '' is empty; EKS takes label values of 1 to 63 characters"),
        ({"labels": {"Example.com/role": "x"}}, "platform.eks.node_groups[0].labels: the key 'Example.com/role' is not a Kubernetes label key"),
        ({"labels": {"a/b/c": "x"}}, "the key 'a/b/c' is not a Kubernetes label key"),
        ({"labels": {"example.com/" + "r" * 60: "x"}}, "is 72 characters; EKS takes keys of at most 63, prefix included"),
        ({"taints": [{"key": "dedicated!", "value": "x", "effect": "NO_SCHEDULE"}]},
         "platform.eks.node_groups[0].taints[0].key: 'dedicated!' is not a Kubernetes label key"),
        ({"taints": [{"key": "dedicated", "value": "a b", "effect": "NO_SCHEDULE"}]},
         "platform.eks.node_groups[0].taints[0].value: 'a b' is not a Kubernetes label value"),
        ({"taints": [{"key": "d", "value": "x", "effect": "NO_SCHEDULE"}, {"key": "d", "value": "y", "effect": "NO_SCHEDULE"}]},
         "platform.eks.node_groups[0].taints[1]: the key and effect ('d', 'NO_SCHEDULE') is also platform.eks.node_groups[0].taints[0]"),
        ({"taints": [{"key": "k%d" % index, "effect": "NO_SCHEDULE"} for index in range(51)]},
         "platform.eks.node_groups[0].taints: 51 taints; EKS allows at most 50"),
    ],
)
def test_node_group_labels_and_taints(group, expected):
    assert_refused(spec_with("eks.node_groups", [dict(NODE_GROUP, **group)]), expected)


def test_kubernetes_syntax_kubernetes_takes_is_accepted():
    group = dict(NODE_GROUP, labels={"example.com/role": "monitoring", "tier": "a.b_c-d"},
                 taints=[{"key": "dedicated", "effect": "NO_SCHEDULE"}, {"key": "dedicated", "value": "x", "effect": "NO_EXECUTE"}])
    spec = spec_with("eks.node_groups", [group])
    spec["kubernetes"]["namespaces"] = {"apps": "1queue"}  # a namespace is a DNS-1123 label: a digit first is fine
    assert validate(spec)["kubernetes"]["namespaces"]["apps"] == "1queue"


@pytest.mark.parametrize(
    "path, value, expected",
    [
        ("kubernetes.namespaces", {"apps": "Queue"}, "platform.kubernetes.namespaces.apps: 'Queue' is not a valid namespace name: a DNS label"),
        ("kubernetes.namespaces", {"observability": "o" * 64}, "platform.kubernetes.namespaces.observability: '%s'" % ("o" * 64)),
        ("kubernetes.namespaces", {"apps": "queue-"}, "platform.kubernetes.namespaces.apps: 'queue-' is not a valid namespace name"),
        # An app names its Service, a DNS-1035 label: a letter first.
        ("kubernetes.apps.0.name", "1api", "platform.kubernetes.apps[0].name: '1api' must be a DNS label"),
    ],
)
def test_kubernetes_names(path, value, expected):
    assert_refused(spec_with(path, value), expected)


# 4. Instance types and architectures.
@pytest.mark.parametrize(
    "group, expected",
    [
        ({"instance_types": ["t3large"]}, "platform.eks.node_groups[0].instance_types[0]: 't3large' is not an EC2 instance type (<family>.<size>"),
        ({"instance_types": ["T3.large"]}, "platform.eks.node_groups[0].instance_types[0]: 'T3.large' is not an EC2 instance type"),
        ({"ami_type": "AL2023_ARM_64_STANDARD", "instance_types": ["m7g.large", "m7i.large"]},
         "platform.eks.node_groups[0].instance_types[1]: 'm7i.large' is not a Graviton (arm64) type, which ami_type AL2023_ARM_64_STANDARD needs"),
        ({"ami_type": "BOTTLEROCKET_ARM_64", "instance_types": ["t3.large"]}, "'t3.large' is not a Graviton (arm64) type"),
        ({"instance_types": ["c6gn.large"]},
         "platform.eks.node_groups[0].instance_types[0]: 'c6gn.large' is a Graviton (arm64) type; ami_type AL2023_x86_64_STANDARD runs on x86_64"),
        ({"ami_type": "AL2023_x86_64_NVIDIA", "instance_types": ["m5.large"]},
         "platform.eks.node_groups[0].instance_types[0]: 'm5.large' has no NVIDIA GPU, which ami_type AL2023_x86_64_NVIDIA is for"),
        ({"ami_type": "AL2023_x86_64_NVIDIA", "instance_types": ["g4ad.xlarge"]}, "'g4ad.xlarge' has no NVIDIA GPU"),
        ({"ami_type": "AL2023_x86_64_NVIDIA", "instance_types": ["g5g.xlarge"]}, "'g5g.xlarge' is a Graviton (arm64) type"),
    ],
)
def test_instance_types_against_the_ami(group, expected):
    assert_refused(spec_with("eks.node_groups", [dict(NODE_GROUP, **group)]), expected)


@pytest.mark.parametrize(
    "ami_type, instance_types",
    [
        ("AL2023_ARM_64_STANDARD", ["m7g.large", "c6gn.xlarge", "t4g.medium", "r8g.2xlarge", "im4gn.large", "a1.large"]),
        ("AL2023_x86_64_STANDARD", ["t3.large", "m7i-flex.large", "c6in.xlarge", "m7a.metal-48xl", "u-6tb1.metal"]),
        ("AL2023_x86_64_NVIDIA", ["g4dn.xlarge", "g5.xlarge", "g6e.2xlarge", "gr6.4xlarge", "p4d.24xlarge", "p5.48xlarge"]),
    ],
)
def test_instance_types_of_the_ami_are_accepted(ami_type, instance_types):
    spec = spec_with("eks.node_groups", [dict(NODE_GROUP, ami_type=ami_type, instance_types=instance_types)])
    assert validate(spec)["eks"]["node_groups"][0]["instance_types"] == instance_types


@pytest.mark.parametrize(
    "node_type, expected",
    [
        ("cache.t4g.large", "platform.cache.node_type: 'cache.t4g.large'; ElastiCache has no t4g nodes of size large; allowed sizes: micro, small, medium"),
        ("cache.r7g.24xlarge", "platform.cache.node_type: 'cache.r7g.24xlarge'; ElastiCache has no r7g nodes of size 24xlarge"),
    ],
)
def test_cache_node_sizes(node_type, expected):
    assert_refused(spec_with("cache", {"node_type": node_type}), expected)


# 5. Engine versions, and the parameter group family the cache role derives from them.
@pytest.mark.parametrize(
    "cache, expected",
    [
        ({"engine_version": "7.0"}, "platform.cache.engine_version: '7.0' is not a valkey version ElastiCache offers; allowed: 7.2, 8.0, 8.1"),
        ({"engine": "redis", "engine_version": "8.0"}, "platform.cache.engine_version: '8.0' is not a redis version ElastiCache offers; "
                                                       "allowed: 6.0, 6.2, 7.0, 7.1"),
        ({"engine": "redis", "engine_version": "6.x"}, "platform.cache.engine_version: '6.x' is not a redis version"),
    ],
)
def test_cache_engine_versions(cache, expected):
    assert_refused(spec_with("cache", dict(cache, node_type="cache.t4g.small")), expected)


def role_family(engine, version):
    with open(os.path.join(ROOT, "roles", "cache", "vars", "main.yml"), encoding="utf-8") as stream:
        role_vars = yaml.safe_load(stream)
    environment = jinja2.Environment()
    values = {"cache_engine": engine, "cache_engine_version": version}
    values["cache_engine_major"] = environment.from_string(role_vars["cache_engine_major"]).render(values)
    return environment.from_string(role_vars["cache_parameter_group_family"]).render(values).strip()


@pytest.mark.parametrize("engine, version", [(e, v) for e, versions in sorted(data_spec.CACHE_ENGINE_VERSIONS.items()) for v in versions])
def test_the_role_derives_the_family_aws_names(engine, version):
    # AWS's family for Redis OSS 6 is redis6.x (fidelity review #22); the emulator knows AWS's names.
    family = role_family(engine, version)
    assert family == elasticache_groups.family_of(engine, version) and family in elasticache_groups.FAMILIES
    if (engine, version) == ("redis", "6.2"):
        assert family == "redis6.x"


# 6. Maintenance windows.
@pytest.mark.parametrize(
    "window, expected",
    [
        ("sun:05:00-sun:05:30", "platform.cache.maintenance_window: 'sun:05:00-sun:05:30' is 30 minutes; ElastiCache needs at least 60"),
        ("sun:23:30-mon:00:00", "is 30 minutes"),
        ("sun:24:00-mon:01:00", "platform.cache.maintenance_window: 'sun:24:00-mon:01:00'; give ddd:hh24:mi-ddd:hh24:mi in UTC"),
        ("sun:05:60-sun:07:00", "'sun:05:60-sun:07:00'; give ddd:hh24:mi-ddd:hh24:mi"),
        ("sunday:05:00-sunday:06:00", "give ddd:hh24:mi-ddd:hh24:mi"),
        ("sun:05:00-sun:05:00", "is 0 minutes"),
    ],
)
def test_maintenance_windows(window, expected):
    assert_refused(spec_with("cache", {"maintenance_window": window}), expected)


def test_a_window_across_the_week_end_is_accepted():
    assert aws_rules.weekly_window_minutes("sun:23:30-mon:00:30") == 60
    assert validate(spec_with("cache", {"maintenance_window": "sun:23:30-mon:00:30"}))["cache"]["maintenance_window"] == "sun:23:30-mon:00:30"


# 7. ARNs.
KMS = "arn:aws:kms:%s:%s:key/1234abcd-12ab-34cd-56ef-1234567890ab" % (REGION, ACCOUNT)


@pytest.mark.parametrize(
    "path, value, expected",
    [
        ("buckets", {"uploads": {"kms_key_arn": KMS.replace(REGION, "us-east-1")}},
         "platform.buckets.uploads.kms_key_arn: '%s' is in us-east-1; it must be in the platform's region %s" % (KMS.replace(REGION, "us-east-1"), REGION)),
        ("buckets", {"uploads": {"kms_key_arn": "arn:aws:kms:%s:1234:key/abc" % REGION}}, "is not a KMS key or alias ARN"),
        ("log_storage", {"kms_key_arn": KMS.replace("arn:aws:", "arn:aws-cn:")},
         "platform.log_storage.kms_key_arn: '%s' is in the partition aws-cn; the platform's region %s is in aws"
         % (KMS.replace("arn:aws:", "arn:aws-cn:"), REGION)),
        ("log_storage", {"kms_key_arn": "alias/logs"}, "platform.log_storage.kms_key_arn: 'alias/logs' is not a KMS key or alias ARN"),
        ("observability.metrics", {"alert_sns_topic_arn": "arn:aws:sns:us-west-2:%s:alerts" % ACCOUNT},
         "platform.observability.metrics.alert_sns_topic_arn: 'arn:aws:sns:us-west-2:%s:alerts' is in us-west-2; "
         "it must be in the platform's region" % ACCOUNT),
        ("observability.metrics", {"alert_sns_topic_arn": "arn:aws:sns:%s:%s:alerts.fifo" % (REGION, ACCOUNT)},
         "platform.observability.metrics.alert_sns_topic_arn: 'arn:aws:sns:%s:%s:alerts.fifo' is a FIFO topic; the AMP alert manager needs a Standard topic"
         % (REGION, ACCOUNT)),
        ("observability.grafana", {"notification_sns_topic_arns": ["arn:aws:sns:%s:%s:a b" % (REGION, ACCOUNT)]},
         "platform.observability.grafana.notification_sns_topic_arns[0]: 'arn:aws:sns:%s:%s:a b' is not an SNS topic ARN" % (REGION, ACCOUNT)),
        ("kubernetes.addons", {"certificate_arn": "arn:aws:acm:us-east-1:%s:certificate/00000000-0000-0000-0000-000000000000" % ACCOUNT},
         "platform.kubernetes.addons.certificate_arn: 'arn:aws:acm:us-east-1:%s:certificate/00000000-0000-0000-0000-000000000000' is in us-east-1" % ACCOUNT),
        ("kubernetes.addons", {"certificate_arn": "arn:aws:iam::%s:server-certificate/web" % ACCOUNT}, "is not an ACM certificate ARN"),
        ("network.flow_logs", {"enabled": True, "destination_arn": "arn:aws:s3:::Flow_Logs"},
         "platform.network.flow_logs.destination_arn: 'arn:aws:s3:::Flow_Logs' is not an S3 bucket ARN"),
        ("network.flow_logs", {"enabled": True, "destination_type": "cloud-watch-logs", "destination_arn": "arn:aws:s3:::flow-logs",
                               "iam_role_arn": "arn:aws:iam::%s:role/flow-logs" % ACCOUNT},
         "platform.network.flow_logs.destination_arn: 'arn:aws:s3:::flow-logs' is not a CloudWatch Logs log group ARN"),
        ("network.flow_logs", {"enabled": True, "destination_type": "cloud-watch-logs",
                               "destination_arn": "arn:aws:logs:%s:%s:log-group:flows" % (REGION, ACCOUNT), "iam_role_arn": "flow-logs"},
         "platform.network.flow_logs.iam_role_arn: 'flow-logs' is not an IAM role or user ARN"),
        ("network.flow_logs", {"enabled": True, "destination_type": "cloud-watch-logs",
                               "destination_arn": "arn:aws:logs:%s:%s:log-group:flows" % (REGION, ACCOUNT),
                               "iam_role_arn": "arn:aws:iam::%s:user/ops" % ACCOUNT},
         "platform.network.flow_logs.iam_role_arn: 'arn:aws:iam::%s:user/ops' is a user's ARN; flow logs assume a role" % ACCOUNT),
    ],
)
def test_arns(path, value, expected):
    assert_refused(spec_with(path, value), expected)


def test_arns_aws_takes_are_accepted():
    spec = spec_with("buckets", {"uploads": {"kms_key_arn": "arn:aws:kms:%s:%s:alias/uploads" % (REGION, ACCOUNT)}})
    spec["log_storage"]["kms_key_arn"] = KMS
    spec["observability"]["grafana"]["notification_sns_topic_arns"] = ["arn:aws:sns:us-east-1:%s:ops.fifo" % ACCOUNT]
    spec["network"]["flow_logs"] = {"enabled": True, "destination_type": "cloud-watch-logs",
                                    "destination_arn": "arn:aws:logs:%s:%s:log-group:/vpc/flows:*" % (REGION, ACCOUNT),
                                    "iam_role_arn": "arn:aws:iam::%s:role/service/flow-logs" % ACCOUNT}
    assert validate(spec)["log_storage"]["kms_key_arn"] == KMS


# 8. Duplicates.
@pytest.mark.parametrize(
    "path, value, expected",
    [
        ("registry.repositories", [{"name": "queue-api"}, {"name": "chat"}, {"name": "queue-api"}],
         "platform.registry.repositories[2]: the repository 'queue-infra/queue-api' is also platform.registry.repositories[0]; each must be distinct"),
        ("eks.access_entries", [{"principal_arn": "arn:aws:iam::%s:role/ops" % ACCOUNT}] * 2,
         "platform.eks.access_entries[1]: the principal 'arn:aws:iam::%s:role/ops' is also platform.eks.access_entries[0]" % ACCOUNT),
        ("observability.metrics", {"rule_sets": ["queue", "queue"]},
         "platform.observability.metrics.rule_sets[1]: the rule set 'queue' is also platform.observability.metrics.rule_sets[0]"),
        ("buckets", {"a": {"bucket_name": "shared-uploads"}, "b": {"bucket_name": "shared-uploads"}},
         "platform.buckets.b.bucket_name: 'shared-uploads' is also the name of platform.buckets.a"),
        ("kubernetes.apps", [{"name": "queue-api", "image": "queue-api", "tag": "1"}] * 2,
         "platform.kubernetes.apps: the name 'queue-api' is used more than once"),
        ("eks.addons", [{"name": "coredns"}, {"name": "coredns"}], "platform.eks.addons[1].name: 'coredns' is listed twice"),
        ("eks.node_groups", [NODE_GROUP, NODE_GROUP], "platform.eks.node_groups: give at least one node group, with distinct names"),
    ],
)
def test_duplicates(path, value, expected):
    assert_refused(spec_with(path, value), expected)


# 9. VPC and subnet CIDR sizes.
@pytest.mark.parametrize(
    "network, expected",
    [
        ({"cidr": "10.0.0.0/8"}, "platform.network.cidr: '10.0.0.0/8' is a /8; AWS takes IPv4 blocks of /16 to /28"),
        ({"cidr": "10.0.0.0/29"}, "platform.network.cidr: '10.0.0.0/29' is a /29"),
        ({"cidr": "fd00::/56"}, "platform.network.cidr: 'fd00::/56' is not an IPv4 CIDR"),
        ({"cidr": "10.0.0.0/16", "tiers": {"public": {"cidrs": ["10.0.0.0/29", "10.0.1.0/24"]}, "app": {"prefix": 20}}},
         "platform.network.tiers.public.cidrs[0]: '10.0.0.0/29' is a /29; AWS takes IPv4 blocks of /16 to /28"),
    ],
)
def test_vpc_cidr_sizes(network, expected):
    assert_refused(spec_with("network", network), expected)


def test_smallest_vpc_is_accepted():
    network = {"cidr": "10.0.0.0/24", "availability_zones": 2, "tiers": {"public": {"prefix": 28}, "app": {"prefix": 27}}}
    assert len(validate(spec_with("network", network))["network"]["subnets"]) == 4


# 10. Directories the spec names.
def test_missing_dashboard_dirs_are_refused(tmp_path, monkeypatch):
    (tmp_path / "dashboards").mkdir()
    monkeypatch.chdir(tmp_path)  # ansible-playbook's directory, from which the role's find takes a relative path
    spec = spec_with("observability.grafana", {"dashboard_dirs": ["dashboards", "missing", str(tmp_path / "gone"), "dashboards"]})
    messages = [message for message in errors_of(spec) if "dashboard_dirs" in message]
    assert messages == [
        "platform.observability.grafana.dashboard_dirs[3]: the directory 'dashboards' is also platform.observability.grafana.dashboard_dirs[0]; "
        "each must be distinct",
        "platform.observability.grafana.dashboard_dirs[1]: 'missing' is not a directory (relative to %s, where ansible-playbook runs)" % tmp_path,
        "platform.observability.grafana.dashboard_dirs[2]: '%s' is not a directory" % (tmp_path / "gone"),
    ]
    spec["observability"]["grafana"]["dashboard_dirs"] = ["dashboards", "~"]
    assert validate(spec)["observability"]["grafana"]["dashboard_dirs"] == ["dashboards", os.path.expanduser("~")]


# 11. Metadata over HTTPS only.
@pytest.mark.parametrize("url", ["http://idp.example.com/metadata", "ftp://idp.example.com/metadata", "idp.example.com/metadata"])
def test_saml_metadata_url_must_be_https(url):
    saml = {"idp_metadata": {"url": url}, "role_values": {"admin": ["admins"]}}
    spec = spec_with("observability.grafana", {"authentication_providers": ["SAML"], "saml": saml})
    assert_refused(spec, "platform.observability.grafana.saml.idp_metadata.url: %r must be an https:// URL" % url)


# 12. metrics-server once.
def test_metrics_server_as_addon_and_helm_release_is_refused():
    spec = spec_with("eks.addons", [{"name": "vpc-cni"}, {"name": "metrics-server"}])
    assert_refused(spec, "platform.kubernetes.addons.metrics_server: metrics-server is also an EKS addon (platform.eks.addons[1]); "
                         "both would own the same objects")
    spec["kubernetes"]["addons"] = {"metrics_server": False}
    assert validate(spec)["eks"]["addons_after_nodes"][0]["name"] == "metrics-server"


def test_every_class_is_reported_at_once():
    spec = spec_with("tags", {"aws:x": "y"})
    spec["cache"] = {"maintenance_window": "sun:05:00-sun:05:10", "engine_version": "6.2"}
    spec["eks"]["node_groups"] = [dict(NODE_GROUP, instance_types=["m7g.large"])]
    messages = errors_of(spec)
    assert len(messages) == 4, messages
