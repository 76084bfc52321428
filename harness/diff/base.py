"""Get the base report of a diff: from a file, or by checking a git ref.

`report_for_ref` checks out the ref in a temporary `git worktree`, runs the
offline check there with the same Python (so the same `.venv`), reads the
report it writes and removes the worktree again.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

# The offline check exits 1 on a mandatory violation and still writes its
# report, so a base with violations can still be compared.
_CHECK_EXITS_WITH_REPORT = (0, 1)
_STDERR_LINES_SHOWN = 20


class BaseReportError(Exception):
    """The base report could not be read or produced."""


def load_report(path: Path) -> dict[str, Any]:
    """Read a report written by `check --json`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaseReportError(f"base report {path} not found") from None
    except OSError as error:
        raise BaseReportError(f"base report {path} cannot be read: {error}") from None

    try:
        report = json.loads(text)
    except json.JSONDecodeError as error:
        raise BaseReportError(
            f"base report {path} is not valid JSON (line {error.lineno}): "
            "pass a file written by `./run check --json FILE`"
        ) from None
    if not isinstance(report, dict):
        raise BaseReportError(f"base report {path} must hold a JSON object")
    return report


def report_for_ref(ref: str, stack: str, project_dir: Path) -> dict[str, Any]:
    """Run the offline check of `stack` on git `ref` and return its report."""
    commit = _resolve_commit(ref, project_dir)
    scratch = Path(tempfile.mkdtemp(prefix="secrets-diff-"))
    worktree = scratch / "base"
    try:
        _git(project_dir, "worktree", "add", "--detach", str(worktree), commit)
        try:
            return _check_worktree(worktree, ref, stack, scratch / "base.json")
        finally:
            _git(project_dir, "worktree", "remove", "--force", str(worktree))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _resolve_commit(ref: str, project_dir: Path) -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        cwd=project_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    if "not a git repository" in result.stderr:
        raise BaseReportError(
            f"{project_dir} is not a git repository: --base-ref needs one, "
            "or pass a saved report with --base FILE"
        )
    if result.returncode != 0:
        raise BaseReportError(
            f"unknown git ref {ref!r}: give a branch, tag or commit of "
            f"{project_dir} (fetch it first if it is remote)"
        )
    return result.stdout.strip()


def _git(project_dir: Path, *args: str) -> None:
    result = subprocess.run(
        ["git", *args], cwd=project_dir, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BaseReportError(f"git {args[0]} failed: {result.stderr.strip()}")


def _check_worktree(
    worktree: Path, ref: str, stack: str, report_path: Path
) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "harness",
        "check",
        "--stack",
        stack,
        "--json",
        str(report_path),
    ]
    result = subprocess.run(
        command,
        cwd=worktree,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in _CHECK_EXITS_WITH_REPORT or not report_path.exists():
        raise BaseReportError(
            f"the offline check of stack {stack!r} failed on base ref {ref!r} "
            f"(exit {result.returncode}):\n{_tail(result.stderr)}"
        )
    return load_report(report_path)


def _tail(text: str) -> str:
    lines = text.strip().splitlines()[-_STDERR_LINES_SHOWN:]
    return "\n".join(lines) if lines else "(no output on stderr)"
