"""Validate the whole namespace into a `StackConfig`, one section at a time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stack_config.keys import TOP_LEVEL_KEYS
from stack_config.mirrors import _parse_aws, _parse_azure, _parse_gcp, _parse_mirrors
from stack_config.model import ConfigError, JwtIssuer, StackConfig
from stack_config.pki import _parse_pki, _parse_rotation
from stack_config.reader import _ConfigObject
from stack_config.rules import ENVIRONMENT_RULE
from stack_config.services import _parse_services
from stack_config.vault import _parse_vault


def parse_stack_config(raw: Mapping[str, Any]) -> StackConfig:
    """Validate the namespace's keys (without the `secrets-platform:` prefix).

    `raw` maps each key to its decoded YAML or JSON value, as `read_stack_file`
    returns them. The `external` key is accepted and left to
    `load_external_secrets`. Raises `ConfigError` on the first bad value.
    """
    root = _ConfigObject("", raw, TOP_LEVEL_KEYS)
    environment = root.text("environment", ENVIRONMENT_RULE)
    vault = _parse_vault(root)
    mirrors = _parse_mirrors(root)
    pki = _parse_pki(root)
    protect_data = root.flag("protectData", default=False)
    _check_local_key_unprotected(vault.jwt, protect_data)
    return StackConfig(
        environment=environment,
        vault=vault,
        mirrors=mirrors,
        aws=_parse_aws(root, mirrors),
        azure=_parse_azure(root, mirrors),
        gcp=_parse_gcp(root, mirrors),
        rotation=_parse_rotation(root, pki),
        pki=pki,
        services=_parse_services(root, mirrors, vault.jwt),
        protect_data=protect_data,
    )


def _check_local_key_unprotected(
    ci_issuer: JwtIssuer | None, protect_data: bool
) -> None:
    """Reject a generated CI key in a stack that protects its data.

    The private half of a generated key is kept in the stack state, so anyone
    who can read the state could sign CI tokens for every service.
    """
    if ci_issuer is not None and ci_issuer.generate_local_key and protect_data:
        raise ConfigError(
            "vault.jwt.generateLocalKey",
            "is true in a stack with protectData: true, and a generated key's "
            "private half would sit in the stack state",
            "false, with oidcDiscoveryUrl, validationPublicKeys or the issuer's "
            "discovery",
        )
