"""`./run local`: apply the local stack to a fresh OpenBao server and verify it.

Exit status: 0 when every check holds, 1 when a check failed, 2 when the
stack could not be applied (OpenBao missing or failing to start, port in
use, an API error, a bad stack file or config).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from harness.local.apply import ApplyFailed, apply_stack
from harness.local.checks import failed
from harness.local.report import Progress, closing_line, failure_lines, summary_table
from harness.local.server import DevServer, ServerError, ServerInfo

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_NOT_APPLIED = 2
TOKEN_FILE_NAME = "root-token"


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
        "--stack", default="local", help="stack to apply (default: local)"
    )
    parser.add_argument(
        "--port", type=int, default=None, help="listen port (default: a free port)"
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """Run the local apply and return the exit status."""
    arguments = parse_arguments(argv)
    server = DevServer(port=arguments.port)
    try:
        with server as info:
            print(f"OpenBao dev server started at {info.address}")
            status = _apply_and_verify(info, arguments.stack)
            if arguments.keep:
                _keep_running(server, info)
            return status
    except (ServerError, ApplyFailed) as error:
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

    results = applied.verify()
    print()
    print(summary_table(results))
    print()
    for line in failure_lines(results):
        print(line)
    print(closing_line(results))
    return EXIT_CHECK_FAILED if failed(results) else EXIT_OK


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
