#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: grafana_datasource
short_description: Manage a Grafana data source by uid
version_added: 0.1.0
description:
  - Ensures a data source of a Grafana (an Amazon Managed Grafana workspace, or any Grafana) exists with the
    given settings, or does not exist, through the HTTP API; it is found by its uid, so dashboards can refer
    to it by that uid.
  - Settings are compared with the stored ones and sent only when they differ. Secure settings cannot be
    read back, so O(update_secure) says when they are sent.
author:
  - gameops.platform contributors (!UNKNOWN)
options:
  grafana_url:
    description:
      - The Grafana URL, for example an Amazon Managed Grafana workspace endpoint; without a scheme,
        V(https://) is assumed. O(url) is the data source's own URL.
    type: str
    required: true
  token:
    description: A service account token or API key with the Admin role.
    type: str
    required: true
    aliases: [grafana_api_key]
  uid:
    description: The data source's uid (at most 40 letters, digits, V(-) or V(_)).
    type: str
    required: true
  state:
    description: V(present) ensures the data source; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: Its name, unique in the Grafana. Required with O(state=present).
    type: str
  type:
    description:
      - Its plugin id, such as V(prometheus), V(loki), V(cloudwatch). Required with O(state=present).
      - V(prometheus) with C(sigV4Auth) in O(json_data) (Amazon Managed Prometheus) is managed as the dedicated
        V(grafana-amazonprometheus-datasource) type where Grafana has moved it there, that is on Grafana 13 and later,
        which migrates such data sources on start-up and deprecates SigV4 on the core type (Grafana's Prometheus
        "AWS authentication" docs), and wherever the stored data source already has that type. So a migrated
        data source is not turned back into V(prometheus) on every run; its uid, and so dashboards' references
        by uid, stay.
    type: str
  access:
    description: V(proxy) (Grafana's server queries it) or V(direct) (the browser does).
    type: str
    choices: [proxy, direct]
    default: proxy
  url:
    description: The data source's URL, such as an Amazon Managed Prometheus workspace's query endpoint.
    type: str
    default: ""
  user:
    description: The user name, for data sources that take one.
    type: str
    default: ""
  database:
    description: The database, for data sources that take one.
    type: str
    default: ""
  basic_auth:
    description: Use basic authentication; its password goes in O(secure_json_data) as C(basicAuthPassword).
    type: bool
    default: false
  basic_auth_user:
    description: The basic authentication user.
    type: str
    default: ""
  is_default:
    description: Make it the default data source (Grafana then unsets the previous default).
    type: bool
    default: false
  json_data:
    description: The plugin's settings (C(jsonData)), compared as data.
    type: dict
    default: {}
  secure_json_data:
    description:
      - The plugin's secret settings (C(secureJsonData)), such as passwords and keys.
      - Grafana never returns them, only which keys are set, so they cannot be compared; see O(update_secure).
    type: dict
  update_secure:
    description:
      - V(on_create) sends O(secure_json_data) when the data source is created, and any of its keys that
        the data source does not have set yet; a key that is set is left as it is, so runs stay idempotent.
      - V(always) sends them on every run, and so reports a change every run; use it to rotate a secret.
    type: str
    choices: [on_create, always]
    default: on_create
  validate_certs:
    description: Verify Grafana's TLS certificate.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for each answer.
    type: int
    default: 30
  retries:
    description: How many times a request is retried on 429, 5xx or connection errors, with exponential backoff.
    type: int
    default: 4
attributes:
  check_mode:
    support: full
    description: Only reads; reports whether the data source would be created, updated or deleted.
  diff_mode:
    support: full
    description: The data source's settings before and after, with the names (never the values) of its secure settings.
"""

EXAMPLES = r"""
- name: Amazon Managed Prometheus, queried with the workspace's IAM role (SigV4)
  gameops.platform.grafana_datasource:
    grafana_url: "{{ grafana_workspace.endpoint }}"
    token: "{{ grafana_token }}"
    uid: amp
    name: Amazon Managed Prometheus
    type: prometheus
    url: "{{ amp_workspace.prometheus_endpoint }}"
    is_default: true
    json_data:
      httpMethod: POST
      sigV4Auth: true
      sigV4AuthType: ec2_iam_role
      sigV4Region: ap-northeast-2

- name: Loki behind basic auth; the password is only sent when the data source does not have one
  gameops.platform.grafana_datasource:
    grafana_url: "{{ grafana_url }}"
    token: "{{ grafana_token }}"
    uid: loki
    name: Loki
    type: loki
    url: https://loki.example.com
    basic_auth: true
    basic_auth_user: grafana
    secure_json_data:
      basicAuthPassword: "{{ loki_password }}"

- name: Remove a data source
  gameops.platform.grafana_datasource:
    grafana_url: "{{ grafana_url }}"
    token: "{{ grafana_token }}"
    uid: old-influx
    state: absent
"""

RETURN = r"""
datasource:
  description:
    - The data source as Grafana returns it, in snake case (C(json_data) as it is); empty when there is none.
    - Secure settings appear only as C(secure_json_fields), the names of those that are set.
    - In check mode, what it would be.
  returned: always
  type: dict
  sample:
    uid: amp
    name: Amazon Managed Prometheus
    type: prometheus
    access: proxy
    url: https://aps-workspaces.ap-northeast-2.amazonaws.com/workspaces/ws-1234/
    is_default: true
    json_data: {httpMethod: POST, sigV4Auth: true, sigV4AuthType: ec2_iam_role, sigV4Region: ap-northeast-2}
    secure_json_fields: {}
    version: 2
"""

from ansible.module_utils.basic import AnsibleModule

import re

from ansible_collections.gameops.platform.plugins.module_utils.grafana_api import GRAFANA_ARGUMENT_SPEC, GrafanaClient, GrafanaError

# Grafana 13 migrates core Prometheus data sources that use SigV4 to this type on start-up (prometheusTypeMigration).
AMAZON_PROMETHEUS_TYPE = "grafana-amazonprometheus-datasource"
PROMETHEUS_TYPE_MIGRATION = 13

# Module option -> Grafana field, for what is compared and sent.
FIELDS = (("name", "name"), ("type", "type"), ("access", "access"), ("url", "url"), ("user", "user"), ("database", "database"),
          ("basic_auth", "basicAuth"), ("basic_auth_user", "basicAuthUser"), ("is_default", "isDefault"), ("json_data", "jsonData"))
RETURNED = dict((field, option) for option, field in FIELDS)
RETURNED.update(id="id", uid="uid", orgId="org_id", typeName="type_name", secureJsonFields="secure_json_fields", version="version",
                readOnly="read_only", withCredentials="with_credentials")


def describe(stored):
    """The data source in snake case (see RETURN); {} for none."""
    if not stored:
        return {}
    return dict((RETURNED[key], value) for key, value in stored.items() if key in RETURNED)


def diff_view(stored):
    if not stored:
        return {}
    view = dict((option, stored.get(field)) for option, field in FIELDS)
    view["secure_json_fields"] = sorted(key for key, value in (stored.get("secureJsonFields") or {}).items() if value)
    return view


def grafana_major(client):
    """Grafana's major version, from /api/health; None when it does not say."""
    version = (client.get_or_none("/api/health") or {}).get("version") or ""
    found = re.match(r"\s*v?(\d+)", version)
    return int(found.group(1)) if found else None


def data_source_type(module, client, stored):
    """The type to manage: the dedicated Amazon Managed Prometheus type for a SigV4 prometheus where Grafana moved it."""
    params = module.params
    if params["type"] != "prometheus" or not (params["json_data"] or {}).get("sigV4Auth"):
        return params["type"]
    if stored is not None and stored.get("type") == AMAZON_PROMETHEUS_TYPE:
        return AMAZON_PROMETHEUS_TYPE
    major = grafana_major(client)
    return AMAZON_PROMETHEUS_TYPE if major is not None and major >= PROMETHEUS_TYPE_MIGRATION else params["type"]


def wanted(module, kind=None):
    """The data source's fields, as Grafana takes them."""
    fields = dict((field, module.params[option]) for option, field in FIELDS)
    if kind:
        fields["type"] = kind
    return fields


def secrets_to_send(module, stored):
    """The secure settings to send: all of them on create or with update_secure=always, else those not set yet."""
    secure = module.params["secure_json_data"] or {}
    if stored is None or module.params["update_secure"] == "always":
        return dict(secure)
    have = stored.get("secureJsonFields") or {}
    return dict((key, value) for key, value in secure.items() if not have.get(key))


def name_taken(client, name, uid):
    for other in client.get("/api/datasources"):
        if other.get("name") == name and other.get("uid") != uid:
            return other.get("uid")
    return None


def ensure_present(module, client, stored):
    params = module.params
    fields = wanted(module, data_source_type(module, client, stored))
    secure = secrets_to_send(module, stored)
    same = stored is not None and all(stored.get(field) == value for field, value in fields.items())
    if same and not secure:
        return False, stored
    taken = name_taken(client, params["name"], params["uid"])
    if taken:
        module.fail_json(msg="cannot %s data source %s: the name %r belongs to data source %s; rename one of them"
                         % ("update" if stored else "create", params["uid"], params["name"], taken))
    fields["uid"] = params["uid"]
    after = dict(stored or {}, **fields)
    after["secureJsonFields"] = dict(after.get("secureJsonFields") or {}, **dict((key, True) for key in secure))
    if module.check_mode:
        return True, after
    body = dict(fields, secureJsonData=secure) if secure else fields
    if stored is None:
        answer = client.post("/api/datasources", body)
    else:
        answer = client.put("/api/datasources/uid/%s" % params["uid"], dict(body, version=stored.get("version")))
    return True, answer.get("datasource") or client.get("/api/datasources/uid/%s" % params["uid"])


def main():
    argument_spec = dict(
        GRAFANA_ARGUMENT_SPEC,
        grafana_url=dict(type="str", required=True),
        uid=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str"),
        type=dict(type="str"),
        access=dict(type="str", choices=["proxy", "direct"], default="proxy"),
        url=dict(type="str", default=""),
        user=dict(type="str", default=""),
        database=dict(type="str", default=""),
        basic_auth=dict(type="bool", default=False),
        basic_auth_user=dict(type="str", default=""),
        is_default=dict(type="bool", default=False),
        json_data=dict(type="dict", default={}),
        secure_json_data=dict(type="dict", no_log=True),
        update_secure=dict(type="str", choices=["on_create", "always"], default="on_create"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           required_if=[("state", "present", ("name", "type"))])
    params = module.params
    client = GrafanaClient.from_module(module, url_option="grafana_url")
    path = "/api/datasources/uid/%s" % params["uid"]
    try:
        stored = client.get_or_none(path)
        if params["state"] == "absent":
            changed, after = stored is not None, None
            if changed and not module.check_mode:
                client.delete(path)
        else:
            changed, after = ensure_present(module, client, stored)
    except GrafanaError as error:
        module.fail_json(msg="data source %s: %s" % (params["uid"], error), status=error.status)
    result = dict(changed=changed, datasource=describe(after))
    if module._diff:
        result["diff"] = dict(before=diff_view(stored), after=diff_view(after))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
