# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""EKS Pod Identity associations, found by namespace and service account: what the modules that make them share."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.gameops.platform.plugins.module_utils import eks


def find(client, cluster_name, namespace, service_account):
    """The association of the namespace and service account, described; None when there is none."""
    listed = eks.paginate(client, "list_pod_identity_associations", clusterName=cluster_name,
                          namespace=namespace, serviceAccount=service_account)["associations"]
    for summary in listed:
        if (summary["namespace"], summary["serviceAccount"]) == (namespace, service_account):
            return client.describe_pod_identity_association(
                aws_retry=True, clusterName=cluster_name, associationId=summary["associationId"])["association"]
    return None


def describe(association):
    """In snake case, with tags ({} when none); {} for no association."""
    if association is None:
        return {}
    result = eks.to_ansible(association)
    result.setdefault("tags", {})
    return result


def create(module, client, cluster_name, namespace, service_account, role_arn, tags):
    """Creates the association (in check mode, what it would be) and returns it described."""
    if module.check_mode:
        return dict(cluster_name=cluster_name, namespace=namespace, service_account=service_account,
                    role_arn=role_arn, association_arn=None, tags=tags or {})
    request = dict(clusterName=cluster_name, namespace=namespace, serviceAccount=service_account, roleArn=role_arn)
    if tags:
        request["tags"] = tags
    return describe(client.create_pod_identity_association(aws_retry=True, **request)["association"])


def update(module, client, before, role_arn, tags, purge_tags=True):
    """Points the association at role_arn (keeping it) and sets its tags; returns (changed, after)."""
    after = dict(before)
    changed = role_arn != before["role_arn"]
    if changed:
        after["role_arn"] = role_arn
        if not module.check_mode:
            client.update_pod_identity_association(aws_retry=True, clusterName=before["cluster_name"],
                                                   associationId=before["association_id"], roleArn=role_arn)
    tags_changed, after["tags"] = eks.ensure_tags(module, client, before["association_arn"], before["tags"], tags, purge_tags)
    changed |= tags_changed
    if changed and not module.check_mode:
        after = describe(client.describe_pod_identity_association(
            aws_retry=True, clusterName=before["cluster_name"], associationId=before["association_id"])["association"])
    return changed, after


def ensure(module, client, cluster_name, namespace, service_account, role_arn, tags, purge_tags=True):
    """The association made or updated; returns (changed, before, after). Refuses one an addon owns."""
    association = find(client, cluster_name, namespace, service_account)
    refuse_owned(module, association, namespace, service_account)
    before = describe(association)
    if association is None:
        return True, before, create(module, client, cluster_name, namespace, service_account, role_arn, tags)
    changed, after = update(module, client, before, role_arn, tags, purge_tags)
    return changed, before, after


def refuse_owned(module, association, namespace, service_account):
    if association and association.get("ownerArn"):
        module.fail_json(msg="The pod identity association of %s/%s is owned by the addon %s; manage it with the addon's "
                         "pod_identity_associations (gameops.platform.eks_addon)" % (namespace, service_account, association["ownerArn"]))
