"""Tests for the stack config loader and the shipped stack files.

Each rule is tested by loading a shipped stack's raw config, changing one key
and checking that the error names the full key and the allowed values.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from stack_config import (
    NAMESPACE,
    TOP_LEVEL_KEYS,
    ConfigError,
    StackConfig,
    find_plain_external_values,
    load_external_secrets,
    load_stack_config,
    parse_external_secrets,
    parse_stack_config,
    read_stack_file,
)

ROOT = Path(__file__).resolve().parents[2]
STACKS = ("local", "dev", "prod")
SERVICES = ("auth-service", "graph-analytics-service", "llm-service")
_DELETE = object()


@functools.cache
def _stack_file(stack: str) -> dict[str, Any]:
    return read_stack_file(ROOT / f"Pulumi.{stack}.yaml")


def raw_config(stack: str = "dev") -> dict[str, Any]:
    """Return a fresh copy of a shipped stack's keys, safe to change."""
    return copy.deepcopy(_stack_file(stack))


def _path_steps(path: str) -> list[str | int]:
    """Split `services.llm-service.databases[0]` into its keys and indexes."""
    steps: list[str | int] = []
    for part in path.split("."):
        name, *indexes = re.split(r"\[(\d+)\]", part)
        steps.append(name)
        steps.extend(int(index) for index in indexes if index)
    return steps


def with_value(path: str, value: Any, stack: str = "dev") -> dict[str, Any]:
    """Return a stack's keys with the one at `path` set (or deleted with _DELETE)."""
    raw = raw_config(stack)
    *parents, last = _path_steps(path)
    node: Any = raw
    for step in parents:
        node = node[step]

    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return raw


def config_error(raw: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_stack_config(raw)
    return caught.value


def assert_rejected(
    raw: dict[str, Any], key: str, allowed: str | None = None
) -> ConfigError:
    """Check that the config is rejected with a message naming `key` and `allowed`."""
    error = config_error(raw)
    message = str(error)

    assert message.startswith(f"{NAMESPACE}:{key}: "), f"{key}: got {message!r}"
    if allowed is not None:
        assert f"(allowed: {allowed}" in message, f"{key}: got {message!r}"
    return error


def service(config: StackConfig, name: str):
    return next(entry for entry in config.services if entry.name == name)


def generate_public_key_pem() -> str:
    private_key = ec.generate_private_key(ec.SECP256R1())
    public_key = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return public_key.decode()


# Shipped stack files


@pytest.mark.parametrize("stack", STACKS)
def test_stack_file_parses(stack: str) -> None:
    config = parse_stack_config(raw_config(stack))

    assert config.environment == stack, f"Pulumi.{stack}.yaml environment"


@pytest.mark.parametrize("stack", STACKS)
def test_stack_file_declares_three_services(stack: str) -> None:
    config = parse_stack_config(raw_config(stack))

    names = tuple(entry.name for entry in config.services)
    assert names == SERVICES, f"Pulumi.{stack}.yaml services"


@pytest.mark.parametrize("stack", STACKS)
def test_stack_file_has_no_secure_value(stack: str) -> None:
    text = (ROOT / f"Pulumi.{stack}.yaml").read_text()

    assert "secure:" not in text, f"Pulumi.{stack}.yaml contains a secure: value"
    assert "external" not in _stack_file(stack), f"Pulumi.{stack}.yaml external"


def test_local_stack_generates_ci_key() -> None:
    config = parse_stack_config(raw_config("local"))

    assert config.vault.jwt is not None, "local vault.jwt"
    assert config.vault.jwt.generate_local_key, "local vault.jwt.generateLocalKey"
    assert config.vault.jwt.oidc_discovery_url is None, "local oidcDiscoveryUrl"


def test_local_stack_runs_openbao_without_mirrors() -> None:
    config = parse_stack_config(raw_config("local"))

    assert config.vault.flavor == "openbao", "local vault.flavor"
    assert config.mirrors == (), "local mirrors"
    assert config.pki.backend == "vault", "local pki.backend"


def test_dev_stack_mirrors_aws_and_gcp() -> None:
    config = parse_stack_config(raw_config("dev"))

    assert config.mirrors == ("aws", "gcp"), "dev mirrors"
    assert config.azure is None, "dev azure"
    assert config.pki.backend == "tls", "dev pki.backend"


def test_prod_stack_protects_ca_and_data() -> None:
    config = parse_stack_config(raw_config("prod"))

    assert config.mirrors == ("aws", "azure", "gcp"), "prod mirrors"
    assert config.pki.protect_ca, "prod pki.protectCa"
    assert config.protect_data, "prod protectData"


def test_prod_stack_rotates_faster_than_dev() -> None:
    prod = parse_stack_config(raw_config("prod")).rotation
    dev = parse_stack_config(raw_config("dev")).rotation

    assert prod.database_password < dev.database_password, "rotation.databasePassword"
    assert prod.jwt_signing_key < dev.jwt_signing_key, "rotation.jwtSigningKey"
    assert prod.leaf_certificate < dev.leaf_certificate, "rotation.leafCertificate"


def test_services_sorted_by_name() -> None:
    raw = raw_config()
    raw["services"] = dict(reversed(list(raw["services"].items())))

    names = tuple(entry.name for entry in parse_stack_config(raw).services)

    assert names == SERVICES, "services order"


# ConfigError


def test_config_error_is_run_error() -> None:
    error = ConfigError("mirrors[0]", "'oci' is not supported", "aws, azure, gcp")

    assert isinstance(error, pulumi.RunError), "ConfigError base class"


def test_config_error_message_format() -> None:
    error = ConfigError("mirrors[0]", "'oci' is not supported", "aws, azure, gcp")

    expected = (
        "secrets-platform:mirrors[0]: 'oci' is not supported (allowed: aws, azure, gcp)"
    )
    assert str(error) == expected, "ConfigError message"
    assert (error.key, error.allowed) == ("mirrors[0]", "aws, azure, gcp")


# Top level


def test_unknown_top_level_key_rejected() -> None:
    raw = raw_config()
    raw["mirror"] = []

    assert_rejected(raw, "mirror", ", ".join(TOP_LEVEL_KEYS))


def test_unknown_nested_key_rejected() -> None:
    raw = with_value("vault.flavour", "vault")

    assert_rejected(raw, "vault.flavour", "flavor, kvLayout, jwt")


def test_environment_missing_rejected() -> None:
    raw = with_value("environment", _DELETE)

    error = assert_rejected(raw, "environment", "1-16 lowercase letters")
    assert "is missing" in str(error), "environment"


def test_vault_section_missing_names_section() -> None:
    raw = with_value("vault", _DELETE)

    error = config_error(raw)
    assert str(error) == (
        f"{NAMESPACE}:vault: is missing (allowed: an object with keys flavor, "
        "kvLayout, jwt, auditFilePath, tokenTtlSeconds, tokenMaxTtlSeconds, "
        "secretIdTtlSeconds)"
    ), f"vault: got {str(error)!r}"


def test_vault_flavor_missing_names_flavor() -> None:
    raw = with_value("vault.flavor", _DELETE)

    error = assert_rejected(raw, "vault.flavor", "vault, openbao")
    assert "is missing" in str(error), "vault.flavor"


@pytest.mark.parametrize("value", ["Dev", "1dev", "dev-", "dev_1", "a" * 17, ""])
def test_environment_invalid_rejected(value: str) -> None:
    raw = with_value("environment", value)

    assert_rejected(raw, "environment", "1-16 lowercase letters")


def test_environment_not_string_rejected() -> None:
    raw = with_value("environment", 12)

    error = assert_rejected(raw, "environment", "1-16 lowercase letters")
    assert "must be a string" in str(error), "environment"


def test_protect_data_not_boolean_rejected() -> None:
    raw = with_value("protectData", "yes")

    assert_rejected(raw, "protectData", "true, false")


def test_protect_data_defaults_false() -> None:
    raw = with_value("protectData", _DELETE, stack="prod")

    assert not parse_stack_config(raw).protect_data, "protectData default"


# vault


def test_vault_not_object_rejected() -> None:
    raw = with_value("vault", "openbao")

    assert_rejected(raw, "vault", "an object with keys flavor, kvLayout")


def test_vault_flavor_unsupported_rejected() -> None:
    raw = with_value("vault.flavor", "consul")

    assert_rejected(raw, "vault.flavor", "vault, openbao")


def test_vault_flavor_missing_rejected() -> None:
    raw = with_value("vault.flavor", _DELETE)

    assert_rejected(raw, "vault.flavor", "vault, openbao")


def test_vault_kv_layout_unsupported_rejected() -> None:
    raw = with_value("vault.kvLayout", "per-team")

    assert_rejected(raw, "vault.kvLayout", "per-service, shared")


def test_vault_kv_layout_defaults_per_service() -> None:
    raw = with_value("vault.kvLayout", _DELETE)

    assert parse_stack_config(raw).vault.kv_layout == "per-service", "kvLayout"


@pytest.mark.parametrize("value", ["audit.log", "logs/audit.log", "/var/log/"])
def test_vault_audit_file_path_invalid_rejected(value: str) -> None:
    raw = with_value("vault.auditFilePath", value)

    assert_rejected(raw, "vault.auditFilePath", "an absolute file path")


@pytest.mark.parametrize("value", [59, 86401])
def test_vault_token_ttl_out_of_range_rejected(value: int) -> None:
    raw = with_value("vault.tokenTtlSeconds", value)

    assert_rejected(raw, "vault.tokenTtlSeconds", "integers 60-86400")


def test_vault_token_ttl_above_max_ttl_rejected() -> None:
    raw = with_value("vault.tokenTtlSeconds", 7201, stack="prod")

    error = assert_rejected(raw, "vault.tokenTtlSeconds", "integers 60-7200")
    assert "vault.tokenMaxTtlSeconds" in str(error), "vault.tokenTtlSeconds"


def test_vault_token_max_ttl_out_of_range_rejected() -> None:
    raw = with_value("vault.tokenMaxTtlSeconds", 2592001)

    assert_rejected(raw, "vault.tokenMaxTtlSeconds", "integers 60-2592000")


@pytest.mark.parametrize("value", [0, 2592001])
def test_vault_secret_id_ttl_out_of_range_rejected(value: int) -> None:
    raw = with_value("vault.secretIdTtlSeconds", value)

    assert_rejected(raw, "vault.secretIdTtlSeconds", "integers 60-2592000")


@pytest.mark.parametrize("value", ["3600", 3600.5, True])
def test_vault_token_ttl_not_integer_rejected(value: Any) -> None:
    raw = with_value("vault.tokenTtlSeconds", value)

    error = assert_rejected(raw, "vault.tokenTtlSeconds", "integers 60-86400")
    assert "must be an integer" in str(error), "vault.tokenTtlSeconds"


def test_vault_settings_defaults() -> None:
    vault = parse_stack_config(raw_config("local")).vault

    assert vault.audit_file_path == "/var/log/vault/audit.log", "auditFilePath"
    assert vault.token_ttl_seconds == 3600, "tokenTtlSeconds"
    assert vault.token_max_ttl_seconds == 14400, "tokenMaxTtlSeconds"
    assert vault.secret_id_ttl_seconds == 86400, "secretIdTtlSeconds"


# vault.jwt


def test_vault_jwt_optional() -> None:
    raw = with_value("vault.jwt", _DELETE)

    assert parse_stack_config(raw).vault.jwt is None, "vault.jwt"


@pytest.mark.parametrize("name", ["issuer", "audience"])
def test_vault_jwt_field_missing_rejected(name: str) -> None:
    raw = with_value(f"vault.jwt.{name}", _DELETE)

    error = assert_rejected(raw, f"vault.jwt.{name}", "a non-empty string")
    assert "is missing" in str(error), f"vault.jwt.{name}"


@pytest.mark.parametrize("name", ["issuer", "audience"])
def test_vault_jwt_field_with_whitespace_rejected(name: str) -> None:
    raw = with_value(f"vault.jwt.{name}", "https://github.com/example org")

    assert_rejected(raw, f"vault.jwt.{name}", "a non-empty string without whitespace")


def test_vault_jwt_discovery_defaults_to_issuer() -> None:
    jwt = parse_stack_config(raw_config("dev")).vault.jwt

    assert jwt is not None, "dev vault.jwt"
    assert jwt.oidc_discovery_url == jwt.issuer, "vault.jwt.oidcDiscoveryUrl"


def test_vault_jwt_issuer_not_https_rejected_for_discovery() -> None:
    raw = with_value("vault.jwt.issuer", "http://token.example.com")

    error = assert_rejected(raw, "vault.jwt.issuer", "an https URL")
    assert "discovered at the issuer" in str(error), "vault.jwt.issuer"


def test_vault_jwt_plain_issuer_with_local_key() -> None:
    raw = with_value("vault.jwt.issuer", "local-ci", stack="local")

    jwt = parse_stack_config(raw).vault.jwt

    assert jwt is not None and jwt.issuer == "local-ci", "local vault.jwt.issuer"


def test_vault_jwt_two_key_sources_rejected() -> None:
    raw = with_value(
        "vault.jwt.oidcDiscoveryUrl", "https://ci.localhost/discovery", stack="local"
    )

    error = assert_rejected(raw, "vault.jwt", "at most one of oidcDiscoveryUrl")
    assert "oidcDiscoveryUrl, generateLocalKey" in str(error), "vault.jwt"


def test_vault_jwt_discovery_url_not_https_rejected() -> None:
    raw = with_value("vault.jwt.oidcDiscoveryUrl", "http://token.example.com")

    assert_rejected(raw, "vault.jwt.oidcDiscoveryUrl", "an https URL")


def test_vault_jwt_generate_local_key_not_boolean_rejected() -> None:
    raw = with_value("vault.jwt.generateLocalKey", "generate", stack="local")

    assert_rejected(raw, "vault.jwt.generateLocalKey", "true, false")


def test_vault_jwt_local_key_in_protected_stack_rejected() -> None:
    raw = with_value("protectData", True, stack="local")

    assert_rejected(raw, "vault.jwt.generateLocalKey", "false, with oidcDiscoveryUrl")


def test_vault_jwt_validation_public_key_accepted() -> None:
    pem = generate_public_key_pem()
    raw = with_value("vault.jwt.validationPublicKeys", [pem])

    jwt = parse_stack_config(raw).vault.jwt

    assert jwt is not None, "vault.jwt"
    assert jwt.validation_public_keys == (pem,), "vault.jwt.validationPublicKeys"
    assert jwt.oidc_discovery_url is None, "vault.jwt.oidcDiscoveryUrl"


def test_vault_jwt_validation_public_key_not_pem_rejected() -> None:
    raw = with_value("vault.jwt.validationPublicKeys", ["ssh-ed25519 AAAAC3Nza"])

    assert_rejected(raw, "vault.jwt.validationPublicKeys[0]", "a PEM public key")


def test_vault_jwt_validation_public_keys_not_list_rejected() -> None:
    raw = with_value("vault.jwt.validationPublicKeys", generate_public_key_pem())

    assert_rejected(raw, "vault.jwt.validationPublicKeys", "a list of PEM public")


@pytest.mark.parametrize("value", ["example org", "-example", "a" * 40])
def test_vault_jwt_repository_owner_invalid_rejected(value: str) -> None:
    raw = with_value("vault.jwt.repositoryOwner", value)

    assert_rejected(raw, "vault.jwt.repositoryOwner", "an account or organization")


# mirrors and their sections


def test_mirrors_unsupported_rejected() -> None:
    raw = with_value("mirrors", ["aws", "oci"])

    assert_rejected(raw, "mirrors[1]", "aws, azure, gcp")


def test_mirrors_duplicate_rejected() -> None:
    raw = with_value("mirrors", ["gcp", "aws", "gcp"])

    error = assert_rejected(raw, "mirrors[2]", "each value once")
    assert "listed twice" in str(error), "mirrors[2]"


def test_mirrors_not_list_rejected() -> None:
    raw = with_value("mirrors", "aws")

    assert_rejected(raw, "mirrors", "a list of aws, azure, gcp")


def test_mirrors_empty_needs_no_section() -> None:
    raw = with_value("mirrors", [])
    del raw["aws"], raw["gcp"]

    config = parse_stack_config(raw)

    assert (config.aws, config.gcp) == (None, None), "aws and gcp settings"


def test_mirrors_absent_defaults_empty() -> None:
    raw = with_value("mirrors", _DELETE)

    assert parse_stack_config(raw).mirrors == (), "mirrors default"


@pytest.mark.parametrize("mirror", ["aws", "gcp"])
def test_mirror_selected_without_section_rejected(mirror: str) -> None:
    raw = with_value(mirror, _DELETE)

    error = assert_rejected(raw, mirror, "an object with keys")
    assert f"mirrors selects {mirror}" in str(error), mirror


def test_mirror_section_missing_message() -> None:
    raw = with_value("aws", _DELETE)

    error = config_error(raw)
    assert str(error) == (
        f"{NAMESPACE}:aws: is missing, but mirrors selects aws (allowed: an "
        "object with keys region, recoveryWindowDays)"
    ), f"aws: got {str(error)!r}"


def test_azure_selected_without_section_rejected() -> None:
    raw = with_value("mirrors", ["aws", "azure", "gcp"])

    error = assert_rejected(raw, "azure", "an object with keys resourceGroup")
    assert "subscriptionId" in str(error), "azure allowed keys"


def test_unselected_section_dropped() -> None:
    raw = with_value("mirrors", ["gcp"])

    config = parse_stack_config(raw)

    assert config.aws is None, "aws settings of an unselected mirror"


def test_unselected_section_still_validated() -> None:
    raw = with_value("mirrors", ["gcp"])
    raw["aws"]["region"] = "Europe"

    assert_rejected(raw, "aws.region", "an AWS region")


@pytest.mark.parametrize("value", ["eu-west", "EU-WEST-1", "euwest1"])
def test_aws_region_invalid_rejected(value: str) -> None:
    raw = with_value("aws.region", value)

    assert_rejected(raw, "aws.region", "an AWS region")


@pytest.mark.parametrize("value", [6, 31])
def test_aws_recovery_window_out_of_range_rejected(value: int) -> None:
    raw = with_value("aws.recoveryWindowDays", value)

    assert_rejected(raw, "aws.recoveryWindowDays", "integers 7-30")


@pytest.mark.parametrize(
    "value",
    [
        "kv",
        "k" * 25,
        "1kv-secrets",
        "kv-secrets-",
        "kv--secrets",
        "kv_secrets",
    ],
)
def test_azure_vault_name_invalid_rejected(value: str) -> None:
    raw = with_value("azure.vaultName", value, stack="prod")

    assert_rejected(raw, "azure.vaultName", "3-24 letters, digits and hyphens")


@pytest.mark.parametrize("value", ["kv1", "K" * 24, "kv-secrets-1"])
def test_azure_vault_name_valid_accepted(value: str) -> None:
    raw = with_value("azure.vaultName", value, stack="prod")

    azure = parse_stack_config(raw).azure

    assert azure is not None and azure.vault_name == value, "azure.vaultName"


def test_azure_subscription_id_missing_rejected() -> None:
    raw = with_value("azure.subscriptionId", _DELETE, stack="prod")

    assert_rejected(raw, "azure.subscriptionId", "a UUID")


def test_azure_tenant_id_not_uuid_rejected() -> None:
    raw = with_value("azure.tenantId", "example.onmicrosoft.com", stack="prod")

    assert_rejected(raw, "azure.tenantId", "a UUID")


@pytest.mark.parametrize("value", [6, 91])
def test_azure_soft_delete_retention_out_of_range_rejected(value: int) -> None:
    raw = with_value("azure.softDeleteRetentionDays", value, stack="prod")

    assert_rejected(raw, "azure.softDeleteRetentionDays", "integers 7-90")


def test_azure_resource_group_trailing_period_rejected() -> None:
    raw = with_value("azure.resourceGroup", "rg-secrets.", stack="prod")

    assert_rejected(raw, "azure.resourceGroup", "1-90 letters")


def test_azure_location_invalid_rejected() -> None:
    raw = with_value("azure.location", "West Europe", stack="prod")

    assert_rejected(raw, "azure.location", "an Azure region")


@pytest.mark.parametrize("value", ["dev", "Example-Dev", "example-dev-", "1example"])
def test_gcp_project_invalid_rejected(value: str) -> None:
    raw = with_value("gcp.project", value)

    assert_rejected(raw, "gcp.project", "a project id")


def test_gcp_location_invalid_rejected() -> None:
    raw = with_value("gcp.locations", ["europe-west1", "Europe"], stack="prod")

    assert_rejected(raw, "gcp.locations[1]", "a GCP region")


def test_gcp_locations_default_automatic() -> None:
    raw = with_value("gcp.locations", _DELETE)

    gcp = parse_stack_config(raw).gcp

    assert gcp is not None and gcp.locations == (), "gcp.locations"


# rotation


@pytest.mark.parametrize(
    "name", ["databasePassword", "jwtSigningKey", "apiToken", "leafCertificate"]
)
def test_rotation_zero_days_rejected(name: str) -> None:
    raw = with_value(f"rotation.{name}", 0)

    assert_rejected(raw, f"rotation.{name}", "integers 1-")


@pytest.mark.parametrize("name", ["databasePassword", "jwtSigningKey", "apiToken"])
def test_rotation_above_a_year_rejected(name: str) -> None:
    raw = with_value(f"rotation.{name}", 366)

    assert_rejected(raw, f"rotation.{name}", "integers 1-365")


def test_rotation_leaf_above_leaf_validity_rejected() -> None:
    raw = with_value("rotation.leafCertificate", 46)

    error = assert_rejected(raw, "rotation.leafCertificate", "integers 1-45")
    assert "pki.leafValidityDays" in str(error), "rotation.leafCertificate"


def test_rotation_defaults() -> None:
    raw = with_value("rotation", _DELETE)

    rotation = parse_stack_config(raw).rotation

    assert rotation.database_password == 30, "rotation.databasePassword"
    assert rotation.jwt_signing_key == 90, "rotation.jwtSigningKey"
    assert rotation.api_token == 90, "rotation.apiToken"
    assert rotation.leaf_certificate == 30, "rotation.leafCertificate"


# pki


def test_pki_backend_unsupported_rejected() -> None:
    raw = with_value("pki.backend", "acme")

    assert_rejected(raw, "pki.backend", "tls, vault")


def test_pki_key_algorithm_unsupported_rejected() -> None:
    raw = with_value("pki.keyAlgorithm", "ECDSA-P224")

    assert_rejected(
        raw,
        "pki.keyAlgorithm",
        "ECDSA-P256, ECDSA-P384, RSA-2048, RSA-3072, RSA-4096, ED25519",
    )


def test_pki_intermediate_not_below_root_rejected() -> None:
    raw = with_value("pki.intermediateValidityDays", 3650)

    error = assert_rejected(raw, "pki.intermediateValidityDays", "integers 1-3649")
    assert "pki.rootValidityDays" in str(error), "pki.intermediateValidityDays"


def test_pki_leaf_not_below_intermediate_rejected() -> None:
    raw = with_value("pki.intermediateValidityDays", 45)

    error = assert_rejected(raw, "pki.leafValidityDays", "integers 1-44")
    assert "pki.intermediateValidityDays" in str(error), "pki.leafValidityDays"


def test_pki_leaf_above_397_days_rejected() -> None:
    raw = with_value("pki.leafValidityDays", 398)

    assert_rejected(raw, "pki.leafValidityDays", "integers 1-397")


def test_pki_root_above_twenty_years_rejected() -> None:
    raw = with_value("pki.rootValidityDays", 7301)

    assert_rejected(raw, "pki.rootValidityDays", "integers 2-7300")


def test_pki_protect_ca_not_boolean_rejected() -> None:
    raw = with_value("pki.protectCa", "true", stack="prod")

    assert_rejected(raw, "pki.protectCa", "true, false")


def test_pki_defaults() -> None:
    raw = with_value("pki", _DELETE)
    raw["rotation"]["leafCertificate"] = 30

    pki = parse_stack_config(raw).pki

    assert (pki.backend, pki.key_algorithm) == ("tls", "ECDSA-P256"), "pki defaults"
    assert pki.root_validity_days == 3650, "pki.rootValidityDays"
    assert pki.intermediate_validity_days == 365, "pki.intermediateValidityDays"
    assert pki.leaf_validity_days == 30, "pki.leafValidityDays"
    assert not pki.protect_ca, "pki.protectCa"


# services


def test_services_missing_rejected() -> None:
    raw = with_value("services", _DELETE)

    assert_rejected(raw, "services", "an object of service names")


def test_services_empty_rejected() -> None:
    raw = with_value("services", {})

    assert_rejected(raw, "services", "an object of service names")


@pytest.mark.parametrize(
    "name", ["Auth-service", "-auth", "auth-", "auth_service", "a" * 64]
)
def test_service_name_invalid_rejected(name: str) -> None:
    raw = raw_config()
    raw["services"][name] = raw["services"].pop("llm-service")

    assert_rejected(raw, f"services.{name}", "a DNS label")


def test_service_unknown_key_rejected() -> None:
    raw = with_value("services.llm-service.database", ["redis"])

    assert_rejected(raw, "services.llm-service.database", "databases, jwt, tls")


def test_service_database_unsupported_rejected() -> None:
    raw = with_value("services.llm-service.databases[0]", "mysql")

    assert_rejected(raw, "services.llm-service.databases[0]", "postgres, neo4j, redis")


def test_service_database_duplicate_rejected() -> None:
    raw = with_value("services.graph-analytics-service.databases", ["neo4j", "neo4j"])

    assert_rejected(raw, "services.graph-analytics-service.databases[1]")


def test_service_jwt_algorithm_unsupported_rejected() -> None:
    raw = with_value("services.auth-service.jwt.algorithm", "HS256")

    assert_rejected(
        raw, "services.auth-service.jwt.algorithm", "ES256, ES384, RS256, EdDSA"
    )


def test_service_jwt_algorithm_missing_rejected() -> None:
    raw = with_value("services.auth-service.jwt.algorithm", _DELETE)

    assert_rejected(
        raw, "services.auth-service.jwt.algorithm", "ES256, ES384, RS256, EdDSA"
    )


def test_service_jwt_refresh_token_secret_not_boolean_rejected() -> None:
    raw = with_value("services.auth-service.jwt.refreshTokenSecret", "yes")

    assert_rejected(raw, "services.auth-service.jwt.refreshTokenSecret", "true, false")


def test_service_jwt_unknown_key_rejected() -> None:
    raw = with_value("services.auth-service.jwt.keyId", "auth-1")

    assert_rejected(
        raw, "services.auth-service.jwt.keyId", "algorithm, refreshTokenSecret"
    )


def test_service_not_object_rejected() -> None:
    raw = with_value("services.llm-service", ["redis"])

    assert_rejected(raw, "services.llm-service", "an object with keys databases")


def test_service_without_settings_accepted() -> None:
    raw = with_value("services.billing-service", None, stack="local")

    billing = service(parse_stack_config(raw), "billing-service")

    assert billing.databases == (), "billing-service databases"
    assert billing.external == (), "billing-service external"


def test_service_tls_server_names_empty_rejected() -> None:
    raw = with_value("services.auth-service.tls.serverNames", [])

    assert_rejected(raw, "services.auth-service.tls.serverNames", "a list of")


def test_service_tls_server_names_empty_message() -> None:
    raw = with_value("services.auth-service.tls.serverNames", [])

    error = config_error(raw)
    assert str(error) == (
        f"{NAMESPACE}:services.auth-service.tls.serverNames: is missing or empty "
        "(allowed: a list of lowercase DNS names such as auth.dev.internal, each "
        "optionally starting with '*.')"
    ), f"serverNames: got {str(error)!r}"


def test_service_tls_server_names_not_list_message() -> None:
    raw = with_value("services.auth-service.tls.serverNames", "auth.dev.internal")

    error = config_error(raw)
    assert str(error) == (
        f"{NAMESPACE}:services.auth-service.tls.serverNames: must be a list, got "
        "'auth.dev.internal' (allowed: a list of lowercase DNS names such as "
        "auth.dev.internal, each optionally starting with '*.')"
    ), f"serverNames: got {str(error)!r}"


def test_api_tokens_not_list_message() -> None:
    raw = with_value("services.llm-service.apiTokens", "admin-token")

    assert_rejected(
        raw, "services.llm-service.apiTokens", "a list of kebab-case names: 1-63"
    )


def test_gcp_locations_not_list_message() -> None:
    raw = with_value("gcp.locations", "europe-west1", stack="prod")

    assert_rejected(raw, "gcp.locations", "a list of GCP regions such as")


@pytest.mark.parametrize("value", ["Auth.dev.internal", "auth..internal", "-auth"])
def test_service_tls_server_name_invalid_rejected(value: str) -> None:
    raw = with_value("services.auth-service.tls.serverNames", [value])

    assert_rejected(raw, "services.auth-service.tls.serverNames[0]", "a lowercase DNS")


def test_service_tls_client_not_boolean_rejected() -> None:
    raw = with_value("services.auth-service.tls.client", "mtls")

    assert_rejected(raw, "services.auth-service.tls.client", "true, false")


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("services.graph-analytics-service.apiTokens", "Analytics"),
        ("services.llm-service.transitKeys", "cache_encryption"),
        ("services.llm-service.external", "openrouter-"),
    ],
)
def test_service_name_list_not_kebab_case_rejected(path: str, value: str) -> None:
    raw = with_value(f"{path}[0]", value)

    assert_rejected(raw, f"{path}[0]", "kebab-case")


@pytest.mark.parametrize(
    "path", ["services.llm-service.transitKeys", "services.llm-service.external"]
)
def test_service_name_list_duplicate_rejected(path: str) -> None:
    raw = raw_config()
    names = raw["services"]["llm-service"][path.rsplit(".", 1)[1]]
    names.append(names[0])

    error = assert_rejected(raw, f"{path}[{len(names) - 1}]", "each value once")
    assert "listed twice" in str(error), path


@pytest.mark.parametrize("mirror", ["aws", "gcp"])
def test_service_identity_missing_for_mirror_rejected(mirror: str) -> None:
    raw = with_value(f"services.llm-service.identities.{mirror}", _DELETE)

    error = assert_rejected(raw, f"services.llm-service.identities.{mirror}")
    assert f"mirrors selects {mirror}" in str(error), mirror


def test_service_identity_azure_missing_rejected() -> None:
    raw = with_value("services.llm-service.identities.azure", _DELETE, stack="prod")

    assert_rejected(raw, "services.llm-service.identities.azure", "a UUID")


@pytest.mark.parametrize(
    ("mirror", "value", "allowed"),
    [
        ("aws", "arn:aws:iam::1111:role/llm-service", "an IAM role ARN"),
        ("azure", "llm-service", "a UUID"),
        ("gcp", "llm-service@example.com", "a service account email"),
    ],
)
def test_service_identity_invalid_rejected(
    mirror: str, value: str, allowed: str
) -> None:
    raw = with_value(f"services.llm-service.identities.{mirror}", value, stack="prod")

    assert_rejected(raw, f"services.llm-service.identities.{mirror}", allowed)


def test_service_identity_unknown_cloud_rejected() -> None:
    raw = with_value("services.llm-service.identities.oci", "llm-service")

    assert_rejected(raw, "services.llm-service.identities.oci", "aws, azure, gcp")


def test_service_identity_of_unselected_mirror_dropped() -> None:
    raw = with_value(
        "services.llm-service.identities.azure", "44444444-4444-4444-4444-444444444444"
    )

    identities = service(parse_stack_config(raw), "llm-service").identities

    assert identities.azure is None, "llm-service identities.azure"


def test_service_ci_claims_default_from_owner() -> None:
    config = parse_stack_config(raw_config("dev"))

    claims = service(config, "llm-service").ci_bound_claims

    assert claims == (("repository", "example-org/llm-service"),), "ciClaims"


def test_service_ci_claims_explicit_sorted() -> None:
    config = parse_stack_config(raw_config("prod"))

    claims = service(config, "auth-service").ci_bound_claims

    expected = (("ref", "refs/heads/main"), ("repository", "example-org/auth-service"))
    assert claims == expected, "auth-service ciClaims"


def test_service_ci_claims_missing_without_owner_rejected() -> None:
    raw = with_value("vault.jwt.repositoryOwner", _DELETE)

    error = assert_rejected(raw, "services.auth-service.ciClaims", "an object of")
    assert "vault.jwt.repositoryOwner" in str(error), "auth-service ciClaims"


def test_service_ci_claims_missing_message() -> None:
    raw = with_value("vault.jwt.repositoryOwner", _DELETE)

    error = config_error(raw)
    assert str(error) == (
        f"{NAMESPACE}:services.auth-service.ciClaims: is missing, and "
        "vault.jwt.repositoryOwner is not set to derive it. A CI role without "
        "bound claims would accept any token for the audience (allowed: an "
        "object of claim names to values, e.g. {repository: owner/auth-service})"
    ), f"ciClaims: got {str(error)!r}"


def test_service_ci_claims_empty_rejected() -> None:
    raw = with_value("services.llm-service.ciClaims", {})

    assert_rejected(raw, "services.llm-service.ciClaims", "an object of claim names")


def test_service_ci_claim_name_invalid_rejected() -> None:
    raw = with_value("services.llm-service.ciClaims", {"job workflow": "deploy"})

    assert_rejected(raw, "services.llm-service.ciClaims.job workflow", "a claim name")


@pytest.mark.parametrize("value", ["", " main", 7])
def test_service_ci_claim_value_invalid_rejected(value: Any) -> None:
    raw = with_value("services.llm-service.ciClaims", {"ref": value})

    assert_rejected(raw, "services.llm-service.ciClaims.ref", "a non-empty string")


def test_service_ci_claims_dropped_without_ci_issuer() -> None:
    raw = with_value("vault.jwt", _DELETE, stack="prod")

    claims = service(parse_stack_config(raw), "auth-service").ci_bound_claims

    assert claims == (), "auth-service ciClaims without vault.jwt"


# External secrets


def external_values(config: StackConfig) -> dict[str, dict[str, str]]:
    """Return a generated value for every external name the stack declares."""
    return {
        entry.name: {name: secrets.token_urlsafe(24) for name in entry.external}
        for entry in config.services
    }


def external_error(raw_external: Any, config: StackConfig) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_external_secrets(raw_external, config)
    return caught.value


def test_external_secrets_returned_per_service() -> None:
    config = parse_stack_config(raw_config())
    values = external_values(config)

    external = parse_external_secrets(values, config)

    assert external == values, "external values"


def test_external_secret_missing_rejected() -> None:
    config = parse_stack_config(raw_config())
    values = external_values(config)
    del values["llm-service"]["deepseek-api-key"]

    error = external_error(values, config)

    assert error.key == "external.llm-service.deepseek-api-key", str(error)
    command = (
        "pulumi config set --secret --path "
        "'secrets-platform:external.llm-service.deepseek-api-key'"
    )
    assert command in str(error), "external.llm-service.deepseek-api-key"


def test_external_secrets_absent_rejected() -> None:
    config = parse_stack_config(raw_config())

    error = external_error(None, config)

    assert error.key == "external.auth-service.oauth-google-client-secret", str(error)


def test_external_secret_undeclared_rejected() -> None:
    config = parse_stack_config(raw_config())
    values = external_values(config)
    values["llm-service"]["mistral-api-key"] = secrets.token_urlsafe(24)

    error = external_error(values, config)

    assert error.key == "external.llm-service.mistral-api-key", str(error)
    assert error.allowed == "openrouter-api-key, deepseek-api-key, anthropic-api-key"


def test_external_secret_unknown_service_rejected() -> None:
    config = parse_stack_config(raw_config())
    values = external_values(config)
    values["billing-service"] = {"stripe-key": secrets.token_urlsafe(24)}

    error = external_error(values, config)

    assert error.key == "external.billing-service", str(error)
    assert error.allowed == ", ".join(SERVICES), "external service names"


@pytest.mark.parametrize("wrap", [lambda value: {"nested": value}, lambda _: ""])
def test_external_secret_not_string_rejected(wrap: Any) -> None:
    config = parse_stack_config(raw_config())
    values: dict[str, dict[str, Any]] = dict(external_values(config))
    hidden = values["llm-service"]["openrouter-api-key"]
    values["llm-service"]["openrouter-api-key"] = wrap(hidden)

    error = external_error(values, config)

    assert error.key == "external.llm-service.openrouter-api-key", str(error)
    assert hidden not in str(error), "external value leaked into the message"


def test_external_secrets_not_object_rejected() -> None:
    config = parse_stack_config(raw_config())
    hidden = secrets.token_urlsafe(24)

    error = external_error(hidden, config)

    assert error.key == "external", str(error)
    assert hidden not in str(error), "external value leaked into the message"


def test_external_secrets_empty_for_service_without_names() -> None:
    raw = with_value("services.llm-service.external", _DELETE)
    config = parse_stack_config(raw)
    values = external_values(config)

    external = parse_external_secrets(values, config)

    assert external["llm-service"] == {}, "llm-service external"


def test_plain_external_values_found() -> None:
    raw = raw_config()
    raw["external"] = {
        "llm-service": {
            "openrouter-api-key": {"secure": secrets.token_hex(16)},
            "deepseek-api-key": secrets.token_urlsafe(24),
        }
    }

    plain = find_plain_external_values(raw)

    assert plain == ["external.llm-service.deepseek-api-key"], "plain external keys"


def test_plain_external_values_none_in_shipped_stacks() -> None:
    for stack in STACKS:
        assert find_plain_external_values(raw_config(stack)) == [], stack


# Loading from the Pulumi runtime


def runtime_config(raw: dict[str, Any]) -> dict[str, str]:
    """Encode keys as the engine hands them over: strings raw, the rest as JSON."""
    return {
        f"{NAMESPACE}:{key}": value if isinstance(value, str) else json.dumps(value)
        for key, value in raw.items()
    }


@pytest.fixture
def runtime() -> Iterator[None]:
    yield
    pulumi.runtime.set_all_config({}, [])


@pytest.mark.usefixtures("runtime")
@pytest.mark.parametrize("stack", STACKS)
def test_load_stack_config_matches_file(stack: str) -> None:
    pulumi.runtime.set_all_config(runtime_config(raw_config(stack)))

    loaded = load_stack_config()

    assert loaded == parse_stack_config(raw_config(stack)), f"{stack} loaded config"


@pytest.mark.usefixtures("runtime")
def test_load_stack_config_unknown_key_rejected() -> None:
    values = runtime_config(raw_config())
    values[f"{NAMESPACE}:mirror"] = "[]"
    pulumi.runtime.set_all_config(values)

    with pytest.raises(ConfigError) as caught:
        load_stack_config()

    assert caught.value.key == "mirror", str(caught.value)
    assert caught.value.allowed == ", ".join(TOP_LEVEL_KEYS), "top-level keys"


@pytest.mark.usefixtures("runtime")
def test_load_stack_config_ignores_other_namespaces() -> None:
    values = runtime_config(raw_config())
    values["aws:region"] = "eu-west-1"
    pulumi.runtime.set_all_config(values)

    assert load_stack_config().environment == "dev", "dev loaded config"


@pytest.mark.usefixtures("runtime")
def test_load_external_secrets_returns_secret_outputs() -> None:
    raw = raw_config()
    config = parse_stack_config(raw)
    raw["external"] = external_values(config)
    external_key = f"{NAMESPACE}:external"
    pulumi.runtime.set_all_config(runtime_config(raw), [external_key])

    async def read_openrouter_key() -> tuple[bool, str]:
        output = load_external_secrets(config)["llm-service"]["openrouter-api-key"]
        return await output.is_secret(), await output.future() or ""

    # A private loop, because asyncio.run would leave the thread without one.
    loop = asyncio.new_event_loop()
    try:
        is_secret, value = loop.run_until_complete(read_openrouter_key())
    finally:
        loop.close()

    assert is_secret, "external.llm-service.openrouter-api-key is not secret"
    assert value == raw["external"]["llm-service"]["openrouter-api-key"], "value"


@pytest.mark.usefixtures("runtime")
def test_load_external_secrets_invalid_json_rejected() -> None:
    config = parse_stack_config(raw_config())
    hidden = secrets.token_urlsafe(24)
    external_key = f"{NAMESPACE}:external"
    pulumi.runtime.set_all_config({external_key: "{" + hidden}, [external_key])

    with pytest.raises(ConfigError) as caught:
        load_external_secrets(config)

    assert caught.value.key == "external", str(caught.value)
    assert hidden not in str(caught.value), "external value leaked into the message"


@pytest.mark.usefixtures("runtime")
def test_load_external_secrets_invalid_json_names_command() -> None:
    config = parse_stack_config(raw_config())
    external_key = f"{NAMESPACE}:external"
    pulumi.runtime.set_all_config({external_key: "{"}, [external_key])

    with pytest.raises(ConfigError) as caught:
        load_external_secrets(config)

    assert str(caught.value).endswith(
        f"--path '{NAMESPACE}:external.<service>.<name>'"
    ), f"external: got {str(caught.value)!r}"
