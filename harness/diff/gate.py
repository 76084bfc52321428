"""Decide whether a pull request may merge without a reviewer's explicit consent.

The gate fails when the change replaces, deletes or moves something whose loss
users feel at once. That is a protected resource, a CA, a Vault mount or cloud
secret store, an encryption key, or a cloud object whose name the cloud keeps
reserved after deletion. Each such URN passes only when it is named with
`--allow-replace`. Rotations of generated credentials, reissued leaf
certificates and access changes are reported and never block.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from harness.diff.meaning import Impact

EXIT_PASS = 0
EXIT_BLOCKED = 1


@dataclass(frozen=True)
class GateResult:
    """The impacts that block, those let through, and unused allowances."""

    blocked: tuple[Impact, ...]
    allowed: tuple[Impact, ...]
    unused_allowances: tuple[str, ...]
    """`--allow-replace` URNs that match no blocking impact (likely a typo)."""

    @property
    def exit_code(self) -> int:
        return EXIT_BLOCKED if self.blocked else EXIT_PASS


def evaluate_gate(
    impacts: Iterable[Impact], allow_replace: Iterable[str]
) -> GateResult:
    """Split the blocking impacts into blocked and allowed by URN."""
    allowances = set(allow_replace)
    blocking = [impact for impact in impacts if impact.blocking]

    blocked = tuple(i for i in blocking if i.urn not in allowances)
    allowed = tuple(i for i in blocking if i.urn in allowances)
    matched = {impact.urn for impact in blocking}
    unused = tuple(sorted(allowances - matched))
    return GateResult(blocked, allowed, unused)
