"""Stacks and resources the local apply rejects before any request to OpenBao."""

from __future__ import annotations

import re

import pytest
from pulumi.runtime import MockResourceArgs

from harness.local.apply import stack_section
from harness.local.server import find_free_port
from harness.local.stack_support import StackNotSupported, check_stack_supported
from harness.local.vault_apply import LocalApplyMocks, ResourceFailure
from harness.program import REPOSITORY_ROOT

JWT_BACKEND = "vault:jwt/authBackend:AuthBackend"
REMOTE_URL = "https://ci.example.com/.well-known"


def _jwt_override(**jwt: object) -> dict[str, object]:
    vault = stack_section("local", "vault")
    vault["jwt"] = {"issuer": REMOTE_URL, "audience": "local-audience", **jwt}
    return {"vault": vault}


def _unreachable_mocks() -> LocalApplyMocks:
    """Return mocks aimed at a closed 127.0.0.1 port, so any request fails."""
    return LocalApplyMocks(f"http://127.0.0.1:{find_free_port()}", "unused-token")


def test_stack_support_rejects_vault_flavor() -> None:
    with pytest.raises(StackNotSupported, match=re.escape("vault.flavor: vault")):
        check_stack_supported("dev", None, REPOSITORY_ROOT)


def test_stack_support_rejects_issuer_discovery() -> None:
    with pytest.raises(StackNotSupported, match=re.escape(REMOTE_URL)):
        check_stack_supported("local", _jwt_override(), REPOSITORY_ROOT)


def test_stack_support_rejects_remote_discovery_url() -> None:
    override = _jwt_override(oidcDiscoveryUrl="https://keys.example.com")

    with pytest.raises(StackNotSupported, match=re.escape("keys.example.com")):
        check_stack_supported("local", override, REPOSITORY_ROOT)


def test_stack_support_accepts_local_stack() -> None:
    check_stack_supported("local", None, REPOSITORY_ROOT)


def test_stack_support_accepts_localhost_discovery() -> None:
    override = _jwt_override(oidcDiscoveryUrl="http://127.0.0.1:8200/oidc")

    check_stack_supported("local", override, REPOSITORY_ROOT)


@pytest.mark.parametrize("field", ["oidcDiscoveryUrl", "jwksUrl"])
def test_jwt_backend_rejects_remote_url(field: str) -> None:
    mocks = _unreachable_mocks()
    args = MockResourceArgs(
        typ=JWT_BACKEND,
        name="platform-vault-jwt",
        inputs={"path": "jwt", "type": "jwt", field: REMOTE_URL},
        custom=True,
    )

    with pytest.raises(ResourceFailure) as raised:
        mocks.new_resource(args)

    message = str(raised.value)
    assert "'platform-vault-jwt'" in message, f"resource not named: {message}"
    assert field in message, f"field not named: {message}"
    assert "ci.example.com" in message, f"host not named: {message}"
