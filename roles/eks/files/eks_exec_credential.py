#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubectl exec credential plugin: prints an ExecCredential with a fresh EKS token.

usage: eks_exec_credential.py CLUSTER REGION (with the collections directory on PYTHONPATH)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import sys

from ansible_collections.gameops.platform.plugins.module_utils.eks_token import exec_credential


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: eks_exec_credential.py CLUSTER REGION")
    print(json.dumps(exec_credential(argv[0], argv[1])))


if __name__ == "__main__":
    main(sys.argv[1:])
