"""Evaluate the policy pack's validators on declared resources, as the analyzer does.

The pack's own policy objects run: every `ResourceValidationPolicy` on each
resource with `ResourceValidationArgs`, every `StackValidationPolicy` once with
`StackValidationArgs`. Props reach a validator as the analyzer hands them
over: secrets unwrapped to plain values, inside the unknown-checking proxy.
"""

from __future__ import annotations

import ast
import asyncio
import importlib
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from inspect import isawaitable
from pathlib import Path
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import unknown_checking_proxy

from harness.policy_config import PolicySettings
from harness.resources import DeclaredResource
from harness.secret_values import scrub, secret_strings, unwrap_secrets

PACK_MODULE = "secrets_policies"


class PolicyEvaluationError(Exception):
    """The pack could not be loaded, or a validator raised."""


@dataclass(frozen=True)
class Violation:
    """One reported violation, at the level the policy ran with."""

    policy: str
    enforcement_level: str
    urn: str | None
    message: str

    def to_report(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "enforcementLevel": self.enforcement_level,
            "urn": self.urn,
            "message": self.message,
        }


@dataclass(frozen=True)
class PolicyPack:
    """The pack's policies, its default level and its optional access report."""

    policies: list[Policy]
    enforcement_level: EnforcementLevel
    access_report: Callable[..., Any] | None = None
    format_access_report: Callable[..., list[str]] | None = None


@dataclass
class Evaluation:
    """The violations and remediations the pack reported on a set of resources."""

    violations: list[Violation] = field(default_factory=list)
    remediated: list[tuple[str, str]] = field(default_factory=list)
    """(policy, URN) pairs whose remediation changed the resource's props."""


def load_pack(policies_dir: Path) -> PolicyPack:
    """Import `secrets_policies` from `policies_dir` and build its policies."""
    _forget_other_pack(policies_dir)
    # The pack's own modules import each other relatively, so the directory is
    # needed on the path for the top-level import only.
    sys.path.insert(0, str(policies_dir))
    try:
        module = importlib.import_module(PACK_MODULE)
        policies = list(module.build_policies())
    except Exception as error:
        raise PolicyEvaluationError(
            f"cannot load the policy pack from {policies_dir / PACK_MODULE}: "
            f"{type(error).__name__}: {error}"
        ) from error
    finally:
        sys.path.remove(str(policies_dir))

    level = pack_enforcement_level(policies_dir / "__main__.py")
    return PolicyPack(
        policies,
        level,
        getattr(module, "access_report", None),
        getattr(module, "format_access_report", None),
    )


def _forget_other_pack(policies_dir: Path) -> None:
    """Drop a pack imported from another directory, so this one is imported."""
    loaded = sys.modules.get(PACK_MODULE)
    location = Path(getattr(loaded, "__file__", None) or policies_dir).resolve()
    if loaded is None or location.is_relative_to(policies_dir.resolve()):
        return
    for name in list(sys.modules):
        if name == PACK_MODULE or name.startswith(f"{PACK_MODULE}."):
            del sys.modules[name]


def pack_enforcement_level(pack_main: Path) -> EnforcementLevel:
    """Read `PolicyPack(enforcement_level=EnforcementLevel.X)` from the pack's
    `__main__.py` without running it (running it would start the analyzer).
    Without that argument the pack default is advisory, as in `pulumi_policy`."""
    try:
        tree = ast.parse(pack_main.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return EnforcementLevel.ADVISORY

    keywords = (node for node in ast.walk(tree) if isinstance(node, ast.keyword))
    for keyword in keywords:
        if keyword.arg == "enforcement_level" and isinstance(
            keyword.value, ast.Attribute
        ):
            return EnforcementLevel[keyword.value.attr]
    return EnforcementLevel.ADVISORY


def access_lines(pack: PolicyPack, resources: list[DeclaredResource]) -> list[str]:
    """Return the pack's access report (who can read what), one line per grant."""
    if pack.access_report is None or pack.format_access_report is None:
        return []
    props = {resource.urn: unwrap_secrets(resource.props) for resource in resources}
    grants = pack.access_report(policy_resources(resources, props))
    return list(pack.format_access_report(grants))


def evaluate(
    pack: PolicyPack,
    resources: list[DeclaredResource],
    settings: Mapping[str, PolicySettings],
) -> Evaluation:
    """Run every enabled policy of the pack and collect its violations."""
    evaluation = Evaluation()
    props = {resource.urn: unwrap_secrets(resource.props) for resource in resources}
    secrets = set().union(*(secret_strings(r.props) for r in resources))
    try:
        _evaluate_all(pack, resources, props, settings, evaluation)
    except PolicyEvaluationError as error:
        raise PolicyEvaluationError(scrub(str(error), secrets)) from None
    return evaluation


def _evaluate_all(
    pack: PolicyPack,
    resources: list[DeclaredResource],
    props: dict[str, Any],
    settings: Mapping[str, PolicySettings],
    evaluation: Evaluation,
) -> None:
    for policy in pack.policies:
        policy_settings = settings[policy.name]
        if policy_settings.level == EnforcementLevel.DISABLED:
            continue
        if isinstance(policy, ResourceValidationPolicy):
            _remediate(policy, resources, props, policy_settings, evaluation)

    # Every stack policy gets the same list, built once after remediation, so
    # the pack converts the stack once rather than once per policy. NOTE: the
    # engine builds a list per policy, but here a validator must not change it.
    stack_resources: list[PolicyResource] | None = None
    for policy in pack.policies:
        policy_settings = settings[policy.name]
        if policy_settings.level == EnforcementLevel.DISABLED:
            continue
        if isinstance(policy, ResourceValidationPolicy):
            for resource in resources:
                _validate_resource(policy, resource, props, policy_settings, evaluation)
        elif isinstance(policy, StackValidationPolicy):
            if stack_resources is None:
                stack_resources = policy_resources(resources, props)
            _validate_stack(policy, stack_resources, policy_settings, evaluation)


def _reported_level(level: EnforcementLevel) -> str:
    # A violation left after remediation is reported as mandatory, as the
    # analyzer does.
    if level == EnforcementLevel.REMEDIATE:
        return EnforcementLevel.MANDATORY.value
    return level.value


def _remediate(
    policy: ResourceValidationPolicy,
    resources: list[DeclaredResource],
    props: dict[str, Any],
    settings: PolicySettings,
    evaluation: Evaluation,
) -> None:
    """Apply a remediate-level policy's remediation to each resource's props."""
    if settings.level != EnforcementLevel.REMEDIATE or not policy.has_remediation():
        return
    for resource in resources:
        args = _resource_args(resource, props[resource.urn], settings)
        changed = _run_validator(policy.name, resource.urn, policy.remediate, args)
        if isinstance(changed, Mapping) and dict(changed) != props[resource.urn]:
            props[resource.urn] = unwrap_secrets(dict(changed))
            evaluation.remediated.append((policy.name, resource.urn))


def _validate_resource(
    policy: ResourceValidationPolicy,
    resource: DeclaredResource,
    props: dict[str, Any],
    settings: PolicySettings,
    evaluation: Evaluation,
) -> None:
    if not policy.has_validation():
        return

    def report_violation(message: str, urn: str | None = None) -> None:
        evaluation.violations.append(
            Violation(
                policy.name, _reported_level(settings.level), resource.urn, message
            )
        )

    args = _resource_args(resource, props[resource.urn], settings)
    _run_validator(policy.name, resource.urn, policy.validate, args, report_violation)


def _validate_stack(
    policy: StackValidationPolicy,
    stack_resources: list[PolicyResource],
    settings: PolicySettings,
    evaluation: Evaluation,
) -> None:
    def report_violation(message: str, urn: str | None = None) -> None:
        evaluation.violations.append(
            Violation(policy.name, _reported_level(settings.level), urn, message)
        )

    # NOTE: under the engine the list also contains the root stack and the
    # default providers. Here it contains the program's registrations only.
    args = StackValidationArgs(stack_resources, dict(settings.properties))
    _run_validator(policy.name, None, policy.validate, args, report_violation)


def _resource_args(
    resource: DeclaredResource, props: dict[str, Any], settings: PolicySettings
) -> ResourceValidationArgs:
    return ResourceValidationArgs(
        resource.type,
        unknown_checking_proxy(props),
        resource.urn,
        resource.name,
        _options(resource),
        None,
        dict(settings.properties),
    )


def _options(resource: DeclaredResource) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=resource.protect,
        ignore_changes=list(resource.ignore_changes),
        delete_before_replace=resource.delete_before_replace,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=resource.parent,
    )


def policy_resources(
    resources: list[DeclaredResource], props: dict[str, Any]
) -> list[PolicyResource]:
    """Build `PolicyResource`s linked to their parents and dependencies."""
    by_urn = {
        resource.urn: PolicyResource(
            resource.type,
            unknown_checking_proxy(props[resource.urn]),
            resource.urn,
            resource.name,
            _options(resource),
            None,
            None,
            [],
            {},
        )
        for resource in resources
    }
    for resource in resources:
        _link(by_urn[resource.urn], resource, by_urn)
    return list(by_urn.values())


def _link(
    target: PolicyResource,
    resource: DeclaredResource,
    by_urn: dict[str, PolicyResource],
) -> None:
    target.parent = by_urn.get(resource.parent or "")
    target.dependencies = [
        by_urn[urn] for urn in resource.dependencies if urn in by_urn
    ]
    target.property_dependencies = {
        key: [by_urn[urn] for urn in urns if urn in by_urn]
        for key, urns in resource.property_dependencies.items()
    }


def _run_validator(
    policy_name: str, urn: str | None, function: Callable[..., Any], *args: Any
) -> Any:
    """Call a validator or remediation, awaiting it if it is async."""
    try:
        result = function(*args)
        if isawaitable(result):
            result = _await(result)
    except _NotApplicableError:
        return None
    except Exception as error:
        target = f" on {urn}" if urn else ""
        raise PolicyEvaluationError(
            f"policy '{policy_name}' failed{target}: {type(error).__name__}: {error}"
        ) from error
    return result


def _await(awaitable: Any) -> Any:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(awaitable)
    finally:
        loop.close()
