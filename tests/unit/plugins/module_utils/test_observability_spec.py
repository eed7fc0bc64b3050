"""The observability section of the platform spec: defaults, and bad input refused naming the field."""

import copy

import pytest

from ansible_collections.gameops.platform.plugins.plugin_utils.preflight import SpecError, validate

BASE = {
    "name": "queue-infra",
    "environment": "dev",
    "region": "ap-northeast-2",
    "network": {"cidr": "10.0.0.0/16"},
    "observability": {"metrics": {}, "grafana": {}},
}


def with_observability(metrics=None, grafana=None):
    spec = copy.deepcopy(BASE)
    spec["observability"]["metrics"].update(metrics or {})
    spec["observability"]["grafana"].update(grafana or {})
    return spec


def test_defaults_follow_the_platform_id():
    observability = validate(with_observability())["observability"]
    assert observability["metrics"]["alias"] == "queue-infra-dev"
    assert observability["metrics"]["rule_sets"] == ["queue", "valkey", "eks"]
    grafana = observability["grafana"]
    assert (grafana["workspace_name"], grafana["version"], grafana["authentication_providers"]) == ("queue-infra-dev", "13.0", ["AWS_SSO"])
    assert grafana["unified_alerting"] and not grafana["plugin_admin"] and grafana["prune_dashboards"]


def test_section_is_optional():
    spec = copy.deepcopy(BASE)
    del spec["observability"]
    assert validate(spec)["observability"] is None


def test_saml_with_metadata_is_accepted():
    saml = {"idp_metadata": {"url": "https://idp.example.com/metadata"}, "role_values": {"admin": ["admins"]}}
    grafana = validate(with_observability(grafana={"authentication_providers": ["AWS_SSO", "SAML"], "saml": saml}))["observability"]["grafana"]
    assert grafana["saml"]["idp_metadata"]["url"] == "https://idp.example.com/metadata"
    assert grafana["saml"]["role_values"] == {"admin": ["admins"], "editor": []}


@pytest.mark.parametrize(
    "metrics, grafana, expected",
    [
        ({}, {"authentication_providers": ["LDAP"]},
         "platform.observability.grafana.authentication_providers[0]: 'LDAP' is not an authentication provider AMG offers; allowed: AWS_SSO, SAML"),
        ({}, {"authentication_providers": []}, "platform.observability.grafana.authentication_providers: give at least one"),
        ({}, {"version": "7.5"}, "platform.observability.grafana.version: '7.5' is not a Grafana version AMG offers; allowed: 9.4, 10.4, 12.4, 13.0"),
        ({}, {"authentication_providers": ["SAML"]}, "platform.observability.grafana.saml.idp_metadata: SAML authentication needs exactly one of"),
        ({}, {"authentication_providers": ["SAML"], "saml": {"idp_metadata": {"url": "https://idp"}}},
         "platform.observability.grafana.saml.role_values.admin: SAML needs at least one"),
        ({}, {"saml": {"idp_metadata": {"url": "https://idp"}}}, "platform.observability.grafana.saml: given, but SAML is not among"),
        ({}, {"notification_sns_topic_arns": ["alerts"]}, "platform.observability.grafana.notification_sns_topic_arns[0]: 'alerts' is not an SNS topic ARN"),
        ({}, {"colour": "blue"}, "platform.observability.grafana.colour: unknown key"),
        ({"rule_sets": ["queue", "kafka"]}, {}, "platform.observability.metrics.rule_sets[1]: 'kafka' is not a rule set the collection ships"),
        ({"alias": "bad alias!"}, {}, "platform.observability.metrics.alias: 'bad alias!' must be"),
        ({"alert_sns_topic_arn": "arn:aws:sqs:ap-northeast-2:123456789012:q"}, {}, "platform.observability.metrics.alert_sns_topic_arn"),
    ],
)
def test_bad_input_names_the_field(metrics, grafana, expected):
    with pytest.raises(SpecError) as error:
        validate(with_observability(metrics, grafana))
    assert any(expected in message for message in error.value.errors), error.value.errors


def test_grafana_needs_metrics():
    spec = copy.deepcopy(BASE)
    del spec["observability"]["metrics"]
    with pytest.raises(SpecError) as error:
        validate(spec)
    assert any("platform.observability.grafana: needs platform.observability.metrics" in message for message in error.value.errors)


def test_workload_identity_is_pod_identity_unless_irsa_is_asked():
    spec = copy.deepcopy(BASE)
    spec["eks"] = {"version": "1.31", "node_groups": [{"name": "general"}]}
    assert validate(spec)["eks"]["workload_identity"] == "pod_identity"
    spec["eks"]["workload_identity"] = "kiam"
    with pytest.raises(SpecError) as error:
        validate(spec)
    assert any("workload_identity" in message and "pod_identity, irsa" in message for message in error.value.errors), error.value.errors


def test_prune_refused_on_grafana_9(tmp_path):
    spec = with_observability(grafana={"version": "9.4", "dashboard_dirs": [str(tmp_path)]})
    with pytest.raises(SpecError) as refused:
        validate(spec)
    assert refused.value.errors == [
        "platform.observability.grafana.prune_dashboards: Grafana 9.4 cannot list one folder's dashboards, "
        "so pruning could delete others'; set it to false or use version 10.4 or later"]
    spec["observability"]["grafana"]["prune_dashboards"] = False
    assert validate(spec)["observability"]["grafana"]["version"] == "9.4"


USER = "906755c3a1-0a1b2c3d-1111-2222-3333-444455556666"
GROUP = "906755c3a1-9f8e7d6c-aaaa-bbbb-cccc-ddddeeeeffff"


def test_permissions_are_filled_in():
    grafana = validate(with_observability(grafana={"permissions": {"admins": {"groups": [GROUP]}}}))["observability"]["grafana"]
    assert grafana["permissions"]["admins"] == {"users": [], "groups": [GROUP]}
    assert grafana["permissions"]["exclusive"] is True
    assert validate(with_observability())["observability"]["grafana"]["permissions"] is None


@pytest.mark.parametrize(
    "grafana, expected",
    [
        ({"authentication_providers": ["SAML"], "saml": {"idp_metadata": {"url": "https://idp"}, "role_values": {"admin": ["a"]}},
          "permissions": {"admins": {"users": [USER]}}},
         "platform.observability.grafana.permissions: given, but AWS_SSO is not among the authentication_providers"),
        ({"permissions": {"viewers": {"users": [""]}}}, "platform.observability.grafana.permissions.viewers.users[0]: an Identity Center id cannot be empty"),
        ({"permissions": {"admins": {"groups": [GROUP]}, "viewers": {"groups": [GROUP]}}},
         "platform.observability.grafana.permissions.viewers.groups[0]: '%s' is also among the admins" % GROUP),
        ({"permissions": {"editors": {"users": [USER, USER]}}}, "platform.observability.grafana.permissions.editors.users[1]: the id"),
        ({"permissions": {"owners": {"users": [USER]}}}, "platform.observability.grafana.permissions.owners: unknown key"),
    ],
)
def test_bad_permissions_name_the_field(grafana, expected):
    with pytest.raises(SpecError) as error:
        validate(with_observability(grafana=grafana))
    assert any(expected in message for message in error.value.errors), error.value.errors
