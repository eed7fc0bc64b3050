"""Amazon Managed Grafana's control plane, which moto 5.2.5 lacks: workspaces, their authentication,
configuration and versions, service accounts and their tokens (amg_accounts.py), user and group permissions
(amg_permissions.py), and tags.

State is per account and region. A workspace's endpoint is `<Host header>/grafana/<id>`: nothing
resolves *.grafana-workspace.<region>.amazonaws.com here, so the emulator serves each workspace's
Grafana HTTP API under its own address (clients build "http(s)://" + endpoint). Service account
tokens go to aws_emulator.grafana_tokens.TOKENS, which that Grafana API checks bearer tokens against.

Workspaces pass through CREATING, UPDATING (or VERSION_UPDATING) and DELETING for as long as
aws_emulator.latency says (0 by default): the call that starts a transition always answers with the
transitional status, as AWS does, and later calls see the settled one. Operations that AWS refuses on
a workspace that is not ACTIVE fail with ConflictException. Reads are eventually consistent: for the
first moments of an update (latency.STALE_MINUTES) DescribeWorkspace and ListWorkspaces still show the
workspace as it was before (ACTIVE, its old description, modified time...), although it already refuses
other changes with ConflictException.

A workspace can be DEGRADED, with a degradedWorkspaceReason (botocore's WorkspaceStatus): AWS gives no
way to cause it, so in-process tests call GrafanaWorkspaces.degrade(). DescribeWorkspaceAuthentication
returns the SAML defaults AMG fills in (SAML_DEFAULTS), and DescribeWorkspaceConfiguration the
configuration keys AMG fills in, as AWS does; the Grafana version of each workspace goes to
aws_emulator.grafana_tokens.VERSIONS, so its Grafana HTTP API answers as that version does.
"""

# The operation methods take the API's input members, camelCase, as keyword arguments.
# pylint: disable=invalid-name,too-many-arguments,too-many-locals

import copy
import json
import re
import secrets
import time
import weakref

from aws_emulator import latency
from aws_emulator.grafana_tokens import TOKENS
from aws_emulator.grafana_tokens import VERSIONS as GRAFANA_VERSIONS
from aws_emulator.handlers.amg_accounts import ServiceAccounts
from aws_emulator.handlers.amg_permissions import Permissions
from aws_emulator.handlers.amg_model import (DEFAULT_VERSION, VERSIONS, ModelConstraints, conflict, default_configuration,
                                             merged_configuration, not_found, paged, require_configuration, require_version, validation,
                                             version_key)
from aws_emulator.handlers.base import RestJsonHandler
from aws_emulator.handlers.eks import moto_account_id, view

DEFAULT_REGION = "us-east-1"
WORKSPACE_ARN = re.compile(r"^arn:aws[a-z-]*:grafana:[a-z0-9-]+:\d{12}:/workspaces/(g-[0-9a-f]{10})$")
TRANSITIONS = {"create": "CREATING", "update": "UPDATING", "version": "VERSION_UPDATING", "delete": "DELETING"}
LATENCY_KINDS = {"create": "grafana.workspace.create", "update": "grafana.workspace.update", "version": "grafana.workspace.update",
                 "delete": "grafana.workspace.delete"}
SUMMARY_KEYS = ("created", "description", "endpoint", "grafanaVersion", "id", "modified", "name", "notificationDestinations", "status",
                "authentication", "tags")
# What DescribeWorkspaceAuthentication shows for SAML members the caller left out: Terraform's
# aws_grafana_workspace_saml_configuration marks login_assertion, name_assertion, email_assertion and
# login_validity_duration Optional+Computed, so AMG returns values for them; AWS does not document them,
# so they are Grafana's own SAML defaults (assertion_attribute_name/login/email) and two hours.
SAML_DEFAULTS = {"assertionAttributes": {"name": "displayName", "login": "mail", "email": "mail"}, "loginValidityDuration": 120}
# Every live handler, for the Resource Groups Tagging API's listing (fidelity.tagging_api_lists_grafana_and_prometheus).
HANDLERS = weakref.WeakSet()


class RegionState:
    """The workspaces of one account in one region, and the client tokens they were created with."""

    def __init__(self):
        self.workspaces = {}  # id -> record
        self.client_tokens = {}  # clientToken -> (workspace id, the request it came with)


def require_tags(tags):
    reserved = [key for key in tags or {} if key.lower().startswith("aws:")]
    if reserved:
        raise validation(f"Tag keys starting with 'aws:' are reserved: {', '.join(reserved)}")


def require_access(account_access_type, organizational_units, permission_type, role_arn):
    if account_access_type == "ORGANIZATION" and not organizational_units:
        raise validation("workspaceOrganizationalUnits must be given when accountAccessType is ORGANIZATION.")
    if permission_type == "CUSTOMER_MANAGED" and not role_arn:
        raise validation("workspaceRoleArn must be given when permissionType is CUSTOMER_MANAGED.")


class GrafanaWorkspaces(ServiceAccounts, Permissions, ModelConstraints, RestJsonHandler):
    """AMG workspaces and everything kept for them; service accounts and tokens come from ServiceAccounts, user and
    group permissions from Permissions."""

    service = "grafana"

    def __init__(self, clock=time.time):
        super().__init__()
        self.clock = clock
        self.regions = {}  # (account, region) -> RegionState
        HANDLERS.add(self)

    # -- state and status -----------------------------------------------------------------------------

    def _region_state(self, account=None, region=None):
        """The request's account and region's workspaces, once workspaces whose deletion has finished are gone."""
        account = account or moto_account_id(self.context.headers)
        state = self.regions.setdefault((account, region or self.context.region or DEFAULT_REGION), RegionState())
        for workspace_id, record in list(state.workspaces.items()):
            if record["_phase"] == "delete" and self.clock() >= record["_settles_at"]:
                del state.workspaces[workspace_id]
        state.client_tokens = {token: entry for token, entry in state.client_tokens.items() if entry[0] in state.workspaces}
        return state

    def _workspace(self, workspace_id):
        record = self._region_state().workspaces.get(workspace_id)
        if record is None:
            raise not_found(f"Workspace {workspace_id} not found.")
        return record

    def _busy(self, record):
        """Whether the workspace is in a transition, whether reads show it yet or not."""
        return bool(record["_phase"]) and self.clock() < record["_settles_at"]

    def _status(self, record):
        if self._busy(record) and self.clock() >= record.get("_shows_at", 0):
            return TRANSITIONS[record["_phase"]]
        return "DEGRADED" if record.get("_degraded") else "ACTIVE"

    def degrade(self, workspace_id, reason):
        """For in-process tests: the workspace turns DEGRADED, for the reason given (AWS has no call that does it)."""
        with self.lock:
            for state in self.regions.values():
                if workspace_id in state.workspaces:
                    state.workspaces[workspace_id]["_degraded"] = reason

    def _active(self, workspace_id):
        """The workspace, if it is ACTIVE: AWS refuses changes to one that is on its way somewhere."""
        record = self._workspace(workspace_id)
        status = TRANSITIONS[record["_phase"]] if self._busy(record) else self._status(record)
        if status != "ACTIVE":
            raise conflict(f"Workspace {workspace_id} is {status}; try again once it is ACTIVE.")
        # What reads go on showing for a moment if this call starts an update (_begin).
        record["_before_change"] = copy.deepcopy(dict((key, value) for key, value in record.items()
                                                      if key not in ("_accounts", "_stale_view", "_before_change")))
        return record

    def _begin(self, record, phase):
        """Start a transition; returns the status the starting call answers with."""
        now = self.clock()
        record.pop("_stale_view", None)
        stale_view = record.pop("_before_change", None)
        record.update(_phase=phase, _settles_at=now + latency.seconds(LATENCY_KINDS[phase]), modified=now,
                      _shows_at=now + latency.stale_seconds(LATENCY_KINDS[phase]) if latency.seconds(LATENCY_KINDS[phase]) else 0)
        if record["_shows_at"] > now and stale_view is not None:
            record["_stale_view"] = stale_view
        return TRANSITIONS[phase]

    def _read(self, record):
        """The workspace as DescribeWorkspace and ListWorkspaces show it: as it was before an update reads do not show yet."""
        if record.get("_stale_view") is not None and self.clock() < record["_shows_at"]:
            return dict(record["_stale_view"], _accounts=record["_accounts"])
        return record

    def _authentication_summary(self, record):
        summary = {"providers": list(record["_providers"])}
        if "SAML" in record["_providers"]:
            summary["samlConfigurationStatus"] = "CONFIGURED" if record["_saml"] else "NOT_CONFIGURED"
        return summary

    def _describe(self, record, status=None):
        """A WorkspaceDescription; `status` overrides the computed one in the answer that starts a transition."""
        endpoint = f"{self.context.headers.get('host') or 'localhost'}/grafana/{record['id']}"
        description = dict(view(record), endpoint=endpoint, status=status or self._status(record),
                           authentication=self._authentication_summary(record))
        if description["status"] == "DEGRADED":
            description["degradedWorkspaceReason"] = record["_degraded"]
        return description

    # -- workspaces -----------------------------------------------------------------------------------

    def create_workspace(self, accountAccessType, permissionType, authenticationProviders, clientToken=None, organizationRoleName=None,
                         stackSetName=None, workspaceDataSources=None, workspaceDescription=None, workspaceName=None,
                         workspaceNotificationDestinations=None, workspaceOrganizationalUnits=None, workspaceRoleArn=None, tags=None,
                         vpcConfiguration=None, configuration=None, networkAccessControl=None, grafanaVersion=None, ipAddressType=None,
                         kmsKeyId=None):
        request = {key: value for key, value in locals().items() if key not in ("self", "clientToken")}
        state = self._region_state()
        if clientToken in state.client_tokens:
            # Idempotency: the same token and request are the same workspace; the token with another request is refused.
            workspace_id, first = state.client_tokens[clientToken]
            if first != request:
                raise conflict(f"clientToken {clientToken} was already used with a different request.")
            return {"workspace": self._describe(state.workspaces[workspace_id])}
        if not authenticationProviders:
            raise validation("authenticationProviders must name at least one provider.")
        require_access(accountAccessType, workspaceOrganizationalUnits, permissionType, workspaceRoleArn)
        require_tags(tags)
        version = require_version(grafanaVersion or DEFAULT_VERSION)
        account, region = moto_account_id(self.context.headers), self.context.region or DEFAULT_REGION
        workspace_id = "g-" + secrets.token_hex(5)
        created = self.clock()
        record = {
            "id": workspace_id,
            "name": workspaceName,
            "description": workspaceDescription,
            "accountAccessType": accountAccessType,
            "permissionType": permissionType,
            "workspaceRoleArn": workspaceRoleArn,
            "organizationRoleName": organizationRoleName,
            "stackSetName": stackSetName,
            "organizationalUnits": workspaceOrganizationalUnits,
            "dataSources": list(workspaceDataSources or []),
            "notificationDestinations": workspaceNotificationDestinations,
            "vpcConfiguration": vpcConfiguration,
            "networkAccessControl": networkAccessControl,
            "grafanaVersion": version,
            "ipAddressType": ipAddressType,
            "kmsKeyId": kmsKeyId,
            "tags": dict(tags or {}),
            "created": created,
            "modified": created,
            "_arn": f"arn:aws:grafana:{region}:{account}:/workspaces/{workspace_id}",
            "_configuration": merged_configuration(require_configuration(configuration), version) if configuration
            else default_configuration(version),
            "_providers": list(authenticationProviders),
            "_saml": None,
            "_sso_client_id": secrets.token_hex(12) if "AWS_SSO" in authenticationProviders else None,
            "_accounts": {},
            "_next_id": 2,  # Grafana's admin user is 1; service accounts are users
        }
        state.workspaces[workspace_id] = record
        GRAFANA_VERSIONS.set(workspace_id, version)
        if clientToken:
            state.client_tokens[clientToken] = (workspace_id, json.loads(json.dumps(request)))
        return {"workspace": self._describe(record, self._begin(record, "create"))}

    def describe_workspace(self, workspaceId):
        return {"workspace": self._describe(self._read(self._workspace(workspaceId)))}

    def list_workspaces(self, maxResults=None, nextToken=None):
        records = sorted(self._region_state().workspaces.values(), key=lambda record: (record["created"], record["id"]))
        summaries = [{key: value for key, value in self._describe(self._read(record)).items() if key in SUMMARY_KEYS} for record in records]
        return paged("workspaces", summaries, maxResults, nextToken)

    def update_workspace(self, workspaceId, accountAccessType=None, organizationRoleName=None, permissionType=None, stackSetName=None,
                         workspaceDataSources=None, workspaceDescription=None, workspaceName=None, workspaceNotificationDestinations=None,
                         workspaceOrganizationalUnits=None, workspaceRoleArn=None, vpcConfiguration=None, removeVpcConfiguration=None,
                         networkAccessControl=None, removeNetworkAccessConfiguration=None, ipAddressType=None):
        record = self._active(workspaceId)
        if vpcConfiguration and removeVpcConfiguration:
            raise validation("vpcConfiguration and removeVpcConfiguration cannot be given together.")
        if networkAccessControl and removeNetworkAccessConfiguration:
            raise validation("networkAccessControl and removeNetworkAccessConfiguration cannot be given together.")
        changes = {"accountAccessType": accountAccessType, "organizationRoleName": organizationRoleName, "permissionType": permissionType,
                   "stackSetName": stackSetName, "dataSources": workspaceDataSources, "description": workspaceDescription,
                   "name": workspaceName, "notificationDestinations": workspaceNotificationDestinations,
                   "organizationalUnits": workspaceOrganizationalUnits, "workspaceRoleArn": workspaceRoleArn,
                   "vpcConfiguration": vpcConfiguration, "networkAccessControl": networkAccessControl, "ipAddressType": ipAddressType}
        changes = {key: value for key, value in changes.items() if value is not None}
        after = dict(record, **changes)
        require_access(after["accountAccessType"], after["organizationalUnits"], after["permissionType"], after["workspaceRoleArn"])
        record.update(changes)
        if removeVpcConfiguration:
            record["vpcConfiguration"] = None
        if removeNetworkAccessConfiguration:
            record["networkAccessControl"] = None
        return {"workspace": self._describe(record, self._begin(record, "update"))}

    def delete_workspace(self, workspaceId):
        record = self._workspace(workspaceId)
        if self._status(record) != "DEGRADED":  # a degraded workspace can still be deleted
            self._active(workspaceId)
        record.pop("_degraded", None)
        status = self._begin(record, "delete")
        # Its Grafana goes at once: service accounts and their tokens with it.
        record["_accounts"] = {}
        TOKENS.remove_workspace(workspaceId)
        GRAFANA_VERSIONS.remove(workspaceId)
        return {"workspace": self._describe(record, status)}

    # -- authentication -------------------------------------------------------------------------------

    def _authentication(self, record):
        description = {"providers": list(record["_providers"])}
        if "SAML" in record["_providers"]:
            description["saml"] = ({"status": "CONFIGURED", "configuration": self._saml_with_defaults(record["_saml"])} if record["_saml"]
                                   else {"status": "NOT_CONFIGURED"})
        if "AWS_SSO" in record["_providers"]:
            description["awsSso"] = {"ssoClientId": record["_sso_client_id"]}
        return view(description)

    @staticmethod
    def _saml_with_defaults(saml):
        shown = json.loads(json.dumps(saml))
        attributes = shown.setdefault("assertionAttributes", {})
        for key, value in SAML_DEFAULTS["assertionAttributes"].items():
            attributes.setdefault(key, value)
        shown.setdefault("loginValidityDuration", SAML_DEFAULTS["loginValidityDuration"])
        return shown

    def describe_workspace_authentication(self, workspaceId):
        return {"authentication": self._authentication(self._workspace(workspaceId))}

    def update_workspace_authentication(self, workspaceId, authenticationProviders, samlConfiguration=None):
        record = self._active(workspaceId)
        if not authenticationProviders:
            raise validation("authenticationProviders must name at least one provider.")
        if samlConfiguration and "SAML" not in authenticationProviders:
            raise validation("samlConfiguration can only be given when SAML is one of the authenticationProviders.")
        record["_providers"] = list(authenticationProviders)
        if "SAML" not in authenticationProviders:
            record["_saml"] = None
        elif samlConfiguration:
            record["_saml"] = samlConfiguration
        if "AWS_SSO" in authenticationProviders:
            record["_sso_client_id"] = record["_sso_client_id"] or secrets.token_hex(12)
        self._begin(record, "update")
        return {"authentication": self._authentication(record)}

    # -- configuration and versions -------------------------------------------------------------------

    def describe_workspace_configuration(self, workspaceId):
        record = self._workspace(workspaceId)
        return {"configuration": record["_configuration"], "grafanaVersion": record["grafanaVersion"]}

    def update_workspace_configuration(self, workspaceId, configuration, grafanaVersion=None):
        record = self._active(workspaceId)
        require_configuration(configuration)
        phase = "update"
        if grafanaVersion is not None and grafanaVersion != record["grafanaVersion"]:
            require_version(grafanaVersion)
            if version_key(grafanaVersion) < version_key(record["grafanaVersion"]):
                raise validation(f"Workspace {workspaceId} runs Grafana {record['grafanaVersion']}; it cannot be downgraded to {grafanaVersion}.")
            record["grafanaVersion"], phase = grafanaVersion, "version"
            GRAFANA_VERSIONS.set(workspaceId, grafanaVersion)
        record["_configuration"] = merged_configuration(configuration, record["grafanaVersion"])
        self._begin(record, phase)
        return {}

    def list_versions(self, maxResults=None, nextToken=None, workspaceId=None):
        versions = list(VERSIONS)
        if workspaceId:
            current = version_key(self._workspace(workspaceId)["grafanaVersion"])
            versions = [version for version in versions if version_key(version) > current]
        return paged("grafanaVersions", versions, maxResults, nextToken)

    # -- tags -----------------------------------------------------------------------------------------

    def _tags(self, resource_arn):
        match = WORKSPACE_ARN.match(resource_arn)
        if not match:
            raise validation(f"Invalid resource ARN: {resource_arn}")
        record = self._region_state().workspaces.get(match.group(1))
        if record is None or record["_arn"] != resource_arn:
            raise not_found(f"Resource {resource_arn} not found.")
        return record["tags"]

    def tag_resource(self, resourceArn, tags):
        current = self._tags(resourceArn)
        require_tags(tags)
        if len(current.keys() | tags.keys()) > 50:
            raise validation("A workspace can have at most 50 tags.")
        current.update(tags)
        return {}

    def untag_resource(self, resourceArn, tagKeys):
        current = self._tags(resourceArn)
        for key in tagKeys:
            current.pop(key, None)
        return {}

    def list_tags_for_resource(self, resourceArn):
        return {"tags": dict(self._tags(resourceArn))}

    # -- the Resource Groups Tagging API --------------------------------------------------------------

    def tagged_workspaces(self, account, region):
        """(ARN, tags) of the account's workspaces in a region, for the Resource Groups Tagging API."""
        with self.lock:
            return [(record["_arn"], dict(record["tags"])) for record in self._region_state(account, region).workspaces.values()]

    def retag(self, account, region, arn, tags=None, tag_keys=()):
        """TagResources / UntagResources of the Resource Groups Tagging API; False when no workspace has the ARN."""
        with self.lock:
            for record in self._region_state(account, region).workspaces.values():
                if record["_arn"] == arn:
                    record["tags"].update(tags or {})
                    for key in tag_keys:
                        record["tags"].pop(key, None)
                    return True
        return False


class GrafanaTagging:
    """AMG workspaces as the Resource Groups Tagging API sees a service backend (moto's TaggableResourcesMixin)."""

    def __init__(self, account, region):
        self.account, self.region = account, region

    def iter_tagged_resources(self):
        from moto.core.resource_tagging import TaggedResource  # pylint: disable=import-outside-toplevel  # moto loads slowly

        for handler in list(HANDLERS):
            for arn, tags in handler.tagged_workspaces(self.account, self.region):
                yield TaggedResource(arn=arn, tags=tags, resource_type="grafana:workspaces")

    @staticmethod
    def owns_arn(arn):
        return WORKSPACE_ARN.match(arn) is not None

    def tag_resource(self, arn, tags):
        any(handler.retag(self.account, self.region, arn, tags=tags) for handler in list(HANDLERS))

    def untag_resource(self, arn, tag_keys):
        any(handler.retag(self.account, self.region, arn, tag_keys=tag_keys) for handler in list(HANDLERS))
