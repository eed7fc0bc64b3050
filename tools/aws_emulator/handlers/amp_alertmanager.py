"""Amazon Managed Service for Prometheus alert manager definitions, which moto 5.2.5 lacks.

Workspaces stay moto's: every operation looks its workspace up in moto's AMP backend for the
request's account and region (ResourceNotFoundException when there is none), and the definition is
kept by moto's Workspace object, so it goes with the workspace. Every other AMP operation still
reaches moto: this handler takes only the four below.

The definition is a YAML document: `alertmanager_config` (a string holding Alertmanager's own
configuration) and optionally `template_files` (file name -> template). AMP checks both; so does this
handler, down to the route's receivers being defined, and names the problem in a ValidationException.
A definition is CREATING or UPDATING for as long as aws_emulator.latency says, then ACTIVE, or
CREATION_FAILED / UPDATE_FAILED (with a statusReason, keeping the refused data) when Alertmanager could not
load its templates (aws_emulator.handlers.amp_rules); a failed definition takes a new one, or a deletion.
"""

# The operation methods take the API's input members, camelCase, as keyword arguments.
# pylint: disable=invalid-name

import base64
import binascii
import time
import weakref

import yaml

from aws_emulator import latency
from aws_emulator.handlers import amp_rules
from aws_emulator.handlers.amg_model import ModelConstraints, conflict, not_found, validation
from aws_emulator.handlers.base import RestJsonHandler
from aws_emulator.handlers.eks import moto_account_id

DEFAULT_REGION = "us-east-1"
TOP_LEVEL_KEYS = ("alertmanager_config", "template_files")
TRANSITIONS = {"create": "CREATING", "update": "UPDATING"}
FAILED = {"create": "CREATION_FAILED", "update": "UPDATE_FAILED"}


def _route_receivers(route):
    """Every receiver a route tree names."""
    names = [route["receiver"]] if isinstance(route.get("receiver"), str) else []
    for child in route.get("routes") or []:
        if isinstance(child, dict):
            names += _route_receivers(child)
    return names


def check_receiver(receiver):
    """AMP takes SNS receivers only (AMP-alertmanager-receiver.html), without api_url or http_config, with
    sigv4.region, to a Standard topic (AMP-alertmanager-receiver-config.html)."""
    name = receiver.get("name")
    others = [key for key in receiver if str(key).endswith("_configs") and key != "sns_configs"]
    if others:
        raise validation(f"alertmanager_config: receiver {name}: {others[0]} is not supported; the only supported receiver is Amazon SNS")
    for config in receiver.get("sns_configs") or []:
        if not isinstance(config, dict):
            raise validation(f"alertmanager_config: receiver {name}: sns_configs entries must be mappings")
        for key in ("api_url", "http_config"):
            if key in config:
                raise validation(f"alertmanager_config: receiver {name}: {key} is not allowed in sns_configs")
        if not isinstance(config.get("sigv4"), dict) or not config["sigv4"].get("region"):
            raise validation(f"alertmanager_config: receiver {name}: sns_configs needs sigv4 with a region")
        if str(config.get("topic_arn", "")).endswith(".fifo"):
            raise validation(f"alertmanager_config: receiver {name}: the SNS topic must be a Standard topic, not FIFO")


def check_alertmanager_config(text):
    """Alertmanager's own checks that matter here: a YAML mapping, with a route whose receivers are defined."""
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise validation(f"alertmanager_config is not valid YAML: {error}") from error
    if not isinstance(config, dict):
        raise validation("alertmanager_config must be a YAML mapping.")
    route = config.get("route")
    if not isinstance(route, dict):
        raise validation("alertmanager_config: no route provided in config")
    if not route.get("receiver"):
        raise validation("alertmanager_config: root route must specify a default receiver")
    for receiver in config.get("receivers") or []:
        if isinstance(receiver, dict):
            check_receiver(receiver)
    defined = {receiver.get("name") for receiver in config.get("receivers") or [] if isinstance(receiver, dict)}
    for name in _route_receivers(route):
        if name not in defined:
            raise validation(f'alertmanager_config: undefined receiver "{name}" used in route')


def check_definition(data):
    """The decoded definition, checked as AMP checks it; raises a ValidationException naming the problem."""
    try:
        text = base64.b64decode(data, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise validation(f"data must be base64-encoded UTF-8 YAML: {error}") from error
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise validation(f"The alert manager definition is not valid YAML: {error}") from error
    if not isinstance(document, dict):
        raise validation("The alert manager definition must be a YAML mapping with an alertmanager_config key.")
    unknown = [str(key) for key in document if key not in TOP_LEVEL_KEYS]
    if unknown:
        raise validation(f"The alert manager definition has unknown top-level keys: {', '.join(unknown)}. "
                         f"Allowed: {', '.join(TOP_LEVEL_KEYS)}.")
    if "alertmanager_config" not in document:
        raise validation("The alert manager definition is missing the required alertmanager_config key.")
    if not isinstance(document["alertmanager_config"], str):
        raise validation("alertmanager_config must be a string (a YAML block scalar holding the Alertmanager configuration).")
    check_alertmanager_config(document["alertmanager_config"])
    templates = document.get("template_files")
    if templates is not None and not (isinstance(templates, dict) and all(isinstance(value, str) for value in templates.values())):
        raise validation("template_files must map each template file name to its content as a string.")


class AlertManagerDefinitions(ModelConstraints, RestJsonHandler):
    """CreateAlertManagerDefinition, DescribeAlertManagerDefinition, PutAlertManagerDefinition, DeleteAlertManagerDefinition."""

    service = "amp"

    def __init__(self, clock=time.time):
        super().__init__()
        self.clock = clock
        # Weak keys: the definition of a workspace moto has dropped is dropped too.
        self.definitions = weakref.WeakKeyDictionary()

    def _workspace(self, workspace_id):
        """moto's workspace in the request's account and region."""
        from moto.amp.models import amp_backends  # pylint: disable=import-outside-toplevel  # moto loads slowly

        try:
            backend = amp_backends[moto_account_id(self.context.headers)][self.context.region or DEFAULT_REGION]
        except KeyError:  # a region moto does not know has no workspaces
            backend = None
        workspace = backend.workspaces.get(workspace_id) if backend is not None else None
        if workspace is None:
            raise not_found(f"Workspace {workspace_id} not found.")
        return workspace

    def _status(self, definition):
        if definition["_phase"] and self.clock() < definition["_settles_at"]:
            return TRANSITIONS[definition["_phase"]]
        return FAILED[definition["_phase"]] if definition.get("_failure") else "ACTIVE"

    def _definition(self, workspace_id, workspace):
        definition = self.definitions.get(workspace)
        if definition is None:
            raise not_found(f"Alert manager definition for workspace {workspace_id} not found.")
        return definition

    def _settled(self, workspace_id, workspace):
        definition = self._definition(workspace_id, workspace)
        if self._status(definition) not in ("ACTIVE", "CREATION_FAILED", "UPDATE_FAILED"):
            raise conflict(f"The alert manager definition of workspace {workspace_id} is {self._status(definition)}.")
        return definition

    def _begin(self, definition, phase, data):
        changed = self.clock()
        document = yaml.safe_load(base64.b64decode(data).decode("utf-8"))
        definition.update(data=data, modifiedAt=changed, _phase=phase, _failure=amp_rules.templates_failure(document),
                          _settles_at=changed + latency.seconds(f"amp.alert_manager_definition.{phase}"))
        return {"status": {"statusCode": TRANSITIONS[phase]}}

    @staticmethod
    def _require_active(workspace_id, workspace):
        status = (workspace.status or {}).get("statusCode", "ACTIVE")
        if status != "ACTIVE":
            raise conflict(f"Workspace {workspace_id} is {status}.")

    def create_alert_manager_definition(self, workspaceId, data, clientToken=None):  # pylint: disable=unused-argument
        workspace = self._workspace(workspaceId)
        self._require_active(workspaceId, workspace)
        if workspace in self.definitions:
            raise conflict(f"Workspace {workspaceId} already has an alert manager definition.")
        check_definition(data)
        definition = self.definitions[workspace] = {}
        answer = self._begin(definition, "create", data)
        definition["createdAt"] = definition["modifiedAt"]
        return answer

    def describe_alert_manager_definition(self, workspaceId):
        definition = self._definition(workspaceId, self._workspace(workspaceId))
        status = {"statusCode": self._status(definition)}
        if status["statusCode"].endswith("_FAILED"):
            status["statusReason"] = definition["_failure"]
        return {"alertManagerDefinition": {"status": status, "data": definition["data"],
                                           "createdAt": definition["createdAt"], "modifiedAt": definition["modifiedAt"]}}

    def put_alert_manager_definition(self, workspaceId, data, clientToken=None):  # pylint: disable=unused-argument
        workspace = self._workspace(workspaceId)
        definition = self._settled(workspaceId, workspace)
        check_definition(data)
        return self._begin(definition, "update", data)

    def delete_alert_manager_definition(self, workspaceId, clientToken=None):  # pylint: disable=unused-argument
        workspace = self._workspace(workspaceId)
        self._settled(workspaceId, workspace)
        del self.definitions[workspace]
        return {}


class PrometheusTagging:
    """moto's AMP workspaces and rule groups namespaces as the Resource Groups Tagging API sees a service backend.

    moto's AMP backend keeps tags but does not take part in that API, so a teardown's "is anything
    tagged left?" check would miss a leaked workspace.
    """

    def __init__(self, backend):
        self.backend = backend

    def iter_tagged_resources(self):
        from moto.core.resource_tagging import TaggedResource  # pylint: disable=import-outside-toplevel  # moto loads slowly

        for workspace in list(self.backend.workspaces.values()):
            yield TaggedResource(arn=workspace.arn, tags=self.backend.list_tags_for_resource(workspace.arn), resource_type="aps:workspace")
            for namespace in list(workspace.rule_group_namespaces.values()):
                yield TaggedResource(arn=namespace.arn, tags=self.backend.list_tags_for_resource(namespace.arn),
                                     resource_type="aps:rulegroupsnamespace")

    def owns_arn(self, arn):
        return arn.startswith(f"arn:{self.backend.partition}:aps:")

    def tag_resource(self, arn, tags):
        self.backend.tag_resource(arn, tags)

    def untag_resource(self, arn, tag_keys):
        self.backend.untag_resource(arn, tag_keys)


def prometheus_tagging(account, region):
    """A PrometheusTagging for moto's AMP backend of an account and region, if AMP has been used there."""
    from moto.amp.models import amp_backends  # pylint: disable=import-outside-toplevel  # moto loads slowly

    if account in amp_backends and region in amp_backends[account]:
        return [PrometheusTagging(amp_backends[account][region])]
    return []
