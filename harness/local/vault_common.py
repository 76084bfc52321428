"""Shared pieces of the Vault appliers: request context, naming, read-backs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.local.vault_api import VaultApi, apply_request
from harness.secret_values import wrap_secret

# Inputs that configure the provider itself and are never sent to the API.
PROVIDER_ONLY_INPUTS = frozenset(
    {
        "namespace",
        "disableRemount",
        "disableRead",
        "deleteAllVersions",
        "autoRenew",
        "minSecondsRemaining",
        "revoke",
        "revokeWithKey",
        "allowOverwrite",
    }
)


@dataclass(frozen=True)
class ReadBack:
    """An API path to read after the apply and the fields it must return.

    `expected` maps a response field (dotted for nested ones, such as
    `config.default_lease_ttl`) to the declared value.
    """

    api_path: str
    expected: dict[str, Any]


@dataclass
class VaultResult:
    """An applier's result: the resource id, its outputs and its read-backs."""

    resource_id: str
    outputs: dict[str, Any]
    read_backs: list[ReadBack] = field(default_factory=list)


@dataclass
class ApplyContext:
    """One resource being applied: its label, plain inputs and API access."""

    api: VaultApi
    resource: str
    """Label for messages: the type token and the logical name."""
    name: str
    inputs: dict[str, Any]
    hidden: set[str]

    def send(
        self, method: str, api_path: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Send one request for this resource and return the JSON response."""
        return apply_request(
            self.api, self.resource, method, api_path, body, self.hidden
        )

    def require(self, key: str) -> Any:
        """Return input `key`, which the SDK marks as required."""
        if self.inputs.get(key) in (None, ""):
            raise ValueError(f"{self.resource}: required input '{key}' is missing")
        return self.inputs[key]


def camel_to_snake(name: str) -> str:
    """Return the API field name (`token_max_ttl`) for an input (`tokenMaxTtl`)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def snake_to_camel(name: str) -> str:
    """Return the SDK property name (`issuingCa`) for an API field (`issuing_ca`)."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def api_body(
    inputs: Mapping[str, Any],
    skip: Iterable[str] = (),
    renames: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return the request body: every set input under its API field name."""
    skipped = PROVIDER_ONLY_INPUTS | set(skip)
    renames = renames or {}
    body: dict[str, Any] = {}
    for key, value in inputs.items():
        if key in skipped or value is None:
            continue
        body[renames.get(key, camel_to_snake(key))] = value
    return body


def snake_keys(value: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return a nested input object (such as `tune`) with API field names."""
    return {camel_to_snake(key): item for key, item in (value or {}).items()}


def camel_outputs(
    response_data: Mapping[str, Any], secret_fields: Iterable[str] = ()
) -> dict[str, Any]:
    """Return response fields as SDK outputs, wrapping the secret ones."""
    secret_set = set(secret_fields)
    outputs: dict[str, Any] = {}
    for key, value in response_data.items():
        outputs[snake_to_camel(key)] = (
            wrap_secret(value) if key in secret_set and value else value
        )
    return outputs


def response_data(response: Mapping[str, Any]) -> dict[str, Any]:
    """Return the `data` member of an API response, or `{}`."""
    data = response.get("data")
    return dict(data) if isinstance(data, dict) else {}
