"""The whole platform of one stack, built from its validated config."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from components.aws_mirror import AwsSecretStore, AwsSecretStoreArgs
from components.azure_mirror import AzureKeyVault, AzureKeyVaultArgs
from components.certificates import CertificateAuthority, CertificateAuthorityArgs
from components.gcp_mirror import GcpSecretStore, GcpSecretStoreArgs
from components.options import child_options
from components.service_secrets import CloudStores, ServiceSecrets, ServiceSecretsArgs
from components.vault_foundation import VaultFoundation, VaultFoundationArgs
from stack_config import ServiceConfig, StackConfig

ExternalSecrets = Mapping[str, Mapping[str, pulumi.Input[str]]]
"""External credential values keyed by service, then by credential name."""


@dataclass(frozen=True)
class PlatformArgs:
    config: StackConfig
    external_secrets: ExternalSecrets


class Platform(pulumi.ComponentResource):
    """Vault foundation, root CA, cloud stores and every service's secrets."""

    foundation: VaultFoundation
    authority: CertificateAuthority
    stores: CloudStores
    services: dict[str, ServiceSecrets]

    def __init__(
        self,
        name: str,
        args: PlatformArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("secrets-platform:index:Platform", name, None, opts)
        self._name = name
        self._config = args.config

        self.foundation = self._create_foundation()
        self.authority = self._create_authority()
        self.stores = self._create_stores()
        self.services = {
            service.name: self._create_service(service, args.external_secrets)
            for service in args.config.services
        }

        self.register_outputs(self.stack_outputs())

    def _create_foundation(self) -> VaultFoundation:
        return VaultFoundation(
            f"{self._name}-vault",
            VaultFoundationArgs(
                vault=self._config.vault,
                protect_data=self._config.protect_data,
                ci_key_rotation_days=self._config.rotation.jwt_signing_key,
            ),
            opts=child_options(self),
        )

    def _create_authority(self) -> CertificateAuthority:
        return CertificateAuthority(
            f"{self._name}-ca",
            CertificateAuthorityArgs(
                environment=self._config.environment, pki=self._config.pki
            ),
            opts=child_options(self),
        )

    def _create_stores(self) -> CloudStores:
        return CloudStores(
            aws=self._create_aws_store(),
            azure=self._create_azure_store(),
            gcp=self._create_gcp_store(),
        )

    def _create_aws_store(self) -> AwsSecretStore | None:
        config = self._config
        if "aws" not in config.mirrors or config.aws is None:
            return None
        return AwsSecretStore(
            f"{self._name}-aws",
            AwsSecretStoreArgs(config.environment, config.aws, config.protect_data),
            opts=child_options(self),
        )

    def _create_azure_store(self) -> AzureKeyVault | None:
        config = self._config
        if "azure" not in config.mirrors or config.azure is None:
            return None
        return AzureKeyVault(
            f"{self._name}-azure",
            AzureKeyVaultArgs(config.environment, config.azure, config.protect_data),
            opts=child_options(self),
        )

    def _create_gcp_store(self) -> GcpSecretStore | None:
        config = self._config
        if "gcp" not in config.mirrors or config.gcp is None:
            return None
        return GcpSecretStore(
            f"{self._name}-gcp",
            GcpSecretStoreArgs(config.environment, config.gcp),
            opts=child_options(self),
        )

    def _create_service(
        self, service: ServiceConfig, external_secrets: ExternalSecrets
    ) -> ServiceSecrets:
        return ServiceSecrets(
            service.name,
            ServiceSecretsArgs(
                service=service,
                config=self._config,
                foundation=self.foundation,
                authority=self.authority,
                stores=self.stores,
                external_values=external_secrets.get(service.name, {}),
            ),
            opts=child_options(self),
        )

    def stack_outputs(self) -> dict[str, Any]:
        """Return the stack outputs: references and public material only."""
        foundation = self.foundation
        return {
            "environment": self._config.environment,
            "caBundle": self.authority.certificate_pem,
            "vault": {
                "approlePath": foundation.approle.path,
                "jwtPath": foundation.jwt.path if foundation.jwt else None,
                "transitPath": foundation.transit.path,
                "ciJwtPublicKey": foundation.ci_public_key_pem,
            },
            "services": {
                name: service.public_outputs()
                for name, service in self.services.items()
            },
        }
