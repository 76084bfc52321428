"""Hand-written offline-check reports shaped like the program's `dev` stack.

`sample_report()` returns a fresh report each call, so a test can change one
resource and compare it with an untouched copy. Secret inputs read "[secret]"
as in a written report.
"""

from __future__ import annotations

import copy
from typing import Any

STACK = "dev"
PROJECT = "secrets-platform"
SECRET = "[secret]"

PLATFORM = "secrets-platform:index:Platform"
FOUNDATION = "secrets-platform:vault:VaultFoundation"
AUTHORITY = "secrets-platform:pki:CertificateAuthority"
SERVICE = "secrets-platform:service:ServiceSecrets"
MOUNT = "vault:index/mount:Mount"
SECRET_V2 = "vault:kv/secretV2:SecretV2"
POLICY = "vault:index/policy:Policy"
APPROLE_ROLE = "vault:appRole/authBackendRole:AuthBackendRole"
AUTH_BACKEND = "vault:index/authBackend:AuthBackend"
TRANSIT_KEY = "vault:transit/secretBackendKey:SecretBackendKey"
ROTATING = "time:index/rotating:Rotating"
PASSWORD = "random:index/randomPassword:RandomPassword"
PRIVATE_KEY = "tls:index/privateKey:PrivateKey"
SELF_SIGNED = "tls:index/selfSignedCert:SelfSignedCert"
CERT_REQUEST = "tls:index/certRequest:CertRequest"
LOCALLY_SIGNED = "tls:index/locallySignedCert:LocallySignedCert"
AWS_SECRET = "aws:secretsmanager/secret:Secret"
AWS_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
AZURE_VAULT = "azure-native:keyvault:Vault"


class ReportBuilder:
    """Build report resources with URNs qualified by their parents' types."""

    def __init__(self) -> None:
        self.resources: list[dict[str, Any]] = []
        self._qualified: dict[str, str] = {}

    def add(
        self,
        resource_type: str,
        name: str,
        parent: str | None = None,
        props: dict[str, Any] | None = None,
        feeds: dict[str, str] | None = None,
        depends_on: tuple[str, ...] = (),
        **options: Any,
    ) -> str:
        """Add a resource; `feeds` maps an input to the URN its value comes from."""
        qualified = resource_type
        if parent is not None:
            qualified = f"{self._qualified[parent]}${resource_type}"
        urn = f"urn:pulumi:{STACK}::{PROJECT}::{qualified}::{name}"
        self._qualified[urn] = qualified

        property_dependencies = {key: [source] for key, source in (feeds or {}).items()}
        self.resources.append(
            {
                "urn": urn,
                "type": resource_type,
                "name": name,
                "parent": parent,
                "dependencies": sorted({*(feeds or {}).values(), *depends_on}),
                "propertyDependencies": property_dependencies,
                "props": props or {},
                "options": {
                    "protect": False,
                    "deleteBeforeReplace": False,
                    "ignoreChanges": [],
                    "replaceOnChanges": [],
                    "replacementTrigger": None,
                    **options,
                },
            }
        )
        return urn

    def report(self) -> dict[str, Any]:
        return {
            "stack": STACK,
            "resources": self.resources,
            "violations": [],
            "outputs": {},
        }


def _platform(builder: ReportBuilder) -> dict[str, str]:
    platform = builder.add(PLATFORM, "platform")
    vault = builder.add(FOUNDATION, "platform-vault", platform)
    approle = builder.add(
        AUTH_BACKEND,
        "platform-vault-approle",
        vault,
        {"type": "approle", "path": "approle"},
    )
    transit = builder.add(
        MOUNT, "platform-vault-transit", vault, {"path": "transit", "type": "transit"}
    )
    authority = builder.add(AUTHORITY, "platform-ca", platform)
    root_key = builder.add(
        PRIVATE_KEY,
        "platform-ca-root-key",
        authority,
        {"algorithm": "ECDSA", "ecdsaCurve": "P256"},
    )
    root = builder.add(
        SELF_SIGNED,
        "platform-ca-root",
        authority,
        {
            "privateKeyPem": SECRET,
            "isCaCertificate": True,
            "validityPeriodHours": 87600,
            "allowedUses": ["cert_signing", "crl_signing"],
            "subject": {"commonName": "dev root CA"},
        },
        feeds={"privateKeyPem": root_key},
    )
    return {
        "platform": platform,
        "approle": approle,
        "transit": transit,
        "root_key": root_key,
        "root": root,
    }


def _service_store(builder: ReportBuilder, urns: dict[str, str]) -> None:
    service = builder.add(SERVICE, "auth-service", urns["platform"])
    urns["service"] = service
    urns["kv"] = builder.add(
        MOUNT,
        "auth-service-kv",
        service,
        {"path": "auth-service/kv", "type": "kv", "options": {"version": "2"}},
        deleteBeforeReplace=True,
    )
    urns["policy"] = builder.add(
        POLICY,
        "auth-service-policy",
        service,
        {"name": "auth-service", "policy": 'path "auth-service/kv/data/*" {}'},
        deleteBeforeReplace=True,
    )
    urns["role"] = builder.add(
        APPROLE_ROLE,
        "auth-service-approle",
        service,
        {
            "backend": "approle",
            "roleName": "auth-service",
            "tokenPolicies": ["auth-service"],
        },
        feeds={"backend": urns["approle"]},
    )
    urns["aws_secret"] = builder.add(
        AWS_SECRET,
        "auth-service-postgres-password-aws",
        service,
        {"name": "dev/auth-service/postgres-password", "recoveryWindowInDays": 7},
    )


def _service_password(builder: ReportBuilder, urns: dict[str, str]) -> None:
    service = urns["service"]
    urns["rotation"] = builder.add(
        ROTATING,
        "auth-service-postgres-password-rotation",
        service,
        {"rotationDays": 30},
    )
    urns["password"] = builder.add(
        PASSWORD,
        "auth-service-postgres-password",
        service,
        {
            "length": 40,
            "special": True,
            "overrideSpecial": "-_.~",
            "keepers": {"rotation": "2026-11-01T00:00:00Z"},
        },
        feeds={"keepers": urns["rotation"]},
    )
    urns["password_kv"] = builder.add(
        SECRET_V2,
        "auth-service-postgres-password-kv",
        service,
        {"mount": "auth-service/kv", "name": "postgres-password", "dataJson": SECRET},
        feeds={"mount": urns["kv"], "dataJson": urns["password"]},
        deleteBeforeReplace=True,
    )
    urns["password_aws"] = builder.add(
        AWS_VERSION,
        "auth-service-postgres-password-aws-version",
        service,
        {"secretId": "dev/auth-service/postgres-password", "secretString": SECRET},
        feeds={"secretId": urns["aws_secret"], "secretString": urns["password"]},
    )


def _service_tls(builder: ReportBuilder, urns: dict[str, str]) -> None:
    service = urns["service"]
    server_key = builder.add(
        PRIVATE_KEY,
        "auth-service-tls-server-key",
        service,
        {"algorithm": "ECDSA", "ecdsaCurve": "P256"},
    )
    request = builder.add(
        CERT_REQUEST,
        "auth-service-tls-server-request",
        service,
        {"privateKeyPem": SECRET, "dnsNames": ["auth.dev.internal"]},
        feeds={"privateKeyPem": server_key},
    )
    urns["server_cert"] = builder.add(
        LOCALLY_SIGNED,
        "auth-service-tls-server",
        service,
        {
            "certRequestPem": "-----BEGIN CERTIFICATE REQUEST-----",
            "caCertPem": "-----BEGIN CERTIFICATE-----",
            "caPrivateKeyPem": SECRET,
            "validityPeriodHours": 720,
            "allowedUses": ["server_auth"],
        },
        feeds={
            "certRequestPem": request,
            "caCertPem": urns["root"],
            "caPrivateKeyPem": urns["root_key"],
        },
    )
    urns["server_kv"] = builder.add(
        SECRET_V2,
        "auth-service-tls-server-kv",
        service,
        {"mount": "auth-service/kv", "name": "tls-server", "dataJson": SECRET},
        feeds={"mount": urns["kv"], "dataJson": urns["server_cert"]},
        deleteBeforeReplace=True,
    )


def build_sample() -> tuple[dict[str, Any], dict[str, str]]:
    """Return a report and the URNs of its resources by short role name."""
    builder = ReportBuilder()
    urns = _platform(builder)
    _service_store(builder, urns)
    _service_password(builder, urns)
    _service_tls(builder, urns)
    return builder.report(), urns


def sample_report() -> dict[str, Any]:
    return build_sample()[0]


def sample_urns() -> dict[str, str]:
    return build_sample()[1]


def resource(report: dict[str, Any], urn: str) -> dict[str, Any]:
    """Return the report's resource entry for a URN (to change it in place)."""
    for entry in report["resources"]:
        if entry["urn"] == urn:
            return entry
    raise KeyError(urn)


def changed_copy(report: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(report)
