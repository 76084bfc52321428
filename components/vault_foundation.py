"""Vault objects every service shares: auth backends, audit, transit, shared KV."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_tls as tls
import pulumi_vault as vault
import pulumiverse_time as time

from components.keys import JWT_SIGNING_KEYS, create_private_key
from components.options import child_options, vault_options
from stack_config import JwtIssuer, VaultSettings

APPROLE_PATH = "approle"
JWT_PATH = "jwt"
TRANSIT_PATH = "transit"
SHARED_KV_PATH = "secret"
LOCAL_CI_ALGORITHM = "ES256"


@dataclass(frozen=True)
class VaultFoundationArgs:
    vault: VaultSettings
    protect_data: bool
    ci_key_rotation_days: int
    """Days between rotations of the generated CI key (`rotation.jwtSigningKey`)."""


class VaultFoundation(pulumi.ComponentResource):
    """Auth backends, the audit device and the engines every service uses."""

    approle: vault.AuthBackend
    jwt: vault.jwt.AuthBackend | None
    """The CI login backend, None when the stack configures no `vault.jwt`."""
    ci_signing_key: tls.PrivateKey | None
    """Key whose public half the JWT backend trusts (generated issuer only).

    A test client signs CI tokens with it. The private key is never exported.
    """
    audit: vault.Audit | None
    transit: vault.Mount
    shared_kv: vault.Mount | None

    def __init__(
        self,
        name: str,
        args: VaultFoundationArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("secrets-platform:vault:VaultFoundation", name, None, opts)
        self._name = name
        self._args = args
        self.ci_signing_key = None

        self.approle = self._create_approle_backend()
        self.jwt = self._create_jwt_backend()
        self.audit = self._create_audit_device()
        self.transit = self._create_transit_mount()
        self.shared_kv = self._create_shared_kv_mount()

        self.register_outputs(
            {
                "approlePath": self.approle.path,
                "jwtPath": self.jwt.path if self.jwt else None,
                "transitPath": self.transit.path,
                "sharedKvPath": self.shared_kv.path if self.shared_kv else None,
            }
        )

    @property
    def ci_public_key_pem(self) -> pulumi.Output[str] | None:
        """The public key the JWT backend trusts, when the stack generates it."""
        if self.ci_signing_key is None:
            return None
        return self.ci_signing_key.public_key_pem

    def _create_approle_backend(self) -> vault.AuthBackend:
        return vault.AuthBackend(
            f"{self._name}-approle",
            type="approle",
            path=APPROLE_PATH,
            description="Machine logins of the services",
            opts=vault_options(self),
        )

    def _create_jwt_backend(self) -> vault.jwt.AuthBackend | None:
        issuer = self._args.vault.jwt
        if issuer is None:
            return None

        # The backend takes exactly one key source, and `bound_issuer` must equal
        # the token's `iss` byte for byte, trailing slash included.
        public_keys = self._trusted_public_keys(issuer)
        discovery_url = None if public_keys else self._discovery_url(issuer)
        return vault.jwt.AuthBackend(
            f"{self._name}-jwt",
            path=JWT_PATH,
            type="jwt",
            description="CI logins with signed identity tokens",
            bound_issuer=issuer.issuer,
            oidc_discovery_url=discovery_url,
            jwt_validation_pubkeys=public_keys or None,
            jwt_supported_algs=[LOCAL_CI_ALGORITHM]
            if issuer.generate_local_key
            else None,
            opts=vault_options(self),
        )

    @staticmethod
    def _discovery_url(issuer: JwtIssuer) -> str:
        return issuer.oidc_discovery_url or issuer.issuer

    def _trusted_public_keys(self, issuer: JwtIssuer) -> list[pulumi.Input[str]]:
        if issuer.generate_local_key:
            self.ci_signing_key = self._create_ci_signing_key()
            return [self.ci_signing_key.public_key_pem]
        return list(issuer.validation_public_keys)

    def _create_ci_signing_key(self) -> tls.PrivateKey:
        rotation = time.Rotating(
            f"{self._name}-ci-signing-key-rotation",
            rotation_days=self._args.ci_key_rotation_days,
            opts=child_options(self),
        )
        return create_private_key(
            f"{self._name}-ci-signing-key",
            JWT_SIGNING_KEYS[LOCAL_CI_ALGORITHM],
            child_options(
                self, replacement_trigger=rotation.rfc3339, depends_on=[rotation]
            ),
        )

    def _create_audit_device(self) -> vault.Audit | None:
        # OpenBao 2.x rejects audit devices sent through the API, so its server
        # config file declares them instead.
        if self._args.vault.flavor != "vault":
            return None

        return vault.Audit(
            f"{self._name}-audit",
            type="file",
            path="file",
            description="Request and response log",
            options={"file_path": self._args.vault.audit_file_path},
            opts=vault_options(self),
        )

    def _create_transit_mount(self) -> vault.Mount:
        return vault.Mount(
            f"{self._name}-transit",
            path=TRANSIT_PATH,
            type="transit",
            description="Encryption keys of the services",
            opts=vault_options(self, protect=self._args.protect_data),
        )

    def _create_shared_kv_mount(self) -> vault.Mount | None:
        if self._args.vault.kv_layout != "shared":
            return None

        # `kv` with version 2, never `kv-v2`: the provider replaces a `kv-v2`
        # mount on every run, deleting its secrets.
        return vault.Mount(
            f"{self._name}-kv",
            path=SHARED_KV_PATH,
            type="kv",
            options={"version": "2"},
            description="Secrets of every service, one path per service",
            opts=vault_options(self, protect=self._args.protect_data),
        )
