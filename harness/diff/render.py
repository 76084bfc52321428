"""Print a report diff for the terminal and as a pull-request comment.

Both forms name resources, types and changed property names only; no
property value is ever printed.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from harness.diff.compare import ANY_INPUT, Action, ReportDiff, ResourceChange
from harness.diff.gate import GateResult
from harness.diff.meaning import Impact, ImpactKind
from harness.output_files import write_text_atomically

KIND_TITLES = {
    ImpactKind.PROTECTED: "Protected resource",
    ImpactKind.CERTIFICATE_AUTHORITY: "CA replacement",
    ImpactKind.STORE_DELETED: "Secrets deleted",
    ImpactKind.STORE_MOVED: "Mount moved",
    ImpactKind.ENCRYPTION_KEY: "Encryption key replaced",
    ImpactKind.NAME_HELD: "Name held after deletion",
    ImpactKind.CREDENTIAL_ROTATION: "Credential rotation",
    ImpactKind.CERTIFICATE_REISSUE: "Certificate issued again",
    ImpactKind.ROTATION_SCHEDULE: "Rotation schedule",
    ImpactKind.ACCESS: "Access change",
    ImpactKind.OTHER: "Replacement",
    ImpactKind.UNKNOWN: "Replacement unknown",
}

SECTION_TITLES = {
    ImpactKind.CREDENTIAL_ROTATION: "Credential rotations",
    ImpactKind.ROTATION_SCHEDULE: "Rotation schedules",
    ImpactKind.CERTIFICATE_REISSUE: "Certificates issued again",
    ImpactKind.ACCESS: "Access changes",
    ImpactKind.OTHER: "Other replacements",
    ImpactKind.UNKNOWN: "Replacements unknown offline",
}

# Non-blocking sections, in the order a reviewer reads them.
REPORTED_KINDS = tuple(SECTION_TITLES)


def summary_line(diff: ReportDiff) -> str:
    """Return the counts of replaced, updated, added and removed resources."""
    counts = [
        f"{len(diff.with_action(Action.REPLACE))} replaced",
        f"{len(diff.with_action(Action.UPDATE))} updated",
        f"{len(diff.with_action(Action.ADD))} added",
        f"{len(diff.with_action(Action.REMOVE))} removed",
    ]
    return ", ".join(counts)


def render_text(
    diff: ReportDiff, impacts: list[Impact], gate: GateResult, base_label: str
) -> str:
    """Return the diff as terminal text."""
    stack = diff.head.stack or diff.base.stack
    lines = [f"Diff of stack {stack} against {base_label}: {summary_line(diff)}."]
    if diff.is_empty:
        lines.append("No resource changes.")
        return "\n".join(lines) + "\n"

    lines += _text_gate(gate)
    for kind in REPORTED_KINDS:
        lines += _text_section(SECTION_TITLES[kind], _of_kind(impacts, kind))
    lines += _text_changes(diff)
    return "\n".join(lines) + "\n"


def render_markdown(
    diff: ReportDiff, impacts: list[Impact], gate: GateResult, base_label: str
) -> str:
    """Return the diff as a Markdown pull-request comment."""
    stack = diff.head.stack or diff.base.stack
    lines = [
        f"## Secrets diff: stack `{stack}`",
        "",
        f"Against {_md(base_label)}: {summary_line(diff)}.",
        "",
    ]
    if diff.is_empty:
        return "\n".join([*lines, "No resource changes.", ""])

    lines += _markdown_gate(gate)
    for kind in REPORTED_KINDS:
        lines += _markdown_section(SECTION_TITLES[kind], _of_kind(impacts, kind))
    lines += _markdown_changes(diff)
    return "\n".join(lines)


def write_atomically(path: Path, text: str) -> None:
    """Write the file so no reader sees half of it; raises `OutputWriteError`."""
    write_text_atomically(path, text)


def _of_kind(impacts: Iterable[Impact], kind: ImpactKind) -> list[Impact]:
    return [impact for impact in impacts if impact.kind is kind]


def _headline(impact: Impact) -> str:
    return f"{impact.name} ({impact.label}, {impact.service})"


def _text_gate(gate: GateResult) -> list[str]:
    lines: list[str] = []
    if gate.blocked:
        lines += ["", "BLOCKED: accept each with --allow-replace URN"]
        lines += _text_impacts(gate.blocked, with_kind=True, with_urn=True)
    if gate.allowed:
        lines += ["", "Allowed with --allow-replace:"]
        lines += _text_impacts(gate.allowed, with_kind=True, with_urn=True)
    for urn in gate.unused_allowances:
        lines.append(f"note: --allow-replace {urn} matches no blocking change")
    return lines


def _text_section(title: str, impacts: list[Impact]) -> list[str]:
    if not impacts:
        return []
    return ["", f"{title}:", *_text_impacts(impacts)]


def _text_impacts(
    impacts: Iterable[Impact], with_kind: bool = False, with_urn: bool = False
) -> list[str]:
    lines: list[str] = []
    for impact in impacts:
        prefix = f"{KIND_TITLES[impact.kind]}: " if with_kind else ""
        lines.append(f"  {prefix}{_headline(impact)}")
        lines.append(f"    {impact.summary}")
        if impact.related:
            lines.append(f"    Follows: {', '.join(impact.related)}")
        if with_urn:
            lines.append(f"    URN: {impact.urn}")
    return lines


def _text_changes(diff: ReportDiff) -> list[str]:
    lines: list[str] = []
    for action, title in _CHANGE_TITLES:
        changes = diff.with_action(action)
        if changes:
            lines += ["", f"{title}:"]
            lines += [f"  {_change_line(change)}" for change in changes]
    return lines


_CHANGE_TITLES = (
    (Action.REPLACE, "Replaced"),
    (Action.UPDATE, "Updated"),
    (Action.ADD, "Added"),
    (Action.REMOVE, "Removed"),
)


def _change_line(change: ResourceChange) -> str:
    """Return one change as `name (type): what changed`, names only."""
    details = _change_details(change)
    suffix = f": {'; '.join(details)}" if details else ""
    return f"{change.name} ({change.type}){suffix}"


def _change_details(change: ResourceChange) -> list[str]:
    details: list[str] = []
    if change.changed_props:
        details.append("inputs " + ", ".join(change.changed_props))
    if change.changed_options:
        details.append("options " + ", ".join(change.changed_options))
    if change.forcing:
        details.append("replaced because of " + ", ".join(change.forcing))
    if change.replaced_through:
        details.append("replaced through " + _through(change.replaced_through))
    if change.new_values_from:
        details.append("new value in " + _through(change.new_values_from))
    if not change.known_type and change.action is not Action.ADD:
        details.append("replacement unknown for this type")
    return details


def _through(pairs: tuple[tuple[str, str], ...]) -> str:
    inputs = sorted({name for _, name in pairs})
    return ", ".join("a dependency" if name == ANY_INPUT else name for name in inputs)


def _markdown_gate(gate: GateResult) -> list[str]:
    lines: list[str] = []
    if gate.blocked:
        lines += [
            "### :no_entry: Blocked",
            "",
            "Each of these needs `--allow-replace URN` to pass:",
            "",
        ]
        lines += _markdown_table(gate.blocked, with_kind=True)
    else:
        lines += ["No destructive replacement blocks this change.", ""]
    if gate.allowed:
        lines += ["### Allowed with `--allow-replace`", ""]
        lines += _markdown_table(gate.allowed, with_kind=True)
    for urn in gate.unused_allowances:
        lines += [f"Note: `--allow-replace {_md(urn)}` matches no blocking change.", ""]
    return lines


def _markdown_section(title: str, impacts: list[Impact]) -> list[str]:
    if not impacts:
        return []
    return [f"### {title}", "", *_markdown_table(impacts)]


def _markdown_table(impacts: Iterable[Impact], with_kind: bool = False) -> list[str]:
    header = "| what | resource | service | meaning |"
    rule = "|---|---|---|---|"
    if not with_kind:
        header, rule = "| resource | service | meaning |", "|---|---|---|"

    rows = [header, rule]
    for impact in impacts:
        meaning = impact.summary
        if impact.related:
            meaning += " Follows: " + ", ".join(impact.related) + "."
        cells = [f"`{impact.name}` ({impact.label})", impact.service, meaning]
        if with_kind:
            cells.insert(0, KIND_TITLES[impact.kind])
        rows.append("| " + " | ".join(_md(cell) for cell in cells) + " |")
    return [*rows, ""]


def _markdown_changes(diff: ReportDiff) -> list[str]:
    lines = ["<details><summary>Every changed resource</summary>", ""]
    for action, title in _CHANGE_TITLES:
        changes = diff.with_action(action)
        if changes:
            lines += [f"**{title}**", ""]
            lines += [f"- {_md(_change_line(change))}" for change in changes]
            lines.append("")
    return [*lines, "</details>", ""]


def _md(text: str) -> str:
    return text.replace("|", "\\|")
