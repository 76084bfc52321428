"""Time the offline check against the SDK's mock-runtime floor, and the local apply.

For each size (3, 100 and 1,000 services by default) the script builds a stack
from the shipped `dev` stack by repeating its three services under new names,
then measures, each in a fresh Python process:

- floor: the same program under mocks that only echo their inputs, with no
  policy evaluation (what the SDK's mock runtime costs by itself);
- check: the offline check (`harness.check.run_check`), the provider-shaped
  mocks and the whole policy pack.

It prints ms per resource, the check's ratio to the floor, the 1,000/100
ratio of ms per resource, and the check's peak memory (the floor's process
also keeps the recorded outputs, so its memory is not comparable). `--local`
also times `./run local` end to end (OpenBao start, apply, verify, stop).

Usage: .venv/bin/python bench/offline_check.py [--sizes 3 100 1000] [--local]
"""

from __future__ import annotations

import argparse
import gc
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
BASE_STACK = "dev"
NAMESPACE = "secrets-platform"


@dataclass(frozen=True)
class Measurement:
    """One timed run in its own process."""

    resources: int
    seconds: float
    peak_rss_mib: float

    @property
    def ms_per_resource(self) -> float:
        return 1000 * self.seconds / max(self.resources, 1)


def scaled_services(count: int) -> dict[str, Any]:
    """Return `count` services cloned from the base stack's, with unique names."""
    stack_file = REPOSITORY_ROOT / f"Pulumi.{BASE_STACK}.yaml"
    config = yaml.safe_load(stack_file.read_text())["config"]
    templates = config[f"{NAMESPACE}:services"]
    names = sorted(templates)

    services = {}
    for index in range(count):
        template_name = names[index % len(names)]
        name = template_name if count <= len(names) else f"{template_name}-{index}"
        services[name] = _renamed(templates[template_name], template_name, name)
    return services


def _renamed(service: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """Copy a service's config, giving it identities and TLS names of its own."""
    text = json.dumps(service).replace(old, new)
    text = text.replace('.dev.internal"', f'-{new}.dev.internal"')
    return json.loads(text)


def measure_in_process(mode: str, services: int, recording: Path) -> Measurement:
    """Run one measurement here; called in the child process."""
    sys.path.insert(0, str(REPOSITORY_ROOT))
    from harness.check import run_check
    from harness.program import run_program

    overrides = {f"{NAMESPACE}:services": scaled_services(services)}
    if mode == "floor":
        mocks = ReplayMocks(pickle.loads(recording.read_bytes()))
        # The recording is as large as the stack and never changes. Frozen, it
        # stays out of the collector's full passes, which the check's process
        # does not pay for either.
        gc.freeze()
        started = time.perf_counter()
        run = run_program(BASE_STACK, mocks, config_overrides=overrides)
        count = len(run.resources)
    else:
        started = time.perf_counter()
        outcome = run_check(BASE_STACK, config_overrides=overrides)
        count = len(outcome.resources)
    seconds = time.perf_counter() - started
    return Measurement(count, seconds, _peak_rss_mib())


def _peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class ReplayMocks(Mocks):
    """Mocks that do nothing but look up the outputs a recorded run returned.

    The program's `apply` chains need provider-shaped outputs (PEM text, ids),
    so a mock that only echoes inputs would stop it. A dict lookup is the
    least work that still lets the same program run to the end.
    """

    def __init__(self, recorded: dict[tuple[str, str], tuple[str, dict]]) -> None:
        self.recorded = recorded

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return self.recorded.get((args.typ, args.name), (f"{args.name}-id", {}))

    def call(self, args: MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
        return {}, []


def record_outputs(services: int, path: Path) -> None:
    """Run the program once under the check mocks and save each resource's outputs."""
    sys.path.insert(0, str(REPOSITORY_ROOT))
    from harness.check_mocks import CheckMocks
    from harness.program import run_program

    overrides = {f"{NAMESPACE}:services": scaled_services(services)}
    run = run_program(BASE_STACK, CheckMocks(), config_overrides=overrides)
    recorded = {(r.type, r.name): (r.id, dict(r.state)) for r in run.resources}
    path.write_bytes(pickle.dumps(recorded))


def run_child(mode: str, services: int, recording: Path) -> str:
    """Run one step in a fresh interpreter, so runs share no memory or state."""
    command = [sys.executable, __file__, "--child", mode, str(services), str(recording)]
    completed = subprocess.run(
        command, cwd=REPOSITORY_ROOT, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        tail = (completed.stderr or "").strip().splitlines()[-5:]
        raise SystemExit(f"{mode} run with {services} services failed: {tail}")
    return completed.stdout


def measure_size(services: int) -> dict[str, Measurement]:
    """Record the check mocks' outputs, then time the floor and the check."""
    with tempfile.TemporaryDirectory() as directory:
        recording = Path(directory) / "outputs.pickle"
        run_child("record", services, recording)
        results = {}
        for mode in ("floor", "check"):
            stdout = run_child(mode, services, recording)
            results[mode] = Measurement(**json.loads(stdout.strip().splitlines()[-1]))
    return results


def time_local_apply() -> float:
    """Return the wall time of `./run local`, which must exit 0."""
    started = time.perf_counter()
    completed = subprocess.run(
        [str(REPOSITORY_ROOT / "run"), "local"],
        cwd=REPOSITORY_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"./run local failed with exit {completed.returncode}")
    return time.perf_counter() - started


def print_table(results: dict[int, dict[str, Measurement]]) -> None:
    header = (
        f"{'services':>8} {'resources':>9} {'floor s':>8} {'floor ms/r':>10} "
        f"{'check s':>8} {'check ms/r':>10} {'ratio':>6} "
        f"{'check peak MiB':>14}"
    )
    print(header)
    for services, runs in sorted(results.items()):
        floor, check = runs["floor"], runs["check"]
        ratio = check.ms_per_resource / floor.ms_per_resource
        print(
            f"{services:>8} {check.resources:>9} {floor.seconds:>8.2f} "
            f"{floor.ms_per_resource:>10.2f} {check.seconds:>8.2f} "
            f"{check.ms_per_resource:>10.2f} {ratio:>6.2f} "
            f"{check.peak_rss_mib:>14.0f}"
        )


def print_scaling(results: dict[int, dict[str, Measurement]]) -> None:
    """Print the 1,000/100 ratio of ms per resource (1.0 means linear)."""
    if 100 not in results or 1000 not in results:
        return
    for mode in ("floor", "check"):
        large = results[1000][mode].ms_per_resource
        small = results[100][mode].ms_per_resource
        print(
            f"{mode}: ms per resource at 1,000 / at 100 services = {large / small:.2f}"
        )


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time the offline check against the mock-runtime floor."
    )
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[3, 100, 1000], help="service counts"
    )
    parser.add_argument("--local", action="store_true", help="also time ./run local")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    arguments = parse_arguments()
    if arguments.child:
        mode, services, recording = arguments.child
        if mode == "record":
            record_outputs(int(services), Path(recording))
            return
        figures = measure_in_process(mode, int(services), Path(recording))
        print(json.dumps(figures.__dict__))
        return

    results: dict[int, dict[str, Measurement]] = {}
    for services in arguments.sizes:
        results[services] = measure_size(services)
        print(f"measured {services} services", file=sys.stderr)
    print_table(results)
    print_scaling(results)
    if arguments.local:
        print(f"./run local: {time_local_apply():.1f} s")


if __name__ == "__main__":
    main()
