"""Rules for Azure Key Vault vaults and secrets (azure-native)."""

from __future__ import annotations

import re

from pulumi_policy import EnforcementLevel, Policy

from .framework import Report, ResourceCheckArgs, Setting, resource_policy
from .units import number
from .values import UNKNOWN, is_set, lookup

VAULT = "azure-native:keyvault:Vault"
SECRET = "azure-native:keyvault:Secret"

VAULT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]")
SECRET_NAME = re.compile(r"[A-Za-z0-9-]{1,127}")
# Azure's retention when softDeleteRetentionInDays is absent.
DEFAULT_SOFT_DELETE_DAYS = 90


def check_vault_name(args: ResourceCheckArgs, report: Report) -> None:
    name = args.props.get("vaultName")
    if name is UNKNOWN:
        report("vaultName cannot be verified during preview; set it to a literal.")
    elif not isinstance(name, str) or not VAULT_NAME.fullmatch(name) or "--" in name:
        report(
            "vaultName is unset or invalid: use 3-24 letters, digits and hyphens, "
            "starting with a letter, ending with a letter or digit, without '--'."
        )


def check_secret_name(args: ResourceCheckArgs, report: Report) -> None:
    name = args.props.get("secretName")
    if name is UNKNOWN:
        report("secretName cannot be verified during preview; set it to a literal.")
    elif not isinstance(name, str) or not SECRET_NAME.fullmatch(name):
        report("secretName is unset or invalid: use 1-127 letters, digits and hyphens.")


def check_rbac(args: ResourceCheckArgs, report: Report) -> None:
    if lookup(args.props, "properties", "enableRbacAuthorization") is not True:
        report(
            "properties.enableRbacAuthorization is not true, so access policies "
            "grant vault-wide access; turn on RBAC authorization."
        )


def check_purge_protection(args: ResourceCheckArgs, report: Report) -> None:
    if lookup(args.props, "properties", "enablePurgeProtection") is not True:
        report("properties.enablePurgeProtection is not true; turn it on.")

    low = args.thresholds["minSoftDeleteRetentionDays"]
    high = args.thresholds["maxSoftDeleteRetentionDays"]
    retention = lookup(args.props, "properties", "softDeleteRetentionInDays")
    days = (
        DEFAULT_SOFT_DELETE_DAYS
        if retention is None
        else number(retention, "properties.softDeleteRetentionInDays")
    )
    if days is None or not low <= days <= high:
        report(
            "properties.softDeleteRetentionInDays is unknown or out of range; "
            f"set it between {low} and {high}."
        )


def check_network_deny(args: ResourceCheckArgs, report: Report) -> None:
    if lookup(args.props, "properties", "networkAcls", "defaultAction") != "Deny":
        report(
            "properties.networkAcls.defaultAction is not 'Deny', so every network "
            "reaches the vault; set it to 'Deny' and list allowed networks."
        )


def check_secret_attributes(args: ResourceCheckArgs, report: Report) -> None:
    if not is_set(lookup(args.props, "properties", "attributes", "expires")):
        report(
            "properties.attributes.expires is not set; set an expiry anchored to "
            "the credential's rotation trigger."
        )
    if not is_set(lookup(args.props, "properties", "contentType")):
        report("properties.contentType is not set; describe the value's format.")


def build() -> list[Policy]:
    mandatory = EnforcementLevel.MANDATORY
    return [
        resource_policy(
            name="azure-key-vault-name",
            description="Key Vault names follow Azure's naming rules.",
            level=mandatory,
            resource_types=[VAULT],
            check=check_vault_name,
        ),
        resource_policy(
            name="azure-key-vault-rbac",
            description="Key Vaults authorize access with Azure RBAC.",
            level=mandatory,
            resource_types=[VAULT],
            check=check_rbac,
        ),
        resource_policy(
            name="azure-key-vault-purge-protection",
            description="Key Vaults keep deleted secrets recoverable and unpurgeable.",
            level=mandatory,
            resource_types=[VAULT],
            check=check_purge_protection,
            settings=[
                Setting(
                    "minSoftDeleteRetentionDays", "integer", 7, "Lowest retention."
                ),
                Setting(
                    "maxSoftDeleteRetentionDays", "integer", 90, "Highest retention."
                ),
            ],
        ),
        resource_policy(
            name="azure-key-vault-network-deny",
            description="Key Vault networks deny by default.",
            level=mandatory,
            resource_types=[VAULT],
            check=check_network_deny,
        ),
        resource_policy(
            name="azure-secret-name",
            description="Key Vault secret names follow Azure's naming rules.",
            level=mandatory,
            resource_types=[SECRET],
            check=check_secret_name,
        ),
        resource_policy(
            name="azure-secret-expiry-content-type",
            description="Key Vault secrets carry an expiry and a content type.",
            level=mandatory,
            resource_types=[SECRET],
            check=check_secret_attributes,
        ),
    ]
