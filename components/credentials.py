"""Generated credentials of one service and the triggers that rotate them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_random as random
import pulumi_tls as tls
import pulumiverse_time as time

from components.jwks import key_id, key_set
from components.keys import JWT_SIGNING_KEYS, create_private_key
from components.options import child_options
from stack_config import ConfigError, JwtAlgorithm, RotationSettings, ServiceConfig

# Characters allowed besides letters and digits: unreserved in URLs (RFC 3986),
# so a password never breaks a connection URL the way `@ : / # ?` do.
URL_SAFE_SPECIALS = "-_.~"

PASSWORD_LENGTH = 40
TOKEN_LENGTH = 64


@dataclass(frozen=True)
class StoredCredential:
    """A secret document written to Vault KV and mirrored to the cloud stores."""

    name: str
    """KV secret name under the service's mount, e.g. `postgres-password`."""
    fields: pulumi.Input[Mapping[str, Any]]
    """The document, `{"value": ...}` for a single value."""
    rotation_days: int
    """Days between rotations, also used as the cloud stores' rotation period."""
    next_rotation: pulumi.Input[str]
    """RFC 3339 time of the next scheduled rotation, from a `time.Rotating`."""

    def secret_document(self) -> pulumi.Output[str]:
        """Return the document as JSON, marked secret whatever its fields are."""
        return pulumi.Output.secret(pulumi.Output.json_dumps(self.fields))


@dataclass(frozen=True)
class JwtSigningSlot:
    """One of the two signing key slots whose rotations overlap."""

    slot: str
    private_key: tls.PrivateKey
    rotation: time.Rotating


@dataclass(frozen=True)
class ServiceCredentialsArgs:
    service: ServiceConfig
    rotation: RotationSettings
    external_values: Mapping[str, pulumi.Input[str]]
    """Values of the service's `external` credentials, keyed by name."""


class ServiceCredentials(pulumi.ComponentResource):
    """Passwords, tokens, signing keys and external credentials of one service."""

    credentials: list[StoredCredential]
    jwt_slots: list[JwtSigningSlot]
    jwks: pulumi.Output[dict[str, Any]] | None

    def __init__(
        self,
        name: str,
        args: ServiceCredentialsArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            "secrets-platform:credentials:ServiceCredentials", name, None, opts
        )
        self._name = name
        self._args = args
        self.credentials = []
        self.jwt_slots = []
        self.jwks = None

        self._create_database_passwords()
        self._create_refresh_token_secret()
        self._create_api_tokens()
        self._create_jwt_signing_keys()
        self._create_external_credentials()

        self.register_outputs(
            {
                "credentials": [credential.name for credential in self.credentials],
                "jwks": self.jwks,
            }
        )

    def _create_rotation(self, role: str, days: int) -> time.Rotating:
        return time.Rotating(
            f"{self._name}-{role}-rotation",
            rotation_days=days,
            opts=child_options(self),
        )

    def _create_random_secret(
        self, credential: str, length: int, days: int
    ) -> StoredCredential:
        rotation = self._create_rotation(credential, days)
        password = random.RandomPassword(
            f"{self._name}-{credential}",
            length=length,
            special=True,
            override_special=URL_SAFE_SPECIALS,
            min_lower=2,
            min_upper=2,
            min_numeric=2,
            keepers={"rotation": rotation.rfc3339},
            opts=child_options(self),
        )
        return StoredCredential(
            name=credential,
            fields={"value": password.result},
            rotation_days=days,
            next_rotation=rotation.rotation_rfc3339,
        )

    def _create_database_passwords(self) -> None:
        days = self._args.rotation.database_password
        for database in self._args.service.databases:
            credential = f"{database}-password"
            self.credentials.append(
                self._create_random_secret(credential, PASSWORD_LENGTH, days)
            )

    def _create_refresh_token_secret(self) -> None:
        jwt = self._args.service.jwt
        if jwt is None or not jwt.refresh_token_secret:
            return

        days = self._args.rotation.jwt_signing_key
        self.credentials.append(
            self._create_random_secret("refresh-token-secret", TOKEN_LENGTH, days)
        )

    def _create_api_tokens(self) -> None:
        days = self._args.rotation.api_token
        for token in self._args.service.api_tokens:
            credential = f"api-token-{token}"
            self.credentials.append(
                self._create_random_secret(credential, TOKEN_LENGTH, days)
            )

    def _create_jwt_signing_keys(self) -> None:
        jwt = self._args.service.jwt
        if jwt is None:
            return

        days = self._args.rotation.jwt_signing_key
        rotation_a, rotation_b = self._create_slot_rotations(days)
        for slot, rotation in (("a", rotation_a), ("b", rotation_b)):
            private_key = self._create_signing_key(slot, jwt.algorithm, rotation)
            self.jwt_slots.append(JwtSigningSlot(slot, private_key, rotation))

        self.jwks = _jwks(self.jwt_slots, jwt.algorithm)
        self.credentials.append(self._signing_key_credential(jwt.algorithm, days))

    def _create_slot_rotations(self, days: int) -> tuple[time.Rotating, time.Rotating]:
        # Both slots live 2N days and slot b's base trails slot a's by N days, so
        # they rotate N days apart and the JWKS contains the current and previous
        # key. No time is pinned, and slot b ignores moves of its base, which
        # would otherwise replace it each time slot a rotates.
        rotation_a = self._create_rotation("jwt-signing-key-a", 2 * days)
        offset = time.Offset(
            f"{self._name}-jwt-signing-key-b-offset",
            base_rfc3339=rotation_a.rfc3339,
            offset_days=days,
            opts=child_options(self),
        )
        rotation_b = time.Rotating(
            f"{self._name}-jwt-signing-key-b-rotation",
            rfc3339=offset.rfc3339,
            rotation_days=2 * days,
            opts=child_options(self, ignore_changes=["rfc3339"]),
        )
        return rotation_a, rotation_b

    def _create_signing_key(
        self, slot: str, algorithm: JwtAlgorithm, rotation: time.Rotating
    ) -> tls.PrivateKey:
        return create_private_key(
            f"{self._name}-jwt-signing-key-{slot}",
            JWT_SIGNING_KEYS[algorithm],
            # The dependency shows policies which Rotating replaces the key.
            child_options(
                self, replacement_trigger=rotation.rfc3339, depends_on=[rotation]
            ),
        )

    def _signing_key_credential(
        self, algorithm: JwtAlgorithm, days: int
    ) -> StoredCredential:
        slot_a, slot_b = self.jwt_slots
        fields = pulumi.Output.all(
            slot_a.private_key.private_key_pem,
            slot_a.private_key.public_key_pem,
            slot_a.rotation.rfc3339,
            slot_b.private_key.private_key_pem,
            slot_b.private_key.public_key_pem,
            slot_b.rotation.rfc3339,
        ).apply(lambda values: _signing_key_document(algorithm, *values))
        next_rotation = pulumi.Output.all(
            slot_a.rotation.rotation_rfc3339, slot_b.rotation.rotation_rfc3339
        ).apply(_earliest)
        return StoredCredential("jwt-signing-key", fields, days, next_rotation)

    def _create_external_credentials(self) -> None:
        external = self._args.service.external
        if not external:
            return

        # External values are rotated by hand, so this trigger only dates the
        # cloud expiry and rotation notices and never changes a value.
        days = self._args.rotation.api_token
        rotation = self._create_rotation("external", days)
        for credential in external:
            self.credentials.append(
                StoredCredential(
                    name=f"external-{credential}",
                    fields={"value": self._external_value(credential)},
                    rotation_days=days,
                    next_rotation=rotation.rotation_rfc3339,
                )
            )

    def _external_value(self, credential: str) -> pulumi.Input[str]:
        value = self._args.external_values.get(credential)
        if value is None:
            raise ConfigError(
                f"external.{self._args.service.name}.{credential}",
                "missing secret value",
                "a value set with `pulumi config set --secret --path`",
            )
        return pulumi.Output.secret(value)


def _jwks(
    slots: list[JwtSigningSlot], algorithm: JwtAlgorithm
) -> pulumi.Output[dict[str, Any]]:
    public_keys = [slot.private_key.public_key_pem for slot in slots]
    return pulumi.Output.all(*public_keys).apply(lambda pems: key_set(pems, algorithm))


def _signing_key_document(
    algorithm: JwtAlgorithm,
    private_a: str,
    public_a: str,
    created_a: str,
    private_b: str,
    public_b: str,
    created_b: str,
) -> dict[str, Any]:
    """Return the KV document of both slots, where the slot rotated last is current."""
    current = "a" if (created_a or "") >= (created_b or "") else "b"
    return {
        "algorithm": algorithm,
        "current": current,
        "a": {"kid": _optional_key_id(public_a), "private_key_pem": private_a},
        "b": {"kid": _optional_key_id(public_b), "private_key_pem": private_b},
    }


def _optional_key_id(public_key_pem: str | None) -> str | None:
    # Mocks that return no key outputs leave the PEM unset.
    return key_id(public_key_pem) if public_key_pem else None


def _earliest(times: list[Any]) -> Any:
    # Returns None when mocks return no rotation times.
    known = [value for value in times if value]
    return min(known) if known else None
