"""Read a resource dump (the `check --json` report shape) for `policy`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.resources import DeclaredResource
from harness.stack_files import is_stack_name
from harness.urns import engine_urn


class DumpError(Exception):
    """A resource dump that cannot be read, naming the file and the field."""


def read_dump(path: Path, stack: str, project: str) -> list[DeclaredResource]:
    """Read `resources` from a dump; `urn` is derived when it is missing.

    Raises `DumpError` for a malformed field or two resources with one URN.
    """
    document = _load_document(path)
    entries = document.get("resources")
    if not isinstance(entries, list):
        raise DumpError(f"{path}: field 'resources' is missing or not a list")

    resources = [
        _read_resource(path, index, entry, stack, project)
        for index, entry in enumerate(entries)
    ]
    _reject_duplicate_urns(path, resources)
    return resources


def read_dump_stack(path: Path) -> str | None:
    """Return the dump's `stack` field, or None when the dump has none."""
    return _load_document(path).get("stack")


def _load_document(path: Path) -> dict[str, Any]:
    """Load the dump's top-level object and check its `stack` field."""
    document = _load_json(path)
    if not isinstance(document, dict):
        raise DumpError(f"{path}: expected a JSON object at the top level")

    stack = document.get("stack")
    if stack is not None and not (isinstance(stack, str) and is_stack_name(stack)):
        raise DumpError(
            f"{path}: field 'stack' must be a stack name of letters, digits, "
            f"'-', '_' or '.', not {stack!r:.40}"
        )
    return document


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DumpError(f"{path}: file not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DumpError(f"{path}: invalid JSON ({error})") from None
    except OSError as error:
        raise DumpError(f"{path}: cannot read ({error.strerror})") from None


def _reject_duplicate_urns(path: Path, resources: list[DeclaredResource]) -> None:
    """Reject two resources with one URN, which the engine would also reject."""
    first_index: dict[str, int] = {}
    for index, resource in enumerate(resources):
        if resource.urn in first_index:
            raise DumpError(
                f"{path}: resources[{index}] has the same URN as "
                f"resources[{first_index[resource.urn]}] ({resource.urn}); "
                "each resource needs its own type, name and parent"
            )
        first_index[resource.urn] = index


def _read_resource(
    path: Path, index: int, entry: Any, stack: str, project: str
) -> DeclaredResource:
    where = f"{path}: resources[{index}]"
    if not isinstance(entry, dict):
        raise DumpError(f"{where}: expected an object")

    resource_type = _required(entry, "type", str, where)
    name = _required(entry, "name", str, where)
    props = _required(entry, "props", dict, where)
    parent = _optional(entry, "parent", str, where)
    urn = _optional(entry, "urn", str, where) or engine_urn(
        stack, project, resource_type, name, parent
    )
    options = _optional(entry, "options", dict, where) or {}
    return DeclaredResource(
        urn=urn,
        type=resource_type,
        name=name,
        props=props,
        parent=parent,
        dependencies=tuple(_string_list(entry, "dependencies", where)),
        protect=bool(options.get("protect", False)),
        delete_before_replace=bool(options.get("deleteBeforeReplace", False)),
        ignore_changes=tuple(_string_list(options, "ignoreChanges", where)),
    )


def _required(entry: dict[str, Any], field: str, kind: type, where: str) -> Any:
    if field not in entry:
        raise DumpError(f"{where}: missing field '{field}'")
    return _optional(entry, field, kind, where)


def _optional(entry: dict[str, Any], field: str, kind: type, where: str) -> Any:
    value = entry.get(field)
    if value is not None and not isinstance(value, kind):
        expected = {str: "a string", dict: "an object", list: "a list"}[kind]
        raise DumpError(f"{where}: field '{field}' must be {expected}")
    return value


def _string_list(entry: dict[str, Any], field: str, where: str) -> list[str]:
    values = _optional(entry, field, list, where) or []
    if not all(isinstance(value, str) for value in values):
        raise DumpError(f"{where}: field '{field}' must be a list of strings")
    return values
