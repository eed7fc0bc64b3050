# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""EKS updates of clusters and nodegroups: run them one after the other, wait for them, report them.

EKS runs one update of a cluster (or nodegroup) at a time and refuses another while one is in progress,
so each update waits for the one before it, whatever the module's ``wait`` says; ``wait`` only decides
whether the module also waits for the last one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import normalize_boto3_result

from ansible_collections.gameops.platform.plugins.module_utils.eks import wait_or_fail

KUBERNETES_VERSION = re.compile(r"^(\d+)\.(\d+)$")
# The members whose keys are data, not member names (tags, Kubernetes labels), in resources and in requests.
RESOURCE_DATA_MAPS = ("tags", "labels")
REQUEST_DATA_MAPS = ("tags", "addOrUpdateLabels")


def to_snake(resource, data_maps=RESOURCE_DATA_MAPS):
    """An EKS resource (or request) in snake case at every depth, but for the keys of the maps under
    ``data_maps``, which stay as they are; timestamps as ISO 8601 strings. {} for None."""

    def convert(value):
        if isinstance(value, list):
            return [convert(item) for item in value]
        if not isinstance(value, dict):
            return value
        keys = camel_dict_to_snake_dict(dict.fromkeys(value))
        return dict((snake, value[key] if key in data_maps else convert(value[key])) for key, snake in zip(value, keys))

    return convert(normalize_boto3_result(resource)) if resource else {}


def kubernetes_version(module, version, option="version"):
    """(major, minor) of a Kubernetes version such as 1.32; fails on anything else."""
    match = KUBERNETES_VERSION.match(str(version))
    if not match:
        module.fail_json(msg="%s must be a Kubernetes minor version such as 1.32, not %s" % (option, version))
    return int(match.group(1)), int(match.group(2))


def wait_for_update(module, client, update, cluster_name, nodegroup_name=None):
    """Waits until the update has succeeded; fails the module when it fails or is cancelled."""
    params = dict(name=cluster_name, updateId=update["id"])
    if nodegroup_name:
        params["nodegroupName"] = nodegroup_name

    def describe():
        return client.describe_update(aws_retry=True, **params)["update"]

    def failed(current):
        if current["status"] in ("Failed", "Cancelled"):
            errors = "; ".join(error.get("errorMessage", error.get("errorCode", "")) for error in current.get("errors", []))
            return "%s %s" % (current["status"], errors)
        return None

    what = "the %s of %s" % (update["type"], nodegroup_name or cluster_name)
    # EKS goes on with an update the wait gave up on: a rolling update of a nodegroup replaces its nodes a batch
    # (maxUnavailable) at a time, several minutes a batch, so a large nodegroup outlasts a wait_timeout that suits a
    # small one (aws-quickstart/quickstart-amazon-eks#377: 20 nodes took over an hour).
    timed_out = ("EKS goes on with update %s; run again to wait for it (no other update is started while it runs)%s"
                 % (update["id"], ", or give a wait_timeout that covers replacing every node, a batch of maxUnavailable nodes "
                    "every few minutes" if nodegroup_name else ""))
    return wait_or_fail(module, describe, lambda current: current["status"] == "Successful", failed, what=what, timed_out=timed_out)


def run_updates(module, client, calls, cluster_name, nodegroup_name=None):
    """Makes the update calls [(operation, client method name, request)] in order; returns what was done.

    Each call waits for the update before it. In check mode nothing is called and the entries say
    what would be: operation and request; otherwise they also hold the update as AWS reports it.
    """
    done, update = [], None
    for operation, method, request in calls:
        entry = dict(operation=operation, request=to_snake(request, REQUEST_DATA_MAPS))
        if not module.check_mode:
            if update is not None:
                done[-1]["update"] = to_snake(wait_for_update(module, client, update, cluster_name, nodegroup_name))
            update = getattr(client, method)(aws_retry=True, **request)["update"]
            entry["update"] = to_snake(update)
        done.append(entry)
    if update is not None and module.params["wait"]:
        done[-1]["update"] = to_snake(wait_for_update(module, client, update, cluster_name, nodegroup_name))
    return done
