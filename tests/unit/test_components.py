"""Properties of the resources each component declares, checked under mocks."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
from datetime import datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from components.azure_mirror import EXPIRY_GRACE_DAYS, SECRETS_USER_ROLE_ID
from components.credentials import URL_SAFE_SPECIALS
from components.jwks import key_id, public_jwk
from components.keys import JWT_SIGNING_KEYS
from components.service_secrets import kv_location, policy_document
from stack_config import ConfigError
from tests.unit.program_mocks import (
    PlatformBuild,
    Registration,
    build_platform,
    build_stack,
    generate_external_values,
    load_stack,
)

STACKS = ("local", "dev", "prod")


def _plain(value: Any) -> Any:
    """Return an input without the SDK's secret marker."""
    if isinstance(value, dict) and "value" in value and len(value) == 2:
        return value["value"]
    return value


def _of_type(stack: str, type_token: str) -> list[Registration]:
    return build_stack(stack).of_type(type_token)


def _named(stack: str, name: str, type_token: str | None = None) -> Registration:
    return build_stack(stack).named(name, type_token)


# Vault foundation

JWT_KEY_SOURCES = ("oidcDiscoveryUrl", "jwksUrl", "jwtValidationPubkeys")


@pytest.mark.parametrize("stack", STACKS)
def test_jwt_backend_has_one_key_source(stack: str) -> None:
    backend = _named(stack, "platform-vault-jwt").inputs

    sources = [key for key in JWT_KEY_SOURCES if backend.get(key)]

    assert len(sources) == 1, f"{stack}: platform-vault-jwt key sources {sources}"


@pytest.mark.parametrize("stack", STACKS)
def test_jwt_backend_has_no_oidc_client(stack: str) -> None:
    backend = _named(stack, "platform-vault-jwt").inputs

    assert "oidcClientId" not in backend, f"{stack}: platform-vault-jwt oidcClientId"
    assert "oidcClientSecret" not in backend, f"{stack}: platform-vault-jwt secret"


@pytest.mark.parametrize("stack", STACKS)
def test_jwt_backend_bound_issuer_equals_issuer(stack: str) -> None:
    issuer = load_stack(stack).vault.jwt
    backend = _named(stack, "platform-vault-jwt").inputs

    assert issuer is not None, f"{stack}: vault.jwt"
    assert backend["boundIssuer"] == issuer.issuer, f"{stack}: boundIssuer"


def test_ci_signing_key_rotates() -> None:
    days = load_stack("local").rotation.jwt_signing_key
    key = _named("local", "platform-vault-ci-signing-key")
    rotation = _named("local", "platform-vault-ci-signing-key-rotation")

    assert rotation.inputs["rotationDays"] == days, "ci signing key rotationDays"
    assert key.has_replacement_trigger, "platform-vault-ci-signing-key trigger"
    assert rotation.urn in key.dependencies, "platform-vault-ci-signing-key"


def test_local_jwt_backend_trusts_generated_key() -> None:
    backend = _named("local", "platform-vault-jwt").inputs
    key = _named("local", "platform-vault-ci-signing-key")

    assert backend["jwtValidationPubkeys"] == [key.state["publicKeyPem"]], (
        "platform-vault-jwt jwtValidationPubkeys"
    )
    assert key.inputs["ecdsaCurve"] == "P256", "platform-vault-ci-signing-key curve"


@pytest.mark.parametrize("stack", STACKS)
def test_vault_resources_delete_before_replace(stack: str) -> None:
    for registration in build_stack(stack).resources:
        if registration.type.startswith("vault:"):
            assert registration.delete_before_replace, (
                f"{stack}: {registration.name} lacks deleteBeforeReplace"
            )


@pytest.mark.parametrize("stack", STACKS)
def test_kv_mounts_are_kv_version_2(stack: str) -> None:
    mounts = [
        mount
        for mount in _of_type(stack, "vault:index/mount:Mount")
        if mount.name.endswith("-kv")
    ]

    assert mounts, f"{stack}: no KV mount"
    for mount in mounts:
        assert mount.inputs["type"] == "kv", f"{stack}: {mount.name} type"
        assert mount.inputs["options"] == {"version": "2"}, f"{stack}: {mount.name}"


@pytest.mark.parametrize(("stack", "protected"), [("dev", False), ("prod", True)])
def test_data_mounts_protected_per_stack(stack: str, protected: bool) -> None:
    for name in ("auth-service-kv", "platform-vault-transit"):
        mount = _named(stack, name)
        assert mount.protect is protected, f"{stack}: {name} protect"


def test_audit_device_writes_configured_file() -> None:
    audit = _named("dev", "platform-vault-audit").inputs

    assert audit["type"] == "file", "platform-vault-audit type"
    assert audit["options"] == {"file_path": "/var/log/vault/audit.log"}, (
        "platform-vault-audit options"
    )


# Shared KV layout


@pytest.fixture(scope="module")
def shared_build() -> PlatformBuild:
    config = load_stack("dev")
    vault = dataclasses.replace(config.vault, kv_layout="shared")
    config = dataclasses.replace(config, vault=vault)
    return build_platform(config, generate_external_values(config))


def test_shared_layout_declares_one_kv_mount(shared_build: PlatformBuild) -> None:
    mounts = [
        mount.name
        for mount in shared_build.of_type("vault:index/mount:Mount")
        if mount.inputs["type"] == "kv"
    ]

    assert mounts == ["platform-vault-kv"], "KV mounts under the shared layout"


def test_shared_layout_prefixes_secret_names(shared_build: PlatformBuild) -> None:
    secret = shared_build.named("llm-service-redis-password-kv").inputs

    assert secret["mount"] == "secret", "llm-service-redis-password-kv mount"
    assert secret["name"] == "llm-service/redis-password", (
        "llm-service-redis-password-kv name"
    )


def test_shared_layout_policy_limited_to_prefix(shared_build: PlatformBuild) -> None:
    policy = _plain(shared_build.named("llm-service-policy").inputs["policy"])

    paths = re.findall(r'path "([^"]+)"', policy)

    assert paths[:2] == [
        "secret/data/llm-service/*",
        "secret/metadata/llm-service/*",
    ], "llm-service-policy KV paths"


# Service access


def test_policy_document_per_service_capabilities() -> None:
    document = policy_document(
        "auth-service", kv_location("auth-service", "per-service"), ()
    )

    data_rule = 'path "auth-service/kv/data/*" {\n  capabilities = ["read"]\n}'
    metadata_rule = (
        'path "auth-service/kv/metadata/*" {\n  capabilities = ["read", "list"]\n}'
    )

    assert data_rule in document, "auth-service policy data rule"
    assert metadata_rule in document, "auth-service policy metadata rule"


def test_policy_document_grants_own_transit_keys_only() -> None:
    location = kv_location("llm-service", "per-service")
    document = policy_document("llm-service", location, ("cache-encryption",))

    transit_paths = re.findall(r'path "(transit/[^"]+)"', document)

    assert transit_paths == [
        "transit/encrypt/llm-service-cache-encryption",
        "transit/decrypt/llm-service-cache-encryption",
    ], "llm-service transit paths"


@pytest.mark.parametrize("stack", STACKS)
def test_approle_role_grants_only_service_policy(stack: str) -> None:
    settings = load_stack(stack).vault
    role = _named(stack, "auth-service-approle").inputs

    assert role["tokenPolicies"] == ["auth-service"], f"{stack}: tokenPolicies"
    assert role["tokenTtl"] == settings.token_ttl_seconds, f"{stack}: tokenTtl"
    assert role["tokenMaxTtl"] == settings.token_max_ttl_seconds, f"{stack}: max"
    assert role["secretIdTtl"] == settings.secret_id_ttl_seconds, f"{stack}: secretId"


@pytest.mark.parametrize("stack", STACKS)
def test_ci_role_bound_to_service_claims(stack: str) -> None:
    config = load_stack(stack)
    service = config.services[0]
    role = _named(stack, f"{service.name}-ci-role").inputs

    assert config.vault.jwt is not None, f"{stack}: vault.jwt"
    assert role["roleType"] == "jwt", f"{stack}: roleType"
    assert role["boundAudiences"] == [config.vault.jwt.audience], f"{stack}: aud"
    assert role["boundClaims"] == dict(service.ci_bound_claims), f"{stack}: claims"
    assert role["userClaim"] == "sub", f"{stack}: userClaim"
    assert role["tokenPolicies"] == [service.name], f"{stack}: tokenPolicies"


def test_ci_role_skipped_without_bound_claims() -> None:
    config = load_stack("dev")
    services = tuple(
        dataclasses.replace(service, ci_bound_claims=()) for service in config.services
    )
    config = dataclasses.replace(config, services=services)

    build = build_platform(config, generate_external_values(config))

    roles = build.of_type("vault:jwt/authBackendRole:AuthBackendRole")
    assert roles == [], "JWT roles declared without bound claims"


@pytest.mark.parametrize("stack", STACKS)
def test_transit_key_rotates_and_stays_inside(stack: str) -> None:
    days = load_stack(stack).rotation.api_token
    key = _named(stack, "llm-service-transit-cache-encryption").inputs

    assert key["name"] == "llm-service-cache-encryption", f"{stack}: name"
    assert key["autoRotatePeriod"] == days * 86400, f"{stack}: autoRotatePeriod"
    assert key["exportable"] is False, f"{stack}: exportable"
    assert key["deletionAllowed"] is False, f"{stack}: deletionAllowed"


def test_kv_secret_written_to_service_mount() -> None:
    secret = _named("dev", "auth-service-postgres-password-kv").inputs
    document = json.loads(_plain(secret["dataJson"]))

    assert secret["mount"] == "auth-service/kv", "auth-service-postgres-password-kv"
    assert secret["name"] == "postgres-password", "auth-service-postgres-password-kv"
    assert list(document) == ["value"], "auth-service-postgres-password-kv fields"


def test_kv_secret_data_is_secret() -> None:
    secret = _named("dev", "auth-service-postgres-password-kv").inputs

    # Compared first so that a failure does not print the value.
    marked = secret["dataJson"] != _plain(secret["dataJson"])
    assert marked, "auth-service-postgres-password-kv dataJson is not marked secret"


SECRET_DOCUMENT_INPUTS = [
    ("vault:kv/secretV2:SecretV2", "dataJson"),
    ("aws:secretsmanager/secretVersion:SecretVersion", "secretString"),
    ("azure-native:keyvault:Secret", "properties"),
    ("gcp:secretmanager/secretVersion:SecretVersion", "secretData"),
]


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize(("type_token", "field"), SECRET_DOCUMENT_INPUTS)
def test_stored_documents_marked_secret(
    stack: str, type_token: str, field: str
) -> None:
    for registration in _of_type(stack, type_token):
        value = registration.inputs[field]
        # Compared first so that a failure does not print the value.
        marked = value != _plain(value)
        assert marked, f"{stack}: {registration.name} {field} is not marked secret"


@pytest.mark.parametrize("name", ["default", "root", "sys", "transit", "secret"])
def test_reserved_service_name_rejected(name: str) -> None:
    config = load_stack("dev")
    renamed = dataclasses.replace(config.services[2], name=name)
    config = dataclasses.replace(config, services=(*config.services[:2], renamed))
    external_values = generate_external_values(config)

    with pytest.raises(ConfigError, match=rf"services\.{name}: is a name Vault"):
        build_platform(config, external_values)


def test_missing_external_value_names_key() -> None:
    config = load_stack("dev")
    external_values = generate_external_values(config)
    del external_values["llm-service"]["deepseek-api-key"]

    with pytest.raises(ConfigError, match=r"external\.llm-service\.deepseek-api-key"):
        build_platform(config, external_values)


# Generated credentials


@pytest.mark.parametrize("stack", STACKS)
def test_passwords_are_long_and_url_safe(stack: str) -> None:
    for password in _of_type(stack, "random:index/randomPassword:RandomPassword"):
        inputs = password.inputs
        assert inputs["length"] >= 32, f"{stack}: {password.name} length"
        assert set(inputs["overrideSpecial"]) <= set(URL_SAFE_SPECIALS), (
            f"{stack}: {password.name} overrideSpecial"
        )
        assert not set(inputs["overrideSpecial"]) & set("@:/#?"), password.name


@pytest.mark.parametrize("stack", STACKS)
def test_passwords_keyed_to_their_rotation(stack: str) -> None:
    for password in _of_type(stack, "random:index/randomPassword:RandomPassword"):
        rotation = _named(stack, f"{password.name}-rotation")
        assert password.inputs["keepers"] == {"rotation": rotation.state["rfc3339"]}, (
            f"{stack}: {password.name} keepers"
        )


@pytest.mark.parametrize("stack", STACKS)
def test_password_rotation_from_config(stack: str) -> None:
    days = load_stack(stack).rotation.database_password
    rotation = _named(stack, "auth-service-credentials-postgres-password-rotation")

    assert rotation.inputs["rotationDays"] == days, f"{stack}: rotationDays"
    assert "rfc3339" not in rotation.inputs, f"{stack}: rotation base is pinned"


@pytest.mark.parametrize("stack", STACKS)
def test_signing_slots_rotate_half_apart(stack: str) -> None:
    days = load_stack(stack).rotation.jwt_signing_key
    prefix = "auth-service-credentials-jwt-signing-key"
    slot_a = _named(stack, f"{prefix}-a-rotation")
    offset = _named(stack, f"{prefix}-b-offset")
    slot_b = _named(stack, f"{prefix}-b-rotation")

    assert slot_a.inputs["rotationDays"] == 2 * days, f"{stack}: slot a period"
    assert "rfc3339" not in slot_a.inputs, f"{stack}: slot a base is pinned"
    assert offset.inputs["offsetDays"] == days, f"{stack}: slot b offset"
    assert offset.inputs["baseRfc3339"] == slot_a.state["rfc3339"], f"{stack}: base"
    assert slot_b.inputs["rfc3339"] == offset.state["rfc3339"], f"{stack}: slot b"
    assert slot_b.inputs["rotationDays"] == 2 * days, f"{stack}: slot b period"


@pytest.mark.parametrize("stack", STACKS)
def test_signing_slot_b_ignores_base_changes(stack: str) -> None:
    slot_b = _named(stack, "auth-service-credentials-jwt-signing-key-b-rotation")

    assert slot_b.ignore_changes == ("rfc3339",), f"{stack}: slot b ignoreChanges"


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("slot", ["a", "b"])
def test_signing_keys_replaced_by_rotation(stack: str, slot: str) -> None:
    key = _named(stack, f"auth-service-credentials-jwt-signing-key-{slot}")

    rotation = _named(stack, f"{key.name}-rotation")

    assert key.has_replacement_trigger, f"{stack}: {key.name} replacementTrigger"
    assert rotation.urn in key.dependencies, f"{stack}: {key.name} dependencies"
    assert key.inputs["algorithm"] == "ECDSA", f"{stack}: {key.name} algorithm"
    assert key.inputs["ecdsaCurve"] == "P256", f"{stack}: {key.name} curve"


@pytest.mark.parametrize(
    ("algorithm", "tls_algorithm", "curve", "bits"),
    [
        ("ES256", "ECDSA", "P256", None),
        ("ES384", "ECDSA", "P384", None),
        ("RS256", "RSA", None, 3072),
        ("EdDSA", "ED25519", None, None),
    ],
)
def test_jwt_algorithm_key_spec(
    algorithm: str, tls_algorithm: str, curve: str | None, bits: int | None
) -> None:
    spec = JWT_SIGNING_KEYS[algorithm]  # type: ignore[index]

    assert spec.tls_algorithm == tls_algorithm, f"{algorithm} algorithm"
    assert spec.ecdsa_curve == curve, f"{algorithm} curve"
    assert spec.rsa_bits == bits, f"{algorithm} bits"


def test_signing_key_document_holds_both_slots() -> None:
    secret = _named("dev", "auth-service-jwt-signing-key-kv").inputs
    document = json.loads(_plain(secret["dataJson"]))

    assert document["algorithm"] == "ES256", "jwt-signing-key algorithm"
    assert document["current"] in ("a", "b"), "jwt-signing-key current"
    assert document["a"]["kid"] != document["b"]["kid"], "jwt-signing-key kids"


# JWKS

RFC7638_N = (
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR"
    "1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0"
    "h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91"
    "CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44"
    "-csFCur-kEgU8awapJzKnqDKgw"
)
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def _pem(public_key: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def test_key_id_matches_rfc7638_example() -> None:
    padded = RFC7638_N + "=" * (-len(RFC7638_N) % 4)
    modulus = int.from_bytes(base64.urlsafe_b64decode(padded), "big")
    public_key = rsa.RSAPublicNumbers(65537, modulus).public_key()

    assert key_id(_pem(public_key)) == RFC7638_THUMBPRINT, "RFC 7638 thumbprint"


@pytest.mark.parametrize(
    ("algorithm", "private_key"),
    [
        ("ES256", ec.generate_private_key(ec.SECP256R1())),
        ("ES384", ec.generate_private_key(ec.SECP384R1())),
        ("RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        ("EdDSA", ed25519.Ed25519PrivateKey.generate()),
    ],
    ids=["ES256", "ES384", "RS256", "EdDSA"],
)
def test_public_jwk_verifies_token(algorithm: str, private_key: Any) -> None:
    token = jwt.encode({"sub": "ci"}, private_key, algorithm=algorithm)
    jwk = public_jwk(_pem(private_key.public_key()), algorithm)  # type: ignore[arg-type]

    verifier = jwt.PyJWK(jwk).key
    claims = jwt.decode(token, verifier, algorithms=[algorithm])

    assert claims == {"sub": "ci"}, f"{algorithm} token verified with its JWK"


def test_jwks_output_matches_slot_keys() -> None:
    build = build_stack("dev")
    exported = build.outputs["services"]["auth-service"]["jwks"]["keys"]
    slots = [
        _named("dev", f"auth-service-credentials-jwt-signing-key-{slot}")
        for slot in ("a", "b")
    ]

    expected = [key_id(slot.state["publicKeyPem"]) for slot in slots]

    assert [key["kid"] for key in exported] == expected, "auth-service jwks kids"


# Certificates


@pytest.mark.parametrize("stack", STACKS)
def test_private_keys_set_curve_or_size(stack: str) -> None:
    for key in _of_type(stack, "tls:index/privateKey:PrivateKey"):
        inputs = key.inputs
        if inputs["algorithm"] == "ECDSA":
            assert inputs.get("ecdsaCurve") in ("P256", "P384"), key.name
        if inputs["algorithm"] == "RSA":
            assert inputs.get("rsaBits", 0) >= 2048, key.name


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_tls_root_is_signing_ca(stack: str) -> None:
    pki = load_stack(stack).pki
    root = _named(stack, "platform-ca-cert").inputs

    assert root["isCaCertificate"] is True, f"{stack}: platform-ca-cert isCa"
    assert root["allowedUses"] == ["cert_signing", "crl_signing"], f"{stack}: uses"
    assert root["validityPeriodHours"] == pki.root_validity_days * 24, stack


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_tls_intermediate_is_signing_ca(stack: str) -> None:
    pki = load_stack(stack).pki
    intermediate = _named(stack, "auth-service-tls-intermediate-cert").inputs

    assert intermediate["isCaCertificate"] is True, f"{stack}: intermediate isCa"
    assert intermediate["allowedUses"] == ["cert_signing", "crl_signing"], stack
    validity_hours = pki.intermediate_validity_days * 24
    assert intermediate["validityPeriodHours"] == validity_hours, f"{stack}: validity"


@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.parametrize("role", ["server", "client"])
def test_tls_leaf_renews_inside_validity(stack: str, role: str) -> None:
    leaf = _named(stack, f"auth-service-tls-{role}-cert").inputs

    assert 0 < leaf["earlyRenewalHours"] < leaf["validityPeriodHours"], (
        f"{stack}: auth-service-tls-{role}-cert earlyRenewalHours"
    )
    assert f"{role}_auth" in leaf["allowedUses"], f"{stack}: {role} allowedUses"


@pytest.mark.parametrize("role", ["server", "client"])
def test_tls_leaf_key_replaced_by_rotation(role: str) -> None:
    key = _named("dev", f"auth-service-tls-{role}-key")
    rotation = _named("dev", "auth-service-tls-leaf-rotation")

    assert key.has_replacement_trigger, f"auth-service-tls-{role}-key trigger"
    assert rotation.urn in key.dependencies, f"auth-service-tls-{role}-key"


def test_ca_resources_protected_in_prod() -> None:
    for name in (
        "platform-ca-key",
        "platform-ca-cert",
        "auth-service-tls-intermediate-key",
        "auth-service-tls-intermediate-cert",
    ):
        assert _named("prod", name).protect, f"prod: {name} protect"


def test_ca_resources_unprotected_in_dev() -> None:
    assert not _named("dev", "platform-ca-key").protect, "dev: platform-ca-key"


def test_tls_leaf_key_stored_in_kv() -> None:
    secret = _named("dev", "auth-service-tls-server-kv").inputs
    document = json.loads(_plain(secret["dataJson"]))
    key = _named("dev", "auth-service-tls-server-key")

    # Compared first so that a failure does not print the key.
    same_key = document["private_key_pem"] == _plain(key.state["privateKeyPem"])
    assert same_key, "auth-service-tls-server-kv holds another private key"


def test_vault_pki_role_limits_names() -> None:
    pki = load_stack("local").pki
    role = _named("local", "auth-service-tls-server-role").inputs

    assert role["allowAnyName"] is False, "auth-service-tls-server-role allowAnyName"
    assert role["enforceHostnames"] is True, "enforceHostnames"
    assert role["allowWildcardCertificates"] is False, "allowWildcardCertificates"
    assert role["allowIpSans"] is False, "allowIpSans"
    assert role["allowedDomains"] == ["auth.local.internal"], "allowedDomains"
    assert role["maxTtl"] == f"{pki.leaf_validity_days * 24}h", "maxTtl"


WILDCARD_NAMES = ("*.auth.local.internal", "auth.local.internal")


@pytest.fixture(scope="module")
def wildcard_build() -> PlatformBuild:
    """Build the local stack with a wildcard server name for auth-service."""
    config = load_stack("local")
    services = tuple(
        dataclasses.replace(
            service, tls=dataclasses.replace(service.tls, server_names=WILDCARD_NAMES)
        )
        if service.name == "auth-service" and service.tls is not None
        else service
        for service in config.services
    )
    config = dataclasses.replace(config, services=services)
    return build_platform(config, generate_external_values(config))


def test_vault_pki_role_allows_wildcard_name(wildcard_build: PlatformBuild) -> None:
    role = wildcard_build.named("auth-service-tls-server-role").inputs

    assert role["allowWildcardCertificates"] is True, "server-role wildcard"
    assert role["allowedDomains"] == list(WILDCARD_NAMES), "server-role domains"
    assert role["allowSubdomains"] is False, "server-role allowSubdomains"
    assert role["allowGlobDomains"] is False, "server-role allowGlobDomains"


def test_vault_pki_client_role_no_wildcard(wildcard_build: PlatformBuild) -> None:
    role = wildcard_build.named("auth-service-tls-client-role").inputs

    assert role["allowWildcardCertificates"] is False, "client-role wildcard"


@pytest.mark.parametrize(
    ("role", "server", "client"), [("server", True, False), ("client", False, True)]
)
def test_vault_pki_role_flags(role: str, server: bool, client: bool) -> None:
    inputs = _named("local", f"auth-service-tls-{role}-role").inputs

    assert inputs["serverFlag"] is server, f"auth-service-tls-{role}-role serverFlag"
    assert inputs["clientFlag"] is client, f"auth-service-tls-{role}-role clientFlag"


def test_vault_leaf_replaced_by_rotation() -> None:
    leaf = _named("local", "auth-service-tls-server-cert")
    rotation = _named("local", "auth-service-tls-leaf-rotation")

    assert leaf.has_replacement_trigger, "auth-service-tls-server-cert trigger"
    assert rotation.urn in leaf.dependencies, "auth-service-tls-server-cert"
    assert leaf.inputs["autoRenew"] is True, "auth-service-tls-server-cert autoRenew"


# Cloud mirrors


def test_aws_key_rotates() -> None:
    key = _named("prod", "platform-aws-key").inputs

    assert key["enableKeyRotation"] is True, "platform-aws-key enableKeyRotation"
    assert 90 <= key["rotationPeriodInDays"] <= 2560, "rotationPeriodInDays"


def test_aws_secret_encrypted_with_stack_key() -> None:
    aws = load_stack("prod").aws
    key = _named("prod", "platform-aws-key")
    secret = _named("prod", "auth-service-aws-postgres-password").inputs

    assert aws is not None, "prod aws settings"
    assert secret["kmsKeyId"] == key.state["arn"], "kmsKeyId"
    assert secret["recoveryWindowInDays"] == aws.recovery_window_days, "recovery"


def test_aws_policy_admits_service_principal_only() -> None:
    principal = load_stack("prod").services[0].identities.aws
    policy = _named("prod", "auth-service-aws-postgres-password-policy").inputs
    document = json.loads(policy["policy"])

    principals = [statement["Principal"] for statement in document["Statement"]]

    assert principals == [{"AWS": principal}], "secret policy principals"
    assert policy["blockPublicPolicy"] is True, "blockPublicPolicy"


def test_azure_vault_locked_down() -> None:
    properties = _named("prod", "platform-azure-vault").inputs["properties"]

    assert properties["enableRbacAuthorization"] is True, "enableRbacAuthorization"
    assert properties["enablePurgeProtection"] is True, "enablePurgeProtection"
    assert properties["enableSoftDelete"] is True, "enableSoftDelete"
    assert properties["networkAcls"]["defaultAction"] == "Deny", "networkAcls"
    assert properties["sku"] == {"family": "A", "name": "standard"}, "sku"


def test_azure_secret_expires_after_rotation() -> None:
    secret = _named("prod", "auth-service-azure-postgres-password").inputs
    rotation = _named("prod", "auth-service-credentials-postgres-password-rotation")
    rotation_time = datetime.fromisoformat(rotation.state["rotationRfc3339"])

    expected = rotation_time + timedelta(days=EXPIRY_GRACE_DAYS)

    properties = _plain(secret["properties"])
    assert properties["attributes"]["expires"] == int(expected.timestamp()), "expires"
    assert properties["contentType"] == "application/json", "contentType"
    assert re.fullmatch(r"[0-9A-Za-z-]{1,127}", secret["secretName"]), "secretName"


def test_azure_role_assignment_scoped_to_secret() -> None:
    principal = load_stack("prod").services[0].identities.azure
    secret = _named("prod", "auth-service-azure-postgres-password")
    assignment = _named("prod", "auth-service-azure-postgres-password-reader").inputs

    assert assignment["scope"] == secret.state["id"], "scope"
    assert assignment["principalId"] == principal, "principalId"
    assert assignment["roleDefinitionId"].endswith(SECRETS_USER_ROLE_ID), "role"


def test_azure_role_assignments_one_per_secret() -> None:
    secrets = _of_type("prod", "azure-native:keyvault:Secret")
    assignments = _of_type("prod", "azure-native:authorization:RoleAssignment")

    assert len(assignments) == len(secrets), "one role assignment per secret"
    names = {a.inputs["roleAssignmentName"] for a in assignments}
    assert len(names) == len(assignments), "role assignment names are unique"


@pytest.mark.parametrize(
    ("stack", "replication"),
    [
        ("dev", {"auto": {}}),
        (
            "prod",
            {
                "userManaged": {
                    "replicas": [
                        {"location": "europe-west1"},
                        {"location": "europe-west4"},
                    ]
                }
            },
        ),
    ],
)
def test_gcp_secret_replication(stack: str, replication: dict[str, Any]) -> None:
    secret = _named(stack, "auth-service-gcp-postgres-password").inputs

    assert secret["replication"] == replication, f"{stack}: replication"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_gcp_secret_rotation_anchored(stack: str) -> None:
    days = load_stack(stack).rotation.database_password
    secret = _named(stack, "auth-service-gcp-postgres-password").inputs
    rotation = _named(stack, "auth-service-credentials-postgres-password-rotation")
    topic = _named(stack, "platform-gcp-rotation-topic")

    assert secret["rotation"] == {
        "rotationPeriod": f"{days * 86400}s",
        "nextRotationTime": rotation.state["rotationRfc3339"],
    }, f"{stack}: rotation"
    assert secret["topics"] == [{"name": topic.state["id"]}], f"{stack}: topics"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_gcp_accessor_one_per_secret(stack: str) -> None:
    account = load_stack(stack).services[0].identities.gcp
    members = [
        member
        for member in _of_type(
            stack, "gcp:secretmanager/secretIamMember:SecretIamMember"
        )
        if member.name.startswith("auth-service-")
    ]
    secrets = [
        secret
        for secret in _of_type(stack, "gcp:secretmanager/secret:Secret")
        if secret.name.startswith("auth-service-")
    ]

    assert len(members) == len(secrets), f"{stack}: one accessor per secret"
    for member in members:
        assert member.inputs["member"] == f"serviceAccount:{account}", member.name
        assert member.inputs["role"] == "roles/secretmanager.secretAccessor", (
            member.name
        )


def test_gcp_topic_publisher_is_service_agent() -> None:
    grant = _named("dev", "platform-gcp-rotation-publisher").inputs
    agent = _named("dev", "platform-gcp-secret-manager-agent")

    assert grant["member"] == agent.state["member"], "publisher member"
    assert grant["role"] == "roles/pubsub.publisher", "publisher role"
    assert agent.inputs["service"] == "secretmanager.googleapis.com", "agent service"


# Config variants


def _build_variant(**changes: Any) -> PlatformBuild:
    config = dataclasses.replace(load_stack("dev"), **changes)
    return build_platform(config, generate_external_values(config))


def test_no_ci_issuer_declares_no_jwt_login() -> None:
    config = load_stack("dev")
    build = _build_variant(vault=dataclasses.replace(config.vault, jwt=None))

    assert build.of_type("vault:jwt/authBackend:AuthBackend") == [], "JWT backend"
    assert build.of_type("vault:jwt/authBackendRole:AuthBackendRole") == [], "roles"
    assert build.outputs["vault"]["jwtPath"] is None, "vault.jwtPath output"


def test_no_mirrors_declares_no_cloud_resource() -> None:
    build = _build_variant(mirrors=())

    cloud = [
        r.name
        for r in build.resources
        if r.type.split(":")[0] in ("aws", "azure-native", "gcp", "pulumi")
    ]

    assert cloud == [], "cloud resources declared with mirrors: []"


@pytest.mark.parametrize(
    ("key_algorithm", "tls_inputs", "vault_inputs"),
    [
        ("ECDSA-P256", {"algorithm": "ECDSA", "ecdsaCurve": "P256"}, ("ec", 256)),
        ("ECDSA-P384", {"algorithm": "ECDSA", "ecdsaCurve": "P384"}, ("ec", 384)),
        ("RSA-2048", {"algorithm": "RSA", "rsaBits": 2048}, ("rsa", 2048)),
        ("RSA-4096", {"algorithm": "RSA", "rsaBits": 4096}, ("rsa", 4096)),
        ("ED25519", {"algorithm": "ED25519"}, ("ed25519", 0)),
    ],
)
def test_pki_key_algorithm_reaches_both_backends(
    key_algorithm: str, tls_inputs: dict[str, Any], vault_inputs: tuple[str, int]
) -> None:
    pki = dataclasses.replace(load_stack("dev").pki, key_algorithm=key_algorithm)
    tls_build = _build_variant(pki=pki)
    vault_build = _build_variant(pki=dataclasses.replace(pki, backend="vault"))

    tls_key = tls_build.named("platform-ca-key").inputs
    root = vault_build.named("platform-ca-root").inputs

    assert tls_key == tls_inputs, f"{key_algorithm}: platform-ca-key inputs"
    assert (root["keyType"], root["keyBits"]) == vault_inputs, f"{key_algorithm}"


@pytest.mark.parametrize(
    ("algorithm", "key_type"), [("RS256", "RSA"), ("EdDSA", "OKP")]
)
def test_jwks_follows_service_algorithm(algorithm: str, key_type: str) -> None:
    config = load_stack("dev")
    auth = config.services[0]
    assert auth.jwt is not None, "auth-service jwt"
    auth = dataclasses.replace(
        auth, jwt=dataclasses.replace(auth.jwt, algorithm=algorithm)
    )

    build = _build_variant(services=(auth, *config.services[1:]))

    keys = build.outputs["services"]["auth-service"]["jwks"]["keys"]
    assert [key["kty"] for key in keys] == [key_type, key_type], f"{algorithm} kty"
    assert [key["alg"] for key in keys] == [algorithm, algorithm], f"{algorithm} alg"
