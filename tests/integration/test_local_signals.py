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


class StopRequested(Exception):
    """Raised by the test's own SIGTERM handler."""


def _start_local_apply(temp_dir: Path) -> subprocess.Popen[str]:
    """Start `python -m harness local` with its temporary files in `temp_dir`."""
    environment = {**os.environ, "TMPDIR": str(temp_dir), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "harness", "local"],
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
