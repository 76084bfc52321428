"""Stack files read into runtime config, with placeholder secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness.secret_values import PLACEHOLDER
from harness.stack_files import StackFileError, load_project, load_stack_config

SERVICES = {"svc": {"external": ["api-key", "token"]}}


def _project(tmp_path: Path, config: dict) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}))
    return tmp_path


def test_stack_config_replaces_secure_leaf(tmp_path: Path) -> None:
    config = {"demo:db": {"user": "app", "password": {"secure": "v1:abc"}}}
    project = load_project(_project(tmp_path, config))

    stack = load_stack_config(project, "dev")

    assert stack.values["demo:db"] == {"user": "app", "password": PLACEHOLDER}
    assert "demo:db" in stack.secret_keys
    assert stack.filled_placeholders == ("demo:db.password",)


def test_stack_config_fills_unset_external(tmp_path: Path) -> None:
    config = {
        "demo:services": SERVICES,
        "demo:external": {"svc": {"api-key": {"secure": "v1:abc"}}},
    }
    project = load_project(_project(tmp_path, config))

    stack = load_stack_config(project, "dev")

    assert stack.values["demo:external"]["svc"] == {
        "api-key": PLACEHOLDER,
        "token": PLACEHOLDER,
    }
    assert stack.filled_placeholders == (
        "demo:external.svc.api-key",
        "demo:external.svc.token",
    )
    assert "demo:external" in stack.secret_keys


def test_stack_config_encodes_objects_as_json(tmp_path: Path) -> None:
    config = {"demo:mirrors": ["aws"], "demo:flag": True, "demo:name": "x"}
    project = load_project(_project(tmp_path, config))

    values = load_stack_config(project, "dev").runtime_values()

    assert values == {"demo:mirrors": '["aws"]', "demo:flag": "true", "demo:name": "x"}


def test_stack_config_applies_overrides(tmp_path: Path) -> None:
    project = load_project(_project(tmp_path, {"demo:name": "x"}))

    stack = load_stack_config(project, "dev", {"name": "y"})

    assert stack.values["demo:name"] == "y"


def test_stack_config_missing_stack_lists_stacks(tmp_path: Path) -> None:
    project = load_project(_project(tmp_path, {}))

    with pytest.raises(StackFileError, match=r"stacks with a file: dev"):
        load_stack_config(project, "prod")


def test_stack_config_invalid_yaml(tmp_path: Path) -> None:
    project = load_project(_project(tmp_path, {}))
    (tmp_path / "Pulumi.dev.yaml").write_text("config: [unclosed\n")

    with pytest.raises(StackFileError, match=r"Pulumi\.dev\.yaml: invalid YAML"):
        load_stack_config(project, "dev")
