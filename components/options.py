"""Resource options shared by the components."""

from __future__ import annotations

from typing import Any

import pulumi


def child_options(parent: pulumi.Resource, **options: Any) -> pulumi.ResourceOptions:
    """Return options that parent a resource to its component."""
    return pulumi.ResourceOptions(parent=parent, **options)


def vault_options(
    parent: pulumi.Resource, protect: bool = False, **options: Any
) -> pulumi.ResourceOptions:
    """Return options for a Vault object, which the server identifies by its path.

    Creating the replacement first would overwrite the object at the same path
    and then delete it, so replacements delete the old object first.
    """
    return pulumi.ResourceOptions(
        parent=parent, delete_before_replace=True, protect=protect, **options
    )
