"""Mocks and a runner that build the Platform under Pulumi's mock runtime.

`build_platform` declares a Platform from a StackConfig and returns every
registered resource (type, name, parent, camelCase inputs, options) and the
resolved stack outputs. The mocks return plausible provider outputs: real
keys from `cryptography`, random passwords, fixed rotation times. Values are
cached by resource name and inputs, so two builds of one stack see the same
outputs.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json
import runpy
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pulumi
import pulumi.runtime
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from components.platform import Platform, PlatformArgs
from stack_config import StackConfig, parse_stack_config, read_stack_file

PROJECT = "secrets-platform"
REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
ROTATION_BASE = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Registration:
    """One resource as the engine would receive it."""

    urn: str
    type: str
    name: str
    parent: str
    inputs: dict[str, Any]
    state: dict[str, Any]
    protect: bool
    delete_before_replace: bool
    ignore_changes: tuple[str, ...]
    has_replacement_trigger: bool
    dependencies: tuple[str, ...]


@dataclass(frozen=True)
class PlatformBuild:
    """Everything one build of the Platform registered."""

    resources: list[Registration]
    outputs: dict[str, Any]
    outputs_secret: bool
    generated_secrets: list[str]
    """Every secret value the mocks handed out (passwords, private keys)."""

    def of_type(self, type_token: str) -> list[Registration]:
        return [r for r in self.resources if r.type == type_token]

    def named(self, name: str, type_token: str | None = None) -> Registration:
        matches = [
            r
            for r in self.resources
            if r.name == name and (type_token is None or r.type == type_token)
        ]
        assert len(matches) == 1, f"expected one resource named {name}"
        return matches[0]

    def urn_of(self, name: str, type_token: str | None = None) -> str:
        return self.named(name, type_token).urn


def _pem_private(key: Any) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _pem_public(key: Any) -> str:
    return (
        key.public_key()
        .public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode()
    )


def _generate_key(inputs: Mapping[str, Any]) -> Any:
    algorithm = inputs.get("algorithm")
    if algorithm == "ECDSA":
        curve = {"P256": ec.SECP256R1(), "P384": ec.SECP384R1()}[inputs["ecdsaCurve"]]
        return ec.generate_private_key(curve)
    if algorithm == "RSA":
        # Every RSA key is 2048 bits whatever the requested size, to keep tests fast.
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ed25519.Ed25519PrivateKey.generate()


def _placeholder_pem(label: str, name: str) -> str:
    return f"-----BEGIN {label}-----\n{name}\n-----END {label}-----\n"


def _rotation_state(inputs: Mapping[str, Any]) -> dict[str, Any]:
    base_text = inputs.get("rfc3339")
    base = datetime.fromisoformat(base_text) if base_text else ROTATION_BASE
    days = int(inputs.get("rotationDays") or 0)
    return {
        "rfc3339": base.isoformat(),
        "rotationRfc3339": (base + timedelta(days=days)).isoformat(),
    }


def _offset_state(inputs: Mapping[str, Any]) -> dict[str, Any]:
    base = datetime.fromisoformat(inputs["baseRfc3339"])
    offset = base + timedelta(days=int(inputs.get("offsetDays") or 0))
    return {"rfc3339": offset.isoformat()}


class PlatformMocks(Mocks):
    """Provider outputs for every resource type the Platform declares."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, dict[str, Any]] = {}
        self.generated_secrets: list[str] = []

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[Any] | None]:
        raise AssertionError(f"the program calls no function, got {args.token}")

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        state = {**args.inputs, **self._generated(args)}
        resource_id = state.get("id") or state.get("rfc3339") or f"{args.name}-id"
        return str(resource_id), state

    def _generated(self, args: MockResourceArgs) -> dict[str, Any]:
        inputs = json.dumps(args.inputs, sort_keys=True, default=str)
        key = f"{pulumi.get_stack()}::{args.typ}::{args.name}::{inputs}"
        with self._lock:
            if key not in _CACHE:
                _CACHE[key] = self._outputs(args)
            outputs = _CACHE[key]
            self.generated_secrets.extend(
                value for name, value in outputs.items() if name in _SECRET_OUTPUTS
            )
            return outputs

    def _outputs(self, args: MockResourceArgs) -> dict[str, Any]:
        inputs = args.inputs
        producer = _PRODUCERS.get(args.typ)
        return producer(args.name, inputs) if producer else {}


def _private_key_outputs(name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    key = _generate_key(inputs)
    return {"privateKeyPem": _pem_private(key), "publicKeyPem": _pem_public(key)}


def _vault_cert_outputs(name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    key = ec.generate_private_key(ec.SECP256R1())
    return {
        "certificate": _placeholder_pem("CERTIFICATE", name),
        "issuingCa": _placeholder_pem("CERTIFICATE", f"{name}-issuer"),
        "privateKey": _pem_private(key),
    }


_PRODUCERS = {
    "tls:index/privateKey:PrivateKey": _private_key_outputs,
    "tls:index/selfSignedCert:SelfSignedCert": lambda name, _: {
        "certPem": _placeholder_pem("CERTIFICATE", name)
    },
    "tls:index/locallySignedCert:LocallySignedCert": lambda name, _: {
        "certPem": _placeholder_pem("CERTIFICATE", name)
    },
    "tls:index/certRequest:CertRequest": lambda name, _: {
        "certRequestPem": _placeholder_pem("CERTIFICATE REQUEST", name)
    },
    "random:index/randomPassword:RandomPassword": lambda name, inputs: {
        "result": secrets.token_urlsafe(int(inputs["length"]))[: int(inputs["length"])]
    },
    "time:index/rotating:Rotating": lambda name, inputs: _rotation_state(inputs),
    "time:index/offset:Offset": lambda name, inputs: _offset_state(inputs),
    "vault:pkiSecret/secretBackendRootCert:SecretBackendRootCert": _vault_cert_outputs,
    "vault:pkiSecret/secretBackendIntermediateCertRequest:"
    "SecretBackendIntermediateCertRequest": lambda name, _: {
        "csr": _placeholder_pem("CERTIFICATE REQUEST", name)
    },
    "vault:pkiSecret/secretBackendRootSignIntermediate:"
    "SecretBackendRootSignIntermediate": _vault_cert_outputs,
    "vault:pkiSecret/secretBackendCert:SecretBackendCert": _vault_cert_outputs,
    "aws:kms/key:Key": lambda name, _: {
        "arn": f"arn:aws:kms:eu-west-1:111111111111:key/{name}",
        "keyId": name,
    },
    "aws:secretsmanager/secret:Secret": lambda name, inputs: {
        "arn": f"arn:aws:secretsmanager:eu-west-1:111111111111:secret:{inputs['name']}"
    },
    "gcp:pubsub/topic:Topic": lambda name, inputs: {
        "id": f"projects/{inputs['project']}/topics/{inputs['name']}"
    },
    "gcp:projects/serviceIdentity:ServiceIdentity": lambda name, inputs: {
        "email": f"service-1@gcp-sa-secretmanager.{inputs['project']}.iam",
        "member": f"serviceAccount:service-1@gcp-sa-secretmanager.{inputs['project']}",
    },
    "azure-native:keyvault:Vault": lambda name, inputs: {"name": inputs["vaultName"]},
    "azure-native:resources:ResourceGroup": lambda name, inputs: {
        "name": inputs["resourceGroupName"]
    },
    "azure-native:keyvault:Secret": lambda name, inputs: {
        "id": (
            "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/"
            f"{inputs['resourceGroupName']}/providers/Microsoft.KeyVault/vaults/"
            f"{inputs['vaultName']}/secrets/{inputs['secretName']}"
        )
    },
}

_SECRET_OUTPUTS = {"privateKeyPem", "privateKey", "result"}

# Values handed out per resource and inputs, shared by every build in the session.
_CACHE: dict[str, dict[str, Any]] = {}


class RecordingMonitor(MockMonitor):
    """A mock monitor that keeps each registration's parent and options."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self._lock = threading.Lock()
        self.registrations: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response

        state = self.resources[response.urn].state
        if request.additionalSecretOutputs:
            state = _mark_secret(state, request.additionalSecretOutputs)
            response = resource_pb2.RegisterResourceResponse(
                urn=response.urn,
                id=response.id,
                object=_sync_await(rpc.serialize_properties(state, {})),
            )
        self._record(request, response.urn, state)
        return response

    def _record(self, request: Any, urn: str, state: dict[str, Any]) -> None:
        registration = Registration(
            urn=urn,
            type=request.type,
            name=request.name,
            parent=request.parent,
            inputs=dict(rpc.deserialize_properties(request.object)),
            state=state,
            protect=bool(request.protect),
            delete_before_replace=bool(request.deleteBeforeReplace),
            ignore_changes=tuple(request.ignoreChanges),
            has_replacement_trigger=request.HasField("replacement_trigger"),
            dependencies=tuple(request.dependencies),
        )
        with self._lock:
            self.registrations.append(registration)


def _mark_secret(state: dict[str, Any], keys: Any) -> dict[str, Any]:
    """Mark the outputs a resource lists as secret, as the engine does."""
    marked = dict(state)
    for key in keys:
        if key in marked:
            marked[key] = {
                rpc._special_sig_key: rpc._special_secret_sig,
                "value": marked[key],
            }
    return marked


def build_platform(
    config: StackConfig, external_secrets: Mapping[str, Mapping[str, str]]
) -> PlatformBuild:
    """Declare a Platform under mocks and return what it registered."""

    def program() -> Any:
        secret_values = {
            service: {
                name: pulumi.Output.secret(value) for name, value in values.items()
            }
            for service, values in external_secrets.items()
        }
        platform = Platform("platform", PlatformArgs(config, secret_values))
        return platform.stack_outputs()

    context = contextvars.copy_context()
    return context.run(_run, config.environment, program)


def run_main(
    stack: str, external_secrets: Mapping[str, Mapping[str, str]]
) -> PlatformBuild:
    """Run `__main__.py` with a shipped stack file's config, as `pulumi up` would."""

    def program() -> Any:
        stack_values = read_stack_file(REPOSITORY_ROOT / f"Pulumi.{stack}.yaml")
        stack_values["external"] = external_secrets
        config = {
            f"{PROJECT}:{key}": value if isinstance(value, str) else json.dumps(value)
            for key, value in stack_values.items()
        }
        pulumi.runtime.set_all_config(config, [f"{PROJECT}:external"])
        runpy.run_path(str(REPOSITORY_ROOT / "__main__.py"), run_name="__main__")
        return cast(Any, pulumi.runtime.get_root_resource()).outputs

    context = contextvars.copy_context()
    return context.run(_run, stack, program)


def _run(stack: str, program: Callable[[], Any]) -> PlatformBuild:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    mocks = PlatformMocks()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(
        mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor
    )
    resolved: dict[str, Any] = {}

    def resolve_outputs() -> None:
        outputs = pulumi.Output.from_input(program())
        resolved["outputs"] = _sync_await(outputs.future())
        resolved["secret"] = _sync_await(outputs.is_secret())

    try:
        _sync_await(run_pulumi_func(resolve_outputs))
    finally:
        _close_loop(loop)
    return PlatformBuild(
        resources=list(monitor.registrations),
        outputs=resolved["outputs"],
        outputs_secret=resolved["secret"],
        generated_secrets=list(mocks.generated_secrets),
    )


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what a failed build left running, then close and unset the loop."""
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()
    asyncio.set_event_loop(None)


def load_stack(stack: str) -> StackConfig:
    """Parse a shipped `Pulumi.<stack>.yaml` with the program's own loader."""
    return parse_stack_config(read_stack_file(REPOSITORY_ROOT / f"Pulumi.{stack}.yaml"))


def generate_external_values(config: StackConfig) -> dict[str, dict[str, str]]:
    """Return a generated value for every external credential the stack declares."""
    return {
        service.name: {name: secrets.token_urlsafe(24) for name in service.external}
        for service in config.services
    }


@functools.cache
def build_stack(stack: str) -> PlatformBuild:
    """Build a shipped stack once per test session."""
    config = load_stack(stack)
    return build_platform(config, generate_external_values(config))
