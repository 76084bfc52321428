"""Apply a stack to a running dev server and verify the result."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.local.checks import CheckResult
from harness.local.redaction import scrub
from harness.local.server import ServerInfo
from harness.local.stack_support import StackNotSupported, check_stack_supported
from harness.local.vault_api import VaultApi
from harness.local.vault_apply import LocalApplyMocks
from harness.local.verify import verify_apply
from harness.local.verify_chain import ValidityDays
from harness.program import REPOSITORY_ROOT, ProgramError, ProgramRun, run_program
from harness.stack_files import StackFileError, load_project, load_stack_config

PKI_CONFIG_KEY = "pki"


class ApplyFailed(Exception):
    """The program could not be applied; the message names the cause."""


@dataclass
class LocalApply:
    """One applied stack: the mocks that hold what was created, and the run."""

    mocks: LocalApplyMocks
    program: ProgramRun
    root: VaultApi
    config_days: ValidityDays

    def verify(self) -> list[CheckResult]:
        """Run every check against the live server."""
        return verify_apply(self.root, self.mocks, self.config_days)


def apply_stack(
    server: ServerInfo,
    stack: str,
    *,
    config_overrides: Mapping[str, Any] | None = None,
    on_progress: Callable[[int], None] | None = None,
    project_dir: Path = REPOSITORY_ROOT,
) -> LocalApply:
    """Run the program for `stack` and create its resources in `server`.

    Raises `ApplyFailed` naming the resource and API path of the first
    failed call, or the program's or stack file's error, or why the local
    server cannot take the stack.
    """
    try:
        check_stack_supported(stack, config_overrides, project_dir)
    except (StackNotSupported, StackFileError) as error:
        raise ApplyFailed(str(error)) from None

    mocks = LocalApplyMocks(server.address, server.root_token, on_progress)
    try:
        program = run_program(
            stack, mocks, config_overrides=config_overrides, project_dir=project_dir
        )
    except (ProgramError, StackFileError) as error:
        cause = mocks.failure if mocks.failure is not None else error
        # The runtime's own messages may quote a property value.
        raise ApplyFailed(scrub(str(cause), mocks.known_secrets())) from None
    if mocks.failure is not None:
        raise ApplyFailed(scrub(str(mocks.failure), mocks.known_secrets()))

    root = VaultApi(server.address, server.root_token)
    days = config_validity_days(stack, config_overrides, project_dir)
    return LocalApply(mocks, program, root, days)


def config_validity_days(
    stack: str, config_overrides: Mapping[str, Any] | None, project_dir: Path
) -> ValidityDays:
    """Return the stack config's validity days for root, intermediate and leaf."""
    project = load_project(project_dir)
    values = load_stack_config(project, stack, config_overrides).values
    pki = values.get(f"{project.name}:{PKI_CONFIG_KEY}") or {}
    return ValidityDays(
        root=pki.get("rootValidityDays"),
        intermediate=pki.get("intermediateValidityDays"),
        leaf=pki.get("leafValidityDays"),
    )


def stack_section(
    stack: str, key: str, project_dir: Path = REPOSITORY_ROOT
) -> dict[str, Any]:
    """Return one object of a stack's config (e.g. `pki`), to build an override."""
    project = load_project(project_dir)
    values = load_stack_config(project, stack).values
    return dict(values.get(f"{project.name}:{key}") or {})
