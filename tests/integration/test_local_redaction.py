"""Which strings the local apply scrubs from its error messages."""

from __future__ import annotations

import json
import secrets

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from harness.local.redaction import MIN_SECRET_LENGTH, redact, scrub, secret_strings
from harness.secret_values import REDACTED, wrap_secret
from tests.integration.conftest import AppliedStack

ROLE_ERROR = "common name *.auth.local.internal not allowed by this role"


def _private_key_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _signing_key_document(private_key: str) -> dict[str, object]:
    """Return KV inputs shaped like the JWT signing key document."""
    document = {"algorithm": "ES256", "current": "b", "b": private_key}
    return {"dataJson": wrap_secret(json.dumps(document))}


def test_secret_strings_skip_short_labels() -> None:
    hidden = secret_strings(_signing_key_document(_private_key_pem()))

    assert "ES256" not in hidden, "algorithm label collected as a secret"
    assert "b" not in hidden, "key slot label collected as a secret"


def test_redact_keeps_words_around_short_labels() -> None:
    hidden = secret_strings(_signing_key_document(_private_key_pem()))

    message = f"{ROLE_ERROR}; algorithm ES256"

    assert redact(message, hidden) == message, "short labels were redacted"


def test_redact_replaces_credential() -> None:
    token = secrets.token_urlsafe(30)
    hidden = secret_strings({"value": wrap_secret(token)})

    redacted = redact(f"invalid value {token} for field", hidden)

    assert token not in redacted, "credential left in the message"
    assert REDACTED in redacted, "credential not replaced by the marker"


def test_redact_replaces_credential_inside_json() -> None:
    password = secrets.token_urlsafe(24)
    hidden = secret_strings({"dataJson": wrap_secret(json.dumps({"pw": password}))})

    assert password not in redact(f"rejected {password}", hidden), "JSON leaf kept"


def test_scrub_removes_private_key_block() -> None:
    private_key = _private_key_pem()

    scrubbed = scrub(f"bad key:\n{private_key}\nend", set())

    assert "PRIVATE KEY" not in scrubbed, "PEM private key block left in the message"


@pytest.mark.integration
def test_known_secrets_have_credential_length(vault_pki_stack: AppliedStack) -> None:
    hidden = vault_pki_stack.applied.mocks.known_secrets()

    short = sorted(value for value in hidden if len(value) < MIN_SECRET_LENGTH)
    assert hidden, "no secrets collected from the applied local stack"
    assert not short, f"{len(short)} short strings collected as secrets"
