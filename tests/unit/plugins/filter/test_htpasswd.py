"""The htpasswd filter: nginx's {SSHA} scheme, checked against a line computed with openssl."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.gameops.platform.plugins.filter.htpasswd import htpasswd

# (printf 'correct horse battery staple'; printf NaCl1234) | openssl sha1 -binary, the salt appended, base64.
OPENSSL_LINE = "grafana:{SSHA}9cB9FlWBO4S9Uy2lP3jZD3qHiZZOYUNsMTIzNA=="


def test_matches_the_line_openssl_computes():
    assert htpasswd("correct horse battery staple", "grafana", "NaCl1234") == OPENSSL_LINE


def test_the_same_inputs_give_the_same_line_and_another_salt_another():
    line = htpasswd("p" * 64, "grafana", "salt-one")
    assert htpasswd("p" * 64, "grafana", "salt-one") == line
    assert htpasswd("p" * 64, "grafana", "salt-two") != line


@pytest.mark.parametrize("password, user, salt, message", [
    ("pw", "gra:fana", "NaCl1234", "the user 'gra:fana' must be a non-empty name without ':' or spaces"),
    ("pw", "", "NaCl1234", "the user '' must be"),
    ("", "grafana", "NaCl1234", "the password is empty"),
    ("pw", "grafana", "short", "the salt must have at least 8 bytes"),
])
def test_refuses_bad_input(password, user, salt, message):
    with pytest.raises(AnsibleFilterError, match=message.replace("(", r"\(").replace("'", "'")):
        htpasswd(password, user, salt)
