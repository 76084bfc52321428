"""Call the pack's validators the way the engine does, collecting violations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import unknown_checking_proxy

from policies.secrets_policies import build_policies

STACK = "test"
PROJECT = "secrets-platform"


def policy_named(name: str) -> Policy:
    matches = [policy for policy in build_policies() if policy.name == name]
    assert matches, f"no policy named {name}"
    return matches[0]


def urn_of(resource_type: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{resource_type}::{name}"


def options(
    protect: bool = False,
    parent: str | None = None,
    delete_before_replace: bool | None = None,
) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect,
        [],
        delete_before_replace,
        [],
        PolicyCustomTimeouts(0, 0, 0),
        [],
        parent,
    )


def check_resource(
    policy_name: str,
    resource_type: str,
    props: Mapping[str, Any],
    config: Mapping[str, Any] | None = None,
    protect: bool = False,
    name: str = "subject",
    delete_before_replace: bool | None = None,
) -> list[str]:
    """Run one resource policy on one resource, as the engine's proxy wraps it."""
    policy = policy_named(policy_name)
    assert isinstance(policy, ResourceValidationPolicy)
    args = ResourceValidationArgs(
        resource_type,
        unknown_checking_proxy(dict(props)),
        urn_of(resource_type, name),
        name,
        options(protect, delete_before_replace=delete_before_replace),
        None,
        dict(config or {}),
    )
    messages: list[str] = []
    policy.validate(args, lambda message, urn=None: messages.append(message))
    return messages


@dataclass
class Res:
    """A resource for a stack policy: dependencies name other resources."""

    type: str
    name: str
    props: dict[str, Any]
    parent: str | None = None
    depends_on: Sequence[str] = ()
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)
    protect: bool = False


def policy_resources(resources: Sequence[Res]) -> list[PolicyResource]:
    """Build linked `PolicyResource` objects; names double as URN keys."""
    by_name: dict[str, PolicyResource] = {}
    for res in resources:
        by_name[res.name] = PolicyResource(
            res.type,
            unknown_checking_proxy(dict(res.props)),
            urn_of(res.type, res.name),
            res.name,
            options(res.protect),
            None,
            None,
            [],
            {},
        )
    for res in resources:
        resource = by_name[res.name]
        resource.parent = by_name.get(res.parent or "")
        resource.dependencies = [by_name[name] for name in res.depends_on]
        resource.property_dependencies = {
            key: [by_name[name] for name in names]
            for key, names in res.property_dependencies.items()
        }
    return list(by_name.values())


def check_stack(
    policy_name: str,
    resources: Sequence[Res],
    config: Mapping[str, Any] | None = None,
) -> list[tuple[str, str | None]]:
    """Run one stack policy; return (message, resource name or None) pairs."""
    policy = policy_named(policy_name)
    assert isinstance(policy, StackValidationPolicy)
    args = StackValidationArgs(policy_resources(resources), dict(config or {}))
    found: list[tuple[str, str | None]] = []

    def report(message: str, urn: str | None = None) -> None:
        found.append((message, urn.rsplit("::", 1)[-1] if urn else None))

    policy.validate(args, report)
    return found
