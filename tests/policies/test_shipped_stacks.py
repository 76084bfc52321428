"""The shipped stacks, run under the offline check's mocks, pass the pack."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from harness.check_mocks import CheckMocks
from harness.program import RegisteredResource, run_program
from policies.secrets_policies import access_report, build_policies

ROOT = Path(__file__).resolve().parents[2]
MANDATORY = EnforcementLevel.MANDATORY.value


def resource_options(resource: RegisteredResource) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        resource.protect,
        list(resource.ignore_changes),
        resource.delete_before_replace,
        [],
        PolicyCustomTimeouts(0, 0, 0),
        [],
        resource.parent,
    )


def linked_resources(
    run_resources: tuple[RegisteredResource, ...],
) -> list[PolicyResource]:
    by_urn = {
        r.urn: PolicyResource(
            r.type, r.inputs, r.urn, r.name, resource_options(r), None, None, [], {}
        )
        for r in run_resources
    }
    for r in run_resources:
        linked = by_urn[r.urn]
        linked.parent = by_urn.get(r.parent or "")
        linked.dependencies = [by_urn[u] for u in r.dependencies if u in by_urn]
        linked.property_dependencies = {
            key: [by_urn[u] for u in urns if u in by_urn]
            for key, urns in r.property_dependencies.items()
        }
    return list(by_urn.values())


def stack_setting(stack: str, key: str) -> Any:
    """Return a `secrets-platform:<key>` value from a shipped stack file."""
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    return copy.deepcopy(document["config"][f"secrets-platform:{key}"])


def evaluate(
    stack: str, overrides: dict[str, Any] | None = None
) -> list[tuple[str, str, str]]:
    """Return (level, policy, message) for every violation in the stack."""
    run = run_program(stack, CheckMocks(), config_overrides=overrides)
    config = json.loads((ROOT / "policies" / "config" / f"{stack}.json").read_text())
    resources = linked_resources(run.resources)
    found: list[tuple[str, str, str]] = []
    for policy in build_policies():
        entry = dict(config[policy.name])
        level = entry.pop("enforcementLevel")

        def report(
            message: str, urn: Any = None, level: str = level, name: str = policy.name
        ) -> None:
            found.append((level, name, message))

        if isinstance(policy, ResourceValidationPolicy):
            for r in run.resources:
                args = ResourceValidationArgs(
                    r.type, r.inputs, r.urn, r.name, resource_options(r), None, entry
                )
                policy.validate(args, report)
        elif isinstance(policy, StackValidationPolicy):
            policy.validate(StackValidationArgs(resources, entry), report)
    return found


@pytest.mark.parametrize("stack", ["local", "dev", "prod"])
def test_shipped_stack_no_mandatory_violation(stack: str) -> None:
    mandatory = [v for v in evaluate(stack) if v[0] == MANDATORY]
    assert mandatory == [], f"stack {stack} has mandatory violations: {mandatory}"


def test_shipped_stack_access_report_own_secrets() -> None:
    run = run_program("prod", CheckMocks())
    grants = access_report(linked_resources(run.resources))
    assert grants, "the prod access report is empty"
    foreign = [grant for grant in grants if grant.is_foreign()]
    assert foreign == [], f"prod grants cross services: {foreign}"


def mandatory_policies(found: list[tuple[str, str, str]]) -> set[str]:
    return {policy for level, policy, _ in found if level == MANDATORY}


def test_shared_kv_layout_passes() -> None:
    vault = stack_setting("dev", "vault")
    vault["kvLayout"] = "shared"
    found = evaluate("dev", {"vault": vault})
    assert mandatory_policies(found) == set(), f"shared layout violations: {found}"


def test_slow_password_rotation_flagged() -> None:
    rotation = stack_setting("prod", "rotation")
    rotation["databasePassword"] = 60
    found = evaluate("prod", {"rotation": rotation})
    assert "credential-rotation-trigger" in mandatory_policies(found), found


def test_long_token_ttl_flagged() -> None:
    vault = stack_setting("prod", "vault")
    vault["tokenTtlSeconds"] = 7200
    found = evaluate("prod", {"vault": vault})
    assert "vault-auth-role-token-ttl" in mandatory_policies(found), found


def test_unprotected_prod_ca_flagged() -> None:
    pki = stack_setting("prod", "pki")
    pki["protectCa"] = False
    found = evaluate("prod", {"pki": pki})
    assert "ca-protected" in mandatory_policies(found), found
