#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: eks_version_info
short_description: EKS's Kubernetes version calendar, and whether a version can still be used
version_added: 0.1.0
description:
  - Reads EKS's Kubernetes version calendar with C(DescribeClusterVersions) (end-of-life versions
    included), so a playbook checks the version it asks for against AWS instead of a list written into
    the collection.
  - With O(version), fails when EKS no longer creates clusters at it (past the end of extended support,
    where EKS auto-upgrades clusters) or does not know it, naming the versions it does offer; warns when
    it is in extended support, which costs more per cluster hour, with the date it ends.
  - Only reads; the eks layer runs it before any layer changes anything.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  version:
    description:
      - A Kubernetes minor version, such as V(1.35), to check. Without it the module only returns the calendar.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: The module only reads.
  diff_mode:
    support: none
    description: The module only reads.
"""

EXAMPLES = r"""
- name: Refuse a Kubernetes version EKS no longer offers, before anything is built
  gameops.platform.eks_version_info:
    version: "1.35"

- name: Read the whole calendar
  gameops.platform.eks_version_info:
  register: eks_calendar
"""

RETURN = r"""
versions:
  description: Every Kubernetes version EKS lists, by minor version, oldest first.
  returned: always
  type: dict
  sample:
    "1.34": {status: EXTENDED_SUPPORT, default: false, release_date: "2025-10-02",
             end_of_standard_support: "2026-12-02", end_of_extended_support: "2027-12-02"}
    "1.35": {status: STANDARD_SUPPORT, default: true, release_date: "2026-01-27",
             end_of_standard_support: "2027-03-27", end_of_extended_support: "2028-03-27"}
creatable:
  description: The versions EKS creates clusters at and updates them to (standard or extended support), oldest first.
  returned: always
  type: list
  elements: str
  sample: ["1.32", "1.33", "1.34", "1.35"]
version:
  description: The calendar entry of O(version), with its minor version as C(name).
  returned: when O(version) is given and EKS offers it
  type: dict
  sample: {name: "1.35", status: STANDARD_SUPPORT, default: true, end_of_standard_support: "2027-03-27"}
"""

try:
    import botocore
except ImportError:
    pass  # Reported by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.gameops.platform.plugins.module_utils import eks


def describe(name, entry):
    if entry["status"] == "EXTENDED_SUPPORT":
        return "%s (extended support until %s)" % (name, entry["end_of_extended_support"])
    return "%s (standard support until %s)" % (name, entry["end_of_standard_support"])


def check_version(module, versions, creatable):
    """The calendar entry of the version asked for; fails when EKS cannot make a cluster at it."""
    name = module.params["version"]
    offered = ", ".join(describe(version, versions[version]) for version in creatable)
    entry = versions.get(name)
    if entry is None:
        module.fail_json(msg="EKS has no Kubernetes version %s; it offers %s" % (name, offered))
    if name not in creatable:
        module.fail_json(msg="EKS no longer supports Kubernetes %s: its extended support ended on %s, so EKS creates no cluster "
                             "at it and upgrades the ones it has; choose one of %s" % (name, entry["end_of_extended_support"], offered))
    if entry["status"] == "EXTENDED_SUPPORT":
        newest = creatable[-1]
        module.warn("Kubernetes %s is in EKS extended support until %s, billed at a higher rate per cluster hour; %s is in standard "
                    "support until %s" % (name, entry["end_of_extended_support"], newest, versions[newest]["end_of_standard_support"]))
    return dict(entry, name=name)


def main():
    module = AnsibleAWSModule(argument_spec=dict(version=dict(type="str")), supports_check_mode=True)
    try:
        versions = eks.eks_versions(eks.eks_client(module))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to read EKS's Kubernetes versions")
    versions = dict(sorted(versions.items(), key=lambda item: eks.version_key(item[0])))
    creatable = [name for name, entry in versions.items() if entry["status"] in ("STANDARD_SUPPORT", "EXTENDED_SUPPORT")]
    result = dict(changed=False, versions=versions, creatable=creatable)
    if module.params["version"]:
        result["version"] = check_version(module, versions, creatable)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
