"""Appliers for the Vault PKI engine: root, intermediate, roles and leaves."""

from __future__ import annotations

from typing import Any

from harness.local.vault_common import (
    ApplyContext,
    ReadBack,
    VaultResult,
    api_body,
    camel_outputs,
    response_data,
)

# List inputs the API reads as one comma-separated string.
COMMA_JOINED_FIELDS = ("alt_names", "ip_sans", "uri_sans", "other_sans")
PKI_ROLE_RENAMES = {
    "keyUsages": "key_usage",
    "extKeyUsages": "ext_key_usage",
    "extKeyUsageOids": "ext_key_usage_oids",
    "organizationUnit": "ou",
    "organizations": "organization",
    "countries": "country",
    "localities": "locality",
    "provinces": "province",
    "streetAddresses": "street_address",
    "postalCodes": "postal_code",
}
# Role fields whose read-back form differs from what was written.
PKI_ROLE_UNCOMPARED = ("policy_identifier", "ttl", "max_ttl", "not_before_duration")


def apply_root_cert(ctx: ApplyContext) -> VaultResult:
    """Generate a root CA at `<backend>/root/generate/<type>`."""
    path = f"{_backend(ctx)}/root/generate/{ctx.require('type')}"
    data = _post_certificate_request(ctx, path, skip=["backend", "type"])
    return VaultResult(path, camel_outputs(data, secret_fields=["private_key"]))


def apply_intermediate_request(ctx: ApplyContext) -> VaultResult:
    """Generate an intermediate key and CSR at `<backend>/intermediate/generate/...`."""
    path = f"{_backend(ctx)}/intermediate/generate/{ctx.require('type')}"
    data = _post_certificate_request(ctx, path, skip=["backend", "type"])
    return VaultResult(path, camel_outputs(data, secret_fields=["private_key"]))


def apply_root_sign_intermediate(ctx: ApplyContext) -> VaultResult:
    """Sign an intermediate CSR with the root at `<backend>/root/sign-intermediate`."""
    path = f"{_backend(ctx)}/root/sign-intermediate"
    data = _post_certificate_request(ctx, path, skip=["backend"])

    outputs = camel_outputs(data)
    chain = data.get("ca_chain") or []
    outputs["caChains"] = chain
    outputs["certificateBundle"] = "\n".join(
        [data.get("certificate", ""), data.get("issuing_ca", "")]
    )
    serial = data.get("serial_number", "")
    return VaultResult(f"{path}/{serial}", outputs)


def apply_intermediate_set_signed(ctx: ApplyContext) -> VaultResult:
    """Import a signed intermediate at `<backend>/intermediate/set-signed`."""
    path = f"{_backend(ctx)}/intermediate/set-signed"
    body = {"certificate": ctx.require("certificate")}
    data = response_data(ctx.send("POST", path, body))
    return VaultResult(path, camel_outputs(data))


def apply_pki_role(ctx: ApplyContext) -> VaultResult:
    """Write a PKI role to `<backend>/roles/<name>`."""
    path = f"{_backend(ctx)}/roles/{ctx.require('name')}"
    body = api_body(ctx.inputs, skip=["backend", "name"], renames=PKI_ROLE_RENAMES)
    ctx.send("POST", path, body)

    expected = {
        key: value for key, value in body.items() if key not in PKI_ROLE_UNCOMPARED
    }
    return VaultResult(path, {}, [ReadBack(path, expected)])


def apply_pki_cert(ctx: ApplyContext) -> VaultResult:
    """Issue a leaf certificate at `<backend>/issue/<role>`."""
    backend = _backend(ctx)
    role = ctx.require("name")
    path = f"{backend}/issue/{role}"
    data = _post_certificate_request(ctx, path, skip=["backend", "name"])

    outputs = camel_outputs(data, secret_fields=["private_key"])
    outputs["caChain"] = "\n".join(data.get("ca_chain") or [])
    resource_id = f"{backend}/issue/{role}/{ctx.inputs.get('commonName', '')}"
    return VaultResult(resource_id, outputs)


def _post_certificate_request(
    ctx: ApplyContext, path: str, skip: list[str]
) -> dict[str, Any]:
    body = api_body(ctx.inputs, skip=skip, renames={"keyUsages": "key_usage"})
    for field in COMMA_JOINED_FIELDS:
        if isinstance(body.get(field), list):
            body[field] = ",".join(body[field])
    return response_data(ctx.send("POST", path, body))


def _backend(ctx: ApplyContext) -> str:
    return str(ctx.require("backend")).strip("/")
