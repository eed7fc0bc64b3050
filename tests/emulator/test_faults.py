"""Fault injection: throttling and server errors in each protocol's shape, before anything is served.

The app runs in-process in front of a backend that counts what reaches it, so a test can tell that a
faulted request went nowhere. boto3 clients parse the faults; botocore's own retry rules and
amazon.aws's AWSRetry must both take them for retryable.
"""

import json
import threading
import urllib.request

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError
from werkzeug.serving import make_server

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from aws_emulator import faults, requestlog
from aws_emulator.router import ResolvedRequest
from aws_emulator.server import EmulatorApp

# service: (an operation and its parameters, expected (status, code) for throttling)
THROTTLED = {
    "ec2": (("describe_vpcs", {}), (503, "RequestLimitExceeded")),
    "iam": (("list_roles", {}), (400, "Throttling")),
    "elasticache": (("describe_replication_groups", {}), (400, "Throttling")),
    "kms": (("list_keys", {}), (400, "ThrottlingException")),
    "secretsmanager": (("list_secrets", {}), (400, "ThrottlingException")),
    "eks": (("list_clusters", {}), (429, "ThrottlingException")),
    "amp": (("list_workspaces", {}), (429, "ThrottlingException")),
    "s3": (("list_objects_v2", {"Bucket": "loki"}), (503, "SlowDown")),
    "route53": (("list_hosted_zones", {}), (400, "Throttling")),
}


class CountingBackend:
    """Stands for moto: answers an empty DescribeVpcs and counts the requests that reach it."""

    def __init__(self):
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [b"<DescribeVpcsResponse><vpcSet/></DescribeVpcsResponse>"]


@pytest.fixture
def faulty(tmp_path):
    """Start an in-process app with the given rates; yields a function (rates, seed) -> (url, backend, log path)."""
    servers = []

    def start(rates, seed=1):
        backend = CountingBackend()
        log_path = str(tmp_path / ("requests-%d.jsonl" % len(servers)))
        injector = faults.FaultInjector(rates, seed=seed, log_path=str(tmp_path / "faults.jsonl"))
        app = EmulatorApp(backend, requestlog.RequestLog(log_path), handlers={}, faults=injector)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return "http://127.0.0.1:%d" % server.server_port, backend, log_path

    yield start
    for server in servers:
        server.shutdown()


def client(service, url, attempts=1, key="emulator"):
    config = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": attempts})
    return boto3.client(service, endpoint_url=url, region_name="ap-northeast-2", aws_access_key_id=key,
                        aws_secret_access_key="b", config=config)


@pytest.mark.parametrize("service", sorted(THROTTLED))
def test_throttling_has_each_services_error_and_reaches_nothing(faulty, service):
    url, backend, log_path = faulty({"throttle": 1.0})
    (operation, params), (status, code) = THROTTLED[service]
    with pytest.raises(ClientError) as raised:
        getattr(client(service, url, attempts=2), operation)(**params)
    error = raised.value.response
    assert (error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Code"]) == (status, code)
    assert error["ResponseMetadata"]["RetryAttempts"] == 1, "botocore does not retry %s" % code
    assert backend.calls == 0
    assert [(entry["service"], entry["status"]) for entry in requestlog.read(log_path)] == [(service, status)] * 2


@pytest.mark.parametrize("service", ["ec2", "iam", "kms", "eks", "s3"])
def test_server_errors_are_5xx_that_both_botocore_and_awsretry_retry(faulty, service):
    url, backend = faulty({"error5xx": 1.0})[:2]
    (operation, params) = THROTTLED[service][0]
    with pytest.raises(ClientError) as raised:
        getattr(client(service, url, attempts=2), operation)(**params)
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] in (500, 503)
    assert error["ResponseMetadata"]["RetryAttempts"] == 1
    assert AWSRetry.found(error["Error"]["Code"]), error["Error"]["Code"]
    assert backend.calls == 0


def test_awsretry_retries_every_throttling_code_with_the_collections_extra_codes():
    codes = {code for _call, (_status, code) in THROTTLED.values()}
    missing = sorted(code for code in codes if not AWSRetry.found(code, catch_extra_error_codes=["ThrottlingException", "SlowDown"]))
    assert missing == []
    # Without the extra codes AWSRetry misses the JSON services' throttling: why the collection's clients add them.
    assert not AWSRetry.found("ThrottlingException")


def test_a_seed_fails_the_same_requests_and_the_rate_holds(faulty):
    url, backend = faulty({"throttle": 0.3}, seed=7)[:2]
    other_url = faulty({"throttle": 0.3}, seed=7)[0]

    def outcomes(endpoint):
        ec2 = client("ec2", endpoint)
        seen = []
        for _index in range(60):
            try:
                ec2.describe_vpcs()
                seen.append("ok")
            except ClientError as error:
                seen.append(error.response["Error"]["Code"])
        return seen

    first, second = outcomes(url), outcomes(other_url)
    assert first == second
    assert "ok" in first and "RequestLimitExceeded" in first
    assert backend.calls == first.count("ok")
    injector = faults.FaultInjector({"throttle": 0.2, "error5xx": 0.05}, seed=11)
    drawn = [injector.draw()[0] for _index in range(4000)]
    assert 700 <= drawn.count("throttle") <= 900 and 130 <= drawn.count("error5xx") <= 270  # 800 and 200 expected


def test_inspecting_requests_are_never_faulted(faulty):
    url, backend = faulty({"throttle": 1.0})[:2]
    client("ec2", url, key="inspector").describe_vpcs()
    request = urllib.request.Request(url + "/", headers={"X-Emulator-Faults": "off"})
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 200
    assert backend.calls == 2


def test_grafana_api_is_throttled_with_retry_after(tmp_path):
    injector = faults.FaultInjector({"throttle": 1.0}, seed=1, log_path=str(tmp_path / "faults.jsonl"))
    environ = {"PATH_INFO": "/grafana/g-abc/api/folders", "REQUEST_METHOD": "GET", "HTTP_AUTHORIZATION": "Bearer glsa_x"}
    status, headers, body = injector.inject(environ, ResolvedRequest())
    assert (status, headers["Retry-After"]) == (429, "1")
    assert json.loads(body)["message"]
    assert [entry["fault"] for entry in faults.read(str(tmp_path))] == ["throttle"]


@pytest.mark.parametrize("spec, message", [("throttle=2", "from 0 to 1"), ("slow=0.1", "unknown fault"),
                                           ("throttle=0.7,error5xx=0.5", "more than 1"), ("throttle=x", "from 0 to 1")])
def test_bad_fault_specs_are_refused(spec, message):
    with pytest.raises(ValueError, match=message):
        faults.parse(spec)


def test_no_faults_configured_means_no_injector(tmp_path):
    assert faults.FaultInjector.from_environ(str(tmp_path), {}) is None
    injector = faults.FaultInjector.from_environ(str(tmp_path), {faults.FAULTS_VARIABLE: "throttle=0.2,error5xx=0.05",
                                                                 faults.SEED_VARIABLE: "3"})
    assert injector.rates == {"throttle": 0.2, "error5xx": 0.05}
