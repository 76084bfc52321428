"""Run the real Pulumi program in-process under the SDK's mock runtime.

`run_program` does what the Python language host does: it sets the config from
the stack file, runs `__main__.py` with `runpy` inside a root `Stack`, and waits
for every RPC and Output. A mock resource monitor records each registration:
type, name, URN, the engine's camelCase inputs, parent, dependencies, options.
Each run gets its own context, event loop and project modules, so one process
can run several stacks one after another.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import runpy
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pulumi.runtime
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor, Mocks
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.rpc_manager import RPCManager
from pulumi.runtime.settings import ROOT, SETTINGS, get_project, get_stack
from pulumi.runtime.stack import run_in_stack, wait_for_rpcs
from pulumi.runtime.sync_await import _sync_await

from harness.secret_values import (
    quotable_secrets,
    scrub,
    unwrap_secrets,
    wrap_secret,
)
from harness.stack_files import Project, StackConfig, load_project, load_stack_config
from harness.urns import STACK_TYPE, engine_urn, qualified_type

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent

_LOG = logging.getLogger(__name__)


class ProgramError(Exception):
    """The program failed for a reason other than its config."""


class ProgramConfigError(ProgramError):
    """The program rejected a stack config value (its `ConfigError`)."""


@dataclass(frozen=True)
class RegisteredResource:
    """One resource as the engine would receive it from the program."""

    urn: str
    type: str
    name: str
    custom: bool
    inputs: dict[str, Any]
    """camelCase inputs; secret values keep the SDK's secret marker."""
    parent: str | None
    dependencies: tuple[str, ...]
    property_dependencies: dict[str, tuple[str, ...]]
    protect: bool
    delete_before_replace: bool
    ignore_changes: tuple[str, ...]
    provider: str
    replace_on_changes: tuple[str, ...] = ()
    """camelCase input paths whose change forces a replacement."""
    id: str = ""
    state: dict[str, Any] = field(default_factory=dict)
    """The outputs the mocks returned for it."""
    replacement_trigger: Any = None
    """The `replacement_trigger` option's value; None when it is not set."""


@dataclass(frozen=True)
class ProgramRun:
    """Everything one run of the program registered."""

    project: str
    stack: str
    resources: tuple[RegisteredResource, ...]
    outputs: dict[str, Any]
    """Stack outputs; secret values keep the SDK's secret marker."""
    filled_placeholders: tuple[str, ...]
    """Config paths given a placeholder secret for this run."""
    warnings: tuple[str, ...]


class RecordingMonitor(MockMonitor):
    """A mock monitor that also keeps each registration request's details.

    TODO: resources read with `Resource.get` (ReadResource) get mock outputs
    but are not recorded, so they are missing from plans and policies.
    """

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self._lock = threading.Lock()
        self.registered: list[RegisteredResource] = []
        self.stack_outputs: dict[str, Any] = {}

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """Build the URN as the engine does (the SDK's mock keeps one ancestor)."""
        return engine_urn(get_stack(), get_project(), type_, name, parent or None)

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        if request.type == STACK_TYPE:
            return response

        if request.additionalSecretOutputs:
            response = self._mark_secret_outputs(request, response)
        self._record(request, response)
        return response

    def _mark_secret_outputs(self, request, response):
        """Mark the outputs the resource lists as secret, as the engine does."""
        state = dict(self.resources[response.urn].state)
        for key in request.additionalSecretOutputs:
            if key in state:
                state[key] = wrap_secret(unwrap_secrets(state[key]))

        self.resources[response.urn] = self.ResourceRegistration(
            response.urn, response.id, state
        )
        return resource_pb2.RegisterResourceResponse(
            urn=response.urn,
            id=response.id,
            object=_sync_await(rpc.serialize_properties(state, {})),
        )

    def RegisterResourceOutputs(self, request):
        if qualified_type(request.urn) == STACK_TYPE:
            outputs = _with_leaf_secrets(request.outputs)
            with self._lock:
                self.stack_outputs = dict(outputs)
        return super().RegisterResourceOutputs(request)

    def _record(self, request, response) -> None:
        resource = RegisteredResource(
            urn=response.urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            inputs=_with_leaf_secrets(request.object),
            parent=_parent_urn(request.parent),
            # The SDK collects dependencies in sets; sorting keeps reports stable.
            dependencies=tuple(sorted(request.dependencies)),
            property_dependencies={
                key: tuple(sorted(urns.urns))
                for key, urns in sorted(request.propertyDependencies.items())
            },
            protect=bool(request.protect),
            delete_before_replace=bool(request.deleteBeforeReplace),
            ignore_changes=tuple(request.ignoreChanges),
            provider=request.provider,
            replace_on_changes=tuple(request.replaceOnChanges),
            id=response.id,
            state=self.resources[response.urn].state,
            replacement_trigger=_replacement_trigger(request),
        )
        with self._lock:
            self.registered.append(resource)


def _with_leaf_secrets(properties: struct_pb2.Struct) -> dict[str, Any]:
    """Convert wire properties to a dict with each secret marker where it was set.

    The SDK's own deserializer marks a whole object secret when one of its
    values is. That would hide an Azure secret's `contentType` behind its
    `value`, so this converts the way the policy analyzer does.
    """
    return json_format.MessageToDict(properties)


def _replacement_trigger(request) -> Any:
    if not request.HasField("replacement_trigger"):
        return None
    return json_format.MessageToDict(request.replacement_trigger)


class _EngineLog(logging.Handler):
    """Collect the messages the program logs through `pulumi.log` (warning and up)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.warnings: list[str] = []
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        target = self.errors if record.levelno >= logging.ERROR else self.warnings
        target.append(record.getMessage())


def run_program(
    stack: str,
    mocks: Mocks,
    *,
    config_overrides: Mapping[str, Any] | None = None,
    project_dir: Path = REPOSITORY_ROOT,
) -> ProgramRun:
    """Run the project's program for a stack and return what it registered.

    `config_overrides` maps config keys (`key` or `project:key`) to plain
    values that replace the stack file's. Raises `StackFileError` for a
    missing or malformed stack file, `ProgramConfigError` when the program
    rejects the config, and `ProgramError` for any other failure.
    """
    context = contextvars.copy_context()
    return context.run(
        _run_isolated, stack, mocks, config_overrides, project_dir.resolve()
    )


def _run_isolated(
    stack: str,
    mocks: Mocks,
    config_overrides: Mapping[str, Any] | None,
    project_dir: Path,
) -> ProgramRun:
    project = load_project(project_dir)
    config = load_stack_config(project, stack, config_overrides)
    pulumi.runtime.set_all_config(config.runtime_values(), list(config.secret_keys))

    monitor = RecordingMonitor(mocks)
    engine_log = _EngineLog()
    try:
        _execute(monitor, engine_log, project, stack)
    except ProgramError as error:
        raise _redacted(error, _known_secrets(monitor, config)) from None

    return ProgramRun(
        project=project.name,
        stack=stack,
        resources=tuple(monitor.registered),
        outputs=monitor.stack_outputs,
        filled_placeholders=config.filled_placeholders,
        warnings=_scrubbed_warnings(engine_log.warnings, monitor, config),
    )


def _scrubbed_warnings(
    warnings: list[str], monitor: RecordingMonitor, config: StackConfig
) -> tuple[str, ...]:
    if not warnings:
        return ()
    secrets = _known_secrets(monitor, config)
    return tuple(scrub(warning, secrets) for warning in warnings)


def _execute(
    monitor: RecordingMonitor, engine_log: _EngineLog, project: Project, stack: str
) -> None:
    """Run the program under the mocks; raise `ProgramError` if it fails."""
    with _event_loop(), _project_modules(project.directory):
        _reset_runtime_state()
        _start_runtime(monitor, engine_log, project.name, stack)
        _run_main(project.main)

    if engine_log.errors:
        raise ProgramError("; ".join(engine_log.errors))


def _reset_runtime_state() -> None:
    """Give this run its own pending-Output set, lock and RPC manager.

    The SDK keeps them on its global `SETTINGS`, and its own test helper
    (`pulumi.runtime.mocks.test`) clears them before each test. A failed run
    leaves Output tasks of its closed event loop there, and a later run would
    wait on them and fail with `Event loop is closed`. They are context
    variables, so setting them changes this run's context only.
    """
    # pyright cannot bind the SDK's context-variable properties on `SETTINGS`.
    SETTINGS.outputs = set()  # pyright: ignore[reportAttributeAccessIssue]
    SETTINGS.lock = threading.Lock()  # pyright: ignore[reportAttributeAccessIssue]
    SETTINGS.rpc_manager = RPCManager()  # pyright: ignore[reportAttributeAccessIssue]


def _known_secrets(monitor: RecordingMonitor, config: StackConfig) -> set[str]:
    """Return every secret string the run has seen, to scrub messages with.

    These are the secret config values and the secret inputs, outputs and
    stack outputs that the monitor recorded.

    NOTE: a secret that the program makes itself (`Output.secret`) and that no
    registered resource received is unknown here, so a message that quotes it
    keeps it, unless it is PEM private key material.
    """
    secret_config = {key: wrap_secret(config.values[key]) for key in config.secret_keys}
    recorded = [[r.inputs, r.state] for r in monitor.registered]
    return quotable_secrets([secret_config, recorded, monitor.stack_outputs])


def _redacted(error: ProgramError, secrets: set[str]) -> ProgramError:
    """Return the same kind of error with every known secret scrubbed.

    The SDK's messages quote property values, and the program's may quote
    config values. The original error is dropped with its message, but its
    traceback is kept, so `--traceback` still shows where the program failed.
    """
    safe = type(error)(scrub(str(error), secrets))
    return safe.with_traceback(error.__traceback__)


def _start_runtime(
    monitor: RecordingMonitor, engine_log: _EngineLog, project: str, stack: str
) -> None:
    """Install the mocks, then drop the root stack `set_mocks` makes.

    `set_mocks` registers its root stack with no outputs at once. The program
    runs inside a fresh root stack instead, as under the language host, so its
    exports reach the monitor when that stack finishes.
    """
    logger = logging.getLogger(f"harness.program.{id(monitor)}")
    logger.propagate = False
    logger.addHandler(engine_log)
    pulumi.runtime.set_mocks(
        monitor.mocks,
        project=project,
        stack=stack,
        preview=False,
        monitor=monitor,
        logger=logger,
    )
    _sync_await(wait_for_rpcs())
    ROOT.set(None)


def _run_main(main: Path) -> None:
    """Run `__main__.py` as the language host does, mapping its failures.

    The raw error is not chained, because its message may hold a secret that
    only the caller can scrub. Its traceback is carried over instead.
    """
    try:
        _sync_await(run_in_stack(lambda: _run_path(main)))
    except Exception as error:
        raise _program_error(error).with_traceback(error.__traceback__) from None


def _program_error(error: Exception) -> ProgramError:
    if _is_config_error(error):
        return ProgramConfigError(str(error))
    return ProgramError(f"{type(error).__name__}: {error}")


def _run_path(main: Path) -> None:
    runpy.run_path(str(main), run_name="__main__")


def _is_config_error(error: BaseException) -> bool:
    """Tell whether the error is the program's `ConfigError` (any module copy)."""
    return any(cls.__name__ == "ConfigError" for cls in type(error).__mro__)


def _parent_urn(parent: str) -> str | None:
    """Return the parent URN, or None when the parent is the root stack."""
    if not parent or qualified_type(parent) == STACK_TYPE:
        return None
    return parent


@contextmanager
def _event_loop() -> Iterator[None]:
    """Give the run a fresh event loop on this thread and close it afterwards."""
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(_drop_loop_error)
    asyncio.set_event_loop(loop)
    try:
        yield
    finally:
        _cancel_pending(loop)
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
        asyncio.set_event_loop(None)


def _drop_loop_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Keep the event loop's own error reports off stderr.

    After a failure, every Output that waited on the failed one reports the
    same error as "Future exception was never retrieved", with a traceback
    whose message may quote a secret. The run raises that error once, scrubbed.
    """
    _LOG.debug("event loop: %s", context.get("message", "error"))


def _cancel_pending(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what a failed program left running, so closing the loop is quiet."""
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


@contextmanager
def _project_modules(project_dir: Path) -> Iterator[None]:
    """Import the program's own modules from `project_dir`, for this run only.

    Modules of the same name loaded from elsewhere (another project copy) are
    set aside and restored afterwards; this package is never touched.
    """
    local_names = _local_module_names(project_dir)
    set_aside = _pop_modules(local_names)
    sys.path.insert(0, str(project_dir))
    try:
        yield
    finally:
        sys.path.remove(str(project_dir))
        _pop_modules(local_names)
        sys.modules.update(set_aside)


def _local_module_names(project_dir: Path) -> set[str]:
    files = {path.stem for path in project_dir.glob("*.py")}
    packages = {path.parent.name for path in project_dir.glob("*/__init__.py")}
    return (files | packages) - {"__main__", "harness"}


def _pop_modules(top_level_names: set[str]) -> dict[str, ModuleType]:
    popped = {}
    for name in list(sys.modules):
        if name.split(".")[0] in top_level_names:
            popped[name] = sys.modules.pop(name)
    return popped
