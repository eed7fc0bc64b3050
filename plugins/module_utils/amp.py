# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the Amazon Managed Service for Prometheus (AMP) modules share: the client, retries, YAML, tags, waits.

Reads and CreateWorkspace go through the client ``amp_client`` returns, with ``aws_retry=True``. The
calls that change a workspace, a rule groups namespace or an alert manager definition go through
``when_settled``: AMP answers ConflictException while the resource is still CREATING or UPDATING, so
those are retried too. Nothing is retried twice over.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.common.yaml import HAS_YAML, SafeDumper, yaml_load

try:
    import yaml
except ImportError:
    pass  # HAS_YAML says so

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.gameops.platform.plugins.module_utils import rest_json
from ansible_collections.gameops.platform.plugins.module_utils.waiting import WaitTimeout
from ansible_collections.gameops.platform.plugins.module_utils.waiting import wait_until

FAILED_STATES = ("CREATION_FAILED", "UPDATE_FAILED")


# Shared with the other REST-JSON services' helpers; modules call them through this module.
paginate = rest_json.paginate
to_ansible = rest_json.to_ansible
ensure_tags = rest_json.ensure_tags


def amp_client(module):
    """The AMP client; call it with ``aws_retry=True`` (or through ``when_settled``)."""
    return rest_json.retried_client(module, "amp")


@AWSRetry.jittered_backoff(catch_extra_error_codes=rest_json.RETRY_CODES + ["ConflictException"])
def when_settled(method, **params):
    """Calls a changing operation (without aws_retry), retrying while AMP says the resource is busy."""
    return method(**params)


def status_code(resource):
    return ((resource or {}).get("status") or {}).get("statusCode")


def failure(resource):
    """For wait_until: why a resource in a failed state is; None otherwise."""
    status = (resource or {}).get("status") or {}
    if status.get("statusCode") in FAILED_STATES:
        return "it is %s: %s" % (status["statusCode"], status.get("statusReason") or "no reason given")
    return None


def describe_workspace(client, workspace_id):
    """The workspace, or None when there is none of that id."""
    try:
        return client.describe_workspace(aws_retry=True, workspaceId=workspace_id)["workspace"]
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


def require_workspace(module, client, workspace_id):
    """The workspace; None with state=absent when there is none (nothing to delete), else a failure."""
    workspace = describe_workspace(client, workspace_id)
    if workspace is None and module.params["state"] != "absent":
        module.fail_json(msg="AMP workspace %s does not exist in region %s" % (workspace_id, module.region))
    return workspace


# -- YAML documents -----------------------------------------------------------------------------------


def load_yaml(module, value, what):
    """A YAML document given as text (or bytes, as AMP returns it) or already parsed; fails on bad YAML."""
    if isinstance(value, (dict, list)):
        return value
    if not HAS_YAML:
        module.fail_json(msg="PyYAML is needed to read the %s" % what)
    try:
        return yaml_load(to_text(value or ""))
    except Exception as error:  # pylint: disable=broad-except  # yaml.YAMLError, without importing yaml
        module.fail_json(msg="The %s is not valid YAML: %s" % (what, error))


class BlockDumper(SafeDumper):  # pylint: disable=too-many-ancestors
    """Writes multi-line strings as literal blocks (|), as AMP's own examples hold alertmanager_config."""


def _represent_str(dumper, value):
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


if HAS_YAML:
    BlockDumper.add_representer(str, _represent_str)


def dump_yaml(document):
    """A document as block-style YAML text, keys in the order given."""
    if not document:
        return ""
    return yaml.dump(document, Dumper=BlockDumper, default_flow_style=False, sort_keys=False, width=160, allow_unicode=True)


def failure_lines(result):
    """Header lines for the diff of a resource AMP failed to load: its status and why ([] otherwise)."""
    if result.get("status") not in FAILED_STATES:
        return []
    return ["status: %s: %s" % (result["status"], result.get("status_reason") or "no reason given")]


def diff_text(header_lines, document_text):
    """Text for a unified diff: comment lines naming the resource and its tags, then the YAML."""
    if document_text is None:
        return ""
    return "".join("# %s\n" % line for line in header_lines) + document_text


# -- tags and waits -----------------------------------------------------------------------------------


def wait_or_fail(module, describe, done, what):
    """wait_until with the module's wait_timeout; a failed state or a time-out fails the module."""
    try:
        return wait_until(describe, done, module.params["wait_timeout"], delay=5, failed=failure, what=what)
    except WaitTimeout as error:
        # The last state seen, its data (bytes, which JSON cannot hold) as text.
        last = dict((key, to_text(value) if isinstance(value, bytes) else value) for key, value in (error.last or {}).items())
        module.fail_json(msg=str(error), last=to_ansible(last))


def is_active(resource):
    return resource is not None and status_code(resource) == "ACTIVE"


def is_gone(resource):
    return resource is None
