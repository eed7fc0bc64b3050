# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument-spec validation that names every problem by its full field path.

ansible-core's ArgumentSpecValidator checks types, choices, required keys and unknown keys, but its
messages name a field without the path to it (``found in 'node_groups'``, no list index). Here it
checks one mapping level at a time, and this module walks the levels, so every message starts with a
path such as ``platform.eks.node_groups[1].min_size``.
"""

import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

# The key of an argument spec entry that describes a nested level; this module walks those itself. A
# nested mapping whose options all have defaults gets them when the mapping has `default: {}`.
NESTED_KEYS = ("options",)

# ansible-core's phrasings, turned around so the field comes first.
_NAMED = (
    re.compile(r"^argument '(?P<field>[^']+)' is of type (?P<rest>.*?)(?: found in '[^']*')?\.?$"),
    re.compile(r"^Elements value for option '(?P<field>[^']+)' is of type (?P<rest>.*?)(?: found in '[^']*')?\.?$"),
    re.compile(r"^value of (?P<field>\S+) must be (?P<rest>.*?)(?: found in .*)?$"),
    re.compile(r"^(?P<field>\S+) must be (?P<rest>.*)$"),
)
_MISSING = re.compile(r"^missing required arguments: (?P<fields>.*?)(?: found in .*)?$")


def _shallow(options):
    return dict((name, dict((key, value) for key, value in option.items() if key not in NESTED_KEYS)) for name, option in options.items())


def _message(path, error):
    text = str(error.msg if hasattr(error, "msg") else error)
    missing = _MISSING.match(text)
    if missing:
        return ["%s.%s: required" % (path, field.strip()) for field in missing.group("fields").split(",")]
    for pattern in _NAMED:
        named = pattern.match(text)
        if named:
            rest = named.group("rest")
            verb = "is of type " if pattern is _NAMED[0] or pattern is _NAMED[1] else "must be "
            return ["%s.%s: %s%s" % (path, named.group("field"), verb, rest)]
    return ["%s: %s" % (path, text)]


def validate(options, value, path, errors):
    """Return ``value`` checked against ``options`` with defaults filled in; append problems to ``errors``.

    ``path`` names ``value`` (``platform.eks``). A level with an error keeps its given value, and the
    levels below a mistyped field are not walked, so each problem is reported once.
    """
    if value is None:
        value = {}
    if not isinstance(value, dict):
        errors.append("%s: must be a mapping, got %s" % (path, type(value).__name__))
        return value
    result = ArgumentSpecValidator(_shallow(options)).validate(value)
    mistyped = set()
    for error in result.errors:
        if isinstance(error, UnsupportedError):
            continue
        for message in _message(path, error):
            errors.append(message)
            mistyped.add(message[len(path) + 1:].split(":", 1)[0].split("[", 1)[0])
    for unknown in sorted(result.unsupported_parameters, key=str):
        errors.append("%s.%s: unknown key; allowed here: %s" % (path, unknown, ", ".join(sorted(options))))
    checked = result.validated_parameters
    for name, option in options.items():
        if "options" not in option or name in mistyped:
            continue
        given = checked.get(name)
        if option.get("type", "str") == "list" and isinstance(given, list):
            checked[name] = [validate(option["options"], item, "%s.%s[%d]" % (path, name, index), errors) for index, item in enumerate(given)]
        elif isinstance(given, dict):
            checked[name] = validate(option["options"], given, "%s.%s" % (path, name), errors)
    return checked
