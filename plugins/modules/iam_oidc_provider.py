#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: iam_oidc_provider
short_description: Manage an IAM OpenID Connect identity provider
version_added: 0.1.0
description:
  - Ensures an IAM OpenID Connect (OIDC) identity provider for an issuer URL exists with the given
    client ids (audiences), thumbprints and tags, or that none exists.
  - The typical issuer is the one of an EKS cluster, C(https://oidc.eks.REGION.amazonaws.com/id/ID),
    which IAM roles for service accounts (IRSA) need.
  - The provider is found by its URL; its ARN is C(arn:PARTITION:iam::ACCOUNT:oidc-provider/URL)
    with the URL written without its C(https://) scheme.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  url:
    description:
      - The issuer URL of the identity provider, for example the C(identity.oidc.issuer) of an EKS
        cluster.
      - It must use C(https://); a URL without a scheme is taken as C(https://). A trailing C(/) is
        ignored.
    type: str
    required: true
    aliases: [issuer]
  state:
    description:
      - V(present) ensures the provider with the given settings; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  client_id_list:
    description:
      - The client ids (audiences) the provider accepts. The provider ends up with exactly these;
        client ids it has beyond them are removed.
      - V(sts.amazonaws.com) is the audience of the tokens EKS projects into pods for IAM roles for
        service accounts.
    type: list
    elements: str
    default: [sts.amazonaws.com]
  thumbprint_list:
    description:
      - SHA-1 fingerprints (40 hexadecimal digits) of the certificates of the issuer's TLS
        certificate chain; at most five.
      - The provider ends up with exactly these (compared without regard to case or order).
      - When omitted, a provider that is created gets V(9e99a48a9960b14926bb7f3b02e22da2b0ab7280),
        the thumbprint of the root certificate authority the EKS OIDC endpoints chain up to, and
        the thumbprints of an existing provider are left as they are. The module computes no
        thumbprint over the network.
      - For issuers whose certificate comes from a CA IAM trusts (as the EKS ones do), IAM no
        longer relies on the thumbprint, but older API versions and tooling still require one, so
        a well-known value is always sent.
    type: list
    elements: str
  claim:
    description:
      - For a provider several platforms share (IAM has one per account and URL, such as GitHub's
        C(token.actions.githubusercontent.com)), this user's claim on it, kept as the tag
        C(gameops:claimed-by:CLAIM) beside the claims of others, which are never purged.
      - With O(state=present), adds the claim. With O(state=absent), removes the claim and deletes the
        provider only when no claim is left on it, so one platform's teardown never takes the provider
        from under another.
      - Give O(tags) that do not name a platform (others share the provider), or none.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - IAM is a global service; O(region) only affects which endpoint the client uses.
attributes:
  check_mode:
    support: full
    description: Reports whether the provider would be created, updated or deleted, without doing so.
  diff_mode:
    support: full
    description: Returns the provider before and after, as in the return values.
"""

EXAMPLES = r"""
- name: Let the service accounts of an EKS cluster assume IAM roles
  gameops.platform.iam_oidc_provider:
    url: "{{ cluster.identity.oidc.issuer }}"
    tags:
      gameops:platform: queue-infra-prod
  register: oidc_provider

- name: Accept a second audience and pin the thumbprint
  gameops.platform.iam_oidc_provider:
    url: https://oidc.eks.ap-northeast-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE
    client_id_list:
      - sts.amazonaws.com
      - queue-api
    thumbprint_list:
      - 9e99a48a9960b14926bb7f3b02e22da2b0ab7280

- name: Share GitHub's provider with the other platforms of the account
  gameops.platform.iam_oidc_provider:
    url: https://token.actions.githubusercontent.com
    thumbprint_list: [6938fd4d98bab03faadb97b34396831e3780aea1, 1c58a3a8518e8759bf075b76b750d4f2df264fcd]
    claim: playcode-prod

- name: Drop this platform's claim; the provider goes with the last claim
  gameops.platform.iam_oidc_provider:
    url: https://token.actions.githubusercontent.com
    claim: playcode-prod
    state: absent

- name: Remove the provider of a deleted cluster
  gameops.platform.iam_oidc_provider:
    url: https://oidc.eks.ap-northeast-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE
    state: absent
"""

RETURN = r"""
arn:
  description:
    - The ARN of the provider.
    - With O(state=absent), the ARN of the deleted provider.
    - Null when there is no provider, and in check mode when the provider would be created.
  returned: always
  type: str
  sample: arn:aws:iam::123456789012:oidc-provider/oidc.eks.ap-northeast-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE
url:
  description:
    - The issuer URL as IAM reports it, without the C(https://) scheme; the prefix of the
      condition keys (C(URL:sub), C(URL:aud)) of role trust policies.
  returned: when O(state=present)
  type: str
  sample: oidc.eks.ap-northeast-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE
client_id_list:
  description: The client ids (audiences) of the provider, sorted.
  returned: when O(state=present)
  type: list
  elements: str
  sample: [sts.amazonaws.com]
thumbprint_list:
  description: The thumbprints of the provider, sorted.
  returned: when O(state=present)
  type: list
  elements: str
  sample: [9e99a48a9960b14926bb7f3b02e22da2b0ab7280]
tags:
  description: The tags of the provider.
  returned: when O(state=present)
  type: dict
  sample: {gameops:platform: queue-infra-prod}
claims:
  description: The claims left on the provider (O(claim)), sorted; empty when it was deleted or has none.
  returned: always
  type: list
  elements: str
  sample: [queue-infra-prod]
deleted:
  description: Whether the provider was (or in check mode would be) deleted.
  returned: when O(state=absent)
  type: bool
  sample: true
"""

import re

try:
    import botocore
except ImportError:
    pass  # Reported by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

# The root CA the EKS OIDC issuers' certificates chain up to (see the thumbprint_list option).
EKS_ROOT_CA_THUMBPRINT = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
THUMBPRINT = re.compile(r"^[0-9a-fA-F]{40}$")
# A platform's claim on a shared provider (the claim option): one tag per claim, never purged by another.
CLAIM_TAG_PREFIX = "gameops:claimed-by:"


def claims_of(tags):
    return sorted(key[len(CLAIM_TAG_PREFIX):] for key in tags if key.startswith(CLAIM_TAG_PREFIX))


def desired_tags(params):
    """The tags asked for, with the claim's tag; None to leave the tags alone."""
    if params["claim"] is None:
        return params["tags"]
    return dict(params["tags"] or {}, **{CLAIM_TAG_PREFIX + params["claim"]: "true"})


def normalize_url(module, url):
    """(URL to create the provider with, URL without scheme as IAM reports it and the ARN ends)."""
    url = url.strip().rstrip("/")
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "https", url
    if scheme.lower() != "https":
        module.fail_json(msg="The url of an OpenID Connect provider must use https://, not %s://" % scheme)
    host, slash, path = rest.partition("/")
    if not host:
        module.fail_json(msg="The url %r names no host" % url)
    bare = host.lower() + slash + path
    return "https://" + bare, bare


def describe(arn, provider):
    """The comparable view of a provider, as used in results and diffs; {} when there is none."""
    if provider is None:
        return {}
    return dict(
        arn=arn,
        url=provider["Url"],
        client_id_list=sorted(provider.get("ClientIDList", [])),
        thumbprint_list=sorted(thumbprint.lower() for thumbprint in provider.get("ThumbprintList", [])),
        tags=boto3_tag_list_to_ansible_dict(provider.get("Tags", [])),
    )


def get_provider(client, arn):
    try:
        return client.get_open_id_connect_provider(aws_retry=True, OpenIDConnectProviderArn=arn)
    except is_boto3_error_code("NoSuchEntity"):
        return None


def find_provider(client, bare_url):
    """(arn, provider) of the provider for the URL, or (None, None)."""
    listed = client.list_open_id_connect_providers(aws_retry=True)["OpenIDConnectProviderList"]
    for entry in listed:
        if entry["Arn"].partition(":oidc-provider/")[2] == bare_url:
            provider = get_provider(client, entry["Arn"])
            if provider is not None:
                return entry["Arn"], provider
    return None, None


def desired_thumbprints(module, current):
    """The thumbprints the provider should have, lower case; None to leave them alone."""
    thumbprints = module.params["thumbprint_list"]
    if thumbprints is None:
        return None if current is not None else [EKS_ROOT_CA_THUMBPRINT]
    bad = [thumbprint for thumbprint in thumbprints if not THUMBPRINT.match(thumbprint)]
    if bad:
        module.fail_json(msg="Thumbprints are 40 hexadecimal digits; not: %s" % ", ".join(bad))
    if not 1 <= len(set(thumbprints)) <= 5:
        module.fail_json(msg="An OpenID Connect provider has one to five thumbprints, not %d" % len(set(thumbprints)))
    return sorted(set(thumbprint.lower() for thumbprint in thumbprints))


def create_provider(module, client, url, bare_url):
    params = module.params
    client_ids = sorted(set(params["client_id_list"]))
    thumbprints = desired_thumbprints(module, None)
    tags = desired_tags(params) or {}
    after = dict(arn=None, url=bare_url, client_id_list=client_ids, thumbprint_list=thumbprints, tags=tags)
    if module.check_mode:
        return after
    request = dict(Url=url, ClientIDList=client_ids, ThumbprintList=thumbprints)
    if tags:
        request["Tags"] = ansible_dict_to_boto3_tag_list(tags)
    arn = client.create_open_id_connect_provider(aws_retry=True, **request)["OpenIDConnectProviderArn"]
    return describe(arn, get_provider(client, arn))


def update_provider(module, client, before):
    """Brings an existing provider in line; returns (changed, after)."""
    params = module.params
    arn = before["arn"]
    after = dict(before, tags=dict(before["tags"]))
    changed = False

    client_ids = sorted(set(params["client_id_list"]))
    to_add = [client_id for client_id in client_ids if client_id not in before["client_id_list"]]
    to_remove = [client_id for client_id in before["client_id_list"] if client_id not in client_ids]
    if to_add or to_remove:
        changed = True
        after["client_id_list"] = client_ids
        if not module.check_mode:
            for client_id in to_add:
                client.add_client_id_to_open_id_connect_provider(
                    aws_retry=True, OpenIDConnectProviderArn=arn, ClientID=client_id)
            for client_id in to_remove:
                client.remove_client_id_from_open_id_connect_provider(
                    aws_retry=True, OpenIDConnectProviderArn=arn, ClientID=client_id)

    thumbprints = desired_thumbprints(module, before)
    if thumbprints is not None and thumbprints != before["thumbprint_list"]:
        changed = True
        after["thumbprint_list"] = thumbprints
        if not module.check_mode:
            client.update_open_id_connect_provider_thumbprint(
                aws_retry=True, OpenIDConnectProviderArn=arn, ThumbprintList=thumbprints)

    tags = desired_tags(params)
    if tags is not None:
        to_set, to_unset = compare_aws_tags(before["tags"], tags, params["purge_tags"])
        # Other users' claims stay whatever this one asks.
        to_unset = [key for key in to_unset if not key.startswith(CLAIM_TAG_PREFIX)]
        if to_set or to_unset:
            changed = True
            for key in to_unset:
                after["tags"].pop(key, None)
            after["tags"].update(to_set)
            if not module.check_mode:
                if to_unset:
                    client.untag_open_id_connect_provider(
                        aws_retry=True, OpenIDConnectProviderArn=arn, TagKeys=to_unset)
                if to_set:
                    client.tag_open_id_connect_provider(
                        aws_retry=True, OpenIDConnectProviderArn=arn, Tags=ansible_dict_to_boto3_tag_list(to_set))

    if changed and not module.check_mode:
        after = describe(arn, get_provider(client, arn))
    return changed, after


def release_claim(module, client, arn, before):
    """Drops the claim (state=absent with a claim); deletes the provider with the last one. (changed, deleted)."""
    key = CLAIM_TAG_PREFIX + module.params["claim"]
    others = [claim for claim in claims_of(before["tags"]) if claim != module.params["claim"]]
    if others:
        if key not in before["tags"]:
            return False, False
        if not module.check_mode:
            client.untag_open_id_connect_provider(aws_retry=True, OpenIDConnectProviderArn=arn, TagKeys=[key])
        return True, False
    if not module.check_mode:
        client.delete_open_id_connect_provider(aws_retry=True, OpenIDConnectProviderArn=arn)
    return True, True


def ensure_absent(module, client, arn, provider, before):
    """(changed, after, deleted) of state=absent."""
    if provider is None:
        return False, {}, False
    if module.params["claim"] is None:
        if not module.check_mode:
            client.delete_open_id_connect_provider(aws_retry=True, OpenIDConnectProviderArn=arn)
        return True, {}, True
    changed, deleted = release_claim(module, client, arn, before)
    if deleted:
        return changed, {}, True
    after = dict(before, tags=dict((k, v) for k, v in before["tags"].items() if k != CLAIM_TAG_PREFIX + module.params["claim"]))
    return changed, after, False


def main():
    argument_spec = dict(
        url=dict(type="str", required=True, aliases=["issuer"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        client_id_list=dict(type="list", elements="str", default=["sts.amazonaws.com"]),
        thumbprint_list=dict(type="list", elements="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        claim=dict(type="str"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    url, bare_url = normalize_url(module, module.params["url"])
    client = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())

    try:
        arn, provider = find_provider(client, bare_url)
        before = describe(arn, provider)
        deleted = False
        if module.params["state"] == "absent":
            changed, after, deleted = ensure_absent(module, client, arn, provider, before)
        elif provider is None:
            changed, after = True, create_provider(module, client, url, bare_url)
        else:
            changed, after = update_provider(module, client, before)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage the OpenID Connect provider for %s" % url)

    if module.params["state"] == "absent":
        result = dict(arn=arn, deleted=deleted)
    else:
        result = dict(after)
    result["claims"] = claims_of(after.get("tags") or {})
    module.exit_json(changed=changed, diff=dict(before=before, after=after), **result)


if __name__ == "__main__":
    main()
