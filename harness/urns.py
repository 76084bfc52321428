"""URNs built the way the Pulumi engine builds them."""

from __future__ import annotations

STACK_TYPE = "pulumi:pulumi:Stack"


def qualified_type(urn: str) -> str:
    """Return the URN's type, prefixed by its ancestors' types (`A$B$type`)."""
    return urn.split("::")[2]


def engine_urn(
    stack: str, project: str, resource_type: str, name: str, parent: str | None
) -> str:
    """Build a URN: the parent's qualified type, `$`, then the resource's type.

    Children of the root stack carry no stack prefix, as in the engine.
    """
    if parent and qualified_type(parent) != STACK_TYPE:
        resource_type = f"{qualified_type(parent)}${resource_type}"
    return f"urn:pulumi:{stack}::{project}::{resource_type}::{name}"
