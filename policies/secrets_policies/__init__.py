"""The secrets-platform policy pack: rotation, access and store hardening rules.

`build_policies()` returns every policy; `policies/__main__.py` serves them
to the Pulumi CLI and the offline check evaluates the same objects.
`access_report()` lists who can read which secret.
"""

from __future__ import annotations

from pulumi_policy import Policy

from . import (
    access,
    aws,
    azure,
    certificates,
    credentials,
    gcp,
    vault_access,
    vault_engines,
    vault_kv,
)
from .access import AccessGrant, access_report, format_access_report

RULE_MODULES = (
    vault_kv,
    vault_access,
    vault_engines,
    credentials,
    certificates,
    aws,
    azure,
    gcp,
    access,
)


def build_policies() -> list[Policy]:
    """Return every policy of the pack, each with its default enforcement level."""
    policies: list[Policy] = []
    for module in RULE_MODULES:
        policies += module.build()
    return policies


__all__ = ["AccessGrant", "access_report", "build_policies", "format_access_report"]
