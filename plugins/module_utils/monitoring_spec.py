# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``platform.kubernetes.observability.in_cluster``: Prometheus and Grafana run in the cluster instead of AMP and AMG.

Called by kubernetes_spec for the observability section; every message names its full path.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.gameops.platform.plugins.module_utils import grafana_dashboards

FIELD = "platform.kubernetes.observability.in_cluster"
# Prometheus's own duration syntax (units largest first, each at most once): 15s, 1h30m, 15d.
PROMETHEUS_DURATION = re.compile(r"^(?:([0-9]+)y)?(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?$")
DURATION_SECONDS = (365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001)
# The Prometheus operator's ByteSize (prometheusSpec.retentionSize): 512MB, 9.5GiB.
BYTE_SIZE = re.compile(r"^([0-9]*\.)?[0-9]+((K|M|G|T|P|E)i?)?B$")
BYTE_UNITS = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
              "Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60}
QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$")
QUANTITY_UNITS = dict(BYTE_UNITS, k=1e3)
# The operator's default scrape timeout; Prometheus refuses a timeout longer than the interval.
DEFAULT_SCRAPE_TIMEOUT = 10
GRAFANA_LOGIN = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
URL = re.compile(r"^https?://[^/\s:]+(:[0-9]{1,5})?(/\S*)?$")
# The dashboards' inputs as the in-cluster Grafana's provisioned data sources name them.
DATASOURCES = {"DS_PROMETHEUS": "prometheus", "DS_LOKI": "loki"}
# The one source tree of dashboards, shared with AMG (roles/grafana/files/dashboards).
DASHBOARDS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "roles", "grafana", "files", "dashboards")


def seconds(duration):
    """Seconds of a Prometheus duration, or None when it is not one (the empty string is not one)."""
    found = PROMETHEUS_DURATION.match(duration or "")
    if not duration or not found:
        return None
    return sum(int(value) * unit for value, unit in zip(found.groups(), DURATION_SECONDS) if value)


def byte_size(text):
    found = BYTE_SIZE.match(text or "")
    if not found:
        return None
    return float(text[:-1].rstrip("KMGTPEi") or 0) * BYTE_UNITS[found.group(2) or ""]


def quantity_bytes(text):
    found = QUANTITY.match(text or "")
    return float(found.group(1)) * QUANTITY_UNITS[found.group(2) or ""] if found else None


def known_dashboards(directory=DASHBOARDS_DIR):
    """uid -> (folder path, origin) of every dashboard in the source tree whose inputs the in-cluster Grafana maps."""
    found = {}
    for item in grafana_dashboards.load(grafana_dashboards.read_directory(directory), DATASOURCES):
        found[item.uid] = ("/".join(item.folder_path), item.origin)
    return found


def _check_prometheus(prometheus, errors):
    field = FIELD + ".prometheus"
    interval = seconds(prometheus["scrape_interval"])
    if not interval:
        errors.append("%s.scrape_interval: %r is not a Prometheus duration above zero (such as 15s or 1m)" % (field, prometheus["scrape_interval"]))
    retention = seconds(prometheus["retention"])
    if not retention:
        errors.append("%s.retention: %r is not a Prometheus duration above zero (such as 15d or 720h)" % (field, prometheus["retention"]))
    elif retention < 2 * 3600:
        errors.append("%s.retention: %r is shorter than Prometheus's two-hour blocks" % (field, prometheus["retention"]))
    storage = quantity_bytes(prometheus["storage"])
    if not storage:
        errors.append("%s.storage: %r is not a Kubernetes quantity of bytes (such as 20Gi)" % (field, prometheus["storage"]))
    size = prometheus["retention_size"]
    if size:
        limit = byte_size(size)
        if limit is None:
            errors.append("%s.retention_size: %r is not a size Prometheus takes (such as 9GB or 9GiB)" % (field, size))
        elif storage and limit >= storage:
            errors.append("%s.retention_size: %s does not fit in storage %s; the volume would fill before Prometheus deletes blocks"
                          % (field, size, prometheus["storage"]))
    timeout = prometheus["scrape_interval"] if interval and interval < DEFAULT_SCRAPE_TIMEOUT else "%ds" % DEFAULT_SCRAPE_TIMEOUT
    return dict(prometheus, scrape_timeout=timeout)


def _check_grafana(grafana, errors, directory):
    field = FIELD + ".grafana"
    if not GRAFANA_LOGIN.match(grafana["admin_user"]):
        errors.append("%s.admin_user: %r is not a Grafana login (1-64 letters, digits, '_', '.', '@' or '-')" % (field, grafana["admin_user"]))
    if grafana["url"] and not URL.match(grafana["url"]):
        errors.append("%s.url: %r is not an http(s):// URL" % (field, grafana["url"]))
    try:
        known = known_dashboards(directory)
    except grafana_dashboards.DashboardError as error:
        errors.append("%s.dashboards: the dashboards' source tree does not load: %s" % (field, error))
        return grafana
    seen, files = set(), []
    for index, uid in enumerate(grafana["dashboards"]):
        if uid in seen:
            errors.append("%s.dashboards[%d]: %r is listed twice" % (field, index, uid))
        elif uid not in known:
            errors.append("%s.dashboards[%d]: %r is not a dashboard of the source tree; known: %s" % (field, index, uid, ", ".join(sorted(known))))
        else:
            folder, origin = known[uid]
            # Relative to the tree: the role finds the tree where the collection is installed.
            files.append(dict(uid=uid, folder=folder, file=os.path.relpath(origin, directory).replace(os.sep, "/")))
        seen.add(uid)
    return dict(grafana, dashboard_files=files)


def check_in_cluster(in_cluster, observability, errors, directory=DASHBOARDS_DIR):
    """Check the in_cluster section (already type-checked; None when absent) and return it normalized."""
    if in_cluster is None:
        return None
    if not observability["enabled"]:
        errors.append("%s: needs platform.kubernetes.observability.enabled (Loki and Alloy run beside Prometheus and Grafana)" % FIELD)
    return dict(in_cluster, prometheus=_check_prometheus(in_cluster["prometheus"], errors),
                grafana=_check_grafana(in_cluster["grafana"], errors, directory))
