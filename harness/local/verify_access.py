"""Access checks: each service's AppRole reaches its own secrets and no others.

For every service the check reads the AppRole role id, creates a fresh
secret id, logs in, reads each of its own KV secrets (allowed) and each
secret of every other service (denied with 403). A service pair counts once:
`n` allowed checks and `n(n-1)` denied checks for `n` services.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

import hvac.exceptions
import requests

from harness.local.checks import (
    APPROLE_ROLE,
    KV_SECRET,
    TRANSIT_KEY,
    CheckResult,
    owner_of,
)
from harness.local.vault_api import VaultApi
from harness.local.vault_apply import AppliedResource


@dataclass(frozen=True)
class KvSecretPath:
    """A declared KV v2 secret and the service that owns it."""

    owner: str
    resource: str
    api_path: str


class AccessError(Exception):
    """A service could not log in, so its access cannot be checked."""


def kv_secret_paths(
    applied: list[AppliedResource], services: list[str]
) -> list[KvSecretPath]:
    """Return every declared KV v2 secret with its owner."""
    return [
        KvSecretPath(owner_of(record.name, services), record.name, record.outputs["id"])
        for record in applied
        if record.type == KV_SECRET
    ]


def approle_login(root: VaultApi, role: AppliedResource) -> VaultApi:
    """Log in through an AppRole role with a fresh secret id; return its API."""
    backend = role.inputs.get("backend") or "approle"
    role_path = f"auth/{backend}/role/{role.inputs['roleName']}"
    try:
        role_id = root.request("GET", f"{role_path}/role-id")["data"]["role_id"]
        secret_id = root.request("POST", f"{role_path}/secret-id")["data"]["secret_id"]
        login = root.request(
            "POST",
            f"auth/{backend}/login",
            {"role_id": role_id, "secret_id": secret_id},
        )
    except (hvac.exceptions.VaultError, requests.RequestException, KeyError) as error:
        raise AccessError(
            f"AppRole login for '{role_path}' failed ({type(error).__name__})"
        ) from None
    return VaultApi(root.address, login["auth"]["client_token"])


def service_logins(
    root: VaultApi, applied: list[AppliedResource]
) -> tuple[dict[str, VaultApi], list[CheckResult]]:
    """Log each service in through its AppRole; failures become check results."""
    logins: dict[str, VaultApi] = {}
    failures = []
    for role in (record for record in applied if record.type == APPROLE_ROLE):
        service = str(role.inputs["roleName"])
        try:
            logins[service] = approle_login(root, role)
        except AccessError as error:
            failures.append(
                CheckResult("access", service, "AppRole login", False, str(error))
            )
    return logins, failures


def check_kv_access(
    logins: dict[str, VaultApi],
    secret_paths: list[KvSecretPath],
    services: list[str],
    method: str = "AppRole",
) -> list[CheckResult]:
    """Check that each login reads its own secrets and is denied the rest."""
    results = []
    for service, api in logins.items():
        results.append(_own_secrets_check(service, api, secret_paths, method))
        for other in services:
            if other != service:
                results.append(_denied_check(service, other, api, secret_paths, method))
    return results


def _own_secrets_check(
    service: str, api: VaultApi, secret_paths: list[KvSecretPath], method: str
) -> CheckResult:
    own = [path for path in secret_paths if path.owner == service]
    unreadable = [
        path.resource for path in own if read_status(api, path.api_path) != 200
    ]
    subject = f"{method} reads its own {len(own)} secrets"
    detail = f"cannot read {', '.join(unreadable)}" if unreadable else ""
    passed = bool(own) and not unreadable
    if not own:
        detail = "the service has no KV secrets to read"
    return CheckResult("access", service, subject, passed, detail)


def _denied_check(
    service: str,
    other: str,
    api: VaultApi,
    secret_paths: list[KvSecretPath],
    method: str,
) -> CheckResult:
    theirs = [path for path in secret_paths if path.owner == other]
    reachable = [
        path.resource for path in theirs if read_status(api, path.api_path) != 403
    ]
    subject = f"{method} denied {other}'s {len(theirs)} secrets"
    detail = f"policy grants access to {', '.join(reachable)}" if reachable else ""
    return CheckResult("access", service, subject, not reachable, detail)


def read_status(api: VaultApi, api_path: str) -> int:
    """Return the HTTP status of a GET on `api_path` (200, 403, 404, ...)."""
    try:
        api.request("GET", api_path)
    except hvac.exceptions.Forbidden:
        return 403
    except hvac.exceptions.InvalidPath:
        return 404
    except hvac.exceptions.VaultError as error:
        return int(getattr(error, "status_code", 0) or 500)
    return 200


def check_transit(
    logins: dict[str, VaultApi],
    applied: list[AppliedResource],
    services: list[str],
) -> list[CheckResult]:
    """Round-trip a random plaintext through each transit key with its owner's login."""
    results = []
    for key in (record for record in applied if record.type == TRANSIT_KEY):
        owner = owner_of(key.name, services)
        api = logins.get(owner)
        subject = f"transit {key.outputs['id']} encrypt/decrypt"
        if api is None:
            detail = "no AppRole login for the owning service"
            results.append(CheckResult("transit", owner, subject, False, detail))
            continue
        passed, detail = _round_trip(api, key)
        results.append(CheckResult("transit", owner, subject, passed, detail))
    return results


def _round_trip(api: VaultApi, key: AppliedResource) -> tuple[bool, str]:
    backend = str(key.inputs["backend"]).strip("/")
    name = key.inputs["name"]
    plaintext = base64.b64encode(secrets.token_bytes(32)).decode()
    try:
        encrypted = api.request(
            "POST", f"{backend}/encrypt/{name}", {"plaintext": plaintext}
        )
        ciphertext = encrypted["data"]["ciphertext"]
        decrypted = api.request(
            "POST", f"{backend}/decrypt/{name}", {"ciphertext": ciphertext}
        )
    except (hvac.exceptions.VaultError, requests.RequestException, KeyError) as error:
        return False, f"request failed ({type(error).__name__})"
    if decrypted.get("data", {}).get("plaintext") != plaintext:
        return False, "decrypted text differs from the plaintext"
    return True, ""
