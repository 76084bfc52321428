"""The JSON report (`--json FILE`), written atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.output_files import OutputWriteError, write_text_atomically
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
    """Write the report; a failure leaves the previous file or none, never half."""
    text = json.dumps(report, indent=2, sort_keys=False) + "\n"
    try:
        write_text_atomically(path, text)
    except OutputWriteError as error:
        raise ReportWriteError(f"{path}: cannot write ({error})") from None
