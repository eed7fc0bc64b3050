"""The eks_token lookup: tokens in the published format of `aws eks get-token`, signed as STS expects."""

import base64
import datetime
import hashlib
import hmac
import os
import re
from urllib.parse import parse_qs, quote, urlsplit

import botocore.auth
import pytest
from ansible.errors import AnsibleLookupError
from ansible.plugins.loader import lookup_loader

ACCESS_KEY = "AKIAEKSTOKENTEST0001"
SECRET_KEY = "eks/token/test/secret/key/0000000000000"
FROZEN = datetime.datetime(2026, 1, 2, 3, 4, 5)


@pytest.fixture
def eks_token():
    """Runs the lookup as a play would: eks_token(*cluster_names, **options) -> tokens.

    tests/conftest.py has installed Ansible's collection loader, which the plugin loader needs.
    """
    lookup = lookup_loader.get("gameops.platform.eks_token")
    assert lookup is not None

    def run(*terms, **options):
        return lookup.run(list(terms), variables={}, **options)

    return run


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No AWS settings from the environment or from ~/.aws; no instance metadata lookups."""
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return tmp_path


@pytest.fixture
def frozen_clock(monkeypatch):
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: FROZEN)


def decode(token):
    """The pre-signed URL inside a token, checking the token's own format on the way."""
    assert token.startswith("k8s-aws-v1.")
    encoded = token[len("k8s-aws-v1."):]
    assert re.match(r"^[A-Za-z0-9_-]+$", encoded), "base64url without padding"
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")


def query_of(url):
    query = parse_qs(urlsplit(url).query, keep_blank_values=True)
    assert all(len(values) == 1 for values in query.values())
    return {key: values[0] for key, values in query.items()}


def expected_signature(url, cluster_name, secret_key=SECRET_KEY):
    """SigV4 query signature of the URL, computed independently of botocore, for the header value."""
    parts = urlsplit(url)
    query = query_of(url)
    query.pop("X-Amz-Signature")
    canonical_query = "&".join(
        "%s=%s" % (quote(key, safe="-_.~"), quote(value, safe="-_.~")) for key, value in sorted(query.items()))
    canonical_headers = "host:%s\nx-k8s-aws-id:%s\n" % (parts.netloc, cluster_name)
    canonical_request = "\n".join(["GET", parts.path or "/", canonical_query, canonical_headers,
                                   query["X-Amz-SignedHeaders"], hashlib.sha256(b"").hexdigest()])
    scope = query["X-Amz-Credential"].split("/", 1)[1]
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", query["X-Amz-Date"], scope,
                                hashlib.sha256(canonical_request.encode()).hexdigest()])
    key = ("AWS4" + secret_key).encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def test_token_has_the_published_format(clean_env, eks_token):
    [token] = eks_token("queue-infra-prod", region="ap-northeast-2", access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    url = decode(token)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "sts.ap-northeast-2.amazonaws.com", "/")
    query = query_of(url)
    assert query["Action"] == "GetCallerIdentity"
    assert query["Version"] == "2011-06-15"
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Expires"] == "60"
    assert query["X-Amz-SignedHeaders"] == "host;x-k8s-aws-id"
    assert re.match(r"^\d{8}T\d{6}Z$", query["X-Amz-Date"])
    assert query["X-Amz-Credential"] == "%s/%s/ap-northeast-2/sts/aws4_request" % (ACCESS_KEY, query["X-Amz-Date"][:8])
    assert re.match(r"^[0-9a-f]{64}$", query["X-Amz-Signature"])
    assert "X-Amz-Security-Token" not in query
    assert "x-k8s-aws-id" not in query, "the cluster name is a signed header, not a parameter"
    # The signature covers the cluster name header: it verifies for this cluster and no other.
    assert query["X-Amz-Signature"] == expected_signature(url, "queue-infra-prod")
    assert query["X-Amz-Signature"] != expected_signature(url, "queue-infra-stage")


def test_the_cluster_name_changes_the_signature(clean_env, eks_token, frozen_clock):
    options = dict(region="ap-northeast-2", access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    prod, stage, prod_again = eks_token("queue-infra-prod", "queue-infra-stage", "queue-infra-prod", **options)
    assert prod == prod_again, "same cluster, same time: same token"
    prod_query, stage_query = query_of(decode(prod)), query_of(decode(stage))
    assert prod_query["X-Amz-Date"] == stage_query["X-Amz-Date"] == "20260102T030405Z"
    assert prod_query["X-Amz-Signature"] != stage_query["X-Amz-Signature"]
    assert {key: value for key, value in prod_query.items() if key != "X-Amz-Signature"} == \
        {key: value for key, value in stage_query.items() if key != "X-Amz-Signature"}
    assert stage_query["X-Amz-Signature"] == expected_signature(decode(stage), "queue-infra-stage")


def test_session_token_and_other_regions(clean_env, eks_token):
    [token] = eks_token("c", region="eu-west-1", access_key=ACCESS_KEY, secret_key=SECRET_KEY,
                        session_token="session-token-value")
    url = decode(token)
    assert urlsplit(url).netloc == "sts.eu-west-1.amazonaws.com"
    query = query_of(url)
    assert query["X-Amz-Security-Token"] == "session-token-value"
    assert query["X-Amz-Credential"].endswith("/eu-west-1/sts/aws4_request")
    assert query["X-Amz-Signature"] == expected_signature(url, "c")


def test_profile_supplies_keys_and_region(clean_env, eks_token):
    (clean_env / "config").write_text("[profile ops]\nregion = ap-southeast-1\n")
    (clean_env / "credentials").write_text(
        "[ops]\naws_access_key_id = AKIAPROFILEKEY000001\naws_secret_access_key = profile-secret\n")
    [token] = eks_token("c", profile="ops")
    url = decode(token)
    assert urlsplit(url).netloc == "sts.ap-southeast-1.amazonaws.com"
    assert query_of(url)["X-Amz-Credential"].startswith("AKIAPROFILEKEY000001/")
    assert query_of(url)["X-Amz-Signature"] == expected_signature(url, "c", secret_key="profile-secret")


def test_endpoint_from_environment_and_option_without_any_request(aws_env, eks_token):
    mark = aws_env.mark()
    [token] = eks_token("queue-infra-prod")
    url = decode(token)
    assert "%s://%s/" % urlsplit(url)[:2] == aws_env.url + "/"
    assert query_of(url)["X-Amz-Credential"].endswith("/ap-northeast-2/sts/aws4_request")
    assert query_of(url)["X-Amz-Signature"] == expected_signature(url, "queue-infra-prod", secret_key="emulator")

    [token] = eks_token("queue-infra-prod", endpoint_url="https://sts.example.test")
    assert urlsplit(decode(token)).netloc == "sts.example.test"
    assert aws_env.since(mark) == [], "signing makes no request"


def test_without_a_region_the_error_says_so(clean_env, eks_token):
    with pytest.raises(AnsibleLookupError, match="needs an AWS region"):
        eks_token("queue-infra-prod", access_key=ACCESS_KEY, secret_key=SECRET_KEY)


def test_other_errors_are_clear(clean_env, eks_token):
    with pytest.raises(AnsibleLookupError, match="at least one EKS cluster"):
        eks_token(region="ap-northeast-2", access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    with pytest.raises(AnsibleLookupError, match="cluster names"):
        eks_token("", region="ap-northeast-2", access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    with pytest.raises(AnsibleLookupError, match="no AWS credentials"):
        eks_token("queue-infra-prod", region="ap-northeast-2")
    with pytest.raises(AnsibleLookupError, match="profile and access tokens"):
        eks_token("c", region="ap-northeast-2", profile="ops", access_key=ACCESS_KEY, secret_key=SECRET_KEY)
