"""Mocks that apply each registered resource for real.

`LocalApplyMocks.new_resource` is what the mock runtime calls for every
resource the program registers. `vault:` resources are created in the live
server with the Vault provider's API calls, `random:`, `tls:` and `time:`
values are generated for real, and cloud resources are recorded as not
applied with placeholder outputs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi

from harness.local import generated, tls_certs, tls_material
from harness.local import vault_auth_roles as auth_roles
from harness.local import vault_engines as engines
from harness.local import vault_pki as pki
from harness.local.redaction import scrub, secret_strings
from harness.local.vault_api import ApplyError, VaultApi
from harness.local.vault_common import ApplyContext, ReadBack, VaultResult
from harness.secret_values import unwrap_secrets

Category = Literal["vault", "generated", "cloud", "skipped"]
VaultApplier = Callable[[ApplyContext], VaultResult]
Generator = Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]]

VAULT_APPLIERS: dict[str, VaultApplier] = {
    "vault:index/mount:Mount": engines.apply_mount,
    "vault:index/authBackend:AuthBackend": engines.apply_auth_backend,
    "vault:index/audit:Audit": engines.apply_audit,
    "vault:index/policy:Policy": engines.apply_policy,
    "vault:kv/secretV2:SecretV2": engines.apply_kv_secret_v2,
    "vault:transit/secretBackendKey:SecretBackendKey": engines.apply_transit_key,
    "vault:appRole/authBackendRole:AuthBackendRole": auth_roles.apply_approle_role,
    "vault:jwt/authBackend:AuthBackend": auth_roles.apply_jwt_auth_backend,
    "vault:jwt/authBackendRole:AuthBackendRole": auth_roles.apply_jwt_role,
    "vault:pkiSecret/secretBackendRootCert:SecretBackendRootCert": pki.apply_root_cert,
    "vault:pkiSecret/secretBackendIntermediateCertRequest:"
    "SecretBackendIntermediateCertRequest": pki.apply_intermediate_request,
    "vault:pkiSecret/secretBackendRootSignIntermediate:"
    "SecretBackendRootSignIntermediate": pki.apply_root_sign_intermediate,
    "vault:pkiSecret/secretBackendIntermediateSetSigned:"
    "SecretBackendIntermediateSetSigned": pki.apply_intermediate_set_signed,
    "vault:pkiSecret/secretBackendRole:SecretBackendRole": pki.apply_pki_role,
    "vault:pkiSecret/secretBackendCert:SecretBackendCert": pki.apply_pki_cert,
}
GENERATORS: dict[str, Generator] = {
    "random:index/randomPassword:RandomPassword": generated.random_password,
    "random:index/randomString:RandomString": generated.random_string,
    "random:index/randomBytes:RandomBytes": generated.random_bytes,
    "random:index/randomId:RandomId": generated.random_id,
    "random:index/randomUuid:RandomUuid": generated.random_uuid,
    "time:index/rotating:Rotating": generated.time_rotating,
    "time:index/offset:Offset": generated.time_offset,
    "time:index/static:Static": generated.time_static,
    "tls:index/privateKey:PrivateKey": tls_material.generate_private_key,
    "tls:index/selfSignedCert:SelfSignedCert": tls_certs.self_signed_cert,
    "tls:index/certRequest:CertRequest": tls_certs.cert_request,
    "tls:index/locallySignedCert:LocallySignedCert": tls_certs.locally_signed_cert,
}
CLOUD_PACKAGES = ("aws", "azure-native", "gcp")


class ResourceFailure(Exception):
    """A resource that could not be created for a reason other than an API call.

    Usually an input the provider would reject. The message names the
    resource and never carries its secret inputs.
    """

    def __init__(self, args: pulumi.runtime.MockResourceArgs, error: Exception) -> None:
        detail = scrub(str(error), secret_strings(args.inputs))
        if f"'{args.name}'" not in detail:
            detail = f"{args.typ} '{args.name}': {type(error).__name__}: {detail}"
        super().__init__(detail)


@dataclass
class AppliedResource:
    """One custom resource the program registered, as the local apply saw it."""

    type: str
    name: str
    category: Category
    inputs: dict[str, Any]
    """Plain inputs (secrets unwrapped); never print them."""
    outputs: dict[str, Any]
    """Outputs as returned to the program, secrets still wrapped."""
    read_backs: list[ReadBack] = field(default_factory=list)

    @property
    def plain_outputs(self) -> dict[str, Any]:
        """Outputs with secrets unwrapped; never print them."""
        return unwrap_secrets(self.outputs)


class LocalApplyMocks(pulumi.runtime.Mocks):
    """Applies every registered resource against one live Vault-compatible server.

    `on_progress(done)` is called after each custom resource. The first
    failure is kept in `failure` because the runtime may wrap or reword the
    exception raised inside `new_resource`.
    """

    def __init__(
        self,
        address: str,
        root_token: str,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        self.api = VaultApi(address, root_token)
        self.applied: list[AppliedResource] = []
        self.failure: Exception | None = None
        self._on_progress = on_progress
        self._lock = threading.Lock()

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:
        """Return an empty result for provider calls; the program makes none.

        NOTE: a data source the program starts to read (an invoke) gets no
        values here and needs a handler.
        """
        return {}, None

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict]:
        """Create the resource for real and return its id and outputs."""
        if not args.custom or args.typ.startswith("pulumi:providers:"):
            return f"{args.name}-id", dict(args.inputs)
        try:
            record = self._apply(args)
        except ApplyError as error:
            self._remember(error)
            raise
        except Exception as error:
            failure = ResourceFailure(args, error)
            self._remember(failure)
            raise failure from None
        return self._record(record)

    def _apply(self, args: pulumi.runtime.MockResourceArgs) -> AppliedResource:
        inputs = whole_numbers(unwrap_secrets(args.inputs))
        package = args.typ.split(":", 1)[0]
        if args.typ in VAULT_APPLIERS:
            return self._apply_vault(args, inputs)
        if args.typ in GENERATORS:
            resource_id, outputs = GENERATORS[args.typ](args.name, inputs)
            return _record_of(args, inputs, "generated", resource_id, outputs)
        # TODO: types without an applier here (database secrets engines, PKI
        # config and CRL resources) are counted as skipped, not created.
        category: Category = "cloud" if package in CLOUD_PACKAGES else "skipped"
        return _record_of(args, inputs, category, f"{args.name}-id", _placeholder(args))

    def _apply_vault(
        self, args: pulumi.runtime.MockResourceArgs, inputs: dict[str, Any]
    ) -> AppliedResource:
        context = ApplyContext(
            api=self.api,
            resource=f"{args.typ} '{args.name}'",
            name=args.name,
            inputs=inputs,
            hidden=secret_strings(args.inputs),
        )
        result = VAULT_APPLIERS[args.typ](context)
        record = _record_of(args, inputs, "vault", result.resource_id, result.outputs)
        record.read_backs = result.read_backs
        return record

    def _record(self, record: AppliedResource) -> tuple[str | None, dict]:
        with self._lock:
            self.applied.append(record)
            done = len(self.applied)
        if self._on_progress is not None:
            self._on_progress(done)
        return record.outputs["id"], record.outputs

    def _remember(self, error: Exception) -> None:
        with self._lock:
            if self.failure is None:
                self.failure = error

    def known_secrets(self) -> set[str]:
        """Return every secret string seen so far, to scrub messages with."""
        with self._lock:
            records = list(self.applied)
        hidden = {self.api.token}
        for record in records:
            hidden |= secret_strings(record.outputs)
        return hidden

    def of_type(self, type_token: str) -> list[AppliedResource]:
        """Return the applied resources of one type, in registration order."""
        return [record for record in self.applied if record.type == type_token]

    def count(self, category: Category) -> int:
        """Return how many registered resources fall in `category`."""
        return sum(1 for record in self.applied if record.category == category)


def whole_numbers(value: Any) -> Any:
    """Return `value` with integral floats made ints, at any depth.

    Protobuf carries every number as a double, so `3600` arrives as `3600.0`,
    which the Vault API rejects for duration fields.
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [whole_numbers(item) for item in value]
    return value


def _record_of(
    args: pulumi.runtime.MockResourceArgs,
    inputs: dict[str, Any],
    category: Category,
    resource_id: str,
    outputs: dict[str, Any],
) -> AppliedResource:
    # The provider's state contains the inputs too; secret inputs stay wrapped.
    state = {**args.inputs, **outputs, "id": resource_id}
    return AppliedResource(args.typ, args.name, category, inputs, state)


def _placeholder(args: pulumi.runtime.MockResourceArgs) -> dict[str, Any]:
    """Return stand-in outputs for a resource the local apply does not create."""
    name = str(args.inputs.get("name") or args.name)
    return {
        "name": name,
        "arn": f"arn:local:not-applied:::{args.name}",
        "keyId": f"{args.name}-key-id",
        "secretId": name,
        "versionId": "1",
    }
