"""Text rules for string values, and the small checks that raise `ConfigError`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stack_config.model import NAMESPACE, ConfigError


@dataclass(frozen=True)
class _Rule:
    """A pattern a string value must match, with the wording for the message."""

    pattern: re.Pattern[str]
    allowed: str
    plural: str | None = None
    """The allowed wording for a list of such values, as in "a list of <plural>"."""

    def matches(self, value: str) -> bool:
        return self.pattern.fullmatch(value) is not None

    @property
    def list_allowed(self) -> str:
        """Describe a list whose entries each match the rule."""
        if self.plural is None:
            return f"a list whose entries are each {self.allowed}"
        return f"a list of {self.plural}"


def _rule(pattern: str, allowed: str, plural: str | None = None) -> _Rule:
    return _Rule(re.compile(pattern), allowed, plural)


ENVIRONMENT_RULE = _rule(
    r"[a-z](?:[a-z0-9-]{0,14}[a-z0-9])?",
    "1-16 lowercase letters, digits and hyphens, starting with a letter and not "
    "ending with a hyphen",
)
SERVICE_NAME_RULE = _rule(
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?",
    "a DNS label: 1-63 lowercase letters, digits and hyphens, no leading or "
    "trailing hyphen",
)
KEBAB_NAME_RULE = _rule(
    r"(?=.{1,63}$)[a-z][a-z0-9]*(?:-[a-z0-9]+)*",
    "kebab-case: 1-63 lowercase letters and digits in hyphen-separated words, "
    "starting with a letter",
    "kebab-case names: 1-63 lowercase letters and digits in hyphen-separated "
    "words, starting with a letter",
)
HOSTNAME_RULE = _rule(
    r"(?=.{1,253}$)(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*"
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?",
    "a lowercase DNS name such as auth.dev.internal, optionally starting with '*.'",
    "lowercase DNS names such as auth.dev.internal, each optionally starting with '*.'",
)
AUDIT_PATH_RULE = _rule(
    r"stdout|/(?:[^/\x00]+/)*[^/\x00]+",
    "an absolute file path such as /var/log/vault/audit.log, or stdout",
)
TOKEN_RULE = _rule(r"\S+", "a non-empty string without whitespace")
CLAIM_VALUE_RULE = _rule(
    r"\S(?:.*\S)?", "a non-empty string without leading or trailing whitespace"
)
HTTPS_URL_RULE = _rule(
    r"https://[^\s/?#]+(?:/[^\s?#]*)?", "an https URL without query or fragment"
)
PEM_PUBLIC_KEY_RULE = _rule(
    r"-----BEGIN PUBLIC KEY-----\s+[A-Za-z0-9+/=\s]+-----END PUBLIC KEY-----\s*",
    "a PEM public key (-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----)",
    "PEM public keys (-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----)",
)
REPOSITORY_OWNER_RULE = _rule(
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?",
    "an account or organization name: 1-39 letters, digits and hyphens",
)
CLAIM_NAME_RULE = _rule(
    r"[A-Za-z_][A-Za-z0-9_.-]*",
    "a claim name of letters, digits, underscores, dots and hyphens",
)
UUID_RULE = _rule(
    r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}",
    "a UUID such as 00000000-0000-0000-0000-000000000000",
)
AWS_REGION_RULE = _rule(
    r"[a-z]{2}(?:-[a-z]+)+-[0-9]", "an AWS region such as eu-west-1"
)
AWS_ROLE_ARN_RULE = _rule(
    r"arn:aws(?:-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}",
    "an IAM role ARN such as arn:aws:iam::111111111111:role/auth-service",
)
AZURE_LOCATION_RULE = _rule(r"[a-z][a-z0-9]*", "an Azure region such as westeurope")
AZURE_RESOURCE_GROUP_RULE = _rule(
    r"[-\w.()]{0,89}[-\w()]",
    "1-90 letters, digits, underscores, hyphens, periods and parentheses, not "
    "ending with a period",
)
AZURE_VAULT_NAME_RULE = _rule(
    r"(?!.*--)[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]",
    "3-24 letters, digits and hyphens, starting with a letter, ending with a "
    "letter or digit, no consecutive hyphens",
)
GCP_PROJECT_RULE = _rule(
    r"[a-z][a-z0-9-]{4,28}[a-z0-9]",
    "a project id: 6-30 lowercase letters, digits and hyphens, starting with a "
    "letter and not ending with a hyphen",
)
GCP_LOCATION_RULE = _rule(
    r"[a-z]+-[a-z]+[0-9]+",
    "a GCP region such as europe-west1",
    "GCP regions such as europe-west1",
)
GCP_SERVICE_ACCOUNT_RULE = _rule(
    r"[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]"
    r"\.iam\.gserviceaccount\.com",
    "a service account email such as auth-service@example-dev.iam.gserviceaccount.com",
)
IDENTITY_RULES = {
    "aws": AWS_ROLE_ARN_RULE,
    "azure": UUID_RULE,
    "gcp": GCP_SERVICE_ACCOUNT_RULE,
}


def _describe(value: Any) -> str:
    """Render a non-secret config value for a message, cut to 60 characters."""
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _range(minimum: int, maximum: int) -> str:
    return f"integers {minimum}-{maximum}"


def _check_text(value: Any, key: str, rule: _Rule) -> str:
    if not isinstance(value, str):
        raise ConfigError(
            key, f"must be a string, got {_describe(value)}", rule.allowed
        )

    if not rule.matches(value):
        raise ConfigError(key, f"{_describe(value)} is not valid", rule.allowed)
    return value


def _check_choice(value: Any, key: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(
            key, f"{_describe(value)} is not supported", ", ".join(choices)
        )
    return value


def _check_list_entries(
    entries: list[Any], key: str, check: Callable[[Any, str], str]
) -> tuple[str, ...]:
    """Check each entry of a list with `check(entry, entry_key)` and reject repeats."""
    checked: list[str] = []
    for index, entry in enumerate(entries):
        entry_key = f"{key}[{index}]"
        value = check(entry, entry_key)
        if value in checked:
            raise ConfigError(
                entry_key, f"{_describe(value)} is listed twice", "each value once"
            )
        checked.append(value)
    return tuple(checked)


def _check_ceiling(
    key: str,
    value: int,
    ceiling_key: str,
    ceiling: int,
    *,
    minimum: int = 1,
    strict: bool = False,
) -> None:
    """Reject `value` when it is above (or, if `strict`, not below) another key's."""
    highest = ceiling - 1 if strict else ceiling
    if value > highest:
        relation = "is not below" if strict else "is above"
        raise ConfigError(
            key,
            f"{value} {relation} {NAMESPACE}:{ceiling_key} ({ceiling})",
            _range(minimum, highest),
        )
