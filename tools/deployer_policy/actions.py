"""The IAM action each logged request needs, from botocore's models and the Service Authorization Reference.

The emulator's router already names every request's operation from botocore's service models (for
REST services, S3, EKS, AMP, AMG, from the operation's HTTP method and requestUri), so the log holds
botocore operation names. The IAM prefix is the service's SigV4 signing name; the action is the operation
name, except in the two small tables below. Every action is checked against parliament's copy of AWS's
Service Authorization Reference (parliament/iam_definition.json): an operation whose action differs from
its name fails the check until it is added to OPERATION_ACTIONS.
"""

import functools
import json
import os

import botocore.session
import parliament

# Signing names that are not the IAM prefix.
PREFIXES = {
    "tagging": "tag",           # Resource Groups Tagging API: tag:GetResources
    "monitoring": "cloudwatch",
}

# botocore operations whose IAM action has another name. Service Authorization Reference, "Actions
# defined by Amazon S3" and the S3 API reference's Permissions section of each operation:
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html
OPERATION_ACTIONS = {
    "s3:HeadBucket": "s3:ListBucket",
    "s3:ListObjects": "s3:ListBucket",
    "s3:ListObjectsV2": "s3:ListBucket",
    "s3:ListObjectVersions": "s3:ListBucketVersions",
    "s3:ListBuckets": "s3:ListAllMyBuckets",
    "s3:HeadObject": "s3:GetObject",
    "s3:DeleteObjects": "s3:DeleteObject",
    "s3:GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
    "s3:PutBucketLifecycleConfiguration": "s3:PutLifecycleConfiguration",
    "s3:DeleteBucketLifecycle": "s3:PutLifecycleConfiguration",
    # The deprecated lifecycle operations share method and path with the current ones (the router may name
    # either); both need the same actions.
    "s3:GetBucketLifecycle": "s3:GetLifecycleConfiguration",
    "s3:PutBucketLifecycle": "s3:PutLifecycleConfiguration",
    "s3:GetBucketInventoryConfiguration": "s3:GetInventoryConfiguration",
    "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "s3:PutBucketEncryption": "s3:PutEncryptionConfiguration",
    "s3:DeleteBucketEncryption": "s3:PutEncryptionConfiguration",
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "s3:PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "s3:DeletePublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "s3:GetBucketCors": "s3:GetBucketCORS",
    "s3:PutBucketCors": "s3:PutBucketCORS",
    "s3:DeleteBucketCors": "s3:PutBucketCORS",
    "s3:DeleteBucketTagging": "s3:PutBucketTagging",
    "s3:DeleteBucketOwnershipControls": "s3:PutBucketOwnershipControls",
    "s3:GetBucketNotificationConfiguration": "s3:GetBucketNotification",
    "s3:PutBucketNotificationConfiguration": "s3:PutBucketNotification",
    "s3:GetBucketAccelerateConfiguration": "s3:GetAccelerateConfiguration",
    "s3:GetBucketReplication": "s3:GetReplicationConfiguration",
    "s3:GetObjectLockConfiguration": "s3:GetBucketObjectLockConfiguration",
    "s3:DeleteBucketWebsite": "s3:DeleteBucketWebsite",
}

# Log services that are no AWS API: each AMG workspace's Grafana HTTP API authenticates with the
# service account token the grafana layer mints (grafana:CreateWorkspaceServiceAccountToken), not IAM.
NOT_IAM = {"grafana-api"}


@functools.lru_cache(maxsize=None)
def _signing_name(service):
    metadata = botocore.session.get_session().get_service_model(service).metadata
    return metadata.get("signingName") or metadata["endpointPrefix"]


@functools.lru_cache(maxsize=None)
def reference():
    """{prefix: {action name: privilege}} from parliament's copy of the Service Authorization Reference."""
    with open(os.path.join(os.path.dirname(parliament.__file__), "iam_definition.json"), encoding="utf-8") as handle:
        services = json.load(handle)
    known = {}
    for service in services:
        actions = known.setdefault(service["prefix"], {})
        actions.update({privilege["privilege"]: dict(privilege, resources=service["resources"]) for privilege in service["privileges"]})
    return known


def privilege(action):
    """The reference's entry for an action (prefix:Name, case-insensitive as IAM is), or None."""
    prefix, name = action.split(":", 1)
    actions = reference().get(prefix, {})
    lowered = {key.lower(): value for key, value in actions.items()}
    return lowered.get(name.lower())


def iam_action(service, operation):
    """The IAM action a logged request (botocore service and operation names) needs; None for no IAM."""
    if service in NOT_IAM:
        return None
    prefix = _signing_name(service)
    action = "%s:%s" % (PREFIXES.get(prefix, prefix), operation)
    return OPERATION_ACTIONS.get(action, action)


def unknown(actions):
    """The actions the Service Authorization Reference does not list: a missing OPERATION_ACTIONS entry."""
    return sorted(action for action in actions if privilege(action) is None)
