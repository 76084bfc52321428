"""Read the namespace's keys from a stack file or from the Pulumi runtime."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import pulumi
import pulumi.runtime.config
import yaml

from stack_config.keys import TOP_LEVEL_KEYS
from stack_config.model import NAMESPACE, ConfigError, StackConfig
from stack_config.parser import parse_stack_config

# Keys whose value is a plain string. The engine passes every other key's YAML
# value as JSON text.
_STRING_KEYS = ("environment",)


def read_stack_file(path: str | Path) -> dict[str, Any]:
    """Return the `secrets-platform:` keys of a `Pulumi.<stack>.yaml` file.

    The keys lose the namespace prefix, and keys of other namespaces are left
    out. A `secure:` value stays the `{"secure": ...}` object the file contains.
    """
    document = yaml.safe_load(Path(path).read_text()) or {}
    config = cast(Mapping[str, Any], document.get("config") or {})
    prefix = f"{NAMESPACE}:"
    return {
        key.removeprefix(prefix): value
        for key, value in config.items()
        if key.startswith(prefix)
    }


def _decode(text: str) -> Any:
    """Decode a config value that the engine hands over as JSON text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _runtime_namespace_keys() -> set[str]:
    """List the namespace's keys set in the runtime, without the prefix."""
    # pulumi.Config offers no way to list keys, so read the runtime's config map
    # (set by the engine or by mocks) and PULUMI_CONFIG, the two places that
    # pulumi.runtime.config.get_config consults besides single-key variables.
    names = set(pulumi.runtime.config.CONFIG.get())
    names |= set(pulumi.runtime.config.get_config_env())
    prefix = f"{NAMESPACE}:"
    return {name.removeprefix(prefix) for name in names if name.startswith(prefix)}


def load_stack_config(config: pulumi.Config | None = None) -> StackConfig:
    """Read the namespace's keys from the Pulumi runtime and validate them."""
    config = config or pulumi.Config(NAMESPACE)
    for key in sorted(_runtime_namespace_keys()):
        if key not in TOP_LEVEL_KEYS:
            raise ConfigError(key, "is not a known key", ", ".join(TOP_LEVEL_KEYS))

    raw: dict[str, Any] = {}
    for key in TOP_LEVEL_KEYS:
        text = None if key == "external" else config.get(key)
        if text is not None:
            raw[key] = text if key in _STRING_KEYS else _decode(text)
    return parse_stack_config(raw)
