"""Each stack policy passes a compliant stack and flags a broken one."""

from __future__ import annotations

import json

from pulumi_policy import StackValidationPolicy
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from policies.secrets_policies import (
    access_report,
    build_policies,
    format_access_report,
)
from tests.policies.pack import Res, check_stack, policy_resources

SERVICE = "secrets-platform:service:ServiceSecrets"
MOUNT = "vault:index/mount:Mount"
SECRET_V2 = "vault:kv/secretV2:SecretV2"
POLICY = "vault:index/policy:Policy"
APPROLE = "vault:appRole/authBackendRole:AuthBackendRole"
AUDIT = "vault:index/audit:Audit"
ROTATING = "time:index/rotating:Rotating"
OFFSET = "time:index/offset:Offset"
PASSWORD = "random:index/randomPassword:RandomPassword"
PRIVATE_KEY = "tls:index/privateKey:PrivateKey"
SELF_SIGNED = "tls:index/selfSignedCert:SelfSignedCert"
KMS_KEY = "aws:kms/key:Key"
AWS_SECRET = "aws:secretsmanager/secret:Secret"
AWS_SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
GCP_SECRET = "gcp:secretmanager/secret:Secret"
GCP_MEMBER = "gcp:secretmanager/secretIamMember:SecretIamMember"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
AZURE_SECRET = "azure-native:keyvault:Secret"

STACK_POLICY_TESTS = {
    "vault-kv-secret-mount-reference": "test_secret_mount_",
    "vault-policy-kv-v2-api-paths": "test_kv_v2_paths_",
    "vault-policy-named-for-service": "test_policy_name_",
    "vault-audit-device": "test_audit_device_",
    "credential-rotation-trigger": "test_rotation_trigger_",
    "signing-key-rotation-trigger": "test_signing_key_trigger_",
    "time-rotating-fixed-base": "test_rotating_base_",
    "ca-protected": "test_ca_protected_",
    "aws-secret-customer-kms-key": "test_customer_key_",
    "aws-secret-resource-policy": "test_secret_policy_",
    "service-access-isolation": "test_access_isolation_",
}


def kv_mount(service: str) -> Res:
    return Res(
        MOUNT,
        f"{service}-kv",
        {"path": f"{service}/kv", "type": "kv", "options": {"version": "2"}},
        parent=service,
    )


def kv_secret(service: str, name: str, mount_from: str | None = None) -> Res:
    mount = mount_from or service
    return Res(
        SECRET_V2,
        f"{service}-{name}-kv",
        {"mount": f"{mount}/kv", "name": name, "dataJson": "[secret]"},
        parent=service,
        property_dependencies={"mount": [f"{mount}-kv"], "name": [], "dataJson": []},
    )


def service_policy(service: str, hcl: str | None = None) -> Res:
    document = hcl or (
        f'path "{service}/kv/data/*" {{ capabilities = ["read"] }}\n'
        f'path "{service}/kv/metadata/*" {{ capabilities = ["list"] }}'
    )
    return Res(
        POLICY,
        f"{service}-policy",
        {"name": service, "policy": document},
        parent=service,
    )


def approle(service: str, policies: list[str] | None = None) -> Res:
    return Res(
        APPROLE,
        f"{service}-approle",
        {"roleName": service, "tokenPolicies": policies or [service]},
        parent=service,
    )


def vault_service(service: str, hcl: str | None = None) -> list[Res]:
    return [
        Res(SERVICE, service, {}),
        kv_mount(service),
        kv_secret(service, "postgres-password"),
        service_policy(service, hcl),
        approle(service),
    ]


def names(found: list[tuple[str, str | None]]) -> list[str | None]:
    return [name for _, name in found]


def test_stack_policies_all_have_tests() -> None:
    stack_names = {
        p.name for p in build_policies() if isinstance(p, StackValidationPolicy)
    }
    assert stack_names == set(STACK_POLICY_TESTS), "stack policies without tests"
    for prefix in STACK_POLICY_TESTS.values():
        assert any(name.startswith(prefix) for name in globals()), f"no {prefix}*"


def test_secret_mount_from_resource_passes() -> None:
    found = check_stack(
        "vault-kv-secret-mount-reference", vault_service("auth-service")
    )
    assert found == [], f"a secret written through its mount was flagged: {found}"


def test_secret_mount_literal_path_flagged() -> None:
    secret = kv_secret("auth-service", "postgres-password")
    secret.property_dependencies = {"mount": []}
    resources = [kv_mount("auth-service"), secret]
    found = check_stack("vault-kv-secret-mount-reference", resources)
    assert names(found) == ["auth-service-postgres-password-kv"], found


def test_secret_mount_unknown_path_from_mount_passes() -> None:
    secret = kv_secret("auth-service", "postgres-password")
    secret.props["mount"] = UNKNOWN_STRING_VALUE
    found = check_stack(
        "vault-kv-secret-mount-reference", [kv_mount("auth-service"), secret]
    )
    assert found == [], "an unknown mount path that comes from the mount was flagged"


def test_kv_v2_paths_with_data_pass() -> None:
    found = check_stack("vault-policy-kv-v2-api-paths", vault_service("auth-service"))
    assert found == [], f"data/ and metadata/ paths were flagged: {found}"


def test_kv_v2_paths_logical_flagged() -> None:
    hcl = 'path "auth-service/kv/*" { capabilities = ["read"] }'
    found = check_stack(
        "vault-policy-kv-v2-api-paths", vault_service("auth-service", hcl)
    )
    assert names(found) == ["auth-service-policy"], found


def test_policy_name_matches_service_passes() -> None:
    found = check_stack("vault-policy-named-for-service", vault_service("auth-service"))
    assert found == [], f"a policy named after its service was flagged: {found}"


def test_policy_name_other_flagged() -> None:
    resources = vault_service("auth-service")
    policy = next(r for r in resources if r.type == POLICY)
    policy.props["name"] = "auth-service-admin"
    found = check_stack("vault-policy-named-for-service", resources)
    assert names(found) == ["auth-service-policy"], found


def test_audit_device_declared_passes() -> None:
    found = check_stack(
        "vault-audit-device", [Res(AUDIT, "platform-vault-audit", {"type": "file"})]
    )
    assert found == [], "a declared audit device was flagged"


def test_audit_device_in_server_config_passes() -> None:
    found = check_stack("vault-audit-device", [], {"auditInServerConfig": True})
    assert found == [], "auditInServerConfig did not stand in for an audit resource"


def test_audit_device_missing_flagged() -> None:
    found = check_stack("vault-audit-device", [kv_mount("auth-service")])
    assert len(found) == 1, "a stack without an audit device passed"


def rotating(name: str, days: int) -> Res:
    return Res(
        ROTATING,
        name,
        {"rotationDays": days},
        property_dependencies={"rotationDays": []},
    )


def password(name: str, rotation: str | None) -> Res:
    keepers = [rotation] if rotation else []
    return Res(
        PASSWORD,
        name,
        {"length": 40, "keepers": {"rotation": UNKNOWN_STRING_VALUE}},
        property_dependencies={"length": [], "keepers": keepers},
        depends_on=keepers,
    )


def test_rotation_trigger_within_ceiling_passes() -> None:
    resources = [
        rotating("db-rotation", 30),
        password("auth-service-postgres-password", "db-rotation"),
    ]
    found = check_stack("credential-rotation-trigger", resources)
    assert found == [], f"a 30-day password rotation was flagged: {found}"


def test_rotation_trigger_missing_flagged() -> None:
    found = check_stack(
        "credential-rotation-trigger",
        [password("auth-service-postgres-password", None)],
    )
    assert names(found) == ["auth-service-postgres-password"], found


def test_rotation_trigger_too_slow_flagged() -> None:
    resources = [
        rotating("db-rotation", 90),
        password("auth-service-postgres-password", "db-rotation"),
    ]
    found = check_stack(
        "credential-rotation-trigger", resources, {"maxDatabasePasswordDays": 30}
    )
    assert names(found) == ["auth-service-postgres-password"], found


def test_rotation_trigger_text_period_invalid() -> None:
    resources = [
        Res(ROTATING, "db-rotation", {"rotationDays": "monthly"}),
        password("auth-service-postgres-password", "db-rotation"),
    ]
    found = check_stack("credential-rotation-trigger", resources)
    messages = [message for message, _ in found]
    assert len(messages) == 1, f"RandomPassword: {len(messages)} messages"
    assert "rotationDays is invalid: expected a number" in messages[0], (
        f"RandomPassword: the text rotationDays is not reported invalid: {messages}"
    )


def test_signing_key_trigger_needs_dependency() -> None:
    key = Res(PRIVATE_KEY, "auth-service-jwt-signing-key-a", {"algorithm": "ECDSA"})
    found = check_stack(
        "signing-key-rotation-trigger", [rotating("key-rotation", 90), key]
    )
    assert names(found) == ["auth-service-jwt-signing-key-a"], found


def test_signing_key_trigger_with_dependency_passes() -> None:
    key = Res(
        PRIVATE_KEY,
        "auth-service-jwt-signing-key-a",
        {"algorithm": "ECDSA"},
        depends_on=["key-rotation"],
    )
    found = check_stack(
        "signing-key-rotation-trigger", [rotating("key-rotation", 180), key]
    )
    assert found == [], f"a signing key replaced by its rotation was flagged: {found}"


def test_signing_key_trigger_too_slow_flagged() -> None:
    key = Res(
        PRIVATE_KEY,
        "auth-service-jwt-signing-key-a",
        {"algorithm": "ECDSA"},
        depends_on=["key-rotation"],
    )
    found = check_stack(
        "signing-key-rotation-trigger",
        [rotating("key-rotation", 180), key],
        {"maxSigningKeyLifetimeDays": 60},
    )
    assert names(found) == ["auth-service-jwt-signing-key-a"], found


def test_rotating_base_from_resource_passes() -> None:
    offset = Res(OFFSET, "slot-b-offset", {"offsetDays": 90})
    slot_b = Res(
        ROTATING,
        "slot-b-rotation",
        {"rfc3339": "2030-01-01T00:00:00Z", "rotationDays": 180},
        property_dependencies={"rfc3339": ["slot-b-offset"], "rotationDays": []},
    )
    found = check_stack("time-rotating-fixed-base", [offset, slot_b])
    assert found == [], "a base taken from another resource was flagged"


def test_rotating_base_computed_output_passes() -> None:
    # The engine's stack view contains outputs, so the provider sets rfc3339.
    computed = Res(
        ROTATING,
        "db-rotation",
        {"rfc3339": "2030-01-01T00:00:00Z", "rotationDays": 30},
        property_dependencies={"rotationDays": []},
    )
    found = check_stack("time-rotating-fixed-base", [computed])
    assert found == [], "a provider-computed rfc3339 was flagged"


def test_rotating_base_constant_flagged() -> None:
    pinned = Res(
        ROTATING,
        "db-rotation",
        {"rfc3339": "2030-01-01T00:00:00Z", "rotationDays": 30},
        property_dependencies={"rfc3339": [], "rotationDays": []},
    )
    found = check_stack("time-rotating-fixed-base", [pinned])
    assert names(found) == ["db-rotation"], found


def ca_stack(protect: bool) -> list[Res]:
    key = Res(
        PRIVATE_KEY, "platform-ca-root-key", {"algorithm": "ECDSA"}, protect=protect
    )
    root = Res(
        SELF_SIGNED,
        "platform-ca-root",
        {"isCaCertificate": True},
        property_dependencies={"privateKeyPem": ["platform-ca-root-key"]},
        protect=protect,
    )
    return [key, root]


def test_ca_protected_passes() -> None:
    found = check_stack("ca-protected", ca_stack(True), {"requireProtectedCa": True})
    assert found == [], "a protected CA was flagged"


def test_ca_protected_missing_flagged() -> None:
    found = check_stack("ca-protected", ca_stack(False), {"requireProtectedCa": True})
    assert sorted(map(str, names(found))) == [
        "platform-ca-root",
        "platform-ca-root-key",
    ], found


def test_ca_protected_not_required_passes() -> None:
    found = check_stack("ca-protected", ca_stack(False), {"requireProtectedCa": False})
    assert found == [], "protection was required although config turns it off"


def aws_secret(key_id: object, from_key: bool) -> list[Res]:
    key = Res(KMS_KEY, "platform-aws-key", {"enableKeyRotation": True})
    secret = Res(
        AWS_SECRET,
        "auth-service-aws-postgres-password",
        {"kmsKeyId": key_id},
        parent="auth-service",
        property_dependencies={"kmsKeyId": ["platform-aws-key"] if from_key else []},
    )
    return [Res(SERVICE, "auth-service", {}), key, secret]


def test_customer_key_unknown_from_key_passes() -> None:
    found = check_stack(
        "aws-secret-customer-kms-key", aws_secret(UNKNOWN_STRING_VALUE, True)
    )
    assert found == [], "a key ARN from a declared kms.Key was flagged"


def test_customer_key_aws_managed_flagged() -> None:
    found = check_stack(
        "aws-secret-customer-kms-key", aws_secret("alias/aws/secretsmanager", False)
    )
    assert names(found) == ["auth-service-aws-postgres-password"], found


def test_customer_key_unknown_unreferenced_flagged() -> None:
    found = check_stack(
        "aws-secret-customer-kms-key", aws_secret(UNKNOWN_STRING_VALUE, False)
    )
    assert names(found) == ["auth-service-aws-postgres-password"], found


def aws_policy(
    principal: str, secret: str = "auth-service-aws-postgres-password"
) -> Res:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": principal},
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
            }
        ],
    }
    return Res(
        AWS_SECRET_POLICY,
        f"{secret}-policy",
        {"policy": json.dumps(document), "secretArn": UNKNOWN_STRING_VALUE},
        parent=secret.split("-aws-")[0],
        property_dependencies={"secretArn": [secret], "policy": []},
    )


def test_secret_policy_attached_passes() -> None:
    resources = [
        *aws_secret("arn:key", True),
        aws_policy("arn:aws:iam::1:role/auth-service"),
    ]
    found = check_stack("aws-secret-resource-policy", resources)
    assert found == [], "a secret with a resource policy was flagged"


def test_secret_policy_missing_flagged() -> None:
    found = check_stack("aws-secret-resource-policy", aws_secret("arn:key", True))
    assert names(found) == ["auth-service-aws-postgres-password"], found


def two_vault_services(llm_hcl: str | None = None) -> list[Res]:
    return vault_service("auth-service") + vault_service("llm-service", llm_hcl)


def test_access_isolation_own_paths_pass() -> None:
    found = check_stack("service-access-isolation", two_vault_services())
    assert found == [], f"services reading only their own secrets were flagged: {found}"


def test_access_isolation_foreign_vault_path_flagged() -> None:
    hcl = 'path "auth-service/kv/data/*" { capabilities = ["read"] }'
    found = check_stack("service-access-isolation", two_vault_services(hcl))
    assert names(found) == ["llm-service-approle"], found
    assert "auth-service-postgres-password-kv" in found[0][0], (
        "message lacks the secret"
    )


def test_access_isolation_foreign_aws_principal_flagged() -> None:
    resources = [Res(SERVICE, "llm-service", {})]
    resources += aws_secret("arn:key", True)
    resources.append(aws_policy("arn:aws:iam::1:role/llm-service"))
    found = check_stack("service-access-isolation", resources)
    assert names(found) == ["auth-service-aws-postgres-password-policy"], found


def test_access_isolation_shared_identity_flagged() -> None:
    principal = "22222222-2222-2222-2222-222222222222"
    resources = [Res(SERVICE, "auth-service", {}), Res(SERVICE, "llm-service", {})]
    for service in ("auth-service", "llm-service"):
        secret = f"{service}-azure-password"
        resources.append(
            Res(AZURE_SECRET, secret, {"secretName": secret}, parent=service)
        )
        resources.append(
            Res(
                ROLE_ASSIGNMENT,
                f"{secret}-reader",
                {"principalId": principal, "scope": UNKNOWN_STRING_VALUE},
                parent=service,
                property_dependencies={"scope": [secret], "principalId": []},
            )
        )
    found = check_stack("service-access-isolation", resources)
    assert len(found) == 1, f"one identity reading two services passed: {found}"


def test_access_isolation_unknown_document_flagged() -> None:
    resources = [
        *aws_secret("arn:key", True),
        aws_policy("arn:aws:iam::1:role/auth-service"),
    ]
    resources[-1].props["policy"] = UNKNOWN_STRING_VALUE
    found = check_stack("service-access-isolation", resources)
    assert any("preview" in message for message, _ in found), "unknown policy passed"


def test_access_isolation_unknown_mount_resolved() -> None:
    hcl = 'path "auth-service/kv/data/*" { capabilities = ["read"] }'
    resources = two_vault_services(hcl)
    for resource in resources:
        if resource.type == SECRET_V2:
            resource.props["mount"] = UNKNOWN_STRING_VALUE
    found = check_stack("service-access-isolation", resources)
    assert names(found) == ["llm-service-approle"], found


def test_access_isolation_unknown_token_policies_flagged() -> None:
    resources = vault_service("auth-service")
    resources[-1].props["tokenPolicies"] = UNKNOWN_STRING_VALUE
    found = check_stack("service-access-isolation", resources)
    assert names(found) == ["auth-service-approle"], found


def test_access_report_lists_gcp_member() -> None:
    resources = [
        Res(SERVICE, "auth-service", {}),
        Res(
            GCP_SECRET,
            "auth-service-gcp-token",
            {"secretId": "auth-service-token"},
            parent="auth-service",
        ),
        Res(
            GCP_MEMBER,
            "auth-service-gcp-token-accessor",
            {"member": "serviceAccount:auth-service@example.iam.gserviceaccount.com"},
            parent="auth-service",
            property_dependencies={
                "secretId": ["auth-service-gcp-token"],
                "member": [],
            },
        ),
    ]
    lines = format_access_report(access_report(policy_resources(resources)))
    assert len(lines) == 1, lines
    assert "auth-service-gcp-token [auth-service]" in lines[0], lines[0]
