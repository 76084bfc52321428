"""`policy FILE`: which stack's policy config applies, and when none exists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.program import REPOSITORY_ROOT
from tests.harness.conftest import run_cli

MOUNT = {
    "type": "vault:index/mount:Mount",
    "name": "billing-kv",
    "props": {"path": "billing/kv", "type": "kv", "options": {"version": "2"}},
    "options": {"deleteBeforeReplace": True},
}
CONFIG_DIR = REPOSITORY_ROOT / "policies" / "config"


def _dump(tmp_path: Path, **fields: Any) -> Path:
    path = tmp_path / "dump.json"
    path.write_text(json.dumps({**fields, "resources": [MOUNT]}), encoding="utf-8")
    return path


def test_policy_uses_dump_stack(tmp_path: Path) -> None:
    dump = _dump(tmp_path, stack="prod")

    run = run_cli(["policy", str(dump)])

    assert "Stack prod from the dump's 'stack' field" in run.stdout, run.stdout
    assert f"config: {CONFIG_DIR / 'prod.json'}" in run.stdout, run.stdout


def test_policy_dump_without_stack_uses_dev(tmp_path: Path) -> None:
    dump = _dump(tmp_path)

    run = run_cli(["policy", str(dump)])

    assert "Stack dev: the dump has no 'stack' field" in run.stdout, run.stdout
    assert f"config: {CONFIG_DIR / 'dev.json'}" in run.stdout, run.stdout


def test_policy_stack_option_wins(tmp_path: Path) -> None:
    dump = _dump(tmp_path, stack="prod")

    run = run_cli(["policy", str(dump), "--stack", "local"])

    assert "Stack local from --stack" in run.stdout, run.stdout
    assert f"config: {CONFIG_DIR / 'local.json'}" in run.stdout, run.stdout


def test_policy_stack_without_config_exits_2(tmp_path: Path) -> None:
    dump = _dump(tmp_path, stack="dev")

    run = run_cli(["policy", str(dump), "--stack", "staging"])

    assert run.exit_code == 2, run.stdout
    assert str(CONFIG_DIR / "staging.json") in run.stderr, run.stderr
    assert "stacks with one: dev, local, prod" in run.stderr, run.stderr


def test_policy_dump_stack_without_config_exits_2(tmp_path: Path) -> None:
    dump = _dump(tmp_path, stack="staging")

    run = run_cli(["policy", str(dump)])

    assert run.exit_code == 2, run.stdout
    assert str(CONFIG_DIR / "staging.json") in run.stderr, run.stderr
