"""All checks of the local apply, run after the program finished applying."""

from __future__ import annotations

import hvac.exceptions
import requests

from harness.local.checks import PLATFORM, CheckResult, service_names
from harness.local.vault_api import VaultApi
from harness.local.vault_apply import LocalApplyMocks
from harness.local.verify_access import (
    check_kv_access,
    check_transit,
    kv_secret_paths,
    service_logins,
)
from harness.local.verify_chain import ValidityDays, check_chains
from harness.local.verify_ci import check_ci_identity
from harness.local.verify_drift import check_drift


def verify_apply(
    root: VaultApi, mocks: LocalApplyMocks, config_days: ValidityDays
) -> list[CheckResult]:
    """Run the drift, access, transit, CI identity and chain checks."""
    applied = mocks.applied
    services = service_names(applied)
    secret_paths = kv_secret_paths(applied, services)

    results = check_drift(root, applied, services)
    results.append(check_audit_device(root))

    logins, login_failures = service_logins(root, applied)
    results += login_failures
    results += check_kv_access(logins, secret_paths, services)
    results += check_transit(logins, applied, services)
    results += check_ci_identity(root, applied, secret_paths, services)
    results += check_chains(applied, services, config_days)
    return results


def check_audit_device(root: VaultApi) -> CheckResult:
    """Check that the server has at least one audit device enabled."""
    subject = "audit device enabled (sys/audit)"
    try:
        devices = root.request("GET", "sys/audit").get("data") or {}
    except (hvac.exceptions.VaultError, requests.RequestException) as error:
        detail = f"listing failed ({type(error).__name__})"
        return CheckResult("drift", PLATFORM, subject, False, detail)
    detail = "" if devices else "no audit device is enabled"
    return CheckResult("drift", PLATFORM, subject, bool(devices), detail)
