"""Key algorithms: how each configured algorithm maps to pulumi-tls and Vault PKI."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_tls as tls

from stack_config import JwtAlgorithm, KeyAlgorithm


@dataclass(frozen=True)
class KeySpec:
    """The parameters that generate one kind of private key."""

    tls_algorithm: str
    """`algorithm` of `tls.PrivateKey`: ECDSA, RSA or ED25519."""
    ecdsa_curve: str | None = None
    rsa_bits: int | None = None

    @property
    def vault_key_type(self) -> str:
        """`key_type` of a Vault PKI request: ec, rsa or ed25519."""
        return {"ECDSA": "ec", "RSA": "rsa", "ED25519": "ed25519"}[self.tls_algorithm]

    @property
    def vault_key_bits(self) -> int:
        """`key_bits` of a Vault PKI request, which Vault ignores for ed25519."""
        if self.ecdsa_curve is not None:
            return int(self.ecdsa_curve.removeprefix("P"))
        return self.rsa_bits or 0


CERTIFICATE_KEYS: dict[KeyAlgorithm, KeySpec] = {
    "ECDSA-P256": KeySpec("ECDSA", ecdsa_curve="P256"),
    "ECDSA-P384": KeySpec("ECDSA", ecdsa_curve="P384"),
    "RSA-2048": KeySpec("RSA", rsa_bits=2048),
    "RSA-3072": KeySpec("RSA", rsa_bits=3072),
    "RSA-4096": KeySpec("RSA", rsa_bits=4096),
    "ED25519": KeySpec("ED25519"),
}

JWT_SIGNING_KEYS: dict[JwtAlgorithm, KeySpec] = {
    "ES256": KeySpec("ECDSA", ecdsa_curve="P256"),
    "ES384": KeySpec("ECDSA", ecdsa_curve="P384"),
    "RS256": KeySpec("RSA", rsa_bits=3072),
    "EdDSA": KeySpec("ED25519"),
}


def create_private_key(
    name: str, spec: KeySpec, opts: pulumi.ResourceOptions
) -> tls.PrivateKey:
    """Declare a private key with its curve or size always set.

    The tls provider's default ECDSA curve is P-224, so the curve is never left
    to the default.
    """
    return tls.PrivateKey(
        name,
        algorithm=spec.tls_algorithm,
        ecdsa_curve=spec.ecdsa_curve,
        rsa_bits=spec.rsa_bits,
        opts=opts,
    )
