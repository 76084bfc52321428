"""Shared fixtures: the real program run once per stack, and project copies."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.check_mocks import CheckMocks
from harness.cli import main
from harness.program import REPOSITORY_ROOT, ProgramRun, run_program

SHIPPED_STACKS = ("local", "dev", "prod")
# Directories of the repository that the program does not import.
NOT_PROGRAM = frozenset({"harness", "tests", "bench", "docs", "policies", ".venv"})


@dataclass(frozen=True)
class CliRun:
    """What one `python -m harness ...` call printed, returned and wrote."""

    exit_code: int
    stdout: str
    stderr: str
    report: dict[str, Any] | None


def run_cli(arguments: list[str], report_path: Path | None = None) -> CliRun:
    """Run the command line in-process and capture its streams and report."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        exit_code = main(arguments)

    report = None
    if report_path is not None and report_path.exists():
        report = json.loads(report_path.read_text(encoding="utf-8"))
    return CliRun(exit_code, stdout.getvalue(), stderr.getvalue(), report)


def _program_paths() -> list[Path]:
    """Return the stack files, top-level modules and packages the program uses."""
    paths = []
    for path in sorted(REPOSITORY_ROOT.iterdir()):
        if path.name in NOT_PROGRAM:
            continue
        is_package = path.is_dir() and (path / "__init__.py").exists()
        is_stack_file = path.name.startswith("Pulumi.") and path.suffix == ".yaml"
        if is_package or is_stack_file or path.suffix == ".py":
            paths.append(path)
    return [*paths, REPOSITORY_ROOT / "policies"]


def copy_project(target: Path) -> Path:
    """Copy the program, its stack files and the policy pack into `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for source in _program_paths():
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(source, target / source.name, ignore=ignore)
        else:
            shutil.copy(source, target / source.name)
    return target


@pytest.fixture(scope="session")
def dev_run() -> ProgramRun:
    return run_program("dev", CheckMocks())


@pytest.fixture(scope="session")
def shipped_checks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CliRun]:
    """`check --stack S --json FILE` on every shipped stack, run once."""
    runs = {}
    for stack in SHIPPED_STACKS:
        report = tmp_path_factory.mktemp("reports") / f"{stack}.json"
        runs[stack] = run_cli(
            ["check", "--stack", stack, "--json", str(report)], report
        )
    return runs


@pytest.fixture
def project_copy(tmp_path: Path) -> Iterator[Path]:
    yield copy_project(tmp_path / "project")
