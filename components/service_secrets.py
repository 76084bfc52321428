"""Everything one service owns: its KV secrets, access roles, keys and mirrors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_vault as vault

from components.aws_mirror import AwsSecretMirror, AwsSecretMirrorArgs, AwsSecretStore
from components.azure_mirror import (
    AzureKeyVault,
    AzureSecretMirror,
    AzureSecretMirrorArgs,
)
from components.certificates import (
    CertificateAuthority,
    ServiceCertificates,
    ServiceCertificatesArgs,
)
from components.credentials import (
    ServiceCredentials,
    ServiceCredentialsArgs,
    StoredCredential,
)
from components.gcp_mirror import GcpSecretMirror, GcpSecretMirrorArgs, GcpSecretStore
from components.options import child_options, vault_options
from components.vault_foundation import SHARED_KV_PATH, TRANSIT_PATH, VaultFoundation
from stack_config import ConfigError, ServiceConfig, StackConfig


@dataclass(frozen=True)
class CloudStores:
    """The stack's cloud stores, each None when its mirror is not selected."""

    aws: AwsSecretStore | None = None
    azure: AzureKeyVault | None = None
    gcp: GcpSecretStore | None = None


@dataclass(frozen=True)
class ServiceSecretsArgs:
    service: ServiceConfig
    config: StackConfig
    foundation: VaultFoundation
    authority: CertificateAuthority
    stores: CloudStores
    external_values: Mapping[str, pulumi.Input[str]]


@dataclass(frozen=True)
class KvLocation:
    """The Vault KV v2 mount and name prefix of a service's secrets."""

    mount_path: str
    prefix: str
    """Prefix of every secret name under the mount: "" or "<service>/"."""

    def secret_name(self, credential: str) -> str:
        return f"{self.prefix}{credential}"

    def api_path(self, credential: str) -> str:
        return f"{self.mount_path}/data/{self.secret_name(credential)}"


def kv_location(service: str, kv_layout: str) -> KvLocation:
    """Return the KV mount and name prefix of a service's secrets."""
    if kv_layout == "shared":
        return KvLocation(SHARED_KV_PATH, f"{service}/")
    return KvLocation(f"{service}/kv", "")


# A service's name is its Vault policy name and the first segment of its mount
# paths, so it must not be a built-in policy, a path Vault reserves or a mount
# this program declares.
RESERVED_SERVICE_NAMES = (
    "auth",
    "cubbyhole",
    "default",
    "identity",
    "pki",
    "response-wrapping",
    "root",
    SHARED_KV_PATH,
    "sys",
    TRANSIT_PATH,
)


def check_service_name(service: str) -> None:
    """Raise ConfigError when a service name collides with a Vault name."""
    if service in RESERVED_SERVICE_NAMES:
        raise ConfigError(
            f"services.{service}",
            "is a name Vault reserves or this program uses for a shared mount",
            "any other kebab-case name; reserved: " + ", ".join(RESERVED_SERVICE_NAMES),
        )


def transit_key_name(service: str, key: str) -> str:
    return f"{service}-{key}"


def policy_document(
    service: str, location: KvLocation, transit_keys: tuple[str, ...]
) -> str:
    """Return the HCL policy that lets a service read only its own secrets.

    KV v2 serves values under `data/` and listings under `metadata/`; a rule on
    the bare logical path would be accepted and grant nothing.
    """
    rules = [
        (f"{location.mount_path}/data/{location.prefix}*", ["read"]),
        (f"{location.mount_path}/metadata/{location.prefix}*", ["read", "list"]),
    ]
    for key in transit_keys:
        key_name = transit_key_name(service, key)
        rules.append((f"{TRANSIT_PATH}/encrypt/{key_name}", ["update"]))
        rules.append((f"{TRANSIT_PATH}/decrypt/{key_name}", ["update"]))

    blocks = [
        f"path {json.dumps(path)} {{\n  capabilities = {json.dumps(capabilities)}\n}}"
        for path, capabilities in rules
    ]
    return "\n\n".join(blocks) + "\n"


class ServiceSecrets(pulumi.ComponentResource):
    """A service's secrets in Vault KV v2 and its mirrors, with least access."""

    credentials: ServiceCredentials
    certificates: ServiceCertificates | None
    kv_location: KvLocation
    kv_mount: vault.Mount | None
    """The service's own mount, None under the shared layout."""
    policy: vault.Policy
    approle_role: vault.approle.AuthBackendRole
    ci_role: vault.jwt.AuthBackendRole | None
    transit_keys: list[vault.transit.SecretBackendKey]
    aws: AwsSecretMirror | None
    azure: AzureSecretMirror | None
    gcp: GcpSecretMirror | None

    def __init__(
        self,
        name: str,
        args: ServiceSecretsArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        check_service_name(name)
        super().__init__("secrets-platform:service:ServiceSecrets", name, None, opts)
        self._name = name
        self._args = args
        self._service = args.service
        self.kv_location = kv_location(name, args.config.vault.kv_layout)

        self.credentials = self._create_credentials()
        self.certificates = self._create_certificates()
        self.kv_mount = self._create_kv_mount()
        self._create_kv_secrets()
        self.transit_keys = self._create_transit_keys()
        self.policy = self._create_policy()
        self.approle_role = self._create_approle_role()
        self.ci_role = self._create_ci_role()
        self._create_mirrors()

        self.register_outputs(self.public_outputs())

    def public_outputs(self) -> dict[str, Any]:
        """Return the references and public material deploy pipelines need."""
        credentials = [credential.name for credential in self.stored_credentials]
        return {
            "kvMount": self.kv_location.mount_path,
            "kvPaths": {name: self.kv_location.api_path(name) for name in credentials},
            "policy": self.policy.name,
            "approleRole": self.approle_role.role_name,
            "ciRole": self.ci_role.role_name if self.ci_role else None,
            "transitKeys": [key.name for key in self.transit_keys],
            "jwks": self.credentials.jwks,
            "tls": self.certificates.public_outputs() if self.certificates else None,
            "aws": self.aws.secret_arns if self.aws else None,
            "azure": self.azure.secret_ids if self.azure else None,
            "gcp": self.gcp.secret_ids if self.gcp else None,
        }

    @property
    def stored_credentials(self) -> list[StoredCredential]:
        """Every credential written to KV: generated, external and TLS."""
        stored = list(self.credentials.credentials)
        if self.certificates is not None:
            stored.extend(self.certificates.credentials)
        return stored

    def _create_credentials(self) -> ServiceCredentials:
        return ServiceCredentials(
            f"{self._name}-credentials",
            ServiceCredentialsArgs(
                service=self._service,
                rotation=self._args.config.rotation,
                external_values=self._args.external_values,
            ),
            opts=child_options(self),
        )

    def _create_certificates(self) -> ServiceCertificates | None:
        if self._service.tls is None:
            return None

        config = self._args.config
        return ServiceCertificates(
            f"{self._name}-tls",
            ServiceCertificatesArgs(
                service=self._name,
                environment=config.environment,
                tls=self._service.tls,
                pki=config.pki,
                rotation_days=config.rotation.leaf_certificate,
                authority=self._args.authority,
            ),
            opts=child_options(self),
        )

    def _create_kv_mount(self) -> vault.Mount | None:
        if self._args.config.vault.kv_layout == "shared":
            return None

        # `kv` with version 2, never `kv-v2`: the provider replaces a `kv-v2`
        # mount on every run, deleting its secrets.
        return vault.Mount(
            f"{self._name}-kv",
            path=self.kv_location.mount_path,
            type="kv",
            options={"version": "2"},
            description=f"Secrets of {self._name}",
            opts=vault_options(self, protect=self._args.config.protect_data),
        )

    def _kv_mount_path(self) -> pulumi.Output[str]:
        mount = self.kv_mount or self._args.foundation.shared_kv
        assert mount is not None, "the shared layout always declares a shared mount"
        return mount.path

    def _create_kv_secrets(self) -> None:
        mount_path = self._kv_mount_path()
        for credential in self.stored_credentials:
            vault.kv.SecretV2(
                f"{self._name}-{credential.name}-kv",
                mount=mount_path,
                name=self.kv_location.secret_name(credential.name),
                data_json=credential.secret_document(),
                opts=vault_options(self),
            )

    def _create_transit_keys(self) -> list[vault.transit.SecretBackendKey]:
        # Vault rotates the key itself, and old key versions still decrypt.
        rotate_seconds = self._args.config.rotation.api_token * 86400
        return [
            vault.transit.SecretBackendKey(
                f"{self._name}-transit-{key}",
                backend=self._args.foundation.transit.path,
                name=transit_key_name(self._name, key),
                type="aes256-gcm96",
                auto_rotate_period=rotate_seconds,
                exportable=False,
                allow_plaintext_backup=False,
                deletion_allowed=False,
                opts=vault_options(self),
            )
            for key in self._service.transit_keys
        ]

    def _create_policy(self) -> vault.Policy:
        document = policy_document(
            self._name, self.kv_location, self._service.transit_keys
        )
        return vault.Policy(
            f"{self._name}-policy",
            name=self._name,
            policy=document,
            opts=vault_options(self),
        )

    def _create_approle_role(self) -> vault.approle.AuthBackendRole:
        settings = self._args.config.vault
        return vault.approle.AuthBackendRole(
            f"{self._name}-approle",
            backend=self._args.foundation.approle.path,
            role_name=self._name,
            token_policies=[self.policy.name],
            token_ttl=settings.token_ttl_seconds,
            token_max_ttl=settings.token_max_ttl_seconds,
            secret_id_ttl=settings.secret_id_ttl_seconds,
            opts=vault_options(self),
        )

    def _create_ci_role(self) -> vault.jwt.AuthBackendRole | None:
        backend = self._args.foundation.jwt
        issuer = self._args.config.vault.jwt
        if backend is None or issuer is None:
            return None
        if not self._service.ci_bound_claims:
            pulumi.log.warn(
                f"service {self._name} has no CI bound claims; its JWT role is "
                "not declared, because any token of the issuer could use it",
                resource=self,
            )
            return None

        settings = self._args.config.vault
        return vault.jwt.AuthBackendRole(
            f"{self._name}-ci-role",
            backend=backend.path,
            role_name=f"{self._name}-ci",
            role_type="jwt",
            user_claim="sub",
            bound_audiences=[issuer.audience],
            bound_claims=dict(self._service.ci_bound_claims),
            token_policies=[self.policy.name],
            token_ttl=settings.token_ttl_seconds,
            token_max_ttl=settings.token_max_ttl_seconds,
            opts=vault_options(self),
        )

    def _create_mirrors(self) -> None:
        stores = self._args.stores
        self.aws = self._create_aws_mirror(stores.aws) if stores.aws else None
        self.azure = self._create_azure_mirror(stores.azure) if stores.azure else None
        self.gcp = self._create_gcp_mirror(stores.gcp) if stores.gcp else None

    def _create_aws_mirror(self, store: AwsSecretStore) -> AwsSecretMirror:
        config = self._args.config
        assert config.aws is not None, "the aws mirror requires aws settings"
        return AwsSecretMirror(
            f"{self._name}-aws",
            AwsSecretMirrorArgs(
                service=self._name,
                environment=config.environment,
                principal_arn=self._service.identities.aws,
                recovery_window_days=config.aws.recovery_window_days,
                store=store,
                credentials=self.stored_credentials,
            ),
            opts=child_options(self),
        )

    def _create_azure_mirror(self, store: AzureKeyVault) -> AzureSecretMirror:
        config = self._args.config
        assert config.azure is not None, "the azure mirror requires azure settings"
        return AzureSecretMirror(
            f"{self._name}-azure",
            AzureSecretMirrorArgs(
                service=self._name,
                environment=config.environment,
                principal_id=self._service.identities.azure,
                subscription_id=config.azure.subscription_id,
                store=store,
                credentials=self.stored_credentials,
            ),
            opts=child_options(self),
        )

    def _create_gcp_mirror(self, store: GcpSecretStore) -> GcpSecretMirror:
        config = self._args.config
        assert config.gcp is not None, "the gcp mirror requires gcp settings"
        return GcpSecretMirror(
            f"{self._name}-gcp",
            GcpSecretMirrorArgs(
                service=self._name,
                environment=config.environment,
                service_account=self._service.identities.gcp,
                gcp=config.gcp,
                store=store,
                credentials=self.stored_credentials,
            ),
            opts=child_options(self),
        )
