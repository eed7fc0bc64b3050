"""Why AMP would fail a rules file it took: what makes a rule groups namespace CREATION_FAILED or UPDATE_FAILED.

CreateRuleGroupsNamespace and PutRuleGroupsNamespace take the rules file, and AMP's ruler loads it
afterwards: a file it cannot load leaves the namespace in CREATION_FAILED or UPDATE_FAILED (botocore's
RuleGroupsNamespaceStatus), with the reason in statusReason and the refused file as its data. The same
holds for alert manager definitions (AlertManagerDefinitionStatus), whose templates Alertmanager parses
when it loads them.

The emulator does not parse PromQL or Go templates; it finds what every parser refuses, brackets that do
not pair up, and words the reason as Prometheus and Alertmanager do.
"""

import base64
import binascii
import re

import yaml

PAIRS = {"(": ")", "[": "]", "{": "}"}
NAMES = {"(": "parenthesis", "[": "bracket", "{": "brace"}
# Go template actions that an {{ end }} closes.
BLOCKS = ("define", "if", "range", "with", "block")


def decoded(data):
    """The text of a base64 blob as the REST-JSON body carries it; None when it is not one."""
    try:
        return base64.b64decode(data, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, TypeError, ValueError):
        return None


def unpaired(expression):
    """What is wrong with the brackets of a PromQL expression (outside quotes), as Prometheus says it; None when they pair up."""
    stack, quote = [], None
    for char in str(expression):
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'`":
            quote = char
        elif char in PAIRS:
            stack.append(char)
        elif char in PAIRS.values():
            if not stack or PAIRS[stack.pop()] != char:
                return "unexpected right %s %r" % ({")": "parenthesis", "]": "bracket", "}": "brace"}[char], char)
    if stack:
        return "unclosed left %s" % NAMES[stack[-1]]
    return None


def rules_failure(data):
    """The statusReason AMP gives a rules file its ruler cannot load; None when it loads."""
    text = decoded(data)
    try:
        document = yaml.safe_load(text) if text is not None else None
    except yaml.YAMLError:
        return None
    if not isinstance(document, dict):
        return None
    for group in document.get("groups") or []:
        if not isinstance(group, dict):
            continue
        for number, rule in enumerate(group.get("rules") or [], start=1):
            if not isinstance(rule, dict) or "expr" not in rule:
                continue
            problem = unpaired(rule["expr"])
            if problem:
                name = rule.get("alert") or rule.get("record")
                return 'group "%s", rule %d, "%s": could not parse expression: parse error: %s' % (group.get("name"), number, name, problem)
    return None


def templates_failure(document):
    """The statusReason AMP gives an alert manager definition whose templates do not parse; None when they do."""
    for name, template in sorted((document.get("template_files") or {}).items()):
        if not isinstance(template, str):
            continue
        if template.count("{{") != template.count("}}"):
            return "template: %s: unclosed action" % name
        actions = re.findall(r"{{-?\s*(\w+)", template)
        if sum(action in BLOCKS for action in actions) != actions.count("end"):
            return "template: %s: unexpected EOF" % name
    return None
