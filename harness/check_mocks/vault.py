"""Mock outputs for Vault resources: ids are the paths the provider uses."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from harness.check_mocks.environment import MockEnvironment, rfc3339, stable_uuid
from harness.check_mocks.pki import (
    CertificateSpec,
    certificate_request,
    locally_signed_certificate,
    private_key_pem,
    self_signed_certificate,
    serial_of,
)
from harness.secret_values import PLACEHOLDER

Outputs = tuple[str, dict[str, Any]]
Handler = Callable[[str, dict[str, Any], MockEnvironment], Outputs]


def mount(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    path = str(inputs.get("path") or name)
    return path, {"accessor": _accessor("mount", path)}


def auth_backend(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    path = str(inputs.get("path") or inputs.get("type") or name)
    return path, {"path": path, "accessor": _accessor("auth", path)}


def jwt_auth_backend(
    name: str, inputs: dict[str, Any], env: MockEnvironment
) -> Outputs:
    path = str(inputs.get("path") or "jwt")
    return path, {"path": path, "accessor": _accessor("auth_jwt", path)}


def audit(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    return str(inputs.get("path") or inputs.get("type") or name), {}


def policy(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    return str(inputs.get("name") or name), {}


def auth_backend_role(
    name: str, inputs: dict[str, Any], env: MockEnvironment
) -> Outputs:
    role_path = f"auth/{inputs.get('backend')}/role/{inputs.get('roleName')}"
    return role_path, {"roleId": inputs.get("roleId") or stable_uuid(role_path)}


def role_secret_id(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    accessor = stable_uuid("secret-id", name)
    return accessor, {"accessor": accessor, "secretId": PLACEHOLDER}


def kv_secret_v2(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    path = f"{inputs.get('mount')}/data/{inputs.get('name')}"
    metadata = {
        "created_time": rfc3339(env.reference_time),
        "version": "1",
        "destroyed": "false",
    }
    return path, {"path": path, "metadata": metadata}


def transit_key(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    key_path = f"{inputs.get('backend')}/keys/{inputs.get('name')}"
    created = str(int(env.reference_time.timestamp()))
    outputs = {
        "latestVersion": 1,
        "minAvailableVersion": 0,
        "keys": [{"id": "1", "created_time": created}],
        "supportsEncryption": True,
        "supportsDecryption": True,
        "supportsDerivation": True,
        "supportsSigning": False,
    }
    return key_path, outputs


def pki_role(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    return f"{inputs.get('backend')}/roles/{inputs.get('name')}", {}


def pki_root_cert(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    spec = _vault_spec(inputs, name, env, is_ca=True)
    certificate = self_signed_certificate(spec, env.keys.default())
    outputs = {
        "certificate": certificate,
        "issuingCa": certificate,
        "serialNumber": serial_of(certificate),
        "issuerId": stable_uuid("issuer", name),
        "keyId": stable_uuid("key", name),
    }
    return str(inputs.get("backend")), outputs


def pki_intermediate_request(
    name: str, inputs: dict[str, Any], env: MockEnvironment
) -> Outputs:
    key = env.keys.get("ECDSA", "P256")
    request_inputs = {"subject": {"commonName": inputs.get("commonName") or name}}
    outputs = {
        "csr": certificate_request(request_inputs, name, key),
        "privateKey": private_key_pem(key),
        "privateKeyType": "ec",
        "keyId": stable_uuid("key", name),
    }
    return str(inputs.get("backend")), outputs


def pki_sign_intermediate(
    name: str, inputs: dict[str, Any], env: MockEnvironment
) -> Outputs:
    spec = _vault_spec(inputs, name, env, is_ca=True)
    issuer = self_signed_certificate(spec, env.keys.default())
    signed = locally_signed_certificate(
        spec, inputs.get("csr"), issuer, env.keys.default()
    )
    certificate = signed or issuer
    outputs = {
        "certificate": certificate,
        "issuingCa": issuer,
        "caChains": [certificate, issuer],
        "certificateBundle": certificate + issuer,
        "serialNumber": serial_of(certificate),
    }
    return f"{inputs.get('backend')}/{serial_of(certificate)}", outputs


def pki_set_signed(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    outputs = {
        "importedIssuers": [stable_uuid("issuer", name)],
        "importedKeys": [stable_uuid("key", name)],
    }
    return str(inputs.get("backend")), outputs


def pki_issuer(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    issuer_id = stable_uuid("issuer", name)
    return f"{inputs.get('backend')}/issuer/{issuer_id}", {"issuerId": issuer_id}


def pki_cert(name: str, inputs: dict[str, Any], env: MockEnvironment) -> Outputs:
    spec = _vault_spec(inputs, name, env, is_ca=False)
    key = env.keys.get("ECDSA", "P256")
    issuer = self_signed_certificate(
        _vault_spec({}, "issuing-ca", env, is_ca=True), env.keys.default()
    )
    request = certificate_request(
        {"subject": {"commonName": spec.common_name}}, name, key
    )
    certificate = locally_signed_certificate(spec, request, issuer, env.keys.default())
    certificate = certificate or self_signed_certificate(spec, key)
    outputs = {
        "certificate": certificate,
        "issuingCa": issuer,
        "caChain": issuer,
        "privateKey": private_key_pem(key),
        "privateKeyType": "ec",
        "serialNumber": serial_of(certificate),
        "expiration": int(spec.not_after.timestamp()),
        "renewPending": False,
    }
    return f"{inputs.get('backend')}/{spec.common_name}", outputs


def _vault_spec(
    inputs: dict[str, Any], name: str, env: MockEnvironment, *, is_ca: bool
) -> CertificateSpec:
    """Build a certificate spec from Vault's `commonName`, `ttl` and `altNames`."""
    spec = CertificateSpec(
        {
            "subject": {"commonName": inputs.get("commonName") or name},
            "dnsNames": inputs.get("altNames") or [],
            "isCaCertificate": is_ca,
        },
        name,
        env.reference_time,
    )
    spec.not_after = env.reference_time + timedelta(seconds=_ttl_seconds(inputs))
    return spec


def _ttl_seconds(inputs: dict[str, Any]) -> float:
    """Read a Vault TTL input: seconds, or a number with an `h`/`m`/`s` unit."""
    ttl = str(inputs.get("ttl") or "86400").strip()
    units = {"h": 3600, "m": 60, "s": 1, "d": 86400}
    if ttl and ttl[-1] in units:
        return float(ttl[:-1]) * units[ttl[-1]]
    return float(ttl)


def _accessor(prefix: str, path: str) -> str:
    return f"{prefix}_{hashlib.sha1(path.encode()).hexdigest()[:8]}"


HANDLERS: dict[str, Handler] = {
    "vault:index/mount:Mount": mount,
    "vault:index/authBackend:AuthBackend": auth_backend,
    "vault:jwt/authBackend:AuthBackend": jwt_auth_backend,
    "vault:index/audit:Audit": audit,
    "vault:index/policy:Policy": policy,
    "vault:appRole/authBackendRole:AuthBackendRole": auth_backend_role,
    "vault:appRole/authBackendRoleSecretId:AuthBackendRoleSecretId": role_secret_id,
    "vault:jwt/authBackendRole:AuthBackendRole": auth_backend_role,
    "vault:kv/secretV2:SecretV2": kv_secret_v2,
    "vault:transit/secretBackendKey:SecretBackendKey": transit_key,
    "vault:pkiSecret/secretBackendRole:SecretBackendRole": pki_role,
    "vault:pkiSecret/secretBackendRootCert:SecretBackendRootCert": pki_root_cert,
    "vault:pkiSecret/secretBackendIntermediateCertRequest:"
    "SecretBackendIntermediateCertRequest": pki_intermediate_request,
    "vault:pkiSecret/secretBackendRootSignIntermediate:"
    "SecretBackendRootSignIntermediate": pki_sign_intermediate,
    "vault:pkiSecret/secretBackendIntermediateSetSigned:"
    "SecretBackendIntermediateSetSigned": pki_set_signed,
    "vault:pkiSecret/secretBackendIssuer:SecretBackendIssuer": pki_issuer,
    "vault:pkiSecret/secretBackendCert:SecretBackendCert": pki_cert,
}
