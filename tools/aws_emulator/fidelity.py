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


def apply_all():
    ec2_tag_resource_types()
