"""The reader that walks one config object and names the full key in errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from stack_config.model import ConfigError
from stack_config.rules import (
    _check_choice,
    _check_list_entries,
    _check_text,
    _describe,
    _range,
    _Rule,
)

_Choice = TypeVar("_Choice", bound=str)


class _ConfigObject:
    """One config object being read. Every error names the full key."""

    def __init__(self, key: str, value: Any, allowed_keys: tuple[str, ...]) -> None:
        if not isinstance(value, Mapping):
            raise ConfigError(
                key,
                f"must be an object, got {_describe(value)}",
                "an object with keys " + ", ".join(allowed_keys),
            )

        entries = cast(Mapping[Any, Any], value)
        for name in entries:
            if name not in allowed_keys:
                raise ConfigError(
                    self._join(key, str(name)),
                    "is not a known key",
                    ", ".join(allowed_keys),
                )
        self.key = key
        self.entries = entries

    @staticmethod
    def _join(key: str, name: str) -> str:
        return f"{key}.{name}" if key else name

    def key_for(self, name: str) -> str:
        return self._join(self.key, name)

    def value(self, name: str) -> Any:
        """Return the entry, or None when it is absent or null."""
        return self.entries.get(name)

    def require(self, name: str, allowed: str) -> Any:
        value = self.value(name)
        if value is None:
            raise ConfigError(self.key_for(name), "is missing", allowed)
        return value

    def text(self, name: str, rule: _Rule, default: str | None = None) -> str:
        value = self.value(name)
        if value is None and default is not None:
            return default
        return _check_text(self.require(name, rule.allowed), self.key_for(name), rule)

    def optional_text(self, name: str, rule: _Rule) -> str | None:
        value = self.value(name)
        return None if value is None else _check_text(value, self.key_for(name), rule)

    def choice(
        self, name: str, choices: tuple[_Choice, ...], default: _Choice | None = None
    ) -> _Choice:
        value = self.value(name)
        if value is None and default is not None:
            return default
        allowed = ", ".join(choices)
        return cast(
            _Choice,
            _check_choice(self.require(name, allowed), self.key_for(name), choices),
        )

    def integer(self, name: str, default: int, minimum: int, maximum: int) -> int:
        value = self.value(name)
        if value is None:
            return default

        key = self.key_for(name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(
                key,
                f"must be an integer, got {_describe(value)}",
                _range(minimum, maximum),
            )
        if not minimum <= value <= maximum:
            raise ConfigError(key, f"{value} is out of range", _range(minimum, maximum))
        return value

    def flag(self, name: str, default: bool) -> bool:
        value = self.value(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise ConfigError(
                self.key_for(name),
                f"must be a boolean, got {_describe(value)}",
                "true, false",
            )
        return value

    def list_value(self, name: str, allowed: str) -> list[Any]:
        value = self.value(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise ConfigError(
                self.key_for(name), f"must be a list, got {_describe(value)}", allowed
            )
        return cast(list[Any], value)

    def texts(self, name: str, rule: _Rule) -> tuple[str, ...]:
        """Read a list of unique strings that each match `rule`."""
        entries = self.list_value(name, rule.list_allowed)
        return _check_list_entries(
            entries,
            self.key_for(name),
            lambda entry, key: _check_text(entry, key, rule),
        )

    def choices(self, name: str, choices: tuple[_Choice, ...]) -> tuple[_Choice, ...]:
        """Read a list of unique values, each one of `choices`."""
        entries = self.list_value(name, "a list of " + ", ".join(choices))
        checked = _check_list_entries(
            entries,
            self.key_for(name),
            lambda entry, key: _check_choice(entry, key, choices),
        )
        return cast(tuple[_Choice, ...], checked)

    def section(self, name: str, allowed_keys: tuple[str, ...]) -> _ConfigObject:
        """Read a nested object. An absent one reads as empty, so defaults apply."""
        value = self.value(name)
        return _ConfigObject(
            self.key_for(name), {} if value is None else value, allowed_keys
        )

    def required_section(
        self, name: str, allowed_keys: tuple[str, ...]
    ) -> _ConfigObject:
        """Read a nested object that must be present, naming it when it is not."""
        value = self.require(name, "an object with keys " + ", ".join(allowed_keys))
        return _ConfigObject(self.key_for(name), value, allowed_keys)

    def optional_section(
        self, name: str, allowed_keys: tuple[str, ...]
    ) -> _ConfigObject | None:
        value = self.value(name)
        if value is None:
            return None
        return _ConfigObject(self.key_for(name), value, allowed_keys)
