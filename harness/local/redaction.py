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
# Shorter strings inside a secret are labels such as an algorithm ("ES256") or a
# key slot ("b"), and replacing them would garble every word that contains them.
# The program generates credentials of 40 or more characters, and a credential
# under 8 characters offers no protection to hide.
MIN_SECRET_LENGTH = 8


def secret_strings(value: Any, inside_secret: bool = False) -> set[str]:
    """Return the credential-length strings inside secret-marked parts of `value`.

    A JSON object string inside a secret (KV `dataJson`) also yields its
    string leaves, so a server message that quotes one value is scrubbed too.
    Strings shorter than `MIN_SECRET_LENGTH` are left out.
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
    if inside_secret and isinstance(value, str):
        return _credential_strings(value)
    return set()


def _credential_strings(text: str) -> set[str]:
    leaves = _json_leaf_strings(text)
    if len(text) >= MIN_SECRET_LENGTH:
        leaves.add(text)
    return leaves


def _json_leaf_strings(text: str) -> set[str]:
    try:
        parsed = json.loads(text)
    except ValueError:
        return set()
    if not isinstance(parsed, dict):
        return set()
    return secret_strings(parsed, inside_secret=True)


def redact(text: str, hidden: set[str]) -> str:
    """Return `text` with each string of `hidden` replaced by `[secret]`.

    Strings shorter than `MIN_SECRET_LENGTH` are never replaced.
    """
    for secret in sorted(hidden, key=len, reverse=True):
        if len(secret) >= MIN_SECRET_LENGTH:
            text = text.replace(secret, REDACTED)
    return text


def scrub(text: str, hidden: set[str]) -> str:
    """Return `text` without `hidden` strings or any PEM private key block."""
    return PEM_PRIVATE_KEY.sub(REDACTED, redact(text, hidden))
