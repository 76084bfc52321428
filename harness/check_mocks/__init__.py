"""Mocks that return outputs shaped like the real providers', with no network.

Ids, ARNs, Azure resource ids, GCP names and Vault paths follow each
provider's format; random results are a placeholder; keys and certificates
are real throwaway PEM; time-based outputs come from a fixed reference time.
"""

from __future__ import annotations

from typing import Any

from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

from harness.check_mocks import clouds, generated, vault
from harness.check_mocks.environment import MockEnvironment, stable_uuid
from harness.check_mocks.invokes import UnmockedInvokeError, call_invoke
from harness.secret_values import unwrap_secrets

__all__ = ["CheckMocks", "MockEnvironment", "UnmockedInvokeError"]

PROVIDER_PREFIX = "pulumi:providers:"


class CheckMocks(Mocks):
    """Resource and invoke mocks for the offline check; safe across threads."""

    def __init__(self, environment: MockEnvironment | None = None) -> None:
        self.environment = environment or MockEnvironment()

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        plain = unwrap_secrets(args.inputs)
        if args.typ.startswith(PROVIDER_PREFIX):
            provider_id = stable_uuid(args.typ, args.name)
            self.environment.remember_provider(provider_id, plain)
            return provider_id, dict(args.inputs)

        resource_id, computed = self._compute(args, plain)
        return resource_id, {**args.inputs, **computed}

    def call(self, args: MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
        return call_invoke(args.token, unwrap_secrets(args.args)), []

    def _compute(
        self, args: MockResourceArgs, plain: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        env = self.environment
        if args.typ in generated.HANDLERS:
            return generated.HANDLERS[args.typ](args.name, plain, env)
        if args.typ in vault.HANDLERS:
            return vault.HANDLERS[args.typ](args.name, plain, env)
        if args.typ in clouds.HANDLERS:
            request = clouds.ResourceRequest(args.name, plain, args.provider or "")
            return clouds.HANDLERS[args.typ](request, env)
        # NOTE: a type without a handler gets its inputs echoed and no computed
        # outputs, so an `apply` on such an output receives None.
        return args.resource_id or f"{args.name}-id", {}
