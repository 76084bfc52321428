"""run_program failures: messages without secrets, and no state left behind."""

from __future__ import annotations

import gc
import logging
import secrets
import traceback
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime.mocks import MockResourceArgs

from harness.check_mocks import CheckMocks
from harness.program import (
    REPOSITORY_ROOT,
    ProgramConfigError,
    ProgramError,
    run_program,
)
from harness.secret_values import PLACEHOLDER, REDACTED

SECRET_V2 = "vault:kv/secretV2:SecretV2"

# Registers the `token` config value as a secret input, then quotes it in an
# error once the resource exists, as a provider SDK's type check would. The
# copies wait on the failed check, so each of them fails with it too.
QUOTING_PROGRAM = """
import pulumi
import pulumi_random as random

token = pulumi.Config().require("token")
holder = random.RandomString(
    "holder", length=8, keepers={"token": pulumi.Output.secret(token)}
)


def reject(_):
    raise ValueError(f"the service rejected token {token!r}")


checked = holder.result.apply(reject)
for index in range(3):
    random.RandomString(f"copy-{index}", length=8, keepers={"checked": checked})
"""

PEM_PROGRAM = """
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

key = ec.generate_private_key(ec.SECP256R1())
pem = key.private_bytes(
    serialization.Encoding.PEM,
    serialization.PrivateFormat.PKCS8,
    serialization.NoEncryption(),
).decode()
raise TypeError(f"expected data_json to be a str, got {{'key': {pem!r}}}")
"""

WARNING_PROGRAM = """
import pulumi
import pulumi_random as random

token = pulumi.Config().require("token")
holder = random.RandomString(
    "holder", length=8, keepers={"token": pulumi.Output.secret(token)}
)
holder.result.apply(lambda _: pulumi.log.warn(f"token {token} expires soon"))
"""

CONFIG_ERROR_PROGRAM = """
import pulumi


class ConfigError(Exception):
    pass


token = pulumi.Config().require("token")
raise ConfigError(f"stand-in:token: {token} is not a valid token")
"""


class FailingMocks(CheckMocks):
    """The check's mocks, except that creating one resource type fails."""

    def __init__(self, failing_type: str) -> None:
        super().__init__()
        self.failing_type = failing_type

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.typ == self.failing_type:
            raise RuntimeError(f"creating {args.name} failed")
        return super().new_resource(args)


def _project(directory: Path, program: str, config: str = "{}") -> Path:
    (directory / "Pulumi.yaml").write_text("name: stand-in\nruntime: python\n")
    (directory / "Pulumi.test.yaml").write_text(f"config: {config}\n")
    (directory / "__main__.py").write_text(program)
    return directory


def _failure(project_dir: Path, overrides: dict[str, str] | None = None) -> str:
    with pytest.raises(ProgramError) as raised:
        run_program(
            "test", CheckMocks(), config_overrides=overrides, project_dir=project_dir
        )
    return str(raised.value)


def test_run_program_error_hides_secret_input(tmp_path: Path) -> None:
    token = secrets.token_urlsafe(24)
    project = _project(tmp_path, QUOTING_PROGRAM)

    message = _failure(project, {"token": token})

    assert "the service rejected token" in message, f"message lost: {message}"
    assert token not in message, "holder: the secret keepers.token is in the error"
    assert REDACTED in message, "holder: the secret was not replaced by [secret]"


def test_run_program_error_hides_escaped_secret(tmp_path: Path) -> None:
    token = f"{secrets.token_urlsafe(12)}\n{secrets.token_urlsafe(12)}"
    project = _project(tmp_path, QUOTING_PROGRAM)

    message = _failure(project, {"token": token})

    for line in token.splitlines():
        assert line not in message, "holder: part of the quoted secret is shown"


def test_run_program_error_hides_private_key(tmp_path: Path) -> None:
    project = _project(tmp_path, PEM_PROGRAM)

    message = _failure(project)

    assert "expected data_json to be a str" in message, f"message lost: {message}"
    assert "PRIVATE KEY" not in message, "the PEM block header is in the error"
    assert "MIG" not in message, "the PEM key body is in the error"


def test_run_program_warning_hides_secret(tmp_path: Path) -> None:
    token = secrets.token_urlsafe(24)
    project = _project(tmp_path, WARNING_PROGRAM)

    run = run_program(
        "test", CheckMocks(), config_overrides={"token": token}, project_dir=project
    )

    assert run.warnings, "holder: the program's warning was not collected"
    assert not any(token in warning for warning in run.warnings), "token shown"
    assert "expires soon" in run.warnings[0], f"warning lost: {run.warnings}"


def test_run_program_config_error_hides_placeholder(tmp_path: Path) -> None:
    config = '{"stand-in:token": {"secure": "v1:not-decryptable"}}'
    project = _project(tmp_path, CONFIG_ERROR_PROGRAM, config)

    with pytest.raises(ProgramConfigError) as raised:
        run_program("test", CheckMocks(), project_dir=project)

    message = str(raised.value)
    assert "stand-in:token" in message, f"message lost the key: {message}"
    assert PLACEHOLDER not in message, "stand-in:token: the placeholder is shown"


def test_run_program_error_keeps_program_traceback(tmp_path: Path) -> None:
    project = _project(tmp_path, PEM_PROGRAM)

    with pytest.raises(ProgramError) as raised:
        run_program("test", CheckMocks(), project_dir=project)

    files = [frame.filename for frame in traceback.extract_tb(raised.tb)]
    assert str(project / "__main__.py") in files, f"no program frame in {files}"
    assert raised.value.__cause__ is None, "the raw error is chained"


def test_run_program_failure_logs_no_secret(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    token = secrets.token_urlsafe(24)
    project = _project(tmp_path, QUOTING_PROGRAM)

    with caplog.at_level(logging.DEBUG):
        _failure(project, {"token": token})
        gc.collect()

    assert token not in caplog.text, "holder: a log record quotes the secret"


def test_run_program_after_failed_run(tmp_path: Path) -> None:
    with pytest.raises(ProgramError, match="failed"):
        run_program("dev", FailingMocks(SECRET_V2), project_dir=REPOSITORY_ROOT)

    run = run_program("dev", CheckMocks(), project_dir=REPOSITORY_ROOT)

    assert any(r.type == SECRET_V2 for r in run.resources), "no KV secret registered"
