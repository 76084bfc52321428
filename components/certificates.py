"""TLS chains: a root CA per environment and an intermediate CA per service.

Both `pki.backend` choices build the same chain (root, intermediate, server
and client leaves): `tls` with pulumi-tls resources, `vault` with Vault PKI
mounts whose keys never leave the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_tls as tls
import pulumi_vault as vault
import pulumiverse_time as time

from components.credentials import StoredCredential
from components.keys import CERTIFICATE_KEYS, create_private_key
from components.options import child_options, vault_options
from stack_config import PkiSettings, ServiceTls

ORGANIZATION = "secrets-platform"
CA_USES = ["cert_signing", "crl_signing"]
SERVER_USES = ["digital_signature", "key_encipherment", "server_auth"]
CLIENT_USES = ["digital_signature", "key_encipherment", "client_auth"]


def _hours(days: int) -> int:
    return days * 24


def early_renewal_hours(validity_days: int) -> int:
    """Return the hours before expiry when a leaf renews: a third of its validity."""
    return max(1, _hours(validity_days) // 3)


def has_wildcard(names: list[str]) -> bool:
    """Tell whether any server name is a wildcard such as *.auth.internal."""
    return any(name.startswith("*.") for name in names)


@dataclass(frozen=True)
class CertificateAuthorityArgs:
    environment: str
    pki: PkiSettings


class CertificateAuthority(pulumi.ComponentResource):
    """The environment's root CA."""

    certificate_pem: pulumi.Output[str]
    private_key: tls.PrivateKey | None
    """The root key of the `tls` backend. The Vault backend keeps its key inside."""
    mount: vault.Mount | None
    """The root PKI mount of the `vault` backend."""

    def __init__(
        self,
        name: str,
        args: CertificateAuthorityArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("secrets-platform:pki:CertificateAuthority", name, None, opts)
        self._name = name
        self._args = args
        self._spec = CERTIFICATE_KEYS[args.pki.key_algorithm]
        self.private_key = None
        self.mount = None

        if args.pki.backend == "tls":
            self.certificate_pem = self._create_tls_root()
        else:
            self.certificate_pem = self._create_vault_root()

        self.register_outputs({"certificatePem": self.certificate_pem})

    @property
    def common_name(self) -> str:
        return f"{ORGANIZATION} {self._args.environment} root CA"

    def _create_tls_root(self) -> pulumi.Output[str]:
        protect = self._args.pki.protect_ca
        self.private_key = create_private_key(
            f"{self._name}-key", self._spec, child_options(self, protect=protect)
        )
        certificate = tls.SelfSignedCert(
            f"{self._name}-cert",
            private_key_pem=self.private_key.private_key_pem,
            subject=tls.SelfSignedCertSubjectArgs(
                common_name=self.common_name, organization=ORGANIZATION
            ),
            is_ca_certificate=True,
            max_path_length=1,
            set_subject_key_id=True,
            allowed_uses=CA_USES,
            validity_period_hours=_hours(self._args.pki.root_validity_days),
            opts=child_options(self, protect=protect),
        )
        return certificate.cert_pem

    def _create_vault_root(self) -> pulumi.Output[str]:
        protect = self._args.pki.protect_ca
        validity_days = self._args.pki.root_validity_days
        self.mount = vault.Mount(
            f"{self._name}-pki",
            path="pki",
            type="pki",
            description=self.common_name,
            max_lease_ttl_seconds=validity_days * 86400,
            opts=vault_options(self, protect=protect),
        )
        root = vault.pkisecret.SecretBackendRootCert(
            f"{self._name}-root",
            backend=self.mount.path,
            type="internal",
            common_name=self.common_name,
            organization=ORGANIZATION,
            issuer_name="root",
            key_type=self._spec.vault_key_type,
            key_bits=self._spec.vault_key_bits,
            max_path_length=1,
            ttl=f"{_hours(validity_days)}h",
            opts=vault_options(self, protect=protect),
        )
        return root.certificate


@dataclass(frozen=True)
class ServiceCertificatesArgs:
    service: str
    environment: str
    tls: ServiceTls
    pki: PkiSettings
    rotation_days: int
    """Days between leaf key rotations (`rotation.leafCertificate`)."""
    authority: CertificateAuthority


@dataclass(frozen=True)
class LeafCertificate:
    certificate_pem: pulumi.Output[str]
    private_key_pem: pulumi.Output[str]


class ServiceCertificates(pulumi.ComponentResource):
    """A service's intermediate CA with its server and client leaves."""

    intermediate_certificate_pem: pulumi.Output[str]
    chain_pem: pulumi.Output[str]
    """Intermediate then root: what a peer needs to verify the leaves."""
    server: LeafCertificate | None
    client: LeafCertificate | None
    credentials: list[StoredCredential]

    def __init__(
        self,
        name: str,
        args: ServiceCertificatesArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("secrets-platform:pki:ServiceCertificates", name, None, opts)
        self._name = name
        self._args = args
        self._spec = CERTIFICATE_KEYS[args.pki.key_algorithm]
        self._rotation = self._create_leaf_rotation()

        if args.pki.backend == "tls":
            self._create_tls_chain()
        else:
            self._create_vault_chain()
        self.credentials = self._leaf_credentials()

        self.register_outputs(self.public_outputs())

    def public_outputs(self) -> dict[str, Any]:
        """Return the certificates: public material, never a private key."""
        return {
            "intermediateCertificate": self.intermediate_certificate_pem,
            "chain": self.chain_pem,
            "serverCertificate": self.server.certificate_pem if self.server else None,
            "clientCertificate": self.client.certificate_pem if self.client else None,
        }

    def _create_leaf_rotation(self) -> time.Rotating:
        return time.Rotating(
            f"{self._name}-leaf-rotation",
            rotation_days=self._args.rotation_days,
            opts=child_options(self),
        )

    @property
    def _server_names(self) -> list[str]:
        return list(self._args.tls.server_names)

    def _leaf_credentials(self) -> list[StoredCredential]:
        leaves = [("tls-server", self.server), ("tls-client", self.client)]
        return [
            self._leaf_credential(credential, leaf)
            for credential, leaf in leaves
            if leaf is not None
        ]

    def _leaf_credential(
        self, credential: str, leaf: LeafCertificate
    ) -> StoredCredential:
        fields = {
            "certificate_pem": leaf.certificate_pem,
            "private_key_pem": leaf.private_key_pem,
            "ca_chain_pem": self.chain_pem,
        }
        return StoredCredential(
            name=credential,
            fields=fields,
            rotation_days=self._args.rotation_days,
            next_rotation=self._rotation.rotation_rfc3339,
        )

    # pulumi-tls backend

    def _create_tls_chain(self) -> None:
        authority_key = self._args.authority.private_key
        assert authority_key is not None, "a tls root CA always has a private key"
        intermediate_key, intermediate_pem = self._create_tls_intermediate(
            authority_key
        )
        self.intermediate_certificate_pem = intermediate_pem
        self.chain_pem = pulumi.Output.concat(
            intermediate_pem, self._args.authority.certificate_pem
        )

        self.server = None
        self.client = None
        if self._server_names:
            self.server = self._create_tls_leaf(
                "server", self._server_names, SERVER_USES, intermediate_key
            )
        if self._args.tls.client:
            self.client = self._create_tls_leaf(
                "client", [self._args.service], CLIENT_USES, intermediate_key
            )

    def _create_tls_intermediate(
        self, authority_key: tls.PrivateKey
    ) -> tuple[tls.PrivateKey, pulumi.Output[str]]:
        protect = self._args.pki.protect_ca
        key = create_private_key(
            f"{self._name}-intermediate-key",
            self._spec,
            child_options(self, protect=protect),
        )
        request = tls.CertRequest(
            f"{self._name}-intermediate-csr",
            private_key_pem=key.private_key_pem,
            subject=tls.CertRequestSubjectArgs(
                common_name=self._intermediate_common_name, organization=ORGANIZATION
            ),
            opts=child_options(self, protect=protect),
        )
        certificate = tls.LocallySignedCert(
            f"{self._name}-intermediate-cert",
            cert_request_pem=request.cert_request_pem,
            ca_private_key_pem=authority_key.private_key_pem,
            ca_cert_pem=self._args.authority.certificate_pem,
            is_ca_certificate=True,
            max_path_length=0,
            set_subject_key_id=True,
            allowed_uses=CA_USES,
            validity_period_hours=_hours(self._args.pki.intermediate_validity_days),
            opts=child_options(self, protect=protect),
        )
        return key, certificate.cert_pem

    @property
    def _intermediate_common_name(self) -> str:
        return f"{self._args.service} {self._args.environment} intermediate CA"

    def _create_tls_leaf(
        self,
        role: str,
        names: list[str],
        allowed_uses: list[str],
        issuer_key: tls.PrivateKey,
    ) -> LeafCertificate:
        key = create_private_key(
            f"{self._name}-{role}-key",
            self._spec,
            child_options(
                self,
                replacement_trigger=self._rotation.rfc3339,
                depends_on=[self._rotation],
            ),
        )
        request = tls.CertRequest(
            f"{self._name}-{role}-csr",
            private_key_pem=key.private_key_pem,
            subject=tls.CertRequestSubjectArgs(
                common_name=names[0], organization=ORGANIZATION
            ),
            dns_names=names,
            opts=child_options(self),
        )
        certificate = tls.LocallySignedCert(
            f"{self._name}-{role}-cert",
            cert_request_pem=request.cert_request_pem,
            ca_private_key_pem=issuer_key.private_key_pem,
            ca_cert_pem=self.intermediate_certificate_pem,
            allowed_uses=allowed_uses,
            validity_period_hours=_hours(self._args.pki.leaf_validity_days),
            early_renewal_hours=early_renewal_hours(self._args.pki.leaf_validity_days),
            opts=child_options(self),
        )
        return LeafCertificate(certificate.cert_pem, key.private_key_pem)

    # Vault PKI backend

    def _create_vault_chain(self) -> None:
        mount = self._create_vault_mount()
        signed = self._sign_vault_intermediate(mount)
        installed = vault.pkisecret.SecretBackendIntermediateSetSigned(
            f"{self._name}-intermediate-set-signed",
            backend=mount.path,
            certificate=signed.certificate,
            opts=vault_options(self, protect=self._args.pki.protect_ca),
        )
        self.intermediate_certificate_pem = signed.certificate
        self.chain_pem = pulumi.Output.concat(
            signed.certificate, "\n", self._args.authority.certificate_pem
        )

        # Leaves are issued only once the mount has its signed intermediate.
        issued_after: list[pulumi.Resource] = [installed]
        self.server = None
        self.client = None
        if self._server_names:
            self.server = self._create_vault_leaf(
                mount, "server", self._server_names, issued_after
            )
        if self._args.tls.client:
            self.client = self._create_vault_leaf(
                mount, "client", [self._args.service], issued_after
            )

    def _create_vault_mount(self) -> vault.Mount:
        validity_days = self._args.pki.intermediate_validity_days
        return vault.Mount(
            f"{self._name}-pki",
            path=f"{self._args.service}/pki",
            type="pki",
            description=self._intermediate_common_name,
            max_lease_ttl_seconds=validity_days * 86400,
            opts=vault_options(self, protect=self._args.pki.protect_ca),
        )

    def _sign_vault_intermediate(
        self, mount: vault.Mount
    ) -> vault.pkisecret.SecretBackendRootSignIntermediate:
        protect = self._args.pki.protect_ca
        root_mount = self._args.authority.mount
        assert root_mount is not None, "a Vault root CA always has a mount"

        request = vault.pkisecret.SecretBackendIntermediateCertRequest(
            f"{self._name}-intermediate-csr",
            backend=mount.path,
            type="internal",
            common_name=self._intermediate_common_name,
            organization=ORGANIZATION,
            key_type=self._spec.vault_key_type,
            key_bits=self._spec.vault_key_bits,
            opts=vault_options(self, protect=protect),
        )
        return vault.pkisecret.SecretBackendRootSignIntermediate(
            f"{self._name}-intermediate-signed",
            backend=root_mount.path,
            csr=request.csr,
            common_name=self._intermediate_common_name,
            organization=ORGANIZATION,
            max_path_length=0,
            ttl=f"{_hours(self._args.pki.intermediate_validity_days)}h",
            opts=vault_options(self, protect=protect),
        )

    def _create_vault_leaf(
        self,
        mount: vault.Mount,
        role: str,
        names: list[str],
        issued_after: list[pulumi.Resource],
    ) -> LeafCertificate:
        backend_role = self._create_vault_role(mount, role, names, issued_after)
        validity_days = self._args.pki.leaf_validity_days
        certificate = vault.pkisecret.SecretBackendCert(
            f"{self._name}-{role}-cert",
            backend=mount.path,
            name=backend_role.name,
            common_name=names[0],
            alt_names=names[1:],
            ttl=f"{_hours(validity_days)}h",
            auto_renew=True,
            min_seconds_remaining=early_renewal_hours(validity_days) * 3600,
            opts=vault_options(
                self,
                replacement_trigger=self._rotation.rfc3339,
                depends_on=[*issued_after, self._rotation],
            ),
        )
        return LeafCertificate(certificate.certificate, certificate.private_key)

    def _create_vault_role(
        self,
        mount: vault.Mount,
        role: str,
        names: list[str],
        issued_after: list[pulumi.Resource],
    ) -> vault.pkisecret.SecretBackendRole:
        validity = f"{_hours(self._args.pki.leaf_validity_days)}h"
        return vault.pkisecret.SecretBackendRole(
            f"{self._name}-{role}-role",
            backend=mount.path,
            name=role,
            # Each name is an exact allowed domain. A wildcard name such as
            # *.auth.internal matches itself as a bare domain, and Vault then
            # issues it only if the role allows wildcard certificates.
            allowed_domains=names,
            allow_bare_domains=True,
            allow_subdomains=False,
            allow_glob_domains=False,
            allow_wildcard_certificates=has_wildcard(names),
            allow_any_name=False,
            allow_ip_sans=False,
            allow_localhost=False,
            enforce_hostnames=True,
            server_flag=role == "server",
            client_flag=role == "client",
            key_type=self._spec.vault_key_type,
            key_bits=self._spec.vault_key_bits,
            ttl=validity,
            max_ttl=validity,
            opts=vault_options(self, depends_on=issued_after),
        )
