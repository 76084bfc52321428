"""Config types: the frozen dataclasses, their Literal aliases and `ConfigError`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

import pulumi

NAMESPACE = "secrets-platform"

Flavor = Literal["vault", "openbao"]
KvLayout = Literal["per-service", "shared"]
Mirror = Literal["aws", "azure", "gcp"]
Database = Literal["postgres", "neo4j", "redis"]
PkiBackend = Literal["tls", "vault"]
KeyAlgorithm = Literal[
    "ECDSA-P256", "ECDSA-P384", "RSA-2048", "RSA-3072", "RSA-4096", "ED25519"
]
JwtAlgorithm = Literal["ES256", "ES384", "RS256", "EdDSA"]


class ConfigError(pulumi.RunError):
    """A stack config value that is missing, malformed or out of range.

    It subclasses `pulumi.RunError`, so the Pulumi runtime prints the message
    alone, without a traceback.
    """

    def __init__(self, key: str, problem: str, allowed: str | None = None) -> None:
        self.key = key
        self.problem = problem
        self.allowed = allowed
        message = f"{NAMESPACE}:{key}: {problem}"
        if allowed:
            message += f" (allowed: {allowed})"
        super().__init__(message)


@dataclass(frozen=True)
class JwtIssuer:
    """The CI identity provider whose tokens log in through the JWT backend."""

    issuer: str
    audience: str
    oidc_discovery_url: str | None = None
    """Discovery URL. The parser sets it to the issuer when no key source is set."""
    validation_public_keys: tuple[str, ...] = ()
    """PEM public keys the backend trusts instead of a discovery URL."""
    generate_local_key: bool = False
    """Generate a key pair and trust its public key (the `local` stack)."""
    repository_owner: str | None = None
    """Owner whose `<owner>/<service>` repository claim a CI role binds by default."""


@dataclass(frozen=True)
class VaultSettings:
    """Settings of the Vault-compatible server and the auth roles on it."""

    flavor: Flavor
    kv_layout: KvLayout
    jwt: JwtIssuer | None
    audit_file_path: str = "/var/log/vault/audit.log"
    token_ttl_seconds: int = 3600
    token_max_ttl_seconds: int = 14400
    secret_id_ttl_seconds: int = 86400


@dataclass(frozen=True)
class AwsSettings:
    region: str
    recovery_window_days: int


@dataclass(frozen=True)
class AzureSettings:
    resource_group: str
    location: str
    tenant_id: str
    vault_name: str
    subscription_id: str
    soft_delete_retention_days: int = 90


@dataclass(frozen=True)
class GcpSettings:
    project: str
    locations: tuple[str, ...]
    """Replica locations; empty means automatic replication."""


@dataclass(frozen=True)
class RotationSettings:
    """Rotation periods in days; each is also a policy ceiling."""

    database_password: int
    jwt_signing_key: int
    api_token: int
    leaf_certificate: int


@dataclass(frozen=True)
class PkiSettings:
    backend: PkiBackend
    key_algorithm: KeyAlgorithm
    root_validity_days: int
    intermediate_validity_days: int
    leaf_validity_days: int
    protect_ca: bool = False


@dataclass(frozen=True)
class ServiceJwt:
    algorithm: JwtAlgorithm
    refresh_token_secret: bool


@dataclass(frozen=True)
class ServiceTls:
    server_names: tuple[str, ...]
    client: bool


@dataclass(frozen=True)
class ServiceIdentities:
    """The cloud principals that run a service and may read its secrets."""

    aws: str | None = None
    azure: str | None = None
    gcp: str | None = None


@dataclass(frozen=True)
class ServiceConfig:
    name: str
    databases: tuple[Database, ...] = ()
    jwt: ServiceJwt | None = None
    tls: ServiceTls | None = None
    api_tokens: tuple[str, ...] = ()
    transit_keys: tuple[str, ...] = ()
    external: tuple[str, ...] = ()
    identities: ServiceIdentities = field(default_factory=ServiceIdentities)
    ci_bound_claims: tuple[tuple[str, str], ...] = ()
    """Claims a CI token must carry to log in through this service's JWT role."""


@dataclass(frozen=True)
class StackConfig:
    environment: str
    vault: VaultSettings
    mirrors: tuple[Mirror, ...]
    aws: AwsSettings | None
    azure: AzureSettings | None
    gcp: GcpSettings | None
    rotation: RotationSettings
    pki: PkiSettings
    services: tuple[ServiceConfig, ...]
    protect_data: bool = False
    """Protect mounts and stores that hold data (prod)."""


# Allowed values, taken from the Literal types above so the two never drift.
FLAVORS: tuple[Flavor, ...] = get_args(Flavor)
KV_LAYOUTS: tuple[KvLayout, ...] = get_args(KvLayout)
MIRRORS: tuple[Mirror, ...] = get_args(Mirror)
DATABASES: tuple[Database, ...] = get_args(Database)
PKI_BACKENDS: tuple[PkiBackend, ...] = get_args(PkiBackend)
KEY_ALGORITHMS: tuple[KeyAlgorithm, ...] = get_args(KeyAlgorithm)
JWT_ALGORITHMS: tuple[JwtAlgorithm, ...] = get_args(JwtAlgorithm)
