#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: amg_workspace
short_description: Manage an Amazon Managed Grafana workspace
version_added: 0.1.0
description:
  - Ensures an Amazon Managed Grafana (AMG) workspace of the given name exists with the given access,
    authentication, permissions, data sources, network settings, Grafana configuration, Grafana version
    and tags, or that there is none of that name.
  - The workspace is found by name among C(ListWorkspaces). AMG does not keep names unique; two live
    workspaces of the same name fail the task.
  - A workspace that differs is changed with C(UpdateWorkspace) (access, permissions, data sources,
    notification destinations, VPC and network access), C(UpdateWorkspaceAuthentication) (providers and
    SAML) and C(UpdateWorkspaceConfiguration) (configuration and Grafana version), only those whose
    fields differ, one after another once the workspace is V(ACTIVE) again. Tags are changed with
    C(TagResource) and C(UntagResource).
  - AMG's reads are eventually consistent, and a workspace can read V(ACTIVE) for a while after an update
    has begun. So after each update the module first waits (up to a minute) until the workspace shows it
    (not V(ACTIVE), or a newer C(modified) time), then for V(ACTIVE); an update AMG refuses as busy
    (C(ConflictException)) is retried.
  - Options that are omitted are left as the workspace has them; on creation they take the defaults
    named below.
  - C(CreateWorkspace) is sent with a client token derived from the account, region, name and request,
    so a create that is retried returns the workspace the first attempt started instead of a second one.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  name:
    description: The workspace's name; letters, digits and C(-._~), at most 255 characters.
    type: str
    required: true
    aliases: [workspace_name]
  state:
    description: V(present) ensures the workspace; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  description:
    description: The workspace's description.
    type: str
  account_access_type:
    description:
      - Whether the workspace reads data sources of this account only, or of the accounts in
        O(organizational_units) too. Defaults to V(CURRENT_ACCOUNT) on creation.
    type: str
    choices: [CURRENT_ACCOUNT, ORGANIZATION]
  organizational_units:
    description: The AWS Organizations units whose accounts the workspace reads; required with V(ORGANIZATION).
    type: list
    elements: str
  authentication_providers:
    description:
      - How users sign in, V(AWS_SSO) (IAM Identity Center) and/or V(SAML). Defaults to V([AWS_SSO]) on creation.
    type: list
    elements: str
    choices: [AWS_SSO, SAML]
  saml:
    description:
      - The SAML configuration, applied with C(UpdateWorkspaceAuthentication) once the workspace is
        V(ACTIVE) (so with O(wait=false), by a later call). O(authentication_providers) must list V(SAML).
      - Compared with the workspace's as data, only what is given; AMG fills in what is left out (such as
        O(saml.assertion_attributes.login) and O(saml.login_validity_duration)), which is then not a change.
        Lists are compared in order.
    type: dict
    suboptions:
      idp_metadata:
        description: The identity provider's metadata, by O(saml.idp_metadata.url) or as O(saml.idp_metadata.xml).
        type: dict
        required: true
        suboptions:
          url:
            description: URL of the IdP metadata.
            type: str
          xml:
            description: The IdP metadata XML itself.
            type: str
      assertion_attributes:
        description: Which SAML assertion attributes hold the user's C(name), C(login), C(email), C(groups), C(role) and C(org).
        type: dict
        suboptions:
          name:
            description: Attribute with the user's full name.
            type: str
          login:
            description: Attribute with the user's login.
            type: str
          email:
            description: Attribute with the user's e-mail address.
            type: str
          groups:
            description: Attribute with the user's groups.
            type: str
          role:
            description: Attribute with the user's role, matched against O(saml.role_values).
            type: str
          org:
            description: Attribute with the user's organization, matched against O(saml.allowed_organizations).
            type: str
      role_values:
        description: Values of the role attribute that make a user a Grafana admin or editor.
        type: dict
        suboptions:
          admin:
            description: Role values of admins.
            type: list
            elements: str
          editor:
            description: Role values of editors.
            type: list
            elements: str
      allowed_organizations:
        description: Organizations whose users may sign in; empty lets every user of the IdP in.
        type: list
        elements: str
      login_validity_duration:
        description: Minutes a sign-in stays valid.
        type: int
  permission_type:
    description:
      - V(SERVICE_MANAGED) lets AMG create the IAM role and policies for O(data_sources);
        V(CUSTOMER_MANAGED) uses O(workspace_role_arn). Defaults to V(SERVICE_MANAGED) on creation.
      - The AMG API cannot turn a V(CUSTOMER_MANAGED) workspace back into V(SERVICE_MANAGED); the task fails
        if asked to.
    type: str
    choices: [SERVICE_MANAGED, CUSTOMER_MANAGED]
  workspace_role_arn:
    description: The IAM role the workspace uses for data sources and notifications; required with V(CUSTOMER_MANAGED).
    type: str
  data_sources:
    description: The AWS data sources the workspace is given access to; the list is compared as a set.
    type: list
    elements: str
    choices: [AMAZON_OPENSEARCH_SERVICE, ATHENA, CLOUDWATCH, PROMETHEUS, REDSHIFT, SITEWISE, TIMESTREAM, TWINMAKER, XRAY]
  notification_destinations:
    description: Where alerts may be sent; V([]) for none.
    type: list
    elements: str
    choices: [SNS]
  vpc_configuration:
    description:
      - The VPC the workspace reaches private data sources in. Both lists empty removes it.
    type: dict
    suboptions:
      security_group_ids:
        description: One to five security groups.
        type: list
        elements: str
      subnet_ids:
        description: Two to six subnets.
        type: list
        elements: str
  network_access_control:
    description:
      - Which networks may reach the workspace's endpoint. Both lists empty removes the restriction.
    type: dict
    suboptions:
      prefix_list_ids:
        description: Managed prefix lists of the IP ranges allowed in.
        type: list
        elements: str
      vpce_ids:
        description: Interface VPC endpoints allowed in.
        type: list
        elements: str
  configuration:
    description:
      - The workspace's Grafana configuration, as a dictionary or JSON text, such as C(unifiedAlerting.enabled)
        and C(plugins.pluginAdminEnabled) (see the examples).
      - Merged over the workspace's configuration, key by key, and compared as parsed JSON; keys left out
        (which AMG fills in, such as C(plugins.pluginAdminEnabled)) are left as the workspace has them. When
        the merge differs, it is sent as a whole with C(UpdateWorkspaceConfiguration), which restarts the
        workspace's Grafana.
      - Workspaces before Grafana 9 cannot set C(plugins); the section is left out for them, with a warning.
    type: raw
  grafana_version:
    description:
      - The Grafana version, as C(ListVersions) offers it (such as V(10.4) or V(12.4)), or V(latest) for the newest offered.
      - Checked against C(ListVersions) before any change. AMG only upgrades; a version lower than the
        workspace's fails the task. Upgrades go through C(UpdateWorkspaceConfiguration).
      - Omitted, a new workspace gets AMG's default and an existing one keeps its version.
    type: str
  wait:
    description:
      - Wait until a workspace created or changed is V(ACTIVE), or a deleted one is gone.
      - With V(false), a new workspace is returned right after C(CreateWorkspace) (creation takes about
        ten minutes), and a workspace still being created or changed is returned as it is, unchanged; a
        later call with V(true) waits for it and then brings it to what is asked. Several updates of one
        workspace are still applied one after another.
      - A workspace that is, or turns, failed or V(DEGRADED) fails the task with AMG's reason
        (C(degradedWorkspaceReason)) instead of being waited for or changed.
    type: bool
    default: true
  wait_timeout:
    description: How many seconds to wait.
    type: int
    default: 1800
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports whether the workspace would be created, updated, retagged or deleted, without doing so.
  diff_mode:
    support: full
    description:
      - Returns the workspace's settings, authentication, configuration, Grafana version and tags, before and after.
"""

EXAMPLES = r"""
- name: A workspace for the platform's dashboards, signing in through IAM Identity Center
  gameops.platform.amg_workspace:
    name: queue-infra-prod
    description: Dashboards of queue-infra-prod
    authentication_providers: [AWS_SSO]
    permission_type: CUSTOMER_MANAGED
    workspace_role_arn: arn:aws:iam::123456789012:role/queue-infra-prod-grafana
    data_sources: [PROMETHEUS]
    notification_destinations: [SNS]
    configuration:
      unifiedAlerting: {enabled: true}
      plugins: {pluginAdminEnabled: false}
    grafana_version: latest
    tags:
      gameops:platform: queue-infra-prod

- name: Start creating it early, without waiting (a later call waits)
  gameops.platform.amg_workspace:
    name: queue-infra-prod
    authentication_providers: [AWS_SSO]
    wait: false

- name: SAML sign-in
  gameops.platform.amg_workspace:
    name: queue-infra-prod
    authentication_providers: [SAML]
    saml:
      idp_metadata: {url: "https://idp.example.com/metadata.xml"}
      assertion_attributes: {role: role, login: mail, email: mail}
      role_values: {admin: [grafana-admins], editor: [grafana-editors]}
      login_validity_duration: 120

- name: Remove it
  gameops.platform.amg_workspace:
    name: queue-infra-prod
    state: absent
"""

RETURN = r"""
workspace:
  description:
    - The workspace as C(DescribeWorkspace) returns it, in snake case, with its ARN, its authentication as
      C(DescribeWorkspaceAuthentication) returns it and its configuration as a dictionary; empty when there is none.
    - C(authentication) and C(configuration) are null while the workspace is being created and not waited for.
    - In check mode, what the workspace would be; values only AWS knows are missing or null.
  returned: always
  type: dict
  sample:
    workspace_id: g-0123456789
    arn: arn:aws:grafana:ap-northeast-2:123456789012:/workspaces/g-0123456789
    name: queue-infra-prod
    description: Dashboards of queue-infra-prod
    endpoint: g-0123456789.grafana-workspace.ap-northeast-2.amazonaws.com
    status: ACTIVE
    grafana_version: "10.4"
    account_access_type: CURRENT_ACCOUNT
    organizational_units: []
    permission_type: CUSTOMER_MANAGED
    workspace_role_arn: arn:aws:iam::123456789012:role/queue-infra-prod-grafana
    data_sources: [PROMETHEUS]
    notification_destinations: [SNS]
    vpc_configuration: null
    network_access_control: null
    authentication:
      providers: [AWS_SSO]
      saml: null
      aws_sso: {sso_client_id: 0123456789abcdef}
    configuration: {unifiedAlerting: {enabled: true}, plugins: {pluginAdminEnabled: false}}
    tags: {gameops:platform: queue-infra-prod}
    created: "2025-01-01T00:00:00+00:00"
    modified: "2025-01-01T00:00:00+00:00"
"""

try:
    import botocore
except ImportError:
    pass  # Reported by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.gameops.platform.plugins.module_utils import amg

DIFF_KEYS = ("name", "description", "account_access_type", "organizational_units", "authentication", "permission_type",
             "workspace_role_arn", "data_sources", "notification_destinations", "vpc_configuration", "network_access_control",
             "configuration", "grafana_version", "tags")


class Workspaces:
    """The workspace of one task: finding, describing, creating, updating and deleting it."""

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.account = None  # (account id, partition), asked once when needed

    def arn(self, workspace_id):
        if self.account is None:
            self.account = get_aws_account_info(self.module)
        return amg.workspace_arn(self.account[1], self.module.region, self.account[0], workspace_id)

    def describe(self, workspace, details=True):
        """The workspace as returned (see RETURN); authentication and configuration only when details."""
        if workspace is None:
            return {}
        workspace = dict(workspace)
        workspace.pop("grafanaToken", None)  # a license token, not ours to show
        result = amg.to_ansible(workspace)
        result["workspace_id"] = result.pop("id")
        result["arn"] = self.arn(workspace["id"])
        result["tags"] = workspace.get("tags") or {}
        for key in ("description", "workspace_role_arn", "vpc_configuration", "network_access_control"):
            result.setdefault(key, None)
        for key in ("organizational_units", "data_sources", "notification_destinations"):
            result[key] = result.get(key) or []
        result["authentication"] = result["configuration"] = None
        if details:
            workspace_id = workspace["id"]
            authentication = self.client.describe_workspace_authentication(aws_retry=True, workspaceId=workspace_id)["authentication"]
            result["authentication"] = amg.describe_authentication(authentication)
            configuration = self.client.describe_workspace_configuration(aws_retry=True, workspaceId=workspace_id)
            result["configuration"] = amg.parse_configuration(self.module, configuration["configuration"])
            result["grafana_version"] = configuration.get("grafanaVersion") or result["grafana_version"]
        return result

    # -- versions -------------------------------------------------------------------------------------

    def resolve_version(self, workspace):
        """The Grafana version asked for, checked against ListVersions; None to leave it."""
        requested = self.params["grafana_version"]
        if requested is None:
            return None
        current = workspace["grafanaVersion"] if workspace else None
        if requested == current:
            return current
        offered = amg.offered_versions(self.client, workspace["id"] if workspace else None)
        if requested == "latest":
            return offered[0] if offered else current
        if current and amg.version_key(requested) < amg.version_key(current):
            self.module.fail_json(msg="The AMG workspace %s runs Grafana %s; AMG only upgrades, so it cannot be moved to %s"
                                  % (self.params["name"], current, requested))
        if requested not in offered:
            where = "the workspace %s can be upgraded to" % self.params["name"] if current else "AMG offers in %s" % self.module.region
            self.module.fail_json(msg="Grafana version %s is not offered; the versions %s are: %s"
                                  % (requested, where, ", ".join(offered) or "none"))
        return requested

    # -- create ---------------------------------------------------------------------------------------

    def create(self, version):
        params = self.params
        request = amg.create_request(self.module, version)
        if self.module.check_mode:
            return amg.planned_workspace(self.module, request)
        if self.account is None:
            self.account = get_aws_account_info(self.module)
        workspace = self.create_once(request)
        if not params["wait"]:
            return self.describe(workspace, details=False)
        workspace = amg.wait_active(self.module, self.client, workspace["id"])
        if params["saml"]:
            authentication = self.client.describe_workspace_authentication(aws_retry=True, workspaceId=workspace["id"])["authentication"]
            update = amg.authentication_update(self.module, amg.describe_authentication(authentication))
            if update:
                amg.when_settled(self.client.update_workspace_authentication, workspaceId=workspace["id"], **update)
                amg.wait_started(self.module, self.client, workspace["id"], workspace.get("modified"))
                workspace = amg.wait_active(self.module, self.client, workspace["id"])
        return self.describe(workspace)

    def create_once(self, request):
        """CreateWorkspace with the request's client token; a token whose workspace was deleted since is salted with its id."""
        salt, seen = "", set()
        while True:
            token = amg.client_token(self.account[0], self.module.region, request, salt)
            workspace = self.client.create_workspace(aws_retry=True, clientToken=token, **request)["workspace"]
            if workspace["id"] in seen:
                self.module.fail_json(msg="CreateWorkspace keeps answering with the deleted workspace %s" % workspace["id"])
            current = amg.describe_workspace(self.client, workspace["id"])
            if current is not None and current["status"] != "DELETING":
                return workspace
            seen.add(workspace["id"])
            salt = workspace["id"]

    # -- update ---------------------------------------------------------------------------------------

    def update(self, workspace, before, version):
        """(changed, the workspace after)."""
        params, workspace_id = self.params, workspace["id"]
        core, after = amg.workspace_update(self.module, before)
        authentication = amg.authentication_update(self.module, before["authentication"])
        if authentication:
            after["authentication"] = amg.planned_authentication(before["authentication"], authentication)
        configuration = amg.configuration_update(self.module, before, version)
        if configuration:
            after["configuration"] = amg.parse_configuration(self.module, configuration["configuration"])
            after["grafana_version"] = configuration.get("grafanaVersion", before["grafana_version"])
        calls = [(operation, request) for operation, request in (
            (self.client.update_workspace, core),
            (self.client.update_workspace_authentication, authentication),
            (self.client.update_workspace_configuration, configuration)) if request]
        if not self.module.check_mode:
            current = workspace
            for index, (operation, request) in enumerate(calls):
                if index:
                    current = amg.wait_active(self.module, self.client, workspace_id)  # AMG takes one change at a time
                answer = amg.when_settled(operation, workspaceId=workspace_id, **request)
                if index + 1 < len(calls) or params["wait"]:
                    # Reads may still say ACTIVE: the wait for ACTIVE must not start before the change shows.
                    amg.wait_started(self.module, self.client, workspace_id, current.get("modified"), answer.get("workspace"))
        tags_changed, after["tags"] = amg.ensure_tags(self.module, self.client, before["arn"], before["tags"],
                                                      params["tags"], params["purge_tags"])
        changed = bool(calls) or tags_changed
        if changed and not self.module.check_mode:
            if calls and params["wait"]:
                after = self.describe(amg.wait_active(self.module, self.client, workspace_id))
            else:
                after = self.describe(amg.describe_workspace(self.client, workspace_id))
        return changed, after

    # -- delete ---------------------------------------------------------------------------------------

    def delete(self, workspace):
        """changed; a workspace already being deleted is only waited for."""
        workspace_id = workspace["id"]
        changed = workspace["status"] != "DELETING"
        if self.module.check_mode:
            return changed
        if changed:
            if self.params["wait"] and workspace["status"] in amg.BUSY_STATUSES:
                amg.wait_active(self.module, self.client, workspace_id)
            try:
                amg.when_settled(self.client.delete_workspace, workspaceId=workspace_id)
            except is_boto3_error_code("ResourceNotFoundException"):
                return False
        if self.params["wait"]:
            amg.wait_gone(self.module, self.client, workspace_id)
        return changed


def diff_view(result):
    return dict((key, result.get(key)) for key in DIFF_KEYS) if result else {}


def ensure_present(module, workspaces, workspace):
    """(changed, before, after)."""
    params = module.params
    if workspace is not None and workspace["status"] == "DELETING":
        workspace = None  # on its way out: a new one is made
    version = workspaces.resolve_version(workspace)
    if workspace is None:
        return True, {}, workspaces.create(version)
    if workspace["status"] in amg.UNUSABLE_STATUSES:  # other failed states leave a usable workspace to retry on
        reason = workspace.get("degradedWorkspaceReason")
        module.fail_json(msg="The AMG workspace %s (%s) is %s%s; %s" % (
            params["name"], workspace["id"], workspace["status"], ": %s" % reason if reason else "",
            "repair what the reason names, or delete it and create it again" if workspace["status"] == "DEGRADED"
            else "delete it and create it again"), workspace=workspaces.describe(workspace, details=False))
    if workspace["status"] in amg.BUSY_STATUSES:
        if not params["wait"]:
            current = workspaces.describe(workspace, details=False)
            return False, current, current
        workspace = amg.wait_active(module, workspaces.client, workspace["id"])
        version = workspaces.resolve_version(workspace)
    before = workspaces.describe(workspace)
    changed, after = workspaces.update(workspace, before, version)
    return changed, before, after


def main():
    argument_spec = dict(
        name=dict(type="str", required=True, aliases=["workspace_name"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        description=dict(type="str"),
        account_access_type=dict(type="str", choices=["CURRENT_ACCOUNT", "ORGANIZATION"]),
        organizational_units=dict(type="list", elements="str"),
        authentication_providers=dict(type="list", elements="str", choices=["AWS_SSO", "SAML"]),
        saml=dict(type="dict", options=dict(
            idp_metadata=dict(type="dict", required=True, options=dict(url=dict(type="str"), xml=dict(type="str")),
                              mutually_exclusive=[["url", "xml"]], required_one_of=[["url", "xml"]]),
            assertion_attributes=dict(type="dict", options=dict(
                (key, dict(type="str")) for key in ("name", "login", "email", "groups", "role", "org"))),
            role_values=dict(type="dict", options=dict(admin=dict(type="list", elements="str"), editor=dict(type="list", elements="str"))),
            allowed_organizations=dict(type="list", elements="str"),
            login_validity_duration=dict(type="int"),
        )),
        permission_type=dict(type="str", choices=["SERVICE_MANAGED", "CUSTOMER_MANAGED"]),
        workspace_role_arn=dict(type="str"),
        data_sources=dict(type="list", elements="str", choices=list(amg.DATA_SOURCES)),
        notification_destinations=dict(type="list", elements="str", choices=["SNS"]),
        vpc_configuration=dict(type="dict", options=dict(security_group_ids=dict(type="list", elements="str"),
                                                         subnet_ids=dict(type="list", elements="str"))),
        network_access_control=dict(type="dict", options=dict(prefix_list_ids=dict(type="list", elements="str"),
                                                              vpce_ids=dict(type="list", elements="str"))),
        configuration=dict(type="raw"),
        grafana_version=dict(type="str"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    if params["state"] == "present":
        amg.check_params(module)
    client = amg.grafana_client(module)
    workspaces = Workspaces(module, client)

    try:
        workspace = amg.find_workspace(module, client, params["name"])
        if params["state"] == "absent":
            before = workspaces.describe(workspace, details=False) if workspace else {}
            changed = workspaces.delete(workspace) if workspace else False
            after = {}
        else:
            changed, before, after = ensure_present(module, workspaces, workspace)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage the AMG workspace %s" % params["name"])

    module.exit_json(changed=changed, workspace=after, diff=dict(before=diff_view(before), after=diff_view(after)))


if __name__ == "__main__":
    main()
