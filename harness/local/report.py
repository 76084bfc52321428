"""Progress and the summary table the local apply prints."""

from __future__ import annotations

import sys
import threading
from collections import Counter
from typing import TextIO

from harness.local.checks import PLATFORM, CheckKind, CheckResult, failed
from harness.local.vault_apply import LocalApplyMocks

COLUMNS: tuple[tuple[CheckKind, str], ...] = (
    ("drift", "no drift"),
    ("access", "AppRole access"),
    ("transit", "transit"),
    ("ci", "CI identity"),
    ("chain", "cert chain"),
)
# Without a terminal, print a progress line every this many resources.
PROGRESS_EVERY = 25


class Progress:
    """Prints how many resources are done; the total is known only at the end."""

    def __init__(self, stream: TextIO = sys.stdout) -> None:
        self._stream = stream
        self._interactive = stream.isatty()
        self._lock = threading.Lock()

    def update(self, done: int) -> None:
        """Report that `done` resources have been applied so far."""
        with self._lock:
            if self._interactive:
                self._stream.write(f"\rapplying: {done} resources done")
                self._stream.flush()
            elif done % PROGRESS_EVERY == 0:
                self._stream.write(f"applying: {done} resources done\n")
                self._stream.flush()

    def interrupt(self) -> None:
        """End the in-place progress line before an error is printed."""
        if self._interactive:
            self._stream.write("\n")
            self._stream.flush()

    def finish(self, mocks: LocalApplyMocks) -> None:
        """Print the final count by category."""
        if self._interactive:
            self._stream.write("\r")
        skipped = sorted({r.type for r in mocks.applied if r.category == "skipped"})
        line = (
            f"done: {len(mocks.applied)} of {len(mocks.applied)} resources, "
            f"{mocks.count('vault')} created in OpenBao, {mocks.count('generated')} "
            f"generated (random, tls, time), {mocks.count('cloud')} cloud "
            "resources not applied"
        )
        if skipped:
            line += f", {len(skipped)} types without a local applier: "
            line += ", ".join(skipped)
        self._stream.write(line + "\n")


def summary_table(results: list[CheckResult]) -> str:
    """Return a table with one row per service and one column per check kind."""
    services = _row_order(results)
    header = ["service", *(title for _, title in COLUMNS)]
    rows = [header]
    for service in services:
        rows.append([service, *(_cell(results, service, kind) for kind, _ in COLUMNS)])
    widths = [max(len(row[index]) for row in rows) for index in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def _row_order(results: list[CheckResult]) -> list[str]:
    seen = {result.service for result in results}
    services = sorted(seen - {PLATFORM})
    return ([PLATFORM] if PLATFORM in seen else []) + services


def _cell(results: list[CheckResult], service: str, kind: CheckKind) -> str:
    counts = Counter(
        result.passed
        for result in results
        if result.service == service and result.kind == kind
    )
    total = counts[True] + counts[False]
    if total == 0:
        return "-"
    status = "ok" if counts[False] == 0 else "FAIL"
    return f"{status} {counts[True]}/{total}"


def failure_lines(results: list[CheckResult]) -> list[str]:
    """Return one line per failed check: kind, service, subject and detail."""
    return [
        f"FAILED {result.kind} [{result.service}] {result.subject}: {result.detail}"
        for result in failed(results)
    ]


def closing_line(results: list[CheckResult]) -> str:
    """Return the one-line verdict."""
    failures = len(failed(results))
    if failures == 0:
        return f"verification: all {len(results)} checks hold"
    return f"verification: {failures} of {len(results)} checks failed"
