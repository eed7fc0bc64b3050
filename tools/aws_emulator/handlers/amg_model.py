"""What Amazon Managed Grafana (and AMP's alert manager) check of a request beyond botocore's validator.

botocore's ParamValidator checks types, required members and minimums; the services also refuse
values outside an enum, a pattern or a maximum, with a ValidationException naming the member.
`constraint_errors` walks an input shape for those. The rest is AMG's catalog: the Grafana
versions on offer, and the workspace configuration JSON it accepts.
"""

import base64
import json
import re

from aws_emulator.handlers.base import ServiceError

# The Grafana versions AMG offers for new workspaces, oldest first (ListVersions), as of 2026-12: 12.4 since
# April 2026 (in-place upgrades from 10.4 since May 2026, aws.amazon.com/about-aws/whats-new/2026/05/
# amazon-managed-grafana-v12-update), 13 since the user guide's "Working in Grafana version 13"
# (using-grafana-v13.html, whose version list no longer names 8.x); 9.4's support ends on 2026-12-20.
# A workspace only ever moves up this list.
VERSIONS = ("9.4", "10.4", "12.4", "13.0")
# Versions workspaces may still run but AMG no longer offers: CreateWorkspace and upgrades refuse them.
RETIRED_VERSIONS = ("8.4",)
# CreateWorkspace without grafanaVersion still makes 10.4 workspaces (aws/amazon-managed-grafana-roadmap#103).
DEFAULT_VERSION = "10.4"
# "Service accounts are only available for workspaces that are compatible with Grafana version 9 and above"
# (CreateWorkspaceServiceAccount, CreateWorkspaceServiceAccountToken API reference).
SERVICE_ACCOUNTS_FROM = (9, 0)
# The workspace configuration JSON: {"plugins": {"pluginAdminEnabled": bool}, "unifiedAlerting": {"enabled": bool}}.
CONFIGURATION_SCHEMA = {"plugins": ("pluginAdminEnabled",), "unifiedAlerting": ("enabled",)}
DEFAULT_PAGE_SIZE = 100


def validation(message):
    return ServiceError("ValidationException", message, 400)


def conflict(message):
    return ServiceError("ConflictException", message, 409)


def not_found(message):
    return ServiceError("ResourceNotFoundException", message, 404)


def version_key(version):
    return tuple(int(part) for part in version.split("."))


def has_service_accounts(version):
    return version_key(version) >= SERVICE_ACCOUNTS_FROM


def require_version(version):
    if version not in VERSIONS:
        raise validation(f"Grafana version {version} is not supported. Supported versions: {', '.join(VERSIONS)}.")
    return version


def default_configuration(version):
    """What DescribeWorkspaceConfiguration shows for a workspace created without one.

    Grafana turned unified alerting on by default from version 9; AMG follows it from 10.4.
    """
    alerting = version_key(version) >= (10, 4)
    return json.dumps({"plugins": {"pluginAdminEnabled": False}, "unifiedAlerting": {"enabled": alerting}}, separators=(",", ":"))


def merged_configuration(configuration, version):
    """What DescribeWorkspaceConfiguration shows after a configuration was set: AMG fills in the keys the caller left
    out with their defaults (hashicorp/terraform-provider-aws#34417 shows plugins.pluginAdminEnabled appearing)."""
    document = json.loads(default_configuration(version))
    for section, values in json.loads(configuration).items():
        document.setdefault(section, {}).update(values)
    return json.dumps(document, separators=(",", ":"))


def require_configuration(configuration):
    """The configuration JSON, checked against the schema AMG validates it with."""
    try:
        document = json.loads(configuration)
    except ValueError as error:
        raise validation(f"configuration is not valid JSON: {error}") from error
    if not isinstance(document, dict):
        raise validation("configuration must be a JSON object.")
    for section, value in document.items():
        if section not in CONFIGURATION_SCHEMA:
            raise validation(f"configuration: #: extraneous key [{section}] is not permitted")
        if not isinstance(value, dict):
            raise validation(f"configuration: #/{section}: expected type: JSONObject, found: {type(value).__name__}")
        for key, flag in value.items():
            if key not in CONFIGURATION_SCHEMA[section]:
                raise validation(f"configuration: #/{section}: extraneous key [{key}] is not permitted")
            if not isinstance(flag, bool):
                raise validation(f"configuration: #/{section}/{key}: expected type: Boolean, found: {type(flag).__name__}")
    return configuration


def page(items, max_results, next_token):
    """(one page of items, token for the next or None); tokens are opaque offsets."""
    start = 0
    if next_token:
        try:
            start = int(base64.urlsafe_b64decode(next_token.encode()).decode())
        except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
            start = -1
        if start < 0:
            raise validation("The nextToken is invalid.")
    end = start + (max_results or DEFAULT_PAGE_SIZE)
    return items[start:end], base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None


def paged(key, items, max_results, next_token, **fields):
    items, token = page(items, max_results, next_token)
    return dict(fields, **{key: items}, **({"nextToken": token} if token else {}))


def _constraint(value, shape, where):
    """The first constraint a scalar breaks, as AWS words it, or None."""
    meta = shape.metadata
    if shape.type_name == "string" and isinstance(value, str):
        if meta.get("enum") and value not in meta["enum"]:
            return f"Value '{value}' at '{where}' failed to satisfy constraint: Member must satisfy enum value set: [{', '.join(meta['enum'])}]"
        if "max" in meta and len(value) > meta["max"]:
            return f"Value at '{where}' failed to satisfy constraint: Member must have length less than or equal to {meta['max']}"
        if meta.get("pattern") and not re.fullmatch(meta["pattern"], value):
            return f"Value '{value}' at '{where}' failed to satisfy constraint: Member must satisfy regular expression pattern: {meta['pattern']}"
    if shape.type_name in ("integer", "long") and isinstance(value, int) and "max" in meta and value > meta["max"]:
        return f"Value '{value}' at '{where}' failed to satisfy constraint: Member must have value less than or equal to {meta['max']}"
    if shape.type_name in ("list", "map") and "max" in meta and len(value) > meta["max"]:
        return f"Value at '{where}' failed to satisfy constraint: Member must have length less than or equal to {meta['max']}"
    return None


def constraint_errors(value, shape, where=""):
    """Every enum, pattern and maximum that a validated input breaks, walking the shape."""
    errors = []
    problem = _constraint(value, shape, where or "request")
    if problem:
        errors.append(problem)
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value and value[name] is not None:
                errors += constraint_errors(value[name], member, f"{where}.{name}" if where else name)
    elif shape.type_name == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            errors += constraint_errors(item, shape.member, f"{where}.{index + 1}.member")
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, item in value.items():
            errors += constraint_errors(key, shape.key, f"{where}.{key}.key")
            errors += constraint_errors(item, shape.value, f"{where}.{key}.value")
    return errors


class ModelConstraints:
    """Mixin for a RestJsonHandler: after botocore's checks, the model's enums, patterns and maximums."""

    def validate(self, operation, params):
        super().validate(operation, params)  # pylint: disable=no-member  # RestJsonHandler's
        shape = self.model.operation_model(operation).input_shape  # pylint: disable=no-member
        errors = constraint_errors(params, shape) if shape is not None else []
        if errors:
            noun = "error" if len(errors) == 1 else "errors"
            raise validation(f"{len(errors)} validation {noun} detected: " + "; ".join(errors))
