"""Appliers for mounts, auth backends, audit devices, policies, KV and transit.

Each applier sends the requests the Vault provider sends for the resource
and returns a `VaultResult` shaped like the provider's state.
"""

from __future__ import annotations

import json
from typing import Any

from harness.local.vault_api import ApplyError
from harness.local.vault_common import (
    ApplyContext,
    ReadBack,
    VaultResult,
    api_body,
    response_data,
    snake_keys,
)
from harness.secret_values import wrap_secret

OPENBAO_AUDIT_REJECTION = "cannot enable audit device via API"
MOUNT_CONFIG_INPUTS = {
    "defaultLeaseTtlSeconds": "default_lease_ttl",
    "maxLeaseTtlSeconds": "max_lease_ttl",
    "auditNonHmacRequestKeys": "audit_non_hmac_request_keys",
    "auditNonHmacResponseKeys": "audit_non_hmac_response_keys",
    "listingVisibility": "listing_visibility",
    "passthroughRequestHeaders": "passthrough_request_headers",
    "allowedResponseHeaders": "allowed_response_headers",
    "delegatedAuthAccessors": "delegated_auth_accessors",
    "allowedManagedKeys": "allowed_managed_keys",
    "identityTokenKey": "identity_token_key",
    "pluginVersion": "plugin_version",
}
TRANSIT_CREATE_FIELDS = (
    "type",
    "convergentEncryption",
    "derived",
    "exportable",
    "allowPlaintextBackup",
    "autoRotatePeriod",
    "keySize",
    "context",
)
TRANSIT_CONFIG_FIELDS = (
    "minDecryptionVersion",
    "minEncryptionVersion",
    "deletionAllowed",
    "exportable",
    "allowPlaintextBackup",
    "autoRotatePeriod",
)


def apply_mount(ctx: ApplyContext) -> VaultResult:
    """Enable a secrets engine at `sys/mounts/<path>`."""
    path = ctx.require("path")
    config = {
        field: ctx.inputs[key]
        for key, field in MOUNT_CONFIG_INPUTS.items()
        if ctx.inputs.get(key) is not None
    }
    body = api_body(ctx.inputs, skip=["path", *MOUNT_CONFIG_INPUTS])
    body["config"] = config
    ctx.send("POST", f"sys/mounts/{path}", body)

    mount = response_data(ctx.send("GET", f"sys/mounts/{path}"))
    expected = {"type": body["type"], **_prefixed("config", config)}
    if body.get("options"):
        expected.update(_prefixed("options", body["options"]))
    outputs = {"accessor": mount.get("accessor", "")}
    return VaultResult(path, outputs, [ReadBack(f"sys/mounts/{path}", expected)])


def apply_auth_backend(ctx: ApplyContext) -> VaultResult:
    """Enable an auth method at `sys/auth/<path>` (the path defaults to the type)."""
    auth_type = ctx.require("type")
    path = ctx.inputs.get("path") or auth_type
    accessor = enable_auth_method(ctx, path, auth_type)
    read_back = ReadBack(f"sys/auth/{path}", {"type": auth_type})
    return VaultResult(path, {"path": path, "accessor": accessor}, [read_back])


def enable_auth_method(ctx: ApplyContext, path: str, auth_type: str) -> str:
    """Enable an auth method and return its accessor."""
    body = api_body(ctx.inputs, skip=["path", "tune", "type", "identityTokenKey"])
    body["type"] = auth_type
    body["config"] = snake_keys(ctx.inputs.get("tune"))
    ctx.send("POST", f"sys/auth/{path}", body)

    listing = response_data(ctx.send("GET", "sys/auth"))
    return str(listing.get(f"{path}/", {}).get("accessor", ""))


def apply_audit(ctx: ApplyContext) -> VaultResult:
    """Enable an audit device at `sys/audit/<path>`.

    OpenBao 2.x rejects this call; its audit devices come from the server
    config, so a program for OpenBao declares none (`vault.flavor: openbao`).
    """
    audit_type = ctx.require("type")
    path = ctx.inputs.get("path") or audit_type
    body = api_body(ctx.inputs, skip=["path"])
    try:
        ctx.send("PUT", f"sys/audit/{path}", body)
    except ApplyError as error:
        if OPENBAO_AUDIT_REJECTION not in str(error):
            raise
        raise ApplyError(
            ctx.resource,
            "PUT",
            f"sys/audit/{path}",
            "OpenBao enables audit devices only from its server config; "
            "set vault.flavor: openbao so the program declares none",
        ) from None
    return VaultResult(path, {"path": path})


def apply_policy(ctx: ApplyContext) -> VaultResult:
    """Write an ACL policy to `sys/policies/acl/<name>`."""
    name = ctx.inputs.get("name") or ctx.name
    policy = ctx.require("policy")
    ctx.send("PUT", f"sys/policies/acl/{name}", {"policy": policy})
    read_back = ReadBack(f"sys/policies/acl/{name}", {"policy": policy})
    return VaultResult(name, {"name": name}, [read_back])


def apply_kv_secret_v2(ctx: ApplyContext) -> VaultResult:
    """Write a KV v2 secret version to `<mount>/data/<name>`."""
    mount = str(ctx.require("mount")).strip("/")
    name = ctx.require("name")
    secret_data = json.loads(ctx.require("dataJson"))
    body: dict[str, Any] = {
        "data": secret_data,
        "options": ctx.inputs.get("options") or {},
    }
    if ctx.inputs.get("cas") is not None:
        body["options"]["cas"] = ctx.inputs["cas"]
    path = f"{mount}/data/{name}"
    written = response_data(ctx.send("PUT", path, body))

    _write_custom_metadata(ctx, mount, name)
    # The provider's `data` output is a map of strings: nested values as JSON.
    data_strings = {
        key: value if isinstance(value, str) else json.dumps(value)
        for key, value in secret_data.items()
    }
    outputs = {
        "path": path,
        "data": wrap_secret(data_strings),
        "metadata": {key: str(value) for key, value in written.items()},
    }
    return VaultResult(path, outputs, [ReadBack(path, {"data": secret_data})])


def _write_custom_metadata(ctx: ApplyContext, mount: str, name: str) -> None:
    metadata = ctx.inputs.get("customMetadata")
    if not metadata:
        return
    body = {
        "max_versions": metadata.get("maxVersions"),
        "cas_required": metadata.get("casRequired"),
        "delete_version_after": metadata.get("deleteVersionAfter"),
        "custom_metadata": metadata.get("data"),
    }
    clean = {key: value for key, value in body.items() if value is not None}
    ctx.send("POST", f"{mount}/metadata/{name}", clean)


def apply_transit_key(ctx: ApplyContext) -> VaultResult:
    """Create a transit key, then set its config (rotation, deletion, export)."""
    backend = str(ctx.require("backend")).strip("/")
    name = ctx.require("name")
    path = f"{backend}/keys/{name}"
    create = _pick(ctx.inputs, TRANSIT_CREATE_FIELDS)
    ctx.send("POST", path, api_body(create))

    config = api_body(_pick(ctx.inputs, TRANSIT_CONFIG_FIELDS))
    if config:
        ctx.send("POST", f"{path}/config", config)

    key = response_data(ctx.send("GET", path))
    outputs = {
        "latestVersion": key.get("latest_version"),
        "minAvailableVersion": key.get("min_available_version"),
        "supportsEncryption": key.get("supports_encryption"),
        "supportsDecryption": key.get("supports_decryption"),
        "supportsDerivation": key.get("supports_derivation"),
        "supportsSigning": key.get("supports_signing"),
    }
    expected = {**api_body(_pick(ctx.inputs, ("type",))), **config}
    return VaultResult(path, outputs, [ReadBack(path, expected)])


def _pick(inputs: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: inputs[key] for key in keys if inputs.get(key) is not None}


def _prefixed(prefix: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {f"{prefix}.{key}": value for key, value in fields.items()}
