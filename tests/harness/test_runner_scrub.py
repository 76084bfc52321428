"""scrub and quotable_secrets: how secrets are found and hidden in messages."""

from __future__ import annotations

import json
import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from harness.secret_values import REDACTED, quotable_secrets, scrub, wrap_secret


def _rsa_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def _body_lines(pem: str) -> list[str]:
    return [line for line in pem.splitlines() if not line.startswith("-----")]


def test_scrub_private_key_block() -> None:
    pem = _rsa_private_key_pem()

    message = scrub(f"cannot load {pem} here", set())

    assert message.startswith("cannot load [secret]"), f"prefix changed: {message}"
    assert message.endswith("here"), f"suffix changed: {message}"
    assert not any(line in message for line in _body_lines(pem)), "key body shown"


def test_scrub_private_key_cut_short() -> None:
    pem = _rsa_private_key_pem()
    cut = repr(pem[:200])

    message = scrub(f"got {cut} (value truncated)", set())

    assert "PRIVATE KEY" not in message, f"header shown: {message}"
    assert _body_lines(pem)[0][:40] not in message, "first body line shown"
    assert message.endswith("(value truncated)"), f"suffix lost: {message}"


def test_scrub_repr_quoted_secret() -> None:
    secret = f"{secrets.token_hex(8)}\n{secrets.token_hex(8)}'"

    message = scrub(f"value {secret!r} rejected", {secret})

    # repr() picks double quotes for a string that contains a single quote.
    assert message == f'value "{REDACTED}" rejected', f"not replaced: {message}"


def test_scrub_json_quoted_secret() -> None:
    secret = f'{secrets.token_hex(8)}"{secrets.token_hex(8)}'

    message = scrub(f"body {json.dumps({'v': secret})}", {secret})

    assert secret.split('"')[0] not in message, "JSON-escaped secret shown"


def test_scrub_keeps_short_strings() -> None:
    message = scrub("mount kv is on", {"kv", "on"})

    assert message == "mount kv is on", "strings under four characters replaced"


def test_quotable_secrets_json_leaves() -> None:
    password = secrets.token_urlsafe(16)
    data_json = json.dumps({"password": password, "user": "app-reader"})

    found = quotable_secrets({"dataJson": wrap_secret(data_json)})

    assert data_json in found, "dataJson: the whole document is missing"
    assert password in found, "dataJson: the password field is missing"


def test_quotable_secrets_ignores_plain_values() -> None:
    found = quotable_secrets({"name": "auth-service", "dataJson": wrap_secret("{}")})

    assert "auth-service" not in found, "name: a plain input counted as secret"
