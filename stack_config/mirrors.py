"""Parse `mirrors` and the `aws`, `azure` and `gcp` sections of the cloud stores."""

from __future__ import annotations

from stack_config.keys import AWS_KEYS, AZURE_KEYS, GCP_KEYS
from stack_config.model import (
    MIRRORS,
    AwsSettings,
    AzureSettings,
    ConfigError,
    GcpSettings,
    Mirror,
)
from stack_config.reader import _ConfigObject
from stack_config.rules import (
    AWS_REGION_RULE,
    AZURE_LOCATION_RULE,
    AZURE_RESOURCE_GROUP_RULE,
    AZURE_VAULT_NAME_RULE,
    GCP_LOCATION_RULE,
    GCP_PROJECT_RULE,
    UUID_RULE,
)


def _parse_mirrors(root: _ConfigObject) -> tuple[Mirror, ...]:
    return root.choices("mirrors", MIRRORS)


def _mirror_section(
    root: _ConfigObject, mirror: str, mirrors: tuple[Mirror, ...], keys: tuple[str, ...]
) -> _ConfigObject | None:
    """Read a mirror's section, which is required when the mirror is selected."""
    section = root.optional_section(mirror, keys)
    if section is None and mirror in mirrors:
        raise ConfigError(
            mirror,
            f"is missing, but mirrors selects {mirror}",
            "an object with keys " + ", ".join(keys),
        )
    return section


def _parse_aws(root: _ConfigObject, mirrors: tuple[Mirror, ...]) -> AwsSettings | None:
    aws = _mirror_section(root, "aws", mirrors, AWS_KEYS)
    if aws is None:
        return None

    settings = AwsSettings(
        region=aws.text("region", AWS_REGION_RULE),
        recovery_window_days=aws.integer("recoveryWindowDays", 30, 7, 30),
    )
    return settings if "aws" in mirrors else None


def _parse_azure(
    root: _ConfigObject, mirrors: tuple[Mirror, ...]
) -> AzureSettings | None:
    azure = _mirror_section(root, "azure", mirrors, AZURE_KEYS)
    if azure is None:
        return None

    settings = AzureSettings(
        resource_group=azure.text("resourceGroup", AZURE_RESOURCE_GROUP_RULE),
        location=azure.text("location", AZURE_LOCATION_RULE),
        tenant_id=azure.text("tenantId", UUID_RULE),
        vault_name=azure.text("vaultName", AZURE_VAULT_NAME_RULE),
        subscription_id=azure.text("subscriptionId", UUID_RULE),
        soft_delete_retention_days=azure.integer("softDeleteRetentionDays", 90, 7, 90),
    )
    return settings if "azure" in mirrors else None


def _parse_gcp(root: _ConfigObject, mirrors: tuple[Mirror, ...]) -> GcpSettings | None:
    gcp = _mirror_section(root, "gcp", mirrors, GCP_KEYS)
    if gcp is None:
        return None

    settings = GcpSettings(
        project=gcp.text("project", GCP_PROJECT_RULE),
        locations=gcp.texts("locations", GCP_LOCATION_RULE),
    )
    return settings if "gcp" in mirrors else None
