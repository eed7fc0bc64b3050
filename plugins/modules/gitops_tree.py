#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gitops_tree
short_description: Write a rendered directory in one call, and remove what is no longer rendered
version_added: 0.1.0
description:
  - Writes every file of O(files) under O(dest) whose text or mode differs, leaves the others untouched,
    and with O(prune) removes the files under O(dest) that are neither in O(files) nor in O(keep) (and
    the directories that leaves empty), so a GitOps tool reading the tree prunes what the spec dropped.
  - A file is given as text (C(content)) or as Kubernetes objects (C(objects)), written as YAML documents
    with sorted keys after O(header).
  - Each file is written to a temporary file beside it and renamed over it, so no reader sees half a file.
  - Runs on the controller (an action plugin), in one pass and with no module run, instead of a copy task
    per file; it refuses to run over a connection that is not local.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  dest:
    description: The directory of the tree; created when missing.
    type: path
    required: true
  files:
    description:
      - The files of the tree, each a dict with C(path), relative to O(dest) and inside it, and either
        C(content), the file's text, or C(objects), a list of Kubernetes objects.
    type: list
    elements: dict
    required: true
  header:
    description: Text written before the YAML documents of a file given as C(objects), such as a comment saying it is rendered.
    type: str
    default: ""
  keep:
    description: Paths relative to O(dest) that O(prune) leaves alone (files other tasks write there).
    type: list
    elements: str
    default: []
  prune:
    description: Whether files under O(dest) that are not in O(files) or O(keep) are removed.
    type: bool
    default: true
  mode:
    description: The octal mode of every file written.
    type: str
    default: "0644"
  directory_mode:
    description: The octal mode of the directories created.
    type: str
    default: "0755"
attributes:
  check_mode:
    support: full
    description: Reports what would be written and removed, and writes nothing.
  diff_mode:
    support: full
    description: A before and after for every file written or removed.
  platform:
    support: full
    platforms: posix
    description: Writes on the controller.
"""

EXAMPLES = r"""
- name: Write the addons' tree
  gameops.platform.gitops_tree:
    dest: /srv/gitops/queue-infra-prod/addons
    header: "# Rendered by gameops.platform from the platform spec: change the inventory, not this file.\n"
    files:
      - path: kustomization.yaml
        objects:
          - apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources: [namespace.yaml]
      - path: namespace.yaml
        objects:
          - {apiVersion: v1, kind: Namespace, metadata: {name: queue-system}}
      - path: config/settings.txt
        content: "retention=30d\n"
    keep: [releases/loki.yaml]
"""

RETURN = r"""
dest:
  description: The directory of the tree.
  returned: always
  type: str
written:
  description: The files written (or, in check mode, that would be), relative to O(dest).
  returned: always
  type: list
  elements: str
  sample: [namespace.yaml]
removed:
  description: The files removed (or, in check mode, that would be), relative to O(dest).
  returned: always
  type: list
  elements: str
  sample: [apps/old-app.yaml]
unchanged:
  description: How many of O(files) already had the text asked for.
  returned: always
  type: int
  sample: 12
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    """The work is done by the action plugin of the same name on the controller; this is its interface."""
    module = AnsibleModule(
        argument_spec=dict(
            dest=dict(type="path", required=True),
            files=dict(type="list", elements="dict", required=True),
            header=dict(type="str", default=""),
            keep=dict(type="list", elements="str", default=[]),
            prune=dict(type="bool", default=True),
            mode=dict(type="str", default="0644"),
            directory_mode=dict(type="str", default="0755"),
        ),
        supports_check_mode=True,
    )
    module.fail_json(msg="gameops.platform.gitops_tree runs on the controller as an action plugin; it cannot run as a module")


if __name__ == "__main__":
    main()
