# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the modules of AWS's REST-JSON services (EKS, AMP, AMG) share: retried clients and listings,
results in snake case, and tags kept by ARN with TagResource / UntagResource."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import normalize_boto3_result
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

# AWSRetry knows the query protocol's throttling codes; these services answer with their own.
RETRY_CODES = ["ThrottlingException", "ServerException", "ServiceUnavailableException", "InternalServerException"]


def retried_client(module, service, extra_codes=None):
    """A boto3 client whose calls made with ``aws_retry=True`` are retried on throttling and server errors."""
    return module.client(service, retry_decorator=AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES + (extra_codes or [])))


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def paginate(client, operation, **params):
    """Every page of a listing, merged; the listing is retried as a whole."""
    return client.get_paginator(operation).paginate(**params).build_full_result()


def to_ansible(resource):
    """A resource in snake case, timestamps as ISO 8601 strings; tag keys are left as they are."""
    if not resource:
        return {}
    return camel_dict_to_snake_dict(normalize_boto3_result(resource), ignore_list=["tags"])


def ensure_tags(module, client, arn, current, wanted, purge):
    """Brings the tags of the resource ``arn`` to ``wanted`` (None: leave them); (changed, tags after)."""
    current = dict(current or {})
    if wanted is None:
        return False, current
    to_set, to_unset = compare_aws_tags(current, wanted, purge)
    if not module.check_mode:
        if to_unset:
            client.untag_resource(aws_retry=True, resourceArn=arn, tagKeys=to_unset)
        if to_set:
            client.tag_resource(aws_retry=True, resourceArn=arn, tags=to_set)
    after = dict((key, value) for key, value in current.items() if key not in to_unset)
    after.update(to_set)
    return bool(to_set or to_unset), after
