"""The shipped per-stack config and docs/policies.md match the pack's code."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import EnforcementLevel, Policy, StackValidationPolicy

from policies.secrets_policies import build_policies

ROOT = Path(__file__).resolve().parents[2]
STACKS = ("local", "dev", "prod")
LEVELS = {level.value for level in EnforcementLevel}
SCHEMA_TYPES: dict[str, type | tuple[type, ...]] = {
    "integer": int,
    "boolean": bool,
    "string": str,
    "array": list,
}
ROW = re.compile(r"^\|(.+)\|\s*$")


def load_config(stack: str) -> dict[str, dict[str, Any]]:
    return json.loads((ROOT / "policies" / "config" / f"{stack}.json").read_text())


def policies_by_name() -> dict[str, Policy]:
    return {policy.name: policy for policy in build_policies()}


def schema_of(policy: Policy) -> dict[str, dict[str, Any]]:
    return policy.config_schema.properties if policy.config_schema else {}


def test_policy_names_unique_kebab_case() -> None:
    names = [policy.name for policy in build_policies()]
    assert len(names) == len(set(names)), "duplicate policy names"
    for name in names:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", name), (
            f"{name} is not kebab-case"
        )


def test_policies_declare_level_and_sentence() -> None:
    for policy in build_policies():
        assert policy.enforcement_level is not None, f"{policy.name} has no level"
        assert policy.description.endswith("."), f"{policy.name} description"


@pytest.mark.parametrize("stack", STACKS)
def test_config_names_existing_policies(stack: str) -> None:
    unknown = set(load_config(stack)) - set(policies_by_name())
    assert unknown == set(), f"{stack}.json names unknown policies"


@pytest.mark.parametrize("stack", STACKS)
def test_config_covers_every_policy(stack: str) -> None:
    missing = set(policies_by_name()) - set(load_config(stack))
    assert missing == set(), f"{stack}.json leaves policies out"


@pytest.mark.parametrize("stack", STACKS)
def test_config_levels_valid(stack: str) -> None:
    for name, entry in load_config(stack).items():
        level = entry.get("enforcementLevel")
        assert level in LEVELS, f"{stack}.json {name}: enforcementLevel {level}"


@pytest.mark.parametrize("stack", STACKS)
def test_config_settings_match_schema(stack: str) -> None:
    policies = policies_by_name()
    for name, entry in load_config(stack).items():
        schema = schema_of(policies[name])
        for key, value in entry.items():
            if key == "enforcementLevel":
                continue
            assert key in schema, f"{stack}.json {name}: unknown setting {key}"
            expected = SCHEMA_TYPES[schema[key]["type"]]
            assert isinstance(value, expected), f"{stack}.json {name}.{key} type"


def test_schema_defaults_match_types() -> None:
    for policy in build_policies():
        for key, spec in schema_of(policy).items():
            expected = SCHEMA_TYPES[spec["type"]]
            assert isinstance(spec["default"], expected), f"{policy.name}.{key}"


def doc_rows(heading: str) -> list[list[str]]:
    """Return the cells of the table under a `###` heading of docs/policies.md."""
    text = (ROOT / "docs" / "policies.md").read_text()
    section = text.split(f"### {heading}\n", 1)[1].split("\n#", 1)[0]
    rows = [ROW.match(line) for line in section.splitlines()]
    cells = [[cell.strip() for cell in row.group(1).split("|")] for row in rows if row]
    return [row for row in cells[1:] if not set(row[0]) <= {"-"}]


def expected_level_rows() -> list[list[str]]:
    configs = {stack: load_config(stack) for stack in STACKS}
    rows = []
    for policy in build_policies():
        kind = "stack" if isinstance(policy, StackValidationPolicy) else "resource"
        levels = [configs[stack][policy.name]["enforcementLevel"] for stack in STACKS]
        rows.append([f"`{policy.name}`", kind, policy.description, *levels])
    return rows


def expected_threshold_rows() -> list[list[str]]:
    configs = {stack: load_config(stack) for stack in STACKS}
    rows = []
    for policy in build_policies():
        for key, spec in schema_of(policy).items():
            values = [
                json.dumps(configs[stack][policy.name].get(key, spec["default"]))
                for stack in STACKS
            ]
            default = json.dumps(spec["default"])
            rows.append([f"`{policy.name}`", f"`{key}`", default, *values])
    return rows


def markdown_rows(rows: list[list[str]]) -> str:
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def test_doc_lists_every_level() -> None:
    expected = expected_level_rows()
    assert doc_rows("Enforcement levels") == expected, (
        "docs/policies.md levels table differs from code and config; expected "
        f"rows:\n{markdown_rows(expected)}"
    )


def test_doc_lists_every_threshold() -> None:
    expected = expected_threshold_rows()
    assert doc_rows("Thresholds") == expected, (
        "docs/policies.md thresholds table differs from code and config; expected "
        f"rows:\n{markdown_rows(expected)}"
    )
