"""Generated values of the local apply: random, time and tls, checked offline."""

from __future__ import annotations

import base64
import datetime
import string
from collections.abc import Mapping

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from harness.local import generated, tls_certs, tls_material
from harness.secret_values import is_secret, unwrap_secrets

EC_KEY = {"algorithm": "ECDSA", "ecdsaCurve": "P256"}


def _private_pem(inputs: Mapping[str, object]) -> str:
    _, outputs = tls_material.generate_private_key("key", dict(inputs))
    return unwrap_secrets(outputs["privateKeyPem"])


def _self_signed(**extra: object) -> x509.Certificate:
    inputs = {
        "privateKeyPem": _private_pem(EC_KEY),
        "subject": {"commonName": "local-root", "organization": "example"},
        "validityPeriodHours": 48,
        **extra,
    }
    _, outputs = tls_certs.self_signed_cert("root", inputs)
    return x509.load_pem_x509_certificate(outputs["certPem"].encode())


def test_password_honours_length_and_minimums() -> None:
    inputs = {
        "length": 24,
        "minUpper": 3,
        "minLower": 3,
        "minNumeric": 3,
        "minSpecial": 3,
    }
    _, outputs = generated.random_password("db", inputs)
    password = unwrap_secrets(outputs["result"])

    assert len(password) == 24, "length"
    assert sum(c in string.ascii_uppercase for c in password) >= 3, "minUpper"
    assert sum(c in string.ascii_lowercase for c in password) >= 3, "minLower"
    assert sum(c in string.digits for c in password) >= 3, "minNumeric"
    assert sum(c in generated.DEFAULT_SPECIAL for c in password) >= 3, "minSpecial"


def test_password_result_is_secret() -> None:
    _, outputs = generated.random_password("db", {"length": 16})

    assert is_secret(outputs["result"]), "result must be marked secret"


def test_password_uses_only_override_special() -> None:
    inputs = {"length": 64, "minSpecial": 10, "overrideSpecial": "-_"}
    _, outputs = generated.random_password("db", inputs)
    password = unwrap_secrets(outputs["result"])
    specials = {c for c in password if not c.isalnum()}

    assert specials <= {"-", "_"}, f"unexpected specials {specials}"


def test_password_without_special_has_none() -> None:
    _, outputs = generated.random_password("db", {"length": 64, "special": False})

    assert unwrap_secrets(outputs["result"]).isalnum(), "special: false ignored"


def test_password_rejects_minimums_over_length() -> None:
    with pytest.raises(generated.GeneratedInputError, match="'db'"):
        generated.random_password("db", {"length": 4, "minUpper": 3, "minLower": 3})


def test_bytes_base64_and_hex_agree() -> None:
    _, outputs = generated.random_bytes("key", {"length": 32})
    raw_b64 = base64.b64decode(unwrap_secrets(outputs["base64"]))

    assert len(raw_b64) == 32, "length in bytes"
    assert raw_b64.hex() == unwrap_secrets(outputs["hex"]), "hex matches base64"


def test_rotating_adds_rotation_days() -> None:
    inputs = {"rfc3339": "2026-01-31T00:00:00Z", "rotationDays": 30}
    resource_id, outputs = generated.time_rotating("rotation", inputs)

    assert resource_id == "2026-01-31T00:00:00Z", "id is the base time"
    assert outputs["rotationRfc3339"] == "2026-03-02T00:00:00Z", "base + 30 days"
    assert outputs["unix"] == 1769817600, "unix seconds of the base"


def test_rotating_months_clamp_to_month_end() -> None:
    inputs = {"rfc3339": "2026-01-31T00:00:00Z", "rotationMonths": 1}
    _, outputs = generated.time_rotating("rotation", inputs)

    assert outputs["rotationRfc3339"] == "2026-02-28T00:00:00Z"


def test_rotating_defaults_to_now() -> None:
    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    _, outputs = generated.time_rotating("rotation", {"rotationHours": 1})
    base = datetime.datetime.fromisoformat(outputs["rfc3339"].replace("Z", "+00:00"))

    assert before <= base <= before + datetime.timedelta(seconds=5), "base is now"


def test_rotating_without_period_rejected() -> None:
    with pytest.raises(generated.GeneratedInputError, match="rotationDays"):
        generated.time_rotating("rotation", {})


def test_offset_adds_offset_days() -> None:
    inputs = {"baseRfc3339": "2026-01-01T00:00:00Z", "offsetDays": 10}
    _, outputs = generated.time_offset("expiry", inputs)

    assert outputs["rfc3339"] == "2026-01-11T00:00:00Z"


def test_private_key_uses_declared_curve() -> None:
    pem = _private_pem({"algorithm": "ECDSA", "ecdsaCurve": "P384"})
    key = tls_material.load_private_key(pem)

    assert isinstance(key, ec.EllipticCurvePrivateKey), "ECDSA key"
    assert key.curve.name == "secp384r1", "declared curve P384"


def test_private_key_uses_declared_rsa_bits() -> None:
    key = tls_material.load_private_key(
        _private_pem({"algorithm": "RSA", "rsaBits": 3072})
    )

    assert isinstance(key, rsa.RSAPrivateKey), "RSA key"
    assert key.key_size == 3072, "declared rsaBits"


def test_private_key_rejects_unknown_algorithm() -> None:
    with pytest.raises(
        tls_material.TlsInputError, match="allowed: RSA, ECDSA, ED25519"
    ):
        tls_material.generate_private_key("key", {"algorithm": "DSA"})


def test_self_signed_validity_hours() -> None:
    certificate = _self_signed()
    window = certificate.not_valid_after_utc - certificate.not_valid_before_utc

    assert window == datetime.timedelta(hours=48), "validityPeriodHours"


def test_self_signed_subject() -> None:
    subject = _self_signed().subject

    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "local-root"
    assert (
        subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "example"
    )


def test_self_signed_ca_constraints_and_usages() -> None:
    certificate = _self_signed(
        isCaCertificate=True, allowedUses=["cert_signing", "crl_signing"]
    )
    constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value

    assert constraints.value.ca, "isCaCertificate sets CA:true"
    assert usage.key_cert_sign, "cert_signing maps to keyCertSign"
    assert usage.crl_sign, "crl_signing maps to cRLSign"
    assert not usage.digital_signature, "undeclared usage stays off"


def test_locally_signed_leaf_has_names_and_usages() -> None:
    ca_pem = _private_pem(EC_KEY)
    _, ca_outputs = tls_certs.self_signed_cert(
        "root",
        {
            "privateKeyPem": ca_pem,
            "subject": {"commonName": "root"},
            "validityPeriodHours": 100,
            "isCaCertificate": True,
            "allowedUses": ["cert_signing"],
        },
    )
    request_inputs = {
        "privateKeyPem": _private_pem(EC_KEY),
        "subject": {"commonName": "auth.local.internal"},
        "dnsNames": ["auth.local.internal"],
    }
    _, request = tls_certs.cert_request("leaf-csr", request_inputs)
    _, leaf_outputs = tls_certs.locally_signed_cert(
        "leaf",
        {
            "certRequestPem": request["certRequestPem"],
            "caCertPem": ca_outputs["certPem"],
            "caPrivateKeyPem": ca_pem,
            "validityPeriodHours": 24,
            "allowedUses": ["digital_signature", "server_auth"],
        },
    )
    leaf = x509.load_pem_x509_certificate(leaf_outputs["certPem"].encode())
    root = x509.load_pem_x509_certificate(ca_outputs["certPem"].encode())
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    extended = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value

    leaf.verify_directly_issued_by(root)
    assert names.value.get_values_for_type(x509.DNSName) == ["auth.local.internal"]
    assert list(extended) == [ExtendedKeyUsageOID.SERVER_AUTH], "server_auth EKU"
