"""Fault injection: answer a fraction of requests with the throttling or server error AWS would send.

Configured per emulator process, when it starts: ``python -m aws_emulator start --faults
throttle=0.2,error5xx=0.05 --fault-seed 7`` or the variables AWS_EMULATOR_FAULTS and
AWS_EMULATOR_FAULT_SEED. The app asks ``FaultInjector.inject`` before a request reaches a handler or
moto, so a faulted request changes nothing, as a throttled call on AWS changes nothing.

Each fault has the shape of the service's protocol, so botocore parses it to the error code a caller
on AWS would see: query `Throttling`, EC2 `RequestLimitExceeded`, JSON and REST-JSON
`ThrottlingException` (x-amzn-ErrorType), S3 `SlowDown`; server errors are `InternalFailure` (500)
or `ServiceUnavailable` (503) (EC2 and S3: `InternalError`, `Unavailable` / `ServiceUnavailable`).
The Grafana HTTP API (/grafana/...) answers 429 with Retry-After.

Requests that inspect the emulator are never faulted: those signed with an access key id starting
with ``inspect``, and those with the header ``X-Emulator-Faults: off``.
"""

import json
import os
import random
import threading
import time
import uuid

from aws_emulator.router import RPC_V2_PATH, service_model

FAULTS_VARIABLE = "AWS_EMULATOR_FAULTS"
SEED_VARIABLE = "AWS_EMULATOR_FAULT_SEED"
KINDS = ("throttle", "error5xx")
INSPECT_ACCESS_KEY_PREFIX = "inspect"
GRAFANA_PREFIX = "/grafana/"

# (status, code, message) per protocol and fault; 5xx faults pick one of the two server errors.
THROTTLE = {
    "query": (400, "Throttling", "Rate exceeded"),
    "ec2": (503, "RequestLimitExceeded", "Request limit exceeded."),
    "json": (400, "ThrottlingException", "Rate exceeded"),
    "rest-json": (429, "ThrottlingException", "Rate exceeded"),
    "rest-xml": (400, "Throttling", "Rate exceeded"),
    "s3": (503, "SlowDown", "Please reduce your request rate."),
}
SERVER_ERRORS = {
    "ec2": ((500, "InternalError", "An internal error has occurred."), (503, "Unavailable", "The server is overloaded.")),
    "s3": ((500, "InternalError", "We encountered an internal error. Please try again."),
           (503, "ServiceUnavailable", "Service is unable to handle request.")),
}
DEFAULT_SERVER_ERRORS = ((500, "InternalFailure", "The request processing has failed because of an unknown error."),
                         (503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."))


def parse(spec):
    """'throttle=0.2,error5xx=0.05' -> {'throttle': 0.2, 'error5xx': 0.05}; '' -> {}."""
    rates = {}
    for part in filter(None, (item.strip() for item in (spec or "").split(","))):
        kind, _sep, value = part.partition("=")
        if kind not in KINDS:
            raise ValueError("unknown fault %r; known: %s" % (kind, ", ".join(KINDS)))
        try:
            rates[kind] = float(value)
        except ValueError:
            raise ValueError("fault %s needs a rate from 0 to 1, not %r" % (kind, value)) from None
        if not 0 <= rates[kind] <= 1:
            raise ValueError("fault %s needs a rate from 0 to 1, not %s" % (kind, value))
    if sum(rates.values()) > 1:
        raise ValueError("fault rates add up to more than 1: %s" % spec)
    return rates


def wire_protocol(environ, service):
    """The protocol a request speaks (a service model may offer several), or None for CBOR and unknowns."""
    if environ.get("HTTP_X_AMZ_TARGET"):
        return "json"
    if RPC_V2_PATH.match(environ.get("PATH_INFO", "")):
        return None  # Smithy RPC v2 CBOR errors need a CBOR body; no service the collection uses speaks it
    model = service_model(service)
    if model is None:
        return None
    protocol = model.metadata["protocol"]
    if service == "s3":
        return "s3"
    return protocol if protocol in THROTTLE else None


def exempt(environ):
    """Requests that inspect the emulator (tests, the benchmark) are never faulted."""
    if environ.get("HTTP_X_EMULATOR_FAULTS", "").lower() == "off":
        return True
    return ("Credential=" + INSPECT_ACCESS_KEY_PREFIX) in environ.get("HTTP_AUTHORIZATION", "")


def error_response(protocol, service, status, code, message):
    """(status, headers, body) of an AWS error in the protocol's shape."""
    request_id = str(uuid.uuid4())
    if protocol in ("json", "rest-json"):
        headers = {"Content-Type": "application/x-amz-json-1.1" if protocol == "json" else "application/json",
                   "x-amzn-ErrorType": code, "x-amzn-RequestId": request_id}
        return status, headers, json.dumps({"__type": code, "message": message}).encode()
    headers = {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}
    if protocol == "ec2":
        body = ("<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>"
                % (code, message, request_id))
    elif protocol == "s3":
        headers = {"Content-Type": "application/xml", "x-amz-request-id": request_id}
        body = "<Error><Code>%s</Code><Message>%s</Message><RequestId>%s</RequestId></Error>" % (code, message, request_id)
    else:
        kind = "Sender" if status < 500 else "Receiver"
        body = ("<ErrorResponse><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>"
                % (kind, code, message, request_id))
    return status, headers, ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode()


def grafana_response(kind):
    if kind == "throttle":
        return 429, {"Content-Type": "application/json", "Retry-After": "1"}, b'{"message":"Too many requests"}'
    return 503, {"Content-Type": "application/json", "Retry-After": "1"}, b'{"message":"Service unavailable"}'


class FaultInjector:
    """Decides, request by request, whether to fault it; the same seed gives the same sequence of decisions."""

    def __init__(self, rates, seed=None, log_path=None):
        self.rates = dict(rates)
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.log_path = log_path

    @classmethod
    def from_environ(cls, state_dir, environ=None):
        """The injector the process's environment asks for, or None when it asks for no faults."""
        environ = os.environ if environ is None else environ
        rates = parse(environ.get(FAULTS_VARIABLE, ""))
        if not any(rates.values()):
            return None
        seed = environ.get(SEED_VARIABLE)
        return cls(rates, seed=int(seed) if seed not in (None, "") else None, log_path=os.path.join(state_dir, "faults.jsonl"))

    def draw(self):
        """'throttle', 'error5xx' or None, and a second draw to pick between server errors."""
        with self.lock:
            roll, pick = self.random.random(), self.random.random()
        throttle = self.rates.get("throttle", 0)
        if roll < throttle:
            return "throttle", pick
        if roll < throttle + self.rates.get("error5xx", 0):
            return "error5xx", pick
        return None, pick

    def inject(self, environ, request):
        """(status, headers, body) to answer instead of serving the request, or None to serve it."""
        if exempt(environ):
            return None
        if request.service:
            protocol = wire_protocol(environ, request.service)
        elif environ.get("PATH_INFO", "").startswith(GRAFANA_PREFIX):
            protocol = "grafana"
        else:
            return None
        if protocol is None:
            return None
        kind, pick = self.draw()
        if kind is None:
            return None
        if protocol == "grafana":
            answer = grafana_response(kind)
        elif kind == "throttle":
            answer = error_response(protocol, request.service, *THROTTLE[protocol])
        else:
            choices = SERVER_ERRORS.get(protocol, DEFAULT_SERVER_ERRORS)
            answer = error_response(protocol, request.service, *choices[int(pick * len(choices))])
        self.record(request, kind, answer[0])
        return answer

    def record(self, request, kind, status):
        if self.log_path is None:
            return
        entry = {"time": round(time.time(), 6), "service": request.service, "operation": request.operation, "fault": kind, "status": status}
        with self.lock, open(self.log_path, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(entry) + "\n")


def read(state_dir):
    """The faults an emulator injected, oldest first."""
    try:
        with open(os.path.join(state_dir, "faults.jsonl"), encoding="utf-8") as stream:
            return [json.loads(line) for line in stream if line.strip()]
    except FileNotFoundError:
        return []
