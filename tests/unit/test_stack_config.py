"""Tests for the stack config loader and the shipped stack files."""

from __future__ import annotations

from pathlib import Path

import pytest

import stack_config

ROOT = Path(__file__).resolve().parents[2]
STACKS = ("local", "dev", "prod")


@pytest.mark.parametrize("stack", STACKS)
def test_stack_file_parses(stack: str) -> None:
    raw = stack_config.read_stack_file(ROOT / f"Pulumi.{stack}.yaml")

    config = stack_config.parse_stack_config(raw)

    assert config.environment == stack, f"Pulumi.{stack}.yaml environment"
