"""Corrections where moto answers differently from AWS in ways the collection's modules notice.

Applied once when the emulator's app is created. Each correction names the AWS behaviour it
restores; tests/emulator checks each one.
"""


def ec2_tag_resource_types():
    """DescribeTags reports NAT gateways as `natgateway` and flow logs as `vpc-flow-log` on AWS.

    moto says `nat-gateway` and `flow-logs`, so a resource-type filter finds no tags and
    amazon.aws modules re-tag (and report a change) on every run.
    """
    from moto.ec2 import utils  # pylint: disable=import-outside-toplevel  # moto loads slowly

    utils.EC2_PREFIX_TO_RESOURCE.update({"nat": "natgateway", "fl": "vpc-flow-log"})


def iam_oidc_provider_client_ids():
    """IAM's AddClientIDToOpenIDConnectProvider and RemoveClientIDFromOpenIDConnectProvider.

    moto implements the other OpenID Connect provider operations but not these two (its server
    answers 500). As on AWS, both fail with NoSuchEntity for an unknown provider and are
    idempotent: adding a client id the provider has, or removing one it lacks, changes nothing.
    """
    # pylint: disable=import-outside-toplevel  # moto loads slowly
    from moto.core.responses import EmptyResult
    from moto.iam.models import IAMBackend
    from moto.iam.responses import IamResponse

    def add_client_id_to_open_id_connect_provider(backend, arn, client_id):
        provider = backend.get_open_id_connect_provider(arn)
        if client_id not in provider.client_id_list:
            provider.client_id_list.append(client_id)

    def remove_client_id_from_open_id_connect_provider(backend, arn, client_id):
        provider = backend.get_open_id_connect_provider(arn)
        if client_id in provider.client_id_list:
            provider.client_id_list.remove(client_id)

    def respond(operation):
        def handler(response):
            getattr(response.backend, operation)(
                response._get_param("OpenIDConnectProviderArn"),  # pylint: disable=protected-access
                response._get_param("ClientID"),  # pylint: disable=protected-access
            )
            return EmptyResult()

        handler.__name__ = operation
        return handler

    for operation in (add_client_id_to_open_id_connect_provider, remove_client_id_from_open_id_connect_provider):
        if not hasattr(IAMBackend, operation.__name__):
            setattr(IAMBackend, operation.__name__, operation)
        if not hasattr(IamResponse, operation.__name__):
            setattr(IamResponse, operation.__name__, respond(operation.__name__))


def apply_all():
    ec2_tag_resource_types()
    iam_oidc_provider_client_ids()
