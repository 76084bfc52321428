"""`check` and `policy` through the command line: exit codes, output, report."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from harness.check import run_check
from harness.check_mocks import CheckMocks
from harness.program import REPOSITORY_ROOT, run_program
from harness.secret_values import PLACEHOLDER, secret_strings
from tests.harness.conftest import SHIPPED_STACKS, CliRun, run_cli

RESOURCE_KEYS = {
    "urn",
    "type",
    "name",
    "parent",
    "dependencies",
    "propertyDependencies",
    "props",
    "options",
}
OPTION_KEYS = {
    "protect",
    "deleteBeforeReplace",
    "ignoreChanges",
    "replaceOnChanges",
    "replacementTrigger",
}
ROGUE_MOUNT = """
import pulumi_vault as vault

vault.Mount("rogue-kv", path="rogue/kv", type="kv-v2")
"""


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_check_shipped_stack_passes(shipped_checks: dict[str, CliRun], stack: str):
    run = shipped_checks[stack]

    assert run.exit_code == 0, f"stack {stack}: {run.stderr}{run.stdout[-2000:]}"


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_check_report_shape(shipped_checks: dict[str, CliRun], stack: str) -> None:
    report = shipped_checks[stack].report
    assert report is not None, f"stack {stack}: no JSON report written"

    assert set(report) == {"stack", "resources", "violations", "outputs"}
    assert report["stack"] == stack
    for resource in report["resources"]:
        assert set(resource) == RESOURCE_KEYS, f"{resource['urn']}: keys"
        assert set(resource["options"]) == OPTION_KEYS, f"{resource['urn']}: options"


def test_check_report_names_parents(shipped_checks: dict[str, CliRun]) -> None:
    report = shipped_checks["dev"].report
    assert report is not None
    urns = {resource["urn"] for resource in report["resources"]}

    for resource in report["resources"]:
        parent = resource["parent"]
        assert parent is None or parent in urns, f"{resource['urn']}: parent {parent}"


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_check_prints_no_secret(shipped_checks: dict[str, CliRun], stack: str):
    run = shipped_checks[stack]
    written = json.dumps(run.report)
    generated = run_program(stack, CheckMocks()).resources
    secrets = set().union(*(secret_strings(r.inputs) for r in generated))
    secrets = {secret for secret in secrets if len(secret) >= 8}

    assert secrets, f"stack {stack}: the run holds no secret input to look for"
    for text, where in ((run.stdout, "output"), (written, "JSON report")):
        assert PLACEHOLDER not in text, f"stack {stack}: placeholder in the {where}"
        assert "PRIVATE KEY" not in text, f"stack {stack}: private key in {where}"
        leaked = [secret[:12] for secret in secrets if secret in text]
        assert not leaked, f"stack {stack}: secret values in the {where}"


def test_check_report_marks_secret(shipped_checks: dict[str, CliRun]) -> None:
    report = shipped_checks["dev"].report
    assert report is not None
    secrets = [
        r for r in report["resources"] if r["type"] == "vault:kv/secretV2:SecretV2"
    ]

    assert secrets, "the dev stack wrote no KV secret"
    for secret in secrets:
        assert secret["props"]["dataJson"] == "[secret]", f"{secret['urn']}: dataJson"


def test_check_lists_filled_placeholders(shipped_checks: dict[str, CliRun]) -> None:
    stdout = shipped_checks["dev"].stdout

    assert "secrets-platform:external.llm-service.anthropic-api-key" in stdout


def test_check_bad_config_exits_2(project_copy: Path) -> None:
    stack_file = project_copy / "Pulumi.dev.yaml"
    document = yaml.safe_load(stack_file.read_text())
    document["config"]["secrets-platform:rotation"]["databasePassword"] = "monthly"
    stack_file.write_text(yaml.safe_dump(document))

    run = run_cli(["check", "--project-dir", str(project_copy)])

    assert run.exit_code == 2, run.stdout
    assert "secrets-platform:rotation.databasePassword" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr, "a traceback was printed"


def test_check_missing_stack_exits_2() -> None:
    run = run_cli(["check", "--stack", "staging"])

    assert run.exit_code == 2
    assert "Pulumi.staging.yaml" in run.stderr, run.stderr


def test_check_mandatory_violation_exits_1(project_copy: Path) -> None:
    main_file = project_copy / "__main__.py"
    main_file.write_text(main_file.read_text() + ROGUE_MOUNT)

    run = run_cli(["check", "--project-dir", str(project_copy)])

    assert run.exit_code == 1, run.stderr
    assert "vault-kv-mount-version-2  rogue-kv" in run.stdout, run.stdout[-3000:]


def test_check_json_failure_keeps_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = tmp_path / "report.json"
    report.write_text("previous")

    def fail_replace(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail_replace)
    run = run_cli(["check", "--stack", "local", "--json", str(report)])

    assert run.exit_code == 2, run.stderr
    assert report.read_text() == "previous", "the old report was overwritten"
    assert [path.name for path in tmp_path.iterdir()] == ["report.json"], "temp file"


def test_check_json_missing_directory(tmp_path: Path) -> None:
    report = tmp_path / "missing" / "report.json"

    run = run_cli(["check", "--stack", "local", "--json", str(report)])

    assert run.exit_code == 2
    assert str(report) in run.stderr, run.stderr
    assert not report.exists()


def test_check_report_hides_only_secret_leaf(shipped_checks: dict[str, CliRun]):
    report = shipped_checks["prod"].report
    assert report is not None
    secrets = [
        r for r in report["resources"] if r["type"] == "azure-native:keyvault:Secret"
    ]

    assert secrets, "the prod stack wrote no Azure Key Vault secret"
    for secret in secrets:
        properties = secret["props"]["properties"]
        assert properties["value"] == "[secret]", f"{secret['urn']}: value"
        assert properties["contentType"] != "[secret]", f"{secret['urn']}: contentType"


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_policy_on_check_report_passes(
    shipped_checks: dict[str, CliRun], stack: str, tmp_path: Path
) -> None:
    dump = tmp_path / "report.json"
    dump.write_text(json.dumps(shipped_checks[stack].report), encoding="utf-8")

    run = run_cli(["policy", str(dump), "--stack", stack])

    assert run.exit_code == 0, run.stdout[-3000:]


def test_check_report_reproducible(shipped_checks: dict[str, CliRun], tmp_path: Path):
    report = tmp_path / "again.json"

    again = run_cli(["check", "--stack", "prod", "--json", str(report)], report)

    assert again.report == shipped_checks["prod"].report, "two runs differ"


def test_check_warns_unmarked_secret(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: leaky\nruntime: python\n")
    config = {"config": {"leaky:token": {"secure": "v1:not-decryptable"}}}
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(config))
    (tmp_path / "__main__.py").write_text(
        "import pulumi\npulumi.export('token', pulumi.Config().get('token'))\n"
    )

    outcome = run_check(
        "dev", project_dir=tmp_path, policies_dir=REPOSITORY_ROOT / "policies"
    )
    printed = "\n".join(outcome.lines)

    assert "stack output token contains a secret value" in printed, printed
    assert PLACEHOLDER not in printed, "the placeholder was printed"
    assert outcome.report()["outputs"]["token"] == "[secret]"
