"""The check's report for a person: plan tree, counts, policy report, outputs."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from harness.policy_eval import Violation
from harness.resources import DeclaredResource
from harness.secret_values import redact_secrets

LEVEL_ORDER = ("mandatory", "advisory", "remediate")
INDENT = "  "


def plan_lines(resources: list[DeclaredResource]) -> list[str]:
    """Return the resources as a tree by parent: type and name per line."""
    urns = {resource.urn for resource in resources}
    children: dict[str | None, list[DeclaredResource]] = defaultdict(list)
    for resource in resources:
        parent = resource.parent if resource.parent in urns else None
        children[parent].append(resource)

    lines: list[str] = []
    _append_subtree(children, None, 1, lines)
    return lines


def _append_subtree(
    children: dict[str | None, list[DeclaredResource]],
    parent: str | None,
    depth: int,
    lines: list[str],
) -> None:
    for resource in sorted(children[parent], key=lambda r: (r.type, r.name)):
        lines.append(f"{INDENT * depth}{resource.type}  {resource.name}")
        _append_subtree(children, resource.urn, depth + 1, lines)


def type_count_lines(resources: Iterable[DeclaredResource]) -> list[str]:
    counts = Counter(resource.type for resource in resources)
    return [f"{INDENT}{count:4d}  {kind}" for kind, count in sorted(counts.items())]


def violation_lines(
    violations: list[Violation], resources: list[DeclaredResource]
) -> list[str]:
    """Return violations grouped by enforcement level: policy, resource, message."""
    by_urn = {resource.urn: resource for resource in resources}
    lines: list[str] = []
    for level in LEVEL_ORDER:
        group = [item for item in violations if item.enforcement_level == level]
        if not group:
            continue
        lines.append(f"{INDENT}{level} ({len(group)})")
        for violation in sorted(group, key=lambda item: (item.policy, item.urn or "")):
            target = _resource_label(violation.urn, by_urn)
            lines.append(f"{INDENT * 2}{violation.policy}  {target}")
            lines.append(f"{INDENT * 3}{violation.message}")
    return lines or [f"{INDENT}no violations"]


def _resource_label(urn: str | None, by_urn: dict[str, DeclaredResource]) -> str:
    if urn is None:
        return "(stack)"
    resource = by_urn.get(urn)
    if resource is None:
        return urn
    return f"{resource.name} ({resource.type})"


def output_lines(outputs: dict[str, Any]) -> list[str]:
    """Return `name = value` lines; secrets print as [secret], PEM as a summary."""
    lines = []
    for name in sorted(outputs):
        display_value = _summarize_pem(redact_secrets(outputs[name]))
        if isinstance(display_value, str):
            lines.append(f"{INDENT}{name} = {display_value}")
            continue
        text = json.dumps(display_value, indent=2, sort_keys=True)
        lines.append(f"{INDENT}{name} = " + text.replace("\n", "\n" + INDENT))
    return lines or [f"{INDENT}(none)"]


def _summarize_pem(value: Any) -> Any:
    """Replace PEM text by a count of its blocks, e.g. `<PEM: 2 CERTIFICATE>`."""
    if isinstance(value, str) and "-----BEGIN " in value:
        labels = Counter(
            part.split("-----")[0] for part in value.split("-----BEGIN ")[1:]
        )
        summary = ", ".join(f"{count} {label}" for label, count in labels.items())
        return f"<PEM: {summary}>"
    if isinstance(value, dict):
        return {key: _summarize_pem(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_summarize_pem(item) for item in value]
    return value


def summary_line(violations: list[Violation]) -> str:
    counts = Counter(violation.enforcement_level for violation in violations)
    mandatory, advisory = counts["mandatory"], counts["advisory"]
    verdict = "FAILED" if mandatory else "passed"
    return (
        f"Policy check {verdict}: {mandatory} mandatory, "
        f"{advisory} advisory violation(s)"
    )


def section(title: str, lines: list[str]) -> list[str]:
    return ["", title, *lines]
