"""Output fields of `time:` resources, shared by the check mocks and local apply."""

from __future__ import annotations

import calendar
from datetime import datetime
from typing import Any


def rfc3339(moment: datetime) -> str:
    """Format a UTC moment as the time provider does: whole seconds and a `Z`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def time_parts(moment: datetime) -> dict[str, Any]:
    """Return the `rfc3339`, `unix` and calendar fields every time resource has."""
    return {
        "rfc3339": rfc3339(moment),
        "unix": int(moment.timestamp()),
        "year": moment.year,
        "month": moment.month,
        "day": moment.day,
        "hour": moment.hour,
        "minute": moment.minute,
        "second": moment.second,
    }


def add_months(moment: datetime, months: int) -> datetime:
    """Return `moment` moved by whole months, its day cut to the month's last."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))
