# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""EKS bearer tokens, made the way ``aws eks get-token`` makes them, without the AWS CLI.

Used by the ``eks_token`` lookup, and by the kubectl exec credential plugin of the kubeconfig the
``eks`` role writes (roles/eks/tasks/kubeconfig.yml), so that file holds no token and stays
the same from run to run.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime

TOKEN_PREFIX = "k8s-aws-v1."
K8S_AWS_ID_HEADER = "x-k8s-aws-id"
URL_EXPIRES_IN = 60


def _retrieve_k8s_aws_id(params, context, **kwargs):
    """Moves the cluster name from the call's parameters into the request context."""
    if K8S_AWS_ID_HEADER in params:
        context[K8S_AWS_ID_HEADER] = params.pop(K8S_AWS_ID_HEADER)


def _inject_k8s_aws_id_header(request, **kwargs):
    """Adds the cluster name header before signing, so that it is among the signed headers."""
    if K8S_AWS_ID_HEADER in request.context:
        request.headers[K8S_AWS_ID_HEADER] = request.context[K8S_AWS_ID_HEADER]


def register_k8s_aws_id_handlers(sts_client):
    """The event handlers `aws eks get-token` registers on its STS client."""
    events = sts_client.meta.events
    events.register("provide-client-params.sts.GetCallerIdentity", _retrieve_k8s_aws_id)
    events.register("before-sign.sts.GetCallerIdentity", _inject_k8s_aws_id_header)


def make_token(sts_client, cluster_name):
    """The bearer token for a cluster, from an STS client with the handlers registered."""
    url = sts_client.generate_presigned_url(
        "get_caller_identity",
        Params={K8S_AWS_ID_HEADER: cluster_name},
        ExpiresIn=URL_EXPIRES_IN,
        HttpMethod="GET",
    )
    return TOKEN_PREFIX + base64.urlsafe_b64encode(url.encode("utf-8")).decode("utf-8").rstrip("=")


def exec_credential(cluster_name, region):
    """The ExecCredential a kubectl exec plugin prints: a token that expires within 15 minutes."""
    import botocore.session  # pylint: disable=import-outside-toplevel  # only the CLI needs a session

    sts_client = botocore.session.get_session().create_client("sts", region_name=region)
    register_k8s_aws_id_handlers(sts_client)
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=14)
    return {
        "kind": "ExecCredential",
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "spec": {},
        "status": {"token": make_token(sts_client, cluster_name), "expirationTimestamp": expires.strftime("%Y-%m-%dT%H:%M:%SZ")},
    }
