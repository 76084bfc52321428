"""The JSON report (`--json FILE`), written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from harness.policy_eval import Violation
from harness.resources import DeclaredResource
from harness.secret_values import redact_secrets


class ReportWriteError(Exception):
    """The report file could not be written."""


def build_report(
    stack: str,
    resources: list[DeclaredResource],
    violations: list[Violation],
    outputs: dict[str, Any],
) -> dict[str, Any]:
    """Return the report shape; every secret value is the string "[secret]"."""
    return {
        "stack": stack,
        "resources": [resource.to_report() for resource in resources],
        "violations": [violation.to_report() for violation in violations],
        "outputs": redact_secrets(outputs),
    }


def write_report(path: Path, report: dict[str, Any]) -> None:
    """Write the report to a temporary file beside `path`, then rename it.

    A failure leaves either the previous file or none, never a partial one.
    """
    text = json.dumps(report, indent=2, sort_keys=False) + "\n"
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(
            dir=directory, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise ReportWriteError(f"{path}: cannot write ({error.strerror})") from None

    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise ReportWriteError(f"{path}: cannot write ({error.strerror})") from None
