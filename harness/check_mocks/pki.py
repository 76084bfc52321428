"""Real key and certificate material for the offline check's mocks.

Keys are derived from their algorithm, size and resource name, so two checks
of one commit write the same report and two key resources never share a key.
They sign mock certificates only and reach no real store. They never leave the
process in plaintext, because the provider SDKs mark them as secret outputs
and reports print secrets as "[secret]". Certificates are real X.509 built
from a resource's inputs, so PEM-parsing code in the program's `apply` chains
runs as it would against the tls provider.
"""

from __future__ import annotations

import hashlib
import random
import threading
from datetime import datetime, timedelta
from typing import Any, ClassVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPrivateKeyTypes,
)
from cryptography.x509.oid import NameOID

from harness.secret_values import unwrap_secrets

PrivateKey = CertificateIssuerPrivateKeyTypes

_CURVES: dict[str, ec.EllipticCurve] = {
    "P224": ec.SECP224R1(),
    "P256": ec.SECP256R1(),
    "P384": ec.SECP384R1(),
    "P521": ec.SECP521R1(),
}


class ThrowawayKeys:
    """One derived key per algorithm, size and resource name, cached for the process.

    NOTE: deriving an RSA key costs about 0.5 to 2 s of pure Python, once per
    (size, name) in a process, so a stack with many RSA keys checks slower.
    """

    _lock: ClassVar[threading.Lock] = threading.Lock()
    _keys: ClassVar[dict[tuple[str, str, str], PrivateKey]] = {}

    def get(self, algorithm: str, size: str, name: str = "") -> PrivateKey:
        """Return the key of ("ECDSA", "P256", name), ("RSA", "2048", name)..."""
        cache_key = (algorithm, size, name)
        with self._lock:
            if cache_key not in self._keys:
                self._keys[cache_key] = _generate(algorithm, size, name)
            return self._keys[cache_key]

    def default(self) -> PrivateKey:
        return self.get("ECDSA", "P256")


def _generate(algorithm: str, size: str, name: str) -> PrivateKey:
    """Derive a key from its algorithm, size and resource name, the same every run.

    Certificates built from these keys flow into other resources' inputs, so
    random keys would make every report differ from the last.
    """
    seed = f"offline-check/{algorithm}/{size}".encode()
    if name:
        seed += f"/{name}".encode()
    if algorithm == "RSA":
        return derived_rsa_key(seed, int(size))
    if algorithm == "ED25519":
        return ed25519.Ed25519PrivateKey.from_private_bytes(_digest(seed, 32))
    # 200 bits stay below the order of every supported curve.
    scalar = int.from_bytes(_digest(seed, 25), "big") | 1
    return ec.derive_private_key(scalar, _CURVES.get(size, ec.SECP256R1()))


def _digest(seed: bytes, length: int) -> bytes:
    return hashlib.shake_256(seed).digest(length)


def derived_rsa_key(seed: bytes, bits: int) -> rsa.RSAPrivateKey:
    """Build an RSA key from primes drawn from a PRNG seeded with `seed`."""
    generator = random.Random(seed)
    exponent = 65537
    p = _prime(generator, bits // 2, exponent)
    q = _prime(generator, bits - bits // 2, exponent)
    d = pow(exponent, -1, (p - 1) * (q - 1))
    public = rsa.RSAPublicNumbers(exponent, p * q)
    numbers = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=rsa.rsa_crt_dmp1(d, p),
        dmq1=rsa.rsa_crt_dmq1(d, q),
        iqmp=rsa.rsa_crt_iqmp(p, q),
        public_numbers=public,
    )
    return numbers.private_key()


def _prime(generator: random.Random, bits: int, exponent: int) -> int:
    while True:
        # Top two bits set so the product has the full size; odd.
        candidate = generator.getrandbits(bits) | (3 << (bits - 2)) | 1
        if candidate % exponent != 1 and _is_probable_prime(candidate, generator):
            return candidate


def _is_probable_prime(n: int, generator: random.Random, rounds: int = 8) -> bool:
    """Miller-Rabin test with bases drawn from the generator."""
    if any(n % small == 0 for small in _SMALL_PRIMES):
        return n in _SMALL_PRIMES
    d, shifts = n - 1, 0
    while d % 2 == 0:
        d, shifts = d // 2, shifts + 1
    for _ in range(rounds):
        x = pow(generator.randrange(2, n - 2), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(shifts - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _odd_primes_below(limit: int) -> tuple[int, ...]:
    is_prime = [True] * limit
    for n in range(2, int(limit**0.5) + 1):
        if is_prime[n]:
            is_prime[n * n :: n] = [False] * len(is_prime[n * n :: n])
    return tuple(n for n in range(3, limit) if is_prime[n])


# Trial division first: it rejects most candidates far faster than Miller-Rabin.
_SMALL_PRIMES = _odd_primes_below(8192)


def private_key_pem(key: PrivateKey) -> str:
    """Encode a key as the tls provider's `privateKeyPem` (PKCS#1/SEC1; PKCS#8)."""
    traditional = not isinstance(key, ed25519.Ed25519PrivateKey)
    key_format = (
        serialization.PrivateFormat.TraditionalOpenSSL
        if traditional
        else serialization.PrivateFormat.PKCS8
    )
    return _private_bytes(key, serialization.Encoding.PEM, key_format)


def private_key_outputs(key: PrivateKey) -> dict[str, str]:
    """Return the outputs of a `tls.PrivateKey` holding this key."""
    public_key = key.public_key()
    openssh = public_key.public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "privateKeyPem": private_key_pem(key),
        "privateKeyPemPkcs8": _private_bytes(
            key, serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8
        ),
        "privateKeyOpenssh": _private_bytes(
            key, serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH
        ),
        "publicKeyPem": public_key_pem(key),
        "publicKeyOpenssh": openssh.decode() + "\n",
        "publicKeyFingerprintMd5": _fingerprint(hashlib.md5(openssh).hexdigest()),
        "publicKeyFingerprintSha256": "SHA256:" + hashlib.sha256(der).hexdigest(),
    }


def public_key_pem(key: PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode()
    )


def _private_bytes(
    key: PrivateKey,
    encoding: serialization.Encoding,
    key_format: serialization.PrivateFormat,
) -> str:
    return key.private_bytes(
        encoding, key_format, serialization.NoEncryption()
    ).decode()


def _fingerprint(hex_digest: str) -> str:
    return ":".join(hex_digest[i : i + 2] for i in range(0, len(hex_digest), 2))


def load_private_key(pem: Any, fallback: PrivateKey) -> PrivateKey:
    """Parse a (possibly secret-marked) PEM key input, or use the fallback."""
    text = unwrap_secrets(pem)
    if not isinstance(text, str):
        return fallback
    try:
        key = serialization.load_pem_private_key(text.encode(), password=None)
    except ValueError:
        return fallback
    supported = (
        ec.EllipticCurvePrivateKey,
        rsa.RSAPrivateKey,
        ed25519.Ed25519PrivateKey,
    )
    return key if isinstance(key, supported) else fallback


def common_name(subject: Any, default: str) -> str:
    """Return the commonName of a tls `subject` input (an object or a list)."""
    if isinstance(subject, list):
        subject = subject[0] if subject else {}
    if isinstance(subject, dict) and subject.get("commonName"):
        return str(subject["commonName"])
    return default


class CertificateSpec:
    """The subject, names and validity of a mock certificate, from the inputs."""

    def __init__(self, inputs: dict[str, Any], name: str, not_before: datetime):
        self.common_name = common_name(inputs.get("subject"), name)
        self.dns_names = [str(n) for n in inputs.get("dnsNames") or []]
        self.is_ca = bool(inputs.get("isCaCertificate"))
        self.not_before = not_before
        hours = inputs.get("validityPeriodHours") or 24
        self.not_after = not_before + timedelta(hours=float(hours))


def self_signed_certificate(spec: CertificateSpec, key: PrivateKey) -> str:
    subject = _name(spec.common_name)
    builder = _builder(spec, subject, key.public_key()).issuer_name(subject)
    return _sign(builder, key)


def certificate_request(inputs: dict[str, Any], name: str, key: PrivateKey) -> str:
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        _name(common_name(inputs.get("subject"), name))
    )
    dns_names = [str(n) for n in inputs.get("dnsNames") or []]
    if dns_names:
        names = x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names])
        builder = builder.add_extension(names, critical=False)
    request = builder.sign(key, _hash_for(key), ecdsa_deterministic=_ecdsa(key))
    return request.public_bytes(serialization.Encoding.PEM).decode()


def locally_signed_certificate(
    spec: CertificateSpec, request_pem: Any, ca_cert_pem: Any, ca_key: PrivateKey
) -> str | None:
    """Sign a CSR with a CA, or return None when an input is not real PEM."""
    try:
        request = x509.load_pem_x509_csr(str(unwrap_secrets(request_pem)).encode())
        ca_cert = x509.load_pem_x509_certificate(
            str(unwrap_secrets(ca_cert_pem)).encode()
        )
    except ValueError:
        return None

    builder = _builder(spec, request.subject, request.public_key())
    return _sign(builder.issuer_name(ca_cert.subject), ca_key)


def _builder(spec: CertificateSpec, subject: x509.Name, public_key: Any):
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .public_key(public_key)
        .serial_number(_serial_number(spec, subject))
        .not_valid_before(spec.not_before)
        .not_valid_after(spec.not_after)
        .add_extension(x509.BasicConstraints(ca=spec.is_ca, path_length=None), True)
    )
    if spec.dns_names:
        names = x509.SubjectAlternativeName([x509.DNSName(n) for n in spec.dns_names])
        builder = builder.add_extension(names, critical=False)
    return builder


def _serial_number(spec: CertificateSpec, subject: x509.Name) -> int:
    """Derive a positive serial below 2**159 from the subject and validity."""
    text = f"{subject.rfc4514_string()}/{spec.not_before}/{spec.not_after}"
    return int.from_bytes(_digest(text.encode(), 19), "big") >> 1 or 1


def _sign(builder: x509.CertificateBuilder, key: PrivateKey) -> str:
    certificate = builder.sign(key, _hash_for(key), ecdsa_deterministic=_ecdsa(key))
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _ecdsa(key: PrivateKey) -> bool | None:
    # Deterministic ECDSA (RFC 6979) keeps signatures, and so reports, stable.
    return True if isinstance(key, ec.EllipticCurvePrivateKey) else None


def _hash_for(key: PrivateKey) -> hashes.SHA256 | None:
    # Ed25519 signs without a separate digest.
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


def _name(common_name_value: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name_value)])


def serial_of(certificate_pem: str) -> str:
    certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
    return str(certificate.serial_number)
