"""Read access to each secret, derived from the declared resources.

Each identity (a Vault AppRole or JWT role, an AWS principal in a secret
policy, an Azure principal in a role assignment, a GCP IAM member) is
matched with the secrets its grants reach. An identity belongs to the
service its name contains (`role/auth-service`, `auth-service@...`). Without
one, it belongs to the service whose component declares the grant. A secret
belongs to the service whose component declares it, or whose name it starts
with.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from pulumi_policy import EnforcementLevel, Policy, PolicyResource, ReportViolation

from . import aws, azure, gcp
from .framework import Declared, StackView, Thresholds, stack_policy
from .hcl import PathRule, path_matches
from .values import UNKNOWN
from .vault_access import APPROLE_ROLE, JWT_ROLE, VAULT_POLICY, readable_rules
from .vault_kv import SECRET_V2

AZURE_ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
GCP_SECRET_MEMBER = "gcp:secretmanager/secretIamMember:SecretIamMember"
AWS_READ_ACTIONS = frozenset({"*", "secretsmanager:*", "secretsmanager:GetSecretValue"})
_NAME_TOKEN = re.compile(r"[^/:@.]+")
GRANTS_KEY = "access-grants"


@dataclass(frozen=True)
class AccessGrant:
    """One identity that can read one secret, and the resource granting it."""

    store: str
    identity: str
    identity_service: str | None
    secret: str
    secret_urn: str
    secret_service: str | None
    granted_by: str
    granted_by_urn: str

    def is_foreign(self) -> bool:
        return (
            self.identity_service is not None
            and self.secret_service is not None
            and self.identity_service != self.secret_service
        )


@dataclass(frozen=True)
class UnverifiableGrant:
    """A grant whose target or document is unknown during preview."""

    granted_by: str
    granted_by_urn: str
    reason: str


class Ownership:
    """Finds the service that owns a resource or an identity string."""

    def __init__(self, view: StackView) -> None:
        self.view = view
        self.services = set(view.services())
        self.services |= {
            str(p.props["name"])
            for p in view.of_type(VAULT_POLICY)
            if isinstance(p.props.get("name"), str)
        }

    def of_resource(self, resource: Declared) -> str | None:
        return self.view.service_of(resource) or self.named_in(resource.name)

    def named_in(self, text: str) -> str | None:
        """Return the longest service that is `text` or starts it before a '-'.

        Longest first, so "llm-service-key" belongs to "llm-service", not "llm".
        """
        if text in self.services:
            return text
        dashes = [index for index, char in enumerate(text) if char == "-"]
        for index in reversed(dashes):
            if text[:index] in self.services:
                return text[:index]
        return None

    def of_principal(self, principal: str, grant: Declared) -> str | None:
        named = [t for t in _NAME_TOKEN.findall(principal) if t in self.services]
        if named:
            return max(named, key=len)
        return self.view.service_of(grant)


def vault_grants(
    view: StackView, owners: Ownership, unverifiable: list[UnverifiableGrant]
) -> Iterator[AccessGrant]:
    rules_by_policy = _policy_rules(view, unverifiable)
    secrets = SecretPathIndex(_secret_data_paths(view, unverifiable))
    readable_by_policy = {
        name: secrets.readable(rules) for name, rules in rules_by_policy.items()
    }
    for role in view.of_type(APPROLE_ROLE) + view.of_type(JWT_ROLE):
        policies = role.props.get("tokenPolicies")
        if not isinstance(policies, list) or UNKNOWN in policies:
            unverifiable.append(_unverifiable(role, "tokenPolicies"))
            continue
        positions = set()
        for name in policies:
            positions |= readable_by_policy.get(name, set())
        for position in sorted(positions):
            yield _vault_grant(role, secrets.secrets[position], owners)


class SecretPathIndex:
    """KV v2 secrets sorted by data path, to find those a path rule reaches.

    A rule's literal prefix (the text before its first glob) narrows the
    search to the secrets under it, so a stack with a policy and a few
    secrets per service costs about one lookup per rule, not one per secret.
    """

    def __init__(self, secret_paths: list[tuple[Declared, str]]) -> None:
        self.secrets = [secret for secret, _ in secret_paths]
        self.sorted_paths = sorted(
            (path, position) for position, (_, path) in enumerate(secret_paths)
        )

    def readable(self, rules: list[PathRule]) -> set[int]:
        """Return the positions of the secrets any read rule in `rules` matches."""
        positions: set[int] = set()
        for rule in rules:
            if rule.grants_read():
                positions.update(self._matching(rule.path))
        return positions

    def _matching(self, pattern: str) -> Iterable[int]:
        prefix = _literal_prefix(pattern)
        start = bisect.bisect_left(self.sorted_paths, (prefix, -1))
        for index in range(start, len(self.sorted_paths)):
            path, position = self.sorted_paths[index]
            if not path.startswith(prefix):
                return
            if path_matches(pattern, path):
                yield position


def _literal_prefix(pattern: str) -> str:
    """Return the part of an ACL path pattern before its first glob.

    Only a trailing `*` is a glob, but `+` is one anywhere.
    """
    end = len(pattern) - 1 if pattern.endswith("*") else len(pattern)
    plus = pattern.find("+")
    return pattern[: min(end, plus)] if plus >= 0 else pattern[:end]


def _policy_rules(
    view: StackView, unverifiable: list[UnverifiableGrant]
) -> dict[str, list[PathRule]]:
    """Return the readable path rules of each Vault policy, by policy name."""
    rules_by_policy: dict[str, list[PathRule]] = {}
    for policy in view.of_type(VAULT_POLICY):
        rules = readable_rules(policy.props.get("policy"))
        name = policy.props.get("name")
        if rules is None or not isinstance(name, str):
            unverifiable.append(_unverifiable(policy, "name or policy document"))
            continue
        rules_by_policy[name] = rules
    return rules_by_policy


def _secret_data_paths(
    view: StackView, unverifiable: list[UnverifiableGrant]
) -> list[tuple[Declared, str]]:
    """Return each KV v2 secret with the API path a read of its data uses.

    An unknown mount path is taken from the mount resource it comes from.
    """
    paths = []
    for secret in view.of_type(SECRET_V2):
        mount, name = secret.props.get("mount"), secret.props.get("name")
        if not isinstance(mount, str):
            sources = [m.props.get("path") for m in view.dependencies(secret, "mount")]
            mount = next((path for path in sources if isinstance(path, str)), None)
        if not isinstance(mount, str) or not isinstance(name, str):
            unverifiable.append(_unverifiable(secret, "mount or name"))
            continue
        paths.append((secret, f"{mount.strip('/')}/data/{name}"))
    return paths


def _vault_grant(role: Declared, secret: Declared, owners: Ownership) -> AccessGrant:
    role_name = str(role.props.get("roleName") or role.name)
    backend = "approle" if role.type == APPROLE_ROLE else "jwt"
    return AccessGrant(
        store="vault",
        identity=f"vault {backend} role {role_name}",
        identity_service=owners.of_resource(role),
        secret=secret.name,
        secret_urn=secret.urn,
        secret_service=owners.of_resource(secret),
        granted_by=role.name,
        granted_by_urn=role.urn,
    )


def aws_principals(document: str) -> list[str] | None:
    """Return the AWS principals a secret policy lets read; `None` if unreadable."""
    try:
        parsed = json.loads(document)
    except json.JSONDecodeError:
        return None
    statements = parsed.get("Statement", []) if isinstance(parsed, dict) else []
    statements = statements if isinstance(statements, list) else [statements]
    principals: list[str] = []
    for statement in statements:
        if isinstance(statement, dict) and _allows_read(statement):
            principals += _statement_principals(statement.get("Principal"))
    return principals


def _allows_read(statement: dict) -> bool:
    actions = statement.get("Action", [])
    actions = [actions] if isinstance(actions, str) else actions
    return statement.get("Effect") == "Allow" and bool(AWS_READ_ACTIONS & set(actions))


def _statement_principals(principal: object) -> list[str]:
    if principal == "*":
        return ["*"]
    values = principal.get("AWS", []) if isinstance(principal, dict) else []
    return [values] if isinstance(values, str) else list(values)


def aws_grants(
    view: StackView, owners: Ownership, unverifiable: list[UnverifiableGrant]
) -> Iterator[AccessGrant]:
    for secret_policy in view.of_type(aws.SECRET_POLICY):
        document = secret_policy.props.get("policy")
        principals = aws_principals(document) if isinstance(document, str) else None
        if principals is None:
            unverifiable.append(_unverifiable(secret_policy, "policy document"))
            continue
        for urn in sorted(aws._attached_secret_urns(view, secret_policy)):
            yield from _cloud_grants(
                "aws", principals, view.by_urn[urn], secret_policy, owners
            )


def _cloud_grants(
    store: str,
    principals: Sequence[str],
    secret: Declared,
    grant: Declared,
    owners: Ownership,
) -> Iterator[AccessGrant]:
    for principal in principals:
        yield AccessGrant(
            store=store,
            identity=f"{store} principal {principal}",
            identity_service=None
            if principal == "*"
            else owners.of_principal(principal, grant),
            secret=secret.name,
            secret_urn=secret.urn,
            secret_service=owners.of_resource(secret),
            granted_by=grant.name,
            granted_by_urn=grant.urn,
        )


def _unverifiable(grant: Declared, what: str) -> UnverifiableGrant:
    return UnverifiableGrant(
        granted_by=grant.name,
        granted_by_urn=grant.urn,
        reason=(
            f"its {what} is unknown during preview or unreadable, so the access "
            "it grants cannot be verified; build it from known values."
        ),
    )


def azure_grants(
    view: StackView, owners: Ownership, unverifiable: list[UnverifiableGrant]
) -> Iterator[AccessGrant]:
    secrets = AzureSecretIndex(view)
    for assignment in view.of_type(AZURE_ROLE_ASSIGNMENT):
        principal = assignment.props.get("principalId")
        targets = _azure_targets(view, assignment, secrets)
        if not isinstance(principal, str) or targets is None:
            unverifiable.append(_unverifiable(assignment, "principal or scope"))
            continue
        for secret in targets:
            yield from _cloud_grants("azure", [principal], secret, assignment, owners)


def _azure_targets(
    view: StackView, assignment: Declared, secrets: AzureSecretIndex
) -> list[Declared] | None:
    """Return the Key Vault secrets a role assignment's scope covers."""
    scope_sources = view.dependencies(assignment, "scope")
    direct = [s for s in scope_sources if s.type == azure.SECRET]
    vaults = {s.urn for s in scope_sources if s.type == azure.VAULT}
    if direct or vaults:
        return direct + secrets.in_vaults(vaults)

    scope = assignment.props.get("scope")
    if not isinstance(scope, str):
        return None
    if "/secrets/" in scope:
        name = scope.rsplit("/secrets/", 1)[1].strip("/")
        return list(view.by_text_prop(azure.SECRET, "secretName").get(name, []))
    # A vault, resource group or subscription scope reaches every secret below it.
    return secrets.under_scope(scope)


class AzureSecretIndex:
    """Key Vault secrets indexed by the vault they are in: its URN and its name."""

    def __init__(self, view: StackView) -> None:
        self.secrets = view.of_type(azure.SECRET)
        self.by_vault_urn: dict[str, set[int]] = {}
        self.by_vault_name: dict[str, set[int]] = {}
        for position, secret in enumerate(self.secrets):
            for vault in view.dependencies(secret, "vaultName"):
                self.by_vault_urn.setdefault(vault.urn, set()).add(position)
            vault_name = secret.props.get("vaultName")
            if isinstance(vault_name, str):
                name = vault_name.lower()
                self.by_vault_name.setdefault(name, set()).add(position)

    def in_vaults(self, vault_urns: set[str]) -> list[Declared]:
        """Return the secrets that depend on one of the vaults, in stack order."""
        return self._at(self.by_vault_urn.get(urn, set()) for urn in vault_urns)

    def under_scope(self, scope: str) -> list[Declared]:
        """Return the secrets an ARM scope reaches, in stack order.

        A scope without a vault segment (a resource group or a subscription)
        reaches every secret. A vault scope reaches that vault's secrets.
        """
        if "/vaults/" not in scope.lower():
            return list(self.secrets)
        names = _vault_suffixes(scope.rstrip("/").lower())
        return self._at(self.by_vault_name.get(name, set()) for name in names)

    def _at(self, groups: Iterable[set[int]]) -> list[Declared]:
        positions: set[int] = set().union(*groups)
        return [self.secrets[position] for position in sorted(positions)]


def _vault_suffixes(scope: str) -> Iterator[str]:
    """Yield each text that follows a '/vaults/' in `scope`.

    A vault scope ends with `/vaults/<name>`, so one of these is the name.
    """
    marker = "/vaults/"
    start = scope.find(marker)
    while start >= 0:
        yield scope[start + len(marker) :]
        start = scope.find(marker, start + 1)


def gcp_grants(
    view: StackView, owners: Ownership, unverifiable: list[UnverifiableGrant]
) -> Iterator[AccessGrant]:
    for member in view.of_type(GCP_SECRET_MEMBER):
        identity = member.props.get("member")
        targets = _gcp_targets(view, member)
        if not isinstance(identity, str) or targets is None:
            unverifiable.append(_unverifiable(member, "member or secretId"))
            continue
        for secret in targets:
            yield from _cloud_grants("gcp", [identity], secret, member, owners)


def _gcp_targets(view: StackView, member: Declared) -> list[Declared] | None:
    referenced = [
        s for s in view.dependencies(member, "secretId") if s.type == gcp.SECRET
    ]
    if referenced:
        return referenced
    secret_id = member.props.get("secretId")
    if not isinstance(secret_id, str):
        return None
    short_id = secret_id.rsplit("/", 1)[-1]
    return list(view.by_text_prop(gcp.SECRET, "secretId").get(short_id, []))


def collect_grants(
    view: StackView,
) -> tuple[list[AccessGrant], list[UnverifiableGrant]]:
    """Return every access grant in the stack and the grants that cannot be read.

    Computed once per view, so the access report and the isolation policy share it.
    """
    if GRANTS_KEY not in view.derived:
        view.derived[GRANTS_KEY] = _all_grants(view)
    grants, unverifiable = view.derived[GRANTS_KEY]
    return list(grants), list(unverifiable)


def _all_grants(
    view: StackView,
) -> tuple[list[AccessGrant], list[UnverifiableGrant]]:
    owners = Ownership(view)
    unverifiable: list[UnverifiableGrant] = []
    grants = list(vault_grants(view, owners, unverifiable))
    grants += aws_grants(view, owners, unverifiable)
    grants += azure_grants(view, owners, unverifiable)
    grants += gcp_grants(view, owners, unverifiable)
    return grants, unverifiable


def access_report(resources: Sequence[PolicyResource]) -> list[AccessGrant]:
    """Return who can read what, from the resources a stack policy receives.

    The harness passes the same `PolicyResource` list it hands to the stack
    policies; the result is sorted by identity, then secret.
    """
    grants, _ = collect_grants(StackView.shared(resources))
    return sorted(grants, key=lambda grant: (grant.identity, grant.secret))


def format_access_report(grants: Sequence[AccessGrant]) -> list[str]:
    """Return one line per grant: identity, secret, owners and the granting resource."""
    return [
        f"{grant.identity} [{grant.identity_service or '?'}] -> {grant.secret} "
        f"[{grant.secret_service or '?'}] via {grant.granted_by}"
        + ("  FOREIGN" if grant.is_foreign() else "")
        for grant in grants
    ]


def check_access_isolation(
    view: StackView, thresholds: Thresholds, report_violation: ReportViolation
) -> None:
    grants, unverifiable = collect_grants(view)
    for grant in grants:
        if grant.is_foreign() or grant.identity.endswith(" *"):
            report_violation(_foreign_message(grant), grant.granted_by_urn)
    for grant in _spanning_grants(grants):
        report_violation(_spanning_message(grant), grant.granted_by_urn)
    for item in unverifiable:
        report_violation(f"'{item.granted_by}': {item.reason}", item.granted_by_urn)


def _spanning_grants(grants: list[AccessGrant]) -> list[AccessGrant]:
    """Return one grant per identity that reaches secrets of several services.

    Identities with a foreign grant are left out: that grant is reported.
    """
    by_identity: dict[str, list[AccessGrant]] = {}
    for grant in grants:
        by_identity.setdefault(grant.identity, []).append(grant)

    spanning = []
    for identity_grants in by_identity.values():
        services = {grant.secret_service for grant in identity_grants}
        foreign = any(grant.is_foreign() for grant in identity_grants)
        if len(services) > 1 and not foreign:
            spanning.append(identity_grants[-1])
    return spanning


def _foreign_message(grant: AccessGrant) -> str:
    return (
        f"{grant.identity} (service {grant.identity_service or 'any'}) can read "
        f"secret '{grant.secret}' of service {grant.secret_service or 'unknown'} "
        f"through '{grant.granted_by}'; grant each identity only its own "
        "service's secrets."
    )


def _spanning_message(grant: AccessGrant) -> str:
    return (
        f"{grant.identity} reaches secrets of several services, including "
        f"'{grant.secret}' of service {grant.secret_service or 'unknown'}, through "
        f"'{grant.granted_by}'; give each service its own identity."
    )


def build() -> list[Policy]:
    return [
        stack_policy(
            name="service-access-isolation",
            description=(
                "Each service's identities can read only that service's secrets."
            ),
            level=EnforcementLevel.MANDATORY,
            check=check_access_isolation,
        )
    ]
