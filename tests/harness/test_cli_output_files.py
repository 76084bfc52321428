"""Report files: FIFOs and devices written in place, symlinks followed, atomic."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from harness.output_files import OutputWriteError, write_text_atomically
from harness.program import REPOSITORY_ROOT
from tests.harness.conftest import CliRun, run_cli

READ_TIMEOUT_SECONDS = 60


class FifoReader:
    """Drain a FIFO in a thread, so its writer blocks neither on open nor on write."""

    def __init__(self, path: Path) -> None:
        os.mkfifo(path)
        # A reader that is already open lets the writer's open() return at once.
        self._descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self._writer_done = threading.Event()
        self._chunks: list[bytes] = []
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def finish(self) -> str:
        """Read what is left once the writer has returned; return the text."""
        self._writer_done.set()
        self._thread.join(READ_TIMEOUT_SECONDS)
        os.close(self._descriptor)
        return b"".join(self._chunks).decode("utf-8")

    def _drain(self) -> None:
        deadline = time.monotonic() + READ_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            try:
                chunk = os.read(self._descriptor, 65536)
            except BlockingIOError:
                chunk = None
            if chunk:
                self._chunks.append(chunk)
            elif self._writer_done.is_set():
                # The writer may have finished after the empty read above.
                self._read_rest()
                return
            else:
                time.sleep(0.01)

    def _read_rest(self) -> None:
        while True:
            try:
                chunk = os.read(self._descriptor, 65536)
            except BlockingIOError:
                return
            if not chunk:
                return
            self._chunks.append(chunk)


def test_write_fifo_stays_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    reader = FifoReader(fifo)

    write_text_atomically(fifo, "report text\n")
    received = reader.finish()

    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), f"{fifo} is no longer a FIFO"
    assert received == "report text\n", "the FIFO's reader got another text"


def test_write_symlink_writes_target(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "report.json"
    target.parent.mkdir()
    target.write_text("previous")
    link = tmp_path / "latest.json"
    link.symlink_to(target)

    write_text_atomically(link, "new")

    assert link.is_symlink(), f"{link} was replaced by a regular file"
    assert target.read_text() == "new", f"{target} was not written"


def test_write_dangling_symlink_creates_target(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    link = tmp_path / "latest.json"
    link.symlink_to(target)

    write_text_atomically(link, "new")

    assert link.is_symlink(), f"{link} was replaced by a regular file"
    assert target.read_text() == "new", f"{target} was not created"


def test_write_regular_file_mode_0600(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text("previous")
    report.chmod(0o644)

    write_text_atomically(report, "new")

    assert report.read_text() == "new", f"{report} content"
    assert stat.S_IMODE(report.stat().st_mode) == 0o600, f"{report} mode"


def test_write_failure_names_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = tmp_path / "report.md"

    def fail_replace(source: str, target: str) -> None:
        raise OSError(28, "No space left on device", source)

    monkeypatch.setattr(os, "replace", fail_replace)
    with pytest.raises(OutputWriteError) as raised:
        write_text_atomically(report, "new")

    assert raised.value.filename == str(report), "the error names another path"
    assert str(raised.value) == "No space left on device", str(raised.value)
    assert list(tmp_path.iterdir()) == [], "a temporary file was left behind"


def test_write_directory_target_rejected(tmp_path: Path) -> None:
    with pytest.raises(OutputWriteError) as raised:
        write_text_atomically(tmp_path, "new")

    assert raised.value.filename == str(tmp_path), "the error names another path"
    assert list(tmp_path.iterdir()) == [], "a temporary file was left behind"


def test_check_json_fifo_receives_report(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    reader = FifoReader(fifo)

    run = run_cli(["check", "--stack", "local", "--json", str(fifo)])
    received = reader.finish()

    assert run.exit_code == 0, run.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), f"{fifo} is no longer a FIFO"
    assert json.loads(received)["stack"] == "local", "the FIFO got no report"


def test_check_markdown_error_names_path(
    tmp_path: Path, shipped_checks: dict[str, CliRun]
) -> None:
    base = tmp_path / "base.json"
    base.write_text(json.dumps(shipped_checks["local"].report))
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    markdown = blocker / "diff.md"

    arguments = ["check", "--stack", "local", "--base", str(base)]
    run = run_cli([*arguments, "--markdown", str(markdown)])

    assert run.exit_code == 2, run.stderr
    assert f"--markdown {markdown}: Not a directory" in run.stderr, run.stderr
    assert ".diff.md." not in run.stderr, f"temporary file named: {run.stderr}"


def test_check_json_own_stdout_appends(tmp_path: Path) -> None:
    printed = tmp_path / "printed.txt"
    command = [sys.executable, "-m", "harness", "check", "--stack", "local"]

    with printed.open("w") as stdout:
        subprocess.run(
            [*command, "--json", str(printed)],
            stdout=stdout,
            cwd=REPOSITORY_ROOT,
            check=True,
            timeout=300,
        )
    text = printed.read_text()

    assert text.startswith("Stack local"), f"the check's text is gone: {text[:200]}"
    assert '"stack": "local"' in text, "the report is missing from stdout"
