"""Reject, before the server starts, a stack the local apply cannot apply."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.local.vault_auth_roles import LOCAL_HOSTS
from harness.stack_files import load_project, load_stack_config

OPENBAO_FLAVOR = "openbao"
VAULT_FLAVOR = "vault"


class StackNotSupported(Exception):
    """The stack needs something a local OpenBao dev server cannot provide."""


def check_stack_supported(
    stack: str, config_overrides: Mapping[str, Any] | None, project_dir: Path
) -> None:
    """Raise `StackNotSupported` for a stack the local server cannot take.

    Such a stack sets `vault.flavor: vault`, whose audit device OpenBao
    rejects through the API, or has a JWT backend whose keys OpenBao would
    fetch from a host other than 127.0.0.1 or localhost.
    """
    project = load_project(project_dir)
    values = load_stack_config(project, stack, config_overrides).values
    vault = values.get(f"{project.name}:vault")
    if not isinstance(vault, dict):
        return

    if vault.get("flavor") == VAULT_FLAVOR:
        raise StackNotSupported(
            f"stack '{stack}' sets vault.flavor: {VAULT_FLAVOR}, but the local "
            "server is OpenBao, which rejects audit devices created through the "
            f"API; apply a stack with vault.flavor: {OPENBAO_FLAVOR}, such as 'local'"
        )
    _check_jwt_keys_local(stack, vault.get("jwt"))


def _check_jwt_keys_local(stack: str, jwt: Any) -> None:
    url = _fetched_key_url(jwt)
    if url is None or urlsplit(url).hostname in LOCAL_HOSTS:
        return
    raise StackNotSupported(
        f"stack '{stack}': the JWT backend (vault.jwt) gets its keys from {url}, "
        "which OpenBao would fetch, and the local apply reaches only 127.0.0.1; "
        "set vault.jwt.generateLocalKey: true or vault.jwt.validationPublicKeys"
    )


def _fetched_key_url(jwt: Any) -> str | None:
    """Return the URL the JWT backend would fetch its keys from, if any.

    Mirrors the config rule: with no key source set, the keys are discovered
    at the issuer.
    """
    if not isinstance(jwt, dict):
        return None
    if jwt.get("oidcDiscoveryUrl"):
        return str(jwt["oidcDiscoveryUrl"])
    if jwt.get("generateLocalKey") or jwt.get("validationPublicKeys"):
        return None
    issuer = jwt.get("issuer")
    return str(issuer) if issuer else None
