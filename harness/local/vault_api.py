"""Raw Vault HTTP API calls for the local apply, one hvac client per thread."""

from __future__ import annotations

import threading
from typing import Any

import hvac
import hvac.exceptions
import requests

from harness.local.redaction import scrub

REQUEST_TIMEOUT_SECONDS = 30


class ApplyError(Exception):
    """A Vault API call for a declared resource failed.

    The message names the resource and the API path. It carries the server's
    error text with every secret input scrubbed out, and never the request
    body.
    """

    def __init__(self, resource: str, method: str, api_path: str, detail: str) -> None:
        self.resource = resource
        self.api_path = api_path
        super().__init__(f"{resource}: {method} {api_path} failed: {detail}")


class VaultApi:
    """Sends raw API requests to one server with one token.

    `requests` sessions are not thread safe and the mock runtime calls
    `new_resource` from several worker threads, so each thread gets its own
    hvac client.
    """

    def __init__(self, address: str, token: str) -> None:
        self.address = address
        self.token = token
        self._local = threading.local()

    def client(self) -> hvac.Client:
        """Return this thread's client, creating it on first use."""
        client = getattr(self._local, "client", None)
        if client is None:
            client = hvac.Client(
                url=self.address, token=self.token, timeout=REQUEST_TIMEOUT_SECONDS
            )
            self._local.client = client
        return client

    def request(
        self, method: str, api_path: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Send one request to `/v1/<api_path>` and return the JSON response.

        An empty (204) response returns `{}`. Errors raise hvac's exceptions
        or `requests.RequestException`.
        """
        response = self.client().adapter.request(
            method, f"/v1/{api_path}", json=body if body is not None else None
        )
        if isinstance(response, dict):
            return response
        return {}


def describe_failure(error: Exception, hidden: set[str]) -> str:
    """Return the server's error text for `error` with `hidden` scrubbed."""
    if isinstance(error, hvac.exceptions.VaultError):
        errors = getattr(error, "errors", None)
        text = "; ".join(str(item) for item in errors) if errors else str(error)
        status = type(error).__name__
        return scrub(f"{status}: {text}", hidden)
    if isinstance(error, requests.RequestException):
        return f"server unreachable ({type(error).__name__})"
    return scrub(str(error), hidden)


def apply_request(
    api: VaultApi,
    resource: str,
    method: str,
    api_path: str,
    body: dict[str, Any] | None = None,
    hidden: set[str] | None = None,
) -> dict[str, Any]:
    """Send one request for `resource`; raise `ApplyError` when it fails."""
    try:
        return api.request(method, api_path, body)
    except (hvac.exceptions.VaultError, requests.RequestException) as error:
        detail = describe_failure(error, hidden or set())
        raise ApplyError(resource, method, api_path, detail) from None
