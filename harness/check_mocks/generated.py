"""Mock outputs for generated values: random, tls and time resources."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from harness.check_mocks.environment import MockEnvironment, stable_uuid
from harness.check_mocks.pki import (
    CertificateSpec,
    certificate_request,
    load_private_key,
    locally_signed_certificate,
    private_key_outputs,
    public_key_pem,
    self_signed_certificate,
    serial_of,
)
from harness.secret_values import PLACEHOLDER
from harness.time_values import add_months, rfc3339, time_parts

Outputs = tuple[str, dict[str, Any]]
Handler = Callable[[str, dict[str, Any], MockEnvironment], Outputs]


def random_password(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    return "none", {"result": PLACEHOLDER, "bcryptHash": PLACEHOLDER}


def random_string(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    return PLACEHOLDER, {"result": PLACEHOLDER}


def random_bytes(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    filler = _filler(int(inputs.get("length") or 32))
    encoded = base64.b64encode(filler).decode()
    return "none", {"base64": encoded, "hex": filler.hex()}


def random_id(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    filler = _filler(int(inputs.get("byteLength") or 8))
    url = base64.urlsafe_b64encode(filler).decode().rstrip("=")
    outputs = {
        "hex": filler.hex(),
        "b64Std": base64.b64encode(filler).decode(),
        "b64Url": url,
        "dec": str(int.from_bytes(filler, "big")),
    }
    return url, outputs


def random_uuid(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    value = stable_uuid("random-uuid", name)
    return value, {"result": value}


def random_integer(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    value = int(inputs.get("min") or 0)
    return str(value), {"result": value}


def _filler(length: int) -> bytes:
    """Return bytes that are plainly not random, for byte-valued results."""
    return (b"placeholder-" * (length // 12 + 1))[:length]


def tls_private_key(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    algorithm = str(inputs.get("algorithm") or "RSA")
    size = {
        "RSA": str(int(inputs.get("rsaBits") or 2048)),
        "ECDSA": str(inputs.get("ecdsaCurve") or "P224"),
    }.get(algorithm, "")
    outputs = private_key_outputs(env.keys.get(algorithm, size, name))
    return _digest_id(outputs["publicKeyPem"]), outputs


def tls_self_signed_cert(
    name: str, inputs: dict[str, Any], env: MockEnvironment
) -> Outputs:
    key = load_private_key(inputs.get("privateKeyPem"), env.keys.default())
    spec = CertificateSpec(inputs, name, env.reference_time)
    certificate = self_signed_certificate(spec, key)
    return serial_of(certificate), _certificate_outputs(certificate, spec)


def tls_cert_request(
    name: str, inputs: dict[str, Any], env: MockEnvironment
) -> Outputs:
    key = load_private_key(inputs.get("privateKeyPem"), env.keys.default())
    request = certificate_request(inputs, name, key)
    return _digest_id(request), {"certRequestPem": request}


def tls_locally_signed_cert(
    name: str, inputs: dict[str, Any], env: MockEnvironment
) -> Outputs:
    ca_key = load_private_key(inputs.get("caPrivateKeyPem"), env.keys.default())
    spec = CertificateSpec(inputs, name, env.reference_time)
    certificate = locally_signed_certificate(
        spec, inputs.get("certRequestPem"), inputs.get("caCertPem"), ca_key
    )
    if certificate is None:
        certificate = self_signed_certificate(spec, env.keys.default())
    return serial_of(certificate), _certificate_outputs(certificate, spec)


def tls_public_key(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    key = load_private_key(inputs.get("privateKeyPem"), env.keys.default())
    pem = public_key_pem(key)
    return _digest_id(pem), {"publicKeyPem": pem}


def _certificate_outputs(certificate: str, spec: CertificateSpec) -> dict[str, Any]:
    return {
        "certPem": certificate,
        "validityStartTime": rfc3339(spec.not_before),
        "validityEndTime": rfc3339(spec.not_after),
        "readyForRenewal": False,
    }


def _digest_id(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def time_rotating(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    """Anchor the rotation window at the input base, else the reference time."""
    base = _parse_time(inputs.get("rfc3339")) or env.reference_time
    rotation = _parse_time(inputs.get("rotationRfc3339")) or _add_period(base, inputs)
    outputs = {
        **time_parts(base),
        "rotationRfc3339": rfc3339(rotation),
    }
    return outputs["rfc3339"], outputs


def time_static(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    base = _parse_time(inputs.get("rfc3339")) or env.reference_time
    outputs = time_parts(base)
    return outputs["rfc3339"], outputs


def time_offset(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    base = _parse_time(inputs.get("baseRfc3339")) or env.reference_time
    offset = _add_period(base, inputs, prefix="offset")
    outputs = {
        **time_parts(offset),
        "baseRfc3339": rfc3339(base),
        "offsetRfc3339": rfc3339(offset),
    }
    return rfc3339(base), outputs


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _add_period(
    base: datetime, inputs: dict[str, Any], prefix: str = "rotation"
) -> datetime:
    """Add the `<prefix>Years/Months/Days/Hours/Minutes` inputs to a time."""
    months = 12 * int(inputs.get(f"{prefix}Years") or 0)
    months += int(inputs.get(f"{prefix}Months") or 0)
    shifted = add_months(base, months)
    return shifted + timedelta(
        days=float(inputs.get(f"{prefix}Days") or 0),
        hours=float(inputs.get(f"{prefix}Hours") or 0),
        minutes=float(inputs.get(f"{prefix}Minutes") or 0),
    )


HANDLERS: dict[str, Handler] = {
    "random:index/randomPassword:RandomPassword": random_password,
    "random:index/randomString:RandomString": random_string,
    "random:index/randomBytes:RandomBytes": random_bytes,
    "random:index/randomId:RandomId": random_id,
    "random:index/randomUuid:RandomUuid": random_uuid,
    "random:index/randomInteger:RandomInteger": random_integer,
    "tls:index/privateKey:PrivateKey": tls_private_key,
    "tls:index/selfSignedCert:SelfSignedCert": tls_self_signed_cert,
    "tls:index/certRequest:CertRequest": tls_cert_request,
    "tls:index/locallySignedCert:LocallySignedCert": tls_locally_signed_cert,
    "time:index/rotating:Rotating": time_rotating,
    "time:index/static:Static": time_static,
    "time:index/offset:Offset": time_offset,
}
