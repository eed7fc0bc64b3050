# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``log_storage`` and ``registry`` sections of the platform spec: schema and checks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# ECR's own rule for repository names (CreateRepository), at 2 to 256 characters.
REPOSITORY_NAME = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")

LOG_STORAGE_OPTIONS = dict(
    bucket_name=dict(type="str"),
    retention_days=dict(type="int", default=30),
    kms_key_arn=dict(type="str", no_log=False),
    versioning=dict(type="bool", default=False),
)

REGISTRY_OPTIONS = dict(
    prefix=dict(type="str", default=""),
    repositories=dict(
        type="list",
        elements="dict",
        default=[],
        options=dict(
            name=dict(type="str", required=True),
            scan_on_push=dict(type="bool", default=True),
            image_tag_mutability=dict(type="str", default="IMMUTABLE", choices=["MUTABLE", "IMMUTABLE"]),
            keep_last=dict(type="int", default=30),
        ),
    ),
)


def check_log_storage(log_storage, platform_id, errors):
    if log_storage["retention_days"] < 1:
        errors.append("platform.log_storage.retention_days: %d; logs must be kept at least 1 day" % log_storage["retention_days"])
    bucket = log_storage["bucket_name"] or "%s-loki" % platform_id
    if not re.match(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", bucket):
        errors.append("platform.log_storage.bucket_name: %r is not a valid S3 bucket name" % bucket)
    return dict(log_storage, bucket_name=bucket)


def check_registry(registry, errors):
    for index, repository in enumerate(registry["repositories"]):
        name = "%s/%s" % (registry["prefix"], repository["name"]) if registry["prefix"] else repository["name"]
        if not (2 <= len(name) <= 256 and REPOSITORY_NAME.match(name)):
            errors.append("platform.registry.repositories[%d].name: %r is not a name ECR accepts "
                          "(lowercase letters, digits, '.', '_', '-' between them, '/' between parts)" % (index, name))
        if repository["keep_last"] < 1:
            errors.append("platform.registry.repositories[%d].keep_last: %d; keep at least 1 image" % (index, repository["keep_last"]))
    return registry
