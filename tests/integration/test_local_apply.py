"""The local stack applied to a live OpenBao server, checked end to end."""

from __future__ import annotations

import pytest

from harness.local.checks import KV_SECRET, CheckResult, service_names
from harness.local.verify_access import read_status
from tests.integration.conftest import AppliedStack

pytestmark = pytest.mark.integration


def _of_kind(stack: AppliedStack, kind: str) -> list[CheckResult]:
    return [result for result in stack.results if result.kind == kind]


def _describe(result: CheckResult) -> str:
    return f"{result.kind} [{result.service}] {result.subject}: {result.detail}"


def test_apply_creates_every_kv_secret(vault_pki_stack: AppliedStack) -> None:
    root = vault_pki_stack.applied.root
    secrets = vault_pki_stack.applied.mocks.of_type(KV_SECRET)

    assert secrets, "the local stack declares no KV secret"
    for record in secrets:
        status = read_status(root, record.outputs["id"])
        assert status == 200, f"{record.name}: {record.outputs['id']} returned {status}"


def test_apply_leaves_no_cloud_resource(vault_pki_stack: AppliedStack) -> None:
    mocks = vault_pki_stack.applied.mocks

    assert mocks.count("cloud") == 0, "local stack mirrors nothing (mirrors: [])"
    assert mocks.count("skipped") == 0, "every registered type has a local applier"


def test_drift_none_after_apply(vault_pki_stack: AppliedStack) -> None:
    drift = _of_kind(vault_pki_stack, "drift")

    assert len(drift) > 10, "drift check read back too few objects"
    for result in drift:
        assert result.passed, _describe(result)


def test_access_own_secrets_allowed(vault_pki_stack: AppliedStack) -> None:
    services = service_names(vault_pki_stack.applied.mocks.applied)
    allowed = [
        result
        for result in _of_kind(vault_pki_stack, "access")
        if "reads its own" in result.subject
    ]

    assert len(allowed) == len(services), "one allowed check per service"
    for result in allowed:
        assert result.passed, _describe(result)


def test_access_other_services_denied(vault_pki_stack: AppliedStack) -> None:
    services = service_names(vault_pki_stack.applied.mocks.applied)
    denied = [
        result
        for result in _of_kind(vault_pki_stack, "access")
        if "denied" in result.subject
    ]

    assert len(denied) == len(services) * (len(services) - 1), "n(n-1) denied checks"
    for result in denied:
        assert result.passed, _describe(result)


def test_transit_round_trip(vault_pki_stack: AppliedStack) -> None:
    transit = _of_kind(vault_pki_stack, "transit")

    assert transit, "the local stack declares a transit key (llm-service)"
    for result in transit:
        assert result.passed, _describe(result)


def test_ci_identity_logs_in_per_service(vault_pki_stack: AppliedStack) -> None:
    services = service_names(vault_pki_stack.applied.mocks.applied)
    ci = _of_kind(vault_pki_stack, "ci")
    logins = [result for result in ci if result.subject == "CI login"]

    assert len(logins) == len(services), "one CI login per service"
    for result in ci:
        assert result.passed, _describe(result)


def test_chain_vault_backend_verifies(vault_pki_stack: AppliedStack) -> None:
    chains = _of_kind(vault_pki_stack, "chain")

    assert chains, "the local stack issues leaf certificates (auth-service)"
    for result in chains:
        assert result.passed, _describe(result)


def test_chain_tls_backend_verifies(tls_pki_stack: AppliedStack) -> None:
    chains = _of_kind(tls_pki_stack, "chain")

    assert chains, "the tls variant issues leaf certificates (auth-service)"
    for result in chains:
        assert result.passed, _describe(result)


def test_tls_backend_all_checks_hold(tls_pki_stack: AppliedStack) -> None:
    for result in tls_pki_stack.results:
        assert result.passed, _describe(result)


def test_tls_backend_uses_no_vault_pki(tls_pki_stack: AppliedStack) -> None:
    types = {record.type for record in tls_pki_stack.applied.mocks.applied}

    assert not any(token.startswith("vault:pkiSecret/") for token in types), (
        "pki.backend: tls must not declare Vault PKI resources"
    )
    assert "tls:index/locallySignedCert:LocallySignedCert" in types


def test_shared_kv_layout_all_checks_hold(shared_kv_stack: AppliedStack) -> None:
    access = _of_kind(shared_kv_stack, "access")

    assert access, "the shared layout ran no access check"
    for result in shared_kv_stack.results:
        assert result.passed, _describe(result)
