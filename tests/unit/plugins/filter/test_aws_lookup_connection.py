"""aws_lookup_connection: a play's AWS environment as lookup options."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.gameops.platform.plugins.filter.aws_lookup_connection import aws_lookup_connection


def test_the_set_variables_become_options():
    environment = {"AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_ACCESS_KEY_ID": "emulator", "AWS_SECRET_ACCESS_KEY": "s",
                   "AWS_SESSION_TOKEN": "", "AWS_DEFAULT_REGION": "ap-northeast-2"}
    assert aws_lookup_connection(environment) == {"endpoint_url": "http://127.0.0.1:5000", "access_key": "emulator", "secret_key": "s"}


def test_no_environment_leaves_the_controller_chain():
    assert aws_lookup_connection(None) == aws_lookup_connection({}) == {}
    assert aws_lookup_connection({"AWS_PROFILE": "prod"}) == {"profile": "prod"}
