"""The Platform program under Pulumi's mock runtime, built from the shipped stacks."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pytest

from stack_config import parse_stack_config, read_stack_file
from tests.unit.program_mocks import (
    REPOSITORY_ROOT,
    PlatformBuild,
    Registration,
    build_platform,
    build_stack,
    generate_external_values,
    load_stack,
    run_main,
)

STACKS = ("local", "dev", "prod")

PLATFORM = "secrets-platform:index:Platform"
FOUNDATION = "secrets-platform:vault:VaultFoundation"
AUTHORITY = "secrets-platform:pki:CertificateAuthority"
SERVICE = "secrets-platform:service:ServiceSecrets"
CREDENTIALS = "secrets-platform:credentials:ServiceCredentials"
CERTIFICATES = "secrets-platform:pki:ServiceCertificates"
MOUNT = "vault:index/mount:Mount"
AUTH_BACKEND = "vault:index/authBackend:AuthBackend"
JWT_BACKEND = "vault:jwt/authBackend:AuthBackend"
AUDIT = "vault:index/audit:Audit"
POLICY = "vault:index/policy:Policy"
APPROLE_ROLE = "vault:appRole/authBackendRole:AuthBackendRole"
JWT_ROLE = "vault:jwt/authBackendRole:AuthBackendRole"
KV_SECRET = "vault:kv/secretV2:SecretV2"
TRANSIT_KEY = "vault:transit/secretBackendKey:SecretBackendKey"
ROTATING = "time:index/rotating:Rotating"
OFFSET = "time:index/offset:Offset"
PASSWORD = "random:index/randomPassword:RandomPassword"
PRIVATE_KEY = "tls:index/privateKey:PrivateKey"
SELF_SIGNED = "tls:index/selfSignedCert:SelfSignedCert"
LOCALLY_SIGNED = "tls:index/locallySignedCert:LocallySignedCert"
PKI_ROLE = "vault:pkiSecret/secretBackendRole:SecretBackendRole"
PKI_CERT = "vault:pkiSecret/secretBackendCert:SecretBackendCert"
PKI_ROOT = "vault:pkiSecret/secretBackendRootCert:SecretBackendRootCert"
AWS_SECRET = "aws:secretsmanager/secret:Secret"
AWS_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
AZURE_SECRET = "azure-native:keyvault:Secret"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
GCP_SECRET = "gcp:secretmanager/secret:Secret"
GCP_MEMBER = "gcp:secretmanager/secretIamMember:SecretIamMember"

FORBIDDEN_PASSWORD_CHARACTERS = "@:/#?"


@pytest.fixture(scope="module")
def builds() -> dict[str, PlatformBuild]:
    return {stack: build_stack(stack) for stack in STACKS}


def _parent_name(build: PlatformBuild, registration: Registration) -> str | None:
    for candidate in build.resources:
        if candidate.urn == registration.parent:
            return candidate.name
    return None


def _unwrap(value: Any) -> Any:
    """Return a plain value from an input the SDK may have marked secret."""
    if isinstance(value, dict) and "value" in value and len(value) == 2:
        return value["value"]
    return value


# Every resource family, per stack: (type, name, expected parent name).
COMMON_FAMILIES = [
    (PLATFORM, "platform", None),
    (FOUNDATION, "platform-vault", "platform"),
    (AUTH_BACKEND, "platform-vault-approle", "platform-vault"),
    (JWT_BACKEND, "platform-vault-jwt", "platform-vault"),
    (MOUNT, "platform-vault-transit", "platform-vault"),
    (AUTHORITY, "platform-ca", "platform"),
    (SERVICE, "auth-service", "platform"),
    (CREDENTIALS, "auth-service-credentials", "auth-service"),
    (MOUNT, "auth-service-kv", "auth-service"),
    (POLICY, "auth-service-policy", "auth-service"),
    (APPROLE_ROLE, "auth-service-approle", "auth-service"),
    (JWT_ROLE, "auth-service-ci-role", "auth-service"),
    (KV_SECRET, "auth-service-postgres-password-kv", "auth-service"),
    (KV_SECRET, "auth-service-jwt-signing-key-kv", "auth-service"),
    (KV_SECRET, "auth-service-tls-server-kv", "auth-service"),
    (KV_SECRET, "auth-service-tls-client-kv", "auth-service"),
    (KV_SECRET, "auth-service-external-oauth-google-client-secret-kv", "auth-service"),
    (
        ROTATING,
        "auth-service-credentials-postgres-password-rotation",
        "auth-service-credentials",
    ),
    (
        PASSWORD,
        "auth-service-credentials-postgres-password",
        "auth-service-credentials",
    ),
    (
        PASSWORD,
        "auth-service-credentials-refresh-token-secret",
        "auth-service-credentials",
    ),
    (
        PRIVATE_KEY,
        "auth-service-credentials-jwt-signing-key-a",
        "auth-service-credentials",
    ),
    (
        PRIVATE_KEY,
        "auth-service-credentials-jwt-signing-key-b",
        "auth-service-credentials",
    ),
    (
        OFFSET,
        "auth-service-credentials-jwt-signing-key-b-offset",
        "auth-service-credentials",
    ),
    (CERTIFICATES, "auth-service-tls", "auth-service"),
    (ROTATING, "auth-service-tls-leaf-rotation", "auth-service-tls"),
    (
        PASSWORD,
        "graph-analytics-service-credentials-api-token-analytics",
        "graph-analytics-service-credentials",
    ),
    (
        PASSWORD,
        "graph-analytics-service-credentials-neo4j-password",
        "graph-analytics-service-credentials",
    ),
    (TRANSIT_KEY, "llm-service-transit-cache-encryption", "llm-service"),
    (KV_SECRET, "llm-service-external-anthropic-api-key-kv", "llm-service"),
]
TLS_BACKEND_FAMILIES = [
    (PRIVATE_KEY, "platform-ca-key", "platform-ca"),
    (SELF_SIGNED, "platform-ca-cert", "platform-ca"),
    (LOCALLY_SIGNED, "auth-service-tls-intermediate-cert", "auth-service-tls"),
    (LOCALLY_SIGNED, "auth-service-tls-server-cert", "auth-service-tls"),
    (LOCALLY_SIGNED, "auth-service-tls-client-cert", "auth-service-tls"),
]
VAULT_BACKEND_FAMILIES = [
    (MOUNT, "platform-ca-pki", "platform-ca"),
    (PKI_ROOT, "platform-ca-root", "platform-ca"),
    (MOUNT, "auth-service-tls-pki", "auth-service-tls"),
    (PKI_ROLE, "auth-service-tls-server-role", "auth-service-tls"),
    (PKI_CERT, "auth-service-tls-server-cert", "auth-service-tls"),
    (PKI_CERT, "auth-service-tls-client-cert", "auth-service-tls"),
]
AWS_FAMILIES = [
    ("secrets-platform:aws:AwsSecretStore", "platform-aws", "platform"),
    ("aws:kms/key:Key", "platform-aws-key", "platform-aws"),
    ("aws:kms/alias:Alias", "platform-aws-key-alias", "platform-aws"),
    ("secrets-platform:aws:AwsSecretMirror", "auth-service-aws", "auth-service"),
    (AWS_SECRET, "auth-service-aws-postgres-password", "auth-service-aws"),
    (
        "aws:secretsmanager/secretVersion:SecretVersion",
        "auth-service-aws-postgres-password-version",
        "auth-service-aws",
    ),
    (AWS_POLICY, "auth-service-aws-postgres-password-policy", "auth-service-aws"),
]
AZURE_FAMILIES = [
    ("secrets-platform:azure:AzureKeyVault", "platform-azure", "platform"),
    ("azure-native:keyvault:Vault", "platform-azure-vault", "platform-azure"),
    ("secrets-platform:azure:AzureSecretMirror", "auth-service-azure", "auth-service"),
    (AZURE_SECRET, "auth-service-azure-postgres-password", "auth-service-azure"),
    (
        ROLE_ASSIGNMENT,
        "auth-service-azure-postgres-password-reader",
        "auth-service-azure",
    ),
]
GCP_FAMILIES = [
    ("secrets-platform:gcp:GcpSecretStore", "platform-gcp", "platform"),
    ("gcp:pubsub/topic:Topic", "platform-gcp-rotation-topic", "platform-gcp"),
    (
        "gcp:pubsub/topicIAMMember:TopicIAMMember",
        "platform-gcp-rotation-publisher",
        "platform-gcp",
    ),
    ("secrets-platform:gcp:GcpSecretMirror", "auth-service-gcp", "auth-service"),
    (GCP_SECRET, "auth-service-gcp-postgres-password", "auth-service-gcp"),
    (
        "gcp:secretmanager/secretVersion:SecretVersion",
        "auth-service-gcp-postgres-password-version",
        "auth-service-gcp",
    ),
    (GCP_MEMBER, "auth-service-gcp-postgres-password-accessor", "auth-service-gcp"),
]


def _expected_families(stack: str) -> list[tuple[str, str, str | None]]:
    config = load_stack(stack)
    families = list(COMMON_FAMILIES)
    families += TLS_BACKEND_FAMILIES if config.pki.backend == "tls" else []
    families += VAULT_BACKEND_FAMILIES if config.pki.backend == "vault" else []
    families += AWS_FAMILIES if "aws" in config.mirrors else []
    families += AZURE_FAMILIES if "azure" in config.mirrors else []
    families += GCP_FAMILIES if "gcp" in config.mirrors else []
    if config.vault.flavor == "vault":
        families.append((AUDIT, "platform-vault-audit", "platform-vault"))
    return families


FAMILY_CASES = [
    pytest.param(stack, family, id=f"{stack}-{family[1]}")
    for stack in STACKS
    for family in _expected_families(stack)
]


@pytest.mark.parametrize(("stack", "family"), FAMILY_CASES)
def test_stack_declares_family_under_parent(
    builds: dict[str, PlatformBuild], stack: str, family: tuple[str, str, str | None]
) -> None:
    type_token, name, parent = family
    matches = [r for r in builds[stack].resources if r.name == name]

    assert [r.type for r in matches] == [type_token], f"{stack}: {name} of {type_token}"
    assert _parent_name(builds[stack], matches[0]) == parent, (
        f"{stack}: parent of {name}"
    )


@pytest.mark.parametrize("stack", STACKS)
def test_stack_children_named_after_parent(
    builds: dict[str, PlatformBuild], stack: str
) -> None:
    build = builds[stack]
    for registration in build.resources:
        parent = _parent_name(build, registration)
        if parent is None or registration.type == SERVICE:
            continue
        assert registration.name.startswith(f"{parent}-"), (
            f"{stack}: {registration.name} is not named after its parent {parent}"
        )


@pytest.mark.parametrize("stack", STACKS)
def test_stack_every_resource_has_parent(
    builds: dict[str, PlatformBuild], stack: str
) -> None:
    build = builds[stack]
    orphans = [
        r.name
        for r in build.resources
        if r.type != PLATFORM and _parent_name(build, r) is None
    ]

    assert orphans == [], f"{stack}: resources without a parent component"


def test_local_stack_has_no_audit_device(builds: dict[str, PlatformBuild]) -> None:
    audits = builds["local"].of_type(AUDIT)

    assert audits == [], "platform-vault-audit is declared for OpenBao"


# A fourth service, added in config alone.

BILLING_FAMILIES = [
    (SERVICE, "billing-service", "platform"),
    (MOUNT, "billing-service-kv", "billing-service"),
    (POLICY, "billing-service-policy", "billing-service"),
    (APPROLE_ROLE, "billing-service-approle", "billing-service"),
    (JWT_ROLE, "billing-service-ci-role", "billing-service"),
    (
        PASSWORD,
        "billing-service-credentials-postgres-password",
        "billing-service-credentials",
    ),
    (
        PASSWORD,
        "billing-service-credentials-api-token-invoices",
        "billing-service-credentials",
    ),
    (
        PRIVATE_KEY,
        "billing-service-credentials-jwt-signing-key-a",
        "billing-service-credentials",
    ),
    (
        PRIVATE_KEY,
        "billing-service-credentials-jwt-signing-key-b",
        "billing-service-credentials",
    ),
    (TRANSIT_KEY, "billing-service-transit-card-tokens", "billing-service"),
    (LOCALLY_SIGNED, "billing-service-tls-server-cert", "billing-service-tls"),
    (KV_SECRET, "billing-service-external-stripe-api-key-kv", "billing-service"),
    (KV_SECRET, "billing-service-tls-server-kv", "billing-service"),
    (AWS_SECRET, "billing-service-aws-api-token-invoices", "billing-service-aws"),
    (
        AWS_POLICY,
        "billing-service-aws-api-token-invoices-policy",
        "billing-service-aws",
    ),
    (GCP_SECRET, "billing-service-gcp-jwt-signing-key", "billing-service-gcp"),
    (GCP_MEMBER, "billing-service-gcp-tls-server-accessor", "billing-service-gcp"),
]


# The entry a user adds under `secrets-platform:services` in Pulumi.dev.yaml.
BILLING_SERVICE_ENTRY = {
    "databases": ["postgres"],
    "jwt": {"algorithm": "ES256", "refreshTokenSecret": False},
    "tls": {"serverNames": ["billing.dev.internal"], "client": False},
    "apiTokens": ["invoices"],
    "transitKeys": ["card-tokens"],
    "external": ["stripe-api-key"],
    "identities": {
        "aws": "arn:aws:iam::111111111111:role/billing-service",
        "gcp": "billing-service@example-dev.iam.gserviceaccount.com",
    },
}


@pytest.fixture(scope="module")
def fourth_service_build() -> PlatformBuild:
    raw = read_stack_file(REPOSITORY_ROOT / "Pulumi.dev.yaml")
    raw["services"] = {**raw["services"], "billing-service": BILLING_SERVICE_ENTRY}
    config = parse_stack_config(raw)
    return build_platform(config, generate_external_values(config))


@pytest.mark.parametrize("family", BILLING_FAMILIES, ids=lambda family: family[1])
def test_fourth_service_gets_family(
    fourth_service_build: PlatformBuild, family: tuple[str, str, str]
) -> None:
    type_token, name, parent = family
    matches = [r for r in fourth_service_build.resources if r.name == name]

    assert [r.type for r in matches] == [type_token], f"{name} of {type_token}"
    assert _parent_name(fourth_service_build, matches[0]) == parent, f"parent of {name}"


def test_fourth_service_policy_covers_own_paths_only(
    fourth_service_build: PlatformBuild,
) -> None:
    policy = _unwrap(
        fourth_service_build.named("billing-service-policy").inputs["policy"]
    )
    paths = re.findall(r'path "([^"]+)"', policy)

    assert paths == [
        "billing-service/kv/data/*",
        "billing-service/kv/metadata/*",
        "transit/encrypt/billing-service-card-tokens",
        "transit/decrypt/billing-service-card-tokens",
    ], "billing-service-policy paths"


# Determinism and outputs.


def test_dev_stack_built_twice_declares_identical_inputs() -> None:
    config = load_stack("dev")
    external_values = generate_external_values(config)
    first = _input_digests(build_platform(config, external_values))
    second = _input_digests(build_platform(config, external_values))

    assert first.keys() == second.keys(), "the two builds declare different URNs"
    for urn, digest in first.items():
        assert second[urn] == digest, f"{urn}: inputs differ between builds"


def _input_digests(build: PlatformBuild) -> dict[str, str]:
    """Return a digest of each resource's inputs, so a failure shows no value."""
    return {
        r.urn: hashlib.sha256(
            json.dumps(r.inputs, sort_keys=True, default=str).encode()
        ).hexdigest()
        for r in build.resources
    }


@pytest.mark.parametrize("stack", STACKS)
def test_stack_outputs_are_not_secret(
    builds: dict[str, PlatformBuild], stack: str
) -> None:
    assert builds[stack].outputs_secret is False, f"{stack}: an output is secret"


@pytest.mark.parametrize("stack", STACKS)
def test_stack_outputs_hold_no_generated_secret(
    builds: dict[str, PlatformBuild], stack: str
) -> None:
    build = builds[stack]
    text = json.dumps(build.outputs, default=str)

    assert build.generated_secrets, f"{stack}: the mocks handed out no secret"
    # Counted first so that a failure does not print a secret.
    leaked = sum(secret in text for secret in build.generated_secrets)
    assert leaked == 0, f"{stack}: {leaked} generated secrets are in the outputs"
    assert "PRIVATE KEY" not in text, f"{stack}: a private key is in the outputs"


def test_local_stack_exports_ci_public_key(builds: dict[str, PlatformBuild]) -> None:
    exported = builds["local"].outputs["vault"]["ciJwtPublicKey"]
    key = builds["local"].named("platform-vault-ci-signing-key", PRIVATE_KEY)

    assert exported == key.state["publicKeyPem"], "vault.ciJwtPublicKey"


@pytest.mark.parametrize("stack", STACKS)
def test_stack_jwks_carries_both_slots(
    builds: dict[str, PlatformBuild], stack: str
) -> None:
    jwks = builds[stack].outputs["services"]["auth-service"]["jwks"]

    assert len(jwks["keys"]) == 2, f"{stack}: auth-service jwks keys"
    assert len({key["kid"] for key in jwks["keys"]}) == 2, f"{stack}: distinct kids"


def test_main_declares_what_platform_declares() -> None:
    config = load_stack("dev")
    external_values = generate_external_values(config)

    from_main = run_main("dev", external_values)
    from_platform = build_platform(config, external_values)

    assert sorted(r.urn for r in from_main.resources) == sorted(
        r.urn for r in from_platform.resources
    ), "__main__.py registers other resources than Platform"


def test_main_exports_platform_outputs() -> None:
    config = load_stack("dev")
    external_values = generate_external_values(config)

    exported = run_main("dev", external_values).outputs

    assert sorted(exported) == ["caBundle", "environment", "services", "vault"], (
        "__main__.py stack output names"
    )
