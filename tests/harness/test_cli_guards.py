"""Command-line guards: report targets, duplicate keys, config bounds, hints."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from harness.policy_config import PolicyConfigError, resolve_settings
from harness.stack_files import (
    StackFileError,
    load_project,
    load_stack_config,
    plain_external_warnings,
)
from tests.harness.conftest import run_cli

SERVICES_LINE = "  secrets-platform:services:\n"
TTL_POLICY = "vault-auth-role-token-ttl"


def _check_json(project: Path, target: Path, *extra: str) -> list[str]:
    return ["check", "--project-dir", str(project), "--json", str(target), *extra]


def test_json_rejects_stack_file(project_copy: Path) -> None:
    stack_file = project_copy / "Pulumi.dev.yaml"
    before = stack_file.read_bytes()

    run = run_cli(_check_json(project_copy, stack_file))

    assert run.exit_code == 2, run.stdout[-500:]
    assert str(stack_file) in run.stderr, run.stderr
    assert stack_file.read_bytes() == before, "Pulumi.dev.yaml was replaced"


def test_json_rejects_symlink_to_project(project_copy: Path, tmp_path: Path) -> None:
    project_file = project_copy / "Pulumi.yaml"
    before = project_file.read_bytes()
    link = tmp_path / "report.json"
    link.symlink_to(project_file)

    run = run_cli(_check_json(project_copy, link))

    assert run.exit_code == 2, run.stdout[-500:]
    assert str(link) in run.stderr, run.stderr
    assert project_file.read_bytes() == before, "Pulumi.yaml was replaced"


def test_json_rejects_other_stack_file(project_copy: Path) -> None:
    prod_file = project_copy / "Pulumi.prod.yaml"
    before = prod_file.read_bytes()

    run = run_cli(_check_json(project_copy, prod_file))

    assert run.exit_code == 2, run.stdout[-500:]
    assert prod_file.read_bytes() == before, "Pulumi.prod.yaml was replaced"


def test_json_rejects_policy_config(project_copy: Path) -> None:
    config = project_copy / "policies" / "config" / "dev.json"
    before = config.read_bytes()

    run = run_cli(_check_json(project_copy, config))

    assert run.exit_code == 2, run.stdout[-500:]
    assert str(config) in run.stderr, run.stderr
    assert config.read_bytes() == before, "policies/config/dev.json was replaced"


def test_json_rejects_new_policies_file(project_copy: Path) -> None:
    target = project_copy / "policies" / "config" / "staging.json"

    run = run_cli(_check_json(project_copy, target))

    assert run.exit_code == 2, run.stdout[-500:]
    assert not target.exists(), "a report was written under policies/"


def test_markdown_rejects_stack_file(project_copy: Path, tmp_path: Path) -> None:
    stack_file = project_copy / "Pulumi.dev.yaml"
    before = stack_file.read_bytes()
    base = tmp_path / "base.json"
    arguments = ["--base", str(base), "--markdown", str(stack_file)]

    run = run_cli(_check_json(project_copy, tmp_path / "report.json", *arguments))

    assert run.exit_code == 2, run.stdout[-500:]
    assert "--markdown" in run.stderr, run.stderr
    assert str(stack_file) in run.stderr, run.stderr
    assert stack_file.read_bytes() == before, "Pulumi.dev.yaml was replaced"


def test_json_rejects_base_report(project_copy: Path, tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    base.write_text(json.dumps({"stack": "dev", "resources": []}), encoding="utf-8")
    before = base.read_bytes()

    run = run_cli(_check_json(project_copy, base, "--base", str(base)))

    assert run.exit_code == 2, run.stdout[-500:]
    assert str(base) in run.stderr, run.stderr
    assert base.read_bytes() == before, "the --base report was replaced"


def test_policy_json_rejects_input_dump(project_copy: Path, tmp_path: Path) -> None:
    dump = tmp_path / "dump.json"
    dump.write_text(json.dumps({"stack": "dev", "resources": []}), encoding="utf-8")
    before = dump.read_bytes()
    arguments = ["policy", str(dump), "--project-dir", str(project_copy)]

    run = run_cli([*arguments, "--json", str(dump)])

    assert run.exit_code == 2, run.stdout[-500:]
    assert str(dump) in run.stderr, run.stderr
    assert dump.read_bytes() == before, "the input dump was replaced"


def _write_project(directory: Path, stack_text: str) -> Path:
    (directory / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    (directory / "Pulumi.dev.yaml").write_text(stack_text, encoding="utf-8")
    return directory


def test_stack_file_rejects_nested_duplicate(tmp_path: Path) -> None:
    stack_text = (
        "config:\n"
        "  demo:services:\n"
        "    auth-service:\n"
        "      databases: [postgres]\n"
        "    auth-service:\n"
        "      databases: [redis]\n"
    )
    project = load_project(_write_project(tmp_path, stack_text))

    with pytest.raises(StackFileError) as raised:
        load_stack_config(project, "dev")

    message = str(raised.value)
    assert "Pulumi.dev.yaml" in message, message
    assert "'auth-service'" in message, message
    assert "line 5" in message, message


def test_stack_file_rejects_top_level_duplicate(tmp_path: Path) -> None:
    stack_text = "config:\n  demo:a: 1\nconfig:\n  demo:b: 2\n"
    project = load_project(_write_project(tmp_path, stack_text))

    with pytest.raises(StackFileError, match="duplicate key 'config' at line 3"):
        load_stack_config(project, "dev")


def test_stack_file_accepts_merge_override(tmp_path: Path) -> None:
    stack_text = (
        "config:\n"
        "  demo:base: &base {rotation: 30, owner: team}\n"
        "  demo:svc:\n"
        "    <<: *base\n"
        "    rotation: 7\n"
    )
    project = load_project(_write_project(tmp_path, stack_text))

    stack = load_stack_config(project, "dev")

    assert stack.values["demo:svc"] == {"rotation": 7, "owner": "team"}, "demo:svc"


def test_check_rejects_duplicate_service(project_copy: Path) -> None:
    stack_file = project_copy / "Pulumi.dev.yaml"
    text = stack_file.read_text(encoding="utf-8")
    first = SERVICES_LINE + "    auth-service:\n      databases: [redis]\n"
    text = text.replace(SERVICES_LINE, first, 1)
    stack_file.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    first_index = lines.index("    auth-service:")
    second_line = lines.index("    auth-service:", first_index + 1) + 1

    run = run_cli(["check", "--project-dir", str(project_copy)])

    assert run.exit_code == 2, run.stdout[-500:]
    assert str(stack_file) in run.stderr, run.stderr
    assert f"'auth-service' at line {second_line}" in run.stderr, run.stderr


def test_plain_external_warning_command(project_copy: Path) -> None:
    stack_file = project_copy / "Pulumi.dev.yaml"
    value = "k" + secrets.token_hex(16)
    external = (
        "  secrets-platform:external:\n"
        "    llm-service:\n"
        f"      openrouter-api-key: {value}\n"
    )
    stack_file.write_text(stack_file.read_text(encoding="utf-8") + external)
    command = (
        "`pulumi config set --secret --path "
        "'secrets-platform:external.llm-service.openrouter-api-key' --stack dev`"
    )

    warnings = plain_external_warnings(load_project(project_copy), "dev")

    assert len(warnings) == 1, warnings
    assert warnings[0].endswith(command), warnings[0]
    assert value not in warnings[0], "the plain value is in the warning"


def _ignore(args: ResourceValidationArgs, report_violation: object) -> None:
    del args, report_violation


def _bounded_policy(limit_schema: dict) -> ResourceValidationPolicy:
    schema = PolicyConfigSchema(properties={"limit": limit_schema})
    return ResourceValidationPolicy(
        "bounded", "A policy with one numeric property.", _ignore, config_schema=schema
    )


def _resolve_limit(limit_schema: dict, value: object, source: Path) -> None:
    policy = _bounded_policy(limit_schema)
    config = {"bounded": {"limit": value}}
    resolve_settings([policy], EnforcementLevel.MANDATORY, config, source)


def test_policy_rejects_negative_threshold(project_copy: Path, tmp_path: Path) -> None:
    config_path = project_copy / "policies" / "config" / "dev.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config[TTL_POLICY]["maxTokenTtlSeconds"] = -5
    config_path.write_text(json.dumps(config), encoding="utf-8")
    dump = tmp_path / "dump.json"
    dump.write_text(json.dumps({"stack": "dev", "resources": []}), encoding="utf-8")

    run = run_cli(["policy", str(dump), "--project-dir", str(project_copy)])

    assert run.exit_code == 2, run.stdout[-500:]
    assert f"{TTL_POLICY}.maxTokenTtlSeconds is -5" in run.stderr, run.stderr
    assert "at least 0" in run.stderr, run.stderr


def test_policy_config_accepts_zero_threshold(tmp_path: Path) -> None:
    _resolve_limit({"type": "integer", "default": 1}, 0, tmp_path / "dev.json")


def test_policy_config_honours_schema_minimum(tmp_path: Path) -> None:
    limit_schema = {"type": "integer", "minimum": 10, "default": 15}

    with pytest.raises(PolicyConfigError, match=r"bounded\.limit is 5, .*at least 10"):
        _resolve_limit(limit_schema, 5, tmp_path / "dev.json")


def test_policy_config_honours_schema_maximum(tmp_path: Path) -> None:
    limit_schema = {"type": "number", "maximum": 20, "default": 15}

    with pytest.raises(PolicyConfigError, match=r"bounded\.limit is 25, .*at most 20"):
        _resolve_limit(limit_schema, 25, tmp_path / "dev.json")


def test_policy_config_declared_minimum_allows_negative(tmp_path: Path) -> None:
    limit_schema = {"type": "integer", "minimum": -10, "default": 0}

    _resolve_limit(limit_schema, -3, tmp_path / "dev.json")
