"""Time the offline check's own part: everything after the program run.

`offline_check.py` compares the whole check with the SDK's mock-runtime
floor, and at large sizes the floor's program run dominates both. This
script times one `harness.check.run_check` call per size, each in a fresh
Python process. It splits the time into the program run (SDK mock runtime
and check mocks) and the rest (policy pack, access report, report lines),
and prints the rest's ms per resource. The largest size's ms per resource over the
smallest's is 1.0 when that part scales linearly.

Usage: .venv/bin/python bench/policy_evaluation.py [--sizes 50 200]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from typing import Any

from offline_check import BASE_STACK, NAMESPACE, REPOSITORY_ROOT, scaled_services


def measure_in_process(services: int) -> dict[str, float]:
    """Run the check once and return its resource count and the two timings."""
    sys.path.insert(0, str(REPOSITORY_ROOT))
    import harness.check as check

    program_seconds: list[float] = []
    run_program = check.run_program

    def timed_run_program(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        run = run_program(*args, **kwargs)
        program_seconds.append(time.perf_counter() - started)
        return run

    check.run_program = timed_run_program
    overrides = {f"{NAMESPACE}:services": scaled_services(services)}
    started = time.perf_counter()
    outcome = check.run_check(BASE_STACK, config_overrides=overrides)
    total = time.perf_counter() - started
    return {
        "resources": len(outcome.resources),
        "program_seconds": program_seconds[0],
        "evaluation_seconds": total - program_seconds[0],
    }


def run_child(services: int) -> dict[str, float]:
    """Measure one size in a fresh interpreter, so sizes share no heap."""
    command = [sys.executable, __file__, "--child", str(services)]
    completed = subprocess.run(
        command, cwd=REPOSITORY_ROOT, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        tail = (completed.stderr or "").strip().splitlines()[-5:]
        raise SystemExit(f"check run with {services} services failed: {tail}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def print_table(results: dict[int, dict[str, float]]) -> None:
    print(
        f"{'services':>8} {'resources':>9} {'program s':>9} "
        f"{'evaluation s':>12} {'evaluation ms/r':>15}"
    )
    for services, figures in sorted(results.items()):
        per_resource = 1000 * figures["evaluation_seconds"] / figures["resources"]
        print(
            f"{services:>8} {figures['resources']:>9.0f} "
            f"{figures['program_seconds']:>9.2f} "
            f"{figures['evaluation_seconds']:>12.2f} {per_resource:>15.3f}"
        )


def print_scaling(results: dict[int, dict[str, float]]) -> None:
    """Print the largest size's evaluation ms per resource over the smallest's."""
    per_resource = {
        services: figures["evaluation_seconds"] / figures["resources"]
        for services, figures in results.items()
    }
    small, large = min(per_resource), max(per_resource)
    if small != large:
        ratio = per_resource[large] / per_resource[small]
        print(f"evaluation: ms per resource at {large} / at {small} = {ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Time the offline check's policy evaluation apart from the run."
    )
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[50, 200], help="service counts"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child is not None:
        print(json.dumps(measure_in_process(arguments.child)))
        return

    results = {services: run_child(services) for services in arguments.sizes}
    print_table(results)
    print_scaling(results)


if __name__ == "__main__":
    main()
