"""`policy FILE`: the pack on a hand-written resource dump."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.harness.conftest import run_cli

GOOD_MOUNT = {
    "type": "vault:index/mount:Mount",
    "name": "billing-kv",
    "props": {"path": "billing/kv", "type": "kv", "options": {"version": "2"}},
    "options": {"deleteBeforeReplace": True},
}
AUDIT = {
    "type": "vault:index/audit:Audit",
    "name": "platform-audit",
    "props": {"type": "file", "options": {"file_path": "/var/log/vault/audit.log"}},
    "options": {"deleteBeforeReplace": True},
}
BAD_MOUNT = {
    "type": "vault:index/mount:Mount",
    "name": "legacy-kv",
    "props": {"path": "legacy/kv", "type": "kv-v2"},
    "options": {"deleteBeforeReplace": True},
}


def _write(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "dump.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_policy_reports_bad_resource(tmp_path: Path) -> None:
    dump = _write(tmp_path, {"resources": [AUDIT, GOOD_MOUNT, BAD_MOUNT]})

    run = run_cli(["policy", str(dump)])

    assert run.exit_code == 1, run.stderr
    assert "vault-kv-mount-version-2  legacy-kv" in run.stdout, run.stdout
    assert "billing-kv (" not in run.stdout, "the good mount was reported"


def test_policy_clean_dump_exits_0(tmp_path: Path) -> None:
    dump = _write(tmp_path, {"resources": [AUDIT, GOOD_MOUNT]})

    run = run_cli(["policy", str(dump)])

    assert run.exit_code == 0, run.stdout


def test_policy_writes_report(tmp_path: Path) -> None:
    dump = _write(tmp_path, {"resources": [BAD_MOUNT]})
    report_path = tmp_path / "report.json"

    run = run_cli(["policy", str(dump), "--json", str(report_path)], report_path)

    assert run.report is not None, run.stderr
    urns = {violation["urn"] for violation in run.report["violations"]}
    assert (
        "urn:pulumi:dev::secrets-platform::vault:index/mount:Mount::legacy-kv" in urns
    )


def test_policy_invalid_json_exits_2(tmp_path: Path) -> None:
    dump = tmp_path / "dump.json"
    dump.write_text("{not json")

    run = run_cli(["policy", str(dump)])

    assert run.exit_code == 2
    assert str(dump) in run.stderr, run.stderr
    assert "invalid JSON" in run.stderr, run.stderr


@pytest.mark.parametrize("field", ["type", "name", "props"])
def test_policy_missing_field_exits_2(tmp_path: Path, field: str) -> None:
    resource = {key: value for key, value in BAD_MOUNT.items() if key != field}
    dump = _write(tmp_path, {"resources": [GOOD_MOUNT, resource]})

    run = run_cli(["policy", str(dump)])

    assert run.exit_code == 2
    assert f"resources[1]: missing field '{field}'" in run.stderr, run.stderr


def test_policy_missing_resources_exits_2(tmp_path: Path) -> None:
    dump = _write(tmp_path, {"violations": []})

    run = run_cli(["policy", str(dump)])

    assert run.exit_code == 2
    assert "'resources'" in run.stderr, run.stderr
