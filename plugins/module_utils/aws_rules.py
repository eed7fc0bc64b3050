# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules AWS and Kubernetes apply to names, tags, ARNs and windows, shared by the sections' checks.

Each function returns what is wrong with a value (a phrase to follow the value in a message), or None,
so the caller names the field. No AWS call: the limits are AWS's documented ones, noted beside each.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re
import unicodedata

# --- Tags ---------------------------------------------------------------------------------------------
# botocore's TagMap of EKS, and IAM's tagKeyType/tagValueType (the strictest across the services the
# collection tags): at most 50 tags per resource, keys 1-128 and values 0-256 characters of letters,
# digits, spaces and _ . : / = + - @; the aws: prefix, in any case, is AWS's own.
MAX_TAGS = 50
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256
TAG_PUNCTUATION = "_.:/=+-@"
RESERVED_TAG_PREFIX = "aws:"
# The collection's own keys (ownership, tiers, bucket keys); teardown trusts them, so users may not set them.
OWN_TAG_PREFIX = "gameops:"


def _tag_characters_problem(text):
    for char in text:
        if char not in TAG_PUNCTUATION and unicodedata.category(char)[0] not in "LNZ":
            return "has %r; tags take letters, digits, spaces and %s" % (char, " ".join(TAG_PUNCTUATION))
    return None


def tag_key_problem(key):
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_TAG_KEY:
        return "must be a key of 1 to %d characters" % MAX_TAG_KEY
    if key.lower().startswith(RESERVED_TAG_PREFIX):
        return "uses the prefix aws:, which AWS reserves"
    if key.lower().startswith(OWN_TAG_PREFIX):
        return "uses the prefix gameops:, which the collection reserves for the tags it adds itself"
    return _tag_characters_problem(key)


def tag_value_problem(value):
    if value is None:
        return "is null; give a string (AWS takes no null tag value), '' for none"
    if isinstance(value, (dict, list)):
        return "must be a string, not a %s" % type(value).__name__
    text = str(value)
    if len(text) > MAX_TAG_VALUE:
        return "is %d characters; a tag value has at most %d" % (len(text), MAX_TAG_VALUE)
    return _tag_characters_problem(text)


def check_tags(tags, field, added, errors):
    """User tags checked, and counted with ``added`` (resource -> the keys the roles add to it) against the limit."""
    for key, value in sorted(tags.items(), key=lambda item: str(item[0])):
        problem = tag_key_problem(key)
        if problem:
            errors.append("%s: the key %r %s" % (field, key, problem))
        problem = tag_value_problem(value)
        if problem:
            errors.append("%s.%s: %r %s" % (field, key, value, problem))
    # Tags with the aws: prefix do not count against the limit (EKS TagMap documentation).
    counted = set(key for key in tags if not str(key).lower().startswith(RESERVED_TAG_PREFIX))
    for resource, keys in sorted(added.items()):
        total = len(counted | set(keys))
        if total > MAX_TAGS:
            errors.append("%s: %d tags; with the %d the collection adds to %s (%s) that is %d, and AWS allows %d per resource"
                          % (field, len(counted), len(set(keys) - counted), resource, ", ".join(sorted(keys)), total, MAX_TAGS))
            break


# --- ARNs ---------------------------------------------------------------------------------------------
# The partitions AWS has (botocore endpoints.json) and the one a region belongs to.
PARTITION = r"aws(?:-cn|-us-gov|-iso|-iso-[a-z]|-eusc)?"
ARN = re.compile(r"^arn:(?P<partition>%s):(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):(?P<account>\d{12}|aws|):(?P<resource>.+)$" % PARTITION)
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
ACCOUNT = re.compile(r"^\d{12}$")
# Resource parts by service, as the services' ARN formats give them (Service Authorization Reference,
# "Resource types defined by ..."): KMS key/<id> or alias/<name>; SNS topic names of 1-256 letters,
# digits, '-' and '_' (a FIFO topic ends in .fifo; CreateTopic); ACM certificate/<uuid>; IAM
# role/[path/]<name> or user/[path/]<name> (names of [\w+=,.@-], 64 characters for roles);
# CloudWatch Logs log-group:<name>[:*]; S3 buckets (no region or account) <bucket>[/<prefix>].
RESOURCES = {
    "kms": re.compile(r"^(key/[0-9A-Fa-f-]{1,2048}|key/mrk-[0-9A-Fa-f]{32}|alias/[A-Za-z0-9/_-]{1,250})$"),
    "sns": re.compile(r"^[A-Za-z0-9_-]{1,251}(\.fifo)?$"),
    "acm": re.compile(r"^certificate/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
    "iam": re.compile(r"^(role|user)/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$"),
    "logs": re.compile(r"^log-group:[A-Za-z0-9_/.#-]{1,512}(:\*)?$"),
    "s3": re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$"),
}
# Services whose ARNs carry a region and an account; IAM's carry only the account, S3 buckets' neither.
REGIONAL = ("kms", "sns", "acm", "logs")
WHAT = {"kms": "a KMS key or alias ARN (arn:aws:kms:<region>:<account>:key/<id> or alias/<name>)",
        "sns": "an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)",
        "acm": "an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<uuid>)",
        "iam": "an IAM role or user ARN (arn:aws:iam::<account>:role/<name>)",
        "logs": "a CloudWatch Logs log group ARN (arn:aws:logs:<region>:<account>:log-group:<name>)",
        "s3": "an S3 bucket ARN (arn:aws:s3:::<bucket>[/<prefix>])"}


def partition_of(region):
    """The partition of a region, as botocore's endpoints.json groups them."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def arn_problem(arn, service, region=None, same_region=False):
    """What is wrong with ``arn`` as an ARN of ``service``; with ``same_region``, one outside ``region`` is refused."""
    match = ARN.match(arn) if isinstance(arn, str) else None
    if not match or match.group("service") != service or not RESOURCES[service].match(match.group("resource")):
        return "is not %s" % WHAT[service]
    regional, account = service in REGIONAL, match.group("account")
    if regional != bool(REGION.match(match.group("region"))) or (service != "s3") != bool(ACCOUNT.match(account)):
        return "is not %s" % WHAT[service]
    if region and match.group("partition") != partition_of(region):
        return "is in the partition %s; the platform's region %s is in %s" % (match.group("partition"), region, partition_of(region))
    if same_region and region and match.group("region") != region:
        return "is in %s; it must be in the platform's region %s" % (match.group("region"), region)
    return None


# --- Names --------------------------------------------------------------------------------------------
# S3 general purpose bucket naming rules (S3 User Guide, "General purpose bucket naming rules"): 3 to 63
# lowercase letters, digits, dots and hyphens, beginning and ending with a letter or digit, no two adjacent
# dots, not an IP address, none of the reserved prefixes and suffixes.
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
RESERVED_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
RESERVED_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def bucket_name_problem(name):
    """What is wrong with ``name`` as an S3 bucket name, or None."""
    if not BUCKET_NAME.match(name) or ".." in name:
        return "must be 3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit, no '..'"
    try:
        ipaddress.ip_address(name)
        return "must not be an IP address"
    except ValueError:
        pass
    for prefix in RESERVED_BUCKET_PREFIXES:
        if name.startswith(prefix):
            return "must not start with %r, which S3 reserves" % prefix
    for suffix in RESERVED_BUCKET_SUFFIXES:
        if name.endswith(suffix):
            return "must not end with %r, which S3 reserves" % suffix
    return None


# IAM CreateRole: RoleName of 1-64 characters of [\w+=,.@-] (botocore roleNameType).
IAM_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")


def iam_role_name_problem(name):
    if not IAM_ROLE_NAME.match(name):
        return "is %d characters; IAM role names have 1 to 64 letters, digits and + = , . @ _ -" % len(name)
    return None


# ElastiCache CreateReplicationGroup, ReplicationGroupId: 1-40 letters, digits or hyphens, starting with a
# letter, never ending with a hyphen nor holding two consecutive hyphens (API reference constraints).
REPLICATION_GROUP_ID = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,39}(?<!-)$")


def replication_group_id_problem(name):
    if not REPLICATION_GROUP_ID.match(name):
        return ("is not a replication group id ElastiCache takes: 1-40 letters, digits and '-', starting with a letter, "
                "no '--', not ending in '-'")
    return None


# EKS CreateCluster: name of 1-100 characters, ^[0-9A-Za-z][A-Za-z0-9\-_]* (botocore ClusterName).
CLUSTER_NAME = re.compile(r"^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$")
# EKS CreateNodegroup: nodegroupName of 1-63 letters, digits, '-' and '_', starting with a letter or digit
# (EKS API reference, CreateNodegroup).
NODEGROUP_NAME = re.compile(r"^[0-9A-Za-z][A-Za-z0-9_-]{0,62}$")

# --- Kubernetes ---------------------------------------------------------------------------------------
# Kubernetes "Object Names and IDs" and "Labels and Selectors": a DNS-1123 label (namespaces), a DNS-1035
# label (Service names: a letter first), a DNS-1123 subdomain (label key prefixes, at most 253), and a
# qualified name (label key names and label values, at most 63).
DNS_1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
DNS_1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
QUALIFIED_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$")


def label_key_problem(key, max_length=None):
    """What is wrong with a Kubernetes label (or taint) key; ``max_length`` is a service's own limit on the whole key."""
    prefix, _slash, name = key.rpartition("/") if isinstance(key, str) else ("", "", "")
    if "/" in prefix or (_slash and not (len(prefix) <= 253 and DNS_SUBDOMAIN.match(prefix))) or not QUALIFIED_NAME.match(name):
        return ("is not a Kubernetes label key: an optional DNS subdomain prefix (at most 253) and '/', then a name of at most 63 "
                "letters, digits, '-', '_' and '.', starting and ending with a letter or digit")
    if max_length and len(key) > max_length:
        return "is %d characters; EKS takes keys of at most %d, prefix included" % (len(key), max_length)
    return None


def label_value_problem(value):
    if not isinstance(value, str) or not LABEL_VALUE.match(value):
        return "is not a Kubernetes label value: at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
    return None


# --- Instance types -----------------------------------------------------------------------------------
# EC2 instance type names (EC2 "Instance type naming conventions"): series, generation, options, '.', size.
# Graviton (arm64) types have 'g' first among the options (m7g, c6gn, t4g, r8g, im4gn), and a1 is the
# first Graviton. NVIDIA GPUs are in the accelerated G and P series (g4dn, g5, g6, gr6, p4d, p5), but
# g4ad has AMD GPUs and g5g is arm64.
INSTANCE_TYPE = re.compile(r"^(?P<series>[a-z]+-?)(?P<generation>\d+)(?P<options>[a-z0-9-]*)\.(?P<size>[a-z0-9-]+)$")


def instance_type_parts(instance_type):
    match = INSTANCE_TYPE.match(instance_type) if isinstance(instance_type, str) else None
    return match.groupdict() if match else None


def is_graviton(parts):
    return parts["options"].startswith("g") or (parts["series"], parts["generation"]) == ("a", "1")


def has_nvidia_gpu(parts):
    return parts["series"] in ("g", "gr", "p") and "%s%s%s" % (parts["series"], parts["generation"], parts["options"]) != "g4ad"


# --- Windows ------------------------------------------------------------------------------------------
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKLY_WINDOW = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)$")


def weekly_window_minutes(window):
    """The length in minutes of a ddd:hh24:mi-ddd:hh24:mi window (it may wrap past Sunday), or None if malformed."""
    match = WEEKLY_WINDOW.match(window) if isinstance(window, str) else None
    if not match:
        return None
    day, hour, minute, end_day, end_hour, end_minute = match.groups()
    start = (DAYS.index(day) * 24 + int(hour)) * 60 + int(minute)
    end = (DAYS.index(end_day) * 24 + int(end_hour)) * 60 + int(end_minute)
    return (end - start) % (7 * 24 * 60)


# --- Lists --------------------------------------------------------------------------------------------
def check_unique(values, field, what, errors):
    """Refuse a value listed again: ``field`` is the list's path, the message names the later index and the earlier."""
    seen = {}
    for index, value in enumerate(values):
        if value in seen:
            errors.append("%s[%d]: %s %r is also %s[%d]; each must be distinct" % (field, index, what, value, field, seen[value]))
        else:
            seen[value] = index
