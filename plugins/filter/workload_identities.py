# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fold the layers' workload identity contributions into the one list the workload_roles layer makes roles for."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

# IAM role names allow these characters; the role is <platform id>-<name>.
NAME = re.compile(r"^[\w+=,.@-]+$")


def _label(source):
    """A contribution file named from its role directory on, as the collection's docs name it."""
    index = source.rfind("roles/")
    return source[index:] if index >= 0 else source


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _policy_errors(policy, field):
    """An empty policy would give the component a role that can do nothing, or fail in IAM: refuse it."""
    if not isinstance(policy, dict):
        return ["%s: must be an IAM policy document (a mapping), got %r" % (field, policy)]
    statements = policy.get("Statement")
    if not statements:
        return ["%s.Statement: empty; give at least one statement with actions and resources" % field]
    errors = []
    for index, statement in enumerate(_as_list(statements)):
        where = "%s.Statement[%d]" % (field, index)
        if not isinstance(statement, dict):
            errors.append("%s: must be a mapping, got %r" % (where, statement))
            continue
        for allowed in (("Action", "NotAction"), ("Resource", "NotResource")):
            values = [value for key in allowed for value in _as_list(statement.get(key) or [])]
            if not values or any(not isinstance(value, str) or not value.strip() for value in values):
                errors.append("%s.%s: empty; give %s" % (where, allowed[0], " or ".join(allowed)))
    return errors


def _identity_errors(identity, field):
    if not isinstance(identity, dict):
        return ["%s: must be a mapping with name, namespace, service_account and policy" % field]
    errors = []
    for key in ("name", "namespace", "service_account"):
        value = identity.get(key)
        if not isinstance(value, str) or not value:
            errors.append("%s.%s: required, a non-empty string" % (field, key))
    if isinstance(identity.get("name"), str) and identity["name"] and not NAME.match(identity["name"]):
        errors.append("%s.name: %r; IAM role names allow letters, digits and +=,.@_-" % (field, identity["name"]))
    return errors + _policy_errors(identity.get("policy"), field + ".policy")


def _wanted(identity, field, errors):
    try:
        return boolean(identity.get("wanted", True), strict=True)
    except TypeError:
        errors.append("%s.wanted: %r is not a boolean" % (field, identity.get("wanted")))
        return False


def workload_identities(contributed, sources, extra=None):
    """The wanted identities of every contribution (in build order), then the extra ones, each checked.

    ``contributed`` holds each contribution file's content ({identities: [...]}), ``sources`` the files in
    the same order. Raises with every problem, each with the file and field it is in.
    """
    if len(contributed) != len(sources):
        raise AnsibleFilterError("workload_identities: %d contributions but %d sources" % (len(contributed), len(sources)))
    candidates, errors = [], []
    for content, source in zip(contributed, sources):
        identities = content.get("identities") if isinstance(content, dict) else None
        if not isinstance(identities, list):
            errors.append("%s: must hold `identities`, a list" % _label(source))
            continue
        for index, identity in enumerate(identities):
            # An entry may be a template that renders to several identities (one per app, app_identities).
            if isinstance(identity, list):
                candidates.extend(("%s: identities[%d][%d]" % (_label(source), index, inner), one) for inner, one in enumerate(identity))
            else:
                candidates.append(("%s: identities[%d]" % (_label(source), index), identity))
    candidates.extend(("workload_roles_extra[%d]" % index, identity) for index, identity in enumerate(extra or []))
    folded, seen = [], {}
    for field, identity in candidates:
        if isinstance(identity, dict) and isinstance(identity.get("name"), str):
            field = "%s (%s)" % (field, identity["name"])
        if not isinstance(identity, dict):
            errors.extend(_identity_errors(identity, field))
            continue
        # An identity that is not wanted may render with empty values (no workspace, no bucket): not checked.
        if not _wanted(identity, field, errors):
            continue
        found = _identity_errors(identity, field)
        errors.extend(found)
        if identity.get("name") in seen:
            errors.append("%s.name: %s is contributed twice (first by %s); each identity is one role" % (field, identity["name"], seen[identity["name"]]))
        seen.setdefault(identity.get("name"), field)
        if not found:
            folded.append(dict((key, identity[key]) for key in ("name", "namespace", "service_account", "policy")))
    if errors:
        raise AnsibleFilterError("workload identities refused:\n" + "\n".join(errors))
    return folded


def app_identities(apps, namespace, buckets, region, mail_identity_arn=""):
    """One identity per app that asks for one (``identity``), for its own service account (named after the app).

    ``buckets`` is the normalized ``platform.buckets`` (key -> bucket with ``bucket_name`` and ``kms_key_arn``). The app may
    put and get the objects of its buckets and nothing else on them (no list, no delete, no bucket settings), and send
    mail from the platform's SES identity only.
    """
    identities = []
    for app in apps or []:
        wanted = app.get("identity") or {}
        if not wanted:
            continue
        unknown = [key for key in wanted.get("buckets") or [] if key not in (buckets or {})]
        if unknown:
            raise AnsibleFilterError("app_identities: app %s names buckets the platform does not have: %s" % (app["name"], ", ".join(unknown)))
        chosen = [buckets[key] for key in wanted.get("buckets") or []]
        statements = []
        if chosen:
            statements.append({"Sid": "PutAndGetObjectsOfItsBuckets", "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
                               "Resource": ["arn:aws:s3:::%s/*" % bucket["bucket_name"] for bucket in chosen]})
        keys = sorted(set(bucket["kms_key_arn"] for bucket in chosen if bucket.get("kms_key_arn")))
        if keys:
            # SSE-KMS buckets: the key, only as S3 uses it on the app's behalf.
            statements.append({"Sid": "UseTheBucketKeysThroughS3", "Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                               "Resource": keys, "Condition": {"StringEquals": {"kms:ViaService": "s3.%s.amazonaws.com" % region}}})
        if wanted.get("mail"):
            # SES authorizes sending on the identity the From address belongs to: only the platform's.
            statements.append({"Sid": "SendMailFromThePlatformIdentity", "Effect": "Allow", "Action": ["ses:SendEmail", "ses:SendRawEmail"],
                               "Resource": mail_identity_arn})
        identities.append({"name": "app-" + app["name"], "namespace": namespace, "service_account": app["name"],
                           "policy": {"Version": "2012-10-17", "Statement": statements}})
    return identities


class FilterModule(object):
    """Workload identity filters."""

    def filters(self):
        return {"workload_identities": workload_identities, "app_identities": app_identities}
