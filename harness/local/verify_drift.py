"""No-drift check: every Vault object read back matches what was declared."""

from __future__ import annotations

import re
from typing import Any

import hvac.exceptions
import requests

from harness.local.checks import CheckResult, owner_of
from harness.local.vault_api import VaultApi
from harness.local.vault_apply import AppliedResource
from harness.local.vault_common import ReadBack

DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DURATION_PATTERN = re.compile(r"^(\d+)([smhd]?)$")


def check_drift(
    api: VaultApi, applied: list[AppliedResource], services: list[str]
) -> list[CheckResult]:
    """Read back each Vault object and compare the declared fields."""
    results = []
    for record in applied:
        for read_back in record.read_backs:
            problems = _compare_read_back(api, read_back)
            results.append(
                CheckResult(
                    kind="drift",
                    service=owner_of(record.name, services),
                    subject=f"{record.name} ({read_back.api_path})",
                    passed=not problems,
                    detail="; ".join(problems),
                )
            )
    return results


def _compare_read_back(api: VaultApi, read_back: ReadBack) -> list[str]:
    try:
        response = api.request("GET", read_back.api_path)
    except (hvac.exceptions.VaultError, requests.RequestException) as error:
        return [f"read failed ({type(error).__name__})"]

    actual = response.get("data") or {}
    return [
        f"field '{field}' differs from the declared value"
        for field, expected in read_back.expected.items()
        if not values_match(expected, _lookup(actual, field))
    ]


def _lookup(data: dict[str, Any], dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def values_match(expected: Any, actual: Any) -> bool:
    """Tell whether a read-back value equals the declared one.

    The server returns durations in seconds, lists in its own order,
    comma-separated strings as lists and numbers for numeric strings.
    """
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            values_match(item, actual.get(key)) for key, item in expected.items()
        )
    if isinstance(expected, list | tuple):
        return _same_members(expected, actual)
    if isinstance(expected, str) and isinstance(actual, list):
        return _same_members(expected.split(","), actual)
    if isinstance(expected, str) and isinstance(actual, int | float):
        return parse_duration(expected) == actual
    if isinstance(expected, bool) or isinstance(actual, bool):
        return bool(expected) == bool(actual)
    if expected in (None, "") and actual in (None, "", [], {}):
        return True
    # The server may drop a PEM value's trailing newline.
    return str(expected).strip() == str(actual).strip()


def _same_members(expected: Any, actual: Any) -> bool:
    if isinstance(actual, str):
        actual = [item for item in actual.split(",") if item]
    if not isinstance(actual, list):
        return not expected and actual in (None, "")
    return _stripped(expected) == _stripped(actual)


def _stripped(items: Any) -> list[str]:
    return sorted(str(item).strip() for item in items)


def parse_duration(text: str) -> int | None:
    """Return the seconds of a Vault duration such as `720h` or `3600`."""
    match = DURATION_PATTERN.match(text.strip())
    if match is None:
        return None
    return int(match.group(1)) * DURATION_UNITS[match.group(2) or "s"]
