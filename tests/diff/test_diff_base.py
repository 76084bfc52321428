"""Base reports from a file or from the offline check run on a git ref.

The worktree tests use a real git repository whose `harness check` is a small
script writing the report its commit holds, so they show which commit the
check ran on. The last test runs the real check on a clone of this
repository.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.diff.base import BaseReportError, load_report, report_for_ref
from harness.diff.cli import add_diff_arguments, run_diff
from harness.diff.compare import compare_reports

REPOSITORY = Path(__file__).resolve().parents[2]

STUB_CHECK = """\
import json, pathlib, sys
args = sys.argv[1:]
stack = args[args.index("--stack") + 1]
target = pathlib.Path(args[args.index("--json") + 1])
state = json.loads(pathlib.Path("state.json").read_text())
if state["exit"] == 2:
    print("secrets-platform:pki.keyAlgorithm: invalid value", file=sys.stderr)
    sys.exit(2)
target.write_text(json.dumps({"stack": stack, "resources": state["resources"]}))
sys.exit(state["exit"])
"""


def _git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    )
    return result.stdout


def _commit_state(repo: Path, state: dict[str, Any], message: str) -> None:
    (repo / "state.json").write_text(json.dumps(state), encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)


def _mount(path: str) -> dict[str, Any]:
    return {
        "urn": "urn:pulumi:dev::p::vault:index/mount:Mount::kv",
        "type": "vault:index/mount:Mount",
        "name": "kv",
        "props": {"path": path, "type": "kv"},
    }


@pytest.fixture
def stub_repo(tmp_path: Path) -> Path:
    """A repository with two commits of a stub check: kv at `first`, then `second`."""
    repo = tmp_path / "repo"
    (repo / "harness").mkdir(parents=True)
    (repo / "harness" / "__init__.py").write_text("", encoding="utf-8")
    (repo / "harness" / "__main__.py").write_text(STUB_CHECK, encoding="utf-8")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "diff-test@example.invalid")
    _git(repo, "config", "user.name", "diff test")
    _commit_state(repo, {"exit": 0, "resources": [_mount("first")]}, "first")
    _commit_state(repo, {"exit": 0, "resources": [_mount("second")]}, "second")
    return repo


def test_report_for_ref_checks_that_commit(stub_repo: Path) -> None:
    report = report_for_ref("HEAD~1", "dev", stub_repo)

    assert report["stack"] == "dev"
    assert report["resources"][0]["props"]["path"] == "first", "ran on HEAD~1"


def test_report_for_ref_ignores_uncommitted_files(stub_repo: Path) -> None:
    state = {"exit": 0, "resources": [_mount("uncommitted")]}
    (stub_repo / "state.json").write_text(json.dumps(state), encoding="utf-8")

    report = report_for_ref("HEAD", "dev", stub_repo)

    assert report["resources"][0]["props"]["path"] == "second"


def test_report_for_ref_removes_worktree(stub_repo: Path) -> None:
    report_for_ref("HEAD", "dev", stub_repo)

    worktrees = _git(stub_repo, "worktree", "list").strip().splitlines()
    assert len(worktrees) == 1, f"worktrees left behind: {worktrees}"


def test_report_for_ref_accepts_violation_exit(stub_repo: Path) -> None:
    _commit_state(stub_repo, {"exit": 1, "resources": [_mount("v")]}, "violation")

    report = report_for_ref("HEAD", "dev", stub_repo)

    assert report["resources"][0]["props"]["path"] == "v"


def test_report_for_ref_unknown_ref(stub_repo: Path) -> None:
    with pytest.raises(BaseReportError, match="unknown git ref 'no-such-branch'"):
        report_for_ref("no-such-branch", "dev", stub_repo)


def test_report_for_ref_failing_check(stub_repo: Path) -> None:
    _commit_state(stub_repo, {"exit": 2, "resources": []}, "bad config")

    with pytest.raises(BaseReportError, match=r"failed on base ref 'HEAD' \(exit 2\)"):
        report_for_ref("HEAD", "dev", stub_repo)

    worktrees = _git(stub_repo, "worktree", "list").strip().splitlines()
    assert len(worktrees) == 1, "a failing check still removes the worktree"


def test_report_for_ref_failure_shows_check_error(stub_repo: Path) -> None:
    _commit_state(stub_repo, {"exit": 2, "resources": []}, "bad config")

    with pytest.raises(BaseReportError, match=r"pki\.keyAlgorithm: invalid value"):
        report_for_ref("HEAD", "dev", stub_repo)


def test_load_report_rejects_non_object(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("[]", encoding="utf-8")

    with pytest.raises(BaseReportError, match="must hold a JSON object"):
        load_report(path)


def _has_real_check() -> bool:
    tracked = subprocess.run(
        ["git", "cat-file", "-e", "HEAD:harness/__main__.py"],
        cwd=REPOSITORY,
        capture_output=True,
        check=False,
    )
    return tracked.returncode == 0 and shutil.which("git") is not None


@pytest.mark.skipif(not _has_real_check(), reason="HEAD has no `harness check` yet")
def test_report_for_ref_real_check_matches_direct_run(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", str(REPOSITORY), str(clone)], check=True, cwd=tmp_path
    )
    direct = tmp_path / "direct.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "check",
            "--stack",
            "dev",
            "--json",
            str(direct),
        ],
        cwd=clone,
        capture_output=True,
        check=False,
    )

    base = report_for_ref("HEAD", "dev", clone)
    diff = compare_reports(base, load_report(direct))

    assert base["resources"], "the check reported no resources"
    assert diff.is_empty, f"changed: {[change.name for change in diff.changes]}"


def test_report_for_ref_outside_git_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()

    with pytest.raises(BaseReportError, match="is not a git repository"):
        report_for_ref("HEAD", "dev", plain)


def test_run_diff_base_ref_blocks_moved_mount(
    stub_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stack", default="dev")
    add_diff_arguments(parser)
    args = parser.parse_args(["--base-ref", "HEAD~1"])
    args.project_dir = stub_repo
    head = {"stack": "dev", "resources": [_mount("second")]}

    code = run_diff(args, head)

    assert code == 1, "the mount moved from path first to second"
    assert "Mount moved: kv" in capsys.readouterr().out
