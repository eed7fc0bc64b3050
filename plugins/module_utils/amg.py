# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the Amazon Managed Grafana (AMG) modules share: the client, workspaces, versions, waits.

Every call goes through the client ``grafana_client`` returns, with ``aws_retry=True``, or through
``paginate``, which retries a whole listing. The calls that change a workspace or its service accounts
go through ``when_settled`` instead: AMG answers ConflictException to a change while another is being
applied, and its reads are eventually consistent, so a workspace can read ACTIVE for a while after an
update has begun. botocore has no waiters for AMG, so waits poll with module_utils.waiting.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re

from ansible.module_utils.common.dict_transformations import snake_dict_to_camel_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.gameops.platform.plugins.module_utils import rest_json
from ansible_collections.gameops.platform.plugins.module_utils.waiting import WaitTimeout
from ansible_collections.gameops.platform.plugins.module_utils.waiting import wait_until

# Statuses a workspace settles in by itself, and those that will not get better on their own (botocore's
# WorkspaceStatus; a DEGRADED workspace says why in degradedWorkspaceReason).
BUSY_STATUSES = ("CREATING", "UPDATING", "UPGRADING", "VERSION_UPDATING", "DELETING")
FAILED_STATUSES = ("FAILED", "CREATION_FAILED", "UPDATE_FAILED", "UPGRADE_FAILED", "DELETION_FAILED",
                   "LICENSE_REMOVAL_FAILED", "VERSION_UPDATE_FAILED", "DEGRADED")
# Failed statuses that leave no usable workspace to change: amg_workspace fails on them instead of updating.
UNUSABLE_STATUSES = ("FAILED", "CREATION_FAILED", "DEGRADED")
# "Service accounts are only available for workspaces that are compatible with Grafana version 9 and above"
# (CreateWorkspaceServiceAccount API reference); the workspace configuration's plugins section likewise.
SERVICE_ACCOUNTS_FROM = (9,)
PLUGINS_SETTING_FROM = (9,)
WORKSPACE_ARN = "arn:%s:grafana:%s:%s:/workspaces/%s"
# Seconds an update may take to show in DescribeWorkspace; past them the module carries on.
START_TIMEOUT = 60


# Shared with the other REST-JSON services' helpers; modules call them through this module.
paginate = rest_json.paginate
to_ansible = rest_json.to_ansible
ensure_tags = rest_json.ensure_tags


def grafana_client(module):
    """The AMG client; call it with ``aws_retry=True``."""
    return rest_json.retried_client(module, "grafana")


@AWSRetry.jittered_backoff(retries=8, delay=2, max_delay=30, catch_extra_error_codes=rest_json.RETRY_CODES + ["ConflictException"])
def when_settled(method, **params):
    """Calls a changing operation (without aws_retry), retrying while AMG says the workspace is busy (ConflictException).

    The waits for ACTIVE come first, so this only has to outlast the moments reads still say ACTIVE after a change
    has begun (at most about two minutes of retries). A lasting conflict (a name taken) still fails, after them.
    """
    return method(**params)


@AWSRetry.jittered_backoff(retries=8, delay=2, max_delay=30, catch_extra_error_codes=rest_json.RETRY_CODES + ["ConflictException"])
def paginate_settled(client, operation, **params):
    """Every page of a listing that AMG may refuse with ConflictException while the workspace is busy (its service
    accounts and their tokens, which live in the workspace's Grafana), retried as a whole."""
    return client.get_paginator(operation).paginate(**params).build_full_result()


def workspace_arn(partition, region, account_id, workspace_id):
    """AMG returns no ARN for a workspace; tagging needs one."""
    return WORKSPACE_ARN % (partition, region, account_id, workspace_id)


def client_token(account_id, region, request, salt=""):
    """The CreateWorkspace idempotency token: the same for the same request (name included) in an account and region.

    A create that is retried (after a time-out, or by a later run before ListWorkspaces shows the
    workspace) so returns the workspace the first attempt made instead of making a second one. The
    salt is the id of a workspace an earlier use of the token made and that has been deleted since.
    """
    text = "%s:%s:%s:%s" % (account_id, region, json.dumps(request, sort_keys=True), salt)
    return "gameops-%s" % hashlib.sha256(text.encode("utf-8")).hexdigest()[:48]


# -- workspaces ---------------------------------------------------------------------------------------


def describe_workspace(client, workspace_id):
    """The workspace, or None when there is none of that id."""
    try:
        return client.describe_workspace(aws_retry=True, workspaceId=workspace_id)["workspace"]
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


def find_workspaces(client, name):
    """Summaries of the workspaces of that name, those being deleted last."""
    found = [item for item in paginate(client, "list_workspaces")["workspaces"] if item.get("name") == name]
    return sorted(found, key=lambda item: item["status"] == "DELETING")


def find_workspace(module, client, name):
    """The one workspace of that name that is not being deleted (else one being deleted), or None."""
    found = find_workspaces(client, name)
    alive = [item for item in found if item["status"] != "DELETING"]
    if len(alive) > 1:
        module.fail_json(msg="More than one AMG workspace is named %s: %s; name one of them uniquely"
                         % (name, ", ".join(item["id"] for item in alive)))
    if not found:
        return None
    return describe_workspace(client, found[0]["id"])


def workspace_failure(workspace):
    """For wait_until: why a workspace in a failed state is; None otherwise."""
    if workspace["status"] not in FAILED_STATUSES:
        return None
    reason = workspace.get("degradedWorkspaceReason")
    return "the workspace is %s%s" % (workspace["status"], ": %s" % reason if reason else "")


def wait_for(module, client, workspace_id, done, what):
    """Polls the workspace until done(workspace or None); a failure or time-out fails the module."""
    try:
        return wait_until(lambda: describe_workspace(client, workspace_id), done, module.params["wait_timeout"],
                          delay=10, failed=workspace_failure,
                          what="AMG workspace %s %s" % (workspace_id, what))
    except WaitTimeout as error:
        module.fail_json(msg=str(error), last=to_ansible(error.last))


def wait_started(module, client, workspace_id, modified, answer=None):
    """After a change: polls until the workspace shows it begun, for at most START_TIMEOUT seconds; returns what was seen
    last. Reads are eventually consistent: a wait for ACTIVE started at once could end before the change has begun.

    Begun means not ACTIVE, or modified at least when the change's ``answer`` (UpdateWorkspace's workspace) says, or,
    for changes that answer without the workspace, a ``modified`` other than the one read before the change.
    """
    def shows(workspace):
        if workspace is None or workspace["status"] != "ACTIVE":
            return True
        if answer and answer.get("modified") and workspace.get("modified"):
            return workspace["modified"] >= answer["modified"]
        return workspace.get("modified") != modified

    try:
        return wait_until(lambda: describe_workspace(client, workspace_id), shows, min(START_TIMEOUT, module.params["wait_timeout"]),
                          delay=5, what="AMG workspace %s to show the change" % workspace_id)
    except WaitTimeout as error:
        return error.last


def wait_active(module, client, workspace_id):
    return wait_for(module, client, workspace_id, lambda workspace: workspace is not None and workspace["status"] == "ACTIVE",
                    "to become ACTIVE")


def wait_gone(module, client, workspace_id):
    return wait_for(module, client, workspace_id, lambda workspace: workspace is None, "to be deleted")


# -- Grafana versions ---------------------------------------------------------------------------------


def version_key(version):
    """Orders Grafana versions such as 8.4, 9.4, 10.4 by their numbers."""
    return tuple(int(number) for number in re.findall(r"\d+", version))


def offered_versions(client, workspace_id=None):
    """The Grafana versions offered: to new workspaces, or those a workspace can be upgraded to; newest first."""
    params = dict(workspaceId=workspace_id) if workspace_id else {}
    versions = paginate(client, "list_versions", **params).get("grafanaVersions", [])
    return sorted(set(versions), key=version_key, reverse=True)


# -- service accounts ---------------------------------------------------------------------------------


def find_service_account(client, workspace_id, name):
    """The workspace's service account of that name, or None."""
    accounts = paginate_settled(client, "list_workspace_service_accounts", workspaceId=workspace_id)["serviceAccounts"]
    return next((account for account in accounts if account["name"] == name), None)


def list_tokens(client, workspace_id, service_account_id):
    """The service account's tokens (never their keys: AMG shows a key only when it mints it)."""
    return paginate_settled(client, "list_workspace_service_account_tokens", workspaceId=workspace_id,
                            serviceAccountId=service_account_id)["serviceAccountTokens"]


def has_service_accounts(version):
    return version is not None and version_key(version) >= SERVICE_ACCOUNTS_FROM


def expired(token, now):
    """Whether a listed token (expiresAt a datetime, as botocore parses it, or epoch seconds) has expired by ``now`` (aware)."""
    expires_at = token.get("expiresAt")
    if expires_at is None:
        return False
    if isinstance(expires_at, (int, float)):
        return expires_at <= now.timestamp()
    return expires_at <= now


# -- what amg_workspace asks for, and what differs -------------------------------------------------------

DATA_SOURCES = ("AMAZON_OPENSEARCH_SERVICE", "ATHENA", "CLOUDWATCH", "PROMETHEUS", "REDSHIFT", "SITEWISE", "TIMESTREAM",
                "TWINMAKER", "XRAY")
# Option -> (the workspace's field in the module's result, the UpdateWorkspace/CreateWorkspace member).
LIST_FIELDS = (("organizational_units", "workspaceOrganizationalUnits"), ("data_sources", "workspaceDataSources"),
               ("notification_destinations", "workspaceNotificationDestinations"))
# Option -> (UpdateWorkspace member, its remove flag).
NETWORK_FIELDS = (("vpc_configuration", "vpcConfiguration", "removeVpcConfiguration"),
                  ("network_access_control", "networkAccessControl", "removeNetworkAccessConfiguration"))


def prune(value):
    """``value`` without None members, empty lists and empty dictionaries, recursively; None when nothing is left."""
    if isinstance(value, dict):
        value = dict((key, prune(item)) for key, item in value.items())
        value = dict((key, item) for key, item in value.items() if item is not None)
        return value or None
    if isinstance(value, list):
        return value or None
    return value


def parse_configuration(module, value):
    """A workspace configuration as a dictionary, from a dictionary or JSON text."""
    if isinstance(value, dict):
        return value
    try:
        document = json.loads(value)
    except (TypeError, ValueError) as error:
        module.fail_json(msg="configuration is not a JSON object: %s" % error)
    if not isinstance(document, dict):
        module.fail_json(msg="configuration must be a JSON object, not: %s" % value)
    return document


def configuration_json(configuration):
    return json.dumps(configuration, sort_keys=True, separators=(",", ":"))


def check_params(module):
    """What the argument spec cannot say, checked before any call."""
    params = module.params
    if params["permission_type"] == "CUSTOMER_MANAGED" and not params["workspace_role_arn"]:
        module.fail_json(msg="permission_type is CUSTOMER_MANAGED, so workspace_role_arn must be given")
    if params["account_access_type"] == "ORGANIZATION" and not params["organizational_units"]:
        module.fail_json(msg="account_access_type is ORGANIZATION, so organizational_units must be given")
    if params["saml"] and "SAML" not in (params["authentication_providers"] or []):
        module.fail_json(msg="saml is given, so authentication_providers must list SAML")
    if params["configuration"] is not None:
        parse_configuration(module, params["configuration"])
    version = params["grafana_version"]
    if version is not None and version != "latest" and not re.match(r"^\d+(\.\d+)*$", version):
        module.fail_json(msg="grafana_version must be a version such as 10.4, or latest, not: %s" % version)
    for field in NETWORK_FIELDS:
        wanted = prune(params[field[0]])
        if wanted is not None and len(wanted) != 2:
            module.fail_json(msg="%s needs both of its lists, or both empty to remove it: %s" % (field[0], params[field[0]]))


def wanted_network(value):
    """A vpc_configuration / network_access_control option as compared: None (leave), {} (remove), or sorted lists."""
    if value is None:
        return None
    value = prune(value) or {}
    return dict((key, sorted(items)) for key, items in value.items())


def wanted_saml(module):
    return prune(module.params["saml"])


def contains(current, wanted):
    """Whether ``current`` has everything ``wanted`` says: dictionaries key by key (keys wanted leaves out are AMG's
    business, such as the SAML defaults it fills in), anything else as equal."""
    if isinstance(wanted, dict):
        return isinstance(current, dict) and all(contains(current.get(key), value) for key, value in wanted.items())
    return current == wanted


def create_request(module, version):
    """The CreateWorkspace request (without its client token)."""
    params = module.params
    request = dict(workspaceName=params["name"], accountAccessType=params["account_access_type"] or "CURRENT_ACCOUNT",
                   permissionType=params["permission_type"] or "SERVICE_MANAGED",
                   authenticationProviders=params["authentication_providers"] or ["AWS_SSO"])
    if params["description"]:
        request["workspaceDescription"] = params["description"]
    if params["workspace_role_arn"]:
        request["workspaceRoleArn"] = params["workspace_role_arn"]
    for option, member in LIST_FIELDS:
        if params[option]:
            request[member] = sorted(set(params[option]))
    for option, member, _remove in NETWORK_FIELDS:
        wanted = wanted_network(params[option])
        if wanted:
            request[member] = snake_dict_to_camel_dict(wanted)
    if params["configuration"] is not None:
        request["configuration"] = configuration_json(parse_configuration(module, params["configuration"]))
    if version:
        request["grafanaVersion"] = version
    if params["tags"]:
        request["tags"] = params["tags"]
    return request


def planned_workspace(module, request):
    """What a workspace created with ``request`` would be, for check mode."""
    params = module.params
    saml = wanted_saml(module)
    providers = request["authenticationProviders"]
    authentication = dict(providers=providers, aws_sso=None,
                          saml=dict(status="CONFIGURED" if saml else "NOT_CONFIGURED", configuration=saml) if "SAML" in providers else None)
    configuration = json.loads(request["configuration"]) if "configuration" in request else None
    return dict(workspace_id=None, arn=None, name=params["name"], description=params["description"], endpoint=None, status=None,
                grafana_version=request.get("grafanaVersion"), account_access_type=request["accountAccessType"],
                permission_type=request["permissionType"], workspace_role_arn=params["workspace_role_arn"],
                organizational_units=request.get("workspaceOrganizationalUnits", []),
                data_sources=request.get("workspaceDataSources", []),
                notification_destinations=request.get("workspaceNotificationDestinations", []),
                vpc_configuration=wanted_network(params["vpc_configuration"]) or None,
                network_access_control=wanted_network(params["network_access_control"]) or None,
                authentication=authentication, configuration=configuration, tags=params["tags"] or {})


def workspace_update(module, before):
    """(the UpdateWorkspace members that differ, with their values; the workspace as it would be after)."""
    params = module.params
    update, after = {}, dict(before)
    if params["description"] is not None and params["description"] != (before["description"] or ""):
        update["workspaceDescription"] = after["description"] = params["description"]
    if params["account_access_type"] and params["account_access_type"] != before["account_access_type"]:
        update["accountAccessType"] = after["account_access_type"] = params["account_access_type"]
    if params["permission_type"] and params["permission_type"] != before["permission_type"]:
        if params["permission_type"] == "SERVICE_MANAGED":
            module.fail_json(msg="The AMG API cannot turn the CUSTOMER_MANAGED workspace %s into SERVICE_MANAGED;"
                             " the AMG console can" % params["name"])
        update["permissionType"] = after["permission_type"] = params["permission_type"]
    if params["workspace_role_arn"] and (params["workspace_role_arn"] != before["workspace_role_arn"] or "permissionType" in update):
        update["workspaceRoleArn"] = after["workspace_role_arn"] = params["workspace_role_arn"]
    for option, member in LIST_FIELDS:
        wanted = params[option]
        if wanted is not None and sorted(set(wanted)) != sorted(set(before[option])):
            update[member] = after[option] = sorted(set(wanted))
    if "accountAccessType" in update and params["organizational_units"]:
        update["workspaceOrganizationalUnits"] = after["organizational_units"] = sorted(set(params["organizational_units"]))
    for option, member, remove in NETWORK_FIELDS:
        wanted = wanted_network(params[option])
        if wanted is not None and wanted != (wanted_network(before[option]) or {}):
            if wanted:
                update[member] = snake_dict_to_camel_dict(wanted)
            else:
                update[remove] = True
            after[option] = wanted or None
    return update, after


def describe_authentication(authentication):
    """DescribeWorkspaceAuthentication's answer in snake case, with every key present."""
    result = to_ansible(authentication)
    result.setdefault("saml", None)
    result.setdefault("aws_sso", None)
    return result


def authentication_update(module, current):
    """The UpdateWorkspaceAuthentication request (without workspaceId) when providers or SAML differ; {} otherwise."""
    params = module.params
    providers = params["authentication_providers"] or current["providers"]
    current_saml = prune((current.get("saml") or {}).get("configuration"))
    saml = wanted_saml(module)
    # AMG fills in what SAML leaves out (assertion attributes, login validity; Terraform marks them Optional+Computed),
    # so only what the task gives is compared.
    if sorted(set(providers)) == sorted(set(current["providers"])) and (saml is None or contains(current_saml, saml)):
        return {}
    request = dict(authenticationProviders=providers)
    # The SAML configuration is sent again when SAML stays on, so that a change of providers keeps it.
    saml = saml or (current_saml if "SAML" in providers else None)
    if saml:
        request["samlConfiguration"] = snake_dict_to_camel_dict(saml)
    return request


def planned_authentication(before, request):
    """The authentication after ``request``, for check mode and the diff."""
    providers = request["authenticationProviders"]
    saml = to_ansible(request.get("samlConfiguration")) or None
    return dict(providers=providers,
                saml=dict(status="CONFIGURED" if saml else "NOT_CONFIGURED", configuration=saml) if "SAML" in providers else None,
                aws_sso=before.get("aws_sso") if "AWS_SSO" in providers else None)


def merge_configuration(current, wanted):
    """``wanted`` over ``current``, section by section and key by key: AMG adds keys the caller never sent
    (hashicorp/terraform-provider-aws#34417: plugins.pluginAdminEnabled), so what the task leaves out is left as it is."""
    merged = dict((section, dict(values) if isinstance(values, dict) else values) for section, values in (current or {}).items())
    for section, values in wanted.items():
        if isinstance(values, dict) and isinstance(merged.get(section), dict):
            merged[section].update(values)
        else:
            merged[section] = values
    return merged


def configuration_update(module, before, version):
    """The UpdateWorkspaceConfiguration request (without workspaceId) when the configuration or version differ; {} otherwise.

    The task's configuration is merged over the workspace's. Workspaces before Grafana 9 cannot set plugins: the
    section is neither compared nor sent to them (sending it back "does not actually change anything").
    """
    params = module.params
    current = before["configuration"] or {}
    target_version = version or before["grafana_version"]
    configuration = current
    if params["configuration"] is not None:
        configuration = merge_configuration(current, parse_configuration(module, params["configuration"]))
    if target_version and version_key(target_version) < PLUGINS_SETTING_FROM:
        if "plugins" in parse_configuration(module, params["configuration"] or "{}"):
            module.warn("Grafana %s workspaces cannot set plugins; the configuration's plugins section is left out" % target_version)
        configuration = dict((key, value) for key, value in configuration.items() if key != "plugins")
        current = dict((key, value) for key, value in current.items() if key != "plugins")
    upgrade = version is not None and version != before["grafana_version"]
    if configuration == current and not upgrade:
        return {}
    request = dict(configuration=configuration_json(configuration))
    if upgrade:
        request["grafanaVersion"] = version
    return request


# -- user and group permissions (amg_permissions) -------------------------------------------------------

# The module's options (and the platform spec's keys) -> AMG's roles; and AMG's user types -> the options' lists.
PERMISSION_ROLES = (("admins", "ADMIN"), ("editors", "EDITOR"), ("viewers", "VIEWER"))
PRINCIPAL_TYPES = (("users", "SSO_USER"), ("groups", "SSO_GROUP"))
# UpdatePermissions takes at most 20 instructions a call (botocore's UpdateInstructionBatch).
INSTRUCTIONS_PER_CALL = 20


def list_permissions(client, workspace_id):
    """The workspace's assignments: {(user type, id): role}."""
    entries = paginate(client, "list_permissions", workspaceId=workspace_id)["permissions"]
    return dict(((entry["user"]["type"], entry["user"]["id"]), entry["role"]) for entry in entries)


def wanted_permissions(module):
    """The assignments the options list: {(user type, id): role}; an id listed under two roles fails the module."""
    wanted = {}
    for option, role in PERMISSION_ROLES:
        for key, kind in PRINCIPAL_TYPES:
            for principal in (module.params[option] or {}).get(key) or []:
                if wanted.get((kind, principal), role) != role:
                    module.fail_json(msg="%s %s is listed as %s and as %s; an Identity Center user or group has one Grafana role"
                                     % (kind, principal, wanted[(kind, principal)], role))
                wanted[(kind, principal)] = role
    return wanted


def permission_changes(current, wanted, exclusive, state):
    """(revokes, adds): lists of (role, user type, id) that bring ``current`` to what the options ask.

    present: every wanted assignment is added, one with another role first revoked (so the result does not depend on
    whether ADD replaces a role), and with ``exclusive`` every other assignment is revoked; absent: the wanted
    assignments that are there are revoked.
    """
    if state == "absent":
        return sorted((role, kind, ident) for (kind, ident), role in wanted.items() if current.get((kind, ident)) == role), []
    adds = sorted((role, kind, ident) for (kind, ident), role in wanted.items() if current.get((kind, ident)) != role)
    revokes = sorted((current[(kind, ident)], kind, ident) for role, kind, ident in adds if (kind, ident) in current)
    if exclusive:
        revokes += sorted((role, kind, ident) for (kind, ident), role in current.items() if (kind, ident) not in wanted)
    return sorted(revokes), adds


def update_instructions(action, changes):
    """UpdatePermissions instructions for (role, user type, id) changes, one per role, in batches a call takes."""
    by_role = {}
    for role, kind, ident in changes:
        by_role.setdefault(role, []).append(dict(type=kind, id=ident))
    instructions = [dict(action=action, role=role, users=users) for role, users in sorted(by_role.items())]
    return [instructions[start:start + INSTRUCTIONS_PER_CALL] for start in range(0, len(instructions), INSTRUCTIONS_PER_CALL)]


def permissions_view(assignments):
    """{(user type, id): role} as the module shows it: {admins: {users: [...], groups: [...]}, editors: ..., viewers: ...}."""
    view = dict((option, dict((key, []) for key, _kind in PRINCIPAL_TYPES)) for option, _role in PERMISSION_ROLES)
    options = dict((role, option) for option, role in PERMISSION_ROLES)
    keys = dict((kind, key) for key, kind in PRINCIPAL_TYPES)
    for (kind, ident), role in sorted(assignments.items()):
        view[options[role]][keys[kind]].append(ident)
    return view


def applied(current, revokes, adds):
    """The assignments after ``revokes`` and ``adds``."""
    after = dict(current)
    for role, kind, ident in revokes:
        if after.get((kind, ident)) == role:
            del after[(kind, ident)]
    for role, kind, ident in adds:
        after[(kind, ident)] = role
    return after
