"""Parse the `vault` section, with the JWT backend for CI logins."""

from __future__ import annotations

from stack_config.keys import JWT_KEYS, VAULT_KEYS
from stack_config.model import (
    FLAVORS,
    KV_LAYOUTS,
    ConfigError,
    Flavor,
    JwtIssuer,
    KvLayout,
    VaultSettings,
)
from stack_config.reader import _ConfigObject
from stack_config.rules import (
    AUDIT_PATH_RULE,
    HTTPS_URL_RULE,
    PEM_PUBLIC_KEY_RULE,
    REPOSITORY_OWNER_RULE,
    TOKEN_RULE,
    _check_ceiling,
    _describe,
)


def _parse_ci_issuer(vault: _ConfigObject) -> JwtIssuer | None:
    jwt = vault.optional_section("jwt", JWT_KEYS)
    if jwt is None:
        return None

    issuer = jwt.text("issuer", TOKEN_RULE)
    audience = jwt.text("audience", TOKEN_RULE)
    discovery_url = jwt.optional_text("oidcDiscoveryUrl", HTTPS_URL_RULE)
    public_keys = jwt.texts("validationPublicKeys", PEM_PUBLIC_KEY_RULE)
    generate_local_key = jwt.flag("generateLocalKey", default=False)
    _check_one_key_source(jwt, discovery_url, public_keys, generate_local_key)

    # With no key source set, the backend discovers the keys at the issuer.
    if discovery_url is None and not public_keys and not generate_local_key:
        discovery_url = _check_issuer_is_url(jwt, issuer)
    return JwtIssuer(
        issuer=issuer,
        audience=audience,
        oidc_discovery_url=discovery_url,
        validation_public_keys=public_keys,
        generate_local_key=generate_local_key,
        repository_owner=jwt.optional_text("repositoryOwner", REPOSITORY_OWNER_RULE),
    )


def _check_one_key_source(
    jwt: _ConfigObject,
    discovery_url: str | None,
    public_keys: tuple[str, ...],
    generate_local_key: bool,
) -> None:
    """Reject a JWT backend with more than one source of validation keys."""
    sources = {
        "oidcDiscoveryUrl": discovery_url is not None,
        "validationPublicKeys": bool(public_keys),
        "generateLocalKey": generate_local_key,
    }
    chosen = [name for name, is_set in sources.items() if is_set]
    if len(chosen) > 1:
        raise ConfigError(
            jwt.key,
            "sets more than one key source: " + ", ".join(chosen),
            "at most one of oidcDiscoveryUrl, validationPublicKeys, "
            "generateLocalKey: true (none discovers the keys at the issuer)",
        )


def _check_issuer_is_url(jwt: _ConfigObject, issuer: str) -> str:
    if not HTTPS_URL_RULE.matches(issuer):
        raise ConfigError(
            jwt.key_for("issuer"),
            f"{_describe(issuer)} must be an https URL because no key source "
            "is set and the keys are discovered at the issuer",
            HTTPS_URL_RULE.allowed + ", or set a key source",
        )
    return issuer


def _parse_vault(root: _ConfigObject) -> VaultSettings:
    vault = root.required_section("vault", VAULT_KEYS)
    flavor: Flavor = vault.choice("flavor", FLAVORS)
    kv_layout: KvLayout = vault.choice("kvLayout", KV_LAYOUTS, default="per-service")
    jwt = _parse_ci_issuer(vault)
    audit_file_path = vault.text(
        "auditFilePath", AUDIT_PATH_RULE, default="/var/log/vault/audit.log"
    )
    token_ttl = vault.integer("tokenTtlSeconds", 3600, 60, 86400)
    token_max_ttl = vault.integer("tokenMaxTtlSeconds", 14400, 60, 2592000)
    _check_ceiling(
        vault.key_for("tokenTtlSeconds"),
        token_ttl,
        vault.key_for("tokenMaxTtlSeconds"),
        token_max_ttl,
        minimum=60,
    )
    return VaultSettings(
        flavor=flavor,
        kv_layout=kv_layout,
        jwt=jwt,
        audit_file_path=audit_file_path,
        token_ttl_seconds=token_ttl,
        token_max_ttl_seconds=token_max_ttl,
        secret_id_ttl_seconds=vault.integer("secretIdTtlSeconds", 86400, 60, 2592000),
    )
