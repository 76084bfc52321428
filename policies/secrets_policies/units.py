"""Conversions of the duration and number formats that providers accept."""

from __future__ import annotations

import re

from .values import UNKNOWN

SECONDS_PER_DAY = 86400
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": SECONDS_PER_DAY}


def duration_seconds(value: object) -> float | None:
    """Return seconds for an int, a digit string or a Vault duration ("720h").

    Returns `None` for any other value, `UNKNOWN` included, so the caller
    checks for `UNKNOWN` first when it needs to tell the two apart.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str) or not value:
        return None
    if value.isdigit():
        return float(value)
    return _go_duration_seconds(value)


def _go_duration_seconds(text: str) -> float | None:
    position, total = 0, 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != position:
            return None
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    return total if position == len(text) else None


def number(value: object) -> float | None:
    """Return a numeric property as a float, `None` when absent or not a number.

    Providers send numbers as JSON numbers; a digit string is accepted too.
    """
    if value is UNKNOWN or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None
