#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: eks_pod_identity_association
short_description: Manage an Amazon EKS Pod Identity association
version_added: 0.1.0
description:
  - Ensures a Kubernetes service account of an EKS cluster gets an IAM role through EKS Pod Identity,
    or that it has no pod identity association.
  - The association is found by its namespace and service account; a different role is set with
    C(UpdatePodIdentityAssociation), keeping the association.
  - The associations an addon owns are managed through the addon (M(gameops.platform.eks_addon)); this
    module refuses to change them.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  cluster_name:
    description: The name of the EKS cluster.
    type: str
    required: true
  namespace:
    description: The Kubernetes namespace of the service account.
    type: str
    required: true
  service_account:
    description: The name of the Kubernetes service account.
    type: str
    required: true
  role_arn:
    description:
      - The IAM role the service account's pods get. Its trust policy must let the principal
        C(pods.eks.amazonaws.com) call C(sts:AssumeRole) and C(sts:TagSession).
      - Required with O(state=present).
    type: str
  state:
    description:
      - V(present) ensures the association; V(absent) deletes it.
      - With V(absent), a cluster that does not exist has no association to delete.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports whether the association would be created, updated, retagged or deleted, without doing so.
  diff_mode:
    support: full
    description: Returns the association's namespace, service account, role, ARN and tags before and after.
"""

EXAMPLES = r"""
- name: Let the queue workers use their IAM role
  gameops.platform.eks_pod_identity_association:
    cluster_name: queue-infra-prod
    namespace: queue
    service_account: worker
    role_arn: arn:aws:iam::123456789012:role/queue-infra-prod-worker
    tags:
      gameops:platform: queue-infra-prod

- name: Remove it
  gameops.platform.eks_pod_identity_association:
    cluster_name: queue-infra-prod
    namespace: queue
    service_account: worker
    state: absent
"""

RETURN = r"""
association:
  description:
    - The association as C(DescribePodIdentityAssociation) returns it, in snake case; empty when there is none.
    - In check mode, what the association would be; values only AWS knows are missing or null.
  returned: always
  type: dict
  sample:
    cluster_name: queue-infra-prod
    namespace: queue
    service_account: worker
    role_arn: arn:aws:iam::123456789012:role/queue-infra-prod-worker
    association_id: a-0123456789abcdefg
    association_arn: arn:aws:eks:ap-northeast-2:123456789012:podidentityassociation/queue-infra-prod/a-0123456789abcdefg
    disable_session_tags: false
    tags: {gameops:platform: queue-infra-prod}
    created_at: "2025-01-01T00:00:00+00:00"
    modified_at: "2025-01-01T00:00:00+00:00"
"""

try:
    import botocore
except ImportError:
    pass  # Reported by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.gameops.platform.plugins.module_utils import eks
from ansible_collections.gameops.platform.plugins.module_utils import pod_identity

DIFF_KEYS = ("namespace", "service_account", "role_arn", "association_arn", "tags")


def diff_view(result):
    return dict((key, result.get(key)) for key in DIFF_KEYS) if result else {}


def main():
    argument_spec = dict(
        cluster_name=dict(type="str", required=True),
        namespace=dict(type="str", required=True),
        service_account=dict(type="str", required=True),
        role_arn=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, required_if=[["state", "present", ["role_arn"]]],
                              supports_check_mode=True)
    params = module.params
    client = eks.eks_client(module)
    target = "%s/%s" % (params["namespace"], params["service_account"])

    try:
        cluster = eks.require_cluster(module, client, params["cluster_name"])
        if params["state"] == "absent":
            association = pod_identity.find(client, params["cluster_name"], params["namespace"], params["service_account"]) if cluster else None
            pod_identity.refuse_owned(module, association, params["namespace"], params["service_account"])
            before, changed, after = pod_identity.describe(association), association is not None, {}
            if association and not module.check_mode:
                client.delete_pod_identity_association(aws_retry=True, clusterName=params["cluster_name"],
                                                       associationId=association["associationId"])
        else:
            changed, before, after = pod_identity.ensure(module, client, params["cluster_name"], params["namespace"],
                                                         params["service_account"], params["role_arn"], params["tags"], params["purge_tags"])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage the pod identity association of %s on EKS cluster %s"
                             % (target, params["cluster_name"]))

    module.exit_json(changed=changed, association=after, diff=dict(before=diff_view(before), after=diff_view(after)))


if __name__ == "__main__":
    main()
