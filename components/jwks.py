"""JSON Web Keys (RFC 7517) computed from PEM public keys."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from stack_config import JwtAlgorithm

_CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384"}


def _base64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unsigned_bytes(number: int, size: int | None = None) -> bytes:
    length = size if size is not None else max(1, (number.bit_length() + 7) // 8)
    return number.to_bytes(length, "big")


def _key_members(public_key_pem: str) -> dict[str, str]:
    """Return the required members of a public JWK, in RFC 7638 order."""
    public_key = serialization.load_pem_public_key(public_key_pem.encode("ascii"))
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        numbers = public_key.public_numbers()
        size = (public_key.curve.key_size + 7) // 8
        return {
            "crv": _CURVE_NAMES[public_key.curve.name],
            "kty": "EC",
            "x": _base64url(_unsigned_bytes(numbers.x, size)),
            "y": _base64url(_unsigned_bytes(numbers.y, size)),
        }
    if isinstance(public_key, rsa.RSAPublicKey):
        numbers = public_key.public_numbers()
        return {
            "e": _base64url(_unsigned_bytes(numbers.e)),
            "kty": "RSA",
            "n": _base64url(_unsigned_bytes(numbers.n)),
        }
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        raw = public_key.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return {"crv": "Ed25519", "kty": "OKP", "x": _base64url(raw)}
    raise ValueError(f"unsupported public key type: {type(public_key).__name__}")


def key_id(public_key_pem: str) -> str:
    """Return the RFC 7638 thumbprint of a public key, used as its `kid`."""
    members = json.dumps(_key_members(public_key_pem), separators=(",", ":"))
    return _base64url(hashlib.sha256(members.encode("ascii")).digest())


def public_jwk(public_key_pem: str, algorithm: JwtAlgorithm) -> dict[str, str]:
    """Return the public JWK of a signing key."""
    return {
        **_key_members(public_key_pem),
        "alg": algorithm,
        "kid": key_id(public_key_pem),
        "use": "sig",
    }


def key_set(
    public_key_pems: Sequence[str | None], algorithm: JwtAlgorithm
) -> dict[str, Any]:
    """Return a JWK Set holding every key that is known yet."""
    keys = [public_jwk(pem, algorithm) for pem in public_key_pems if pem]
    return {"keys": keys}
