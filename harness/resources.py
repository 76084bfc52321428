"""The declared resources that the check and the policy commands evaluate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.program import ProgramRun, RegisteredResource
from harness.secret_values import redact_secrets


@dataclass(frozen=True)
class DeclaredResource:
    """A resource with its camelCase props, options and references."""

    urn: str
    type: str
    name: str
    props: dict[str, Any]
    """Inputs; a secret keeps the SDK's secret marker until a report hides it."""
    parent: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    protect: bool = False
    delete_before_replace: bool = False
    ignore_changes: tuple[str, ...] = ()
    replace_on_changes: tuple[str, ...] = ()
    replacement_trigger: Any = None
    """The `replacement_trigger` option's value; None when it is not set."""

    def to_report(self) -> dict[str, Any]:
        """Return the report shape, with every secret value as "[secret]"."""
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "dependencies": list(self.dependencies),
            "propertyDependencies": {
                key: sorted(urns)
                for key, urns in sorted(self.property_dependencies.items())
            },
            "props": redact_secrets(self.props),
            "options": {
                "protect": self.protect,
                "deleteBeforeReplace": self.delete_before_replace,
                "ignoreChanges": list(self.ignore_changes),
                "replaceOnChanges": list(self.replace_on_changes),
                "replacementTrigger": redact_secrets(self.replacement_trigger),
            },
        }


def from_registered(resource: RegisteredResource) -> DeclaredResource:
    return DeclaredResource(
        urn=resource.urn,
        type=resource.type,
        name=resource.name,
        props=resource.inputs,
        parent=resource.parent,
        dependencies=resource.dependencies,
        property_dependencies=resource.property_dependencies,
        protect=resource.protect,
        delete_before_replace=resource.delete_before_replace,
        ignore_changes=resource.ignore_changes,
        replace_on_changes=resource.replace_on_changes,
        replacement_trigger=resource.replacement_trigger,
    )


def from_program_run(run: ProgramRun) -> list[DeclaredResource]:
    """Return the run's resources sorted by URN, so reports do not depend on
    the order in which worker threads registered them."""
    resources = [from_registered(resource) for resource in run.resources]
    return sorted(resources, key=lambda resource: resource.urn)
