"""Command line: `python -m harness check|policy|local ...` (see `./run`)."""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from harness.check import Outcome, run_check, run_policy
from harness.dump import DumpError, read_dump_stack
from harness.output_files import overwritten_input
from harness.policy_config import PolicyConfigError, require_policy_config
from harness.policy_eval import PolicyEvaluationError
from harness.program import REPOSITORY_ROOT, ProgramConfigError, ProgramError
from harness.report_json import ReportWriteError, write_report
from harness.secret_values import scrub
from harness.stack_files import StackFileError, check_stack_name

EXIT_USAGE = 2
DEFAULT_STACK = "dev"


class OutputTargetError(Exception):
    """A `--json` or `--markdown` file that is one of the files the run reads."""


# Errors that stop a run with one message and exit status 2.
INPUT_ERRORS = (
    StackFileError,
    ProgramError,
    PolicyConfigError,
    PolicyEvaluationError,
    DumpError,
    ReportWriteError,
    OutputTargetError,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="./run", description="Run secrets-platform without the Pulumi CLI."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser(
        "check", help="offline check of a stack under mocks with the policy pack"
    )
    check.add_argument(
        "--stack",
        default=DEFAULT_STACK,
        type=_stack_name,
        help="stack name (default: dev)",
    )
    _add_common(check, "write the report (resources, violations, outputs) to FILE")
    _add_diff_options(check)

    policy = commands.add_parser(
        "policy", help="evaluate the policy pack on a resource dump"
    )
    policy.add_argument("file", type=Path, help="resource dump (JSON, report shape)")
    policy.add_argument(
        "--stack",
        type=_stack_name,
        help="stack whose policy config applies (default: the dump's `stack` "
        "field, or dev when the dump has none)",
    )
    _add_common(policy, "write the report (resources, violations) to FILE")

    commands.add_parser(
        "local", help="apply the local stack to a live OpenBao server", add_help=False
    )
    return parser


def _stack_name(text: str) -> str:
    try:
        return check_stack_name(text)
    except StackFileError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _add_common(command: argparse.ArgumentParser, json_help: str) -> None:
    command.add_argument("--json", type=Path, metavar="FILE", help=json_help)
    command.add_argument(
        "--project-dir",
        type=Path,
        default=REPOSITORY_ROOT,
        help="project directory holding Pulumi.yaml (default: this repository)",
    )
    command.add_argument(
        "--traceback", action="store_true", help="print the traceback of an error"
    )


def _diff_module() -> ModuleType | None:
    """Return the pull-request diff package, or None when it is absent."""
    try:
        return importlib.import_module("harness.diff.cli")
    except ModuleNotFoundError as error:
        if error.name not in ("harness.diff", "harness.diff.cli"):
            raise
        return None


def _add_diff_options(check: argparse.ArgumentParser) -> None:
    diff = _diff_module()
    if diff is not None:
        diff.add_diff_arguments(check)


def _run_diff(options: argparse.Namespace, outcome: Outcome) -> int:
    """Compare the check's report with a base when one is requested."""
    diff = _diff_module()
    if options.command != "check" or diff is None:
        return 0
    return int(diff.run_diff(options, outcome.report()))


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["local"]:
        return _run_local(arguments[1:])

    options = build_parser().parse_args(arguments)
    try:
        _reject_input_targets(options)
        outcome = _run(options)
        print("\n".join(outcome.lines))
        if options.json is not None:
            write_report(options.json, outcome.report())
            print(f"Report written to {options.json}")
    except ProgramConfigError as error:
        return _fail(f"invalid stack config: {error}", options)
    except INPUT_ERRORS as error:
        return _fail(str(error), options)

    # The worse of the two results wins: 2 (bad input) over 1 (blocked) over 0.
    return max(outcome.exit_code, _run_diff(options, outcome))


def _reject_input_targets(options: argparse.Namespace) -> None:
    """Raise `OutputTargetError` when a report file would replace an input."""
    targets = {"--json": options.json, "--markdown": getattr(options, "markdown", None)}
    project_dir: Path = options.project_dir
    for option, target in targets.items():
        if target is None:
            continue
        replaced = overwritten_input(
            target, _input_files(options), [project_dir / "policies"]
        )
        if replaced is not None:
            raise OutputTargetError(
                f"{option} {target}: invalid target, because this run reads "
                f"{replaced}. Choose another file for the report"
            )


def _input_files(options: argparse.Namespace) -> list[Path]:
    """Return the project and stack files, the dump for `policy`, and `--base`."""
    project_dir: Path = options.project_dir
    inputs = [project_dir / "Pulumi.yaml", *sorted(project_dir.glob("Pulumi.*.yaml"))]
    if options.command == "policy":
        inputs.append(options.file)

    base = getattr(options, "base", None)
    if base is not None:
        inputs.append(Path(base))
    return inputs


def _run(options: argparse.Namespace) -> Outcome:
    if options.command == "check":
        return run_check(options.stack, project_dir=options.project_dir)

    stack, note = _policy_stack(options)
    print(note)
    return run_policy(options.file, stack, project_dir=options.project_dir)


def _policy_stack(options: argparse.Namespace) -> tuple[str, str]:
    """Return the stack whose policy config applies and a line naming the source.

    Raises `PolicyConfigError` when that stack has no policy config file.
    """
    if options.stack is not None:
        stack, note = options.stack, f"Stack {options.stack} from --stack"
    else:
        stack = read_dump_stack(options.file)
        note = f"Stack {stack} from the dump's 'stack' field"
        if stack is None:
            stack = DEFAULT_STACK
            note = f"Stack {stack}: the dump has no 'stack' field (choose with --stack)"

    require_policy_config(options.project_dir / "policies", stack)
    return stack, note


def _fail(message: str, options: argparse.Namespace) -> int:
    if options.traceback:
        traceback.print_exc()
    print(f"error: {scrub(message, set())}", file=sys.stderr)
    return EXIT_USAGE


def _run_local(arguments: list[str]) -> int:
    """Hand `local` to the local apply's own command line."""
    try:
        local_cli = importlib.import_module("harness.local.cli")
    except ModuleNotFoundError as error:
        if error.name not in ("harness.local", "harness.local.cli"):
            raise
        print(
            f"error: the local apply is not available ({error}); "
            "harness/local/cli.py must define main(argv)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return int(local_cli.main(arguments))
