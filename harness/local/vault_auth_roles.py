"""Appliers for the AppRole role and the JWT auth backend and role."""

from __future__ import annotations

from urllib.parse import urlsplit

from harness.local.vault_common import ApplyContext, ReadBack, VaultResult, api_body
from harness.local.vault_engines import enable_auth_method

JWT_CONFIG_FIELDS = (
    "oidcDiscoveryUrl",
    "oidcDiscoveryCaPem",
    "oidcClientId",
    "oidcClientSecret",
    "oidcResponseMode",
    "oidcResponseTypes",
    "jwksUrl",
    "jwksCaPem",
    "jwksPairs",
    "jwtValidationPubkeys",
    "boundIssuer",
    "jwtSupportedAlgs",
    "defaultRole",
    "providerConfig",
    "namespaceInState",
)
# Config fields the server never returns on read.
JWT_WRITE_ONLY_FIELDS = ("oidc_client_secret", "jwks_pairs", "provider_config")
# Config fields whose URL the server fetches when the config is written.
JWT_FETCHED_URL_FIELDS = ("oidcDiscoveryUrl", "jwksUrl")
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})


def apply_approle_role(ctx: ApplyContext) -> VaultResult:
    """Write an AppRole role to `auth/<backend>/role/<name>` and read its role id."""
    backend = str(ctx.inputs.get("backend") or "approle").strip("/")
    role_name = ctx.require("roleName")
    path = f"auth/{backend}/role/{role_name}"
    body = api_body(ctx.inputs, skip=["backend", "roleName", "roleId"])
    ctx.send("POST", path, body)

    if ctx.inputs.get("roleId"):
        ctx.send("POST", f"{path}/role-id", {"role_id": ctx.inputs["roleId"]})
    role_id = ctx.send("GET", f"{path}/role-id").get("data", {}).get("role_id", "")

    outputs = {"backend": backend, "roleId": role_id}
    return VaultResult(path, outputs, [ReadBack(path, body)])


def apply_jwt_auth_backend(ctx: ApplyContext) -> VaultResult:
    """Enable a JWT auth method and write `auth/<path>/config`."""
    auth_type = ctx.inputs.get("type") or "jwt"
    path = str(ctx.inputs.get("path") or auth_type).strip("/")
    for field in JWT_FETCHED_URL_FIELDS:
        reject_remote_url(ctx, field)
    accessor = enable_auth_method(ctx, path, auth_type)

    config = api_body({key: ctx.inputs.get(key) for key in JWT_CONFIG_FIELDS})
    ctx.send("POST", f"auth/{path}/config", config)

    expected = {
        key: value for key, value in config.items() if key not in JWT_WRITE_ONLY_FIELDS
    }
    read_backs = [
        ReadBack(f"sys/auth/{path}", {"type": auth_type}),
        ReadBack(f"auth/{path}/config", expected),
    ]
    outputs = {"path": path, "type": auth_type, "accessor": accessor}
    return VaultResult(path, outputs, read_backs)


def apply_jwt_role(ctx: ApplyContext) -> VaultResult:
    """Write a JWT role to `auth/<backend>/role/<name>`."""
    backend = str(ctx.inputs.get("backend") or "jwt").strip("/")
    role_name = ctx.require("roleName")
    path = f"auth/{backend}/role/{role_name}"
    body = api_body(ctx.inputs, skip=["backend", "roleName"])
    ctx.send("POST", path, body)
    return VaultResult(path, {"backend": backend}, [ReadBack(path, body)])


def reject_remote_url(ctx: ApplyContext, field: str) -> None:
    """Raise unless input `field` is unset or a URL on 127.0.0.1 or localhost.

    OpenBao fetches the discovery or JWKS URL when the config is written, and
    the local apply makes no request to another host.
    """
    url = ctx.inputs.get(field)
    if not url:
        return
    host = urlsplit(str(url)).hostname
    if host not in LOCAL_HOSTS:
        raise ValueError(
            f"{ctx.resource}: {field} points at host '{host}', which OpenBao "
            "would fetch; the local apply accepts only 127.0.0.1 or localhost "
            "there, so use a stack with vault.jwt.generateLocalKey: true"
        )
