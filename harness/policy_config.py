"""Per-stack policy config (`policies/config/<stack>.json`), merged as the CLI does.

The file has the shape of `pulumi preview --policy-pack-config`: each key is a
policy name (or `all`), each value an enforcement level or an object with an
optional `enforcementLevel` and the policy's properties. Properties fall back
to the defaults in each policy's `config_schema`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi_policy import EnforcementLevel, Policy

LEVELS = {level.value: level for level in EnforcementLevel}
JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}

# JSON Schema's numeric bounds: the test a value fails and the words for it.
BOUNDS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "minimum": (lambda value, bound: value < bound, "at least"),
    "exclusiveMinimum": (lambda value, bound: value <= bound, "greater than"),
    "maximum": (lambda value, bound: value > bound, "at most"),
    "exclusiveMaximum": (lambda value, bound: value >= bound, "less than"),
}


class PolicyConfigError(Exception):
    """A policy config file that is missing, malformed or names an unknown policy."""


@dataclass(frozen=True)
class PolicySettings:
    """The enforcement level and properties one policy runs with."""

    level: EnforcementLevel
    properties: dict[str, Any]


def policy_config_path(policies_dir: Path, stack: str) -> Path:
    return policies_dir / "config" / f"{stack}.json"


def require_policy_config(policies_dir: Path, stack: str) -> Path:
    """Return the stack's policy config file, or raise when it does not exist."""
    path = policy_config_path(policies_dir, stack)
    if not path.is_file():
        names = sorted(item.stem for item in path.parent.glob("*.json"))
        raise PolicyConfigError(
            f"{path}: not found, so stack '{stack}' has no policy config "
            f"(stacks with one: {', '.join(names) or 'none'})"
        )
    return path


def read_policy_config(path: Path) -> dict[str, Any]:
    """Read the config file; a missing file means every default applies."""
    if not path.exists():
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PolicyConfigError(f"{path}: invalid JSON ({error})") from None
    except OSError as error:
        raise PolicyConfigError(f"{path}: cannot read ({error.strerror})") from None
    if not isinstance(document, dict):
        raise PolicyConfigError(f"{path}: expected an object of policy names")
    return document


def resolve_settings(
    policies: list[Policy],
    pack_level: EnforcementLevel,
    config: dict[str, Any],
    source: Path,
) -> dict[str, PolicySettings]:
    """Return each policy's level and properties, checked against its schema."""
    known = {policy.name for policy in policies}
    for name in config:
        if name != "all" and name not in known:
            raise PolicyConfigError(
                f"{source}: '{name}' is not a policy of the pack "
                f"(policies: {', '.join(sorted(known))})"
            )

    all_level, _ = _entry(config.get("all"), source, "all")
    settings = {}
    for policy in policies:
        level, properties = _entry(config.get(policy.name), source, policy.name)
        default_level = policy.enforcement_level or pack_level
        merged = _schema_defaults(policy) | properties
        _check_types(policy, merged, source)
        settings[policy.name] = PolicySettings(
            level or all_level or default_level, merged
        )
    return settings


def disabled_policies(settings: dict[str, PolicySettings]) -> list[str]:
    """Return the names of the policies whose level is `disabled`, sorted."""
    disabled = EnforcementLevel.DISABLED
    return sorted(name for name, item in settings.items() if item.level == disabled)


def disabled_lines(settings: dict[str, PolicySettings]) -> list[str]:
    """Return report lines naming the disabled policies, or none when none is."""
    disabled = disabled_policies(settings)
    if not disabled:
        return []
    header = f"  disabled ({len(disabled)} of {len(settings)} policies, not run)"
    return [header, *(f"    {name}" for name in disabled)]


def _entry(
    value: Any, source: Path, name: str
) -> tuple[EnforcementLevel | None, dict[str, Any]]:
    """Split one config entry into its enforcement level and properties."""
    if value is None:
        return None, {}
    if isinstance(value, str):
        return _level(value, source, name), {}
    if not isinstance(value, dict):
        raise PolicyConfigError(
            f"{source}: '{name}' must be an enforcement level or an object"
        )

    properties = {key: item for key, item in value.items() if key != "enforcementLevel"}
    level = value.get("enforcementLevel")
    return (_level(level, source, name) if level is not None else None), properties


def _level(value: Any, source: Path, name: str) -> EnforcementLevel:
    if value not in LEVELS:
        raise PolicyConfigError(
            f"{source}: '{name}' has enforcement level {value!r} "
            f"(allowed: {', '.join(LEVELS)})"
        )
    return LEVELS[value]


def _schema_defaults(policy: Policy) -> dict[str, Any]:
    schema = policy.config_schema
    if schema is None or not schema.properties:
        return {}
    return {
        key: spec["default"]
        for key, spec in schema.properties.items()
        if isinstance(spec, dict) and "default" in spec
    }


def _check_types(policy: Policy, properties: dict[str, Any], source: Path) -> None:
    """Reject a property the schema does not declare or whose type differs."""
    schema = policy.config_schema.properties if policy.config_schema else {}
    for key, value in properties.items():
        spec = (schema or {}).get(key)
        if spec is None:
            declared = ", ".join(sorted(schema or {})) or "none"
            raise PolicyConfigError(
                f"{source}: {policy.name}.{key} is not a property of the policy "
                f"(properties: {declared})"
            )
        if not _matches_type(value, spec.get("type")):
            raise PolicyConfigError(
                f"{source}: {policy.name}.{key} must be of type {spec.get('type')}"
            )
        _check_range(f"{policy.name}.{key}", value, spec, source)


def _check_range(name: str, value: Any, spec: dict[str, Any], source: Path) -> None:
    """Reject a number outside the schema's bounds, naming `policy.property`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return

    for keyword, (outside, relation) in BOUNDS.items():
        bound = _bound(spec, keyword)
        if bound is not None and outside(value, bound):
            raise PolicyConfigError(
                f"{source}: {name} is {value}, but it must be {relation} {bound}"
                f"{_bound_origin(spec, keyword)}"
            )


def _bound(spec: dict[str, Any], keyword: str) -> float | None:
    """Return the schema's numeric bound, or 0 as the minimum of a numeric type."""
    bound = spec.get(keyword)
    if isinstance(bound, (int, float)) and not isinstance(bound, bool):
        return bound
    if keyword == "minimum" and _implicit_minimum(spec):
        return 0
    return None


def _implicit_minimum(spec: dict[str, Any]) -> bool:
    """Tell whether a numeric property declares no lower bound of its own."""
    declared = "minimum" in spec or "exclusiveMinimum" in spec
    return spec.get("type") in ("integer", "number") and not declared


def _bound_origin(spec: dict[str, Any], keyword: str) -> str:
    if keyword in spec:
        return f" (the policy's schema sets {keyword})"
    return " (thresholds are counts, lengths, days or seconds, so never negative)"


def _matches_type(value: Any, json_type: Any) -> bool:
    if not isinstance(json_type, str) or json_type not in JSON_TYPES:
        return True
    if isinstance(value, bool) and json_type in ("integer", "number"):
        return False
    return isinstance(value, JSON_TYPES[json_type])
