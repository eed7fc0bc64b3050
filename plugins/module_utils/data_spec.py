# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``log_storage`` and ``registry`` sections of the platform spec: schema and checks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# ECR's own rule for repository names (CreateRepository), at 2 to 256 characters.
REPOSITORY_NAME = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")


def check_log_storage(log_storage, platform, errors):
    platform_id = platform["id"]
    if log_storage["retention_days"] < 1:
        errors.append("platform.log_storage.retention_days: %d; logs must be kept at least 1 day" % log_storage["retention_days"])
    bucket = log_storage["bucket_name"] or "%s-loki" % platform_id
    if not re.match(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", bucket):
        errors.append("platform.log_storage.bucket_name: %r is not a valid S3 bucket name" % bucket)
    return dict(log_storage, bucket_name=bucket)


def check_registry(registry, platform, errors):
    for index, repository in enumerate(registry["repositories"]):
        name = "%s/%s" % (registry["prefix"], repository["name"]) if registry["prefix"] else repository["name"]
        if not (2 <= len(name) <= 256 and REPOSITORY_NAME.match(name)):
            errors.append("platform.registry.repositories[%d].name: %r is not a name ECR accepts "
                          "(lowercase letters, digits, '.', '_', '-' between them, '/' between parts)" % (index, name))
        if repository["keep_last"] < 1:
            errors.append("platform.registry.repositories[%d].keep_last: %d; keep at least 1 image" % (index, repository["keep_last"]))
    return registry


# Node families ElastiCache offers for Valkey and Redis OSS (kept short: current generations only).
# Valkey has no t2 (or other previous generation) nodes, so those are refused for both engines.
CACHE_NODE_FAMILIES = ("t3", "t4g", "m5", "m6g", "m7g", "r5", "r6g", "r7g", "c7gn")
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
    if not 0 <= cache["snapshot_retention_days"] <= CACHE_MAX_RETENTION_DAYS:
        errors.append("platform.cache.snapshot_retention_days: %d; allowed 0 to %d"
                      % (cache["snapshot_retention_days"], CACHE_MAX_RETENTION_DAYS))
    if not 1024 <= cache["port"] <= 65535:
        errors.append("platform.cache.port: %d; allowed 1024 to 65535" % cache["port"])
    if not re.match(r"^(mon|tue|wed|thu|fri|sat|sun):\d\d:\d\d-(mon|tue|wed|thu|fri|sat|sun):\d\d:\d\d$", cache["maintenance_window"]):
        errors.append("platform.cache.maintenance_window: %r; give ddd:hh24:mi-ddd:hh24:mi, such as sun:05:00-sun:06:00"
                      % cache["maintenance_window"])
    return cache
