"""Building blocks shared by the rule modules: policy factories and views.

A rule module declares each policy with `resource_policy` or `stack_policy`.
The factories wrap a check that works on plain values (see `values.py`) and
on thresholds already merged with their defaults, so the same check runs
under the Pulumi engine and in the offline check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from .units import InvalidNumber
from .values import to_plain

SERVICE_COMPONENT_TYPE = "secrets-platform:service:ServiceSecrets"

Thresholds = Mapping[str, Any]
Report = Callable[[str], None]


@dataclass(frozen=True)
class Setting:
    """One configurable threshold of a policy, with its JSON schema type."""

    name: str
    schema_type: str
    default: Any
    description: str

    def schema(self) -> dict[str, Any]:
        schema = {
            "type": self.schema_type,
            "default": self.default,
            "description": self.description,
        }
        if self.schema_type == "array":
            schema["items"] = {"type": "string"}
        return schema


@dataclass(frozen=True)
class Declared:
    """A resource as a stack policy receives it, with plain props."""

    urn: str
    type: str
    name: str
    props: dict[str, Any]
    protect: bool = False
    parent_urn: str | None = None
    dependency_urns: tuple[str, ...] = ()
    property_dependency_urns: Mapping[str, tuple[str, ...]] = field(
        default_factory=dict
    )


@dataclass
class ResourceCheckArgs:
    """Input of a resource check: plain props, options and thresholds."""

    resource_type: str
    name: str
    urn: str
    props: dict[str, Any]
    protect: bool
    thresholds: Thresholds
    delete_before_replace: bool | None = None


ResourceCheck = Callable[[ResourceCheckArgs, Report], None]
StackCheck = Callable[["StackView", Thresholds, ReportViolation], None]


def config_schema(settings: Sequence[Setting]) -> PolicyConfigSchema | None:
    if not settings:
        return None
    return PolicyConfigSchema(
        properties={setting.name: setting.schema() for setting in settings}
    )


def merged_thresholds(
    settings: Sequence[Setting], config: Mapping[str, Any]
) -> dict[str, Any]:
    """Return each setting's configured value, or its default when unset."""
    values = {setting.name: setting.default for setting in settings}
    values.update({key: config[key] for key in config if key in values})
    return values


def resource_policy(
    name: str,
    description: str,
    level: EnforcementLevel,
    resource_types: Iterable[str],
    check: ResourceCheck,
    settings: Sequence[Setting] = (),
) -> ResourceValidationPolicy:
    """Build a resource policy that runs `check` on the listed types only."""
    types = frozenset(resource_types)

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation):
        if args.resource_type not in types:
            return
        check_args = ResourceCheckArgs(
            resource_type=args.resource_type,
            name=args.name,
            urn=args.urn,
            props=to_plain(args.props),
            protect=bool(args.opts.protect),
            thresholds=merged_thresholds(settings, args.get_config()),
            delete_before_replace=args.opts.delete_before_replace,
        )
        try:
            check(check_args, lambda message: report_violation(message, None))
        except InvalidNumber as error:
            # The check stops at the invalid property, so checks read their
            # numbers after their other conditions.
            report_violation(str(error), None)

    return ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=level,
        config_schema=config_schema(settings),
    )


def stack_policy(
    name: str,
    description: str,
    level: EnforcementLevel,
    check: StackCheck,
    settings: Sequence[Setting] = (),
) -> StackValidationPolicy:
    """Build a stack policy that runs `check` on a plain view of the stack."""

    def validate(args: StackValidationArgs, report_violation: ReportViolation):
        view = StackView.shared(args.resources)
        check(view, merged_thresholds(settings, args.get_config()), report_violation)

    return StackValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=level,
        config_schema=config_schema(settings),
    )


def declared_from_policy_resource(resource: PolicyResource) -> Declared:
    property_dependencies = {
        key: tuple(dependency.urn for dependency in dependencies)
        for key, dependencies in resource.property_dependencies.items()
    }
    return Declared(
        urn=resource.urn,
        type=resource.resource_type,
        name=resource.name,
        props=to_plain(resource.props),
        protect=bool(resource.opts.protect),
        parent_urn=resource.parent.urn if resource.parent else resource.opts.parent,
        dependency_urns=tuple(dependency.urn for dependency in resource.dependencies),
        property_dependency_urns=property_dependencies,
    )


class StackView:
    """Every declared resource, indexed by URN and by type, with ownership lookups."""

    _last_shared: tuple[Sequence[PolicyResource], StackView] | None = None
    """The resource list the last shared view was built from, and that view."""

    def __init__(self, resources: Sequence[Declared]) -> None:
        self.resources = list(resources)
        self.by_urn = {resource.urn: resource for resource in self.resources}
        self.by_type: dict[str, list[Declared]] = {}
        for resource in self.resources:
            self.by_type.setdefault(resource.type, []).append(resource)
        self.derived: dict[str, Any] = {}
        """Results computed once per view and shared by the checks that need them."""

    @classmethod
    def from_policy_resources(cls, resources: Sequence[PolicyResource]) -> StackView:
        return cls([declared_from_policy_resource(resource) for resource in resources])

    @classmethod
    def shared(cls, resources: Sequence[PolicyResource]) -> StackView:
        """Return the view of `resources`, built once for every stack policy.

        The offline check hands every stack policy the same list, so it is
        converted once, not once per policy. The engine's analyzer builds a
        new list per policy, which gets a view of its own. The cache keeps the
        list itself, so its id cannot be reused by another list.
        """
        last = StackView._last_shared
        if last is not None and last[0] is resources:
            return last[1]
        view = cls.from_policy_resources(resources)
        StackView._last_shared = (resources, view)
        return view

    def of_type(self, resource_type: str) -> list[Declared]:
        return list(self.by_type.get(resource_type, ()))

    def by_text_prop(self, resource_type: str, prop: str) -> dict[str, list[Declared]]:
        """Return the resources of a type grouped by the string value of `prop`.

        Built once per view, so matching m references against n resources
        costs m + n lookups rather than m * n comparisons. Resources whose
        `prop` is not a string (unset, unknown) are left out.
        """
        key = f"by-text-prop:{resource_type}:{prop}"
        if key not in self.derived:
            groups: dict[str, list[Declared]] = {}
            for resource in self.by_type.get(resource_type, ()):
                value = resource.props.get(prop)
                if isinstance(value, str):
                    groups.setdefault(value, []).append(resource)
            self.derived[key] = groups
        return self.derived[key]

    def dependencies(
        self, resource: Declared, prop: str | None = None
    ) -> list[Declared]:
        """Return the resources `resource` depends on, for one property if given.

        Without property dependencies (a dump that records none), the
        resource's plain dependencies stand in for every property.
        """
        urns: Iterable[str] = resource.dependency_urns
        if prop is not None and resource.property_dependency_urns:
            urns = resource.property_dependency_urns.get(prop, ())
        return [self.by_urn[urn] for urn in urns if urn in self.by_urn]

    def sets_input(self, resource: Declared, prop: str) -> bool:
        """Tell whether the program set `prop` as an input of `resource`.

        The SDK records a property dependency entry, empty or not, for every
        input it sends, so the keys tell inputs from provider-computed
        outputs. A dump without property dependencies carries inputs as props.
        """
        if resource.property_dependency_urns:
            return prop in resource.property_dependency_urns
        return resource.props.get(prop) is not None

    def service_of(self, resource: Declared) -> str | None:
        """Return the service whose component declares `resource`, if any."""
        current: Declared | None = resource
        while current is not None:
            if current.type == SERVICE_COMPONENT_TYPE:
                return current.name
            current = self.by_urn.get(current.parent_urn or "")
        return None

    def services(self) -> list[str]:
        return [resource.name for resource in self.of_type(SERVICE_COMPONENT_TYPE)]


def resource_label(resource: Declared) -> str:
    """Return how a message names a resource: its type's last part and name."""
    return f"{resource.type.rsplit(':', 1)[-1]} '{resource.name}'"
