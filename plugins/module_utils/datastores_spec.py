# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``datastores`` section of the platform spec: in-cluster MongoDB and Redis, their backup; no AWS call."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.gameops.platform.plugins.module_utils import aws_rules

# The seed's stores (PlayCode.gg): MongoDB 7 on 10 Gi, Redis 7 on 2 Gi. Redis 7.2 is the last 7.x under the BSD licence.
STORE_DEFAULTS = {
    "mongodb": {"version": "7.0", "volume_size": "10Gi",
                "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "1Gi"}}},
    "redis": {"version": "7.2", "volume_size": "2Gi",
              "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}},
}
ADDED_TAGS = {"the secrets": ["gameops:platform", "gameops:layer"]}
# A Kubernetes quantity (k8s.io/apimachinery resource.Quantity): a decimal number and a binary-SI, decimal-SI
# or exponent suffix.
QUANTITY = re.compile(r"^\+?(?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$")
SUFFIXES = {"Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60, "n": 1e-9, "u": 1e-6, "m": 1e-3,
            "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}
# gp3 volumes are 1 GiB to 16 TiB (EBS User Guide, "Amazon EBS General Purpose SSD volumes").
GP3_MIN, GP3_MAX = 2 ** 30, 16 * 2 ** 40
# Cron as the CronJob controller parses it (robfig/cron standard parser): five fields, or a macro.
CRON_MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
CRON_FIELDS = (("minute", 0, 59, None), ("hour", 0, 23, None), ("day of month", 1, 31, None),
               ("month", 1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")),
               ("day of week", 0, 6, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")))
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
VERSION = re.compile(r"^[0-9]+(\.[0-9]+){0,2}$")


def quantity_bytes(value):
    """The bytes a Kubernetes quantity stands for, or None when it is not one."""
    match = QUANTITY.match(str(value))
    if not match:
        return None
    suffix = match.group("suffix") or ""
    scale = 10 ** int(suffix[1:]) if suffix[:1] in ("e", "E") else SUFFIXES.get(suffix, 1)
    return float(match.group("number")) * scale


def _cron_value(text, names, low):
    if names and text.upper() in names:
        return names.index(text.upper()) + low
    return int(text) if text.isdigit() else None


def cron_problem(schedule):
    """Why the schedule is not cron syntax the CronJob controller takes, or None."""
    schedule = str(schedule).strip()
    if schedule.startswith(("TZ=", "CRON_TZ=")):
        return "carries a time zone; Kubernetes refuses TZ= in the schedule, give it in time_zone"
    if schedule.startswith("@"):
        return None if schedule in CRON_MACROS else "is not a cron macro (%s)" % ", ".join(CRON_MACROS)
    fields = schedule.split()
    if len(fields) != 5:
        return "has %d fields; cron takes five (minute hour day-of-month month day-of-week)" % len(fields)
    for text, (name, low, high, names) in zip(fields, CRON_FIELDS):
        for part in text.split(","):
            body, _slash, step = part.partition("/")
            if _slash and not (step.isdigit() and int(step) > 0):
                return "%s: %r has a step that is not a positive number" % (name, part)
            if body in ("*", "?") and (body == "*" or name in ("day of month", "day of week")):
                continue
            first, _dash, last = body.partition("-")
            values = [_cron_value(first, names, low)] + ([_cron_value(last, names, low)] if _dash else [])
            if None in values or any(not low <= v <= high for v in values) or (_dash and values[0] > values[1]):
                return "%s: %r is not a value or range within %d-%d" % (name, part, low, high)
    return None


def time_zone_problem(name):
    """Why the name is not a time zone of the IANA database the cluster's controller reads, or None."""
    # Imported here: zoneinfo is Python 3.9+, and module_utils is also imported by older interpreters' sanity checks.
    try:
        import zoneinfo  # pylint: disable=import-outside-toplevel
    except ImportError:  # pragma: no cover
        return None
    if not name or name.startswith(("/", ".")) or ".." in name:
        return "is not an IANA time zone name such as Asia/Seoul"
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return "is not a time zone of the IANA database, such as Asia/Seoul or UTC"
    return None


def _store(name, store, apps, users, errors):
    field = "platform.datastores.%s" % name
    checked = dict(store)
    for key, default in STORE_DEFAULTS[name].items():
        if not checked.get(key):
            checked[key] = default
    if not VERSION.match(checked["version"]):
        errors.append("%s.version: %r is not an image version such as %s" % (field, checked["version"], STORE_DEFAULTS[name]["version"]))
    size = quantity_bytes(checked["volume_size"])
    if size is None:
        errors.append("%s.volume_size: %r is not a Kubernetes quantity such as %s" % (field, checked["volume_size"], STORE_DEFAULTS[name]["volume_size"]))
    elif not GP3_MIN <= size <= GP3_MAX:
        errors.append("%s.volume_size: %r; a gp3 volume is 1Gi to 16Ti" % (field, checked["volume_size"]))
    consumers = users if checked.get("consumers") is None else checked["consumers"]
    for index, consumer in enumerate(consumers):
        if consumer not in apps:
            errors.append("%s.consumers[%d]: %r is not an app of platform.kubernetes.apps; have: %s"
                          % (field, index, consumer, ", ".join(apps) or "none"))
    checked["consumers"] = sorted(set(consumers))
    return checked


def check_datastores(datastores, platform, errors):
    """Check the section (already type-checked) against the kubernetes and buckets sections; return it normalized."""
    kubernetes = platform.get("kubernetes")
    if not kubernetes:
        errors.append("platform.datastores: needs platform.kubernetes, whose layer delivers the stores to the cluster")
        return datastores
    if not kubernetes["addons"]["external_secrets"]:
        errors.append("platform.datastores: needs platform.kubernetes.addons.external_secrets, which copies the passwords into the cluster")
    apps = [app["name"] for app in kubernetes.get("apps") or []]
    users = [app["name"] for app in kubernetes.get("apps") or [] if "datastores" in (app.get("uses") or [])]
    checked = dict(datastores)
    checked["namespace"] = datastores["namespace"] or kubernetes["namespaces"]["apps"]
    if not DNS_LABEL.match(checked["namespace"]):
        errors.append("platform.datastores.namespace: %r is not a Kubernetes namespace name (a DNS label)" % checked["namespace"])
    if checked.get("create_namespace") is None:
        checked["create_namespace"] = not (checked["namespace"] == kubernetes["namespaces"]["apps"] and apps)
    if not DNS_LABEL.match(datastores["storage_class"]):
        errors.append("platform.datastores.storage_class: %r is not a Kubernetes object name (a DNS label)" % datastores["storage_class"])
    if datastores["kms_key_arn"]:
        problem = aws_rules.arn_problem(datastores["kms_key_arn"], "kms", platform["region"], same_region=True)
        if problem:
            errors.append("platform.datastores.kms_key_arn: %s" % problem)
    aws_rules.check_tags(datastores["tags"], "platform.datastores.tags", ADDED_TAGS, errors)
    checked["scraper"] = dict(datastores["scraper"], namespace=datastores["scraper"]["namespace"] or kubernetes["namespaces"]["observability"])
    for name in ("mongodb", "redis"):
        checked[name] = _store(name, datastores[name], apps, users, errors)
    if not (checked["mongodb"]["enabled"] or checked["redis"]["enabled"]):
        errors.append("platform.datastores: enable mongodb or redis (or drop the section)")
    enabled = [name for name in ("mongodb", "redis") if checked[name]["enabled"]]
    for position, app in enumerate(kubernetes.get("apps") or []):
        if "datastores" in (app.get("uses") or []) and not any(app["name"] in checked[name]["consumers"] for name in enabled):
            errors.append("platform.kubernetes.apps[%d].uses: %r uses datastores but is a consumer of no enabled store "
                          "(platform.datastores.<store>.consumers)" % (position, app["name"]))
    backup = checked["backup"] = dict(datastores["backup"])
    if backup["enabled"] and checked["mongodb"]["enabled"]:
        problem = cron_problem(backup["schedule"])
        if problem:
            errors.append("platform.datastores.backup.schedule: %r is not cron syntax the CronJob controller takes: %s" % (backup["schedule"], problem))
        problem = time_zone_problem(backup["time_zone"])
        if problem:
            errors.append("platform.datastores.backup.time_zone: %r %s" % (backup["time_zone"], problem))
        buckets = platform.get("buckets") or {}
        if backup["bucket"] not in buckets:
            errors.append("platform.datastores.backup.bucket: %r is not a bucket of platform.buckets; have: %s"
                          % (backup["bucket"], ", ".join(sorted(buckets)) or "none (the spec has no buckets section)"))
        if backup["prefix"].startswith("/") or "*" in backup["prefix"]:
            errors.append("platform.datastores.backup.prefix: %r; give a key prefix without a leading '/' or '*', such as mongodb/" % backup["prefix"])
    return checked
