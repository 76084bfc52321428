"""Text and Markdown rendering of a report diff, and the `check` diff options."""

from __future__ import annotations

import argparse
import json
import secrets
from pathlib import Path
from typing import Any

import pytest

from harness.diff.cli import add_diff_arguments, run_diff
from harness.diff.compare import compare_reports
from harness.diff.gate import evaluate_gate
from harness.diff.meaning import describe_impacts
from harness.diff.render import render_markdown, render_text, write_atomically
from tests.diff.samples import build_sample, changed_copy, resource


def _fill_with_markers(value: Any, markers: list[str]) -> Any:
    """Replace every string and number with a fresh random marker."""
    if isinstance(value, dict):
        return {key: _fill_with_markers(item, markers) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill_with_markers(item, markers) for item in value]
    if isinstance(value, str | int) and not isinstance(value, bool):
        marker = f"value-{secrets.token_hex(8)}"
        markers.append(marker)
        return marker
    return value


def _marked_reports() -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Return base and head whose every prop value differs and is a marker."""
    base, urns = build_sample()
    markers: list[str] = []
    for entry in base["resources"]:
        entry["props"] = _fill_with_markers(entry["props"], markers)
    head = changed_copy(base)
    for entry in head["resources"]:
        entry["props"] = _fill_with_markers(entry["props"], markers)
    resource(head, urns["aws_secret"])["options"]["replacementTrigger"] = "trigger-x"
    markers.append("trigger-x")
    return base, head, markers


def _rendered(base: dict[str, Any], head: dict[str, Any]) -> tuple[str, str]:
    diff = compare_reports(base, head)
    impacts = describe_impacts(diff)
    gate = evaluate_gate(impacts, ())
    text = render_text(diff, impacts, gate, "git ref main")
    markdown = render_markdown(diff, impacts, gate, "git ref main")
    return text, markdown


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stack", default="dev")
    add_diff_arguments(parser)
    return parser.parse_args(argv)


def _write(path: Path, report: dict[str, Any]) -> Path:
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


def _mount_type_change() -> tuple[dict[str, Any], dict[str, Any], str]:
    base, urns = build_sample()
    head = changed_copy(base)
    resource(head, urns["kv"])["props"]["type"] = "kv-v2"
    return base, head, urns["kv"]


def test_render_text_never_prints_values() -> None:
    base, head, markers = _marked_reports()

    text, _ = _rendered(base, head)

    leaked = [marker for marker in markers if marker in text]
    assert not leaked, f"{len(leaked)} property values appear in the text"


def test_render_markdown_never_prints_values() -> None:
    base, head, markers = _marked_reports()

    _, markdown = _rendered(base, head)

    leaked = [marker for marker in markers if marker in markdown]
    assert not leaked, f"{len(leaked)} property values appear in the Markdown"


def test_render_empty_diff_says_no_changes() -> None:
    base, _ = build_sample()

    text, markdown = _rendered(base, changed_copy(base))

    assert "No resource changes." in text
    assert "No resource changes." in markdown


def test_render_text_lists_blocked_urn() -> None:
    base, head, urn = _mount_type_change()

    text, _ = _rendered(base, head)

    assert "BLOCKED" in text
    assert f"URN: {urn}" in text
    assert "every secret in this KV mount is deleted" in text


def test_render_markdown_has_blocked_table() -> None:
    base, head, _ = _mount_type_change()

    _, markdown = _rendered(base, head)

    assert "### :no_entry: Blocked" in markdown
    assert "| Secrets deleted | `auth-service-kv` (Vault mount) |" in markdown


def test_write_atomically_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "comment.md"

    write_atomically(target, "## diff\n")

    assert target.read_text(encoding="utf-8") == "## diff\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["comment.md"]


def test_run_diff_without_base_returns_zero() -> None:
    assert run_diff(_parse([]), {"resources": []}) == 0


def test_run_diff_markdown_without_base_is_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_diff(_parse(["--markdown", str(tmp_path / "c.md")]), {"resources": []})

    assert code == 2
    assert "need a base" in capsys.readouterr().err
    assert not (tmp_path / "c.md").exists()


def test_run_diff_blocks_mount_replacement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, head, _ = _mount_type_change()
    base_file = _write(tmp_path / "base.json", base)
    comment = tmp_path / "comment.md"

    code = run_diff(
        _parse(["--base", str(base_file), "--markdown", str(comment)]), head
    )

    assert code == 1
    assert "BLOCKED" in capsys.readouterr().out
    assert "Secrets deleted" in comment.read_text(encoding="utf-8")


def test_run_diff_allow_replace_passes(tmp_path: Path) -> None:
    base, head, urn = _mount_type_change()
    base_file = _write(tmp_path / "base.json", base)

    code = run_diff(_parse(["--base", str(base_file), "--allow-replace", urn]), head)

    assert code == 0


def test_run_diff_missing_base_file_is_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_diff(_parse(["--base", str(tmp_path / "none.json")]), {"resources": []})

    assert code == 2
    assert "none.json not found" in capsys.readouterr().err


def test_run_diff_invalid_base_json_is_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")

    code = run_diff(_parse(["--base", str(bad)]), {"resources": []})

    assert code == 2
    assert "is not valid JSON" in capsys.readouterr().err


def test_run_diff_bad_resource_names_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base_file = _write(tmp_path / "base.json", {"resources": [{"urn": "u"}]})

    code = run_diff(_parse(["--base", str(base_file)]), {"resources": []})

    assert code == 2
    assert "base report resources[0]: 'type' is missing" in capsys.readouterr().err


def test_base_options_are_exclusive() -> None:
    with pytest.raises(SystemExit):
        _parse(["--base", "a.json", "--base-ref", "main"])
