"""The emulator's app: our handlers answer first, validated against botocore's models; all is logged."""

import threading

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError
from werkzeug.serving import make_server

from aws_emulator import requestlog
from aws_emulator.handlers import build_handlers
from aws_emulator.handlers.base import RestJsonHandler, ServiceError
from aws_emulator.server import EmulatorApp


class AddonsForTest(RestJsonHandler):
    """Two EKS addon operations, enough to exercise parsing, validation, errors and responses."""

    service = "eks"

    def __init__(self):
        super().__init__()
        self.addons = {}

    def create_addon(self, clusterName, addonName, **_):
        if addonName in self.addons:
            raise ServiceError("ResourceInUseException", "Addon already exists.", 409)
        self.addons[addonName] = {"addonName": addonName, "clusterName": clusterName, "status": "ACTIVE"}
        return {"addon": self.addons[addonName]}

    def describe_addon(self, clusterName, addonName):
        if addonName not in self.addons:
            raise ServiceError("ResourceNotFoundException", "No addon: %s in %s" % (addonName, clusterName), 404)
        return {"addon": self.addons[addonName]}


def not_found_backend(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not here"]


@pytest.fixture
def app_server(tmp_path):
    log_path = str(tmp_path / "requests.jsonl")
    app = EmulatorApp(not_found_backend, requestlog.RequestLog(log_path), build_handlers([AddonsForTest]))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_port, log_path
    server.shutdown()


def eks_client(url, validate=True):
    config = botocore.config.Config(parameter_validation=validate, retries={"max_attempts": 1})
    return boto3.client("eks", endpoint_url=url, region_name="ap-northeast-2", aws_access_key_id="a",
                        aws_secret_access_key="b", config=config)


def test_handler_serves_its_operations_and_logs_them(app_server):
    url, log_path = app_server
    eks = eks_client(url)
    created = eks.create_addon(clusterName="queue", addonName="vpc-cni")
    assert created["addon"]["status"] == "ACTIVE"
    assert eks.describe_addon(clusterName="queue", addonName="vpc-cni")["addon"]["clusterName"] == "queue"
    with pytest.raises(ClientError) as error:
        eks.create_addon(clusterName="queue", addonName="vpc-cni")
    assert error.value.response["Error"]["Code"] == "ResourceInUseException"
    with pytest.raises(eks.exceptions.ResourceNotFoundException):
        eks.describe_addon(clusterName="queue", addonName="coredns")
    assert [(e["operation"], e["status"], e["mutating"]) for e in requestlog.read(log_path)] == [
        ("CreateAddon", 200, True), ("DescribeAddon", 200, False), ("CreateAddon", 409, True), ("DescribeAddon", 404, False)]


def test_requests_are_validated_against_the_service_model(app_server):
    url = app_server[0]
    eks = eks_client(url, validate=False)
    with pytest.raises(ClientError) as error:
        eks.create_addon(clusterName="queue", addonName=7)
    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert "addonName" in error.value.response["Error"]["Message"]


def test_operations_without_a_handler_go_to_the_backend(app_server):
    url, log_path = app_server
    with pytest.raises(ClientError):
        eks_client(url).list_clusters()
    assert requestlog.read(log_path)[-1]["operation"] == "ListClusters"
    assert requestlog.read(log_path)[-1]["status"] == 404
