"""The emulator's WSGI application: the project's handlers first, moto's server for the rest."""

import io
import os

from aws_emulator import faults as fault_injection
from aws_emulator import fidelity, grafana_api
from aws_emulator import handlers as handler_registry
from aws_emulator.requestlog import RequestLog
from aws_emulator.router import ResolvedRequest, resolve


def _read_body(environ):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _headers(environ):
    return {
        key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")
    }


class EmulatorApp:
    """Routes each request, answers it, and writes it to the request log."""

    def __init__(self, backend, request_log=None, handlers=None, grafana=None, faults=None):  # pylint: disable=too-many-arguments
        self.backend = backend
        self.request_log = request_log
        self.faults = faults  # a faults.FaultInjector, or None
        self.handlers = handler_registry.build_handlers() if handlers is None else handlers
        # Each AMG workspace's Grafana HTTP API, under the endpoint the AMG handler gives it.
        self.grafana = grafana_api.GrafanaApi() if grafana is None else grafana

    def find_handler(self, request):
        for handler in self.handlers.get(request.service, []):
            if handler.handles(request.operation):
                return handler
        return None

    def serve_grafana(self, environ, body, start_response):
        operation, status, headers, payload = self.grafana.handle(environ, body)
        start_response(f"{status} X", list(headers.items()))
        if self.request_log is not None:
            self.request_log.write("grafana-api", operation, status, environ["REQUEST_METHOD"] not in ("GET", "HEAD"))
        return [payload]

    def serve_fault(self, fault, request, environ, start_response):
        status, headers, payload = fault
        start_response(f"{status} X", list(headers.items()))
        grafana = request.service is None
        if self.request_log is not None:
            mutating = environ["REQUEST_METHOD"] not in ("GET", "HEAD") if grafana else request.mutating
            self.request_log.write("grafana-api" if grafana else request.service, request.operation, status, mutating)
        return [payload]

    def __call__(self, environ, start_response):
        body = _read_body(environ)
        grafana = environ.get("PATH_INFO", "").startswith(grafana_api.PREFIX)
        request = ResolvedRequest() if grafana else resolve(environ, body)
        # Faults come before Grafana, handlers and moto, so a faulted request changes nothing.
        fault = self.faults.inject(environ, request) if self.faults is not None else None
        if fault is not None:
            return self.serve_fault(fault, request, environ, start_response)
        if grafana:
            return self.serve_grafana(environ, body, start_response)
        handler = self.find_handler(request)
        seen = {}

        def recording_start_response(status, headers, exc_info=None):
            seen["status"] = int(status.split()[0])
            return start_response(status, headers, exc_info)

        if handler is not None:
            status, headers, payload = handler.dispatch(
                request.operation, request.labels, environ.get("QUERY_STRING", ""), _headers(environ), body, region=request.region
            )
            recording_start_response(f"{status} X", list(headers.items()))
            response = [payload]
        else:
            response = self.backend(environ, recording_start_response)
        if self.request_log is not None and request.service:
            self.request_log.write(request.service, request.operation, seen.get("status"), request.mutating)
        return response


def create_app(state_dir):
    """The full emulator: moto's dispatcher behind our handlers, logging to state_dir."""
    # Imported here: loading moto takes seconds and the CLI's stop/status need none of it.
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    fidelity.apply_all()
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    backend = DomainDispatcherApplication(create_backend_app)
    faults = fault_injection.FaultInjector.from_environ(state_dir)
    return EmulatorApp(backend, RequestLog(os.path.join(state_dir, "requests.jsonl")), faults=faults)


def serve(host, port, state_dir):
    from werkzeug.serving import run_simple

    run_simple(host, port, create_app(state_dir), threaded=True)
