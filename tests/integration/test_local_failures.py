"""Failures the local apply must catch or report clearly, on live servers."""

from __future__ import annotations

import socket

import pytest

from harness.local import server as server_module
from harness.local.apply import ApplyFailed, apply_stack
from harness.local.checks import (
    APPROLE_ROLE,
    JWT_ROLE,
    CheckResult,
    owner_of,
    service_names,
)
from harness.local.server import DevServer, ServerError, is_port_free
from harness.local.vault_api import VaultApi
from harness.local.verify_access import (
    check_kv_access,
    kv_secret_paths,
    service_logins,
)
from harness.local.verify_ci import check_ci_identity
from harness.local.verify_drift import check_drift
from tests.integration.conftest import AppliedStack

pytestmark = pytest.mark.integration

POLICY_PATH = "sys/policies/acl/{name}"


def _policy(root: VaultApi, name: str) -> str:
    return root.request("GET", POLICY_PATH.format(name=name))["data"]["policy"]


def _write_policy(root: VaultApi, name: str, policy: str) -> None:
    root.request("PUT", POLICY_PATH.format(name=name), {"policy": policy})


def _access_results(stack: AppliedStack) -> list[CheckResult]:
    applied = stack.applied.mocks.applied
    services = service_names(applied)
    logins, failures = service_logins(stack.applied.root, applied)
    assert not failures, f"AppRole logins failed: {failures}"
    return check_kv_access(logins, kv_secret_paths(applied, services), services)


def test_access_catches_policy_granting_other_service(
    tls_pki_stack: AppliedStack,
) -> None:
    root = tls_pki_stack.applied.root
    services = service_names(tls_pki_stack.applied.mocks.applied)
    service, other = services[0], services[1]
    original = _policy(root, service)
    widened = (
        original + f'\npath "{other}/kv/data/*" {{\n  capabilities = ["read"]\n}}\n'
    )

    _write_policy(root, service, widened)
    try:
        results = _access_results(tls_pki_stack)
    finally:
        _write_policy(root, service, original)

    failing = [result for result in results if not result.passed]
    assert len(failing) == 1, f"expected one failed access check, got {failing}"
    assert failing[0].service == service, "the widened service's check fails"
    assert other in failing[0].subject, "the failed check names the other service"


def test_drift_catches_changed_approle_role(tls_pki_stack: AppliedStack) -> None:
    mocks = tls_pki_stack.applied.mocks
    root = tls_pki_stack.applied.root
    role = mocks.of_type(APPROLE_ROLE)[0]
    role_path = role.outputs["id"]
    declared = root.request("GET", role_path)["data"]["token_policies"]

    root.request("POST", role_path, {"token_policies": ["default"]})
    try:
        results = check_drift(root, [role], service_names(mocks.applied))
    finally:
        root.request("POST", role_path, {"token_policies": declared})

    assert [result.passed for result in results] == [False], "drift not detected"
    assert "token_policies" in results[0].detail, "detail names the changed field"


def test_api_error_names_resource_and_path() -> None:
    with DevServer() as server:
        root = VaultApi(server.address, server.root_token)
        root.request("POST", "sys/mounts/transit", {"type": "kv"})

        with pytest.raises(ApplyFailed) as raised:
            apply_stack(server, "local")

    message = str(raised.value)
    assert "platform-vault-transit" in message, f"resource missing: {message}"
    assert "sys/mounts/transit" in message, f"API path missing: {message}"


def test_server_rejects_port_in_use() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]

        with (
            pytest.raises(ServerError, match=f"port {port} .* already in use"),
            DevServer(port=port),
        ):
            pass


def test_server_rejects_taken_cluster_port() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1] - 1

        with (
            pytest.raises(ServerError, match=f"port {port + 1} .* already in use"),
            DevServer(port=port),
        ):
            pass


def test_server_reports_port_held_by_other_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with DevServer() as first:
        port = int(first.address.rsplit(":", 1)[1])
        # Both runs passed the free-port check before either server listened.
        monkeypatch.setattr(server_module, "port_problem", lambda _port: None)
        second = DevServer(port=port)

        with pytest.raises(ServerError, match=f"port {port} .*in use"), second:
            pass

    assert second.info is not None, "second server never launched"
    assert not second.info.workdir.exists(), "second server's directory left"


def test_find_bao_binary_without_path_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PATH", raising=False)

    assert server_module.find_bao_binary().endswith("bao"), "venv binary not found"


def test_server_reports_missing_binary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_module.shutil, "which", lambda *_, **__: None)

    with pytest.raises(ServerError, match="'bao' not found"), DevServer():
        pass


def test_server_stops_on_exit() -> None:
    server = DevServer()
    with server as info:
        port = int(info.address.rsplit(":", 1)[1])
        workdir = info.workdir
        assert not is_port_free(port), "server is not listening while running"

    assert is_port_free(port), f"port {port} still in use after the server stopped"
    assert not workdir.exists(), f"{workdir} left behind"


def test_server_exit_during_start_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        server_module, "audit_config_hcl", lambda _path: "this is not HCL {"
    )

    with pytest.raises(ServerError, match="exited with code"), DevServer():
        pass


def test_ci_check_catches_unbound_claims(tls_pki_stack: AppliedStack) -> None:
    mocks = tls_pki_stack.applied.mocks
    root = tls_pki_stack.applied.root
    services = service_names(mocks.applied)
    role = mocks.of_type(JWT_ROLE)[0]
    role_path = role.outputs["id"]
    declared = root.request("GET", role_path)["data"]["bound_claims"]

    root.request("POST", role_path, {"role_type": "jwt", "bound_claims": {}})
    try:
        results = check_ci_identity(
            root, mocks.applied, kv_secret_paths(mocks.applied, services), services
        )
    finally:
        root.request("POST", role_path, {"role_type": "jwt", "bound_claims": declared})

    failing = [result for result in results if not result.passed]
    assert len(failing) == 1, f"expected one failed CI check, got {failing}"
    assert "bound claims" in failing[0].subject, "the bound-claims check fails"
    assert failing[0].service == owner_of(role.name, services), "owner named"
