"""Rules for Vault ACL policies, auth roles and the JWT auth backend."""

from __future__ import annotations

from collections.abc import Sequence

from pulumi_policy import EnforcementLevel, Policy, ReportViolation

from .framework import (
    Declared,
    Report,
    ResourceCheckArgs,
    Setting,
    StackView,
    Thresholds,
    resource_label,
    resource_policy,
    stack_policy,
)
from .hcl import PathRule, PolicyParseError, parse_policy
from .units import InvalidNumber, number
from .values import UNKNOWN, is_set
from .vault_kv import kv_v2_mounts

VAULT_POLICY = "vault:index/policy:Policy"
APPROLE_ROLE = "vault:appRole/authBackendRole:AuthBackendRole"
JWT_ROLE = "vault:jwt/authBackendRole:AuthBackendRole"
JWT_BACKEND = "vault:jwt/authBackend:AuthBackend"

KV_V2_API_SEGMENTS = frozenset(
    {"data", "metadata", "delete", "undelete", "destroy", "subkeys"}
)
FORBIDDEN_ROOT_SEGMENTS = frozenset({"sys", "auth"})
BUILT_IN_POLICIES = frozenset({"root", "default"})
OWNER_SEGMENT_POSITIONS = (0, 2)
JWT_KEY_SOURCES = ("oidcDiscoveryUrl", "jwksUrl", "jwtValidationPubkeys")


def readable_rules(document: object) -> list[PathRule] | None:
    """Return the non-deny path rules of a policy, `None` when unreadable."""
    if not isinstance(document, str):
        return None
    try:
        return [rule for rule in parse_policy(document) if not rule.denies()]
    except PolicyParseError:
        return None


def owns_path(service: str, path: str) -> bool:
    """Tell whether a path belongs to `service`.

    A service's own paths start with its mount (`S/kv/...`), or name it in
    the third segment, after a shared mount and its API: its prefix under a
    shared KV mount (`secret/data/S/...`) or an object named after it
    (`transit/encrypt/S-key`). No glob may come before that segment.
    """
    segments = path.split("/")
    for position in OWNER_SEGMENT_POSITIONS:
        if position >= len(segments):
            continue
        before = segments[:position]
        if any("*" in segment or "+" in segment for segment in before):
            continue
        if _names_service(service, segments[position]):
            return True
    return False


def _names_service(service: str, segment: str) -> bool:
    if "*" in segment or "+" in segment:
        return False
    return segment == service or segment.startswith(f"{service}-")


def check_policy_least_privilege(args: ResourceCheckArgs, report: Report) -> None:
    service = args.props.get("name")
    rules = readable_rules(args.props.get("policy"))
    if service is UNKNOWN or rules is None:
        report(
            "The policy name or document cannot be read (unknown during preview "
            "or not valid HCL/JSON); declare both as literal strings."
        )
        return
    if service in BUILT_IN_POLICIES:
        report("The policy redefines a built-in policy; name it after its service.")
        return

    for position, rule in enumerate(rules, start=1):
        problem = _path_rule_problem(str(service), rule)
        if problem:
            report(f"Path rule {position}: {problem}")


def _path_rule_problem(service: str, rule: PathRule) -> str | None:
    first_segment = rule.path.split("/", 1)[0]
    if "sudo" in rule.capabilities:
        return "grants 'sudo'; remove it, services never need root-protected APIs."
    if first_segment in FORBIDDEN_ROOT_SEGMENTS:
        return "targets an auth/ or sys/ path; service policies reach secrets only."
    if "*" in first_segment or first_segment == "+" or not first_segment:
        return "starts with a glob, which reaches every mount; name the path exactly."
    if not owns_path(service, rule.path):
        return (
            "reaches paths outside the service's own mount or prefix; restrict it "
            "to a path whose segments name the service before any glob."
        )
    return None


def check_kv_v2_api_paths(
    view: StackView, thresholds: Thresholds, report_violation: ReportViolation
) -> None:
    mounts = _mounts_by_prefix(kv_v2_mounts(view))
    for policy in view.of_type(VAULT_POLICY):
        rules = readable_rules(policy.props.get("policy")) or []
        for position, rule in enumerate(rules, start=1):
            for mount in _mounts_under(rule.path, mounts):
                if _misses_api_segment(rule.path, mount.props.get("path")):
                    report_violation(
                        f"{resource_label(policy)}: path rule {position} targets "
                        f"KV v2 mount {resource_label(mount)} without a data/ or "
                        "metadata/ segment, so Vault grants nothing on its secrets; "
                        "write <mount>/data/<path> and <mount>/metadata/<path>.",
                        policy.urn,
                    )


def _mounts_by_prefix(mounts: list[Declared]) -> dict[str, list[tuple[int, Declared]]]:
    """Group KV v2 mounts, with their position, by the prefix of their rules."""
    by_prefix: dict[str, list[tuple[int, Declared]]] = {}
    for position, mount in enumerate(mounts):
        path = mount.props.get("path")
        if isinstance(path, str) and path:
            prefix = path.strip("/") + "/"
            by_prefix.setdefault(prefix, []).append((position, mount))
    return by_prefix


def _mounts_under(
    path: str, by_prefix: dict[str, list[tuple[int, Declared]]]
) -> list[Declared]:
    """Return the mounts whose prefix `path` starts with, in stack order.

    Each prefix ends with '/', so looking up `path` up to each '/' finds them
    all without a scan of every mount per rule.
    """
    found = [
        entry
        for index, char in enumerate(path)
        if char == "/"
        for entry in by_prefix.get(path[: index + 1], [])
    ]
    return [mount for _, mount in sorted(found, key=lambda entry: entry[0])]


def _misses_api_segment(path: str, mount_path: object) -> bool:
    if not isinstance(mount_path, str) or not mount_path:
        return False
    prefix = mount_path.strip("/") + "/"
    if not path.startswith(prefix):
        return False
    next_segment = path[len(prefix) :].split("/", 1)[0]
    return next_segment not in KV_V2_API_SEGMENTS


def check_policy_names(
    view: StackView, thresholds: Thresholds, report_violation: ReportViolation
) -> None:
    for policy in view.of_type(VAULT_POLICY):
        service = view.service_of(policy)
        if service is not None and policy.props.get("name") != service:
            report_violation(
                f"{resource_label(policy)}: the policy is declared by service "
                f"{service} under another name; name it after the service, "
                "which the path and role checks rely on.",
                policy.urn,
            )


def check_role_policies(args: ResourceCheckArgs, report: Report) -> None:
    policies = args.props.get("tokenPolicies")
    role_name = args.props.get("roleName")
    if policies is UNKNOWN or role_name is UNKNOWN or _has_unknown(policies):
        report(
            "The role's tokenPolicies or roleName cannot be verified during "
            "preview; declare them as literal names."
        )
        return
    if not isinstance(policies, list) or len(policies) != 1:
        report(
            "The role must grant exactly one policy, its service's; set "
            "tokenPolicies to [<service>]."
        )
        return
    _check_single_policy(str(policies[0]), str(role_name), report)


def _has_unknown(values: object) -> bool:
    return isinstance(values, list) and any(value is UNKNOWN for value in values)


def _check_single_policy(policy: str, role_name: str, report: Report) -> None:
    if policy in BUILT_IN_POLICIES:
        report(
            "The role grants a built-in policy (root or default) instead of its "
            "service's policy; set tokenPolicies to [<service>]."
        )
    elif role_name != policy and not role_name.startswith(f"{policy}-"):
        report(
            "The role grants a policy of another service: its roleName must be "
            "the policy name or start with '<policy>-'."
        )


def check_token_ttls(args: ResourceCheckArgs, report: Report) -> None:
    limits = args.thresholds
    ttl = _bounded_seconds(args.props, "tokenTtl", limits["maxTokenTtlSeconds"], report)
    max_ttl = _bounded_seconds(
        args.props, "tokenMaxTtl", limits["maxTokenMaxTtlSeconds"], report
    )
    if ttl is not None and max_ttl is not None and ttl > max_ttl:
        report("tokenTtl is longer than tokenMaxTtl; keep tokenTtl <= tokenMaxTtl.")


def _bounded_seconds(
    props: dict, key: str, ceiling: int, report: Report
) -> float | None:
    """Report `key` unless it is a positive number of seconds <= `ceiling`."""
    value = props.get(key)
    try:
        seconds = number(value, key)
    except InvalidNumber as error:
        report(str(error))
        return None

    if value is UNKNOWN:
        report(f"{key} cannot be verified during preview; set it to a literal.")
    elif seconds is None or seconds <= 0:
        report(
            f"{key} is not set, so Vault uses the mount default of up to 32 days; "
            f"set it to at most {ceiling} seconds."
        )
    elif seconds > ceiling:
        report(f"{key} exceeds the ceiling; set it to at most {ceiling} seconds.")
    else:
        return seconds
    return None


def check_secret_id_ttl(args: ResourceCheckArgs, report: Report) -> None:
    if args.props.get("bindSecretId") in (False, UNKNOWN):
        report(
            "bindSecretId is false or unknown, so the role ID alone may log in; "
            "remove it."
        )
    ceiling = args.thresholds["maxSecretIdTtlSeconds"]
    _bounded_seconds(args.props, "secretIdTtl", ceiling, report)


def check_jwt_role_bindings(args: ResourceCheckArgs, report: Report) -> None:
    for key in ("boundAudiences", "boundClaims"):
        if not is_set(args.props.get(key)):
            report(
                f"{key} is empty, so any token from the issuer logs in; bind "
                "the CI audience and the repository or workflow claims."
            )
    if args.props.get("roleType") not in (None, "jwt"):
        report("roleType is not 'jwt'; machine logins use roleType 'jwt'.")


def check_jwt_backend(args: ResourceCheckArgs, report: Report) -> None:
    sources = [key for key in JWT_KEY_SOURCES if is_set(args.props.get(key))]
    if len(sources) != 1:
        report(
            "Set exactly one of oidcDiscoveryUrl, jwksUrl or jwtValidationPubkeys; "
            "Vault rejects or ignores the others."
        )
    for key in ("oidcClientId", "oidcClientSecret", "oidcClientSecretWo"):
        if is_set(args.props.get(key)):
            report(f"{key} is set on a machine-login JWT mount; remove it.")
    if not is_set(args.props.get("boundIssuer")):
        report(
            "boundIssuer is not set, so tokens from any issuer the keys verify "
            "log in; set it to the issuer string exactly, trailing slash included."
        )


def _ttl_settings() -> Sequence[Setting]:
    return [
        Setting("maxTokenTtlSeconds", "integer", 3600, "Ceiling for tokenTtl."),
        Setting("maxTokenMaxTtlSeconds", "integer", 14400, "Ceiling for tokenMaxTtl."),
    ]


def build() -> list[Policy]:
    mandatory = EnforcementLevel.MANDATORY
    return [
        resource_policy(
            name="vault-policy-least-privilege",
            description=(
                "A service's Vault policy reaches only its own paths, without sudo, "
                "root globs, auth/ or sys/."
            ),
            level=mandatory,
            resource_types=[VAULT_POLICY],
            check=check_policy_least_privilege,
        ),
        stack_policy(
            name="vault-policy-kv-v2-api-paths",
            description=(
                "Vault policy paths on KV v2 mounts use the data/ and metadata/ APIs."
            ),
            level=mandatory,
            check=check_kv_v2_api_paths,
        ),
        stack_policy(
            name="vault-policy-named-for-service",
            description="Each service's Vault policy is named after the service.",
            level=mandatory,
            check=check_policy_names,
        ),
        resource_policy(
            name="vault-auth-role-policies",
            description="AppRole and JWT roles grant exactly their service's policy.",
            level=mandatory,
            resource_types=[APPROLE_ROLE, JWT_ROLE],
            check=check_role_policies,
        ),
        resource_policy(
            name="vault-auth-role-token-ttl",
            description=(
                "AppRole and JWT roles set tokenTtl "
                "and tokenMaxTtl within the ceilings."
            ),
            level=mandatory,
            resource_types=[APPROLE_ROLE, JWT_ROLE],
            check=check_token_ttls,
            settings=_ttl_settings(),
        ),
        resource_policy(
            name="vault-approle-secret-id-ttl",
            description="AppRole roles bind a secret ID whose TTL is set and bounded.",
            level=mandatory,
            resource_types=[APPROLE_ROLE],
            check=check_secret_id_ttl,
            settings=[
                Setting(
                    "maxSecretIdTtlSeconds",
                    "integer",
                    86400,
                    "Ceiling for secretIdTtl.",
                )
            ],
        ),
        resource_policy(
            name="vault-jwt-role-bound-claims",
            description=(
                "JWT roles bind audiences and claims so only the intended CI logs in."
            ),
            level=mandatory,
            resource_types=[JWT_ROLE],
            check=check_jwt_role_bindings,
        ),
        resource_policy(
            name="vault-jwt-backend-config",
            description=(
                "The JWT auth mount has one key source, no OIDC client and a bound "
                "issuer."
            ),
            level=mandatory,
            resource_types=[JWT_BACKEND],
            check=check_jwt_backend,
        ),
    ]
