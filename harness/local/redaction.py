"""Scrubbing secret values out of error text."""

from __future__ import annotations

import json
import re
from typing import Any

from harness.secret_values import REDACTED, replace_secrets
from harness.secret_values import secret_strings as marked_strings

PEM_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.DOTALL
)
# Shorter strings inside a secret are labels such as an algorithm ("ES256") or a
# key slot ("b"), and replacing them would garble every word that contains them.
# The program generates credentials of 40 or more characters, and a credential
# under 8 characters offers no protection to hide.
MIN_SECRET_LENGTH = 8


def secret_strings(value: Any) -> set[str]:
    """Return the credential-length strings inside secret-marked parts of `value`.

    A JSON object string inside a secret (KV `dataJson`) also yields its
    string leaves, so a server message that quotes one value is scrubbed too.
    Strings shorter than `MIN_SECRET_LENGTH` are left out.
    """
    return _credential_strings(marked_strings(value))


def _credential_strings(texts: set[str]) -> set[str]:
    found = {text for text in texts if len(text) >= MIN_SECRET_LENGTH}
    return found.union(*(_json_leaf_strings(text) for text in texts))


def _json_leaf_strings(text: str) -> set[str]:
    try:
        parsed = json.loads(text)
    except ValueError:
        return set()
    if not isinstance(parsed, dict):
        return set()
    return _credential_strings(marked_strings(parsed, inside_secret=True))


def redact(text: str, hidden: set[str]) -> str:
    """Return `text` with each string of `hidden` replaced by `[secret]`.

    Strings shorter than `MIN_SECRET_LENGTH` are never replaced.
    """
    return replace_secrets(text, hidden, MIN_SECRET_LENGTH)


def scrub(text: str, hidden: set[str]) -> str:
    """Return `text` without `hidden` strings or any PEM private key block."""
    return PEM_PRIVATE_KEY.sub(REDACTED, redact(text, hidden))
