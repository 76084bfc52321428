"""run_program: the program under the SDK mocks, recorded as the engine receives it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness.check_mocks import CheckMocks
from harness.program import (
    ProgramConfigError,
    ProgramError,
    ProgramRun,
    RegisteredResource,
    run_program,
)
from harness.secret_values import PLACEHOLDER, is_secret

MOUNT = "vault:index/mount:Mount"
SECRET_V2 = "vault:kv/secretV2:SecretV2"

STAND_IN_PROGRAM = """
import pulumi
import pulumi_random as random
import pulumi_vault as vault


class Store(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("test:index:Store", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.mount = vault.Mount(
            f"{name}-kv",
            path=f"{name}/kv",
            type="kv",
            options={"version": "2"},
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=True,
                replacement_trigger="2026-01-31T00:00:00Z",
                delete_before_replace=True,
                ignore_changes=["description"],
            ),
        )
        password = random.RandomPassword(f"{name}-password", length=32, opts=child)
        vault.kv.SecretV2(
            f"{name}-password-kv",
            mount=self.mount.path,
            name="password",
            data_json=pulumi.Output.json_dumps({"value": password.result}),
            opts=child,
        )
        self.register_outputs({})


store = Store("store")
pulumi.export("mountPath", store.mount.path)
pulumi.export("token", pulumi.Config().require_secret("token"))
"""


def _by_name(run: ProgramRun, name: str) -> RegisteredResource:
    matches = [resource for resource in run.resources if resource.name == name]
    assert matches, f"resource {name} was not registered"
    return matches[0]


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("stand-in")
    (project / "Pulumi.yaml").write_text("name: stand-in\nruntime: python\n")
    config = {"config": {"stand-in:token": {"secure": "v1:not-decryptable"}}}
    (project / "Pulumi.test.yaml").write_text(yaml.safe_dump(config))
    (project / "__main__.py").write_text(STAND_IN_PROGRAM)
    return project


@pytest.fixture(scope="module")
def stand_in_run(stand_in: Path) -> ProgramRun:
    return run_program("test", CheckMocks(), project_dir=stand_in)


def test_run_program_records_options(stand_in_run: ProgramRun) -> None:
    mount = _by_name(stand_in_run, "store-kv")

    assert mount.protect, "store-kv: protect was not recorded"
    assert mount.delete_before_replace, "store-kv: deleteBeforeReplace not recorded"
    assert mount.ignore_changes == ("description",), "store-kv: ignoreChanges"
    assert mount.replacement_trigger == "2026-01-31T00:00:00Z", "store-kv: trigger"


def test_run_program_records_parent_and_urn(stand_in_run: ProgramRun) -> None:
    component = _by_name(stand_in_run, "store")
    mount = _by_name(stand_in_run, "store-kv")

    assert component.parent is None, "store: a child of the stack has no parent"
    assert mount.parent == component.urn, "store-kv: parent is not the component"
    assert mount.urn == (
        "urn:pulumi:test::stand-in::test:index:Store$vault:index/mount:Mount::store-kv"
    ), "store-kv: URN differs from the engine's format"


def test_run_program_records_dependencies(stand_in_run: ProgramRun) -> None:
    secret = _by_name(stand_in_run, "store-password-kv")
    mount = _by_name(stand_in_run, "store-kv")
    password = _by_name(stand_in_run, "store-password")

    assert mount.urn in secret.dependencies, "store-password-kv: no mount dependency"
    assert password.urn in secret.property_dependencies["dataJson"], (
        "store-password-kv: dataJson does not depend on the password"
    )


def test_run_program_keeps_inputs_camel_case(stand_in_run: ProgramRun) -> None:
    secret = _by_name(stand_in_run, "store-password-kv")

    assert "dataJson" in secret.inputs, "store-password-kv: dataJson missing"
    assert "data_json" not in secret.inputs, "store-password-kv: snake_case input"


def test_run_program_marks_secret_inputs(stand_in_run: ProgramRun) -> None:
    secret = _by_name(stand_in_run, "store-password-kv")

    assert is_secret(secret.inputs["dataJson"]), "store-password-kv: dataJson"


def test_run_program_collects_stack_outputs(stand_in_run: ProgramRun) -> None:
    assert stand_in_run.outputs["mountPath"] == "store/kv", "mountPath output"
    assert is_secret(stand_in_run.outputs["token"]), "token output is not secret"


def test_run_program_fills_secure_values(stand_in_run: ProgramRun) -> None:
    assert stand_in_run.filled_placeholders == ("stand-in:token",)


def test_run_program_fills_unset_external(dev_run: ProgramRun) -> None:
    filled = dev_run.filled_placeholders

    key = "secrets-platform:external.llm-service.openrouter-api-key"
    assert key in filled, f"{key} was not filled with a placeholder"


def test_run_program_runs_twice(stand_in: Path, stand_in_run: ProgramRun) -> None:
    again = run_program("test", CheckMocks(), project_dir=stand_in)

    assert len(again.resources) == len(stand_in_run.resources), "resource count"


def test_run_program_real_program_registers_kv(dev_run: ProgramRun) -> None:
    mounts = [r for r in dev_run.resources if r.type == MOUNT]
    secrets = [r for r in dev_run.resources if r.type == SECRET_V2]

    assert mounts, "the dev stack registered no Vault mount"
    assert all(is_secret(s.inputs["dataJson"]) for s in secrets), "a dataJson"


def test_run_program_bad_config_value(project_copy: Path) -> None:
    stack_file = project_copy / "Pulumi.dev.yaml"
    document = yaml.safe_load(stack_file.read_text())
    document["config"]["secrets-platform:vault"]["flavor"] = "consul"
    stack_file.write_text(yaml.safe_dump(document))

    with pytest.raises(ProgramConfigError, match=r"secrets-platform:vault\.flavor"):
        run_program("dev", CheckMocks(), project_dir=project_copy)


def test_run_program_program_failure(stand_in: Path, tmp_path: Path) -> None:
    for name in ("Pulumi.yaml", "Pulumi.test.yaml"):
        (tmp_path / name).write_text((stand_in / name).read_text())
    (tmp_path / "__main__.py").write_text("raise ValueError('broken program')\n")

    with pytest.raises(ProgramError, match="broken program"):
        run_program("test", CheckMocks(), project_dir=tmp_path)


def test_run_program_placeholder_is_secret(stand_in_run: ProgramRun) -> None:
    token = stand_in_run.outputs["token"]

    assert token["value"] == PLACEHOLDER, "token: placeholder expected"
