"""Real keys and certificates for `tls:` resources, made with `cryptography`.

Outputs follow the tls provider: PEM encodings, the declared algorithm and
curve, validity counted in hours from now, `allowedUses` turned into key
usage and extended key usage.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import ipaddress
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from harness.secret_values import wrap_secret

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey

CURVES: dict[str, type[ec.EllipticCurve]] = {
    "P224": ec.SECP224R1,
    "P256": ec.SECP256R1,
    "P384": ec.SECP384R1,
    "P521": ec.SECP521R1,
}
KEY_USAGE_FLAGS = {
    "digital_signature": "digital_signature",
    "content_commitment": "content_commitment",
    "key_encipherment": "key_encipherment",
    "data_encipherment": "data_encipherment",
    "key_agreement": "key_agreement",
    "cert_signing": "key_cert_sign",
    "crl_signing": "crl_sign",
    "encipher_only": "encipher_only",
    "decipher_only": "decipher_only",
}
EXTENDED_KEY_USAGES = {
    "any_extended": ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
    "server_auth": ExtendedKeyUsageOID.SERVER_AUTH,
    "client_auth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "code_signing": ExtendedKeyUsageOID.CODE_SIGNING,
    "email_protection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "timestamping": ExtendedKeyUsageOID.TIME_STAMPING,
    "ocsp_signing": ExtendedKeyUsageOID.OCSP_SIGNING,
}
SUBJECT_FIELDS = {
    "commonName": NameOID.COMMON_NAME,
    "organization": NameOID.ORGANIZATION_NAME,
    "organizationalUnit": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "country": NameOID.COUNTRY_NAME,
    "province": NameOID.STATE_OR_PROVINCE_NAME,
    "locality": NameOID.LOCALITY_NAME,
    "postalCode": NameOID.POSTAL_CODE,
    "serialNumber": NameOID.SERIAL_NUMBER,
    "emailAddress": NameOID.EMAIL_ADDRESS,
}


class TlsInputError(ValueError):
    """A `tls:` resource input the tls provider would reject."""


def generate_private_key(
    name: str, inputs: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """Generate the key a `tls.PrivateKey` declares and return its outputs."""
    algorithm = inputs.get("algorithm")
    key = _new_key(name, algorithm, inputs)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    outputs = {
        "privateKeyPem": wrap_secret(_traditional_pem(key)),
        "privateKeyPemPkcs8": wrap_secret(_pkcs8_pem(key)),
        "publicKeyPem": public_pem.decode(),
        "publicKeyOpenssh": _openssh_public_key(key),
        "publicKeyFingerprintSha256": _fingerprint(key, hashlib.sha256),
        "publicKeyFingerprintMd5": _fingerprint(key, hashlib.md5),
    }
    return hashlib.sha1(public_pem).hexdigest(), outputs


def _new_key(name: str, algorithm: Any, inputs: dict[str, Any]) -> PrivateKey:
    if algorithm == "RSA":
        return rsa.generate_private_key(65537, int(inputs.get("rsaBits") or 2048))
    if algorithm == "ECDSA":
        curve_name = inputs.get("ecdsaCurve") or "P224"
        if curve_name not in CURVES:
            raise TlsInputError(
                f"tls.PrivateKey '{name}': ecdsaCurve '{curve_name}' is not "
                f"supported (allowed: {', '.join(CURVES)})"
            )
        return ec.generate_private_key(CURVES[curve_name]())
    if algorithm == "ED25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise TlsInputError(
        f"tls.PrivateKey '{name}': algorithm '{algorithm}' is not supported "
        "(allowed: RSA, ECDSA, ED25519)"
    )


def _traditional_pem(key: PrivateKey) -> str:
    # The provider writes RSA as PKCS#1, ECDSA as SEC 1 and Ed25519 as PKCS#8.
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return _pkcs8_pem(key)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def _pkcs8_pem(key: PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _openssh_public_key(key: PrivateKey) -> str:
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp224r1":
        return ""  # OpenSSH has no P-224 key type.
    encoded = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    return encoded.decode() + "\n"


def _fingerprint(key: PrivateKey, digest: Any) -> str:
    if not _openssh_public_key(key):
        return ""
    blob = base64.b64decode(_openssh_public_key(key).split()[1])
    if digest is hashlib.sha256:
        return "SHA256:" + base64.b64encode(digest(blob).digest()).decode().rstrip("=")
    return ":".join(f"{byte:02x}" for byte in digest(blob).digest())


def load_private_key(pem: str) -> PrivateKey:
    """Return the private key in `pem`, which must be RSA, ECDSA or Ed25519."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(
        key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
    ):
        raise TlsInputError(f"unsupported private key type {type(key).__name__}")
    return key


def key_algorithm_label(key: PrivateKey) -> str:
    """Return the provider's name for the key's algorithm."""
    if isinstance(key, rsa.RSAPrivateKey):
        return "RSA"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return "ECDSA"
    return "ED25519"


def subject_name(subject: dict[str, Any] | None) -> x509.Name:
    """Return the X.509 name for a tls `subject` input."""
    attributes = []
    for field, oid in SUBJECT_FIELDS.items():
        value = (subject or {}).get(field)
        if value:
            attributes.append(x509.NameAttribute(oid, str(value)))
    for street in (subject or {}).get("streetAddresses") or []:
        attributes.append(x509.NameAttribute(NameOID.STREET_ADDRESS, str(street)))
    return x509.Name(attributes)


def subject_alternative_names(inputs: dict[str, Any]) -> list[x509.GeneralName]:
    """Return the DNS, IP and URI names a certificate or request declares."""
    names: list[x509.GeneralName] = [
        x509.DNSName(dns) for dns in inputs.get("dnsNames") or []
    ]
    names += [
        x509.IPAddress(ipaddress.ip_address(ip))
        for ip in inputs.get("ipAddresses") or []
    ]
    names += [x509.UniformResourceIdentifier(uri) for uri in inputs.get("uris") or []]
    return names


def signature_hash(
    key: PrivateKey,
) -> hashes.SHA256 | hashes.SHA384 | hashes.SHA512 | None:
    """Return the digest the provider pairs with the signing key."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return None
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.key_size > 384:
            return hashes.SHA512()
        if key.curve.key_size > 256:
            return hashes.SHA384()
    return hashes.SHA256()


def utc_now() -> datetime.datetime:
    """Return the current time in UTC, truncated to whole seconds."""
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)
