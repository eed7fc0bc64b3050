# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ElastiCache replication groups: the client, the group and its first member cluster, tags, waits.

DescribeReplicationGroups leaves out much of a group's configuration (engine version, parameter group,
subnet group, security groups, maintenance window); its member clusters all carry it, so the first
one is read for it. Every call goes through the client ``elasticache_client`` returns, with
``aws_retry=True``.

Reads are eventually consistent: right after a change DescribeReplicationGroups can still say
``available`` while the group already refuses the next change with InvalidReplicationGroupState
(Terraform waits 30 s before its first poll of a modified group for this reason:
replicationGroupAvailableDelay). So ``wait_started`` waits, after each change, until the group shows it
(not ``available`` any more, or the change made), and the client retries InvalidReplicationGroupState.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.botocore import normalize_boto3_result
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.gameops.platform.plugins.module_utils.waiting import WaitTimeout
from ansible_collections.gameops.platform.plugins.module_utils.waiting import wait_until

# Statuses a replication group never leaves by itself.
FAILED_STATUSES = ("create-failed", "deleting")
# Seconds a change may take to show in DescribeReplicationGroups; past them the module carries on (Terraform waits 30 s).
START_TIMEOUT = 60
# What the group answers while a change is being applied, or before reads show that one has begun.
BUSY_CODES = ["InvalidReplicationGroupState"]


def elasticache_client(module):
    """The ElastiCache client; call it with ``aws_retry=True``: throttling and a group still busy are retried."""
    return module.client("elasticache", retry_decorator=AWSRetry.jittered_backoff(catch_extra_error_codes=BUSY_CODES))


def to_ansible(resource):
    """An ElastiCache resource in snake case, timestamps as ISO 8601 strings; {} for None."""
    if not resource:
        return {}
    return camel_dict_to_snake_dict(normalize_boto3_result(resource))


def describe_group(client, group_id):
    """The replication group, or None when there is none of that id."""
    try:
        return client.describe_replication_groups(aws_retry=True, ReplicationGroupId=group_id)["ReplicationGroups"][0]
    except is_boto3_error_code("ReplicationGroupNotFoundFault"):
        return None


def describe_member(client, group):
    """The group's first member cache cluster (None if it has none yet, or it is gone)."""
    members = group.get("MemberClusters") or []
    if not members:
        return None
    try:
        return client.describe_cache_clusters(aws_retry=True, CacheClusterId=members[0])["CacheClusters"][0]
    except is_boto3_error_code("CacheClusterNotFound"):
        return None


def parameter_group_family(client, name):
    """The family (valkey8, redis7, ...) of a cache parameter group; a missing group fails as ElastiCache says."""
    return client.describe_cache_parameter_groups(aws_retry=True, CacheParameterGroupName=name)["CacheParameterGroups"][0]["CacheParameterGroupFamily"]


def group_tags(client, group):
    return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(aws_retry=True, ResourceName=group["ARN"])["TagList"])


def ensure_tags(module, client, arn, current, wanted, purge):
    """Brings the tags of ``arn`` to ``wanted`` (None: leave them); (changed, tags after)."""
    if wanted is None:
        return False, dict(current)
    to_set, to_unset = compare_aws_tags(current, wanted, purge)
    if not module.check_mode:
        if to_unset:
            client.remove_tags_from_resource(aws_retry=True, ResourceName=arn, TagKeys=to_unset)
        if to_set:
            client.add_tags_to_resource(aws_retry=True, ResourceName=arn, Tags=ansible_dict_to_boto3_tag_list(to_set))
    after = dict((key, value) for key, value in current.items() if key not in to_unset)
    after.update(to_set)
    return bool(to_set or to_unset), after


def wait_for(module, client, group_id, done, what):
    """Waits (up to wait_timeout) until ``done(group or None)``; fails the module on a status that will not get there."""

    def failed(group):
        return "the replication group is %s" % group["Status"] if group["Status"] in FAILED_STATUSES else None

    try:
        return wait_until(lambda: describe_group(client, group_id), done, module.params["wait_timeout"], delay=15,
                          failed=failed, what=what)
    except WaitTimeout as error:
        module.fail_json(msg=str(error), last=to_ansible(error.last))


def wait_started(module, client, group_id, shown, what):
    """After a change: polls until the group is not ``available`` (the change has begun) or ``shown(group)`` (it is made),
    for at most START_TIMEOUT seconds (and wait_timeout); returns the group last seen. A change that never shows is
    left to the waits and retries that follow."""

    def started(group):
        return group is None or group["Status"] != "available" or shown(group)

    try:
        return wait_until(lambda: describe_group(client, group_id), started, min(START_TIMEOUT, module.params["wait_timeout"]), delay=5,
                          what=what)
    except WaitTimeout as error:
        return error.last


def wait_available(module, client, group_id, what):
    return wait_for(module, client, group_id, lambda group: group is not None and group["Status"] == "available", what)


def wait_deleted(module, client, group_id):
    try:
        return wait_until(lambda: describe_group(client, group_id), lambda group: group is None, module.params["wait_timeout"],
                          delay=15, what="replication group %s to be deleted" % group_id)
    except WaitTimeout as error:
        module.fail_json(msg=str(error), last=to_ansible(error.last))
