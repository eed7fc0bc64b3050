# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preflight: the whole platform spec checked against the layer registry, before any AWS call.

Each present section is checked against its role's ``<role>_spec`` argument spec, then by the layer's
semantic checks; every problem of every section is reported at once, each with its full field path.
"""

import re

from ansible_collections.gameops.platform.plugins.module_utils import aws_rules
from ansible_collections.gameops.platform.plugins.plugin_utils import layers as layer_registry
from ansible_collections.gameops.platform.plugins.plugin_utils.spec_validation import validate as validate_options

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")

# Tag keys the collection puts on everything it creates; teardown finds resources by them.
PLATFORM_TAG = "gameops:platform"
MANAGED_BY_TAG = "gameops:managed-by"
# The most keys a role adds beside the platform's tags, by resource: counted with the user's tags against
# AWS's 50 per resource (roles/network/tasks/present.yml and vars, roles/buckets, roles/cache, roles/eks).
ADDED_TAGS = {
    "the subnets": (PLATFORM_TAG, MANAGED_BY_TAG, "Name", "gameops:tier", "kubernetes.io/role/internal-elb"),
    "the buckets": (PLATFORM_TAG, MANAGED_BY_TAG, "gameops:bucket"),
    "the cache": (PLATFORM_TAG, MANAGED_BY_TAG, "Name"),
}

# The keys of a spec that belong to no layer.
CORE_OPTIONS = dict(
    name=dict(type="str", required=True),
    environment=dict(type="str", required=True),
    region=dict(type="str", required=True),
    tags=dict(type="dict", default={}),
    # Converge removes what the spec no longer names (false: additive runs); what holds data goes only when
    # confirm_removal names it: a layer (cache, log_storage) or one of its entries (buckets.uploads, registry.queue-api).
    prune=dict(type="bool", default=True),
    confirm_removal=dict(type="list", elements="str", default=[]),
)


class Problems(list):
    """The errors found so far, and beside them ``warnings``: what AWS takes but the user should hear about."""

    def __init__(self):
        super().__init__()
        self.warnings = []


class SpecError(ValueError):
    """The spec was refused; ``errors`` lists every problem found, each naming its field."""

    def __init__(self, errors):
        super().__init__("; ".join(errors))
        self.errors = errors


def _check_name(value, field, errors):
    if isinstance(value, str) and not NAME_PATTERN.match(value):
        errors.append("%s: %r must be 2-32 characters of lowercase letters, digits and '-', starting with a letter" % (field, value))


def _check_confirm_removal(entries, registry, errors):
    """Each entry is a layer's name, or a layer's name, a dot and the key of one of its resources."""
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        layer, _dot, key = str(entry).partition(".")
        if layer not in registry or (_dot and not key):
            errors.append("platform.confirm_removal[%d]: %r must be a layer (%s) or <layer>.<name>, such as buckets.uploads"
                          % (index, entry, ", ".join(registry)))


def _sections(registry):
    """Top-level key -> the layers under it (a layer with section a.b sits under a)."""
    tops = {}
    for layer in registry.values():
        if layer.section:
            tops.setdefault(layer.section[0], []).append(layer)
    return tops


def _unknown_keys(spec, registry, errors):
    tops = _sections(registry)
    allowed = sorted(set(CORE_OPTIONS) | set(tops))
    for key in spec:
        if key not in CORE_OPTIONS and key not in tops:
            errors.append("platform.%s: unknown key; allowed here: %s" % (key, ", ".join(allowed)))
            continue
        nested = [layer.section[1] for layer in tops.get(key, []) if len(layer.section) > 1]
        if nested and spec[key] is not None:
            if not isinstance(spec[key], dict):
                errors.append("platform.%s: must be a mapping of %s" % (key, ", ".join(nested)))
                continue
            for sub in spec[key]:
                if sub not in nested:
                    errors.append("platform.%s.%s: unknown key; allowed here: %s" % (key, sub, ", ".join(sorted(nested))))


def _given(spec, section):
    value = spec
    for key in section:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _place(normalized, section, value):
    target = normalized
    for key in section[:-1]:
        target = target.setdefault(key, {})
    target[section[-1]] = value


def _validate_section(layer, given, errors):
    """The section checked against its role's spec; a keyed section maps names to entries, each checked."""
    if not layer.keyed:
        return validate_options(layer.schema(), given, layer.field, errors)
    if not isinstance(given, dict):
        errors.append("%s: must be a mapping of names to entries, got %s" % (layer.field, type(given).__name__))
        return {}
    return dict((name, validate_options(layer.schema(), entry, "%s.%s" % (layer.field, name), errors)) for name, entry in given.items())


def _collapse(platform, registry):
    """A top-level key whose nested sections are all absent is absent too (``observability: null``)."""
    for top, under in _sections(registry).items():
        if any(len(layer.section) > 1 for layer in under) and not any((platform.get(top) or {}).values()):
            platform[top] = None


def preflight(spec, registry=None, warnings=None):
    """Check a platform spec and return ``(platform, plan)``: the spec normalized, and the layers' plan.

    Raises SpecError naming every problem: unknown keys, types and choices by the layers' schemas, then
    the layers' own checks, then what a layer needs and the spec lacks. What the checks only warn about
    is appended to ``warnings``, a list, when one is given.
    """
    registry = registry or layer_registry.load()
    if not isinstance(spec, dict):
        raise SpecError(["platform: must be a mapping, got %s" % type(spec).__name__])
    errors = Problems()
    _unknown_keys(spec, registry, errors)
    core = validate_options(CORE_OPTIONS, dict((key, spec[key]) for key in CORE_OPTIONS if key in spec), "platform", errors)
    _check_name(core.get("name"), "platform.name", errors)
    _check_name(core.get("environment"), "platform.environment", errors)
    _check_confirm_removal(core.get("confirm_removal"), registry, errors)
    if isinstance(core.get("tags"), dict):
        aws_rules.check_tags(core["tags"], "platform.tags", ADDED_TAGS, errors)
    platform = dict(core, id="%s-%s" % (core.get("name"), core.get("environment")))
    present, checks = set(), []
    for layer in registry.values():
        if not layer.section:
            continue
        _place(platform, layer.section, None)
        given = _given(spec, layer.section)
        if given is None:
            if layer.required:
                errors.append("%s: required" % layer.field)
            continue
        found_before = len(errors)
        _place(platform, layer.section, _validate_section(layer, given, errors))
        present.add(layer.name)
        if layer.checker() and len(errors) == found_before:
            checks.append(layer)
    # Every section is in place before the first check: a check may look at a section later in the registry
    # (the datastores layer's consumers are apps of the kubernetes section, which offers the apps its connection).
    for layer in checks:
        _place(platform, layer.section, layer.checker()(_given(platform, layer.section), platform, errors))
    _collapse(platform, registry)
    for layer in registry.values():
        if not layer.section and set(layer.needs) <= present:
            present.add(layer.name)
    for name in sorted(present, key=list(registry).index):
        for need in registry[name].needs:
            if need not in present:
                errors.append("%s: needs %s (the %s layer), which the spec does not have" % (registry[name].field, registry[need].field, need))
    if warnings is not None:
        warnings.extend(errors.warnings)
    if errors:
        raise SpecError(list(errors))
    tags = dict(core["tags"] or {})
    tags.update({PLATFORM_TAG: platform["id"], MANAGED_BY_TAG: layer_registry.COLLECTION})
    platform["tags"] = tags
    return platform, layer_registry.plan(registry, present)


def validate(spec, registry=None):
    """The spec normalized (see preflight)."""
    return preflight(spec, registry)[0]
