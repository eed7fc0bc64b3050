"""The emulator's WSGI application: the project's handlers first, moto's server for the rest."""

import io
import os

from aws_emulator import fidelity
from aws_emulator import handlers as handler_registry
from aws_emulator.requestlog import RequestLog
from aws_emulator.router import resolve


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

    def __init__(self, backend, request_log=None, handlers=None):
        self.backend = backend
        self.request_log = request_log
        self.handlers = handler_registry.build_handlers() if handlers is None else handlers

    def find_handler(self, request):
        for handler in self.handlers.get(request.service, []):
            if handler.handles(request.operation):
                return handler
        return None

    def __call__(self, environ, start_response):
        body = _read_body(environ)
        request = resolve(environ, body)
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
    return EmulatorApp(backend, RequestLog(os.path.join(state_dir, "requests.jsonl")))


def serve(host, port, state_dir):
    from werkzeug.serving import run_simple

    run_simple(host, port, create_app(state_dir), threaded=True)
