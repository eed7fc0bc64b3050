# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a platform made of one kind, found by its tags (never from the spec), and how each goes.

Each kind is a ``Kind``: ``find(client, params)`` yields ``(name, tags, summary)`` for every resource of
that kind the API can list in the scope (a cluster, the name prefix); ``has_data(client, name)`` tells
whether removing it loses data; ``remove(client, name, params)`` deletes it and what it holds.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict


class Kind(object):
    def __init__(self, service, find, remove, has_data=None, needs_cluster=False):
        self.service = service
        self.find = find
        self.remove = remove
        self.has_data = has_data or (lambda client, name: False)
        self.needs_cluster = needs_cluster


def matches(tags, wanted):
    """Every wanted tag is there; an empty wanted value matches any value."""
    return all(key in tags and (value in (None, "") or tags[key] == value) for key, value in wanted.items())


# ECR: repositories are listed whole (DescribeRepositories filters by exact names only), tags read per repository.
def find_repositories(client, params):
    pages = client.get_paginator("describe_repositories").paginate().build_full_result()
    for repository in pages.get("repositories", []):
        name = repository["repositoryName"]
        if not name.startswith(params["name_prefix"]):
            continue
        tags = boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(aws_retry=True, resourceArn=repository["repositoryArn"])["tags"])
        yield name, tags, dict(name=name, arn=repository["repositoryArn"])


def repository_has_images(client, name):
    return bool(client.list_images(aws_retry=True, repositoryName=name, maxResults=1).get("imageIds"))


def remove_repository(client, name, params):
    try:
        client.delete_repository(aws_retry=True, repositoryName=name, force=True)
    except is_boto3_error_code("RepositoryNotFoundException"):
        pass


# S3: ListBuckets takes a Prefix; a bucket without tags answers NoSuchTagSet.
def bucket_tags(client, name):
    try:
        return boto3_tag_list_to_ansible_dict(client.get_bucket_tagging(aws_retry=True, Bucket=name)["TagSet"])
    except is_boto3_error_code(("NoSuchTagSet", "NoSuchBucket")):
        return {}


def find_buckets(client, params):
    listed = client.list_buckets(aws_retry=True, Prefix=params["name_prefix"]) if params["name_prefix"] else client.list_buckets(aws_retry=True)
    for bucket in listed.get("Buckets", []):
        name = bucket["Name"]
        if name.startswith(params["name_prefix"]):
            yield name, bucket_tags(client, name), dict(name=name, arn="arn:aws:s3:::%s" % name)


def bucket_has_objects(client, name):
    """Object versions and delete markers count: a versioned bucket's old versions are data too."""
    listed = client.list_object_versions(aws_retry=True, Bucket=name, MaxKeys=1)
    return bool(listed.get("Versions") or listed.get("DeleteMarkers"))


def remove_bucket(client, name, params):
    """S3 deletes only an empty bucket: every version and delete marker goes first, a thousand per call."""
    try:
        for page in client.get_paginator("list_object_versions").paginate(Bucket=name):
            objects = [dict(Key=item["Key"], VersionId=item["VersionId"]) for item in page.get("Versions", []) + page.get("DeleteMarkers", [])]
            if objects:
                client.delete_objects(aws_retry=True, Bucket=name, Delete=dict(Objects=objects, Quiet=True))
        client.delete_bucket(aws_retry=True, Bucket=name)
    except is_boto3_error_code("NoSuchBucket"):
        pass


# EKS: node groups and access entries are listed per cluster, their tags come with their description.
def find_nodegroups(client, params):
    pages = client.get_paginator("list_nodegroups").paginate(clusterName=params["cluster_name"]).build_full_result()
    for name in pages.get("nodegroups", []):
        nodegroup = client.describe_nodegroup(aws_retry=True, clusterName=params["cluster_name"], nodegroupName=name)["nodegroup"]
        yield name, nodegroup.get("tags") or {}, dict(name=name, arn=nodegroup["nodegroupArn"], instance_types=nodegroup.get("instanceTypes") or [],
                                                      scaling=nodegroup.get("scalingConfig") or {})


def remove_nodegroup(client, name, params):
    try:
        client.delete_nodegroup(aws_retry=True, clusterName=params["cluster_name"], nodegroupName=name)
    except is_boto3_error_code("ResourceNotFoundException"):
        return
    if params["wait"]:
        client.get_waiter("nodegroup_deleted").wait(clusterName=params["cluster_name"], nodegroupName=name,
                                                    WaiterConfig=dict(Delay=15, MaxAttempts=max(1, params["wait_timeout"] // 15)))


def find_addons(client, params):
    pages = client.get_paginator("list_addons").paginate(clusterName=params["cluster_name"]).build_full_result()
    for name in pages.get("addons", []):
        addon = client.describe_addon(aws_retry=True, clusterName=params["cluster_name"], addonName=name)["addon"]
        yield name, addon.get("tags") or {}, dict(name=name, arn=addon.get("addonArn"), version=addon.get("addonVersion"))


def remove_addon(client, name, params):
    """Its pod identity associations go with it (EKS deletes them unless asked to preserve them)."""
    try:
        client.delete_addon(aws_retry=True, clusterName=params["cluster_name"], addonName=name)
    except is_boto3_error_code("ResourceNotFoundException"):
        return
    if params["wait"]:
        client.get_waiter("addon_deleted").wait(clusterName=params["cluster_name"], addonName=name,
                                                WaiterConfig=dict(Delay=10, MaxAttempts=max(1, params["wait_timeout"] // 10)))


def find_access_entries(client, params):
    pages = client.get_paginator("list_access_entries").paginate(clusterName=params["cluster_name"]).build_full_result()
    for principal_arn in pages.get("accessEntries", []):
        entry = client.describe_access_entry(aws_retry=True, clusterName=params["cluster_name"], principalArn=principal_arn)["accessEntry"]
        summary = dict(principal_arn=principal_arn, type=entry.get("type"), kubernetes_groups=entry.get("kubernetesGroups") or [])
        yield principal_arn, entry.get("tags") or {}, summary


def remove_access_entry(client, name, params):
    try:
        client.delete_access_entry(aws_retry=True, clusterName=params["cluster_name"], principalArn=name)
    except is_boto3_error_code("ResourceNotFoundException"):
        pass


# AMP: a workspace's rule groups namespaces come listed with their tags.
def find_rule_groups_namespaces(client, params):
    pages = client.get_paginator("list_rule_groups_namespaces").paginate(workspaceId=params["workspace_id"]).build_full_result()
    for namespace in pages.get("ruleGroupsNamespaces", []):
        if namespace.get("status", {}).get("statusCode") != "DELETING":
            yield namespace["name"], namespace.get("tags") or {}, dict(name=namespace["name"], arn=namespace["arn"])


def remove_rule_groups_namespace(client, name, params):
    try:
        client.delete_rule_groups_namespace(aws_retry=True, workspaceId=params["workspace_id"], name=name)
    except is_boto3_error_code("ResourceNotFoundException"):
        pass


# ACM: ListCertificates returns only RSA 1024/2048 certificates unless asked for every key type.
KEY_TYPES = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]


def find_certificates(client, params):
    pages = client.get_paginator("list_certificates").paginate(Includes=dict(keyTypes=KEY_TYPES)).build_full_result()
    for certificate in pages.get("CertificateSummaryList", []):
        arn = certificate["CertificateArn"]
        tags = boto3_tag_list_to_ansible_dict(client.list_tags_for_certificate(aws_retry=True, CertificateArn=arn).get("Tags", []))
        yield arn, tags, dict(arn=arn, domain_name=certificate["DomainName"], status=certificate.get("Status"))


def remove_certificate(client, name, params):
    try:
        client.delete_certificate(aws_retry=True, CertificateArn=name)
    except is_boto3_error_code("ResourceNotFoundException"):
        pass


# Route 53: records take no tags. Each record the dns layer writes has an ownership marker beside it, a TXT record
# at _gameops-<type>.<name> whose value names the platform and the layer: external-dns's TXT registry does the
# same (at a prefixed name because a CNAME allows no other record at its name, with the type in it because one name
# can hold an A and an AAAA). Our own prefix and heritage keep its markers and ours apart. Only a marker that says
# it is ours makes a record prunable; a record without one (external-dns's, ACM's, the mail layer's, made by hand)
# is never touched.
MARKER_PREFIX = "_gameops-"
MARKER_LABEL = re.compile(r"^_gameops-([a-z0-9]+)$")
MARKER_HERITAGE = "gameops"


def marker_name(name, record_type):
    return "%s%s.%s" % (MARKER_PREFIX, record_type.lower(), name)


def marker_value(platform_id, layer):
    """A TXT value as Route 53 takes it: a character string in double quotes."""
    return '"heritage=%s,gameops/platform=%s,gameops/layer=%s"' % (MARKER_HERITAGE, platform_id, layer)


def marker_tags(values):
    """The tags a marker's TXT values stand for ({} when none is ours): gameops:platform and gameops:layer."""
    for value in values:
        fields = dict(part.partition("=")[::2] for part in value.strip('"').split(","))
        if fields.get("heritage") == MARKER_HERITAGE:
            return {"gameops:platform": fields.get("gameops/platform", ""), "gameops:layer": fields.get("gameops/layer", "")}
    return {}


def record_name(name):
    """A name as the spec gives it: Route 53 lists names with a trailing dot and escapes characters such as * (\\052)."""
    return re.sub(r"\\(\d{3})", lambda match: chr(int(match.group(1), 8)), name).lower().rstrip(".")


def record_sets(client, zone_id, name=None, record_type=None):
    """The zone's record sets (those of one name and type when given), keyed by (name, type)."""
    request = dict(HostedZoneId=zone_id)
    if name:
        request.update(StartRecordName=name, StartRecordType=record_type, MaxItems="100")
        listed = client.list_resource_record_sets(aws_retry=True, **request)["ResourceRecordSets"]
    else:
        listed = client.get_paginator("list_resource_record_sets").paginate(**request).build_full_result()["ResourceRecordSets"]
    found = {}
    for record_set in listed:
        key = (record_name(record_set["Name"]), record_set["Type"])
        if not name or key == (record_name(name), record_type):
            found.setdefault(key, []).append(record_set)
    return found


def find_records(client, params):
    """Each marker in the zone: its record's key (`<name> <type>`, as the dns role names the spec's records)."""
    zone = record_sets(client, params["hosted_zone_id"])
    for (name, record_type), sets in sorted(zone.items()):
        first, _dot, target = name.partition(".")
        match = MARKER_LABEL.match(first)
        if record_type != "TXT" or not match or not target:
            continue
        tags = marker_tags([record["Value"] for record_set in sets for record in record_set.get("ResourceRecords", [])])
        if not tags:
            continue
        target_type = match.group(1).upper()
        values = [record["Value"] for record_set in zone.get((target, target_type), []) for record in record_set.get("ResourceRecords", [])]
        yield "%s %s" % (target, target_type), tags, dict(name=target, type=target_type, values=values, marker=name)


def remove_record(client, key, params):
    """The record and its marker in one change batch (Route 53 applies a batch whole or not at all)."""
    name, record_type = key.rsplit(" ", 1)
    marker = marker_name(name, record_type)
    doomed = []
    for found in (record_sets(client, params["hosted_zone_id"], name, record_type), record_sets(client, params["hosted_zone_id"], marker, "TXT")):
        doomed.extend(record_set for sets in found.values() for record_set in sets)
    if doomed:
        client.change_resource_record_sets(aws_retry=True, HostedZoneId=params["hosted_zone_id"], ChangeBatch=dict(
            Comment="gameops.platform prune: %s is no longer in the spec" % key,
            Changes=[dict(Action="DELETE", ResourceRecordSet=record_set) for record_set in doomed]))


KINDS = dict(
    ecr_repository=Kind("ecr", find_repositories, remove_repository, has_data=repository_has_images),
    s3_bucket=Kind("s3", find_buckets, remove_bucket, has_data=bucket_has_objects),
    eks_nodegroup=Kind("eks", find_nodegroups, remove_nodegroup, needs_cluster=True),
    eks_addon=Kind("eks", find_addons, remove_addon, needs_cluster=True),
    eks_access_entry=Kind("eks", find_access_entries, remove_access_entry, needs_cluster=True),
    acm_certificate=Kind("acm", find_certificates, remove_certificate),
    amp_rule_groups_namespace=Kind("amp", find_rule_groups_namespaces, remove_rule_groups_namespace),
    route53_record=Kind("route53", find_records, remove_record),
)


def unwanted(kind, client, params):
    """(name, summary, has_data) of each resource carrying the tags and not kept, in name order.

    With ``key_tag``, the summary has ``key``: that tag's value, the resource's key in the spec, which
    ``keep`` may name instead of the name (a certificate's ARN is not in the spec, its key is).
    """
    keep = set(params["keep"])
    found = []
    for name, tags, summary in kind.find(client, params):
        if not matches(tags, params["match_tags"]) or (params.get("names") and name not in params["names"]):
            continue
        if params.get("key_tag"):
            summary = dict(summary, key=tags.get(params["key_tag"]))
        if name not in keep and summary.get("key", name) not in keep:
            found.append((name, summary))
    return [(name, summary, kind.has_data(client, name)) for name, summary in sorted(found, key=lambda item: item[0])]
