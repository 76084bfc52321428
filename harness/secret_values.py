"""The SDK's wire marker for secret values, and how reports hide them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from pulumi.runtime import rpc

SIG_KEY = rpc._special_sig_key
SECRET_SIG = rpc._special_secret_sig
REDACTED = "[secret]"

# Stands in for every secret the offline run cannot or must not know. It looks
# like no real credential, so a leak of it is easy to spot.
PLACEHOLDER = "[placeholder]"

# A whole PEM private key block, or a header whose block a message cut short.
# The body may hold real newlines or the `\n` escapes of a quoted value.
PEM_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----"
    r"(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY-----|(?:[A-Za-z0-9+/=\r\n]|\\[rn])*)",
    re.DOTALL,
)

# Shorter secret strings stay in messages, because replacing every "on" or
# "kv" would garble them.
MIN_SCRUBBED_LENGTH = 4


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


def secret_strings(value: Any, inside_secret: bool = False) -> set[str]:
    """Return every string inside the value's secret markers.

    With `inside_secret` the whole value counts as secret, for a part already
    taken out of a marker.
    """
    if is_secret(value):
        return secret_strings(value["value"], inside_secret=True)
    if isinstance(value, str):
        return {value} if inside_secret else set()
    if isinstance(value, dict):
        return _union_of_strings(value.values(), inside_secret)
    if isinstance(value, list | tuple):
        return _union_of_strings(value, inside_secret)
    return set()


def _union_of_strings(items: Iterable[Any], inside_secret: bool) -> set[str]:
    return set().union(*(secret_strings(item, inside_secret) for item in items))


def quotable_secrets(value: Any) -> set[str]:
    """Return every secret string in the value and the leaves of secret JSON.

    A message may quote one field of a secret JSON document (a KV `dataJson`)
    instead of the whole document.
    """
    strings = secret_strings(value)
    return strings.union(*(_json_leaf_strings(text) for text in strings))


def _json_leaf_strings(text: str) -> set[str]:
    try:
        document = json.loads(text)
    except ValueError:
        return set()
    if not isinstance(document, dict | list):
        return set()
    return secret_strings(document, inside_secret=True)


def scrub(text: str, secrets: set[str]) -> str:
    """Replace each PEM private key, known secret and placeholder in a message.

    Each secret is also matched as `repr()` and `json.dumps()` escape it (a
    newline as `\\n`), because the SDK's errors quote property values with
    `repr()`.
    """
    text = PEM_PRIVATE_KEY.sub(REDACTED, text)
    forms = {form for secret in secrets | {PLACEHOLDER} for form in _quoted(secret)}
    return replace_secrets(text, forms, MIN_SCRUBBED_LENGTH)


def replace_secrets(text: str, secrets: set[str], min_length: int) -> str:
    """Return `text` with each of `secrets` replaced by "[secret]".

    The longest go first, so a secret that contains another is replaced whole.
    Strings shorter than `min_length` are kept, so short words are not garbled.
    """
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= min_length:
            text = text.replace(secret, REDACTED)
    return text


def _quoted(secret: str) -> set[str]:
    return {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1]}


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
