"""Work out which AWS service and operation a raw HTTP request is, from botocore's models.

The emulator needs this twice: to write the request log (service, operation) and to hand
operations moto lacks to the project's own handlers.
"""

import functools
import re
from urllib.parse import parse_qs, unquote, urlsplit

import botocore.session

# SigV4 signing names that differ from botocore's service names.
SIGNING_NAME_TO_SERVICE = {
    "aps": "amp",
    # Classic ELB (elb) signs with it too; both speak the query protocol, so the Action names either's operation.
    "elasticloadbalancing": "elbv2",
    "execute-api": "apigateway",
    "events": "events",
    "monitoring": "cloudwatch",
    "tagging": "resourcegroupstaggingapi",
}

# Operation name prefixes that only read. Everything else counts as mutating.
# Smithy RPC v2 (CBOR) puts the operation in the path.
RPC_V2_PATH = re.compile(r"^/service/[^/]+/operation/([A-Za-z0-9]+)$")

SESV2_PATH = "/v2/email/"
READ_ONLY_PREFIXES = ("Describe", "List", "Get", "Head", "Search", "Lookup", "Check", "Validate")


def is_mutating(operation):
    """True when an operation changes state (unknown operations count as mutating)."""
    return not operation or not operation.startswith(READ_ONLY_PREFIXES)


@functools.lru_cache(maxsize=None)
def service_model(service):
    """botocore's model for a service, or None when botocore does not know it."""
    try:
        return botocore.session.get_session().get_service_model(service)
    except Exception:  # pylint: disable=broad-except  # unknown service names are expected
        return None


def credential_scope(header):
    """(region, signing name) from a SigV4 Authorization header's credential scope, or (None, None)."""
    match = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request", header or "")
    return match.groups() if match else (None, None)


def service_from_authorization(header):
    """The botocore service name from a SigV4 Authorization header's credential scope."""
    signing_name = credential_scope(header)[1]
    if signing_name is None:
        return None
    return SIGNING_NAME_TO_SERVICE.get(signing_name, signing_name)


class _RestRoute:
    """One REST operation: method, path template compiled to a regex, required query keys."""

    def __init__(self, operation_model):
        http = operation_model.http
        path, query = http["requestUri"].partition("?")[::2]
        self.name = operation_model.name
        self.method = http["method"]
        self.labels = re.findall(r"\{([^}+]+)\+?\}", path)
        pattern = re.sub(r"\\\{[^}]+\\\+\\\}", "(.+)", re.escape(path))
        pattern = re.sub(r"\\\{[^}]+\\\}", "([^/]+)", pattern)
        self.regex = re.compile("^" + pattern.rstrip("/") + "/?$")
        self.query_keys = {part.split("=")[0] for part in query.split("&") if part}
        # Operations sharing a path differ by a required header (CopyObject: x-amz-copy-source).
        shape = operation_model.input_shape
        self.header_keys = {
            "HTTP_" + member.serialization["name"].upper().replace("-", "_")
            for name, member in (shape.members.items() if shape else [])
            if member.serialization.get("location") == "header" and name in shape.required_members
        }
        # Longer literal paths are more specific; query keys and headers add specificity too.
        self.specificity = (len(re.sub(r"\{[^}]+\}", "", path)), len(self.query_keys) + len(self.header_keys))

    def match(self, method, path, query, environ):
        if method != self.method or not self.query_keys.issubset(query) or not self.header_keys.issubset(environ):
            return None
        found = self.regex.match(path)
        if not found:
            return None
        return dict(zip(self.labels, found.groups()))


@functools.lru_cache(maxsize=None)
def rest_routes(service):
    model = service_model(service)
    routes = [_RestRoute(model.operation_model(name)) for name in model.operation_names]
    return sorted(routes, key=lambda route: route.specificity, reverse=True)


def request_path(environ):
    """(path, still percent-encoded?) of a request.

    Labels may hold an encoded '/' (EKS takes principal and resource ARNs as labels) that PATH_INFO has
    already decoded, so the path as sent is matched when the server passes it on (werkzeug does).
    """
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return urlsplit(raw).path or "/", True
    return environ.get("PATH_INFO") or "/", False


def match_rest_operation(service, environ):
    """(operation name, decoded uri labels) for a REST request, or (None, {})."""
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    path, encoded = request_path(environ)
    for route in rest_routes(service):
        labels = route.match(environ["REQUEST_METHOD"], path, query, environ)
        if labels is not None:
            return route.name, {name: unquote(value) for name, value in labels.items()} if encoded else labels
    return None, {}


class ResolvedRequest:
    """What a request is: service, operation, signing region and, for REST services, the uri labels."""

    def __init__(self, service=None, operation=None, labels=None, region=None):
        self.service = service
        self.operation = operation
        self.labels = labels or {}
        self.region = region

    @property
    def mutating(self):
        return is_mutating(self.operation)


def resolve(environ, body):
    """Resolve a WSGI environ and its body bytes to a ResolvedRequest."""
    authorization = environ.get("HTTP_AUTHORIZATION")
    service = service_from_authorization(authorization)
    region = credential_scope(authorization)[0]
    # SES v1 (query protocol, POST /) and v2 (REST, under /v2/email/) both sign with "ses".
    if service == "ses" and (environ.get("PATH_INFO") or "").startswith(SESV2_PATH):
        service = "sesv2"
    model = service_model(service) if service else None
    if model is None:
        return ResolvedRequest(service, region=region)
    protocol = model.metadata["protocol"]
    if protocol in ("query", "ec2"):
        params = parse_qs(environ.get("QUERY_STRING", ""))
        params.update(parse_qs(body.decode("utf-8", "replace")))
        return ResolvedRequest(service, params.get("Action", [None])[0], region=region)
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return ResolvedRequest(service, target.rpartition(".")[2], region=region)
    rpc = RPC_V2_PATH.match(environ.get("PATH_INFO", ""))
    if rpc:
        return ResolvedRequest(service, rpc.group(1), region=region)
    operation, labels = match_rest_operation(service, environ)
    return ResolvedRequest(service, operation, labels, region)
