"""Lines of the check's text report on disabled policies and plain secrets."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import yaml

from harness.stack_files import load_project, plain_external_warnings
from tests.harness.conftest import run_cli

BAD_MOUNT = {
    "type": "vault:index/mount:Mount",
    "name": "legacy-kv",
    "props": {"path": "legacy/kv", "type": "kv-v2"},
    "options": {"deleteBeforeReplace": True},
}
PLAIN_KEY = "secrets-platform:external.llm-service.openrouter-api-key"


def _set_policy_config(project: Path, config: dict) -> None:
    path = project / "policies" / "config" / "dev.json"
    path.write_text(json.dumps(config), encoding="utf-8")


def _dump(tmp_path: Path) -> Path:
    path = tmp_path / "dump.json"
    document = {"stack": "dev", "resources": [BAD_MOUNT]}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _add_external(project: Path, external: dict) -> None:
    stack_file = project / "Pulumi.dev.yaml"
    document = yaml.safe_load(stack_file.read_text())
    document["config"]["secrets-platform:external"] = external
    stack_file.write_text(yaml.safe_dump(document))


def test_policy_lists_disabled_policies(project_copy: Path, tmp_path: Path) -> None:
    _set_policy_config(project_copy, {"all": "disabled"})

    run = run_cli(["policy", str(_dump(tmp_path)), "--project-dir", str(project_copy)])

    assert run.exit_code == 0, run.stderr
    assert "policies, not run)" in run.stdout, run.stdout
    assert "    vault-kv-mount-version-2" in run.stdout, run.stdout
    assert "Not run: " in run.stdout.splitlines()[-1], run.stdout[-500:]


def test_policy_names_only_disabled(project_copy: Path, tmp_path: Path) -> None:
    _set_policy_config(project_copy, {"vault-audit-device": "disabled"})

    run = run_cli(["policy", str(_dump(tmp_path)), "--project-dir", str(project_copy)])

    assert "disabled (1 of " in run.stdout, run.stdout
    assert "    vault-audit-device" in run.stdout, run.stdout
    assert "Not run: 1 disabled policies" in run.stdout, run.stdout[-500:]


def test_policy_advisory_summary_counts(project_copy: Path, tmp_path: Path) -> None:
    _set_policy_config(project_copy, {"all": "advisory"})

    run = run_cli(["policy", str(_dump(tmp_path)), "--project-dir", str(project_copy)])

    assert run.exit_code == 0, run.stderr
    assert "advisory (2)" in run.stdout, run.stdout
    assert "0 mandatory, 2 advisory violation(s)" in run.stdout, run.stdout[-500:]


def test_check_plain_external_exits_1(project_copy: Path) -> None:
    value = secrets.token_urlsafe(24)
    _add_external(project_copy, {"llm-service": {"openrouter-api-key": value}})

    run = run_cli(["check", "--project-dir", str(project_copy)])

    assert run.exit_code == 1, run.stderr
    assert f"{PLAIN_KEY} is plain text in Pulumi.dev.yaml" in run.stdout, run.stdout
    assert "Check FAILED: 1 plain-text" in run.stdout, run.stdout[-500:]
    assert value not in run.stdout + run.stderr, "the plain value was printed"


def test_plain_external_secure_leaves_pass(project_copy: Path) -> None:
    secure = {"secure": "v1:" + secrets.token_hex(8)}
    _add_external(project_copy, {"llm-service": {"openrouter-api-key": secure}})

    warnings = plain_external_warnings(load_project(project_copy), "dev")

    assert warnings == [], f"secure values reported: {warnings}"


def test_plain_external_names_each_key(project_copy: Path) -> None:
    external = {
        "llm-service": {
            "openrouter-api-key": secrets.token_hex(8),
            "deepseek-api-key": {"secure": "v1:" + secrets.token_hex(8)},
            "anthropic-api-key": secrets.token_hex(8),
        },
        "auth-service": secrets.token_hex(8),
    }
    _add_external(project_copy, external)

    warnings = plain_external_warnings(load_project(project_copy), "dev")
    keys = sorted(warning.split(" ")[0] for warning in warnings)

    assert keys == [
        "secrets-platform:external.auth-service",
        "secrets-platform:external.llm-service.anthropic-api-key",
        PLAIN_KEY,
    ], warnings
