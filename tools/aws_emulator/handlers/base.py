"""Base for the project's own handlers of AWS REST-JSON APIs that moto lacks.

A handler subclass names its botocore service and implements one method per operation, named
after the operation in snake_case. Requests are parsed into the operation's input shape and
validated with botocore's own validator before the method runs, so a malformed request gets the
ValidationException AWS would send. While a method runs, `self.context` tells where the request went
(its SigV4 region) and carries its headers, for handlers whose state is per account and region.
"""

import json
import re
import threading
from urllib.parse import parse_qs

from botocore.validate import ParamValidator

from aws_emulator.router import service_model


class ServiceError(Exception):
    """An AWS error response: code, message and HTTP status."""

    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def snake_case(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _coerce(value, shape):
    """Convert a string from a uri, query string or header to the member's type."""
    if shape.type_name in ("integer", "long"):
        return int(value)
    if shape.type_name == "boolean":
        return value.lower() == "true"
    return value


class RequestContext:
    """The request an operation serves, beyond its input: the signing region and the headers (lower-case names)."""

    def __init__(self, region=None, headers=None):
        self.region = region
        self.headers = headers or {}


class RestJsonHandler:
    """Serves the operations of one REST-JSON service that this class implements."""

    service = None

    def __init__(self):
        self.model = service_model(self.service)
        self.lock = threading.RLock()
        self.validator = ParamValidator()
        self.context = RequestContext()

    def handles(self, operation):
        return operation is not None and hasattr(self, snake_case(operation))

    def parse(self, operation, labels, query_string, headers, body):
        """Request parts to the operation's input parameters, placed as the model says."""
        input_shape = self.model.operation_model(operation).input_shape
        params = {}
        if input_shape is None:
            return params
        query = parse_qs(query_string, keep_blank_values=True)
        payload = json.loads(body) if body else {}
        for name, member in input_shape.members.items():
            location = member.serialization.get("location")
            wire_name = member.serialization.get("name", name)
            if location == "uri" and wire_name in labels:
                params[name] = _coerce(labels[wire_name], member)
            elif location == "querystring" and wire_name in query:
                values = query[wire_name]
                params[name] = values if member.type_name == "list" else _coerce(values[0], member)
            elif location == "header" and wire_name.lower() in headers:
                params[name] = _coerce(headers[wire_name.lower()], member)
            elif location is None and wire_name in payload:
                params[name] = payload[wire_name]
        return params

    def validate(self, operation, params):
        input_shape = self.model.operation_model(operation).input_shape
        if input_shape is None:
            return
        report = self.validator.validate(params, input_shape)
        if report.has_errors():
            raise ServiceError("ValidationException", report.generate_report())

    def dispatch(self, operation, labels, query_string, headers, body, region=None):  # pylint: disable=too-many-arguments
        """Run an operation; returns (status, headers, body bytes) as AWS would answer."""
        try:
            params = self.parse(operation, labels, query_string, headers, body)
            self.validate(operation, params)
            with self.lock:
                # Set under the lock, which the operation holds until it returns: one request at a time sees it.
                self.context = RequestContext(region, headers)
                result = getattr(self, snake_case(operation))(**params)
            status = self.model.operation_model(operation).http.get("responseCode", 200)
            return status, {"Content-Type": "application/json"}, json.dumps(result or {}, default=str).encode()
        except ServiceError as error:
            return self.error_response(error)
        except (ValueError, json.JSONDecodeError) as error:
            return self.error_response(ServiceError("SerializationException", str(error)))

    @staticmethod
    def error_response(error):
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": error.code}
        body = json.dumps({"message": error.message, "__type": error.code}).encode()
        return error.status, headers, body
