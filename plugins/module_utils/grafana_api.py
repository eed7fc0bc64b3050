# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A small client of the Grafana HTTP API (Amazon Managed Grafana workspaces, or any Grafana).

Bearer token auth, JSON in and out, retries with backoff on 429 (honouring Retry-After), 5xx and
connection errors, and errors that say what to do on 401, 403 and 404.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import json
import socket
import time

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import urlencode
from ansible.module_utils.urls import Request

RETRY_STATUSES = (429, 500, 502, 503, 504)
MAX_RETRY_AFTER = 60
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# The connection options of every Grafana module but the URL's, whose name differs (grafana_datasource has a url of its own).
GRAFANA_ARGUMENT_SPEC = dict(
    token=dict(type="str", required=True, no_log=True, aliases=["grafana_api_key"]),
    validate_certs=dict(type="bool", default=True),
    timeout=dict(type="int", default=30),
    retries=dict(type="int", default=4),
)


class GrafanaError(Exception):
    """A request that failed for good: status (None when Grafana was not reached) and Grafana's answer."""

    def __init__(self, message, status=None, body=None):
        super(GrafanaError, self).__init__(message)
        self.status = status
        self.body = body if isinstance(body, dict) else {}

    @property
    def grafana_status(self):
        """Grafana's own status word of an error, such as version-mismatch or name-exists."""
        return self.body.get("status")


def base_url(url):
    """The API base of a Grafana URL; an AMG workspace endpoint comes without a scheme, so https is assumed."""
    url = url.strip().rstrip("/")
    return url if "://" in url else "https://" + url


def _decode(text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not text or not text.strip():
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return {"message": text.strip()[:200]}


def retry_after_seconds(value, now=None):
    """Seconds to wait from a Retry-After header (seconds, or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(int(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.mktime_tz(email.utils.parsedate_tz(value))
    except (TypeError, ValueError, OverflowError):
        return None
    return min(max(when - (time.time() if now is None else now), 0), MAX_RETRY_AFTER)


class GrafanaClient:
    """Requests to one Grafana. opener(method, url, data=..., headers=...) is Ansible's Request().open."""

    def __init__(self, url, token, validate_certs=True, timeout=30, retries=4, backoff=1.0, max_delay=20,
                 read_only=False, opener=None, sleep=None):
        self.url = base_url(url)
        self.headers = {"Authorization": "Bearer %s" % token, "Accept": "application/json",
                        "Content-Type": "application/json"}
        self.retries = max(retries, 0)
        self.backoff = backoff
        self.max_delay = max_delay
        self.read_only = read_only
        self.sleep = sleep or time.sleep
        self.opener = opener or Request(validate_certs=validate_certs, timeout=timeout,
                                        http_agent="gameops.platform grafana client").open

    @classmethod
    def from_module(cls, module, url_option="url"):
        """A client from the module's URL, token, validate_certs, timeout and retries; read only in check mode."""
        params = module.params
        return cls(params[url_option], params["token"], validate_certs=params["validate_certs"], timeout=params["timeout"],
                   retries=params["retries"], read_only=module.check_mode)

    def delay(self, attempt, retry_after=None):
        if retry_after is not None:
            return retry_after
        return min(self.backoff * (2 ** attempt), self.max_delay)

    def request(self, method, path, body=None, query=None):
        """Grafana's JSON answer to one request; raises GrafanaError once retries are spent."""
        if self.read_only and method in WRITE_METHODS:
            raise GrafanaError("refusing %s %s: check mode only reads" % (method, path))
        url = self.url + path + ("?" + urlencode(query, doseq=True) if query else "")
        data = None if body is None else json.dumps(body)
        attempt = 0
        while True:
            try:
                response = self.opener(method, url, data=data, headers=self.headers)
                return _decode(response.read())
            except HTTPError as error:
                answer = _decode(error.read())
                if error.code in RETRY_STATUSES and attempt < self.retries:
                    self.sleep(self.delay(attempt, retry_after_seconds(error.headers.get("Retry-After") if error.headers else None)))
                    attempt += 1
                    continue
                raise self.error(method, path, error.code, answer, attempt + 1)
            except (URLError, socket.timeout, ConnectionError) as error:
                if attempt < self.retries:
                    self.sleep(self.delay(attempt))
                    attempt += 1
                    continue
                reason = getattr(error, "reason", error)
                raise GrafanaError("cannot reach Grafana at %s (%s %s after %d attempts): %s" % (self.url, method, path, attempt + 1, reason))

    def error(self, method, path, status, answer, attempts):
        message = answer.get("message") if isinstance(answer, dict) else None
        said = "%s %s: %s %s" % (method, path, status, message or "")
        if status == 401:
            expired = "expired" in (message or "").lower()
            text = "Grafana at %s rejected the token (%s): the token is %s; create a new service account token" % (
                self.url, said.strip(), "expired" if expired else "invalid or expired")
        elif status == 403:
            text = ("Grafana at %s denied %s: the token's service account lacks the permission; give it the Editor or "
                    "Admin role" % (self.url, said.strip()))
        elif status == 404:
            text = "Grafana at %s has no such thing: %s" % (self.url, said.strip())
        elif status in RETRY_STATUSES:
            text = "Grafana at %s kept failing: %s (after %d attempts)" % (self.url, said.strip(), attempts)
        else:
            text = "Grafana at %s refused %s" % (self.url, said.strip())
        return GrafanaError(text, status, answer)

    def get(self, path, query=None):
        return self.request("GET", path, query=query)

    def get_or_none(self, path, query=None):
        """The answer, or None when Grafana says 404."""
        try:
            return self.get(path, query)
        except GrafanaError as error:
            if error.status == 404:
                return None
            raise

    def post(self, path, body):
        return self.request("POST", path, body=body)

    def put(self, path, body):
        return self.request("PUT", path, body=body)

    def delete(self, path):
        return self.request("DELETE", path)
