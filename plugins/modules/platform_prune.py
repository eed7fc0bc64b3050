#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: platform_prune
short_description: Remove what a platform made of one kind and the spec no longer names
version_added: 0.2.0
description:
  - Lists the resources of one kind in the scope the API allows (a name prefix, a cluster), keeps those
    carrying every tag of O(match_tags), and removes those whose name is not in O(keep).
  - What the platform did not create (another tag, or none) is never touched, whatever its name.
  - A resource holding data (an ECR repository with images, an S3 bucket with objects or object versions)
    is removed only when its name is in O(confirmed); otherwise the module fails naming it, before
    removing anything. In check mode it only reports it (changed, diff, a warning).
  - >-
    Route 53 records (V(route53_record)) take no tags: each record the dns layer writes has an ownership marker, a TXT
    record at C(_gameops-<type>.<name>) whose value (C("heritage=gameops,gameops/platform=<id>,gameops/layer=<layer>"))
    stands for the tags C(gameops:platform) and C(gameops:layer). A record is found through its marker, named
    C(<name> <TYPE>) (as O(keep) names it), and removed with its marker in one change batch; a record without a
    marker of ours is never touched.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  resource_type:
    description: The kind of resource.
    type: str
    required: true
    choices: [acm_certificate, amp_rule_groups_namespace, ecr_repository, eks_access_entry, eks_addon, eks_nodegroup, route53_record, s3_bucket]
  match_tags:
    description:
      - Tags a resource must carry to be the platform's, for example C(gameops:platform) and the platform's id.
        An empty value matches any value of that key.
    type: dict
    required: true
  keep:
    description:
      - Names to keep (principal ARNs for V(eks_access_entry), ARNs for V(acm_certificate), C(<name> <TYPE>) for
        V(route53_record), such as C(www.example.com CNAME)), or with O(key_tag) keys; every other matching resource is
        removed.
    type: list
    elements: str
    default: []
  name_prefix:
    description: Only names starting with this are considered (V(ecr_repository), V(s3_bucket)).
    type: str
    default: ''
  names:
    description: Only these names are considered (a layer's one resource, such as the log_storage bucket).
    type: list
    elements: str
    default: []
  cluster_name:
    description: The cluster of the node groups, addons or access entries. Required for the V(eks_*) types.
    type: str
  workspace_id:
    description: The AMP workspace of the rule groups namespaces. Required for V(amp_rule_groups_namespace).
    type: str
  hosted_zone_id:
    description: The Route 53 hosted zone of the records. Required for V(route53_record).
    type: str
  confirmed:
    description:
      - Names of resources holding data whose loss the spec confirmed; with O(key_tag), their keys too.
    type: list
    elements: str
    default: []
  key_tag:
    description:
      - The tag whose value is a resource's key in the spec (C(gameops:bucket), C(gameops:certificate)), so that
        O(keep) and O(confirmed) can name a resource by its key (a bucket after it has left the spec, a certificate
        whose ARN the spec does not know).
    type: str
  remove_data:
    description:
      - Remove resources holding data without confirmation. A teardown sets it; a converge does not.
    type: bool
    default: false
  wait:
    description: Wait until each node group or addon is deleted.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for each node group or addon.
    type: int
    default: 1200
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Lists and reports what would be removed, without removing it or failing on data.
  diff_mode:
    support: full
    description: One diff per resource removed, its summary before and V({}) after.
notes:
  - The tags are the contract; the name prefix only narrows the listing.
"""

EXAMPLES = r"""
- name: Remove the repositories the spec no longer names
  gameops.platform.platform_prune:
    resource_type: ecr_repository
    name_prefix: queue-infra/
    match_tags:
      gameops:platform: queue-infra-prod
    keep: [queue-infra/queue-api]
    confirmed: [queue-infra/old-tool]

- name: Remove the node groups the spec no longer names
  gameops.platform.platform_prune:
    resource_type: eks_nodegroup
    cluster_name: queue-infra-prod
    match_tags:
      gameops:platform: queue-infra-prod
    keep: [general]

- name: Remove the records of the zone the spec no longer names (those with the platform's marker)
  gameops.platform.platform_prune:
    resource_type: route53_record
    hosted_zone_id: Z0123456789ABCDEFGHIJ
    match_tags:
      gameops:platform: queue-infra-prod
      gameops:layer: dns
    keep: [www.example.com CNAME]
"""

RETURN = r"""
removed:
  description: The names removed (in check mode, that would be removed).
  returned: always
  type: list
  elements: str
  sample: [queue-infra/old-tool]
with_data:
  description: Among them, those holding data.
  returned: always
  type: list
  elements: str
  sample: [queue-infra/old-tool]
ansible_facts:
  description: In check mode, C(platform_prune_plan_resources), an entry per resource to remove (C(type), C(name), C(before), C(after)).
  returned: check mode
  type: dict
  sample: {platform_prune_plan_resources: [{type: ecr repository, name: queue-infra/old-tool, before: {name: queue-infra/old-tool}, after: {}}]}
unconfirmed:
  description: Among those holding data, the ones not in O(confirmed) (in check mode, what a converge would refuse).
  returned: always
  type: list
  elements: str
  sample: []
"""

try:
    import botocore
except ImportError:
    pass  # Reported by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.gameops.platform.plugins.module_utils import prune


def refusal(unconfirmed):
    return ("These hold data and the spec no longer names them: %s. Nothing was removed. To remove them with their data, "
            "add each to platform.confirm_removal (for example the layer's key, such as buckets.<key> or registry.<name>), "
            "or keep them in the spec." % ", ".join(unconfirmed))


def ensure_pruned(module, kind, client):
    params = module.params
    found = prune.unwanted(kind, client, params)
    with_data = [name for name, summary, data in found if data]
    confirmed = set(params["confirmed"])
    unconfirmed = [] if params["remove_data"] else [
        name for name, summary, data in found if data and name not in confirmed and summary.get("key", name) not in confirmed]
    if unconfirmed and module.check_mode:
        module.warn(refusal(unconfirmed))
    elif unconfirmed:
        module.fail_json(msg=refusal(unconfirmed), removed=[], with_data=with_data, unconfirmed=unconfirmed)
    if not module.check_mode:
        for name, summary, data in found:
            kind.remove(client, name, params)
    diff = [dict(before=dict(summary, has_data=data), after={}, before_header=name, after_header="(removed)") for name, summary, data in found]
    result = dict(changed=bool(found), removed=[item[0] for item in found], with_data=with_data, unconfirmed=unconfirmed, diff=diff)
    if module.check_mode:
        # One entry per resource for the plan callback (gameops.platform.plan), which shows each as a - line.
        result["ansible_facts"] = dict(platform_prune_plan_resources=[
            dict(type=params["resource_type"].replace("_", " "), name=name, before=dict(summary, has_data=data), after={})
            for name, summary, data in found])
    module.exit_json(**result)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            resource_type=dict(type="str", required=True, choices=sorted(prune.KINDS)),
            match_tags=dict(type="dict", required=True),
            keep=dict(type="list", elements="str", default=[]),
            name_prefix=dict(type="str", default=""),
            names=dict(type="list", elements="str", default=[]),
            cluster_name=dict(type="str"),
            workspace_id=dict(type="str"),
            hosted_zone_id=dict(type="str"),
            confirmed=dict(type="list", elements="str", default=[]),
            key_tag=dict(type="str", no_log=False),
            remove_data=dict(type="bool", default=False),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=1200),
        ),
        required_if=[("resource_type", "eks_nodegroup", ["cluster_name"]), ("resource_type", "eks_access_entry", ["cluster_name"]),
                     ("resource_type", "eks_addon", ["cluster_name"]),
                     ("resource_type", "amp_rule_groups_namespace", ["workspace_id"]),
                     ("resource_type", "route53_record", ["hosted_zone_id"])],
        supports_check_mode=True,
    )
    if not module.params["match_tags"]:
        module.fail_json(msg="match_tags must name at least one tag: without it, nothing tells the platform's resources from others")
    kind = prune.KINDS[module.params["resource_type"]]
    client = module.client(kind.service, retry_decorator=AWSRetry.jittered_backoff(catch_extra_error_codes=["ThrottlingException"]))
    try:
        ensure_pruned(module, kind, client)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, botocore.exceptions.WaiterError) as error:
        module.fail_json_aws(error, msg="Failed to prune the %s resources no longer in the spec" % module.params["resource_type"])


if __name__ == "__main__":
    main()
