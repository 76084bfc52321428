"""The SDK's wire marker for secret values, and how reports hide them."""

from __future__ import annotations

from typing import Any

from pulumi.runtime import rpc

SIG_KEY = rpc._special_sig_key
SECRET_SIG = rpc._special_secret_sig
REDACTED = "[secret]"

# Stands in for every secret the offline run cannot or must not know; it looks
# like no real credential, so a leak of it is easy to spot.
PLACEHOLDER = "[placeholder]"


def is_secret(value: Any) -> bool:
    """Tell whether a deserialized property value is marked secret."""
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def wrap_secret(value: Any) -> dict[str, Any]:
    """Mark a plain value secret the way the engine sends it."""
    return {SIG_KEY: SECRET_SIG, "value": value}


def unwrap_secrets(value: Any) -> Any:
    """Return the value with every secret marker removed (plain values)."""
    if is_secret(value):
        return unwrap_secrets(value["value"])
    if isinstance(value, dict):
        return {key: unwrap_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(item) for item in value]
    return value


def redact_secrets(value: Any) -> Any:
    """Return the value with every secret replaced by the string "[secret]"."""
    if is_secret(value):
        return REDACTED
    if isinstance(value, dict):
        return {key: redact_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_secrets(item) for item in value]
    return value


def contains_secret(value: Any) -> bool:
    """Tell whether a secret marker appears anywhere inside the value."""
    if is_secret(value):
        return True
    if isinstance(value, dict):
        return any(contains_secret(item) for item in value.values())
    if isinstance(value, list):
        return any(contains_secret(item) for item in value)
    return False
