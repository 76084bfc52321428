"""External secrets, checked against the names each service declares.

Their values are secrets: no message below contains one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

import pulumi
import pulumi.runtime.config

from stack_config.model import NAMESPACE, ConfigError, StackConfig


def _external_command(service: str, name: str) -> str:
    return f"pulumi config set --secret --path '{NAMESPACE}:external.{service}.{name}'"


def _check_external_service(
    name: Any, value: Any, declared: Mapping[str, tuple[str, ...]]
) -> Mapping[Any, Any]:
    key = f"external.{name}"
    if name not in declared:
        raise ConfigError(key, "is not a service of this stack", ", ".join(declared))
    if not isinstance(value, Mapping):
        raise ConfigError(key, "must be an object of secret names to secret values")
    return cast(Mapping[Any, Any], value)


def _check_external_value(
    service: str, name: Any, value: Any, declared: tuple[str, ...]
) -> str:
    key = f"external.{service}.{name}"
    if name not in declared:
        raise ConfigError(
            key,
            f"is not declared in services.{service}.external",
            ", ".join(declared) or "none declared",
        )
    if not isinstance(value, str) or not value:
        raise ConfigError(
            key,
            "must be a non-empty string. Set it with "
            + _external_command(service, str(name)),
        )
    return value


def _require_external_values(
    service: str, values: Mapping[str, str], declared: tuple[str, ...]
) -> None:
    for name in declared:
        if name not in values:
            raise ConfigError(
                f"external.{service}.{name}",
                f"is not set. Run {_external_command(service, name)} "
                "and enter the value at the prompt",
            )


def parse_external_secrets(
    raw_external: Any, stack: StackConfig
) -> dict[str, dict[str, str]]:
    """Check the decoded `external` object against each service's declared names.

    Returns, per service (every service of the stack), its external values by
    name. Every declared name must have a non-empty string value and no
    undeclared name may appear.
    """
    declared = {service.name: service.external for service in stack.services}
    if raw_external is None:
        raw_external = {}
    if not isinstance(raw_external, Mapping):
        raise ConfigError(
            "external", "must be an object of service names to secret names"
        )

    external: dict[str, dict[str, str]] = {name: {} for name in declared}
    for service, entries in cast(Mapping[Any, Any], raw_external).items():
        values = _check_external_service(service, entries, declared)
        for name, value in values.items():
            external[service][name] = _check_external_value(
                service, name, value, declared[service]
            )
    for service, names in declared.items():
        _require_external_values(service, external[service], names)
    return external


def find_plain_external_values(raw: Mapping[str, Any]) -> list[str]:
    """List the keys under `external` in a stack file's keys that are not `secure:`.

    `raw` is what `read_stack_file` returns. The result names keys only, such
    as `external.llm-service.openrouter-api-key`, never a value.
    """
    external = raw.get("external")
    if not isinstance(external, Mapping):
        return [] if external is None else ["external"]

    plain: list[str] = []
    for service, values in cast(Mapping[Any, Any], external).items():
        if not isinstance(values, Mapping):
            plain.append(f"external.{service}")
            continue
        for name, value in cast(Mapping[Any, Any], values).items():
            if not (isinstance(value, Mapping) and set(value) == {"secure"}):
                plain.append(f"external.{service}.{name}")
    return plain


def _warn_if_plain_external(config: pulumi.Config) -> None:
    full_key = config.full_key("external")
    # The engine lists a key as secret when any of its leaves is `secure:`, so a
    # mix of encrypted and plain leaves is not detected here.
    if not pulumi.runtime.config.is_config_secret(full_key):
        pulumi.log.warn(
            f"{full_key} is not stored as a secret. Set each value with "
            f"pulumi config set --secret --path '{full_key}.<service>.<name>'"
        )


def _read_external(config: pulumi.Config) -> Any:
    # The names must be checked before any resource is declared, and the result
    # of get_secret_object is an Output that cannot be checked then. So the
    # object is decoded here, and load_external_secrets wraps each value with
    # Output.secret.
    text = config.get("external")
    if text is None:
        return None

    _warn_if_plain_external(config)
    try:
        return json.loads(text)
    except ValueError:
        # `from None` keeps the decoder's message, which quotes the text, out.
        raise ConfigError(
            "external",
            "is not valid JSON. Set each value with pulumi config set --secret "
            f"--path '{NAMESPACE}:external.<service>.<name>'",
        ) from None


def load_external_secrets(
    stack: StackConfig, config: pulumi.Config | None = None
) -> dict[str, dict[str, pulumi.Output[str]]]:
    """Read `secrets-platform:external` into secret Outputs.

    Returns, for every service of the stack, each declared external name mapped
    to its value as a secret Output. Raises `ConfigError` when a declared name
    has no value or an undeclared name is set.
    """
    config = config or pulumi.Config(NAMESPACE)
    external = parse_external_secrets(_read_external(config), stack)
    return {
        service: {name: pulumi.Output.secret(value) for name, value in values.items()}
        for service, values in external.items()
    }
