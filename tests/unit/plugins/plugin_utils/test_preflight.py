"""Preflight: the platform spec checked against the layers' role specs and their own checks, every problem at once."""

import copy

import pytest

from ansible_collections.gameops.platform.plugins.plugin_utils.preflight import SpecError, validate

VALID = {
    "name": "queue-infra",
    "environment": "dev",
    "region": "ap-northeast-2",
    "tags": {"Project": "queue-infra"},
    "network": {
        "cidr": "10.0.0.0/16",
        "availability_zones": 2,
        "nat_gateways": "single",
        "tiers": {"public": {"prefix": 24}, "app": {"prefix": 20}, "db": {"prefix": 24}},
    },
}


def spec_with(path, value):
    spec = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    node = spec
    for key in parents:
        node = node[key]
    node[last] = value
    return spec


def errors_of(spec):
    with pytest.raises(SpecError) as error:
        validate(spec)
    return error.value.errors


def test_valid_spec_is_normalized():
    platform = validate(VALID)
    assert platform["id"] == "queue-infra-dev"
    assert platform["tags"] == {"Project": "queue-infra", "gameops:platform": "queue-infra-dev", "gameops:managed-by": "gameops.platform"}
    network = platform["network"]
    assert network["availability_zones"] == ["ap-northeast-2a", "ap-northeast-2b"]
    assert network["s3_endpoint"] is True and network["flow_logs"]["enabled"] is False
    assert [(s["name"], s["cidr"], s["public"]) for s in network["subnets"][:2]] == [
        ("queue-infra-dev-public-a", "10.0.0.0/24", True),
        ("queue-infra-dev-public-b", "10.0.1.0/24", True),
    ]
    assert len(network["subnets"]) == 6


def test_zone_list_and_default_tiers():
    spec = spec_with("network.availability_zones", ["ap-northeast-2a", "ap-northeast-2c", "ap-northeast-2d"])
    del spec["network"]["tiers"]
    network = validate(spec)["network"]
    assert [s["zone"] for s in network["subnets"] if s["tier"] == "db"] == ["ap-northeast-2a", "ap-northeast-2c", "ap-northeast-2d"]
    assert sorted(network["tiers"]) == ["app", "db", "public"]


@pytest.mark.parametrize(
    "path, value, expected",
    [
        ("network.cidr", "10.0.0.0/33", "platform.network.cidr: '10.0.0.0/33' is not a valid IPv4 CIDR"),
        ("network.cidr", "10.0.0.1/16", "platform.network.cidr: '10.0.0.1/16' is not a valid IPv4 CIDR"),
        ("network.tiers", {"public": {"cidrs": ["10.9.0.0/24", "10.0.1.0/24"]}, "app": {"prefix": 20}},
         "platform.network.tiers.public.cidrs[0]: 10.9.0.0/24 is outside the VPC CIDR 10.0.0.0/16"),
        ("network.tiers", {"public": {"cidrs": ["10.0.0.0/24", "10.0.0.0/25"]}, "app": {"prefix": 20}},
         "platform.network.tiers.public.cidrs[1]: 10.0.0.0/25 overlaps 10.0.0.0/24"),
        ("network.availability_zones", 5, "platform.network.availability_zones: ap-northeast-2 has 4 zones; allowed counts are 1 to 4"),
        ("network.availability_zones", ["ap-northeast-2z"], "must be distinct zones of ap-northeast-2"),
        ("network.nat_gateways", "two", "platform.network.nat_gateways: must be one of: none, single, per_az, got: two"),
        ("network.colour", "blue", "platform.network.colour: unknown key; allowed here: availability_zones, cidr, flow_logs"),
        ("network.s3_endpoint", "sometimes", "s3_endpoint"),
        ("region", "mars-east-1", "platform.region: 'mars-east-1' is not a supported region"),
        ("name", "Queue_Infra", "platform.name: 'Queue_Infra' must be 2-32 characters"),
        ("network.tiers", {"app": {"prefix": 20}}, "platform.network.tiers.public: required"),
        ("network.flow_logs", {"enabled": True}, "platform.network.flow_logs.destination_arn: required"),
    ],
)
def test_bad_input_names_the_field(path, value, expected):
    messages = errors_of(spec_with(path, value))
    assert any(expected in message for message in messages), messages


def test_unknown_top_level_key_is_refused():
    messages = errors_of(spec_with("eks_cluster", {}))
    allowed = messages[0].partition("platform.eks_cluster: unknown key; allowed here: ")[2].split(", ")
    assert {"eks", "environment", "name", "network", "observability", "region", "tags"} <= set(allowed), messages
    assert allowed == sorted(allowed) and "eks_cluster" not in allowed


def test_every_problem_is_reported_at_once():
    spec = spec_with("name", "X")
    spec["environment"] = "-bad"
    spec["network"]["availability_zones"] = 9
    assert len(errors_of(spec)) == 3


def test_missing_network_is_refused():
    spec = copy.deepcopy(VALID)
    del spec["network"]
    assert any("network" in message for message in errors_of(spec))


EKS = {
    "version": "1.35",
    "node_groups": [
        {"name": "on-demand", "instance_types": ["t3.large"], "min_size": 2, "max_size": 4},
        {"name": "monitoring", "instance_types": ["t3.medium"], "labels": {"role": "monitoring"},
         "taints": [{"key": "dedicated", "value": "monitoring", "effect": "NO_SCHEDULE"}]},
    ],
}


def eks_spec(**changes):
    spec = copy.deepcopy(VALID)
    spec["eks"] = copy.deepcopy(EKS)
    spec["eks"].update(changes)
    return spec


def test_eks_is_normalized_with_addon_order():
    eks = validate(eks_spec())["eks"]
    assert eks["cluster_name"] == "queue-infra-dev"
    assert [a["name"] for a in eks["addons_before_nodes"]] == ["vpc-cni", "eks-pod-identity-agent"]
    assert [a["name"] for a in eks["addons_after_nodes"]] == ["coredns", "kube-proxy", "aws-ebs-csi-driver"]
    assert eks["node_groups"][0]["desired_size"] == 2
    assert eks["endpoint"] == {"public_access": True, "private_access": True, "public_access_cidrs": ["0.0.0.0/0"]}
    assert eks["authentication_mode"] == "API_AND_CONFIG_MAP"


def node_group(**changes):
    return [dict(EKS["node_groups"][0], **changes)]


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"version": "1.9"}, "platform.eks.version: '1.9' is not a Kubernetes minor version such as '1.35'"),
        ({"version": "1.35.2"}, "platform.eks.version: '1.35.2' is not a Kubernetes minor version"),
        ({"node_groups": node_group(min_size=5, max_size=3)}, "platform.eks.node_groups[0]: min_size 5 must be between 0 and max_size 3"),
        ({"node_groups": node_group(desired_size=9)}, "platform.eks.node_groups[0].desired_size: 9 must lie between min_size 2 and max_size 4"),
        ({"node_groups": node_group(taints=[{"key": "k", "effect": "NoSchedule"}])},
         "platform.eks.node_groups[0].taints[0].effect: must be one of: NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE"),
        ({"node_groups": node_group(capacity_type="SPOT")}, "platform.eks.node_groups[0].instance_types: SPOT needs at least two instance types"),
        ({"node_groups": node_group() + node_group()}, "platform.eks.node_groups: give at least one node group, with distinct names"),
        ({"addons": [{"name": "istio"}]}, "platform.eks.addons[0].name: 'istio' is not a known addon; allowed: vpc-cni"),
        ({"access_entries": [{"principal_arn": "admin"}]}, "platform.eks.access_entries[0].principal_arn: 'admin' is not an IAM role or user ARN"),
        # CreateAccessEntry refuses STS session principals (fidelity review #19).
        ({"access_entries": [{"principal_arn": "arn:aws:sts::123456789012:assumed-role/ops/alice"}]},
         "platform.eks.access_entries[0].principal_arn: 'arn:aws:sts::123456789012:assumed-role/ops/alice' is not an IAM role or user ARN"),
        ({"endpoint": {"public_access": False, "private_access": False}}, "platform.eks.endpoint: public_access and private_access cannot both be false"),
        ({"logging": ["api", "kubelet"]}, "platform.eks.logging: must be one or more of"),
    ],
)
def test_bad_eks_input_names_the_field(changes, expected):
    messages = errors_of(eks_spec(**changes))
    assert any(expected in message for message in messages), messages


def test_access_policies_are_shaped_for_the_module():
    entry = {"principal_arn": "arn:aws:iam::123456789012:role/ops", "kubernetes_groups": ["ops"],
             "policies": [{"policy": "AmazonEKSClusterAdminPolicy"}, {"policy": "AmazonEKSViewPolicy", "namespaces": ["queue-system"]}]}
    entries = validate(eks_spec(access_entries=[entry]))["eks"]["access_entries"]
    assert entries == [{"principal_arn": "arn:aws:iam::123456789012:role/ops", "kubernetes_groups": ["ops"], "access_policies": [
        {"policy": "AmazonEKSClusterAdminPolicy", "access_scope": {"type": "cluster", "namespaces": []}},
        {"policy": "AmazonEKSViewPolicy", "access_scope": {"type": "namespace", "namespaces": ["queue-system"]}}]}]


@pytest.mark.parametrize(
    "section, value, expected",
    [
        ("log_storage", {"retention_days": 0}, "platform.log_storage.retention_days: 0; logs must be kept at least 1 day"),
        ("log_storage", {"bucket_name": "Loki_Logs"}, "platform.log_storage.bucket_name: 'Loki_Logs' is not a valid S3 bucket name"),
        ("registry", {"repositories": [{"name": "Queue-API"}]}, "platform.registry.repositories[0].name: 'Queue-API' is not a name ECR accepts"),
        ("registry", {"prefix": "queue-infra", "repositories": [{"name": "api//v1"}]}, "'queue-infra/api//v1' is not a name ECR accepts"),
        ("registry", {"repositories": [{"name": "queue-api", "keep_last": 0}]}, "platform.registry.repositories[0].keep_last: 0"),
        ("registry", {"repositories": [{"name": "queue-api", "image_tag_mutability": "FROZEN"}]},
         "platform.registry.repositories[0].image_tag_mutability: must be one of"),
    ],
)
def test_bad_data_input_names_the_field(section, value, expected):
    messages = errors_of(spec_with(section, value))
    assert any(expected in message for message in messages), messages


def test_data_sections_are_normalized():
    spec = spec_with("log_storage", {"retention_days": 14})
    spec["registry"] = {"prefix": "queue-infra", "repositories": [{"name": "queue-api"}]}
    platform = validate(spec)
    assert platform["log_storage"]["bucket_name"] == "queue-infra-dev-loki"
    assert platform["registry"]["repositories"] == [{"name": "queue-api", "scan_on_push": True, "image_tag_mutability": "IMMUTABLE", "keep_last": 30}]


def test_cache_is_normalized_with_defaults():
    platform = validate(spec_with("cache", {}))
    assert platform["cache"] == {
        "engine": "valkey", "engine_version": "8.0", "node_type": "cache.t4g.small", "cluster_mode": False, "shards": 1,
        "replicas_per_shard": 1, "multi_az": False, "transit_encryption": True, "at_rest_encryption": True, "auth": True,
        "snapshot_retention_days": 1, "port": 6379, "maintenance_window": "sun:05:00-sun:06:00",
    }
    assert validate(VALID)["cache"] is None


def test_cache_cluster_mode_with_shards_is_accepted():
    cache = {"cluster_mode": True, "shards": 3, "replicas_per_shard": 2, "multi_az": True, "node_type": "cache.r7g.large"}
    assert validate(spec_with("cache", cache))["cache"]["shards"] == 3


@pytest.mark.parametrize(
    "cache, expected",
    [
        ({"cluster_mode": True, "shards": 0}, "platform.cache.shards: 0; cluster mode needs at least 1 shard"),
        ({"shards": 2}, "platform.cache.shards: 2; without cluster_mode a group has exactly 1 shard"),
        ({"replicas_per_shard": 6}, "platform.cache.replicas_per_shard: 6; ElastiCache allows 0 to 5"),
        ({"replicas_per_shard": -1}, "platform.cache.replicas_per_shard: -1"),
        ({"multi_az": True, "replicas_per_shard": 0}, "platform.cache.multi_az: needs replicas_per_shard of at least 1"),
        ({"auth": True, "transit_encryption": False}, "platform.cache.auth: an AUTH token needs transit_encryption"),
        ({"node_type": "t4g.small"}, "platform.cache.node_type: 't4g.small' is not an ElastiCache node type"),
        ({"node_type": "db.r7g.large"}, "platform.cache.node_type: 'db.r7g.large' is not an ElastiCache node type"),
        ({"node_type": "cache.t2.micro"}, "platform.cache.node_type: 'cache.t2.micro'; ElastiCache for valkey has no t2 nodes"),
        ({"engine": "redis", "node_type": "cache.m4.large"}, "ElastiCache for redis has no m4 nodes"),
        ({"snapshot_retention_days": 36}, "platform.cache.snapshot_retention_days: 36; allowed 0 to 35"),
        ({"snapshot_retention_days": -1}, "platform.cache.snapshot_retention_days: -1"),
        ({"port": 80}, "platform.cache.port: 80"),
        ({"maintenance_window": "sunday"}, "platform.cache.maintenance_window: 'sunday'"),
        ({"engine": "memcached"}, "platform.cache.engine: must be one of"),
        ({"shard": 2}, "platform.cache.shard: unknown key"),
    ],
)
def test_bad_cache_input_names_the_field(cache, expected):
    messages = errors_of(spec_with("cache", cache))
    assert any(expected in message for message in messages), messages


def kubernetes_spec(**changes):
    """A spec with the sections the Kubernetes layer needs (eks, log_storage, registry, cache)."""
    spec = eks_spec()
    spec["log_storage"] = {"retention_days": 30}
    spec["registry"] = {"prefix": "queue-infra", "repositories": [{"name": "queue-api"}, {"name": "chat-server"}]}
    spec["cache"] = {}
    spec["kubernetes"] = {"apps": [{"name": "queue-api", "image": "queue-api", "tag": "1.0.0", "hpa": {"min": 2, "max": 6}}]}
    spec["kubernetes"].update(changes)
    return spec


def kubernetes_app(**changes):
    return [dict({"name": "queue-api", "image": "queue-api", "tag": "1.0.0"}, **changes)]


def test_kubernetes_is_normalized_with_defaults():
    kubernetes = validate(kubernetes_spec())["kubernetes"]
    assert (kubernetes["delivery"], kubernetes["gitops"], kubernetes["kubernetes_version"]) == ("render", "flux", "1.35")
    assert kubernetes["namespaces"] == {"apps": "queue-system", "observability": "observability"}
    assert kubernetes["addons"]["ingress"] == "alb" and kubernetes["addons"]["karpenter"]["enabled"] is False
    assert kubernetes["observability"]["loki_retention_days"] == 30  # from platform.log_storage
    app = kubernetes["apps"][0]
    assert (app["repository"], app["image"], app["tag"], app["port"]) == ("queue-api", "", "1.0.0", 8080)
    assert app["resources"]["requests"] == {"cpu": "100m", "memory": "256Mi"}
    assert app["uses"] == []
    assert kubernetes["overlay"] == validate(kubernetes_spec())["environment"]  # the overlay is named after the environment
    assert validate(VALID)["kubernetes"] is None


def test_kubernetes_app_uses_a_present_connection_and_names_its_overlay():
    kubernetes = validate(kubernetes_spec(apps=kubernetes_app(uses=["cache"]), overlay="production"))["kubernetes"]
    assert (kubernetes["apps"][0]["uses"], kubernetes["overlay"]) == (["cache"], "production")


def test_kubernetes_full_image_reference_carries_its_tag():
    app = validate(kubernetes_spec(apps=[{"name": "redis-ui", "image": "ghcr.io/acme/redis-ui:2.1",
                                          "env": {"DEBUG": True, "WORKERS": 4}}]))["kubernetes"]["apps"][0]
    assert (app["repository"], app["image"], app["tag"]) == ("", "ghcr.io/acme/redis-ui", "2.1")
    assert app["env"] == {"DEBUG": "true", "WORKERS": "4"}


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"delivery": "push"}, "platform.kubernetes.delivery: 'push' is not one of: apply, render"),
        ({"gitops": "jenkins"}, "platform.kubernetes.gitops: 'jenkins' is not one of: flux, argocd"),
        ({"apps": [{"name": "queue-api", "tag": "1.0.0"}]}, "platform.kubernetes.apps[0].image: required"),
        ({"apps": kubernetes_app(image="queue-apx")}, "platform.kubernetes.apps[0].image: 'queue-apx' is not a repository of platform.registry"),
        ({"apps": kubernetes_app(tag=None)}, "platform.kubernetes.apps[0].tag: required"),
        ({"apps": kubernetes_app(hpa={"min": 5, "max": 2})}, "platform.kubernetes.apps[0].hpa: min 5 is above max 2"),
        ({"apps": kubernetes_app(hpa={"min": 0, "max": 2})}, "platform.kubernetes.apps[0].hpa.min: 0"),
        ({"apps": kubernetes_app(port=70000)}, "platform.kubernetes.apps[0].port: 70000 is out of range; allowed 1 to 65535"),
        ({"apps": kubernetes_app(port=0)}, "platform.kubernetes.apps[0].port: 0 is out of range"),
        ({"apps": kubernetes_app(name="Queue_API")}, "platform.kubernetes.apps[0].name: 'Queue_API' must be a DNS label"),
        ({"apps": kubernetes_app(resources={"requests": {"cpu": "lots"}})}, "platform.kubernetes.apps[0].resources.requests.cpu: 'lots'"),
        ({"apps": kubernetes_app(ingress={"host": "not a host"})}, "platform.kubernetes.apps[0].ingress.host: 'not a host'"),
        ({"apps": kubernetes_app(env={"BAD NAME": "x"})}, "platform.kubernetes.apps[0].env.BAD NAME: not a valid environment variable name"),
        ({"apps": kubernetes_app() + kubernetes_app()}, "platform.kubernetes.apps: the name 'queue-api' is used more than once"),
        ({"apps": kubernetes_app(colour="blue")}, "platform.kubernetes.apps[0].colour: unknown key"),
        ({"addons": {"ingress": "traefik"}}, "platform.kubernetes.addons.ingress: 'traefik' is not one of: alb, gateway, nginx, none"),
        ({"addons": {"ingress": "nginx", "cert_manager": True}}, "platform.kubernetes.addons.acme_email: ''; cert_manager needs"),
        ({"addons": {"cert_manager": True, "acme_email": "ops@example.com"}},
         "platform.kubernetes.addons.cert_manager: issues certificates for gateway or nginx; with ingress alb use certificate_arn"),
        ({"addons": {"ingress": "gateway", "certificate_arn": "arn:aws:acm:ap-northeast-2:123456789012:certificate/00000000-0000-0000-0000-000000000000"}},
         "platform.kubernetes.addons.certificate_arn: an ACM certificate is served by the ALB only; with ingress gateway use cert_manager"),
        ({"addons": {"karpenter": {"enabled": True, "capacity_types": ["reserved"]}}}, "platform.kubernetes.addons.karpenter.capacity_types: 'reserved'"),
        ({"observability": {"otlp_grpc_port": 99999}}, "platform.kubernetes.observability.otlp_grpc_port: 99999 is out of range"),
        ({"observability": {"loki_retention_days": 90}}, "platform.kubernetes.observability.loki_retention_days: 90 is longer than the bucket keeps"),
        ({"namespaces": {"apps": "observability"}}, "platform.kubernetes.namespaces.apps: must differ from namespaces.observability"),
        ({"apps": kubernetes_app(uses=["database"])},
         "platform.kubernetes.apps[0].uses[0]: 'database' is not a connection of a present layer; allowed: cache"),
        ({"apps": kubernetes_app(uses=["cache", "queue"])},
         "platform.kubernetes.apps[0].uses[1]: 'queue' is not a connection of a present layer; allowed: cache"),
        ({"overlay": "Overlays/Prod"}, "platform.kubernetes.overlay: 'Overlays/Prod' is not a directory name"),
    ],
)
def test_bad_kubernetes_input_names_the_field(changes, expected):
    messages = errors_of(kubernetes_spec(**changes))
    assert any(expected in message for message in messages), messages


def test_kubernetes_needs_the_sections_it_builds_on():
    spec = spec_with("kubernetes", {"apps": kubernetes_app(uses=["cache"])})
    messages = errors_of(spec)
    for expected in ("platform.kubernetes: needs platform.eks", "platform.kubernetes.observability.enabled: Loki needs platform.log_storage",
                     "platform.kubernetes.apps[0].uses[0]: 'cache' is not a connection of a present layer; allowed: none",
                     "platform.kubernetes.apps[0].image: 'queue-api' is not a repository"):
        assert any(expected in message for message in messages), (expected, messages)
