"""Read `Pulumi.yaml` and `Pulumi.<stack>.yaml` into the config the SDK reads.

Without the CLI there is no way to decrypt `secure:` values, so each one, and
each external secret a service lists but the stack has not set, is replaced by
a placeholder secret. The keys filled that way are reported to the caller.
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harness.secret_values import PLACEHOLDER

# The characters Pulumi allows in a stack name. A `/` would let the name reach
# a file outside the project directory.
STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")


class StackFileError(Exception):
    """A project or stack file that is missing or malformed."""


class DuplicateKeyError(yaml.YAMLError):
    """A mapping key that appears twice in one YAML mapping."""

    def __init__(self, key: Any, line: int, first_line: int) -> None:
        super().__init__(f"duplicate key {key!r} at line {line}")
        self.key = key
        self.line = line
        self.first_line = first_line


class UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that raises `DuplicateKeyError` on a repeated key.

    PyYAML's own loaders keep the last value of a repeated key without a
    warning, so a second `auth-service:` would silently replace the first.
    """

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        _check_unique_keys(self, node)
        return super().construct_mapping(node, deep=deep)


def _check_unique_keys(loader: yaml.SafeLoader, node: yaml.MappingNode) -> None:
    """Raise `DuplicateKeyError` for the second occurrence of a key in `node`."""
    first_lines: dict[Any, int] = {}
    for key_node, _ in node.value:
        # A `<<` merge key may repeat, and merged keys may be overridden.
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue

        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, Hashable):
            continue
        if key in first_lines:
            raise DuplicateKeyError(key, line, first_lines[key])
        first_lines[key] = line


@dataclass(frozen=True)
class Project:
    """The Pulumi project found in a directory."""

    name: str
    directory: Path
    main: Path
    """The program file the language host runs (`__main__.py`)."""


@dataclass(frozen=True)
class StackConfig:
    """A stack's config as the language host hands it to the program."""

    values: dict[str, Any]
    """Full key (`project:key`) to plain value; objects stay objects."""
    secret_keys: frozenset[str]
    filled_placeholders: tuple[str, ...] = field(default=())
    """Config paths given a placeholder secret, e.g. `ns:external.svc.name`."""

    def runtime_values(self) -> dict[str, str]:
        """Return the values encoded as the CLI passes them (objects as JSON)."""
        return {key: _encode(value) for key, value in self.values.items()}


def load_project(project_dir: Path) -> Project:
    """Read the project name and program location from `Pulumi.yaml`."""
    if not project_dir.is_dir():
        raise StackFileError(
            f"{project_dir}: not a directory (the project directory must "
            "contain Pulumi.yaml)"
        )

    document = _read_yaml(project_dir / "Pulumi.yaml")
    name = document.get("name")
    if not isinstance(name, str) or not name:
        raise StackFileError(f"{project_dir / 'Pulumi.yaml'}: missing field 'name'")

    main_dir = project_dir / str(document.get("main", "."))
    return Project(name=name, directory=project_dir, main=main_dir / "__main__.py")


def load_stack_config(
    project: Project, stack: str, overrides: Mapping[str, Any] | None = None
) -> StackConfig:
    """Read a stack's config, apply overrides and fill placeholder secrets."""
    check_stack_name(stack)
    values = _project_defaults(project)
    values.update(_stack_values(project, stack))
    values.update(_namespaced(project.name, overrides or {}))

    filled: list[str] = []
    secret_keys = set()
    for key in list(values):
        values[key], found = _replace_secure(values[key], key, filled)
        if found:
            secret_keys.add(key)

    secret_keys |= _fill_external(project.name, values, filled)
    return StackConfig(values, frozenset(secret_keys), tuple(filled))


def is_stack_name(text: str) -> bool:
    return STACK_NAME.fullmatch(text) is not None


def check_stack_name(stack: str) -> str:
    """Return `stack` if it is a plain Pulumi stack name, or raise StackFileError."""
    if not is_stack_name(stack):
        raise StackFileError(
            f"invalid stack name {stack!r}: use 1 to 100 letters, digits, "
            "'-', '_' or '.', without '/'"
        )
    return stack


def plain_external_warnings(project: Project, stack: str) -> list[str]:
    """Name each key under `external` in the stack file that is not `secure:`.

    Each message names the key and the file, never the value.
    """
    path = _stack_file(project, stack)
    external_key = f"{project.name}:external"
    external = _namespaced(project.name, _stack_file_config(path)).get(external_key)
    return [
        f"{external_key}{suffix} is plain text in {path.name}. Encrypt it with "
        f"`pulumi config set --secret --path '{external_key}{suffix}' --stack {stack}`"
        for suffix in _plain_leaves(external)
    ]


def _plain_leaves(external: Any) -> list[str]:
    """Return `.service.name` paths of the values that are not `{secure: ...}`."""
    if external is None or _is_secure(external):
        return []
    if not isinstance(external, dict):
        return [""]

    plain: list[str] = []
    for service, values in external.items():
        if _is_secure(values):
            continue
        if not isinstance(values, dict):
            plain.append(f".{service}")
            continue
        for name, value in values.items():
            if not _is_secure(value):
                plain.append(f".{service}.{name}")
    return plain


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def available_stacks(project_dir: Path) -> list[str]:
    """Return the stack names that have a `Pulumi.<stack>.yaml` file."""
    names = (path.name for path in project_dir.glob("Pulumi.*.yaml"))
    return sorted(name[len("Pulumi.") : -len(".yaml")] for name in names)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), UniqueKeyLoader)
    except FileNotFoundError:
        raise StackFileError(f"{path}: file not found") from None
    except UnicodeDecodeError as error:
        raise StackFileError(
            f"{path}: not UTF-8 text (invalid byte at offset {error.start})"
        ) from None
    except OSError as error:
        raise StackFileError(f"{path}: cannot read ({error.strerror})") from None
    except DuplicateKeyError as error:
        raise StackFileError(
            f"{path}: duplicate key {error.key!r} at line {error.line} (first at "
            f"line {error.first_line}). Keep one entry, because YAML keeps only "
            "the last"
        ) from None
    except yaml.YAMLError as error:
        raise StackFileError(f"{path}: invalid YAML ({_first_line(error)})") from None

    if document is None:
        return {}
    if not isinstance(document, dict):
        raise StackFileError(f"{path}: expected a mapping at the top level")
    return document


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _project_defaults(project: Project) -> dict[str, Any]:
    """Return the `config:` defaults declared in `Pulumi.yaml`."""
    declared = _read_yaml(project.directory / "Pulumi.yaml").get("config") or {}
    defaults: dict[str, Any] = {}
    for key, spec in _namespaced(project.name, declared).items():
        if isinstance(spec, dict) and ("default" in spec or "value" in spec):
            defaults[key] = spec.get("value", spec.get("default"))
        elif not isinstance(spec, dict):
            defaults[key] = spec
    return defaults


def _stack_values(project: Project, stack: str) -> dict[str, Any]:
    path = _stack_file(project, stack)
    config = _namespaced(project.name, _stack_file_config(path))
    for key, value in config.items():
        _check_secure_values(value, key, path)
    return config


def _stack_file(project: Project, stack: str) -> Path:
    """Return the path of `Pulumi.<stack>.yaml`, or raise when it does not exist."""
    path = project.directory / f"Pulumi.{check_stack_name(stack)}.yaml"
    if not path.exists():
        known = ", ".join(available_stacks(project.directory)) or "none"
        raise StackFileError(
            f"stack '{stack}' has no {path.name} in {project.directory} "
            f"(stacks with a file: {known})"
        )
    return path


def _stack_file_config(path: Path) -> dict[str, Any]:
    config = _read_yaml(path).get("config") or {}
    if not isinstance(config, dict):
        raise StackFileError(f"{path}: 'config' must be a mapping")
    return config


def _check_secure_values(value: Any, key: str, path: Path) -> None:
    """Reject a `secure:` value that is not a ciphertext string, naming the key."""
    if _is_secure(value):
        if not isinstance(value["secure"], str) or not value["secure"]:
            raise StackFileError(
                f"{path}: {key}.secure must be a non-empty string (the ciphertext "
                "that `pulumi config set --secret` writes)"
            )
        return

    if isinstance(value, dict):
        for name, item in value.items():
            _check_secure_values(item, f"{key}.{name}", path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_secure_values(item, f"{key}[{index}]", path)


def _namespaced(project_name: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """Prefix keys that have no namespace with the project name, as the CLI does."""
    return {
        key if ":" in key else f"{project_name}:{key}": value
        for key, value in config.items()
    }


def _replace_secure(value: Any, path: str, filled: list[str]) -> tuple[Any, bool]:
    """Replace every `{secure: ...}` leaf by a placeholder; report if any was."""
    if isinstance(value, dict) and set(value) == {"secure"}:
        filled.append(path)
        return PLACEHOLDER, True

    found = False
    if isinstance(value, dict):
        result = {}
        for name, item in value.items():
            result[name], item_found = _replace_secure(item, f"{path}.{name}", filled)
            found = found or item_found
        return result, found

    if isinstance(value, list):
        items = []
        for index, item in enumerate(value):
            replaced, item_found = _replace_secure(item, f"{path}[{index}]", filled)
            items.append(replaced)
            found = found or item_found
        return items, found
    return value, False


def _fill_external(
    namespace: str, values: dict[str, Any], filled: list[str]
) -> set[str]:
    """Give each external secret a service lists and the stack lacks a placeholder.

    Malformed `services` or `external` values are left alone, so that the
    program's own validation reports them with the key.
    """
    services = values.get(f"{namespace}:services")
    external_key = f"{namespace}:external"
    external = values.get(external_key, {})
    if not isinstance(services, dict) or not isinstance(external, dict):
        return set()

    added = False
    for service, settings in services.items():
        for name in _external_names(settings):
            stored = external.setdefault(service, {})
            if isinstance(stored, dict) and name not in stored:
                stored[name] = PLACEHOLDER
                filled.append(f"{external_key}.{service}.{name}")
                added = True

    if added:
        values[external_key] = external
    return {external_key} if external_key in values else set()


def _external_names(settings: Any) -> list[str]:
    names = settings.get("external") if isinstance(settings, dict) else None
    if not isinstance(names, list):
        return []
    return [name for name in names if isinstance(name, str)]


def _encode(value: Any) -> str:
    """Encode a value as the CLI does: strings raw, everything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value)
