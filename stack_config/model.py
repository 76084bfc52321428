"""Typed, validated stack configuration for the secrets-platform program.

The stack's `secrets-platform:*` keys are read once, checked, and turned into
frozen dataclasses. A bad value raises `ConfigError`, whose message names the
full key, the problem and the allowed values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, cast, get_args

import pulumi
import pulumi.runtime.config
import yaml

NAMESPACE = "secrets-platform"

Flavor = Literal["vault", "openbao"]
KvLayout = Literal["per-service", "shared"]
Mirror = Literal["aws", "azure", "gcp"]
Database = Literal["postgres", "neo4j", "redis"]
PkiBackend = Literal["tls", "vault"]
KeyAlgorithm = Literal[
    "ECDSA-P256", "ECDSA-P384", "RSA-2048", "RSA-3072", "RSA-4096", "ED25519"
]
JwtAlgorithm = Literal["ES256", "ES384", "RS256", "EdDSA"]


class ConfigError(pulumi.RunError):
    """A stack config value that is missing, malformed or out of range.

    It subclasses `pulumi.RunError`, so the Pulumi runtime prints the message
    alone, without a traceback.
    """

    def __init__(self, key: str, problem: str, allowed: str | None = None) -> None:
        self.key = key
        self.problem = problem
        self.allowed = allowed
        message = f"{NAMESPACE}:{key}: {problem}"
        if allowed:
            message += f" (allowed: {allowed})"
        super().__init__(message)


@dataclass(frozen=True)
class JwtIssuer:
    """The CI identity provider whose tokens log in through the JWT backend."""

    issuer: str
    audience: str
    oidc_discovery_url: str | None = None
    """Discovery URL. The parser sets it to the issuer when no key source is set."""
    validation_public_keys: tuple[str, ...] = ()
    """PEM public keys the backend trusts instead of a discovery URL."""
    generate_local_key: bool = False
    """Generate a key pair and trust its public key (the `local` stack)."""
    repository_owner: str | None = None
    """Owner whose `<owner>/<service>` repository claim a CI role binds by default."""


@dataclass(frozen=True)
class VaultSettings:
    """Where and how the Vault-compatible server is configured."""

    flavor: Flavor
    kv_layout: KvLayout
    jwt: JwtIssuer | None
    audit_file_path: str = "/var/log/vault/audit.log"
    token_ttl_seconds: int = 3600
    token_max_ttl_seconds: int = 14400
    secret_id_ttl_seconds: int = 86400


@dataclass(frozen=True)
class AwsSettings:
    region: str
    recovery_window_days: int


@dataclass(frozen=True)
class AzureSettings:
    resource_group: str
    location: str
    tenant_id: str
    vault_name: str
    subscription_id: str
    soft_delete_retention_days: int = 90


@dataclass(frozen=True)
class GcpSettings:
    project: str
    locations: tuple[str, ...]
    """Replica locations; empty means automatic replication."""


@dataclass(frozen=True)
class RotationSettings:
    """Rotation periods in days; each is also a policy ceiling."""

    database_password: int
    jwt_signing_key: int
    api_token: int
    leaf_certificate: int


@dataclass(frozen=True)
class PkiSettings:
    backend: PkiBackend
    key_algorithm: KeyAlgorithm
    root_validity_days: int
    intermediate_validity_days: int
    leaf_validity_days: int
    protect_ca: bool = False


@dataclass(frozen=True)
class ServiceJwt:
    algorithm: JwtAlgorithm
    refresh_token_secret: bool


@dataclass(frozen=True)
class ServiceTls:
    server_names: tuple[str, ...]
    client: bool


@dataclass(frozen=True)
class ServiceIdentities:
    """The cloud principals that run a service and may read its secrets."""

    aws: str | None = None
    azure: str | None = None
    gcp: str | None = None


@dataclass(frozen=True)
class ServiceConfig:
    name: str
    databases: tuple[Database, ...] = ()
    jwt: ServiceJwt | None = None
    tls: ServiceTls | None = None
    api_tokens: tuple[str, ...] = ()
    transit_keys: tuple[str, ...] = ()
    external: tuple[str, ...] = ()
    identities: ServiceIdentities = field(default_factory=ServiceIdentities)
    ci_bound_claims: tuple[tuple[str, str], ...] = ()
    """Claims a CI token must carry to log in through this service's JWT role."""


@dataclass(frozen=True)
class StackConfig:
    environment: str
    vault: VaultSettings
    mirrors: tuple[Mirror, ...]
    aws: AwsSettings | None
    azure: AzureSettings | None
    gcp: GcpSettings | None
    rotation: RotationSettings
    pki: PkiSettings
    services: tuple[ServiceConfig, ...]
    protect_data: bool = False
    """Protect mounts and stores that hold data (prod)."""


# Allowed values, taken from the Literal types above so the two never drift.
FLAVORS: tuple[Flavor, ...] = get_args(Flavor)
KV_LAYOUTS: tuple[KvLayout, ...] = get_args(KvLayout)
MIRRORS: tuple[Mirror, ...] = get_args(Mirror)
DATABASES: tuple[Database, ...] = get_args(Database)
PKI_BACKENDS: tuple[PkiBackend, ...] = get_args(PkiBackend)
KEY_ALGORITHMS: tuple[KeyAlgorithm, ...] = get_args(KeyAlgorithm)
JWT_ALGORITHMS: tuple[JwtAlgorithm, ...] = get_args(JwtAlgorithm)

TOP_LEVEL_KEYS = (
    "environment",
    "vault",
    "mirrors",
    "aws",
    "azure",
    "gcp",
    "rotation",
    "pki",
    "services",
    "protectData",
    "external",
)
VAULT_KEYS = (
    "flavor",
    "kvLayout",
    "jwt",
    "auditFilePath",
    "tokenTtlSeconds",
    "tokenMaxTtlSeconds",
    "secretIdTtlSeconds",
)
JWT_KEYS = (
    "issuer",
    "audience",
    "oidcDiscoveryUrl",
    "validationPublicKeys",
    "generateLocalKey",
    "repositoryOwner",
)
AWS_KEYS = ("region", "recoveryWindowDays")
AZURE_KEYS = (
    "resourceGroup",
    "location",
    "tenantId",
    "subscriptionId",
    "vaultName",
    "softDeleteRetentionDays",
)
GCP_KEYS = ("project", "locations")
ROTATION_KEYS = ("databasePassword", "jwtSigningKey", "apiToken", "leafCertificate")
PKI_KEYS = (
    "backend",
    "keyAlgorithm",
    "rootValidityDays",
    "intermediateValidityDays",
    "leafValidityDays",
    "protectCa",
)
SERVICE_KEYS = (
    "databases",
    "jwt",
    "tls",
    "apiTokens",
    "transitKeys",
    "external",
    "identities",
    "ciClaims",
)
SERVICE_JWT_KEYS = ("algorithm", "refreshTokenSecret")
SERVICE_TLS_KEYS = ("serverNames", "client")

# Keys whose value is a plain string. The engine passes every other key's YAML
# value as JSON text.
_STRING_KEYS = ("environment",)


@dataclass(frozen=True)
class _Rule:
    """A pattern a string value must match, with the wording for the message."""

    pattern: re.Pattern[str]
    allowed: str

    def matches(self, value: str) -> bool:
        return self.pattern.fullmatch(value) is not None


def _rule(pattern: str, allowed: str) -> _Rule:
    return _Rule(re.compile(pattern), allowed)


ENVIRONMENT_RULE = _rule(
    r"[a-z](?:[a-z0-9-]{0,14}[a-z0-9])?",
    "1-16 lowercase letters, digits and hyphens, starting with a letter and not "
    "ending with a hyphen",
)
SERVICE_NAME_RULE = _rule(
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?",
    "a DNS label: 1-63 lowercase letters, digits and hyphens, no leading or "
    "trailing hyphen",
)
KEBAB_NAME_RULE = _rule(
    r"(?=.{1,63}$)[a-z][a-z0-9]*(?:-[a-z0-9]+)*",
    "kebab-case: 1-63 lowercase letters and digits in hyphen-separated words, "
    "starting with a letter",
)
HOSTNAME_RULE = _rule(
    r"(?=.{1,253}$)(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*"
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?",
    "a lowercase DNS name such as auth.dev.internal, optionally starting with *.",
)
AUDIT_PATH_RULE = _rule(
    r"stdout|/(?:[^/\x00]+/)*[^/\x00]+",
    "an absolute file path such as /var/log/vault/audit.log, or stdout",
)
TOKEN_RULE = _rule(r"\S+", "a non-empty string without whitespace")
CLAIM_VALUE_RULE = _rule(
    r"\S(?:.*\S)?", "a non-empty string without leading or trailing whitespace"
)
HTTPS_URL_RULE = _rule(
    r"https://[^\s/?#]+(?:/[^\s?#]*)?", "an https URL without query or fragment"
)
PEM_PUBLIC_KEY_RULE = _rule(
    r"-----BEGIN PUBLIC KEY-----\s+[A-Za-z0-9+/=\s]+-----END PUBLIC KEY-----\s*",
    "a PEM public key (-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----)",
)
REPOSITORY_OWNER_RULE = _rule(
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?",
    "an account or organization name: 1-39 letters, digits and hyphens",
)
CLAIM_NAME_RULE = _rule(
    r"[A-Za-z_][A-Za-z0-9_.-]*",
    "a claim name of letters, digits, underscores, dots and hyphens",
)
UUID_RULE = _rule(
    r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}",
    "a UUID such as 00000000-0000-0000-0000-000000000000",
)
AWS_REGION_RULE = _rule(
    r"[a-z]{2}(?:-[a-z]+)+-[0-9]", "an AWS region such as eu-west-1"
)
AWS_ROLE_ARN_RULE = _rule(
    r"arn:aws(?:-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}",
    "an IAM role ARN such as arn:aws:iam::111111111111:role/auth-service",
)
AZURE_LOCATION_RULE = _rule(r"[a-z][a-z0-9]*", "an Azure region such as westeurope")
AZURE_RESOURCE_GROUP_RULE = _rule(
    r"[-\w.()]{0,89}[-\w()]",
    "1-90 letters, digits, underscores, hyphens, periods and parentheses, not "
    "ending with a period",
)
AZURE_VAULT_NAME_RULE = _rule(
    r"(?!.*--)[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]",
    "3-24 letters, digits and hyphens, starting with a letter, ending with a "
    "letter or digit, no consecutive hyphens",
)
GCP_PROJECT_RULE = _rule(
    r"[a-z][a-z0-9-]{4,28}[a-z0-9]",
    "a project id: 6-30 lowercase letters, digits and hyphens, starting with a "
    "letter and not ending with a hyphen",
)
GCP_LOCATION_RULE = _rule(r"[a-z]+-[a-z]+[0-9]+", "a GCP region such as europe-west1")
GCP_SERVICE_ACCOUNT_RULE = _rule(
    r"[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]"
    r"\.iam\.gserviceaccount\.com",
    "a service account email such as auth-service@example-dev.iam.gserviceaccount.com",
)
IDENTITY_RULES = {
    "aws": AWS_ROLE_ARN_RULE,
    "azure": UUID_RULE,
    "gcp": GCP_SERVICE_ACCOUNT_RULE,
}

_Choice = TypeVar("_Choice", bound=str)


def _describe(value: Any) -> str:
    """Render a non-secret config value for a message, cut to 60 characters."""
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _range(minimum: int, maximum: int) -> str:
    return f"integers {minimum}-{maximum}"


def _check_text(value: Any, key: str, rule: _Rule) -> str:
    if not isinstance(value, str):
        raise ConfigError(
            key, f"must be a string, got {_describe(value)}", rule.allowed
        )

    if not rule.matches(value):
        raise ConfigError(key, f"{_describe(value)} is not valid", rule.allowed)
    return value


def _check_choice(value: Any, key: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(
            key, f"{_describe(value)} is not supported", ", ".join(choices)
        )
    return value


def _check_list_entries(
    entries: list[Any], key: str, check: Callable[[Any, str], str]
) -> tuple[str, ...]:
    """Check each entry of a list with `check(entry, entry_key)` and reject repeats."""
    checked: list[str] = []
    for index, entry in enumerate(entries):
        entry_key = f"{key}[{index}]"
        value = check(entry, entry_key)
        if value in checked:
            raise ConfigError(
                entry_key, f"{_describe(value)} is listed twice", "each value once"
            )
        checked.append(value)
    return tuple(checked)


class _ConfigObject:
    """One config object being read. Every error names the full key."""

    def __init__(self, key: str, value: Any, allowed_keys: tuple[str, ...]) -> None:
        if not isinstance(value, Mapping):
            raise ConfigError(
                key,
                f"must be an object, got {_describe(value)}",
                "an object with keys " + ", ".join(allowed_keys),
            )

        entries = cast(Mapping[Any, Any], value)
        for name in entries:
            if name not in allowed_keys:
                raise ConfigError(
                    self._join(key, str(name)),
                    "is not a known key",
                    ", ".join(allowed_keys),
                )
        self.key = key
        self.entries = entries

    @staticmethod
    def _join(key: str, name: str) -> str:
        return f"{key}.{name}" if key else name

    def key_for(self, name: str) -> str:
        return self._join(self.key, name)

    def value(self, name: str) -> Any:
        """Return the entry, or None when it is absent or null."""
        return self.entries.get(name)

    def require(self, name: str, allowed: str) -> Any:
        value = self.value(name)
        if value is None:
            raise ConfigError(self.key_for(name), "is missing", allowed)
        return value

    def text(self, name: str, rule: _Rule, default: str | None = None) -> str:
        value = self.value(name)
        if value is None and default is not None:
            return default
        return _check_text(self.require(name, rule.allowed), self.key_for(name), rule)

    def optional_text(self, name: str, rule: _Rule) -> str | None:
        value = self.value(name)
        return None if value is None else _check_text(value, self.key_for(name), rule)

    def choice(
        self, name: str, choices: tuple[_Choice, ...], default: _Choice | None = None
    ) -> _Choice:
        value = self.value(name)
        if value is None and default is not None:
            return default
        allowed = ", ".join(choices)
        return cast(
            _Choice,
            _check_choice(self.require(name, allowed), self.key_for(name), choices),
        )

    def integer(self, name: str, default: int, minimum: int, maximum: int) -> int:
        value = self.value(name)
        if value is None:
            return default

        key = self.key_for(name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(
                key,
                f"must be an integer, got {_describe(value)}",
                _range(minimum, maximum),
            )
        if not minimum <= value <= maximum:
            raise ConfigError(key, f"{value} is out of range", _range(minimum, maximum))
        return value

    def flag(self, name: str, default: bool) -> bool:
        value = self.value(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise ConfigError(
                self.key_for(name),
                f"must be a boolean, got {_describe(value)}",
                "true, false",
            )
        return value

    def list_value(self, name: str, allowed: str) -> list[Any]:
        value = self.value(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise ConfigError(
                self.key_for(name), f"must be a list, got {_describe(value)}", allowed
            )
        return cast(list[Any], value)

    def texts(self, name: str, rule: _Rule) -> tuple[str, ...]:
        """Read a list of unique strings that each match `rule`."""
        entries = self.list_value(name, f"a list of {rule.allowed}")
        return _check_list_entries(
            entries,
            self.key_for(name),
            lambda entry, key: _check_text(entry, key, rule),
        )

    def choices(self, name: str, choices: tuple[_Choice, ...]) -> tuple[_Choice, ...]:
        """Read a list of unique values, each one of `choices`."""
        entries = self.list_value(name, "a list of " + ", ".join(choices))
        checked = _check_list_entries(
            entries,
            self.key_for(name),
            lambda entry, key: _check_choice(entry, key, choices),
        )
        return cast(tuple[_Choice, ...], checked)

    def section(self, name: str, allowed_keys: tuple[str, ...]) -> _ConfigObject:
        """Read a nested object. An absent one reads as empty, so defaults apply."""
        value = self.value(name)
        return _ConfigObject(
            self.key_for(name), {} if value is None else value, allowed_keys
        )

    def optional_section(
        self, name: str, allowed_keys: tuple[str, ...]
    ) -> _ConfigObject | None:
        value = self.value(name)
        if value is None:
            return None
        return _ConfigObject(self.key_for(name), value, allowed_keys)


# Section parsers. Each reads one part of the namespace into its dataclass.


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
    vault = root.section("vault", VAULT_KEYS)
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


def _check_ceiling(
    key: str,
    value: int,
    ceiling_key: str,
    ceiling: int,
    *,
    minimum: int = 1,
    strict: bool = False,
) -> None:
    """Reject `value` when it is above (or, if `strict`, not below) another key's."""
    highest = ceiling - 1 if strict else ceiling
    if value > highest:
        relation = "is not below" if strict else "is above"
        raise ConfigError(
            key,
            f"{value} {relation} {NAMESPACE}:{ceiling_key} ({ceiling})",
            _range(minimum, highest),
        )


def _parse_mirrors(root: _ConfigObject) -> tuple[Mirror, ...]:
    return root.choices("mirrors", MIRRORS)


def _mirror_section(
    root: _ConfigObject, mirror: str, mirrors: tuple[Mirror, ...], keys: tuple[str, ...]
) -> _ConfigObject | None:
    """Read a mirror's section, which is required when the mirror is selected."""
    section = root.optional_section(mirror, keys)
    if section is None and mirror in mirrors:
        raise ConfigError(
            mirror,
            f"is missing but mirrors selects {mirror}",
            "an object with keys " + ", ".join(keys),
        )
    return section


def _parse_aws(root: _ConfigObject, mirrors: tuple[Mirror, ...]) -> AwsSettings | None:
    aws = _mirror_section(root, "aws", mirrors, AWS_KEYS)
    if aws is None:
        return None

    settings = AwsSettings(
        region=aws.text("region", AWS_REGION_RULE),
        recovery_window_days=aws.integer("recoveryWindowDays", 30, 7, 30),
    )
    return settings if "aws" in mirrors else None


def _parse_azure(
    root: _ConfigObject, mirrors: tuple[Mirror, ...]
) -> AzureSettings | None:
    azure = _mirror_section(root, "azure", mirrors, AZURE_KEYS)
    if azure is None:
        return None

    settings = AzureSettings(
        resource_group=azure.text("resourceGroup", AZURE_RESOURCE_GROUP_RULE),
        location=azure.text("location", AZURE_LOCATION_RULE),
        tenant_id=azure.text("tenantId", UUID_RULE),
        vault_name=azure.text("vaultName", AZURE_VAULT_NAME_RULE),
        subscription_id=azure.text("subscriptionId", UUID_RULE),
        soft_delete_retention_days=azure.integer("softDeleteRetentionDays", 90, 7, 90),
    )
    return settings if "azure" in mirrors else None


def _parse_gcp(root: _ConfigObject, mirrors: tuple[Mirror, ...]) -> GcpSettings | None:
    gcp = _mirror_section(root, "gcp", mirrors, GCP_KEYS)
    if gcp is None:
        return None

    settings = GcpSettings(
        project=gcp.text("project", GCP_PROJECT_RULE),
        locations=gcp.texts("locations", GCP_LOCATION_RULE),
    )
    return settings if "gcp" in mirrors else None


def _parse_pki(root: _ConfigObject) -> PkiSettings:
    pki = root.section("pki", PKI_KEYS)
    root_days = pki.integer("rootValidityDays", 3650, 2, 7300)
    intermediate_days = pki.integer("intermediateValidityDays", 365, 1, 7300)
    _check_ceiling(
        pki.key_for("intermediateValidityDays"),
        intermediate_days,
        pki.key_for("rootValidityDays"),
        root_days,
        strict=True,
    )

    # The CA/Browser Forum caps publicly trusted TLS server certificates at 398
    # days, and internal leaves stay a day under that cap.
    leaf_days = pki.integer("leafValidityDays", 30, 1, 397)
    _check_ceiling(
        pki.key_for("leafValidityDays"),
        leaf_days,
        pki.key_for("intermediateValidityDays"),
        intermediate_days,
        strict=True,
    )
    return PkiSettings(
        backend=pki.choice("backend", PKI_BACKENDS, default="tls"),
        key_algorithm=pki.choice("keyAlgorithm", KEY_ALGORITHMS, default="ECDSA-P256"),
        root_validity_days=root_days,
        intermediate_validity_days=intermediate_days,
        leaf_validity_days=leaf_days,
        protect_ca=pki.flag("protectCa", default=False),
    )


def _parse_rotation(root: _ConfigObject, pki: PkiSettings) -> RotationSettings:
    rotation = root.section("rotation", ROTATION_KEYS)
    leaf_days = rotation.integer("leafCertificate", 30, 1, 397)

    # A certificate must be replaced no later than the day it expires.
    _check_ceiling(
        rotation.key_for("leafCertificate"),
        leaf_days,
        "pki.leafValidityDays",
        pki.leaf_validity_days,
    )
    return RotationSettings(
        database_password=rotation.integer("databasePassword", 30, 1, 365),
        jwt_signing_key=rotation.integer("jwtSigningKey", 90, 1, 365),
        api_token=rotation.integer("apiToken", 90, 1, 365),
        leaf_certificate=leaf_days,
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
            f"a list of {HOSTNAME_RULE.allowed}",
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
                f"is missing but mirrors selects {mirror}",
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
            "a CI role without bound claims would accept any token for the audience",
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


def parse_stack_config(raw: Mapping[str, Any]) -> StackConfig:
    """Validate the namespace's keys (without the `secrets-platform:` prefix).

    `raw` maps each key to its decoded YAML or JSON value, as `read_stack_file`
    returns them. The `external` key is accepted and left to
    `load_external_secrets`. Raises `ConfigError` on the first bad value.
    """
    root = _ConfigObject("", raw, TOP_LEVEL_KEYS)
    environment = root.text("environment", ENVIRONMENT_RULE)
    vault = _parse_vault(root)
    mirrors = _parse_mirrors(root)
    pki = _parse_pki(root)
    protect_data = root.flag("protectData", default=False)
    _check_local_key_unprotected(vault.jwt, protect_data)
    return StackConfig(
        environment=environment,
        vault=vault,
        mirrors=mirrors,
        aws=_parse_aws(root, mirrors),
        azure=_parse_azure(root, mirrors),
        gcp=_parse_gcp(root, mirrors),
        rotation=_parse_rotation(root, pki),
        pki=pki,
        services=_parse_services(root, mirrors, vault.jwt),
        protect_data=protect_data,
    )


def _check_local_key_unprotected(
    ci_issuer: JwtIssuer | None, protect_data: bool
) -> None:
    """Reject a generated CI key in a stack that protects its data.

    The private half of a generated key is kept in the stack state, so anyone
    who can read the state could sign CI tokens for every service.
    """
    if ci_issuer is not None and ci_issuer.generate_local_key and protect_data:
        raise ConfigError(
            "vault.jwt.generateLocalKey",
            "is true in a stack with protectData: true, and a generated key's "
            "private half would sit in the stack state",
            "false, with oidcDiscoveryUrl, validationPublicKeys or the issuer's "
            "discovery",
        )


# External secrets. Their values are secrets: no message below contains one.


def _external_command(service: str, name: str) -> str:
    return f"pulumi config set --secret --path '{NAMESPACE}:external.{service}.{name}'"


def _check_external_service(
    name: Any, value: Any, declared: Mapping[str, tuple[str, ...]]
) -> Mapping[Any, Any]:
    key = f"external.{name}"
    if name not in declared:
        raise ConfigError(key, "is not a service of this stack", ", ".join(declared))
    if not isinstance(value, Mapping):
        raise ConfigError(key, "must be an object of secret names to secret values")
    return cast(Mapping[Any, Any], value)


def _check_external_value(
    service: str, name: Any, value: Any, declared: tuple[str, ...]
) -> str:
    key = f"external.{service}.{name}"
    if name not in declared:
        raise ConfigError(
            key,
            f"is not declared in services.{service}.external",
            ", ".join(declared) or "none declared",
        )
    if not isinstance(value, str) or not value:
        raise ConfigError(
            key,
            "must be a non-empty string. Set it with "
            + _external_command(service, str(name)),
        )
    return value


def _require_external_values(
    service: str, values: Mapping[str, str], declared: tuple[str, ...]
) -> None:
    for name in declared:
        if name not in values:
            raise ConfigError(
                f"external.{service}.{name}",
                f"is not set. Run {_external_command(service, name)} "
                "and enter the value at the prompt",
            )


def parse_external_secrets(
    raw_external: Any, stack: StackConfig
) -> dict[str, dict[str, str]]:
    """Check the decoded `external` object against each service's declared names.

    Returns, per service (every service of the stack), its external values by
    name. Every declared name must have a non-empty string value and no
    undeclared name may appear.
    """
    declared = {service.name: service.external for service in stack.services}
    if raw_external is None:
        raw_external = {}
    if not isinstance(raw_external, Mapping):
        raise ConfigError(
            "external", "must be an object of service names to secret names"
        )

    external: dict[str, dict[str, str]] = {name: {} for name in declared}
    for service, entries in cast(Mapping[Any, Any], raw_external).items():
        values = _check_external_service(service, entries, declared)
        for name, value in values.items():
            external[service][name] = _check_external_value(
                service, name, value, declared[service]
            )
    for service, names in declared.items():
        _require_external_values(service, external[service], names)
    return external


# Loading from a stack file or from the Pulumi runtime.


def read_stack_file(path: str | Path) -> dict[str, Any]:
    """Return the `secrets-platform:` keys of a `Pulumi.<stack>.yaml` file.

    The keys lose the namespace prefix, and keys of other namespaces are left
    out. A `secure:` value stays the `{"secure": ...}` object the file contains.
    """
    document = yaml.safe_load(Path(path).read_text()) or {}
    config = cast(Mapping[str, Any], document.get("config") or {})
    prefix = f"{NAMESPACE}:"
    return {
        key.removeprefix(prefix): value
        for key, value in config.items()
        if key.startswith(prefix)
    }


def find_plain_external_values(raw: Mapping[str, Any]) -> list[str]:
    """List the keys under `external` in a stack file's keys that are not `secure:`.

    `raw` is what `read_stack_file` returns. The result names keys only, such
    as `external.llm-service.openrouter-api-key`, never a value.
    """
    external = raw.get("external")
    if not isinstance(external, Mapping):
        return [] if external is None else ["external"]

    plain: list[str] = []
    for service, values in cast(Mapping[Any, Any], external).items():
        if not isinstance(values, Mapping):
            plain.append(f"external.{service}")
            continue
        for name, value in cast(Mapping[Any, Any], values).items():
            if not (isinstance(value, Mapping) and set(value) == {"secure"}):
                plain.append(f"external.{service}.{name}")
    return plain


def _decode(text: str) -> Any:
    """Decode a config value that the engine hands over as JSON text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _runtime_namespace_keys() -> set[str]:
    """List the namespace's keys set in the runtime, without the prefix."""
    # pulumi.Config offers no way to list keys, so read the runtime's config map
    # (set by the engine or by mocks) and PULUMI_CONFIG, the two places that
    # pulumi.runtime.config.get_config consults besides single-key variables.
    names = set(pulumi.runtime.config.CONFIG.get())
    names |= set(pulumi.runtime.config.get_config_env())
    prefix = f"{NAMESPACE}:"
    return {name.removeprefix(prefix) for name in names if name.startswith(prefix)}


def load_stack_config(config: pulumi.Config | None = None) -> StackConfig:
    """Read the namespace's keys from the Pulumi runtime and validate them."""
    config = config or pulumi.Config(NAMESPACE)
    for key in sorted(_runtime_namespace_keys()):
        if key not in TOP_LEVEL_KEYS:
            raise ConfigError(key, "is not a known key", ", ".join(TOP_LEVEL_KEYS))

    raw: dict[str, Any] = {}
    for key in TOP_LEVEL_KEYS:
        text = None if key == "external" else config.get(key)
        if text is not None:
            raw[key] = text if key in _STRING_KEYS else _decode(text)
    return parse_stack_config(raw)


def _warn_if_plain_external(config: pulumi.Config) -> None:
    full_key = config.full_key("external")
    # The engine lists a key as secret when any of its leaves is `secure:`, so a
    # mix of encrypted and plain leaves is not detected here.
    if not pulumi.runtime.config.is_config_secret(full_key):
        pulumi.log.warn(
            f"{full_key} is not stored as a secret. Set each value with "
            f"pulumi config set --secret --path '{full_key}.<service>.<name>'"
        )


def _read_external(config: pulumi.Config) -> Any:
    # The names must be checked before any resource is declared, and the result
    # of get_secret_object is an Output that cannot be checked then. So the
    # object is decoded here, and load_external_secrets wraps each value with
    # Output.secret.
    text = config.get("external")
    if text is None:
        return None

    _warn_if_plain_external(config)
    try:
        return json.loads(text)
    except ValueError:
        # `from None` keeps the decoder's message, which quotes the text, out.
        raise ConfigError(
            "external",
            "is not valid JSON. Set each value with pulumi config set --secret --path",
        ) from None


def load_external_secrets(
    stack: StackConfig, config: pulumi.Config | None = None
) -> dict[str, dict[str, pulumi.Output[str]]]:
    """Read `secrets-platform:external` into secret Outputs.

    Returns, for every service of the stack, each declared external name mapped
    to its value as a secret Output. Raises `ConfigError` when a declared name
    has no value or an undeclared name is set.
    """
    config = config or pulumi.Config(NAMESPACE)
    external = parse_external_secrets(_read_external(config), stack)
    return {
        service: {name: pulumi.Output.secret(value) for name, value in values.items()}
        for service, values in external.items()
    }
