# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``log_storage`` and ``registry`` sections of the platform spec: schema and checks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.gameops.platform.plugins.module_utils import aws_rules

# ECR's own rule for repository names (botocore RepositoryName: 2-256 characters, parts of lowercase letters
# and digits joined by '.', '_', '__' or hyphens, parts separated by '/').
REPOSITORY_NAME = re.compile(r"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$")


def check_log_storage(log_storage, platform, errors):
    platform_id = platform["id"]
    if log_storage["retention_days"] < 1:
        errors.append("platform.log_storage.retention_days: %d; logs must be kept at least 1 day" % log_storage["retention_days"])
    bucket = log_storage["bucket_name"] or "%s-loki" % platform_id
    problem = aws_rules.bucket_name_problem(bucket)
    if problem:
        errors.append("platform.log_storage.bucket_name: %r is not a valid S3 bucket name: it %s" % (bucket, problem))
    kms = log_storage["kms_key_arn"]
    # SSE-KMS takes a key in the bucket's region (S3 User Guide, "Specifying server-side encryption with AWS KMS").
    problem = kms and aws_rules.arn_problem(kms, "kms", platform["region"], same_region=True)
    if problem:
        errors.append("platform.log_storage.kms_key_arn: %r %s" % (kms, problem))
    return dict(log_storage, bucket_name=bucket)


def check_registry(registry, platform, errors):
    names = []
    for index, repository in enumerate(registry["repositories"]):
        name = "%s/%s" % (registry["prefix"], repository["name"]) if registry["prefix"] else repository["name"]
        names.append(name)
        if not (2 <= len(name) <= 256 and REPOSITORY_NAME.match(name)):
            errors.append("platform.registry.repositories[%d].name: %r is not a name ECR accepts "
                          "(lowercase letters, digits, '.', '_', '-' between them, '/' between parts)" % (index, name))
        if repository["keep_last"] < 1:
            errors.append("platform.registry.repositories[%d].keep_last: %d; keep at least 1 image" % (index, repository["keep_last"]))
    # CreateRepository refuses a name that exists (RepositoryAlreadyExistsException).
    aws_rules.check_unique(names, "platform.registry.repositories", "the repository", errors)
    return registry


# Node families ElastiCache offers for Valkey and Redis OSS (kept short: current generations only).
# Valkey has no t2 (or other previous generation) nodes, so those are refused for both engines.
CACHE_NODE_FAMILIES = ("t3", "t4g", "m5", "m6g", "m7g", "r5", "r6g", "r7g", "c7gn")
# Their sizes (ElastiCache User Guide, "Supported node types").
CACHE_SIZES_GRAVITON = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")
CACHE_SIZES_X86 = ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge")
CACHE_NODE_SIZES = dict(
    t3=("micro", "small", "medium"), t4g=("micro", "small", "medium"), m5=CACHE_SIZES_X86, r5=CACHE_SIZES_X86,
    m6g=CACHE_SIZES_GRAVITON, m7g=CACHE_SIZES_GRAVITON, r6g=CACHE_SIZES_GRAVITON, r7g=CACHE_SIZES_GRAVITON, c7gn=CACHE_SIZES_GRAVITON,
)
# The engine versions ElastiCache creates groups of, as major.minor (DescribeCacheEngineVersions): Valkey
# 7.2, 8.0 and 8.1; Redis OSS 6.0 and 6.2 (parameter group family redis6.x), 7.0 and 7.1 (redis7).
CACHE_ENGINE_VERSIONS = {"valkey": ("7.2", "8.0", "8.1"), "redis": ("6.0", "6.2", "7.0", "7.1")}
# ElastiCache PreferredMaintenanceWindow: "The minimum maintenance window is a 60 minute period."
CACHE_MIN_WINDOW_MINUTES = 60
# The replication group's id, <platform id>-cache (roles/cache/defaults/main.yml).
CACHE_GROUP_SUFFIX = "-cache"
CACHE_NODE_TYPE = re.compile(r"^cache\.([a-z0-9]+)\.([a-z0-9]+)$")
CACHE_MAX_REPLICAS = 5
CACHE_MAX_RETENTION_DAYS = 35


def check_cache(cache, platform, errors):
    if cache["cluster_mode"] and cache["shards"] < 1:
        errors.append("platform.cache.shards: %d; cluster mode needs at least 1 shard" % cache["shards"])
    if not cache["cluster_mode"] and cache["shards"] != 1:
        errors.append("platform.cache.shards: %d; without cluster_mode a group has exactly 1 shard" % cache["shards"])
    if not 0 <= cache["replicas_per_shard"] <= CACHE_MAX_REPLICAS:
        errors.append("platform.cache.replicas_per_shard: %d; ElastiCache allows 0 to %d replicas per shard"
                      % (cache["replicas_per_shard"], CACHE_MAX_REPLICAS))
    if cache["multi_az"] and cache["replicas_per_shard"] < 1:
        errors.append("platform.cache.multi_az: needs replicas_per_shard of at least 1")
    if cache["auth"] and not cache["transit_encryption"]:
        errors.append("platform.cache.auth: an AUTH token needs transit_encryption")
    match = CACHE_NODE_TYPE.match(cache["node_type"])
    if not match:
        errors.append("platform.cache.node_type: %r is not an ElastiCache node type (cache.<family>.<size>)" % cache["node_type"])
    elif match.group(1) not in CACHE_NODE_FAMILIES:
        errors.append("platform.cache.node_type: %r; ElastiCache for %s has no %s nodes here; allowed families: %s"
                      % (cache["node_type"], cache["engine"], match.group(1), ", ".join(CACHE_NODE_FAMILIES)))
    elif match.group(2) not in CACHE_NODE_SIZES[match.group(1)]:
        errors.append("platform.cache.node_type: %r; ElastiCache has no %s nodes of size %s; allowed sizes: %s"
                      % (cache["node_type"], match.group(1), match.group(2), ", ".join(CACHE_NODE_SIZES[match.group(1)])))
    versions = CACHE_ENGINE_VERSIONS.get(cache["engine"], ())
    if versions and cache["engine_version"] not in versions:
        errors.append("platform.cache.engine_version: %r is not a %s version ElastiCache offers; allowed: %s"
                      % (cache["engine_version"], cache["engine"], ", ".join(versions)))
    group_id = platform["id"] + CACHE_GROUP_SUFFIX
    problem = aws_rules.replication_group_id_problem(group_id)
    if problem:
        errors.append("platform.cache: the replication group id %r (<platform.name>-<platform.environment>-cache) %s; shorten "
                      "platform.name or platform.environment" % (group_id, problem))
    if not 0 <= cache["snapshot_retention_days"] <= CACHE_MAX_RETENTION_DAYS:
        errors.append("platform.cache.snapshot_retention_days: %d; allowed 0 to %d"
                      % (cache["snapshot_retention_days"], CACHE_MAX_RETENTION_DAYS))
    if not 1024 <= cache["port"] <= 65535:
        errors.append("platform.cache.port: %d; allowed 1024 to 65535" % cache["port"])
    minutes = aws_rules.weekly_window_minutes(cache["maintenance_window"])
    if minutes is None:
        errors.append("platform.cache.maintenance_window: %r; give ddd:hh24:mi-ddd:hh24:mi in UTC (days mon to sun, hours 00 to 23), "
                      "such as sun:05:00-sun:06:00" % cache["maintenance_window"])
    elif minutes < CACHE_MIN_WINDOW_MINUTES:
        errors.append("platform.cache.maintenance_window: %r is %d minutes; ElastiCache needs at least %d"
                      % (cache["maintenance_window"], minutes, CACHE_MIN_WINDOW_MINUTES))
    return cache
