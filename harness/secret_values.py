"""The SDK's wire marker for secret values, and how reports hide them."""

from __future__ import annotations

from typing import Any

from pulumi.runtime import rpc

SIG_KEY = rpc._special_sig_key
SECRET_SIG = rpc._special_secret_sig
REDACTED = "[secret]"

# Stands in for every secret the offline run cannot or must not know. It looks
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


def looks_secret(text: str) -> bool:
    """Tell whether a string carries a placeholder secret or a private key."""
    return PLACEHOLDER in text or "PRIVATE KEY-----" in text


def redact_secrets(value: Any) -> Any:
    """Return the value with every secret replaced by the string "[secret]".

    A string that is not marked secret but looks like one (see `looks_secret`)
    is replaced too, so a program that omits a marker leaks nothing here.
    """
    if is_secret(value) or (isinstance(value, str) and looks_secret(value)):
        return REDACTED
    if isinstance(value, dict):
        return {key: redact_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_secrets(item) for item in value]
    return value


def secret_strings(value: Any) -> set[str]:
    """Return every string held inside the value's secret markers."""
    if is_secret(value):
        return _strings(value["value"])
    if isinstance(value, dict):
        return set().union(*(secret_strings(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(secret_strings(item) for item in value))
    return set()


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_strings(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(_strings(item) for item in value))
    return set()


def scrub(text: str, secrets: set[str]) -> str:
    """Replace each known secret string (and the placeholder) in a message."""
    for secret in sorted(secrets | {PLACEHOLDER}, key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text


def unmarked_secret_paths(value: Any, path: str) -> list[str]:
    """Return the paths of strings that look secret but carry no secret marker."""
    if is_secret(value):
        return []
    if isinstance(value, str):
        return [path] if looks_secret(value) else []
    if isinstance(value, dict):
        items = [(f"{path}.{key}", item) for key, item in value.items()]
    elif isinstance(value, list):
        items = [(f"{path}[{index}]", item) for index, item in enumerate(value)]
    else:
        return []
    return [found for sub, item in items for found in unmarked_secret_paths(item, sub)]
