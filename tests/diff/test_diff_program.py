"""Diff reports of the real program, run under the offline check's mocks."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.check_mocks import CheckMocks
from harness.diff.compare import Action, compare_reports
from harness.diff.gate import evaluate_gate
from harness.diff.meaning import ImpactKind, describe_impacts
from harness.diff.replacement import rule_for
from harness.program import run_program
from harness.report_json import build_report
from harness.resources import from_program_run

REPOSITORY = Path(__file__).resolve().parents[2]
NAMESPACE = "secrets-platform"
JWT_KEY = "auth-service-credentials-jwt-signing-key-a"
JWT_ROTATION = f"{JWT_KEY}-rotation"


def _report(stack: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    run = run_program(stack, CheckMocks(), config_overrides=overrides)
    return build_report(stack, from_program_run(run), [], run.outputs)


def _stack_setting(stack: str, key: str) -> dict[str, Any]:
    document = yaml.safe_load((REPOSITORY / f"Pulumi.{stack}.yaml").read_text())
    return dict(document["config"][f"{NAMESPACE}:{key}"])


def _with_setting(stack: str, key: str, field: str, value: Any) -> dict[str, Any]:
    setting = _stack_setting(stack, key)
    setting[field] = value
    return {key: setting}


@pytest.fixture(scope="module")
def dev_report() -> dict[str, Any]:
    return _report("dev")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_program_types_all_in_table(stack: str) -> None:
    report = _report(stack)
    types = {resource["type"] for resource in report["resources"]}
    components = {t for t in types if t.startswith(f"{NAMESPACE}:")}

    missing = sorted(t for t in types - components if rule_for(t) is None)

    assert not missing, f"types without a replacement rule: {missing}"


def test_program_two_runs_same_diff_empty(dev_report: dict[str, Any]) -> None:
    diff = compare_reports(dev_report, _report("dev"))

    assert diff.is_empty, f"changed: {[change.name for change in diff.changes]}"


def test_program_key_algorithm_replaces_ca(dev_report: dict[str, Any]) -> None:
    head = _report("dev", _with_setting("dev", "pki", "keyAlgorithm", "RSA-2048"))

    diff = compare_reports(dev_report, head)
    impacts = describe_impacts(diff)
    authorities = [i for i in impacts if i.kind is ImpactKind.CERTIFICATE_AUTHORITY]

    assert "platform-ca-cert" in {i.name for i in authorities}
    assert evaluate_gate(impacts, ()).exit_code == 1


def test_program_key_algorithm_allowed_passes(dev_report: dict[str, Any]) -> None:
    head = _report("dev", _with_setting("dev", "pki", "keyAlgorithm", "RSA-2048"))
    impacts = describe_impacts(compare_reports(dev_report, head))

    allowed = [impact.urn for impact in impacts if impact.blocking]

    assert evaluate_gate(impacts, allowed).exit_code == 0


def test_program_key_algorithm_rewrites_stores(dev_report: dict[str, Any]) -> None:
    head = _report("dev", _with_setting("dev", "pki", "keyAlgorithm", "RSA-2048"))

    diff = compare_reports(dev_report, head)
    kv = next(c for c in diff.changes if c.name == "auth-service-tls-server-kv")

    assert kv.action is Action.UPDATE, "the KV copy is written again"
    assert kv.new_values_from, "the KV copy takes the new certificate"


def test_program_rotation_days_moves_schedules(dev_report: dict[str, Any]) -> None:
    head = _report("dev", _with_setting("dev", "rotation", "databasePassword", 14))

    diff = compare_reports(dev_report, head)
    impacts = describe_impacts(diff)
    schedules = [i for i in impacts if i.kind is ImpactKind.ROTATION_SCHEDULE]

    assert schedules, "no rotation schedule impact"
    assert not diff.with_action(Action.REPLACE), "a period change replaces nothing"
    assert any("postgres-password-kv" in name for i in schedules for name in i.related)
    assert evaluate_gate(impacts, ()).exit_code == 0


def _named(report: dict[str, Any], name: str) -> dict[str, Any]:
    matches = [entry for entry in report["resources"] if entry["name"] == name]
    assert matches, f"{name} is not in the report"
    return matches[0]


def test_program_report_records_key_trigger(dev_report: dict[str, Any]) -> None:
    key = _named(dev_report, JWT_KEY)

    assert key["options"]["replacementTrigger"] is not None, f"{JWT_KEY}: trigger"
    assert key["options"]["replaceOnChanges"] == [], f"{JWT_KEY}: replaceOnChanges"
    assert "propertyDependencies" in key, f"{JWT_KEY}: propertyDependencies"


def test_program_jwt_trigger_rotates_key(dev_report: dict[str, Any]) -> None:
    head = copy.deepcopy(dev_report)
    _named(head, JWT_ROTATION)["props"]["triggers"] = {"reason": "key compromise"}

    diff = compare_reports(dev_report, head)
    impacts = describe_impacts(diff)
    rotations = [i for i in impacts if i.kind is ImpactKind.CREDENTIAL_ROTATION]
    key = next((c for c in diff.changes if c.name == JWT_KEY), None)

    assert key is not None and key.is_replacement, f"{JWT_KEY} is not replaced"
    assert JWT_KEY in {i.name for i in rotations}, f"{JWT_KEY}: no rotation impact"
    assert evaluate_gate(impacts, ()).exit_code == 0, "a key rotation never blocks"


def test_program_jwt_rotation_days_rotates_nothing(
    dev_report: dict[str, Any],
) -> None:
    head = _report("dev", _with_setting("dev", "rotation", "jwtSigningKey", 60))

    diff = compare_reports(dev_report, head)
    replaced = [change.name for change in diff.with_action(Action.REPLACE)]

    assert not replaced, f"a rotation period change replaces {replaced}"
