"""Bad input files and names: one message naming the file and field, exit 2."""

from __future__ import annotations

import io
import json
import secrets
from contextlib import redirect_stderr
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.cli import main
from harness.stack_files import StackFileError, load_project, load_stack_config
from tests.harness.conftest import CliRun, run_cli

MOUNT = {
    "type": "vault:index/mount:Mount",
    "name": "billing-kv",
    "props": {"path": "billing/kv", "type": "kv", "options": {"version": "2"}},
    "options": {"deleteBeforeReplace": True},
}


def _project(tmp_path: Path, stack_file: bytes | None = None) -> Path:
    """Write a minimal project; `stack_file` is the raw Pulumi.dev.yaml."""
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    if stack_file is not None:
        (tmp_path / "Pulumi.dev.yaml").write_bytes(stack_file)
    return tmp_path


def _dump(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "dump.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _assert_one_error(run: CliRun, *fragments: str) -> None:
    assert run.exit_code == 2, f"exit {run.exit_code}: {run.stderr}"
    assert "Traceback" not in run.stderr, "a traceback was printed"
    assert run.stderr.count("error:") == 1, f"not one message: {run.stderr}"
    for fragment in fragments:
        assert fragment in run.stderr, f"{fragment!r} missing: {run.stderr}"


def test_stack_file_not_utf8_exits_2(tmp_path: Path) -> None:
    project = _project(tmp_path, b"config:\n  demo:name: caf\xe9\n")

    run = run_cli(["check", "--project-dir", str(project)])

    _assert_one_error(run, "Pulumi.dev.yaml", "not UTF-8")


def test_stack_file_directory_exits_2(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "Pulumi.dev.yaml").mkdir()

    run = run_cli(["check", "--project-dir", str(project)])

    _assert_one_error(run, "Pulumi.dev.yaml", "Is a directory")


def test_project_dir_file_exits_2(tmp_path: Path) -> None:
    not_directory = tmp_path / "passwd"
    not_directory.write_text("root:x:0:0::/root:/bin/sh\n")

    run = run_cli(["check", "--project-dir", str(not_directory)])

    _assert_one_error(run, f"{not_directory}: not a directory")


@pytest.mark.parametrize("ciphertext", [5, "", None, ["v1:abc"]])
def test_secure_value_not_string_exits_2(tmp_path: Path, ciphertext: Any) -> None:
    config = {"config": {"demo:db": {"password": {"secure": ciphertext}}}}
    project = _project(tmp_path, yaml.safe_dump(config).encode())

    run = run_cli(["check", "--project-dir", str(project)])

    _assert_one_error(run, "Pulumi.dev.yaml", "demo:db.password.secure")


def test_policy_directory_dump_exits_2(tmp_path: Path) -> None:
    run = run_cli(["policy", str(tmp_path)])

    _assert_one_error(run, str(tmp_path), "Is a directory")


@pytest.mark.parametrize("stack", [5, "", "../prod", ["dev"]])
def test_dump_bad_stack_exits_2(tmp_path: Path, stack: Any) -> None:
    dump = _dump(tmp_path, {"stack": stack, "resources": [MOUNT]})

    run = run_cli(["policy", str(dump), "--stack", "dev"])

    _assert_one_error(run, str(dump), "field 'stack'")


def test_dump_duplicate_urn_exits_2(tmp_path: Path) -> None:
    dump = _dump(tmp_path, {"stack": "dev", "resources": [MOUNT, dict(MOUNT)]})

    run = run_cli(["policy", str(dump)])

    _assert_one_error(run, str(dump), "resources[1] has the same URN as resources[0]")


def test_dump_not_object_exits_2(tmp_path: Path) -> None:
    dump = _dump(tmp_path, [MOUNT])

    run = run_cli(["policy", str(dump)])

    _assert_one_error(run, str(dump), "JSON object")


def test_check_stack_with_slash_exits_2() -> None:
    stderr = io.StringIO()
    with redirect_stderr(stderr), pytest.raises(SystemExit) as raised:
        main(["check", "--stack", "../etc/passwd"])

    assert raised.value.code == 2, f"exit {raised.value.code}"
    assert "invalid stack name '../etc/passwd'" in stderr.getvalue(), stderr
    assert "passwd.yaml" not in stderr.getvalue(), stderr.getvalue()


def test_stack_config_rejects_path_name(tmp_path: Path) -> None:
    project = load_project(_project(tmp_path, b"config: {}\n"))

    with pytest.raises(StackFileError, match="invalid stack name"):
        load_stack_config(project, "../dev")


def test_stack_file_error_hides_value(tmp_path: Path) -> None:
    value = secrets.token_urlsafe(16)
    config = {"config": {"demo:db": {"password": {"secure": {"nested": value}}}}}
    project = _project(tmp_path, yaml.safe_dump(config).encode())

    run = run_cli(["check", "--project-dir", str(project)])

    _assert_one_error(run, "demo:db.password.secure")
    assert value not in run.stderr, "the value was printed"
