# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``buckets`` section of the platform spec: S3's naming, CORS and lifecycle rules, no AWS call."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.gameops.platform.plugins.module_utils.aws_rules import arn_problem, bucket_name_problem

# The key of a bucket in the spec; it ends its name (<platform id>-<key>) and the role's outputs.
BUCKET_KEY = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")
# PutBucketCors: at most 100 rules (docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html).
MAX_CORS_RULES = 100
# PutBucketLifecycleConfiguration: at most 1,000 rules; objects must stay 30 days in S3 Standard before a
# transition to Standard-IA or One Zone-IA (userguide/lifecycle-transition-general-considerations.html).
MAX_LIFECYCLE_RULES = 1000
MIN_DAYS_BEFORE_IA = 30


def _check_cors(field, rules, errors):
    if len(rules) > MAX_CORS_RULES:
        errors.append("%s.cors: %d rules; S3 takes at most %d" % (field, len(rules), MAX_CORS_RULES))
    for index, rule in enumerate(rules):
        where = "%s.cors[%d]" % (field, index)
        if not rule["allowed_origins"]:
            errors.append("%s.allowed_origins: give at least one origin, such as https://app.example.com" % where)
        for origin in rule["allowed_origins"]:
            if origin != "*" and not re.match(r"^https?://[^/\s]+$", origin):
                errors.append("%s.allowed_origins: %r is not an origin (scheme://host[:port], no path) or '*'" % (where, origin))
        if rule["max_age_seconds"] < 0:
            errors.append("%s.max_age_seconds: %d; give 0 or more" % (where, rule["max_age_seconds"]))


def _check_lifecycle(field, rules, versioning, errors):
    if len(rules) > MAX_LIFECYCLE_RULES:
        errors.append("%s.lifecycle: %d rules; S3 takes at most %d" % (field, len(rules), MAX_LIFECYCLE_RULES))
    ids = [rule["id"] for rule in rules]
    for index, rule in enumerate(rules):
        where = "%s.lifecycle[%d]" % (field, index)
        if ids.index(rule["id"]) != index:
            errors.append("%s.id: %r is used by an earlier rule" % (where, rule["id"]))
        if not 1 <= len(rule["id"]) <= 255:
            errors.append("%s.id: must be 1-255 characters" % where)
        actions = ("expiration_days", "noncurrent_expiration_days", "transition_days", "abort_incomplete_multipart_upload_days")
        for action in actions:
            if rule[action] is not None and rule[action] < 1:
                errors.append("%s.%s: %d; give 1 or more days" % (where, action, rule[action]))
        if (rule["transition_days"] is None) != (rule["storage_class"] is None):
            errors.append("%s: transition_days and storage_class go together" % where)
        if rule["storage_class"] in ("STANDARD_IA", "ONEZONE_IA") and (rule["transition_days"] or 0) < MIN_DAYS_BEFORE_IA:
            errors.append("%s.transition_days: S3 keeps objects %d days before %s; give %d or more"
                          % (where, MIN_DAYS_BEFORE_IA, rule["storage_class"], MIN_DAYS_BEFORE_IA))
        if rule["expiration_days"] and rule["transition_days"] and rule["expiration_days"] <= rule["transition_days"]:
            errors.append("%s.expiration_days: %d must come after transition_days %d" % (where, rule["expiration_days"], rule["transition_days"]))
        if rule["noncurrent_expiration_days"] and not versioning:
            errors.append("%s.noncurrent_expiration_days: the bucket keeps no noncurrent versions without versioning" % where)


def check_buckets(buckets, platform, errors):
    """Check every bucket (already type-checked) and return them with their names resolved."""
    checked, names = {}, {}
    for key, bucket in buckets.items():
        field = "platform.buckets.%s" % key
        if not BUCKET_KEY.match(key):
            errors.append("%s: the key must be 1-32 lowercase letters, digits and '-', starting and ending with a letter or digit" % field)
        name = bucket["bucket_name"] or "%s-%s" % (platform["id"], key)
        problem = bucket_name_problem(name)
        if problem:
            errors.append("%s.bucket_name: %r %s" % (field, name, problem))
        if name in names:
            errors.append("%s.bucket_name: %r is also the name of platform.buckets.%s" % (field, name, names[name]))
        names[name] = key
        kms = bucket["kms_key_arn"]
        # SSE-KMS takes a key in the bucket's region (S3 User Guide, "Specifying server-side encryption with AWS KMS").
        problem = kms and arn_problem(kms, "kms", platform["region"], same_region=True)
        if problem:
            errors.append("%s.kms_key_arn: %r %s" % (field, kms, problem))
        _check_cors(field, bucket["cors"], errors)
        _check_lifecycle(field, bucket["lifecycle"], bucket["versioning"], errors)
        checked[key] = dict(bucket, bucket_name=name)
    return checked
