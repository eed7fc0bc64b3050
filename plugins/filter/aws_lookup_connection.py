# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options of amazon.aws lookups, from the AWS environment a play gives its modules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# A play's `environment:` reaches modules only; a lookup runs in the controller and takes these as options.
OPTIONS = (("endpoint_url", "AWS_ENDPOINT_URL"), ("access_key", "AWS_ACCESS_KEY_ID"), ("secret_key", "AWS_SECRET_ACCESS_KEY"),
           ("session_token", "AWS_SESSION_TOKEN"), ("profile", "AWS_PROFILE"))


def aws_lookup_connection(environment):
    """Those of the options the environment sets (none: the controller's own credentials chain)."""
    environment = environment or {}
    return dict((option, environment[name]) for option, name in OPTIONS if environment.get(name))


class FilterModule(object):
    def filters(self):
        return {"aws_lookup_connection": aws_lookup_connection}
