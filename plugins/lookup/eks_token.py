# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
name: eks_token
short_description: Make a bearer token for the Kubernetes API of an EKS cluster
version_added: 0.1.0
description:
  - Returns, for each cluster name, the bearer token C(aws eks get-token) makes, with which the
    Kubernetes API of an EKS cluster authenticates the AWS identity of the caller.
  - The token is V(k8s-aws-v1.) followed by the URL-safe base64 encoding, without padding, of a
    pre-signed STS C(GetCallerIdentity) URL. The URL is signed with Signature Version 4 in its query
    string, expires after 60 seconds, and signs the header C(x-k8s-aws-id) whose value is the
    cluster name.
  - The URL uses the STS endpoint of the region, or O(endpoint_url). When O(endpoint_url) is not
    set, the C(AWS_ENDPOINT_URL_STS) and C(AWS_ENDPOINT_URL) environment variables botocore reads
    are honoured too.
  - No request is made; the credentials are only used to sign.
  - B(The token is a credential.) Anyone holding it can act on the cluster as the signing AWS
    identity until it expires. Never print or log it; use C(no_log) on tasks that set or pass it.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  _terms:
    description: Names of the EKS clusters to make tokens for.
    type: list
    elements: str
    required: true
extends_documentation_fragment:
  - amazon.aws.boto3
  - amazon.aws.common.plugins
  - amazon.aws.region.plugins
notes:
  - A region is required (O(region), C(AWS_REGION), C(AWS_DEFAULT_REGION) or the profile's
    configuration); the token is only accepted by clusters of that region's STS endpoint partition.
  - The Kubernetes API accepts a token for about 15 minutes after it is made, whatever the 60 second
    expiry of the URL says. Make a fresh one per play rather than caching it.
  - The returned value is secret; treat it as such (C(no_log), no C(debug) of it).
"""

EXAMPLES = r"""
- name: Make a token for the cluster (never log it)
  ansible.builtin.set_fact:
    eks_api_key: "{{ lookup('gameops.platform.eks_token', 'queue-infra-prod', region='ap-northeast-2') }}"
  no_log: true

- name: Talk to the cluster's Kubernetes API with it
  kubernetes.core.k8s_info:
    kind: Namespace
    host: "{{ cluster.endpoint }}"
    ca_cert: "{{ cluster_ca_file }}"
    api_key: "{{ eks_api_key }}"
  register: namespaces

- name: Tokens for several clusters, with a named profile
  ansible.builtin.set_fact:
    eks_api_keys: >-
      {{ query('gameops.platform.eks_token', 'queue-infra-prod', 'queue-infra-stage',
               profile='ops', region='ap-northeast-2') }}
  no_log: true
"""

RETURN = r"""
_raw:
  description:
    - One bearer token per cluster name, C(k8s-aws-v1.) followed by the base64url-encoded
      (unpadded) pre-signed STS URL.
    - B(Secret:) a credential for the cluster. Only handle it in tasks with C(no_log=true).
  type: list
  elements: str
  sample:
    - k8s-aws-v1.aHR0cHM6Ly9zdHMuYXAtbm9ydGhlYXN0LTIuYW1hem9uYXdzLmNvbS8_QWN0aW9uPUdldENhbGxlcklkZW50aXR5Ji4uLg
"""

try:
    import botocore
except ImportError:
    pass  # Reported by AWSLookupBase

from ansible.errors import AnsibleLookupError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.amazon.aws.plugins.plugin_utils.lookup import AWSLookupBase

from ansible_collections.gameops.platform.plugins.module_utils.eks_token import make_token, register_k8s_aws_id_handlers


class LookupModule(AWSLookupBase):
    def run(self, terms, variables=None, **kwargs):
        super().run(terms, variables, **kwargs)

        if not terms:
            raise AnsibleLookupError("eks_token needs the name of at least one EKS cluster")
        for term in terms:
            if not isinstance(term, str) or not term.strip():
                raise AnsibleLookupError("eks_token needs EKS cluster names, got %r" % (term,))

        if not self.region:
            raise AnsibleLookupError(
                "eks_token needs an AWS region (the region option, AWS_REGION, AWS_DEFAULT_REGION or the"
                " profile's region): the token is signed for the region's STS endpoint"
            )

        sts_client = self.client("sts")
        register_k8s_aws_id_handlers(sts_client)
        try:
            return [make_token(sts_client, term.strip()) for term in terms]
        except botocore.exceptions.NoCredentialsError:
            raise AnsibleLookupError("eks_token found no AWS credentials to sign the token with")
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            raise AnsibleLookupError("eks_token could not sign the token: %s" % to_native(error))
