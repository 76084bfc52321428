"""Each resource policy passes a compliant resource and flags a broken one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from pulumi_policy import ResourceValidationPolicy
from pulumi_policy.proxy import UNKNOWN_NUMBER_VALUE, UNKNOWN_STRING_VALUE

from policies.secrets_policies import build_policies
from tests.policies.pack import check_resource

MOUNT = "vault:index/mount:Mount"
POLICY = "vault:index/policy:Policy"
APPROLE = "vault:appRole/authBackendRole:AuthBackendRole"
JWT_ROLE = "vault:jwt/authBackendRole:AuthBackendRole"
JWT_BACKEND = "vault:jwt/authBackend:AuthBackend"
PKI_ROLE = "vault:pkiSecret/secretBackendRole:SecretBackendRole"
PKI_ROOT = "vault:pkiSecret/secretBackendRootCert:SecretBackendRootCert"
TRANSIT_KEY = "vault:transit/secretBackendKey:SecretBackendKey"
PASSWORD = "random:index/randomPassword:RandomPassword"
RANDOM_BYTES = "random:index/randomBytes:RandomBytes"
PRIVATE_KEY = "tls:index/privateKey:PrivateKey"
SELF_SIGNED = "tls:index/selfSignedCert:SelfSignedCert"
LOCALLY_SIGNED = "tls:index/locallySignedCert:LocallySignedCert"
KMS_KEY = "aws:kms/key:Key"
AWS_SECRET = "aws:secretsmanager/secret:Secret"
KEY_VAULT = "azure-native:keyvault:Vault"
AZURE_SECRET = "azure-native:keyvault:Secret"
GCP_SECRET = "gcp:secretmanager/secret:Secret"
GCP_BINDING = "gcp:secretmanager/secretIamBinding:SecretIamBinding"
GCP_MEMBER = "gcp:secretmanager/secretIamMember:SecretIamMember"

SERVICE_HCL = """
path "auth-service/kv/data/*" { capabilities = ["read"] }
path "auth-service/kv/metadata/*" { capabilities = ["read", "list"] }
path "transit/encrypt/auth-service-cache" { capabilities = ["update"] }
"""
KEY_VAULT_PROPS = {
    "vaultName": "kv-secrets-prod",
    "properties": {
        "enableRbacAuthorization": True,
        "enablePurgeProtection": True,
        "softDeleteRetentionInDays": 90,
        "networkAcls": {"defaultAction": "Deny"},
    },
}
AZURE_SECRET_PROPS = {
    "secretName": "auth-service-postgres-password",
    "properties": {"contentType": "text/plain", "attributes": {"expires": 1893456000}},
}
GCP_SECRET_PROPS = {
    "secretId": "auth-service-postgres-password",
    "replication": {"auto": {}},
    "rotation": {
        "rotationPeriod": "2592000s",
        "nextRotationTime": "2030-01-01T00:00:00Z",
    },
    "topics": [{"name": "projects/example/topics/rotation"}],
}
ROLE_PROPS = {
    "roleName": "auth-service",
    "tokenPolicies": ["auth-service"],
    "tokenTtl": 3600,
    "tokenMaxTtl": 14400,
    "secretIdTtl": 86400,
}
JWT_ROLE_PROPS = {
    "roleName": "auth-service-ci",
    "tokenPolicies": ["auth-service"],
    "tokenTtl": 900,
    "tokenMaxTtl": 3600,
    "boundAudiences": ["https://github.com/example-org"],
    "boundClaims": {"repository_owner": "example-org"},
    "userClaim": "sub",
    "roleType": "jwt",
}
CA_CERT = {
    "isCaCertificate": True,
    "validityPeriodHours": 87600,
    "allowedUses": ["cert_signing", "crl_signing"],
}
LEAF_CERT = {
    "validityPeriodHours": 720,
    "earlyRenewalHours": 240,
    "allowedUses": ["digital_signature", "server_auth"],
}


@dataclass(frozen=True)
class Case:
    """A policy with one compliant and one violating resource of a type."""

    policy: str
    type: str
    good: dict[str, Any]
    bad: dict[str, Any]
    config: dict[str, Any] = field(default_factory=dict)
    protect: bool = False
    delete_before_replace: bool | None = None

    @property
    def id(self) -> str:
        return f"{self.policy}:{self.type.rsplit(':', 1)[-1]}"


def changed(base: dict[str, Any], **updates: Any) -> dict[str, Any]:
    return {**base, **updates}


def without(base: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in base.items() if key not in keys}


def vault_props(**properties: Any) -> dict[str, Any]:
    merged = {**KEY_VAULT_PROPS["properties"], **properties}
    return {**KEY_VAULT_PROPS, "properties": merged}


KV_MOUNT = {"path": "auth-service/kv", "type": "kv", "options": {"version": "2"}}

CASES = [
    Case(
        "vault-path-delete-before-replace",
        POLICY,
        {"name": "auth-service", "policy": SERVICE_HCL},
        {"name": "auth-service", "policy": SERVICE_HCL},
        delete_before_replace=True,
    ),
    Case("vault-kv-mount-version-2", MOUNT, KV_MOUNT, changed(KV_MOUNT, type="kv-v2")),
    Case(
        "vault-kv-mount-version-2",
        MOUNT,
        {"path": "transit", "type": "transit"},
        changed(KV_MOUNT, options={"version": "1"}),
    ),
    Case(
        "vault-kv-mount-protected",
        MOUNT,
        KV_MOUNT,
        KV_MOUNT,
        config={"requireProtected": True},
        protect=True,
    ),
    Case(
        "vault-policy-least-privilege",
        POLICY,
        {"name": "auth-service", "policy": SERVICE_HCL},
        {
            "name": "auth-service",
            "policy": 'path "llm-service/kv/data/*" { capabilities = ["read"] }',
        },
    ),
    Case(
        "vault-policy-least-privilege",
        POLICY,
        {
            "name": "auth-service",
            "policy": '{"path": {"secret/data/auth-service/*": '
            '{"capabilities": ["read"]}}}',
        },
        {
            "name": "auth-service",
            "policy": 'path "auth-service/kv/data/*" { capabilities = ["sudo"] }',
        },
    ),
    Case(
        "vault-auth-role-policies",
        APPROLE,
        ROLE_PROPS,
        changed(ROLE_PROPS, tokenPolicies=["root"]),
    ),
    Case(
        "vault-auth-role-policies",
        JWT_ROLE,
        JWT_ROLE_PROPS,
        changed(JWT_ROLE_PROPS, tokenPolicies=["llm-service"]),
    ),
    Case(
        "vault-auth-role-token-ttl",
        APPROLE,
        ROLE_PROPS,
        without(ROLE_PROPS, "tokenTtl"),
    ),
    Case(
        "vault-auth-role-token-ttl",
        JWT_ROLE,
        JWT_ROLE_PROPS,
        changed(JWT_ROLE_PROPS, tokenMaxTtl=86400),
    ),
    Case(
        "vault-approle-secret-id-ttl",
        APPROLE,
        ROLE_PROPS,
        changed(ROLE_PROPS, secretIdTtl=0),
    ),
    Case(
        "vault-jwt-role-bound-claims",
        JWT_ROLE,
        JWT_ROLE_PROPS,
        changed(JWT_ROLE_PROPS, boundClaims={}),
    ),
    Case(
        "vault-jwt-backend-config",
        JWT_BACKEND,
        {
            "path": "jwt",
            "boundIssuer": "https://ci.example",
            "jwksUrl": "https://ci.example/jwks",
        },
        {
            "path": "jwt",
            "boundIssuer": "https://ci.example",
            "jwksUrl": "https://ci.example/jwks",
            "oidcDiscoveryUrl": "https://ci.example",
        },
    ),
    Case(
        "vault-pki-role-constraints",
        PKI_ROLE,
        {
            "allowedDomains": ["dev.internal"],
            "allowSubdomains": True,
            "allowWildcardCertificates": False,
            "allowIpSans": False,
            "maxTtl": "720h",
        },
        {"allowAnyName": True, "maxTtl": "8760h"},
    ),
    Case(
        "vault-transit-key-rotation",
        TRANSIT_KEY,
        {"autoRotatePeriod": 30 * 86400, "exportable": False, "deletionAllowed": False},
        {"autoRotatePeriod": 0, "exportable": True},
    ),
    Case(
        "random-password-length",
        PASSWORD,
        {"length": 40},
        {"length": 16},
    ),
    Case("random-password-length", RANDOM_BYTES, {"length": 32}, {"length": 8}),
    Case(
        "random-password-url-safe",
        PASSWORD,
        {"length": 40, "overrideSpecial": "-_"},
        {"length": 40, "overrideSpecial": "-_@:/"},
    ),
    Case(
        "random-password-url-safe",
        PASSWORD,
        {"length": 40, "special": False},
        {"length": 40},
    ),
    Case(
        "random-password-special-flags",
        PASSWORD,
        {"length": 40, "special": True, "minSpecial": 2, "overrideSpecial": "-_"},
        {"length": 40, "special": False, "minSpecial": 2},
    ),
    Case(
        "tls-private-key-strength",
        PRIVATE_KEY,
        {"algorithm": "ECDSA", "ecdsaCurve": "P256"},
        {"algorithm": "ECDSA"},
    ),
    Case(
        "tls-private-key-strength",
        PRIVATE_KEY,
        {"algorithm": "RSA", "rsaBits": 3072},
        {"algorithm": "RSA", "rsaBits": 1024},
    ),
    Case(
        "tls-certificate-validity",
        LOCALLY_SIGNED,
        LEAF_CERT,
        changed(LEAF_CERT, earlyRenewalHours=0),
    ),
    Case(
        "tls-certificate-validity",
        SELF_SIGNED,
        CA_CERT,
        changed(CA_CERT, validityPeriodHours=200000),
    ),
    Case(
        "tls-certificate-uses",
        SELF_SIGNED,
        CA_CERT,
        changed(CA_CERT, allowedUses=["cert_signing"]),
    ),
    Case(
        "tls-certificate-uses",
        LOCALLY_SIGNED,
        LEAF_CERT,
        changed(LEAF_CERT, allowedUses=["server_auth", "cert_signing"]),
    ),
    Case(
        "vault-pki-ca-settings",
        PKI_ROOT,
        {"type": "internal", "keyType": "ec", "keyBits": 384, "ttl": "87600h"},
        {"type": "exported", "keyType": "rsa", "keyBits": 1024, "ttl": "87600h"},
    ),
    Case(
        "aws-kms-key-rotation",
        KMS_KEY,
        {"enableKeyRotation": True, "rotationPeriodInDays": 90},
        {"enableKeyRotation": False},
    ),
    Case(
        "aws-secret-recovery-window",
        AWS_SECRET,
        {"recoveryWindowInDays": 7},
        {"recoveryWindowInDays": 0},
    ),
    Case(
        "azure-key-vault-name",
        KEY_VAULT,
        KEY_VAULT_PROPS,
        changed(KEY_VAULT_PROPS, vaultName="kv--secrets"),
    ),
    Case(
        "azure-key-vault-rbac",
        KEY_VAULT,
        KEY_VAULT_PROPS,
        vault_props(enableRbacAuthorization=False),
    ),
    Case(
        "azure-key-vault-purge-protection",
        KEY_VAULT,
        KEY_VAULT_PROPS,
        vault_props(softDeleteRetentionInDays=3),
    ),
    Case(
        "azure-key-vault-network-deny",
        KEY_VAULT,
        KEY_VAULT_PROPS,
        vault_props(networkAcls={"defaultAction": "Allow"}),
    ),
    Case(
        "azure-secret-name",
        AZURE_SECRET,
        AZURE_SECRET_PROPS,
        changed(AZURE_SECRET_PROPS, secretName="auth_service/password"),
    ),
    Case(
        "azure-secret-expiry-content-type",
        AZURE_SECRET,
        AZURE_SECRET_PROPS,
        changed(AZURE_SECRET_PROPS, properties={"attributes": {}}),
    ),
    Case(
        "gcp-secret-replication",
        GCP_SECRET,
        GCP_SECRET_PROPS,
        without(GCP_SECRET_PROPS, "replication"),
    ),
    Case(
        "gcp-secret-rotation",
        GCP_SECRET,
        GCP_SECRET_PROPS,
        changed(GCP_SECRET_PROPS, rotation={"rotationPeriod": "31536000s"}, topics=[]),
    ),
    Case(
        "gcp-iam-additive-members",
        GCP_MEMBER,
        {"member": "serviceAccount:a@example.iam.gserviceaccount.com"},
        {},
    ),
]

# The additive-members rule reports every resource of an authoritative type.
BAD_TYPE_OVERRIDES = {"gcp-iam-additive-members": GCP_BINDING}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_resource_policy_passes_compliant(case: Case) -> None:
    found = check_resource(
        case.policy,
        case.type,
        case.good,
        case.config,
        case.protect,
        delete_before_replace=case.delete_before_replace,
    )
    assert found == [], f"{case.policy} flagged a compliant {case.type}: {found}"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_resource_policy_flags_violation(case: Case) -> None:
    resource_type = BAD_TYPE_OVERRIDES.get(case.policy, case.type)
    found = check_resource(case.policy, resource_type, case.bad, case.config)
    assert found, f"{case.policy} passed a violating {resource_type}"


def test_resource_policies_all_have_cases() -> None:
    covered = {case.policy for case in CASES}
    names = {
        p.name for p in build_policies() if isinstance(p, ResourceValidationPolicy)
    }
    assert names - covered == set(), "resource policies without a test case"


def test_resource_policy_ignores_other_types() -> None:
    found = check_resource("azure-key-vault-rbac", AZURE_SECRET, {})
    assert found == [], "azure-key-vault-rbac ran on a Key Vault secret"


def test_unknown_mount_type_is_violation() -> None:
    props = changed(KV_MOUNT, type=UNKNOWN_STRING_VALUE)
    found = check_resource("vault-kv-mount-version-2", MOUNT, props)
    assert any("preview" in message for message in found), "unknown mount type passed"


def test_unknown_token_ttl_is_violation() -> None:
    props = changed(ROLE_PROPS, tokenTtl=UNKNOWN_NUMBER_VALUE)
    found = check_resource("vault-auth-role-token-ttl", APPROLE, props)
    assert any("preview" in message for message in found), "unknown tokenTtl passed"


def test_unknown_expiry_counts_as_set() -> None:
    props = changed(
        AZURE_SECRET_PROPS,
        properties={
            "contentType": "text/plain",
            "attributes": {"expires": UNKNOWN_NUMBER_VALUE},
        },
    )
    found = check_resource("azure-secret-expiry-content-type", AZURE_SECRET, props)
    assert found == [], "an expiry computed from another resource was rejected"


def test_jwt_backend_needs_bound_issuer() -> None:
    props = {"path": "jwt", "jwtValidationPubkeys": ["-----BEGIN PUBLIC KEY-----"]}
    found = check_resource("vault-jwt-backend-config", JWT_BACKEND, props)
    assert any("boundIssuer" in message for message in found), (
        "missing boundIssuer passed"
    )


def test_policy_root_glob_is_violation() -> None:
    props = {"name": "auth-service", "policy": 'path "+/*" { capabilities = ["read"] }'}
    found = check_resource("vault-policy-least-privilege", POLICY, props)
    assert found, "a root-level glob passed"


def test_policy_sys_path_is_violation() -> None:
    props = {
        "name": "auth-service",
        "policy": 'path "sys/auth-service" { capabilities = ["read"] }',
    }
    found = check_resource("vault-policy-least-privilege", POLICY, props)
    assert found, "a sys/ path passed"


def test_pki_role_ip_sans_allowed_by_config() -> None:
    props = {
        "allowedDomains": ["localhost"],
        "allowWildcardCertificates": False,
        "allowIpSans": True,
        "maxTtl": "3600",
    }
    found = check_resource(
        "vault-pki-role-constraints", PKI_ROLE, props, {"allowIpSans": True}
    )
    assert found == [], f"allowIpSans was rejected although config allows it: {found}"


def test_messages_never_print_values() -> None:
    secret_like = "kv--s3cr3t-looking-name"
    found = check_resource(
        "azure-key-vault-name",
        KEY_VAULT,
        changed(KEY_VAULT_PROPS, vaultName=secret_like),
    )
    assert found, "the invalid vault name passed"
    assert all(secret_like not in message for message in found), (
        "message printed a value"
    )


# A value computed from another resource must not let a mandatory rule pass.
UNKNOWN_CASES = [
    (
        "vault-kv-mount-version-2",
        MOUNT,
        changed(KV_MOUNT, options=UNKNOWN_STRING_VALUE),
    ),
    (
        "vault-policy-least-privilege",
        POLICY,
        {"name": "auth-service", "policy": UNKNOWN_STRING_VALUE},
    ),
    (
        "vault-auth-role-policies",
        APPROLE,
        changed(ROLE_PROPS, tokenPolicies=UNKNOWN_STRING_VALUE),
    ),
    (
        "vault-approle-secret-id-ttl",
        APPROLE,
        changed(ROLE_PROPS, bindSecretId=UNKNOWN_STRING_VALUE),
    ),
    (
        "vault-jwt-role-bound-claims",
        JWT_ROLE,
        changed(JWT_ROLE_PROPS, roleType=UNKNOWN_STRING_VALUE),
    ),
    (
        "vault-pki-role-constraints",
        PKI_ROLE,
        {
            "allowedDomains": ["dev.internal"],
            "allowWildcardCertificates": False,
            "allowIpSans": False,
            "enforceHostnames": UNKNOWN_STRING_VALUE,
            "maxTtl": "720h",
        },
    ),
    (
        "vault-transit-key-rotation",
        TRANSIT_KEY,
        {"autoRotatePeriod": UNKNOWN_NUMBER_VALUE},
    ),
    ("random-password-length", PASSWORD, {"length": UNKNOWN_NUMBER_VALUE}),
    (
        "random-password-url-safe",
        PASSWORD,
        {"length": 40, "overrideSpecial": UNKNOWN_STRING_VALUE},
    ),
    (
        "tls-private-key-strength",
        PRIVATE_KEY,
        {"algorithm": "ECDSA", "ecdsaCurve": UNKNOWN_STRING_VALUE},
    ),
    (
        "tls-certificate-validity",
        LOCALLY_SIGNED,
        changed(LEAF_CERT, validityPeriodHours=UNKNOWN_NUMBER_VALUE),
    ),
    (
        "tls-certificate-uses",
        LOCALLY_SIGNED,
        changed(LEAF_CERT, allowedUses=UNKNOWN_STRING_VALUE),
    ),
    (
        "vault-pki-ca-settings",
        PKI_ROOT,
        {"type": UNKNOWN_STRING_VALUE, "keyType": "ec", "ttl": "87600h"},
    ),
    (
        "aws-kms-key-rotation",
        KMS_KEY,
        {"enableKeyRotation": UNKNOWN_STRING_VALUE},
    ),
    (
        "aws-secret-recovery-window",
        AWS_SECRET,
        {"recoveryWindowInDays": UNKNOWN_NUMBER_VALUE},
    ),
    (
        "azure-key-vault-name",
        KEY_VAULT,
        changed(KEY_VAULT_PROPS, vaultName=UNKNOWN_STRING_VALUE),
    ),
    (
        "azure-key-vault-network-deny",
        KEY_VAULT,
        changed(KEY_VAULT_PROPS, properties=UNKNOWN_STRING_VALUE),
    ),
    (
        "gcp-secret-rotation",
        GCP_SECRET,
        changed(
            GCP_SECRET_PROPS,
            rotation={
                "rotationPeriod": UNKNOWN_STRING_VALUE,
                "nextRotationTime": "2030-01-01T00:00:00Z",
            },
        ),
    ),
]


@pytest.mark.parametrize(
    ("policy", "resource_type", "props"),
    UNKNOWN_CASES,
    ids=[case[0] for case in UNKNOWN_CASES],
)
def test_unknown_value_is_violation(
    policy: str, resource_type: str, props: dict[str, Any]
) -> None:
    found = check_resource(policy, resource_type, props)
    assert found, f"{policy} passed a {resource_type} with an unknown value"


def string_leaves(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in string_leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in string_leaves(item)]
    return []


# Enumeration values a message names as the fix or the fault, not read values.
MESSAGE_VOCABULARY = frozenset({"root", "cert_signing", "exported"})


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_violation_message_hides_values(case: Case) -> None:
    resource_type = BAD_TYPE_OVERRIDES.get(case.policy, case.type)
    found = check_resource(case.policy, resource_type, case.bad, case.config)
    values = [
        leaf
        for leaf in string_leaves(case.bad)
        if len(leaf) > 3 and leaf not in MESSAGE_VOCABULARY
    ]
    for message in found:
        printed = [value for value in values if value in message]
        assert printed == [], f"{case.policy} message prints {printed}"


PKI_ROLE_PROPS = {
    "allowedDomains": ["*.auth.dev.internal"],
    "allowBareDomains": True,
    "allowIpSans": False,
    "maxTtl": "720h",
}

# A string where a number belongs, the value of the property, the expected form.
WRONG_TYPE_CASES = [
    ("random-password-length", PASSWORD, {"length": "abc"}, "length", "a number"),
    (
        "tls-certificate-validity",
        LOCALLY_SIGNED,
        {**LEAF_CERT, "validityPeriodHours": "x"},
        "validityPeriodHours",
        "a number",
    ),
    (
        "tls-certificate-validity",
        LOCALLY_SIGNED,
        {**LEAF_CERT, "earlyRenewalHours": "x"},
        "earlyRenewalHours",
        "a number",
    ),
    (
        "vault-approle-secret-id-ttl",
        APPROLE,
        {**ROLE_PROPS, "secretIdTtl": "y"},
        "secretIdTtl",
        "a number",
    ),
    (
        "vault-auth-role-token-ttl",
        APPROLE,
        {**ROLE_PROPS, "tokenTtl": "y"},
        "tokenTtl",
        "a number",
    ),
    (
        "vault-pki-role-constraints",
        PKI_ROLE,
        {**PKI_ROLE_PROPS, "allowWildcardCertificates": False, "maxTtl": "soon"},
        "maxTtl",
        "a number of seconds or a duration",
    ),
    (
        "vault-transit-key-rotation",
        TRANSIT_KEY,
        {"autoRotatePeriod": "z", "exportable": False},
        "autoRotatePeriod",
        "a number",
    ),
    (
        "tls-private-key-strength",
        PRIVATE_KEY,
        {"algorithm": "RSA", "rsaBits": "big"},
        "rsaBits",
        "a number",
    ),
    (
        "aws-secret-recovery-window",
        AWS_SECRET,
        {"recoveryWindowInDays": "week"},
        "recoveryWindowInDays",
        "a number",
    ),
    (
        "gcp-secret-rotation",
        GCP_SECRET,
        {
            **GCP_SECRET_PROPS,
            "rotation": {**GCP_SECRET_PROPS["rotation"], "rotationPeriod": "month"},
        },
        "rotation.rotationPeriod",
        "seconds",
    ),
]


@pytest.mark.parametrize(
    ("policy", "resource_type", "props", "key", "expected"),
    WRONG_TYPE_CASES,
    ids=[f"{case[0]}-{case[3]}" for case in WRONG_TYPE_CASES],
)
def test_wrong_type_number_reported_invalid(
    policy: str, resource_type: str, props: dict[str, Any], key: str, expected: str
) -> None:
    found = check_resource(policy, resource_type, props)
    about_key = [message for message in found if message.startswith(f"{key} ")]
    assert len(about_key) == 1, f"{policy}: {key} has {len(about_key)} messages"
    assert about_key[0].startswith(f"{key} is invalid: expected {expected}"), (
        f"{policy}: {key} message is {about_key[0]!r}"
    )


def test_wrong_type_keeps_other_transit_checks() -> None:
    props = {"autoRotatePeriod": "z", "exportable": True}
    found = check_resource("vault-transit-key-rotation", TRANSIT_KEY, props)
    assert any(message.startswith("exportable") for message in found), (
        f"transit key: exportable not reported next to an invalid period: {found}"
    )


def test_wrong_type_message_omits_value() -> None:
    value = "kv-" + "q" * 12
    found = check_resource("random-password-length", PASSWORD, {"length": value})
    assert found, "RandomPassword: a text length passed"
    assert all(value not in message for message in found), "message printed a value"


def test_pki_role_wildcard_rejected_by_default() -> None:
    props = {**PKI_ROLE_PROPS, "allowWildcardCertificates": True}
    found = check_resource("vault-pki-role-constraints", PKI_ROLE, props)
    assert any("policies/config/<stack>.json" in message for message in found), (
        f"PKI role: the wildcard message does not name the policy config: {found}"
    )


def test_pki_role_wildcard_allowed_by_config() -> None:
    props = {**PKI_ROLE_PROPS, "allowWildcardCertificates": True}
    config = {"allowWildcardCertificates": True}
    found = check_resource("vault-pki-role-constraints", PKI_ROLE, props, config)
    assert found == [], f"PKI role: wildcards rejected although config allows: {found}"


def test_pki_role_wildcard_default_true_rejected() -> None:
    found = check_resource("vault-pki-role-constraints", PKI_ROLE, PKI_ROLE_PROPS)
    assert any(m.startswith("allowWildcardCertificates") for m in found), (
        "PKI role: an unset allowWildcardCertificates (Vault's default true) passed"
    )
