# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the get-pip.py bootstrap script that ansible-test downloads.

ansible-test creates its sanity virtual environments without pip and then runs
``~/.ansible/test/cache/get_pip_<version>.py`` to put pip in. That script is normally fetched
from ci-files.testing.ansible.com, which cannot be reached here. tests/sanity.sh copies this
file into its place instead: it puts pip in with the interpreter's own ``ensurepip`` and then
upgrades it with ``pip install`` from the package index configured for pip on this machine.

It is called the way get-pip.py is: with pip install arguments plus get-pip's own
``--no-setuptools`` and ``--no-wheel``, which pip does not know and which are honoured here by
removing what ensurepip brought in.
"""

from __future__ import annotations

import os
import subprocess
import sys

# tests/sanity.sh only replaces a cached bootstrap script that carries this marker.
MARKER = "gameops-platform-offline-get-pip"

GET_PIP_ONLY_OPTIONS = ("--no-setuptools", "--no-wheel")


def run(args, env):
    """Run this interpreter with the given arguments, failing like get-pip.py on error."""
    status = subprocess.call([sys.executable] + args, env=env)
    if status != 0:
        sys.exit(status)


def main():
    """Bootstrap pip with ensurepip, then install the requested packages with it."""
    options = sys.argv[1:]
    pip_args = [option for option in options if option not in GET_PIP_ONLY_OPTIONS]
    env = dict(os.environ)
    # A PIP_CONFIG_FILE (os.devnull in isolated runs) would hide /etc/pip.conf and the user's
    # pip.conf, which hold the index and certificate settings of this machine.
    env.pop("PIP_CONFIG_FILE", None)
    run(["-m", "ensurepip", "--default-pip"], env)
    run(["-m", "pip", "install"] + pip_args, env)
    if "--no-setuptools" in options:
        run(["-m", "pip", "uninstall", "--yes", "--disable-pip-version-check", "setuptools"], env)


if __name__ == "__main__":
    main()
