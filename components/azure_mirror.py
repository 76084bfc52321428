"""Azure Key Vault: the stack's vault and each service's mirrored secrets."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pulumi
import pulumi_azure_native as azure_native
from pulumi_azure_native import authorization, keyvault, resources

from components.credentials import StoredCredential
from components.options import child_options
from stack_config import AzureSettings

# Built-in role "Key Vault Secrets User": read secret contents.
SECRETS_USER_ROLE_ID = "4633458b-17de-408a-b874-0445c86b69e6"

# Expiry is the scheduled rotation plus this grace, so a rotation that runs a
# few days late does not leave readers with an expired secret.
EXPIRY_GRACE_DAYS = 7

# Namespace of the deterministic role assignment names (a UUID each).
ROLE_ASSIGNMENT_NAMESPACE = uuid.UUID("5b0c1cf4-7a32-4b36-9e0a-6f1f0e4de3a1")


@dataclass(frozen=True)
class AzureKeyVaultArgs:
    environment: str
    azure: AzureSettings
    protect_data: bool


class AzureKeyVault(pulumi.ComponentResource):
    """The provider, resource group and Key Vault that hold the stack's secrets."""

    provider: azure_native.Provider
    resource_group: resources.ResourceGroup
    vault: keyvault.Vault

    def __init__(
        self,
        name: str,
        args: AzureKeyVaultArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("secrets-platform:azure:AzureKeyVault", name, None, opts)
        self._name = name
        self._args = args

        self.provider = azure_native.Provider(
            f"{name}-provider",
            subscription_id=args.azure.subscription_id,
            tenant_id=args.azure.tenant_id,
            location=args.azure.location,
            opts=child_options(self),
        )
        self.resource_group = self._create_resource_group()
        self.vault = self._create_vault()

        self.register_outputs({"vaultId": self.vault.id})

    def _provider_options(self, **options: object) -> pulumi.ResourceOptions:
        return child_options(self, provider=self.provider, **options)

    def _create_resource_group(self) -> resources.ResourceGroup:
        return resources.ResourceGroup(
            f"{self._name}-resource-group",
            resource_group_name=self._args.azure.resource_group,
            location=self._args.azure.location,
            tags={"environment": self._args.environment},
            opts=self._provider_options(protect=self._args.protect_data),
        )

    def _create_vault(self) -> keyvault.Vault:
        settings = self._args.azure
        properties = keyvault.VaultPropertiesArgs(
            tenant_id=settings.tenant_id,
            sku=keyvault.SkuArgs(
                family=keyvault.SkuFamily.A, name=keyvault.SkuName.STANDARD
            ),
            enable_rbac_authorization=True,
            enable_purge_protection=True,
            enable_soft_delete=True,
            soft_delete_retention_in_days=settings.soft_delete_retention_days,
            network_acls=keyvault.NetworkRuleSetArgs(
                default_action=keyvault.NetworkRuleAction.DENY,
                bypass=keyvault.NetworkRuleBypassOptions.AZURE_SERVICES,
            ),
        )
        return keyvault.Vault(
            f"{self._name}-vault",
            vault_name=settings.vault_name,
            resource_group_name=self.resource_group.name,
            location=settings.location,
            properties=properties,
            tags={"environment": self._args.environment},
            opts=self._provider_options(protect=self._args.protect_data),
        )


@dataclass(frozen=True)
class AzureSecretMirrorArgs:
    service: str
    environment: str
    principal_id: str | None
    """Object id of the service's managed identity or service principal."""
    subscription_id: str
    store: AzureKeyVault
    credentials: Sequence[StoredCredential]


class AzureSecretMirror(pulumi.ComponentResource):
    """One Key Vault secret per credential of a service, readable by its identity."""

    secret_ids: dict[str, pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        args: AzureSecretMirrorArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("secrets-platform:azure:AzureSecretMirror", name, None, opts)
        self._name = name
        self._args = args
        self.secret_ids = {}

        for credential in args.credentials:
            secret = self._create_secret(credential)
            self._create_role_assignment(credential, secret)
            self.secret_ids[credential.name] = secret.id

        self.register_outputs({"secretIds": self.secret_ids})

    def _provider_options(self) -> pulumi.ResourceOptions:
        return child_options(self, provider=self._args.store.provider)

    def _create_secret(self, credential: StoredCredential) -> keyvault.Secret:
        store = self._args.store
        properties = keyvault.SecretPropertiesArgs(
            value=credential.secret_document(),
            content_type="application/json",
            attributes=keyvault.SecretAttributesArgs(
                enabled=True,
                expires=pulumi.Output.from_input(credential.next_rotation).apply(
                    expiry_seconds
                ),
            ),
        )
        return keyvault.Secret(
            f"{self._name}-{credential.name}",
            secret_name=secret_name(self._args.service, credential.name),
            vault_name=store.vault.name,
            resource_group_name=store.resource_group.name,
            properties=properties,
            tags={"environment": self._args.environment, "service": self._args.service},
            opts=self._provider_options(),
        )

    def _create_role_assignment(
        self, credential: StoredCredential, secret: keyvault.Secret
    ) -> authorization.RoleAssignment | None:
        principal_id = self._args.principal_id
        if principal_id is None:
            return None

        return authorization.RoleAssignment(
            f"{self._name}-{credential.name}-reader",
            role_assignment_name=role_assignment_name(
                secret_name(self._args.service, credential.name),
                principal_id,
                self._args.environment,
            ),
            scope=secret.id,
            principal_id=principal_id,
            principal_type=authorization.PrincipalType.SERVICE_PRINCIPAL,
            role_definition_id=(
                f"/subscriptions/{self._args.subscription_id}/providers/"
                f"Microsoft.Authorization/roleDefinitions/{SECRETS_USER_ROLE_ID}"
            ),
            opts=self._provider_options(),
        )


def secret_name(service: str, credential: str) -> str:
    """Return the Key Vault secret name: letters, digits and hyphens, 1-127."""
    return f"{service}-{credential}"


def role_assignment_name(scope_name: str, principal_id: str, environment: str) -> str:
    """Return a stable UUID, the name Azure requires for a role assignment."""
    return str(
        uuid.uuid5(
            ROLE_ASSIGNMENT_NAMESPACE, f"{environment}/{scope_name}/{principal_id}"
        )
    )


def expiry_seconds(next_rotation: str | None) -> int | None:
    """Return the expiry in seconds since the epoch, from the rotation time."""
    if not next_rotation:
        return None
    rotation_time = datetime.fromisoformat(next_rotation)
    return int(rotation_time.timestamp()) + EXPIRY_GRACE_DAYS * 86400
