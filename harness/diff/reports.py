"""Read and index the resources of an offline-check report."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

SECRET_MARK = "[secret]"
PEM_MARK = "[pem]"
_PEM_HEADER = "-----BEGIN "


class ReportError(Exception):
    """A report that is not in the offline check's report format."""


@dataclass(frozen=True)
class ReportResource:
    """One resource of a report, as the diff reads it."""

    urn: str
    type: str
    name: str
    parent: str | None
    dependencies: tuple[str, ...]
    property_dependencies: Mapping[str, tuple[str, ...]] | None
    """Inputs to the URNs their values come from; None when the report lacks it."""
    props: Mapping[str, Any]
    options: Mapping[str, Any]

    @property
    def protected(self) -> bool:
        return bool(self.options.get("protect"))

    @property
    def ignore_changes(self) -> frozenset[str]:
        return frozenset(self.options.get("ignoreChanges") or ())

    @property
    def replace_on_changes(self) -> tuple[str, ...]:
        return tuple(self.options.get("replaceOnChanges") or ())

    @property
    def has_replacement_trigger(self) -> bool:
        return self.options.get("replacementTrigger") is not None


class ReportIndex:
    """The resources of one report by URN, in the report's order."""

    def __init__(self, report: Mapping[str, Any], label: str) -> None:
        self.label = label
        self.stack = str(report.get("stack", ""))
        self._resources: dict[str, ReportResource] = {}
        for position, entry in enumerate(_resource_list(report, label)):
            resource = _parse_resource(entry, f"{label} resources[{position}]")
            self._resources[resource.urn] = resource

    def __contains__(self, urn: object) -> bool:
        return urn in self._resources

    def __iter__(self) -> Iterator[ReportResource]:
        return iter(self._resources.values())

    def get(self, urn: str) -> ReportResource | None:
        return self._resources.get(urn)

    def urns(self) -> list[str]:
        return list(self._resources)

    def ancestors(self, urn: str) -> Iterator[ReportResource]:
        """Yield the resource's parent, its parent's parent, and so on."""
        seen: set[str] = set()
        resource = self._resources.get(urn)
        while resource is not None and resource.parent and resource.parent not in seen:
            seen.add(resource.parent)
            resource = self._resources.get(resource.parent)
            if resource is not None:
                yield resource

    def dependents(self, urn: str) -> list[ReportResource]:
        """Return the resources that list `urn` among their dependencies."""
        return [r for r in self._resources.values() if urn in r.dependencies]


def _resource_list(report: Mapping[str, Any], label: str) -> list[Any]:
    if not isinstance(report, Mapping):
        raise ReportError(f"{label}: a report must be a JSON object")
    resources = report.get("resources")
    if not isinstance(resources, list):
        raise ReportError(f"{label}: 'resources' is missing or not a list")
    return resources


def _parse_resource(entry: Any, where: str) -> ReportResource:
    if not isinstance(entry, Mapping):
        raise ReportError(f"{where}: a resource must be a JSON object")
    for key in ("urn", "type", "name"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            raise ReportError(f"{where}: '{key}' is missing or not a string")

    return ReportResource(
        urn=entry["urn"],
        type=entry["type"],
        name=entry["name"],
        parent=entry.get("parent") or None,
        dependencies=tuple(_string_list(entry, "dependencies", where)),
        property_dependencies=_property_dependencies(entry, where),
        props=mask_generated_material(_mapping(entry, "props", where)),
        options=_mapping(entry, "options", where),
    )


def mask_generated_material(value: Any) -> Any:
    """Replace every PEM block (keys, certificates, requests) with "[pem]".

    PEM material is an output of another resource: a key or certificate that
    the check's mocks generate afresh on each run. Its text changes between
    two runs of the same commit, so the diff masks it like a secret and
    follows a real change through the dependency on the resource that makes it.
    """
    if isinstance(value, str):
        return PEM_MARK if value.lstrip().startswith(_PEM_HEADER) else value
    if isinstance(value, Mapping):
        return {key: mask_generated_material(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_generated_material(item) for item in value]
    return value


def _mapping(entry: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = entry.get(key) or {}
    if not isinstance(value, Mapping):
        raise ReportError(f"{where}: '{key}' must be a JSON object")
    return value


def _string_list(entry: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = entry.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ReportError(f"{where}: '{key}' must be a list of URN strings")
    return value


def _property_dependencies(
    entry: Mapping[str, Any], where: str
) -> Mapping[str, tuple[str, ...]] | None:
    value = entry.get("propertyDependencies")
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ReportError(f"{where}: 'propertyDependencies' must be a JSON object")
    return {key: tuple(_string_list(value, key, where)) for key in value}
