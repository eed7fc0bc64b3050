import pytest

from aws_emulator.router import is_mutating, match_rest_operation, resolve


def signed(service):
    return "AWS4-HMAC-SHA256 Credential=AKID/20261125/ap-northeast-2/%s/aws4_request, SignedHeaders=host" % service


@pytest.mark.parametrize(
    "environ, body, expected",
    [
        ({"HTTP_AUTHORIZATION": signed("ec2"), "REQUEST_METHOD": "POST"}, b"Action=CreateVpc&Version=2016-11-15", ("ec2", "CreateVpc")),
        ({"HTTP_AUTHORIZATION": signed("iam"), "REQUEST_METHOD": "GET", "QUERY_STRING": "Action=ListRoles"}, b"", ("iam", "ListRoles")),
        ({"HTTP_AUTHORIZATION": signed("ecr"), "REQUEST_METHOD": "POST",
          "HTTP_X_AMZ_TARGET": "AmazonEC2ContainerRegistry_V20150921.CreateRepository"}, b"{}", ("ecr", "CreateRepository")),
        ({"HTTP_AUTHORIZATION": signed("tagging"), "REQUEST_METHOD": "POST",
          "PATH_INFO": "/service/ResourceGroupsTaggingAPI_20170126/operation/GetResources"}, b"", ("resourcegroupstaggingapi", "GetResources")),
        ({"HTTP_AUTHORIZATION": signed("eks"), "REQUEST_METHOD": "GET", "PATH_INFO": "/clusters/queue/addons"}, b"", ("eks", "ListAddons")),
        ({"HTTP_AUTHORIZATION": signed("eks"), "REQUEST_METHOD": "DELETE", "PATH_INFO": "/clusters/queue/addons/coredns"}, b"", ("eks", "DeleteAddon")),
        ({"HTTP_AUTHORIZATION": signed("aps"), "REQUEST_METHOD": "POST", "PATH_INFO": "/workspaces"}, b"{}", ("amp", "CreateWorkspace")),
        ({"HTTP_AUTHORIZATION": signed("s3"), "REQUEST_METHOD": "PUT", "PATH_INFO": "/logs-bucket",
          "QUERY_STRING": "tagging"}, b"", ("s3", "PutBucketTagging")),
        ({"HTTP_AUTHORIZATION": signed("s3"), "REQUEST_METHOD": "PUT", "PATH_INFO": "/logs-bucket"}, b"", ("s3", "CreateBucket")),
        ({"HTTP_AUTHORIZATION": signed("s3"), "REQUEST_METHOD": "PUT", "PATH_INFO": "/logs-bucket/a/b.json"}, b"", ("s3", "PutObject")),
        ({"HTTP_AUTHORIZATION": signed("s3"), "REQUEST_METHOD": "PUT", "PATH_INFO": "/logs-bucket/a/c.json",
          "HTTP_X_AMZ_COPY_SOURCE": "logs-bucket/a/b.json"}, b"", ("s3", "CopyObject")),
    ],
)
def test_requests_resolve_to_service_and_operation(environ, body, expected):
    request = resolve(environ, body)
    assert (request.service, request.operation) == expected


def test_rest_labels_are_extracted():
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/clusters/queue/addons/vpc-cni"}
    assert match_rest_operation("eks", environ) == ("DescribeAddon", {"name": "queue", "addonName": "vpc-cni"})


def test_unsigned_or_unknown_requests_resolve_to_nothing():
    assert resolve({"REQUEST_METHOD": "GET"}, b"").service is None
    assert resolve({"HTTP_AUTHORIZATION": signed("nosuchservice"), "REQUEST_METHOD": "GET"}, b"").operation is None


@pytest.mark.parametrize("operation, mutating", [("CreateVpc", True), ("DeleteSubnet", True), ("DescribeVpcs", False),
                                                 ("ListAddons", False), ("GetResources", False), (None, True)])
def test_mutating_classification(operation, mutating):
    assert is_mutating(operation) is mutating


def test_labels_are_matched_encoded_and_decoded():
    # botocore encodes '/' in a label (%2F); PATH_INFO has it decoded, so the path as sent is matched.
    principal = "arn:aws:iam::123456789012:role/teams/ci"
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/clusters/queue/access-entries/" + principal,
               "RAW_URI": "/clusters/queue/access-entries/arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fteams%2Fci?x=1"}
    assert match_rest_operation("eks", environ) == ("DescribeAccessEntry", {"name": "queue", "principalArn": principal})


def test_the_signing_region_is_resolved():
    request = resolve({"HTTP_AUTHORIZATION": signed("eks"), "REQUEST_METHOD": "GET", "PATH_INFO": "/clusters/queue/addons"}, b"")
    assert (request.operation, request.region) == ("ListAddons", "ap-northeast-2")
    assert resolve({"REQUEST_METHOD": "GET"}, b"").region is None
