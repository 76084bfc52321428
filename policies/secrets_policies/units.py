"""Conversions of the duration and number formats that providers accept."""

from __future__ import annotations

import math
import re

from .values import UNKNOWN

SECONDS_PER_DAY = 86400
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": SECONDS_PER_DAY}
NUMBER_FORM = "a number"
DURATION_FORM = "a number of seconds or a duration such as 720h"


class InvalidNumber(ValueError):
    """A numeric property that is set to a value of another type or format.

    The message names the property and the expected form, never the value,
    because a misplaced value may be a secret.
    """

    def __init__(self, key: str, expected: str) -> None:
        self.key = key
        super().__init__(f"{key} is invalid: expected {expected}.")


def duration_seconds(value: object, key: str) -> float | None:
    """Return seconds for an int, a digit string or a Vault duration ("720h").

    Returns `None` when the property is absent or `UNKNOWN`, so the caller
    checks for `UNKNOWN` first when it needs to tell the two apart. Raises
    `InvalidNumber` naming `key` for any other value.
    """
    if value is None or value is UNKNOWN:
        return None
    seconds = _duration_or_none(value)
    if seconds is None:
        raise InvalidNumber(key, DURATION_FORM)
    return seconds


def _duration_or_none(value: object) -> float | None:
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


def number(value: object, key: str) -> float | None:
    """Return a numeric property as a float, `None` when absent or `UNKNOWN`.

    Providers send numbers as JSON numbers, and a numeric string is accepted
    too. Raises `InvalidNumber` naming `key` for any other value.
    """
    if value is None or value is UNKNOWN:
        return None
    parsed = _finite_float(value)
    if parsed is None:
        raise InvalidNumber(key, NUMBER_FORM)
    return parsed


def _finite_float(value: object) -> float | None:
    """Return `value` as a finite float, `None` for booleans, text and nan or inf."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        parsed = float(value)
    except ValueError:
        return None
    return parsed if math.isfinite(parsed) else None
