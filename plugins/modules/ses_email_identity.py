#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ses_email_identity
short_description: Create an SES domain identity with Easy DKIM, and wait until it is verified for sending
version_added: 0.1.0
description:
  - Ensures an Amazon SES (API v2) email identity for the domain O(domain) exists, tagged as asked, with Easy DKIM
    (SES makes the key pair and rotates it); returns its three DKIM tokens and the CNAME records to publish, each
    C(<token>._domainkey.<domain>) pointing at C(<token>.dkim.amazonses.com).
  - SES verifies the domain once the three records resolve in public DNS. Create them (for example with
    M(amazon.aws.route53)) and run this module again with O(wait=true) to wait until the domain is verified for sending.
  - M(community.aws.ses_identity) uses the SES v1 API, which returns no DKIM tokens for a domain and cannot tag it.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  domain:
    description: The domain to send from, such as C(mail.example.com).
    type: str
    required: true
  state:
    description: V(present) ensures the identity exists (and, with O(wait=true), is verified); V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description: Whether to wait until SES has verified the domain for sending (its DKIM records must resolve by then).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait with O(wait=true). SES usually verifies within minutes of the records resolving, and gives up after 72 hours.
    type: int
    default: 1800
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports whether the identity would be created, retagged or deleted, only reading; it does not wait.
  diff_mode:
    support: full
    description: Returns the identity's domain and tags before and after.
"""

EXAMPLES = r"""
- name: Create the sending domain
  gameops.platform.ses_email_identity:
    domain: mail.example.com
    tags:
      gameops:platform: playcode-prod
  register: sending_domain

- name: Publish its DKIM records
  amazon.aws.route53:
    zone: example.com
    record: "{{ item.name }}"
    type: CNAME
    ttl: 1800
    value: "{{ item.value }}"
    overwrite: true
  loop: "{{ sending_domain.identity.dkim_records }}"

- name: Wait until SES has verified it
  gameops.platform.ses_email_identity:
    domain: mail.example.com
    wait: true

- name: Delete it
  gameops.platform.ses_email_identity:
    domain: mail.example.com
    state: absent
"""

RETURN = r"""
identity:
  description:
    - The identity; {} when there is none (after a deletion, or in check mode before the creation).
    - With O(state=absent), the identity that was deleted, so its DKIM records can be removed too.
  returned: always
  type: dict
  contains:
    arn:
      description: The identity's ARN, which IAM policies and TagResource take.
      type: str
      sample: arn:aws:ses:ap-northeast-2:123456789012:identity/mail.example.com
    domain:
      description: The domain.
      type: str
      sample: mail.example.com
    verified_for_sending:
      description: SES's VerifiedForSendingStatus, whether mail may be sent from the domain.
      type: bool
      sample: true
    verification_status:
      description: SES's VerificationStatus, such as C(PENDING) or C(SUCCESS).
      type: str
      sample: SUCCESS
    dkim_status:
      description: The DKIM status, such as C(PENDING), C(SUCCESS) or C(FAILED).
      type: str
      sample: PENDING
    dkim_signing_enabled:
      description: Whether SES signs the domain's mail with DKIM.
      type: bool
      sample: true
    dkim_tokens:
      description: The Easy DKIM tokens.
      type: list
      elements: str
      sample: [uq5ncqaw4cc2qe3rzxsszhttp4sa2odw]
    dkim_records:
      description: The CNAME records to publish, one per token.
      type: list
      elements: dict
      sample:
        - name: uq5ncqaw4cc2qe3rzxsszhttp4sa2odw._domainkey.mail.example.com
          type: CNAME
          value: uq5ncqaw4cc2qe3rzxsszhttp4sa2odw.dkim.amazonses.com
    tags:
      description: Its tags.
      type: dict
      sample: {"gameops:platform": playcode-prod}
"""

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports it

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.gameops.platform.plugins.module_utils.waiting import WaitTimeout, wait_until


def identity_arn(module):
    account_id, partition = get_aws_account_info(module)
    return "arn:%s:ses:%s:%s:identity/%s" % (partition, module.region, account_id, module.params["domain"])


def view(arn, domain, answer, tags):
    dkim = answer.get("DkimAttributes") or {}
    tokens = dkim.get("Tokens") or []
    records = [dict(name="%s._domainkey.%s" % (token, domain), type="CNAME", value="%s.dkim.amazonses.com" % token) for token in tokens]
    return dict(arn=arn, domain=domain, verified_for_sending=bool(answer.get("VerifiedForSendingStatus")),
                verification_status=answer.get("VerificationStatus"), dkim_status=dkim.get("Status"),
                dkim_signing_enabled=bool(dkim.get("SigningEnabled")), dkim_tokens=tokens, dkim_records=records,
                tags=boto3_tag_list_to_ansible_dict(tags))


def describe(client, arn, domain):
    """The identity as returned (see RETURN); None when there is none."""
    try:
        answer = client.get_email_identity(aws_retry=True, EmailIdentity=domain)
        tags = client.list_tags_for_resource(aws_retry=True, ResourceArn=arn).get("Tags", [])
    except is_boto3_error_code("NotFoundException"):
        return None
    return view(arn, domain, answer, tags)


def create_identity(module, client, arn):
    params = module.params
    request = dict(EmailIdentity=params["domain"])  # no DkimSigningAttributes: Easy DKIM
    if params["tags"]:
        request["Tags"] = ansible_dict_to_boto3_tag_list(params["tags"])
    answer = client.create_email_identity(aws_retry=True, **request)
    return view(arn, params["domain"], answer, request.get("Tags", []))


def ensure_tags(module, client, identity):
    params = module.params
    if params["tags"] is None:
        return False
    to_set, to_unset = compare_aws_tags(identity["tags"], params["tags"], params["purge_tags"])
    if not module.check_mode:
        if to_unset:
            client.untag_resource(aws_retry=True, ResourceArn=identity["arn"], TagKeys=to_unset)
        if to_set:
            client.tag_resource(aws_retry=True, ResourceArn=identity["arn"], Tags=ansible_dict_to_boto3_tag_list(to_set))
    tags = dict((key, value) for key, value in identity["tags"].items() if key not in to_unset)
    tags.update(to_set)
    identity["tags"] = tags
    return bool(to_set or to_unset)


def wait_for_verification(module, client, identity):
    def failure(found):
        return "DKIM status FAILED" if found["dkim_status"] == "FAILED" else None

    try:
        return wait_until(lambda: describe(client, identity["arn"], identity["domain"]),
                          lambda found: found is not None and found["verified_for_sending"],
                          module.params["wait_timeout"], delay=15, failed=failure, what="SES to verify %s" % identity["domain"])
    except WaitTimeout as error:
        module.fail_json(msg="%s; are its DKIM records in a public zone that the domain's DNS delegates to?" % error,
                         identity=error.last or identity)


def ensure_present(module, client, arn, found):
    if found:
        identity, changed = found, ensure_tags(module, client, found)
    else:
        identity, changed = ({} if module.check_mode else create_identity(module, client, arn)), True
    if identity and module.params["wait"] and not module.check_mode and not identity["verified_for_sending"]:
        identity = wait_for_verification(module, client, identity)
    return changed, identity


def ensure_absent(module, client, found):
    if not found:
        return False, {}
    if not module.check_mode:
        try:
            client.delete_email_identity(aws_retry=True, EmailIdentity=found["domain"])
        except is_boto3_error_code("NotFoundException"):
            pass  # Gone in the meantime: what was asked for.
    return True, found


def diff_view(identity):
    return dict(domain=identity["domain"], tags=identity["tags"]) if identity else {}


def main():
    argument_spec = dict(
        domain=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=1800),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("sesv2", retry_decorator=AWSRetry.jittered_backoff())
    module.params["domain"] = module.params["domain"].strip().lower().rstrip(".")

    try:
        arn = identity_arn(module)
        found = describe(client, arn, module.params["domain"])
        before = diff_view(dict(found, tags=dict(found["tags"]))) if found else {}
        if module.params["state"] == "absent":
            changed, identity = ensure_absent(module, client, found)
            after = {}
        else:
            changed, identity = ensure_present(module, client, arn, found)
            after = diff_view(identity) or dict(domain=module.params["domain"], tags=module.params["tags"] or {})
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage the SES identity %s" % module.params["domain"])

    module.exit_json(changed=changed, identity=identity, diff=dict(before=before, after=after))


if __name__ == "__main__":
    main()
