"""Check mocks: each key resource gets its own throwaway key, derived per name."""

from __future__ import annotations

from typing import Any

from pulumi.runtime.mocks import MockResourceArgs

from harness.check_mocks import CheckMocks
from harness.check_mocks.pki import _generate as derive_key
from harness.check_mocks.pki import private_key_pem
from tests.harness.conftest import CliRun

PRIVATE_KEY = "tls:index/privateKey:PrivateKey"
ECDSA_P256 = {"algorithm": "ECDSA", "ecdsaCurve": "P256"}


def _public_key(name: str, inputs: dict[str, Any]) -> str:
    _, state = CheckMocks().new_resource(MockResourceArgs(PRIVATE_KEY, name, inputs))
    return state["publicKeyPem"]


def test_mocks_key_differs_per_name() -> None:
    slot_a = _public_key("svc-jwt-signing-key-a", ECDSA_P256)
    slot_b = _public_key("svc-jwt-signing-key-b", ECDSA_P256)

    assert slot_a != slot_b, "svc-jwt-signing-key-a and -b share one key"


def test_mocks_rsa_key_differs_per_name() -> None:
    inputs = {"algorithm": "RSA", "rsaBits": 2048}

    slot_a = _public_key("svc-jwt-signing-key-a", inputs)
    slot_b = _public_key("svc-jwt-signing-key-b", inputs)

    assert slot_a != slot_b, "RSA svc-jwt-signing-key-a and -b share one key"


def test_mocks_key_derivation_reproducible() -> None:
    first = derive_key("ECDSA", "P256", "svc-jwt-signing-key-a")
    second = derive_key("ECDSA", "P256", "svc-jwt-signing-key-a")

    assert private_key_pem(first) == private_key_pem(second), "key derivation"


def test_check_jwks_kids_distinct(shipped_checks: dict[str, CliRun]) -> None:
    report = shipped_checks["dev"].report
    assert report is not None, "no dev report"
    keys = report["outputs"]["services"]["auth-service"]["jwks"]["keys"]
    kids = [key["kid"] for key in keys]

    assert len(kids) == 2, f"auth-service JWKS has {len(kids)} keys"
    assert len(set(kids)) == 2, f"auth-service JWKS repeats a kid: {kids}"
    assert keys[0]["x"] != keys[1]["x"], "auth-service JWKS repeats a public key"
