"""Parse `services`: each service's secrets, identities and CI claims."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from stack_config.keys import SERVICE_JWT_KEYS, SERVICE_KEYS, SERVICE_TLS_KEYS
from stack_config.model import (
    DATABASES,
    JWT_ALGORITHMS,
    MIRRORS,
    ConfigError,
    JwtIssuer,
    Mirror,
    ServiceConfig,
    ServiceIdentities,
    ServiceJwt,
    ServiceTls,
)
from stack_config.reader import _ConfigObject
from stack_config.rules import (
    CLAIM_NAME_RULE,
    CLAIM_VALUE_RULE,
    HOSTNAME_RULE,
    IDENTITY_RULES,
    KEBAB_NAME_RULE,
    SERVICE_NAME_RULE,
    _check_text,
    _describe,
)


def _parse_service_jwt(service: _ConfigObject) -> ServiceJwt | None:
    jwt = service.optional_section("jwt", SERVICE_JWT_KEYS)
    if jwt is None:
        return None
    return ServiceJwt(
        algorithm=jwt.choice("algorithm", JWT_ALGORITHMS),
        refresh_token_secret=jwt.flag("refreshTokenSecret", default=False),
    )


def _parse_service_tls(service: _ConfigObject) -> ServiceTls | None:
    tls = service.optional_section("tls", SERVICE_TLS_KEYS)
    if tls is None:
        return None

    server_names = tls.texts("serverNames", HOSTNAME_RULE)
    if not server_names:
        raise ConfigError(
            tls.key_for("serverNames"),
            "is missing or empty",
            HOSTNAME_RULE.list_allowed,
        )
    return ServiceTls(server_names=server_names, client=tls.flag("client", False))


def _parse_identities(
    service: _ConfigObject, mirrors: tuple[Mirror, ...]
) -> ServiceIdentities:
    """Read the cloud principals. Each selected mirror needs one, others are dropped."""
    section = service.section("identities", MIRRORS)
    principals = {
        mirror: section.optional_text(mirror, rule)
        for mirror, rule in IDENTITY_RULES.items()
    }
    for mirror in mirrors:
        if principals[mirror] is None:
            raise ConfigError(
                section.key_for(mirror),
                f"is missing, but mirrors selects {mirror}",
                IDENTITY_RULES[mirror].allowed,
            )
    return ServiceIdentities(
        aws=principals["aws"] if "aws" in mirrors else None,
        azure=principals["azure"] if "azure" in mirrors else None,
        gcp=principals["gcp"] if "gcp" in mirrors else None,
    )


def _parse_ci_claims(
    service: _ConfigObject, name: str, ci_issuer: JwtIssuer | None
) -> tuple[tuple[str, str], ...]:
    """Read the claims a CI token must carry, sorted by claim name.

    They are checked even without `vault.jwt`, but only kept with it, because
    no CI role exists without a JWT backend.
    """
    key = service.key_for("ciClaims")
    value = service.value("ciClaims")
    if value is None:
        return _default_ci_claims(key, name, ci_issuer)

    if not isinstance(value, Mapping) or not value:
        raise ConfigError(
            key,
            f"must be a non-empty object, got {_describe(value)}",
            "an object of claim names to values, e.g. {repository: owner/" + name + "}",
        )
    claims = cast(Mapping[Any, Any], value)
    checked = tuple(
        _check_claim(key, claim, claims[claim]) for claim in sorted(claims, key=str)
    )
    return checked if ci_issuer is not None else ()


def _check_claim(key: str, claim: Any, value: Any) -> tuple[str, str]:
    claim_key = f"{key}.{claim}"
    return (
        _check_text(str(claim), claim_key, CLAIM_NAME_RULE),
        _check_text(value, claim_key, CLAIM_VALUE_RULE),
    )


def _default_ci_claims(
    key: str, name: str, ci_issuer: JwtIssuer | None
) -> tuple[tuple[str, str], ...]:
    """Bind the `<owner>/<service>` repository, or nothing without a CI issuer."""
    if ci_issuer is None:
        return ()
    if ci_issuer.repository_owner is None:
        raise ConfigError(
            key,
            "is missing, and vault.jwt.repositoryOwner is not set to derive it. "
            "A CI role without bound claims would accept any token for the audience",
            "an object of claim names to values, e.g. {repository: owner/" + name + "}",
        )
    return (("repository", f"{ci_issuer.repository_owner}/{name}"),)


def _parse_service(
    name: str, value: Any, mirrors: tuple[Mirror, ...], ci_issuer: JwtIssuer | None
) -> ServiceConfig:
    service = _ConfigObject(
        f"services.{name}", {} if value is None else value, SERVICE_KEYS
    )
    return ServiceConfig(
        name=name,
        databases=service.choices("databases", DATABASES),
        jwt=_parse_service_jwt(service),
        tls=_parse_service_tls(service),
        api_tokens=service.texts("apiTokens", KEBAB_NAME_RULE),
        transit_keys=service.texts("transitKeys", KEBAB_NAME_RULE),
        external=service.texts("external", KEBAB_NAME_RULE),
        identities=_parse_identities(service, mirrors),
        ci_bound_claims=_parse_ci_claims(service, name, ci_issuer),
    )


def _parse_services(
    root: _ConfigObject, mirrors: tuple[Mirror, ...], ci_issuer: JwtIssuer | None
) -> tuple[ServiceConfig, ...]:
    """Read every service, sorted by name so the engine's key order does not matter."""
    allowed = "an object of service names to service settings"
    value = root.require("services", allowed)
    if not isinstance(value, Mapping) or not value:
        raise ConfigError(
            "services", f"must be a non-empty object, got {_describe(value)}", allowed
        )

    services = cast(Mapping[Any, Any], value)
    for name in services:
        _check_text(name, f"services.{name}", SERVICE_NAME_RULE)
    return tuple(
        _parse_service(name, services[name], mirrors, ci_issuer)
        for name in sorted(services)
    )
