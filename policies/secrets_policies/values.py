"""Plain views of resource properties, with unknown preview values made explicit.

The engine hands a policy its properties wrapped in a proxy that raises
`UnknownValueError` when a value is not known during preview. The offline
check hands plain dicts that may hold the SDK's unknown sentinel strings or a
secret wrapped in a signature dict. `to_plain` turns all of these into plain
Python values where every unknown is the single `UNKNOWN` object, so a rule
decides on purpose what an unknown means instead of being skipped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from pulumi_policy.proxy import UnknownValueError

SECRET_SIGNATURE_KEY: Final = "4dabf18193072939515e22adb298388d"
SECRET_SIGNATURE: Final = "1b47061264138c4ac30d75fd1eb44270"

# The SDK's sentinels for values that are not known until the update runs.
UNKNOWN_SENTINELS: Final = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
        "030794c1-ac77-496b-92df-f27374a8bd58",
        "e48ece36-62e2-4504-bad9-02848725956a",
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
    }
)


class Unknown:
    """A property value that is computed from another resource during preview."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = Unknown()


def to_plain(value: Any) -> Any:
    """Copy `value` into dicts, lists and scalars, with unknowns as `UNKNOWN`."""
    if isinstance(value, str):
        return UNKNOWN if value in UNKNOWN_SENTINELS else value
    if isinstance(value, Mapping):
        return _mapping_to_plain(value)
    if isinstance(value, Sequence):
        return [_read_item(value, index) for index in range(len(value))]
    return value


def _mapping_to_plain(mapping: Mapping[Any, Any]) -> Any:
    if mapping.get(SECRET_SIGNATURE_KEY) == SECRET_SIGNATURE:
        return to_plain(mapping.get("value"))

    return {key: _read_item(mapping, key) for key in list(mapping)}


def _read_item(container: Any, key: Any) -> Any:
    try:
        item = container[key]
    except UnknownValueError:
        return UNKNOWN
    return to_plain(item)


def lookup(props: Mapping[str, Any], *path: str) -> Any:
    """Return the value at `path` in plain `props`, `None` when absent.

    An unknown object on the way makes the whole value `UNKNOWN`.
    """
    current: Any = props
    for key in path:
        if current is UNKNOWN:
            return UNKNOWN
        if not isinstance(current, Mapping) or key not in current:
            return None
        current = current[key]
    return current


def is_set(value: object) -> bool:
    """Tell whether a property is present: an unknown value counts as present."""
    if value is None:
        return False
    if isinstance(value, str | list | dict):
        return len(value) > 0
    return True
