"""`./run local`: apply the local stack to a fresh OpenBao server and verify it.

Exit status: 0 when every check holds, 1 when a check failed, and 2 when
the stack could not be applied. That covers OpenBao missing or failing to
start, a port in use, an API error, a bad stack file or config, and a stack
the local server cannot take. After SIGINT, SIGTERM or SIGHUP the status is
128 plus the signal number.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import NoReturn, TextIO

from harness.check import PLACEHOLDER_NOTE
from harness.local.apply import ApplyFailed, LocalApply, apply_stack
from harness.local.checks import failed
from harness.local.report import Progress, closing_line, failure_lines, summary_table
from harness.local.server import (
    MAX_LISTEN_PORT,
    STOP_SIGNALS,
    STOP_TIMEOUT_SECONDS,
    DevServer,
    ServerError,
    ServerInfo,
)
from harness.local.stack_support import StackNotSupported, check_stack_supported
from harness.program import REPOSITORY_ROOT
from harness.stack_files import StackFileError

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_NOT_APPLIED = 2
# A run ended by a signal exits as a shell reports it: 128 plus the number.
EXIT_SIGNAL_BASE = 128
TOKEN_FILE_NAME = "root-token"
INTERRUPTED_MESSAGE = "interrupted; OpenBao stopped"
FLUSH_TIMEOUT_SECONDS = 1.0


class StopSignalHandler:
    """Handler that ends the run on SIGINT, SIGTERM or SIGHUP by itself.

    It stops the server, removes its directory, prints one line and leaves
    with `os._exit`. It does not raise into the run, because the Pulumi
    runtime catches any exception in the program and then waits for calls
    that an interrupted run may never finish. A second signal while the
    server is stopping kills it at once.
    """

    def __init__(self) -> None:
        self.signal_number: int | None = None
        self.server: DevServer | None = None

    def handle(self, signal_number: int, _frame: FrameType | None) -> None:
        """Stop the server and end the process. A repeated signal forces the stop."""
        if self.signal_number is not None:
            self._stop_and_exit(self.signal_number, grace_seconds=0.0)
        self.signal_number = signal_number
        self._stop_and_exit(signal_number, grace_seconds=STOP_TIMEOUT_SECONDS)

    def _stop_and_exit(self, signal_number: int, grace_seconds: float) -> NoReturn:
        if self.server is not None:
            self.server.stop_from_signal_handler(grace_seconds)
        _write_interrupted_line()
        os._exit(EXIT_SIGNAL_BASE + signal_number)

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Handle the stop signals inside the block (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {
            number: signal.signal(number, self.handle) for number in STOP_SIGNALS
        }
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, signal.SIG_DFL if handler is None else handler)


def _write_interrupted_line() -> None:
    """Flush pending output, then write the one interrupted line.

    The handler may have cut a `print` short, so the line goes straight to
    the file descriptor instead of through `sys.stderr`.
    """
    # A flush waits for the stream's lock, which the interrupted code or a
    # thread blocked on a full pipe may hold, so it gets a time limit.
    flusher = threading.Thread(target=_flush_output, daemon=True)
    flusher.start()
    flusher.join(timeout=FLUSH_TIMEOUT_SECONDS)

    # End an in-place progress line first.
    if sys.stdout.isatty():
        _write_to_descriptor(sys.stdout, "\n")
    _write_to_descriptor(sys.stderr, INTERRUPTED_MESSAGE + "\n")


def _flush_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, RuntimeError, ValueError):
            stream.flush()


def _write_to_descriptor(stream: TextIO, text: str) -> None:
    with suppress(OSError, ValueError):
        os.write(stream.fileno(), text.encode())


def port_number(text: str) -> int:
    """Parse a `--port` value: a whole number from 1 to `MAX_LISTEN_PORT`."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 1 <= port <= MAX_LISTEN_PORT:
        raise argparse.ArgumentTypeError(
            f"{port} is out of range; use 1 to {MAX_LISTEN_PORT} (the dev server "
            "also listens on the next port), or leave --port out for a free port"
        )
    return port


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    """Parse the `local` command's options."""
    parser = argparse.ArgumentParser(
        prog="./run local",
        description=(
            "Apply a stack to a throwaway OpenBao dev server on 127.0.0.1, "
            "verify drift, access, certificate chains and CI logins, and stop "
            "the server. A development harness, not a replacement for pulumi up."
        ),
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="leave the server running and print its address and root token file",
    )
    parser.add_argument(
        "--stack",
        default="local",
        help="stack to apply (default: local); it must set vault.flavor: openbao "
        "and fetch no JWT keys from another host",
    )
    parser.add_argument(
        "--port",
        type=port_number,
        default=None,
        help=f"listen port, 1 to {MAX_LISTEN_PORT}; the next port is used too "
        "(default: a free port)",
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """Run the local apply and return the exit status.

    A stop signal ends the process from its handler with status 128 plus
    the signal number, so this does not return then.
    """
    arguments = parse_arguments(argv)
    stop_signals = StopSignalHandler()
    with stop_signals.installed():
        return _run(arguments, stop_signals)


def _run(arguments: argparse.Namespace, stop_signals: StopSignalHandler) -> int:
    """Check the stack, then apply it to a fresh server and verify it."""
    try:
        check_stack_supported(arguments.stack, None, REPOSITORY_ROOT)
        server = DevServer(port=arguments.port)
        stop_signals.server = server
        with server as info:
            print(f"OpenBao dev server started at {info.address}")
            status = _apply_and_verify(info, arguments.stack)
            if arguments.keep:
                _keep_running(server, info)
            return status
    except (ServerError, ApplyFailed, StackNotSupported, StackFileError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_NOT_APPLIED


def _apply_and_verify(info: ServerInfo, stack: str) -> int:
    # A failed resource leaves pending runtime tasks that asyncio reports on
    # shutdown; the failure itself is reported once, by name and API path.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    progress = Progress()
    try:
        applied = apply_stack(info, stack, on_progress=progress.update)
    except ApplyFailed:
        progress.interrupt()
        raise
    progress.finish(applied.mocks)
    _print_placeholders(applied)

    results = applied.verify()
    print()
    print(summary_table(results))
    print()
    for line in failure_lines(results):
        print(line)
    print(closing_line(results))
    return EXIT_CHECK_FAILED if failed(results) else EXIT_OK


def _print_placeholders(applied: LocalApply) -> None:
    """List the config paths given a placeholder secret, as the check does."""
    filled = applied.program.filled_placeholders
    if not filled:
        return
    print()
    print(PLACEHOLDER_NOTE)
    for config_path in filled:
        print(f"  {config_path}")


def _keep_running(server: DevServer, info: ServerInfo) -> None:
    """Leave the server up and print how to reach it, without the token."""
    token_file = write_token_file(info.workdir, info.root_token)
    server.detach()
    print()
    print(f"OpenBao keeps running at {info.address} (pid {server.pid}).")
    print(f"Root token file (mode 0600): {token_file}")
    print(f"Audit log: {info.audit_log_path}")
    print(f"  export BAO_ADDR={info.address}")
    print(f'  export BAO_TOKEN="$(cat {token_file})"')
    print(f"Stop it with: kill {server.pid}")


def write_token_file(directory: Path, token: str) -> Path:
    """Write `token` to a file only the owner can read, and return its path."""
    path = directory / TOKEN_FILE_NAME
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as token_file:
        token_file.write(token + "\n")
    os.chmod(path, 0o600)
    return path
