import uuid

import boto3
import pytest

from ansible_collections.gameops.platform.plugins.modules import platform_prune
from conftest import create_eks_cluster, run_module

OURS = {"gameops:platform": "p1"}


def tag_list(tags):
    return [{"Key": key, "Value": value} for key, value in tags.items()]


@pytest.fixture
def prefix(aws_env):
    return "pr%s" % uuid.uuid4().hex[:6]


def repository(prefix, name, tags, image=False):
    ecr = boto3.client("ecr")
    ecr.create_repository(repositoryName="%s/%s" % (prefix, name), tags=tag_list(tags))
    if image:
        manifest = '{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "config": {}, "layers": []}'
        ecr.put_image(repositoryName="%s/%s" % (prefix, name), imageManifest=manifest, imageTag="v1")
    return "%s/%s" % (prefix, name)


def repositories(prefix):
    return sorted(repo["repositoryName"] for repo in boto3.client("ecr").describe_repositories()["repositories"]
                  if repo["repositoryName"].startswith(prefix + "/"))


def ecr_args(prefix, **extra):
    return dict(dict(resource_type="ecr_repository", name_prefix=prefix + "/", match_tags=OURS), **extra)


def test_check_mode_reports_each_removal_as_a_diff_and_calls_nothing_that_changes(aws_env, prefix):
    kept = repository(prefix, "kept", OURS)
    gone = repository(prefix, "gone", OURS)
    mark = aws_env.mark()
    planned = run_module(platform_prune, ecr_args(prefix, keep=[kept]), check_mode=True, diff=True)
    assert planned["changed"] is True
    assert planned["removed"] == [gone]
    assert [(item["before"]["name"], item["after"]) for item in planned["diff"]] == [(gone, {})]
    assert [(item["name"], item["after"]) for item in planned["ansible_facts"]["platform_prune_plan_resources"]] == [(gone, {})]
    assert aws_env.mutations_since(mark) == []
    assert repositories(prefix) == sorted([kept, gone])


def test_removes_only_what_carries_the_tags_and_is_not_kept(aws_env, prefix):
    kept = repository(prefix, "kept", OURS)
    gone = repository(prefix, "gone", OURS)
    foreign = repository(prefix, "foreign", {"gameops:platform": "another"})
    untagged = repository(prefix, "untagged", {})
    removed = run_module(platform_prune, ecr_args(prefix, keep=[kept]))
    assert removed["changed"] is True and removed["removed"] == [gone]
    assert repositories(prefix) == sorted([kept, foreign, untagged])
    mark = aws_env.mark()
    again = run_module(platform_prune, ecr_args(prefix, keep=[kept]))
    assert again["changed"] is False and again["removed"] == []
    assert aws_env.mutations_since(mark) == []


def test_a_repository_with_images_is_refused_then_removed_once_confirmed(aws_env, prefix):
    full = repository(prefix, "full", OURS, image=True)
    empty = repository(prefix, "empty", OURS)
    mark = aws_env.mark()
    refused = run_module(platform_prune, ecr_args(prefix))
    assert refused["failed"] is True
    assert full in refused["msg"] and "platform.confirm_removal" in refused["msg"] and empty not in refused["msg"]
    # Nothing at all is removed when one removal is refused.
    assert aws_env.mutations_since(mark) == []
    assert repositories(prefix) == sorted([full, empty])

    planned = run_module(platform_prune, ecr_args(prefix), check_mode=True, diff=True)
    assert planned.get("failed") is not True and planned["changed"] is True
    assert planned["with_data"] == [full]
    assert planned["unconfirmed"] == [full] and full in str(planned["warnings"])

    confirmed = run_module(platform_prune, ecr_args(prefix, confirmed=[full]))
    assert confirmed["removed"] == sorted([empty, full]) and confirmed["with_data"] == [full]
    assert repositories(prefix) == []


def bucket(name, tags, objects=()):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": s3.meta.region_name})
    if tags:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(tags)})
    for key in objects:
        s3.put_object(Bucket=name, Key=key, Body=b"data")


def buckets(prefix):
    return sorted(item["Name"] for item in boto3.client("s3").list_buckets()["Buckets"] if item["Name"].startswith(prefix))


def test_buckets_need_every_match_tag_and_one_with_objects_is_emptied_only_when_confirmed(aws_env, prefix):
    bucket(prefix + "-uploads", dict(OURS, **{"gameops:bucket": "uploads"}), objects=["a", "b"])
    bucket(prefix + "-old", dict(OURS, **{"gameops:bucket": "old"}))
    # The log_storage bucket carries the platform's tag but not gameops:bucket: not the buckets layer's.
    bucket(prefix + "-logs", OURS)
    bucket(prefix + "-theirs", {})
    args = dict(resource_type="s3_bucket", name_prefix=prefix + "-", match_tags=dict(OURS, **{"gameops:bucket": ""}))
    refused = run_module(platform_prune, args)
    assert refused["failed"] is True and refused["unconfirmed"] == [prefix + "-uploads"]
    assert buckets(prefix) == sorted(prefix + suffix for suffix in ("-uploads", "-old", "-logs", "-theirs"))
    # Once out of the spec, a bucket is confirmed by its key (its gameops:bucket tag).
    removed = run_module(platform_prune, dict(args, key_tag="gameops:bucket", confirmed=["uploads"]))
    assert removed["removed"] == [prefix + "-old", prefix + "-uploads"]
    assert buckets(prefix) == [prefix + "-logs", prefix + "-theirs"]


def test_node_groups_and_access_entries_of_a_cluster(aws_env, prefix):
    cluster = create_eks_cluster("prune")
    eks = boto3.client("eks")
    role = "arn:aws:iam::123456789012:role/nodes"
    for name, tags in (("general", OURS), ("batch", OURS), ("handmade", {})):
        eks.create_nodegroup(clusterName=cluster, nodegroupName=name, nodeRole=role, subnets=["subnet-a"], tags=tags)
    principal = "arn:aws:iam::123456789012:role/%s-" % prefix
    for name, tags in (("ci", OURS), ("old", OURS), ("admin", {})):
        eks.create_access_entry(clusterName=cluster, principalArn=principal + name, tags=tags)

    args = dict(resource_type="eks_nodegroup", cluster_name=cluster, match_tags=OURS, keep=["general"], wait_timeout=30)
    assert run_module(platform_prune, args)["removed"] == ["batch"]
    assert sorted(eks.list_nodegroups(clusterName=cluster)["nodegroups"]) == ["general", "handmade"]

    args = dict(resource_type="eks_access_entry", cluster_name=cluster, match_tags=OURS, keep=[principal + "ci"])
    assert run_module(platform_prune, args)["removed"] == [principal + "old"]
    assert sorted(eks.list_access_entries(clusterName=cluster)["accessEntries"]) == sorted([principal + "ci", principal + "admin"])


def test_addons_of_a_cluster(aws_env, prefix):
    cluster = create_eks_cluster("prune")
    eks = boto3.client("eks")
    for name, tags in (("coredns", OURS), ("metrics-server", OURS), ("kube-proxy", {})):
        eks.create_addon(clusterName=cluster, addonName=name, tags=tags)
    args = dict(resource_type="eks_addon", cluster_name=cluster, match_tags=OURS, keep=["coredns"], wait_timeout=30)
    mark = aws_env.mark()
    assert run_module(platform_prune, args, check_mode=True)["removed"] == ["metrics-server"]
    assert aws_env.mutations_since(mark) == []
    assert run_module(platform_prune, args)["removed"] == ["metrics-server"]
    assert sorted(eks.list_addons(clusterName=cluster)["addons"]) == ["coredns", "kube-proxy"]


def test_rule_groups_namespaces_of_a_workspace(aws_env, prefix):
    amp = boto3.client("amp")
    workspace = amp.create_workspace(alias=prefix)["workspaceId"]
    rules = b"groups:\n  - name: g\n    rules:\n      - record: r\n        expr: up\n"
    for name, tags in (("queue", OURS), ("valkey", OURS), ("handmade", {"team": "games"})):
        amp.create_rule_groups_namespace(workspaceId=workspace, name=name, data=rules, tags=tags)
    args = dict(resource_type="amp_rule_groups_namespace", workspace_id=workspace, match_tags=OURS, keep=["queue"])
    planned = run_module(platform_prune, args, check_mode=True, diff=True)
    assert planned["removed"] == ["valkey"] and planned["diff"][0]["after"] == {}
    assert run_module(platform_prune, args)["removed"] == ["valkey"]
    left = amp.list_rule_groups_namespaces(workspaceId=workspace)["ruleGroupsNamespaces"]
    assert sorted(item["name"] for item in left if item["status"]["statusCode"] != "DELETING") == ["handmade", "queue"]


def test_certificates_are_kept_by_their_key_tag(aws_env, prefix):
    acm = boto3.client("acm")
    arns = {}
    for key, tags in (("ingress", dict(OURS, **{"gameops:certificate": "ingress"})), ("old", dict(OURS, **{"gameops:certificate": "old"})),
                      ("theirs", {"gameops:certificate": "old"})):
        arns[key] = acm.request_certificate(DomainName="%s.%s.example.com" % (key, prefix), ValidationMethod="DNS", KeyAlgorithm="EC_prime256v1",
                                            Tags=tag_list(tags))["CertificateArn"]
    args = dict(resource_type="acm_certificate", match_tags=OURS, key_tag="gameops:certificate", keep=["ingress"])
    assert run_module(platform_prune, args)["removed"] == [arns["old"]]
    with pytest.raises(acm.exceptions.ResourceNotFoundException):
        acm.describe_certificate(CertificateArn=arns["old"])
    for kept in (arns["ingress"], arns["theirs"]):
        assert acm.describe_certificate(CertificateArn=kept)["Certificate"]["CertificateArn"] == kept


def test_names_narrow_the_search_to_one_resource(aws_env, prefix):
    bucket(prefix + "-loki", OURS, objects=["chunk"])
    bucket(prefix + "-loki-archive", dict(OURS, **{"gameops:bucket": "loki-archive"}))
    args = dict(resource_type="s3_bucket", name_prefix=prefix + "-loki", names=[prefix + "-loki"], match_tags=OURS)
    refused = run_module(platform_prune, args)
    assert refused["failed"] is True and refused["unconfirmed"] == [prefix + "-loki"]
    assert run_module(platform_prune, dict(args, remove_data=True))["removed"] == [prefix + "-loki"]
    assert buckets(prefix) == [prefix + "-loki-archive"]


def test_remove_data_removes_what_holds_data_unasked(aws_env, prefix):
    full = repository(prefix, "full", OURS, image=True)
    assert run_module(platform_prune, ecr_args(prefix, remove_data=True))["removed"] == [full]
    assert repositories(prefix) == []


def test_an_empty_match_tags_is_refused(aws_env, prefix):
    refused = run_module(platform_prune, ecr_args(prefix, match_tags={}))
    assert refused["failed"] is True and "match_tags" in refused["msg"]


# Route 53: records carry no tags; the dns layer's marker (a TXT at _gameops-<type>.<name>) says whose a record is.
DNS_OURS = {"gameops:platform": "p1", "gameops:layer": "dns"}


def zone_with_records(records):
    route53 = boto3.client("route53")
    name = "z%s.example.com" % uuid.uuid4().hex[:6]
    zone_id = route53.create_hosted_zone(Name=name, CallerReference=name)["HostedZone"]["Id"].split("/")[-1]
    changes = [dict(Action="CREATE", ResourceRecordSet=dict(Name="%s.%s" % (record, name) if record else name, Type=kind, TTL=300,
                                                            ResourceRecords=[dict(Value=value)]))
               for record, kind, value in records]
    route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=dict(Changes=changes))
    return zone_id, name


def marker(platform, layer="dns"):
    return '"heritage=gameops,gameops/platform=%s,gameops/layer=%s"' % (platform, layer)


def record_keys(zone_id):
    listed = boto3.client("route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return sorted("%s %s" % (item["Name"].rstrip(".").replace("\\052", "*"), item["Type"]) for item in listed if item["Type"] not in ("SOA", "NS"))


def test_records_go_with_their_marker_only_when_the_marker_is_the_platforms(aws_env):
    zone_id, zone = zone_with_records([
        ("www", "CNAME", "queue.example.net"), ("_gameops-cname.www", "TXT", marker("p1")),
        ("old", "A", "192.0.2.1"), ("_gameops-a.old", "TXT", marker("p1")),
        ("*", "A", "192.0.2.9"), ("_gameops-a.*", "TXT", marker("p1")),
        ("theirs", "A", "192.0.2.2"), ("_gameops-a.theirs", "TXT", marker("p2")),
        ("mailer", "A", "192.0.2.3"), ("_gameops-a.mailer", "TXT", marker("p1", layer="mail")),
        ("handmade", "A", "192.0.2.4"),
        # external-dns's own registry record: not our heritage.
        ("a-api", "TXT", '"heritage=external-dns,external-dns/owner=p1"'), ("api", "A", "192.0.2.5")])
    args = dict(resource_type="route53_record", hosted_zone_id=zone_id, match_tags=DNS_OURS, keep=["www.%s CNAME" % zone])
    before = record_keys(zone_id)
    mark = aws_env.mark()
    planned = run_module(platform_prune, args, check_mode=True, diff=True)
    assert planned["removed"] == ["*.%s A" % zone, "old.%s A" % zone]
    assert [(item["type"], item["after"]) for item in planned["ansible_facts"]["platform_prune_plan_resources"]] == [("route53 record", {})] * 2
    assert planned["diff"][1]["before"]["values"] == ["192.0.2.1"]
    assert aws_env.mutations_since(mark) == [] and record_keys(zone_id) == before

    removed = run_module(platform_prune, args)
    assert removed["changed"] is True and removed["removed"] == ["*.%s A" % zone, "old.%s A" % zone]
    gone = {"old.%s A" % zone, "_gameops-a.old.%s TXT" % zone, "*.%s A" % zone, "_gameops-a.*.%s TXT" % zone}
    assert record_keys(zone_id) == sorted(set(before) - gone)
    again = run_module(platform_prune, args)
    assert again["changed"] is False


def test_a_marker_whose_record_was_removed_by_hand_goes_alone(aws_env):
    zone_id, zone = zone_with_records([("_gameops-a.lost", "TXT", marker("p1"))])
    removed = run_module(platform_prune, dict(resource_type="route53_record", hosted_zone_id=zone_id, match_tags=DNS_OURS))
    assert removed["removed"] == ["lost.%s A" % zone] and record_keys(zone_id) == []
