"""Stop signals during `./run local`: no server or server directory is left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest

from harness.local import cli
from harness.local.server import DevServer, is_port_free
from harness.program import REPOSITORY_ROOT

pytestmark = pytest.mark.integration

START_LINE = "OpenBao dev server started at"
WORKDIR_PREFIX = "secrets-platform-bao-"
STARTUP_TIMEOUT_SECONDS = 60


EXIT_TIMEOUT_SECONDS = 20
# Runs `./run local` with the first applied resource stuck until the test
# signals, so the signal is sure to arrive while the program runs.
STUCK_APPLY_SCRIPT = """
import sys, time
from harness.cli import main
from harness.local.vault_apply import LocalApplyMocks

def stuck_apply(self, args):
    print("APPLY STUCK", flush=True)
    time.sleep(600)

LocalApplyMocks._apply = stuck_apply
sys.argv = ["harness", "local"]
sys.exit(main())
"""
# As above, and the server ignores the SIGTERM sent on the first stop signal.
SIGTERM_IGNORED_SCRIPT = STUCK_APPLY_SCRIPT.replace(
    "LocalApplyMocks._apply = stuck_apply",
    "LocalApplyMocks._apply = stuck_apply\n"
    "import harness.local.server as server\n"
    "send = server._send_signal\n"
    "server._send_signal = lambda pid, number: number == 15 or send(pid, number)",
)
STUCK_LINE = "APPLY STUCK"


class StopRequested(Exception):
    """Raised by the test's own SIGTERM handler."""


def _start_local_apply(
    temp_dir: Path, script: str | None = None
) -> subprocess.Popen[str]:
    """Start `python -m harness local` (or `script`) with temp files in `temp_dir`."""
    environment = {**os.environ, "TMPDIR": str(temp_dir), "PYTHONUNBUFFERED": "1"}
    command = ["-m", "harness", "local"] if script is None else ["-c", script]
    return subprocess.Popen(
        [sys.executable, *command],
        cwd=REPOSITORY_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_line(stream: IO[str], prefix: str) -> str:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line or line.startswith(prefix):
            return line
    return ""


def _processes_mentioning(text: str) -> list[int]:
    """Return the ids of running processes whose command line contains `text`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command_line = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if text in command_line:
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize(
    "stop_signal", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name
)
def test_cli_signal_stops_server(stop_signal: signal.Signals, tmp_path: Path) -> None:
    process = _start_local_apply(tmp_path)
    assert process.stdout is not None
    try:
        started = _wait_for_line(process.stdout, START_LINE)
        assert started, f"no start line before {stop_signal.name}"
        process.send_signal(stop_signal)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert process.returncode == 128 + stop_signal, f"exit {process.returncode}"
    assert stderr.strip() == cli.INTERRUPTED_MESSAGE, f"stderr:\n{stderr}"
    assert not _processes_mentioning(str(tmp_path)), "OpenBao still running"
    assert not list(tmp_path.glob(f"{WORKDIR_PREFIX}*")), "server directory left"


def _signal_and_wait(
    process: subprocess.Popen[str], signals: list[signal.Signals], gap: float
) -> tuple[str, float]:
    """Send `signals` `gap` seconds apart and return stderr and seconds to exit."""
    sent_at = time.monotonic()
    for number in signals:
        process.send_signal(number)
        time.sleep(gap)
    _, stderr = process.communicate(timeout=EXIT_TIMEOUT_SECONDS)
    return stderr, time.monotonic() - sent_at


def _end_leftovers(process: subprocess.Popen[str], temp_dir: Path) -> None:
    """Kill the run and any server it left, so a failed test leaves nothing."""
    if process.poll() is None:
        process.kill()
        process.wait(timeout=EXIT_TIMEOUT_SECONDS)
    for pid in _processes_mentioning(str(temp_dir)):
        os.kill(pid, signal.SIGKILL)


def _run_until_signalled(
    temp_dir: Path,
    script: str | None,
    wait_line: str,
    signals: list[signal.Signals],
    gap: float,
) -> tuple[int, str, float]:
    """Start a run, signal it after `wait_line`, return status, stderr and time."""
    process = _start_local_apply(temp_dir, script)
    assert process.stdout is not None
    try:
        assert _wait_for_line(process.stdout, wait_line), f"no '{wait_line}' line"
        stderr, seconds = _signal_and_wait(process, signals, gap)
    finally:
        _end_leftovers(process, temp_dir)
    return process.returncode, stderr, seconds


def _assert_nothing_left(temp_dir: Path) -> None:
    assert not _processes_mentioning(str(temp_dir)), "OpenBao still running"
    assert not list(temp_dir.glob(f"{WORKDIR_PREFIX}*")), "server directory left"


@pytest.mark.parametrize(
    "stop_signal", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name
)
def test_cli_signal_during_stuck_apply_exits(
    stop_signal: signal.Signals, tmp_path: Path
) -> None:
    status, stderr, _ = _run_until_signalled(
        tmp_path, STUCK_APPLY_SCRIPT, STUCK_LINE, [stop_signal], 0.0
    )

    assert status == 128 + stop_signal, f"exit {status}"
    assert stderr.strip() == cli.INTERRUPTED_MESSAGE, f"stderr:\n{stderr}"
    _assert_nothing_left(tmp_path)


@pytest.mark.parametrize("delay", [0.0, 0.1, 0.2, 0.3, 0.5, 0.8])
def test_cli_sigint_during_apply_exits(delay: float, tmp_path: Path) -> None:
    process = _start_local_apply(tmp_path)
    assert process.stdout is not None
    try:
        assert _wait_for_line(process.stdout, START_LINE), "no start line"
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=EXIT_TIMEOUT_SECONDS)
    finally:
        _end_leftovers(process, tmp_path)

    # A run that finished before the signal exits 0 or 1 and prints no line.
    assert process.returncode in (0, 1, 128 + signal.SIGINT), (
        f"exit {process.returncode}"
    )
    _assert_nothing_left(tmp_path)


def test_cli_second_signal_forces_stop(tmp_path: Path) -> None:
    status, stderr, seconds = _run_until_signalled(
        tmp_path,
        SIGTERM_IGNORED_SCRIPT,
        STUCK_LINE,
        [signal.SIGINT, signal.SIGTERM],
        0.5,
    )

    assert status == 128 + signal.SIGINT, f"exit {status}"
    assert stderr.strip() == cli.INTERRUPTED_MESSAGE, f"stderr:\n{stderr}"
    # Without the second signal, the stop would wait STOP_TIMEOUT_SECONDS (10).
    assert seconds < 5, f"second signal took {seconds:.1f} s to end the run"
    _assert_nothing_left(tmp_path)


def test_server_signal_during_stop_finishes_stop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = DevServer()
    info = server.__enter__()
    port = int(info.address.rsplit(":", 1)[1])
    terminate: Callable[[subprocess.Popen[bytes]], None] = subprocess.Popen.terminate

    def terminate_then_signal(process: subprocess.Popen[bytes]) -> None:
        terminate(process)
        signal.raise_signal(signal.SIGTERM)

    def request_stop(_number: int, _frame: object) -> None:
        raise StopRequested

    monkeypatch.setattr(subprocess.Popen, "terminate", terminate_then_signal)
    previous = signal.signal(signal.SIGTERM, request_stop)
    try:
        with pytest.raises(StopRequested):
            server.stop()
        workdir_left = info.workdir.exists()
        port_free = is_port_free(port)
    finally:
        signal.signal(signal.SIGTERM, previous)
        monkeypatch.undo()
        server.stop()

    assert not workdir_left, f"{info.workdir} left behind"
    assert port_free, f"port {port} still in use after the stop"
