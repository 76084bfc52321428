"""Compare two offline-check reports resource by resource.

A resource is matched by URN. For each one present in both reports the diff
names the inputs and options that changed (never their values) and decides,
with the table in `replacement`, whether the provider would replace it. The
engine also replaces it when its `replacementTrigger` value changes or an
input that its `replaceOnChanges` option names changes.

Replacement then spreads along dependencies, because a replaced resource's
outputs are new even when the report prints the same text for them (a
`[secret]` key, a mock certificate):

- A resource whose replace-forcing input takes its value from a replaced
  resource is replaced too (a certificate signed by a replaced CA key).
- A resource whose other inputs take a value from a replaced resource is
  updated with a new value (a KV secret that stores a rotated password).
- A resource with a `replacementTrigger` that depends on a replaced resource
  is taken as replaced, because the report does not say where the trigger's
  value comes from.

Which input carries a dependency comes from the report's
`propertyDependencies`. Without it, the masked inputs ("[secret]", "[pem]")
are taken to carry the new value, and a dependent with none is replaced only
when every input of its type forces replacement (random values).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from harness.diff.replacement import (
    forcing_changes,
    moving_changes,
    output_changes,
    rule_for,
)
from harness.diff.reports import (
    PEM_MARK,
    SECRET_MARK,
    ReportError,
    ReportIndex,
    ReportResource,
)

ANY_INPUT = "*"
"""Placeholder for an input the report cannot name."""

TRIGGER_OPTION = "replacementTrigger"


class Action(StrEnum):
    ADD = "add"
    REMOVE = "remove"
    UPDATE = "update"
    REPLACE = "replace"


@dataclass(frozen=True)
class ResourceChange:
    """The change a pull request makes to one resource, without any value."""

    urn: str
    type: str
    name: str
    action: Action
    changed_props: tuple[str, ...] = ()
    changed_options: tuple[str, ...] = ()
    forcing: tuple[str, ...] = ()
    """Changed inputs or options that make the provider replace it."""
    moved_by: tuple[str, ...] = ()
    """Changed inputs that move it in place, such as a mount's `path`."""
    schedule_moved_by: tuple[str, ...] = ()
    """Changed inputs whose update gives dependents new times (`rotationDays`)."""
    replaced_through: tuple[tuple[str, str], ...] = ()
    """(URN of a replaced resource, input it feeds) pairs that replace this one."""
    new_values_from: tuple[tuple[str, str], ...] = ()
    """(URN of a replaced resource, input it feeds) pairs that update this one."""
    known_type: bool = True
    """False when the replacement table lacks the type, so replacement is unknown."""

    @property
    def is_replacement(self) -> bool:
        return self.action is Action.REPLACE


@dataclass(frozen=True)
class ReportDiff:
    """The changes between a base and a head report, in the head's order."""

    base: ReportIndex
    head: ReportIndex
    changes: tuple[ResourceChange, ...] = field(default=())

    def get(self, urn: str) -> ResourceChange | None:
        return next((c for c in self.changes if c.urn == urn), None)

    def with_action(self, action: Action) -> list[ResourceChange]:
        return [c for c in self.changes if c.action is action]

    @property
    def is_empty(self) -> bool:
        return not self.changes


def compare_reports(base: Mapping[str, Any], head: Mapping[str, Any]) -> ReportDiff:
    """Return what changes from the base report to the head report."""
    base_index = ReportIndex(base, "base report")
    head_index = ReportIndex(head, "head report")
    _require_same_stack(base_index, head_index)

    direct = _direct_changes(base_index, head_index)
    _defer_derived_triggers(direct, head_index)
    cascaded = _cascade(direct, base_index, head_index)
    return ReportDiff(base_index, head_index, tuple(_in_order(cascaded, head_index)))


def _require_same_stack(base: ReportIndex, head: ReportIndex) -> None:
    if base.stack and head.stack and base.stack != head.stack:
        raise ReportError(
            f"base report is for stack {base.stack!r} but the head report is for "
            f"{head.stack!r}: compare reports of the same stack"
        )


def _direct_changes(base: ReportIndex, head: ReportIndex) -> dict[str, ResourceChange]:
    changes: dict[str, ResourceChange] = {}
    for resource in head:
        old = base.get(resource.urn)
        change = _added(resource) if old is None else _compare(old, resource)
        if change is not None:
            changes[resource.urn] = change

    for resource in base:
        if resource.urn not in head:
            changes[resource.urn] = _removed(resource)
    return changes


def _added(resource: ReportResource) -> ResourceChange:
    return ResourceChange(resource.urn, resource.type, resource.name, Action.ADD)


def _removed(resource: ReportResource) -> ResourceChange:
    return ResourceChange(resource.urn, resource.type, resource.name, Action.REMOVE)


def _compare(old: ReportResource, new: ReportResource) -> ResourceChange | None:
    """Compare one resource's two versions; None when nothing changed."""
    changed_props = _changed_keys(old.props, new.props) - new.ignore_changes
    changed_options = _changed_options(old.options, new.options)
    if not changed_props and not changed_options:
        return None

    forcing = _forcing(old, new, changed_props, changed_options)
    moved = moving_changes(new.type, changed_props, dict(new.props)) - forcing
    return ResourceChange(
        urn=new.urn,
        type=new.type,
        name=new.name,
        action=Action.REPLACE if forcing else Action.UPDATE,
        changed_props=tuple(sorted(changed_props)),
        changed_options=tuple(sorted(changed_options)),
        forcing=tuple(sorted(forcing)),
        moved_by=tuple(sorted(moved)),
        schedule_moved_by=tuple(sorted(output_changes(new.type, changed_props))),
        known_type=_known(new.type),
    )


def _forcing(
    old: ReportResource,
    new: ReportResource,
    changed_props: frozenset[str],
    changed_options: frozenset[str],
) -> frozenset[str]:
    forcing = set(
        forcing_changes(new.type, changed_props, dict(old.props), dict(new.props))
    )
    for path in new.replace_on_changes:
        if _path_changed(path, old.props, new.props):
            forcing.add(_top_level(path))

    if TRIGGER_OPTION in changed_options:
        forcing.add(TRIGGER_OPTION)
    return frozenset(forcing - new.ignore_changes)


def _defer_derived_triggers(
    changes: dict[str, ResourceChange], head: ReportIndex
) -> None:
    """Leave a trigger that changed along with a dependency to the cascade.

    A `replacementTrigger` is mostly an output of a resource it depends on (a
    `time.Rotating`'s `rfc3339`). The check's mocks compute that output afresh
    from the inputs, so its text can change where the provider keeps the old
    value, as for an input under `ignoreChanges`. When a dependency changed
    too, the cascade decides from that dependency's own change. A trigger that
    changed alone is the program's own change and forces replacement.

    NOTE: a trigger taken from an output that a dependency updates in place
    (a `time.Rotating`'s `rotationRfc3339`) is missed.
    """
    for urn, change in list(changes.items()):
        resource = head.get(urn)
        if TRIGGER_OPTION not in change.forcing or resource is None:
            continue
        if not any(dependency in changes for dependency in resource.dependencies):
            continue

        settled = _without_trigger(change)
        if settled is None:
            del changes[urn]
        else:
            changes[urn] = settled


def _without_trigger(change: ResourceChange) -> ResourceChange | None:
    options = tuple(o for o in change.changed_options if o != TRIGGER_OPTION)
    forcing = tuple(name for name in change.forcing if name != TRIGGER_OPTION)
    if not change.changed_props and not options:
        return None
    return replace(
        change,
        action=Action.REPLACE if forcing else Action.UPDATE,
        changed_options=options,
        forcing=forcing,
    )


def _changed_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> frozenset[str]:
    keys = set(old) | set(new)
    return frozenset(key for key in keys if old.get(key) != new.get(key))


def _changed_options(old: Mapping[str, Any], new: Mapping[str, Any]) -> frozenset[str]:
    """Return the options that changed, among those both reports record.

    A report written before the check recorded an option (`replacementTrigger`,
    `replaceOnChanges`) lacks its key, which is no change of the option.
    """
    recorded = set(old) & set(new)
    return frozenset(key for key in recorded if old[key] != new[key])


def _path_changed(path: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Tell whether a `replaceOnChanges` path names a changed value ("*" is any)."""
    if path == "*":
        return old != new
    steps = [step for step in re.split(r"[.\[\]\"]+", path) if step]
    return _at_path(old, steps) != _at_path(new, steps)


def _at_path(value: Any, steps: list[str]) -> Any:
    for step in steps:
        if isinstance(value, Mapping):
            value = value.get(step)
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return None
    return value


def _top_level(path: str) -> str:
    return "*" if path == "*" else re.split(r"[.\[]", path, maxsplit=1)[0]


def _known(resource_type: str) -> bool:
    return rule_for(resource_type) is not None


def _cascade(
    changes: dict[str, ResourceChange], base: ReportIndex, head: ReportIndex
) -> dict[str, ResourceChange]:
    """Spread replacements to dependents until nothing more changes."""
    replaced = {urn for urn, c in changes.items() if c.is_replacement}
    pending = list(replaced)
    while pending:
        source = pending.pop(0)
        for dependent in head.dependents(source):
            if dependent.urn not in base:
                continue
            updated = _follow(changes.get(dependent.urn), dependent, source)
            if updated is None:
                continue
            changes[dependent.urn] = updated
            if updated.is_replacement and dependent.urn not in replaced:
                replaced.add(dependent.urn)
                pending.append(dependent.urn)
    return changes


def _follow(
    current: ResourceChange | None, dependent: ReportResource, source: str
) -> ResourceChange | None:
    """Apply one replaced dependency to a dependent's change.

    Returns `current` unchanged (None when there is none) when no input of
    the dependent takes a value from `source`, as with `depends_on` alone.
    """
    fed_inputs = [
        name
        for name in _inputs_fed_by(dependent, source)
        if name not in dependent.ignore_changes
    ]
    forced = [name for name in fed_inputs if _input_forces(dependent, name)]
    if dependent.has_replacement_trigger:
        forced.append(TRIGGER_OPTION)
    if not fed_inputs and not forced:
        return current

    change = current or ResourceChange(
        dependent.urn,
        dependent.type,
        dependent.name,
        Action.UPDATE,
        known_type=_known(dependent.type),
    )
    if forced:
        pairs = tuple((source, name) for name in sorted(set(forced)))
        return replace(
            change,
            action=Action.REPLACE,
            replaced_through=change.replaced_through + pairs,
        )
    pairs = tuple((source, name) for name in sorted(fed_inputs))
    return replace(change, new_values_from=change.new_values_from + pairs)


def _inputs_fed_by(dependent: ReportResource, source: str) -> list[str]:
    """Return the inputs whose values come from `source`.

    Without `propertyDependencies`, the masked inputs ("[secret]", "[pem]")
    are the ones that may carry a new value unseen. When there are none, the
    result is `ANY_INPUT`.
    """
    if dependent.property_dependencies is None:
        masked = [name for name, value in dependent.props.items() if _masked(value)]
        return sorted(masked) or [ANY_INPUT]
    return sorted(
        name for name, urns in dependent.property_dependencies.items() if source in urns
    )


def _masked(value: Any) -> bool:
    if isinstance(value, str):
        return value in (SECRET_MARK, PEM_MARK)
    if isinstance(value, Mapping):
        return any(_masked(item) for item in value.values())
    if isinstance(value, list):
        return any(_masked(item) for item in value)
    return False


def _input_forces(dependent: ReportResource, name: str) -> bool:
    """Tell whether a new value of the input makes the provider replace it."""
    if any(_top_level(path) in (name, "*") for path in dependent.replace_on_changes):
        return True

    rule = rule_for(dependent.type)
    if rule is None:
        return False
    if rule.forcing is None:
        return name not in rule.updatable
    return name in rule.forcing


def _in_order(
    changes: dict[str, ResourceChange], head: ReportIndex
) -> list[ResourceChange]:
    order = {urn: position for position, urn in enumerate(head.urns())}
    return sorted(changes.values(), key=lambda c: (order.get(c.urn, len(order)), c.urn))
