"""Check results and the service each applied resource belongs to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from harness.local.vault_apply import AppliedResource

PLATFORM = "platform"
APPROLE_ROLE = "vault:appRole/authBackendRole:AuthBackendRole"
JWT_BACKEND = "vault:jwt/authBackend:AuthBackend"
JWT_ROLE = "vault:jwt/authBackendRole:AuthBackendRole"
KV_SECRET = "vault:kv/secretV2:SecretV2"
TRANSIT_KEY = "vault:transit/secretBackendKey:SecretBackendKey"

CheckKind = Literal["drift", "access", "chain", "transit", "ci"]


@dataclass(frozen=True)
class CheckResult:
    """One verification step: its kind, the service, the subject and the outcome.

    `detail` describes what was wrong and never contains a secret value.
    """

    kind: CheckKind
    service: str
    subject: str
    passed: bool
    detail: str = ""


def service_names(applied: Iterable[AppliedResource]) -> list[str]:
    """Return the services, one per AppRole role, in registration order."""
    return [
        str(record.inputs.get("roleName"))
        for record in applied
        if record.type == APPROLE_ROLE
    ]


def owner_of(resource_name: str, services: Iterable[str]) -> str:
    """Return the service whose name prefixes `resource_name`, else `platform`.

    Children are named `<service>-<role>`; the longest match wins so that a
    service called `llm` does not claim `llm-service-kv`.
    """
    matches = [
        service
        for service in services
        if resource_name == service or resource_name.startswith(f"{service}-")
    ]
    return max(matches, key=len) if matches else PLATFORM


def failed(results: Iterable[CheckResult]) -> list[CheckResult]:
    """Return the checks that did not hold."""
    return [result for result in results if not result.passed]
