"""The offline check and the policy command: run, evaluate, report."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi_policy import EnforcementLevel

from harness.check_mocks import CheckMocks
from harness.dump import read_dump
from harness.policy_config import (
    disabled_lines,
    disabled_policies,
    read_policy_config,
    resolve_settings,
)
from harness.policy_eval import (
    PolicyPack,
    Violation,
    access_lines,
    evaluate,
    load_pack,
)
from harness.program import REPOSITORY_ROOT, ProgramRun, run_program
from harness.report_json import build_report
from harness.report_text import (
    output_lines,
    plan_lines,
    section,
    summary_line,
    type_count_lines,
    violation_lines,
)
from harness.resources import DeclaredResource, from_program_run
from harness.secret_values import unmarked_secret_paths
from harness.stack_files import load_project, plain_external_warnings

PLACEHOLDER_NOTE = (
    "Placeholder secrets (secure values cannot be decrypted without the Pulumi "
    "CLI; external secrets the stack has not set):"
)


@dataclass
class Outcome:
    """The resources, violations and outputs of a run, and the lines to print."""

    stack: str
    resources: list[DeclaredResource]
    violations: list[Violation]
    outputs: dict[str, Any] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    disabled_policies: list[str] = field(default_factory=list)
    plain_secrets: list[str] = field(default_factory=list)
    """Plain-text external secrets in the stack file; each fails the check."""

    @property
    def exit_code(self) -> int:
        mandatory = EnforcementLevel.MANDATORY.value
        blocked = any(v.enforcement_level == mandatory for v in self.violations)
        return 1 if blocked or self.plain_secrets else 0

    def report(self) -> dict[str, Any]:
        return build_report(self.stack, self.resources, self.violations, self.outputs)


def run_check(
    stack: str,
    *,
    project_dir: Path = REPOSITORY_ROOT,
    policies_dir: Path | None = None,
    config_overrides: dict[str, Any] | None = None,
) -> Outcome:
    """Run the program under the check mocks and evaluate the policy pack."""
    run = run_program(
        stack, CheckMocks(), config_overrides=config_overrides, project_dir=project_dir
    )
    with _frozen_heap():
        return _evaluate_run(run, stack, project_dir, policies_dir)


def _evaluate_run(
    run: ProgramRun, stack: str, project_dir: Path, policies_dir: Path | None
) -> Outcome:
    """Evaluate the policy pack on a program run and build the check's lines."""
    resources = from_program_run(run)
    pack, violations, config_note, disabled = _evaluate_pack(
        policies_dir or project_dir / "policies", stack, resources
    )
    outcome = Outcome(stack, resources, violations, run.outputs)
    outcome.disabled_policies = disabled
    outcome.plain_secrets = plain_external_warnings(load_project(project_dir), stack)
    access = access_lines(pack, resources)
    outcome.lines = _check_lines(run, outcome, access, config_note)
    return outcome


@contextmanager
def _frozen_heap() -> Iterator[None]:
    """Keep the garbage collector off the objects that exist on entry.

    The program run leaves a heap that grows with the stack. Without this,
    each full collection during evaluation scans all of it again, and
    evaluation time per resource grows with the stack's size.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def run_policy(
    dump: Path, stack: str, *, project_dir: Path = REPOSITORY_ROOT
) -> Outcome:
    """Evaluate the policy pack on a resource dump with a stack's policy config."""
    project = load_project(project_dir).name
    resources = sorted(read_dump(dump, stack, project), key=lambda r: r.urn)
    pack, violations, config_note, disabled = _evaluate_pack(
        project_dir / "policies", stack, resources
    )
    outcome = Outcome(stack, resources, violations, disabled_policies=disabled)
    header = [f"Policy pack on {dump} (stack {stack}): {len(resources)} resources"]
    outcome.lines = [
        *header,
        *section("Resources per type", type_count_lines(resources)),
        *section(
            "Access report (who can read what)",
            access_lines(pack, resources) or ["  (none)"],
        ),
        *section(
            "Policy report", [*config_note, *violation_lines(violations, resources)]
        ),
        "",
        *_summary_lines(outcome),
    ]
    return outcome


def _evaluate_pack(
    policies_dir: Path, stack: str, resources: list[DeclaredResource]
) -> tuple[PolicyPack, list[Violation], list[str], list[str]]:
    """Evaluate the pack; also return lines naming the config and disabled policies.

    The last item is the names of the disabled policies.
    """
    pack = load_pack(policies_dir)
    config_path = policies_dir / "config" / f"{stack}.json"
    config = read_policy_config(config_path)
    settings = resolve_settings(
        pack.policies, pack.enforcement_level, config, config_path
    )
    note = f"  config: {config_path}"
    if not config_path.exists():
        note = f"  config: none ({config_path} not found), so policy defaults apply"
    violations = evaluate(pack, resources, settings).violations
    config_lines = [note, *disabled_lines(settings)]
    return pack, violations, config_lines, disabled_policies(settings)


def _check_lines(
    run: ProgramRun, outcome: Outcome, access: list[str], config_note: list[str]
) -> list[str]:
    resources = outcome.resources
    lines = [f"Stack {run.stack} (project {run.project}): {len(resources)} resources"]
    if run.filled_placeholders:
        lines += section(PLACEHOLDER_NOTE, [f"  {k}" for k in run.filled_placeholders])

    warnings = [
        *run.warnings,
        *outcome.plain_secrets,
        *_unmarked_secret_warnings(outcome),
    ]
    if warnings:
        lines += section("Warnings", [f"  {warning}" for warning in warnings])
    return [
        *lines,
        *section("Plan", plan_lines(resources)),
        *section("Resources per type", type_count_lines(resources)),
        *section("Stack outputs", output_lines(outcome.outputs)),
        *section("Access report (who can read what)", access or ["  (none)"]),
        *section(
            "Policy report",
            [*config_note, *violation_lines(outcome.violations, resources)],
        ),
        "",
        *_summary_lines(outcome),
    ]


def _summary_lines(outcome: Outcome) -> list[str]:
    """Return the policy verdict, then what else blocks the check or was not run."""
    lines = [summary_line(outcome.violations)]
    if outcome.disabled_policies:
        count = len(outcome.disabled_policies)
        lines.append(f"Not run: {count} disabled policies (see the policy report)")
    if outcome.plain_secrets:
        count = len(outcome.plain_secrets)
        lines.append(
            f"Check FAILED: {count} plain-text external secret(s) in the stack "
            "file (see Warnings)"
        )
    return lines


def _unmarked_secret_warnings(outcome: Outcome) -> list[str]:
    """Name each input or output that contains a secret without the secret marker."""
    found = []
    for resource in outcome.resources:
        for path in unmarked_secret_paths(resource.props, resource.name):
            found.append(f"input {path} contains a secret value not marked secret")
    for name, value in outcome.outputs.items():
        for path in unmarked_secret_paths(value, name):
            found.append(
                f"stack output {path} contains a secret value not marked secret"
            )
    return found
