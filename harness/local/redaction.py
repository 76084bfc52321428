"""Scrubbing secret values out of error text."""

from __future__ import annotations

import json
import re
from typing import Any

from harness.secret_values import is_secret

REDACTED = "[secret]"
PEM_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.DOTALL
)


def secret_strings(value: Any, inside_secret: bool = False) -> set[str]:
    """Return every string that sits inside a secret-marked part of `value`.

    A JSON object string inside a secret (KV `dataJson`) also yields its
    string leaves, so a server message that quotes one value is scrubbed too.
    """
    if is_secret(value):
        return secret_strings(value["value"], inside_secret=True)
    if isinstance(value, dict):
        found: set[str] = set()
        for item in value.values():
            found |= secret_strings(item, inside_secret)
        return found
    if isinstance(value, list | tuple):
        return set().union(*(secret_strings(item, inside_secret) for item in value))
    if inside_secret and isinstance(value, str) and value:
        return {value} | _json_leaf_strings(value)
    return set()


def _json_leaf_strings(text: str) -> set[str]:
    try:
        parsed = json.loads(text)
    except ValueError:
        return set()
    if not isinstance(parsed, dict):
        return set()
    return secret_strings(parsed, inside_secret=True)


def redact(text: str, hidden: set[str]) -> str:
    """Return `text` with each string of `hidden` replaced by `[secret]`."""
    for secret in sorted(hidden, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def scrub(text: str, hidden: set[str]) -> str:
    """Return `text` without `hidden` strings or any PEM private key block."""
    return PEM_PRIVATE_KEY.sub(REDACTED, redact(text, hidden))
