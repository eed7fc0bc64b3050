#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: acm_certificate_request
short_description: Request a public ACM certificate validated through DNS, and wait until it is issued
version_added: 0.1.0
description:
  - Ensures an AWS Certificate Manager (ACM) public certificate for O(domain_name) (and O(subject_alternative_names))
    exists, requested with DNS validation, tagged as asked; returns its ARN and the CNAME records that validate it.
  - The certificate is found again by its domain name and O(match_tags) among the account's certificates that are
    pending validation or issued, so a run after the first changes nothing. ACM cannot change the names of a
    certificate, so when the names differ a new certificate is requested and the old one deleted once it is no
    longer in use.
  - ACM issues the certificate only once the validation records resolve in public DNS. Create them (for example with
    M(amazon.aws.route53)) and run this module again with O(wait=true) to wait until the certificate is issued.
  - M(community.aws.acm_certificate) only imports certificates; this module requests them.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  domain_name:
    description: The certificate's domain name, such as C(queue.example.com) or C(*.example.com).
    type: str
    required: true
  subject_alternative_names:
    description: Further names the certificate covers, besides O(domain_name).
    type: list
    elements: str
    default: []
  key_algorithm:
    description: The algorithm of the certificate's key pair.
    type: str
    choices: [RSA_2048, EC_prime256v1, EC_secp384r1]
    default: RSA_2048
  match_tags:
    description:
      - Tags that tell this certificate from others for the same domain in the account, such as the owner's
        C(gameops:platform) and a key. A certificate for O(domain_name) is this one only when it has all of them.
      - With none, any certificate for O(domain_name) that is pending validation or issued is this one.
    type: dict
    default: {}
  state:
    description:
      - V(present) ensures the certificate is requested (and, with O(wait=true), issued); V(absent) deletes every
        certificate for O(domain_name) with O(match_tags).
      - ACM refuses to delete a certificate a load balancer or a distribution still uses; the module then fails and
        names the users.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description: Whether to wait until ACM has issued the certificate (its validation records must resolve by then).
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait for the issue with O(wait=true). ACM usually validates within minutes of the records
        resolving, and gives up after 72 hours.
      - A new certificate's validation records appear in ACM's answer seconds after the request; the module waits for
        them up to this long too.
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
    description: Reports whether a certificate would be requested, retagged or deleted, only reading; it does not wait.
  diff_mode:
    support: full
    description: Returns the certificate's names, key algorithm and tags before and after.
"""

EXAMPLES = r"""
- name: Request the ingress certificate
  gameops.platform.acm_certificate_request:
    domain_name: queue.example.com
    subject_alternative_names: [chat.example.com]
    match_tags:
      gameops:platform: queue-infra-prod
      gameops:certificate: ingress
    tags:
      gameops:platform: queue-infra-prod
      gameops:certificate: ingress
  register: ingress_certificate

- name: Create the validation records in the zone
  amazon.aws.route53:
    zone: example.com
    record: "{{ item.name }}"
    type: CNAME
    ttl: 300
    value: "{{ item.value }}"
    overwrite: true
  loop: "{{ ingress_certificate.certificate.validation_records | unique(attribute='name') }}"

- name: Wait until ACM has issued it
  gameops.platform.acm_certificate_request:
    domain_name: queue.example.com
    subject_alternative_names: [chat.example.com]
    match_tags:
      gameops:platform: queue-infra-prod
      gameops:certificate: ingress
    wait: true

- name: The CloudFront certificate, which must be in us-east-1
  gameops.platform.acm_certificate_request:
    region: us-east-1
    domain_name: www.example.com
    match_tags:
      gameops:certificate: cdn

- name: Delete it
  gameops.platform.acm_certificate_request:
    domain_name: queue.example.com
    match_tags:
      gameops:platform: queue-infra-prod
      gameops:certificate: ingress
    state: absent
"""

RETURN = r"""
certificate:
  description:
    - The certificate; {} when there is none (after a deletion, or in check mode before the first request).
    - With O(state=absent), the certificate that was deleted, so its validation records can be removed too.
  returned: always
  type: dict
  contains:
    arn:
      description: The certificate's ARN.
      type: str
      sample: arn:aws:acm:ap-northeast-2:123456789012:certificate/6f1f5ab2-5b7e-4a4e-9a41-0d1c4c6ef8a1
    domain_name:
      description: Its domain name.
      type: str
      sample: queue.example.com
    subject_alternative_names:
      description: Every name it covers, the domain name first.
      type: list
      elements: str
      sample: [queue.example.com, chat.example.com]
    status:
      description: ACM's status, such as C(PENDING_VALIDATION) or C(ISSUED).
      type: str
      sample: ISSUED
    key_algorithm:
      description: The key pair's algorithm.
      type: str
      sample: RSA_2048
    in_use_by:
      description: The ARNs of the AWS resources that use it.
      type: list
      elements: str
      sample: []
    validation_records:
      description: Per name, the CNAME record ACM looks up to validate it (one record may serve several names).
      type: list
      elements: dict
      sample:
        - domain_name: queue.example.com
          name: _3b0a4b7e9f2c1d5e6a7b8c9d0e1f2a3b.queue.example.com.
          type: CNAME
          value: _8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f.mhbtsbpdnt.acm-validations.aws.
          status: PENDING_VALIDATION
    tags:
      description: Its tags.
      type: dict
      sample: {"gameops:platform": queue-infra-prod}
deleted:
  description: The ARNs of the certificates deleted (with O(state=absent), or replaced ones).
  returned: always
  type: list
  elements: str
  sample: []
"""

import uuid

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports it

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.gameops.platform.plugins.module_utils.waiting import WaitTimeout, wait_until

# A certificate that failed or timed out is not this one any more: a new one is requested.
LIVE_STATUSES = ["PENDING_VALIDATION", "ISSUED"]
# ListCertificates lists only RSA_1024 and RSA_2048 certificates unless asked for the other key types.
KEY_TYPES = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]
# Statuses ACM never leaves for ISSUED.
FINAL_STATUSES = ("FAILED", "VALIDATION_TIMED_OUT", "REVOKED", "EXPIRED", "INACTIVE")


def wanted_names(params):
    names = [params["domain_name"]]
    return names + [name for name in params["subject_alternative_names"] if name not in names]


def describe(client, arn):
    """The certificate as returned (see RETURN); None when it is gone."""
    try:
        certificate = client.describe_certificate(aws_retry=True, CertificateArn=arn)["Certificate"]
        tags = client.list_tags_for_certificate(aws_retry=True, CertificateArn=arn).get("Tags", [])
    except is_boto3_error_code("ResourceNotFoundException"):
        return None
    records = [dict(domain_name=option["DomainName"], name=option["ResourceRecord"]["Name"], type=option["ResourceRecord"]["Type"],
                    value=option["ResourceRecord"]["Value"], status=option.get("ValidationStatus"))
               for option in certificate.get("DomainValidationOptions", []) if option.get("ResourceRecord")]
    return dict(arn=arn, domain_name=certificate["DomainName"], status=certificate["Status"],
                subject_alternative_names=certificate.get("SubjectAlternativeNames") or [certificate["DomainName"]],
                key_algorithm=certificate.get("KeyAlgorithm"), in_use_by=certificate.get("InUseBy", []),
                validation_records=records, validation_options=len(certificate.get("DomainValidationOptions", [])),
                tags=boto3_tag_list_to_ansible_dict(tags))


def find_certificates(client, params):
    """The account's live certificates for the domain that carry match_tags, newest first."""
    paginator = client.get_paginator("list_certificates")
    pages = paginator.paginate(CertificateStatuses=LIVE_STATUSES, Includes=dict(keyTypes=KEY_TYPES)).build_full_result()
    found = []
    for summary in pages.get("CertificateSummaryList", []):
        if summary["DomainName"] != params["domain_name"]:
            continue
        certificate = describe(client, summary["CertificateArn"])
        if certificate and all(certificate["tags"].get(key) == value for key, value in params["match_tags"].items()):
            found.append((summary.get("CreatedAt"), certificate))
    found.sort(key=lambda item: str(item[0] or ""), reverse=True)
    return [certificate for _created, certificate in found]


def same_names(certificate, params):
    return sorted(certificate["subject_alternative_names"]) == sorted(wanted_names(params)) \
        and certificate["key_algorithm"] == params["key_algorithm"]


def wanted_tags(params):
    tags = dict(params["match_tags"])
    tags.update(params["tags"] or {})
    return tags


def request_certificate(module, client):
    params = module.params
    request = dict(DomainName=params["domain_name"], ValidationMethod="DNS", KeyAlgorithm=params["key_algorithm"],
                   # A retry of this call within this run gets the same certificate, not a second one.
                   IdempotencyToken=uuid.uuid4().hex)
    if params["subject_alternative_names"]:
        request["SubjectAlternativeNames"] = wanted_names(params)
    tags = wanted_tags(params)
    if tags:
        request["Tags"] = ansible_dict_to_boto3_tag_list(tags)
    arn = client.request_certificate(aws_retry=True, **request)["CertificateArn"]
    # ACM adds the validation records to its answer seconds after the request.
    try:
        return wait_until(lambda: describe(client, arn),
                          lambda found: found is not None and len(found["validation_records"]) == found["validation_options"] > 0,
                          params["wait_timeout"], delay=5, what="the validation records of %s" % arn)
    except WaitTimeout as error:
        module.fail_json(msg=str(error), certificate=error.last or {})


def ensure_tags(module, client, certificate):
    params = module.params
    if params["tags"] is None and not params["match_tags"]:
        return False
    purge = params["purge_tags"] and params["tags"] is not None
    to_set, to_unset = compare_aws_tags(certificate["tags"], wanted_tags(module.params), purge)
    if not module.check_mode:
        if to_unset:
            client.remove_tags_from_certificate(aws_retry=True, CertificateArn=certificate["arn"], Tags=[dict(Key=key) for key in to_unset])
        if to_set:
            client.add_tags_to_certificate(aws_retry=True, CertificateArn=certificate["arn"], Tags=ansible_dict_to_boto3_tag_list(to_set))
    tags = dict((key, value) for key, value in certificate["tags"].items() if key not in to_unset)
    tags.update(to_set)
    certificate["tags"] = tags
    return bool(to_set or to_unset)


def delete_certificate(module, client, certificate, replaced=False):
    """Delete it; True when it went. A replaced certificate still in use stays, with a warning."""
    if certificate["in_use_by"] and replaced:
        module.warn("%s covers names the spec no longer gives, but %s still use it; delete it once they do not"
                    % (certificate["arn"], ", ".join(certificate["in_use_by"])))
        return False
    if module.check_mode:
        return True
    try:
        client.delete_certificate(aws_retry=True, CertificateArn=certificate["arn"])
    except is_boto3_error_code("ResourceInUseException"):
        module.fail_json(msg="ACM will not delete %s while %s use it: remove them (the ingress's load balancer) first"
                         % (certificate["arn"], ", ".join(certificate["in_use_by"]) or "other resources"))
    except is_boto3_error_code("ResourceNotFoundException"):  # pylint: disable=duplicate-except
        pass  # Gone in the meantime: what was asked for.
    return True


def wait_for_issue(module, client, certificate):
    def failure(found):
        return found["status"] if found["status"] in FINAL_STATUSES else None

    try:
        return wait_until(lambda: describe(client, certificate["arn"]), lambda found: found is not None and found["status"] == "ISSUED",
                          module.params["wait_timeout"], delay=15, failed=failure, what="ACM to issue %s" % certificate["arn"])
    except WaitTimeout as error:
        module.fail_json(msg="%s; are its validation records in a public zone that the domain's DNS delegates to?" % error,
                         certificate=public_view(error.last or certificate))


def ensure_present(module, client, found):
    matching = [certificate for certificate in found if same_names(certificate, module.params)]
    # Prefer an issued certificate to one still pending.
    matching.sort(key=lambda certificate: certificate["status"] != "ISSUED")
    changed, deleted = False, []
    if matching:
        certificate = matching[0]
        changed = ensure_tags(module, client, certificate)
    else:
        changed = True
        certificate = {} if module.check_mode else request_certificate(module, client)
    for other in found:
        if other["arn"] != certificate.get("arn") and delete_certificate(module, client, other, replaced=True):
            changed = True
            deleted.append(other["arn"])
    if certificate and module.params["wait"] and not module.check_mode and certificate["status"] != "ISSUED":
        certificate = wait_for_issue(module, client, certificate)
    return changed, certificate, deleted


def ensure_absent(module, client, found):
    deleted = [certificate["arn"] for certificate in found if delete_certificate(module, client, certificate)]
    return bool(deleted), (found[0] if found else {}), deleted


def public_view(certificate):
    return dict((key, value) for key, value in certificate.items() if key != "validation_options")


def diff_view(certificate):
    if not certificate:
        return {}
    return dict(domain_name=certificate["domain_name"], subject_alternative_names=sorted(certificate["subject_alternative_names"]),
                key_algorithm=certificate["key_algorithm"], tags=certificate["tags"])


def planned(module, before, after):
    """What the diff shows after: the certificate found or to be requested, as the parameters describe it."""
    params = module.params
    if params["state"] == "absent":
        return {}
    if after:
        return after
    return dict(domain_name=params["domain_name"], subject_alternative_names=wanted_names(params), key_algorithm=params["key_algorithm"],
                tags=wanted_tags(params) or (before or {}).get("tags", {}))


def main():
    argument_spec = dict(
        domain_name=dict(type="str", required=True),
        subject_alternative_names=dict(type="list", elements="str", default=[]),
        key_algorithm=dict(type="str", default="RSA_2048", choices=["RSA_2048", "EC_prime256v1", "EC_secp384r1"]),
        match_tags=dict(type="dict", default={}),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=1800),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("acm", retry_decorator=AWSRetry.jittered_backoff())

    try:
        found = find_certificates(client, module.params)
        before = next((certificate for certificate in found if same_names(certificate, module.params)), found[0] if found else {})
        before_view = diff_view(dict(before, tags=dict(before["tags"]))) if before else {}
        if module.params["state"] == "absent":
            changed, certificate, deleted = ensure_absent(module, client, found)
        else:
            changed, certificate, deleted = ensure_present(module, client, found)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage the ACM certificate for %s" % module.params["domain_name"])

    after = diff_view(planned(module, before, certificate if module.params["state"] == "present" else {}))
    module.exit_json(changed=changed, certificate=public_view(certificate) if certificate else {}, deleted=deleted,
                     diff=dict(before=before_view, after=after))


if __name__ == "__main__":
    main()
