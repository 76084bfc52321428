"""Live OpenBao servers and applied stacks shared by the integration tests.

Each fixture starts its own `bao server -dev` on a free 127.0.0.1 port with a
temporary directory and stops it when the session ends. Applying the local
stack takes about a second, so each variant is applied once per session.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from harness.local.apply import LocalApply, apply_stack, stack_section
from harness.local.checks import CheckResult
from harness.local.server import DevServer, ServerInfo


@dataclass
class AppliedStack:
    """A stack applied to its own server, with the checks run once after it."""

    server: ServerInfo
    applied: LocalApply
    results: list[CheckResult]


def _apply_on_fresh_server(
    overrides: dict[str, object] | None,
) -> Iterator[AppliedStack]:
    with DevServer() as server:
        applied = apply_stack(server, "local", config_overrides=overrides)
        yield AppliedStack(server, applied, applied.verify())


@pytest.fixture(scope="session")
def vault_pki_stack() -> Iterator[AppliedStack]:
    """The local stack as shipped (`pki.backend: vault`), applied and verified."""
    yield from _apply_on_fresh_server(None)


@pytest.fixture(scope="session")
def tls_pki_stack() -> Iterator[AppliedStack]:
    """The local stack with `pki.backend: tls`, applied and verified."""
    pki = stack_section("local", "pki")
    pki["backend"] = "tls"
    yield from _apply_on_fresh_server({"pki": pki})


@pytest.fixture(scope="session")
def shared_kv_stack() -> Iterator[AppliedStack]:
    """The local stack with `vault.kvLayout: shared`, applied and verified."""
    vault = stack_section("local", "vault")
    vault["kvLayout"] = "shared"
    yield from _apply_on_fresh_server({"vault": vault})
