import uuid

import boto3
import pytest

from ansible_collections.gameops.platform.plugins.modules import iam_oidc_provider
from conftest import run_module

DEFAULT_THUMBPRINT = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
OTHER_THUMBPRINT = "a" * 40


@pytest.fixture
def issuer(aws_env):
    """A fresh EKS-style issuer URL (without scheme as IAM reports it, and with https://)."""
    bare = "oidc.eks.ap-northeast-2.amazonaws.com/id/%s" % uuid.uuid4().hex.upper()
    yield bare, "https://" + bare
    iam = boto3.client("iam")
    for entry in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        if entry["Arn"].endswith("/" + bare):
            iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=entry["Arn"])


def provider_arn(bare):
    return "arn:aws:iam::123456789012:oidc-provider/" + bare


def aws_view(bare):
    provider = boto3.client("iam").get_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn(bare))
    return (sorted(provider["ClientIDList"]), sorted(provider["ThumbprintList"]),
            {tag["Key"]: tag["Value"] for tag in provider.get("Tags", [])})


def test_create_then_no_op(aws_env, issuer):
    bare, url = issuer
    args = dict(url=url, tags={"gameops:platform": "t"})
    mark = aws_env.mark()
    created = run_module(iam_oidc_provider, args, diff=True)
    assert created["changed"] is True
    assert created["arn"] == provider_arn(bare)
    assert created["url"] == bare
    assert created["client_id_list"] == ["sts.amazonaws.com"]
    assert created["thumbprint_list"] == [DEFAULT_THUMBPRINT]
    assert created["tags"] == {"gameops:platform": "t"}
    assert aws_env.mutations_since(mark) == ["CreateOpenIDConnectProvider"]
    assert aws_view(bare) == (["sts.amazonaws.com"], [DEFAULT_THUMBPRINT], {"gameops:platform": "t"})
    assert created["diff"]["before"] == {}
    assert created["diff"]["after"] == {key: created[key] for key in
                                        ("arn", "url", "client_id_list", "thumbprint_list", "tags")}

    mark = aws_env.mark()
    again = run_module(iam_oidc_provider, args, diff=True)
    assert again["changed"] is False
    assert again["arn"] == created["arn"]
    assert again["diff"]["before"] == again["diff"]["after"] == created["diff"]["after"]
    assert aws_env.mutations_since(mark) == []
    assert [entry["operation"] for entry in aws_env.since(mark)] == [
        "ListOpenIDConnectProviders", "GetOpenIDConnectProvider"]


def test_url_forms_find_the_same_provider(aws_env, issuer):
    bare, url = issuer
    run_module(iam_oidc_provider, dict(url=url))
    assert run_module(iam_oidc_provider, dict(url=url + "/"))["changed"] is False
    assert run_module(iam_oidc_provider, dict(url=bare))["changed"] is False
    refused = run_module(iam_oidc_provider, dict(url="http://" + bare))
    assert refused["failed"] is True and "https://" in refused["msg"]


def test_check_mode_makes_no_mutating_call(aws_env, issuer):
    bare, url = issuer
    mark = aws_env.mark()
    planned = run_module(iam_oidc_provider, dict(url=url, tags={"a": "1"}), check_mode=True, diff=True)
    assert planned["changed"] is True
    assert planned["arn"] is None
    assert planned["diff"] == {"before": {}, "after": {
        "arn": None, "url": bare, "client_id_list": ["sts.amazonaws.com"],
        "thumbprint_list": [DEFAULT_THUMBPRINT], "tags": {"a": "1"}}}
    assert aws_env.mutations_since(mark) == []
    assert not [entry for entry in boto3.client("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"]
                if entry["Arn"] == provider_arn(bare)]

    run_module(iam_oidc_provider, dict(url=url, tags={"a": "1"}))
    changes = dict(url=url, client_id_list=["sts.amazonaws.com", "extra"], thumbprint_list=[OTHER_THUMBPRINT],
                   tags={"b": "2"})
    mark = aws_env.mark()
    planned = run_module(iam_oidc_provider, changes, check_mode=True, diff=True)
    assert planned["changed"] is True
    assert planned["client_id_list"] == ["extra", "sts.amazonaws.com"]
    assert planned["thumbprint_list"] == [OTHER_THUMBPRINT]
    assert planned["tags"] == {"b": "2"}
    assert aws_env.mutations_since(mark) == []
    assert aws_view(bare) == (["sts.amazonaws.com"], [DEFAULT_THUMBPRINT], {"a": "1"})

    mark = aws_env.mark()
    planned = run_module(iam_oidc_provider, dict(url=url, state="absent"), check_mode=True)
    assert planned["changed"] is True and planned["arn"] == provider_arn(bare)
    assert aws_env.mutations_since(mark) == []
    assert aws_view(bare)[0] == ["sts.amazonaws.com"]


def test_adding_a_client_id_changes_exactly_that(aws_env, issuer):
    bare, url = issuer
    created = run_module(iam_oidc_provider, dict(url=url, tags={"a": "1"}))
    mark = aws_env.mark()
    result = run_module(iam_oidc_provider, dict(url=url, client_id_list=["sts.amazonaws.com", "queue-api"],
                                                tags={"a": "1"}), diff=True)
    assert result["changed"] is True
    assert aws_env.mutations_since(mark) == ["AddClientIDToOpenIDConnectProvider"]
    assert result["client_id_list"] == ["queue-api", "sts.amazonaws.com"]
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert {key for key in after if after[key] != before[key]} == {"client_id_list"}
    assert before == {key: created[key] for key in before}
    assert aws_view(bare) == (["queue-api", "sts.amazonaws.com"], [DEFAULT_THUMBPRINT], {"a": "1"})

    # Back to the default: exactly the extra client id is removed.
    mark = aws_env.mark()
    result = run_module(iam_oidc_provider, dict(url=url))
    assert result["changed"] is True and result["client_id_list"] == ["sts.amazonaws.com"]
    assert aws_env.mutations_since(mark) == ["RemoveClientIDFromOpenIDConnectProvider"]


def test_thumbprints_are_replaced_and_kept_when_omitted(aws_env, issuer):
    bare, url = issuer
    run_module(iam_oidc_provider, dict(url=url))
    mark = aws_env.mark()
    result = run_module(iam_oidc_provider, dict(url=url, thumbprint_list=[OTHER_THUMBPRINT.upper()]))
    assert result["changed"] is True and result["thumbprint_list"] == [OTHER_THUMBPRINT]
    assert aws_env.mutations_since(mark) == ["UpdateOpenIDConnectProviderThumbprint"]
    # Case does not matter, and an omitted list leaves the provider's thumbprints alone.
    assert run_module(iam_oidc_provider, dict(url=url, thumbprint_list=[OTHER_THUMBPRINT]))["changed"] is False
    assert run_module(iam_oidc_provider, dict(url=url))["changed"] is False
    assert aws_view(bare)[1] == [OTHER_THUMBPRINT]

    refused = run_module(iam_oidc_provider, dict(url=url, thumbprint_list=["not-hex"]))
    assert refused["failed"] is True and "not-hex" in refused["msg"]


def test_tags_update_and_purge(aws_env, issuer):
    bare, url = issuer
    run_module(iam_oidc_provider, dict(url=url, tags={"keep": "1", "change": "old", "drop": "x"}))

    mark = aws_env.mark()
    result = run_module(iam_oidc_provider, dict(url=url, tags={"keep": "1", "change": "new", "add": "y"}), diff=True)
    assert result["changed"] is True
    assert result["tags"] == {"keep": "1", "change": "new", "add": "y"}
    assert sorted(aws_env.mutations_since(mark)) == ["TagOpenIDConnectProvider", "UntagOpenIDConnectProvider"]
    assert result["diff"]["before"]["tags"] == {"keep": "1", "change": "old", "drop": "x"}
    assert result["diff"]["after"]["tags"] == result["tags"]
    assert aws_view(bare)[2] == result["tags"]

    # purge_tags=false only adds; no tags option leaves tags alone.
    mark = aws_env.mark()
    result = run_module(iam_oidc_provider, dict(url=url, tags={"more": "z"}, purge_tags=False))
    assert result["changed"] is True and result["tags"] == {"keep": "1", "change": "new", "add": "y", "more": "z"}
    assert aws_env.mutations_since(mark) == ["TagOpenIDConnectProvider"]
    assert run_module(iam_oidc_provider, dict(url=url))["changed"] is False
    assert run_module(iam_oidc_provider, dict(url=url, tags={"more": "z"}, purge_tags=False))["changed"] is False


def test_delete_and_delete_again(aws_env, issuer):
    bare, url = issuer
    created = run_module(iam_oidc_provider, dict(url=url, tags={"a": "1"}))

    mark = aws_env.mark()
    deleted = run_module(iam_oidc_provider, dict(url=url, state="absent"), diff=True)
    assert deleted["changed"] is True
    assert deleted["arn"] == provider_arn(bare)
    assert deleted["diff"]["before"] == {key: created[key] for key in deleted["diff"]["before"]}
    assert deleted["diff"]["after"] == {}
    assert aws_env.mutations_since(mark) == ["DeleteOpenIDConnectProvider"]
    assert not [entry for entry in boto3.client("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"]
                if entry["Arn"] == provider_arn(bare)]

    mark = aws_env.mark()
    again = run_module(iam_oidc_provider, dict(url=url, state="absent"), diff=True)
    assert again["changed"] is False and again["arn"] is None
    assert again["diff"] == {"before": {}, "after": {}}
    assert aws_env.mutations_since(mark) == []


def test_other_providers_are_left_alone(aws_env, issuer):
    bare, url = issuer
    other = bare + "0"
    iam = boto3.client("iam")
    iam.create_open_id_connect_provider(Url="https://" + other, ClientIDList=["x"], ThumbprintList=[OTHER_THUMBPRINT])
    try:
        # A provider whose URL merely starts with this one's is not taken for it.
        result = run_module(iam_oidc_provider, dict(url=url))
        assert result["changed"] is True and result["arn"] == provider_arn(bare)
        run_module(iam_oidc_provider, dict(url=url, state="absent"))
        assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn(other))["ClientIDList"] == ["x"]
    finally:
        iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn(other))


def test_a_shared_provider_keeps_every_claim_and_goes_with_the_last(aws_env, issuer):
    bare, url = issuer
    shared = dict(url=url, tags={"gameops:managed-by": "gameops.platform"})
    first = run_module(iam_oidc_provider, dict(shared, claim="alpha-prod"))
    assert first["changed"] and first["claims"] == ["alpha-prod"]
    # A second platform claims it too; its tags (with purge_tags) never purge the first one's claim.
    second = run_module(iam_oidc_provider, dict(shared, claim="beta-prod"))
    assert second["changed"] and second["claims"] == ["alpha-prod", "beta-prod"]
    assert run_module(iam_oidc_provider, dict(shared, claim="alpha-prod"))["changed"] is False

    mark = aws_env.mark()
    checked = run_module(iam_oidc_provider, dict(url=url, claim="alpha-prod", state="absent"), check_mode=True)
    assert checked["changed"] and not checked["deleted"] and checked["claims"] == ["beta-prod"]
    assert aws_env.mutations_since(mark) == []
    released = run_module(iam_oidc_provider, dict(url=url, claim="alpha-prod", state="absent"))
    assert released["changed"] and not released["deleted"]
    assert aws_env.mutations_since(mark) == ["UntagOpenIDConnectProvider"]
    assert aws_view(bare)[2] == {"gameops:managed-by": "gameops.platform", "gameops:claimed-by:beta-prod": "true"}
    assert run_module(iam_oidc_provider, dict(url=url, claim="alpha-prod", state="absent"))["changed"] is False

    last = run_module(iam_oidc_provider, dict(url=url, claim="beta-prod", state="absent"))
    assert last["changed"] and last["deleted"] and last["claims"] == []
    assert not [entry for entry in boto3.client("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"]
                if entry["Arn"].endswith("/" + bare)]
