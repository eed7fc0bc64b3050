# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An htpasswd line for nginx's auth_basic, computed the same way every run from a stored salt."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_bytes

# htpasswd splits a line at its first colon; nginx reads the user name up to it.
USER = re.compile(r"^[^:\s]+$")


def htpasswd(password, user, salt):
    """``user:{SSHA}base64(sha1(password + salt) + salt)``, the salted scheme nginx verifies itself (ngx_crypt).

    Ansible's password_hash needs passlib, which the controller may not have, and a hash with a fresh salt
    would change the secret holding it on every run; the caller keeps the salt with the password instead.
    SHA-1 is weak only for guessable passwords: the callers pass long random ones.
    """
    if not isinstance(user, str) or not USER.match(user):
        raise AnsibleFilterError("htpasswd: the user %r must be a non-empty name without ':' or spaces" % (user,))
    if not password:
        raise AnsibleFilterError("htpasswd: the password is empty")
    if not salt or len(to_bytes(salt)) < 8:
        raise AnsibleFilterError("htpasswd: the salt must have at least 8 bytes")
    salt = to_bytes(salt)
    digest = hashlib.sha1(to_bytes(password) + salt).digest()  # nosec: SSHA is the scheme nginx verifies
    return "%s:{SSHA}%s" % (user, base64.b64encode(digest + salt).decode("ascii"))


class FilterModule(object):
    def filters(self):
        return {"htpasswd": htpasswd}
