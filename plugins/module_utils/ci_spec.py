# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``ci`` section of the platform spec: GitHub's names, and what the role may reach; no AWS call."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.gameops.platform.plugins.module_utils import aws_rules

# GitHub: an owner (user or organization) of at most 39 letters, digits and single hyphens, not at either end;
# a repository name of letters, digits, '.', '_' and '-'.
GITHUB_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
GITHUB_REPOSITORY = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
# git check-ref-format, and no wildcard: the trust matches the sub claim exactly.
BAD_REF = re.compile(r"(^[./-]|\.\.|[\x00-\x20~^:?*\[\\]|@\{|/\.|\.lock$|[./]$|//)")
ENVIRONMENT_NAME = re.compile(r"^[^\s,:*?\"'<>|\\/][^,:*?\"'<>|\\/]{0,254}$")


def _check_github(github, field, errors):
    owner, slash, name = github["repository"].partition("/")
    if not slash or not GITHUB_OWNER.match(owner) or not GITHUB_REPOSITORY.match(name) or name in (".", ".."):
        errors.append("%s.repository: %r is not a GitHub repository; give owner/name, as playcode-gg/playcode"
                      % (field, github["repository"]))
    for index, branch in enumerate(github["branches"]):
        if not branch or BAD_REF.search(branch):
            errors.append("%s.branches[%d]: %r is not a branch name the trust can match exactly (no wildcards, "
                          "spaces or ':'; git check-ref-format's rules)" % (field, index, branch))
    for index, environment in enumerate(github["environments"]):
        if not ENVIRONMENT_NAME.match(environment):
            errors.append("%s.environments[%d]: %r is not a GitHub environment name" % (field, index, environment))
    if not github["branches"] and not github["environments"]:
        errors.append("%s: give branches or environments; with neither, no run may assume the role" % field)


def _repositories(ci, platform, field, errors):
    registry = platform.get("registry")
    known = [repository["name"] for repository in (registry or {}).get("repositories") or []]
    if ci["repositories"] is None:
        return known
    if ci["repositories"] and registry is None:
        errors.append("%s.repositories: needs platform.registry (the registry layer), which the spec does not have" % field)
        return ci["repositories"]
    for index, name in enumerate(ci["repositories"]):
        if name not in known:
            errors.append("%s.repositories[%d]: %r is not a repository of platform.registry.repositories; allowed: %s"
                          % (field, index, name, ", ".join(known) or "none"))
    return ci["repositories"]


def _namespaces(ci, platform, field, errors):
    kubernetes = platform.get("kubernetes")
    if ci["namespaces"] is None:
        return [kubernetes["namespaces"]["apps"]] if kubernetes and platform.get("eks") else []
    if ci["namespaces"] and not platform.get("eks"):
        errors.append("%s.namespaces: needs platform.eks (the cluster of the access entry), which the spec does not have" % field)
    for index, namespace in enumerate(ci["namespaces"]):
        if not aws_rules.DNS_1123_LABEL.match(namespace):
            errors.append("%s.namespaces[%d]: %r is not a namespace name (a DNS label of at most 63 lowercase letters, "
                          "digits and '-')" % (field, index, namespace))
    return ci["namespaces"]


def check_ci(ci, platform, errors):
    """Registry check (meta/layers.yml): the section normalized, repositories and namespaces resolved."""
    field = "platform.ci"
    _check_github(ci["github"], field + ".github", errors)
    ci = dict(ci, repositories=_repositories(ci, platform, field, errors), namespaces=_namespaces(ci, platform, field, errors))
    if not ci["repositories"] and not ci["namespaces"]:
        errors.append("%s: the role could push to no repository and deploy to no namespace; give repositories "
                      "(with platform.registry) or namespaces (with platform.eks)" % field)
    return ci
