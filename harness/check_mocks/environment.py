"""State shared by the offline check's mock handlers during one run."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pulumi.runtime

from harness.check_mocks.pki import ThrowawayKeys
from harness.secret_values import unwrap_secrets

# A fixed clock: time-based outputs (rotation times, validity windows) are the
# same on every run, so two checks of one commit print the same plan.
REFERENCE_TIME = datetime(2026, 1, 1, tzinfo=UTC)

AWS_ACCOUNT_ID = "123456789012"
ZERO_GUID = "00000000-0000-0000-0000-000000000000"


@dataclass
class MockEnvironment:
    """The clock, keys and explicit provider settings the handlers share."""

    reference_time: datetime = REFERENCE_TIME
    keys: ThrowawayKeys = field(default_factory=ThrowawayKeys)
    _providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def remember_provider(self, provider_id: str, inputs: dict[str, Any]) -> None:
        with self._lock:
            self._providers[provider_id] = unwrap_secrets(inputs)

    def provider_setting(self, provider_ref: str, package: str, key: str) -> Any:
        """Return a setting of the resource's explicit provider, or the config's.

        `provider_ref` is the SDK's `<urn>::<id>` reference, empty for the
        default provider, whose settings come from `<package>:<key>` config.
        """
        provider_id = provider_ref.split("::")[-1] if provider_ref else ""
        with self._lock:
            settings = self._providers.get(provider_id, {})
        if key in settings:
            return settings[key]
        return pulumi.runtime.get_config(f"{package}:{key}")


def stable_uuid(*parts: str) -> str:
    """Return a UUID derived from the parts, the same on every run."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
