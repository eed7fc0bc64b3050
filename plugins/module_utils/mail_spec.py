# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``mail`` section of the platform spec: the SES sending domain and where its DKIM records go; no AWS call."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.gameops.platform.plugins.module_utils import aws_rules
from ansible_collections.gameops.platform.plugins.module_utils.dns_spec import _name_problem, in_zone, normalized_name

# The tags the role adds to the identity besides the user's.
ADDED_TAGS = {"the SES identity": ["gameops:platform"]}
# SES signs mail with keys of at most 2048 bits; a wait longer than SES's 72 hours of retries is pointless.
MAX_WAIT = 72 * 3600


def check_mail(mail, platform, errors):
    """Check the sending domain (already type-checked) against the zone; return the section with the domain normalized."""
    domain = normalized_name(mail["domain"])
    problem = _name_problem(domain)
    if problem or "." not in domain:
        errors.append("platform.mail.domain: %r %s" % (mail["domain"], problem or "is a top-level domain; give the domain to send from, such as example.com"))
    zone = normalized_name((platform.get("dns") or {}).get("zone"))
    if zone and not problem and not in_zone(domain, zone):
        errors.append("platform.mail.domain: %r is outside the zone %s (platform.dns.zone), where its DKIM records would go"
                      % (mail["domain"], zone))
    aws_rules.check_tags(mail["tags"], "platform.mail.tags", ADDED_TAGS, errors)
    if not 1 <= mail["wait_timeout"] <= MAX_WAIT:
        errors.append("platform.mail.wait_timeout: %d; give 1 to %d seconds (SES stops trying after 72 hours)" % (mail["wait_timeout"], MAX_WAIT))
    return dict(mail, domain=domain)
