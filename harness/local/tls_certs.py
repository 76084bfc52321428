"""Certificates and requests for `tls:` resources, signed for real."""

from __future__ import annotations

import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from harness.local.tls_material import (
    EXTENDED_KEY_USAGES,
    KEY_USAGE_FLAGS,
    PrivateKey,
    TlsInputError,
    key_algorithm_label,
    load_private_key,
    signature_hash,
    subject_alternative_names,
    subject_name,
    utc_now,
)


def self_signed_cert(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Issue the certificate a `tls.SelfSignedCert` declares."""
    key = load_private_key(_require(name, inputs, "privateKeyPem"))
    subject = subject_name(inputs.get("subject"))
    builder = _base_builder(name, inputs, subject, subject, key.public_key())
    builder = _add_san(builder, subject_alternative_names(inputs))
    if inputs.get("setAuthorityKeyId"):
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()),
            critical=False,
        )
    certificate = builder.sign(key, signature_hash(key))
    return _certificate_outputs(certificate, key_algorithm_label(key))


def cert_request(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Create the CSR a `tls.CertRequest` declares."""
    key = load_private_key(_require(name, inputs, "privateKeyPem"))
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        subject_name(inputs.get("subject"))
    )
    names = subject_alternative_names(inputs)
    if names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(names), critical=False
        )
    request = builder.sign(key, signature_hash(key))
    pem = request.public_bytes(serialization.Encoding.PEM).decode()
    return name, {"certRequestPem": pem, "keyAlgorithm": key_algorithm_label(key)}


def locally_signed_cert(
    name: str, inputs: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """Sign the CSR of a `tls.LocallySignedCert` with its CA key."""
    request = x509.load_pem_x509_csr(_require(name, inputs, "certRequestPem").encode())
    ca_certificate = x509.load_pem_x509_certificate(
        _require(name, inputs, "caCertPem").encode()
    )
    ca_key = load_private_key(_require(name, inputs, "caPrivateKeyPem"))

    builder = _base_builder(
        name, inputs, request.subject, ca_certificate.subject, request.public_key()
    )
    builder = _copy_request_san(builder, request)
    builder = builder.add_extension(
        _authority_key_id(ca_certificate, ca_key), critical=False
    )
    certificate = builder.sign(ca_key, signature_hash(ca_key))
    _, outputs = _certificate_outputs(certificate, "")
    outputs["caKeyAlgorithm"] = key_algorithm_label(ca_key)
    return str(certificate.serial_number), outputs


def _base_builder(
    name: str,
    inputs: dict[str, Any],
    subject: x509.Name,
    issuer: x509.Name,
    public_key: Any,
) -> x509.CertificateBuilder:
    hours = int(_require(name, inputs, "validityPeriodHours"))
    start = utc_now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(hours=hours))
    )
    builder = _add_constraints(builder, inputs)
    builder = _add_key_usages(name, builder, inputs.get("allowedUses") or [])
    if inputs.get("setSubjectKeyId") or inputs.get("isCaCertificate"):
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False
        )
    return builder


def _add_constraints(
    builder: x509.CertificateBuilder, inputs: dict[str, Any]
) -> x509.CertificateBuilder:
    is_ca = bool(inputs.get("isCaCertificate"))
    path_length = inputs.get("maxPathLength") if is_ca else None
    if path_length is not None and int(path_length) < 0:
        path_length = None
    constraints = x509.BasicConstraints(
        ca=is_ca, path_length=None if path_length is None else int(path_length)
    )
    return builder.add_extension(constraints, critical=True)


def _add_key_usages(
    name: str, builder: x509.CertificateBuilder, allowed_uses: list[str]
) -> x509.CertificateBuilder:
    unknown = [
        use
        for use in allowed_uses
        if use not in KEY_USAGE_FLAGS and use not in EXTENDED_KEY_USAGES
    ]
    if unknown:
        raise TlsInputError(
            f"tls certificate '{name}': allowedUses {unknown} not supported (allowed: "
            f"{', '.join([*KEY_USAGE_FLAGS, *EXTENDED_KEY_USAGES])})"
        )
    flags = {flag: False for flag in KEY_USAGE_FLAGS.values()}
    for use in allowed_uses:
        if use in KEY_USAGE_FLAGS:
            flags[KEY_USAGE_FLAGS[use]] = True
    if any(flags.values()):
        builder = builder.add_extension(x509.KeyUsage(**flags), critical=True)
    extended = [
        EXTENDED_KEY_USAGES[use] for use in allowed_uses if use in EXTENDED_KEY_USAGES
    ]
    if extended:
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended), critical=False)
    return builder


def _add_san(
    builder: x509.CertificateBuilder, names: list[x509.GeneralName]
) -> x509.CertificateBuilder:
    if not names:
        return builder
    return builder.add_extension(x509.SubjectAlternativeName(names), critical=False)


def _copy_request_san(
    builder: x509.CertificateBuilder, request: x509.CertificateSigningRequest
) -> x509.CertificateBuilder:
    try:
        san = request.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return builder
    return builder.add_extension(san.value, critical=False)


def _authority_key_id(
    ca_certificate: x509.Certificate, ca_key: PrivateKey
) -> x509.AuthorityKeyIdentifier:
    try:
        ski = ca_certificate.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier
        )
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski.value)


def _certificate_outputs(
    certificate: x509.Certificate, key_algorithm: str
) -> tuple[str, dict[str, Any]]:
    outputs = {
        "certPem": certificate.public_bytes(serialization.Encoding.PEM).decode(),
        "validityStartTime": _rfc3339(certificate.not_valid_before_utc),
        "validityEndTime": _rfc3339(certificate.not_valid_after_utc),
        "readyForRenewal": False,
    }
    if key_algorithm:
        outputs["keyAlgorithm"] = key_algorithm
    return str(certificate.serial_number), outputs


def _rfc3339(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _require(name: str, inputs: dict[str, Any], key: str) -> Any:
    value = inputs.get(key)
    if value in (None, ""):
        raise TlsInputError(f"tls resource '{name}': required input '{key}' is missing")
    return value
