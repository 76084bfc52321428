"""The `check` command's diff options and the step that runs them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from harness.diff.base import BaseReportError, load_report, report_for_ref
from harness.diff.compare import compare_reports
from harness.diff.gate import evaluate_gate
from harness.diff.meaning import describe_impacts
from harness.diff.render import render_markdown, render_text, write_atomically
from harness.diff.reports import ReportError

EXIT_USAGE = 2
PROJECT_DIR = Path(__file__).resolve().parents[2]


def add_diff_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the pull-request diff options to the `check` subparser."""
    group = parser.add_argument_group(
        "pull-request diff",
        "compare this check's report with a base and fail on destructive replacements",
    )
    source = group.add_mutually_exclusive_group()
    source.add_argument(
        "--base-ref",
        metavar="REF",
        help="git ref to compare with; the check runs on it in a temporary worktree",
    )
    source.add_argument(
        "--base",
        metavar="FILE",
        type=Path,
        help="report written by `check --json` to compare with",
    )
    group.add_argument(
        "--markdown",
        metavar="FILE",
        type=Path,
        help="also write the diff as a Markdown pull-request comment to FILE",
    )
    group.add_argument(
        "--allow-replace",
        metavar="URN",
        action="append",
        default=[],
        help="accept the replacement, move or deletion of this URN (repeatable)",
    )


def run_diff(args: argparse.Namespace, head_report: dict[str, Any]) -> int:
    """Compare the head report with the requested base; return the exit code.

    Returns 0 when no base is requested or nothing blocks, 1 when a blocking
    replacement is not allowed, and 2 for a bad base or bad options.
    `head_report` must be the report as `--json` writes it, secrets masked.
    """
    if args.base_ref is None and args.base is None:
        return _without_base(args)

    try:
        base_report, base_label = _base_report(args)
        return _report_diff(args, base_report, head_report, base_label)
    except (BaseReportError, ReportError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE


def _without_base(args: argparse.Namespace) -> int:
    if args.markdown is None and not args.allow_replace:
        return 0
    print(
        "error: --markdown and --allow-replace need a base: add --base-ref REF "
        "or --base FILE",
        file=sys.stderr,
    )
    return EXIT_USAGE


def _base_report(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    if args.base is not None:
        return load_report(args.base), f"report {args.base}"
    stack = getattr(args, "stack", None) or "dev"
    project_dir = getattr(args, "project_dir", None) or PROJECT_DIR
    report = report_for_ref(args.base_ref, stack, Path(project_dir))
    return report, f"git ref {args.base_ref}"


def _report_diff(
    args: argparse.Namespace,
    base_report: dict[str, Any],
    head_report: dict[str, Any],
    base_label: str,
) -> int:
    diff = compare_reports(base_report, head_report)
    impacts = describe_impacts(diff)
    gate = evaluate_gate(impacts, args.allow_replace)

    print(render_text(diff, impacts, gate, base_label), end="")
    if args.markdown is None:
        return gate.exit_code

    try:
        write_atomically(
            args.markdown, render_markdown(diff, impacts, gate, base_label)
        )
    except OSError as error:
        print(
            f"error: cannot write --markdown {args.markdown}: {error}", file=sys.stderr
        )
        return EXIT_USAGE
    return gate.exit_code
