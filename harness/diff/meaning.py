"""Describe in plain words what each replacement, move or removal means.

Every impact names the resource, the service it belongs to (from its parent
chain) and what its users must do. None carries a property value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from harness.diff.compare import Action, ReportDiff, ResourceChange
from harness.diff.replacement import ReplacementRule, Role, rule_for
from harness.diff.reports import ReportIndex, ReportResource

SERVICE_COMPONENT_SUFFIX = ":ServiceSecrets"
CERT_REQUEST = "tls:index/certRequest:CertRequest"
AWS_SECRET = "aws:secretsmanager/secret:Secret"
PLATFORM = "platform"


class ImpactKind(StrEnum):
    PROTECTED = "protected-resource"
    CERTIFICATE_AUTHORITY = "ca-replacement"
    STORE_DELETED = "store-deleted"
    STORE_MOVED = "store-moved"
    ENCRYPTION_KEY = "encryption-key-replacement"
    NAME_HELD = "name-held-after-delete"
    CREDENTIAL_ROTATION = "credential-rotation"
    CERTIFICATE_REISSUE = "certificate-reissue"
    ROTATION_SCHEDULE = "rotation-schedule"
    ACCESS = "access-replacement"
    OTHER = "replacement"
    UNKNOWN = "replacement-unknown"


BLOCKING_KINDS = frozenset(
    {
        ImpactKind.PROTECTED,
        ImpactKind.CERTIFICATE_AUTHORITY,
        ImpactKind.STORE_DELETED,
        ImpactKind.STORE_MOVED,
        ImpactKind.ENCRYPTION_KEY,
        ImpactKind.NAME_HELD,
    }
)


@dataclass(frozen=True)
class Impact:
    """One consequence of the pull request, in plain words."""

    kind: ImpactKind
    urn: str
    name: str
    label: str
    """The resource type in plain words."""
    service: str
    """The service that owns the resource, or "platform"."""
    summary: str
    """The consequence and the action users must take, never a value."""
    related: tuple[str, ...] = ()
    """Names of resources that follow it (stores written again, certificates)."""

    @property
    def blocking(self) -> bool:
        return self.kind in BLOCKING_KINDS


def describe_impacts(diff: ReportDiff) -> list[Impact]:
    """Return the impacts of every replacement, removal, move and schedule change."""
    impacts: list[Impact] = []
    for change in diff.changes:
        impacts.extend(_impacts_of(change, diff))
    return impacts


def service_of(urn: str, index: ReportIndex) -> str:
    """Return the service whose component is an ancestor of the resource."""
    for ancestor in index.ancestors(urn):
        if ancestor.type.endswith(SERVICE_COMPONENT_SUFFIX):
            return ancestor.name
    return PLATFORM


def _impacts_of(change: ResourceChange, diff: ReportDiff) -> list[Impact]:
    if change.action in (Action.REPLACE, Action.REMOVE):
        return _destructive_impacts(change, diff)
    if change.action is Action.UPDATE:
        return _update_impacts(change, diff)
    return []


def _resource(change: ResourceChange, diff: ReportDiff) -> ReportResource | None:
    return diff.head.get(change.urn) or diff.base.get(change.urn)


def _label(change: ResourceChange, rule: ReplacementRule | None) -> str:
    return rule.label if rule is not None else change.type


def _impact(
    kind: ImpactKind,
    change: ResourceChange,
    diff: ReportDiff,
    summary: str,
    related: Iterable[str] = (),
) -> Impact:
    index = diff.head if change.urn in diff.head else diff.base
    return Impact(
        kind=kind,
        urn=change.urn,
        name=change.name,
        label=_label(change, rule_for(change.type)),
        service=service_of(change.urn, index),
        summary=summary,
        related=tuple(related),
    )


def _destructive_impacts(change: ResourceChange, diff: ReportDiff) -> list[Impact]:
    impacts: list[Impact] = []
    if _is_protected(change, diff):
        impacts.append(_protected_impact(change, diff))

    hold = _name_hold_impact(change, diff)
    if hold is not None:
        impacts.append(hold)

    main = _role_impact(change, diff)
    if main is not None:
        impacts.append(main)
    return impacts


def _is_protected(change: ResourceChange, diff: ReportDiff) -> bool:
    return any(
        resource is not None and resource.protected
        for resource in (diff.base.get(change.urn), diff.head.get(change.urn))
    )


def _protected_impact(change: ResourceChange, diff: ReportDiff) -> Impact:
    verb = "replaces" if change.is_replacement else "deletes"
    summary = (
        f"The change {verb} a protected resource, so `pulumi up` stops at it "
        "until protection is lifted on purpose."
    )
    return _impact(ImpactKind.PROTECTED, change, diff, summary)


def _name_hold_impact(change: ResourceChange, diff: ReportDiff) -> Impact | None:
    """Flag a new object that reuses a name the cloud keeps reserved."""
    rule = rule_for(change.type)
    if rule is None or not rule.name_hold:
        return None

    if change.is_replacement:
        if set(change.changed_props) & set(rule.name_inputs):
            return None
        if _deleted_at_once(change, diff):
            return None
        reuse = "The replacement deletes it and creates one with the same name"
    else:
        successor = _same_name_addition(change, rule, diff)
        if successor is None:
            return None
        reuse = f"It is deleted while the new {successor} takes its name"

    summary = f"{reuse}: {rule.name_hold}. Rename it or wait for the hold to end."
    return _impact(ImpactKind.NAME_HELD, change, diff, summary)


def _deleted_at_once(change: ResourceChange, diff: ReportDiff) -> bool:
    """Tell whether the old AWS secret is gone before its replacement is created.

    A recovery window of 0 days deletes an AWS secret at once, and
    `deleteBeforeReplace` deletes it before the new one is created.
    """
    old = diff.base.get(change.urn)
    new = diff.head.get(change.urn)
    if old is None or new is None or change.type != AWS_SECRET:
        return False
    immediate = old.props.get("recoveryWindowInDays") == 0
    return immediate and bool(new.options.get("deleteBeforeReplace"))


def _same_name_addition(
    removed: ResourceChange, rule: ReplacementRule, diff: ReportDiff
) -> str | None:
    """Return the name of an added resource that reuses a removed one's identity."""
    old = diff.base.get(removed.urn)
    if old is None:
        return None
    identity = [old.props.get(name) for name in rule.name_inputs]
    for added in diff.with_action(Action.ADD):
        new = diff.head.get(added.urn)
        if new is None or new.type != old.type:
            continue
        if [new.props.get(name) for name in rule.name_inputs] == identity:
            return new.name
    return None


def _role_impact(change: ResourceChange, diff: ReportDiff) -> Impact | None:
    rule = rule_for(change.type)
    if rule is None:
        return _unknown_impact(change, diff)
    if _is_certificate_authority(change, rule, diff):
        return _ca_impact(change, diff)

    builders = {
        Role.STORE: _store_impact,
        Role.ENCRYPTION_KEY: _key_impact,
        Role.CREDENTIAL: _credential_impact,
        Role.CERTIFICATE: _certificate_impact,
        Role.ACCESS: _access_impact,
        Role.STORED_VALUE: _stored_value_impact,
    }
    builder = builders.get(rule.role)
    if builder is not None:
        return builder(change, diff)
    if change.action is Action.REMOVE:
        return None
    return _other_impact(change, diff)


def _is_certificate_authority(
    change: ResourceChange, rule: ReplacementRule, diff: ReportDiff
) -> bool:
    if rule.role is Role.CERTIFICATE_AUTHORITY:
        return True
    resource = _resource(change, diff)
    return (
        rule.role is Role.CERTIFICATE
        and resource is not None
        and bool(resource.props.get("isCaCertificate"))
    )


def _ca_impact(change: ResourceChange, diff: ReportDiff) -> Impact:
    verb = "replaced" if change.is_replacement else "deleted"
    summary = (
        f"The CA is {verb}: every certificate it signed stops verifying for "
        "clients that trust only the old CA, so distribute the new CA bundle "
        "before the old one is removed."
    )
    keys = _upstream_keys(change, diff)
    if keys:
        summary += f" Its private key {', '.join(keys)} is replaced too."
    return _impact(
        ImpactKind.CERTIFICATE_AUTHORITY,
        change,
        diff,
        summary,
        _downstream_names(change.urn, diff),
    )


def _store_impact(change: ResourceChange, diff: ReportDiff) -> Impact:
    resource = _resource(change, diff)
    contents = _store_contents(change.type, resource)
    verb = "replaced" if change.is_replacement else "deleted"
    summary = f"The store is {verb}: {contents}."
    return _impact(
        ImpactKind.STORE_DELETED,
        change,
        diff,
        summary,
        _downstream_names(change.urn, diff),
    )


def _store_contents(resource_type: str, resource: ReportResource | None) -> str:
    """Return what is lost with a store, in plain words."""
    mount_type = str(resource.props.get("type", "")) if resource else ""
    if resource_type == "azure-native:resources:ResourceGroup":
        return "every resource in the group is deleted, its key vault included"
    if resource_type == "vault:index/mount:Mount":
        if mount_type in ("kv", "kv-v2"):
            return "every secret in this KV mount is deleted, with all versions"
        if mount_type == "transit":
            return (
                "every transit key in it is deleted, so data encrypted with "
                "them can no longer be decrypted"
            )
        if mount_type == "pki":
            return "its CA and every certificate it issued are deleted"
        return "everything stored under the mount is deleted"
    return "every version of the secret is deleted"


def _key_impact(change: ResourceChange, diff: ReportDiff) -> Impact:
    verb = "replaced" if change.is_replacement else "deleted"
    summary = (
        f"The encryption key is {verb}: data encrypted with the old key can "
        "no longer be decrypted once it is gone."
    )
    return _impact(ImpactKind.ENCRYPTION_KEY, change, diff, summary)


def _credential_impact(change: ResourceChange, diff: ReportDiff) -> Impact | None:
    if change.action is Action.REMOVE:
        return None
    if _signs_a_certificate_authority(change.urn, diff):
        # The CA's own impact names this key; rotating it alone is the CA change.
        return None

    service = service_of(change.urn, diff.head)
    credential = _credential_name(change.urn, diff.head)
    summary = (
        f"{credential} gets a new value: consumers of {service} must pick it "
        f"up{_cause(change, diff)}."
    )
    return _impact(
        ImpactKind.CREDENTIAL_ROTATION,
        change,
        diff,
        summary,
        _downstream_names(change.urn, diff),
    )


def _certificate_impact(change: ResourceChange, diff: ReportDiff) -> Impact | None:
    if change.action is Action.REMOVE:
        return None
    service = service_of(change.urn, diff.head)
    summary = (
        f"The certificate is issued again with a new serial and validity: "
        f"{service} must load it{_cause(change, diff)}."
    )
    return _impact(
        ImpactKind.CERTIFICATE_REISSUE,
        change,
        diff,
        summary,
        _downstream_names(change.urn, diff),
    )


def _access_impact(change: ResourceChange, diff: ReportDiff) -> Impact:
    consequences = {
        "vault:appRole/authBackendRole:AuthBackendRole": _approle_consequence(
            change, diff
        ),
        "vault:index/authBackend:AuthBackend": (
            "every role under the backend is deleted and every token issued "
            "through it is revoked"
        ),
        "vault:jwt/authBackend:AuthBackend": (
            "every role under the backend is deleted and every token issued "
            "through it is revoked"
        ),
    }
    verb = "replaced" if change.is_replacement else "deleted"
    consequence = consequences.get(
        change.type, "logins or grants that use it fail until it is created again"
    )
    summary = f"It is {verb}: {consequence}."
    return _impact(ImpactKind.ACCESS, change, diff, summary)


def _approle_consequence(change: ResourceChange, diff: ReportDiff) -> str:
    resource = _resource(change, diff)
    if resource is not None and resource.props.get("roleId"):
        return (
            "its secret_ids are deleted, so consumers must pick up a new "
            "secret_id (the declared role_id stays)"
        )
    return (
        "the role gets a new role_id and its secret_ids are deleted, so "
        "consumers must pick up a new role_id and secret_id"
    )


def _stored_value_impact(change: ResourceChange, diff: ReportDiff) -> Impact | None:
    # A copy written again because its credential rotated, or because its
    # mount moved, is listed with the rotation or the move.
    if change.action is Action.REMOVE or not change.forcing:
        return None
    if set(change.forcing) == {"mount"} and _mount_moved(change.urn, diff):
        return None
    return _other_impact(change, diff)


def _mount_moved(urn: str, diff: ReportDiff) -> bool:
    resource = diff.head.get(urn)
    if resource is None:
        return False
    return any(
        (mount := diff.get(dependency)) is not None and bool(mount.moved_by)
        for dependency in resource.dependencies
    )


def _other_impact(change: ResourceChange, diff: ReportDiff) -> Impact:
    summary = f"It is deleted and created again{_cause(change, diff)}."
    return _impact(ImpactKind.OTHER, change, diff, summary)


def _unknown_impact(change: ResourceChange, diff: ReportDiff) -> Impact | None:
    if change.action is Action.REMOVE:
        return None
    summary = (
        "Its type is not in the replacement table, so the offline diff cannot "
        "tell whether the provider replaces it. Check `pulumi preview`."
    )
    return _impact(ImpactKind.UNKNOWN, change, diff, summary)


def _update_impacts(change: ResourceChange, diff: ReportDiff) -> list[Impact]:
    impacts: list[Impact] = []
    if change.moved_by:
        impacts.append(_move_impact(change, diff))
    if change.schedule_moved_by:
        impacts.append(_schedule_impact(change, diff))
    if not change.known_type and change.changed_props:
        unknown = _unknown_impact(change, diff)
        if unknown is not None:
            impacts.append(unknown)
    return impacts


def _move_impact(change: ResourceChange, diff: ReportDiff) -> Impact:
    rule = rule_for(change.type)
    if rule is not None and rule.role is Role.STORE:
        summary = (
            "The mount moves to a new path (Vault remount): its secrets move "
            "with it, and every policy, client and reference that uses the old "
            "path breaks."
        )
        followers = [r.name for r in _head_dependents(change.urn, diff.head)]
        return _impact(ImpactKind.STORE_MOVED, change, diff, summary, followers)
    summary = (
        "The auth backend moves to a new path: clients must log in at the new path."
    )
    return _impact(ImpactKind.ACCESS, change, diff, summary)


def _schedule_impact(change: ResourceChange, diff: ReportDiff) -> Impact:
    inputs = ", ".join(f"`{name}`" for name in change.schedule_moved_by)
    summary = (
        f"{inputs} changed, so the next rotation time moves and the "
        "credentials keyed on this trigger rotate at that time. The provider "
        "updates the trigger in place, so this change itself rotates nothing."
    )
    followers = [r.name for r in _head_dependents(change.urn, diff.head)]
    return _impact(ImpactKind.ROTATION_SCHEDULE, change, diff, summary, followers)


def _cause(change: ResourceChange, diff: ReportDiff) -> str:
    """Return ", because ..." naming what forces the change, or nothing."""
    if change.forcing:
        names = ", ".join(f"`{name}`" for name in change.forcing)
        return f", because {names} changed"
    sources = sorted({urn for urn, _ in change.replaced_through})
    if sources:
        names = ", ".join(_name_of(urn, diff) for urn in sources)
        return f", because it derives from replaced {names}"
    return ""


def _name_of(urn: str, diff: ReportDiff) -> str:
    resource = diff.head.get(urn) or diff.base.get(urn)
    return resource.name if resource is not None else urn


def _downstream_names(urn: str, diff: ReportDiff) -> list[str]:
    """Return the names of changes that take a new value from `urn`, transitively."""
    seen: list[str] = []
    pending = [urn]
    while pending:
        source = pending.pop(0)
        for change in diff.changes:
            sources = {s for s, _ in change.replaced_through + change.new_values_from}
            if source in sources and change.urn not in seen and change.urn != urn:
                seen.append(change.urn)
                pending.append(change.urn)
    return [_name_of(found, diff) for found in seen]


def _upstream_keys(change: ResourceChange, diff: ReportDiff) -> list[str]:
    """Return the names of replaced private keys a self-signed CA is made from."""
    keys: list[str] = []
    for source, input_name in change.replaced_through:
        name = _name_of(source, diff)
        if input_name == "privateKeyPem" and name not in keys:
            keys.append(name)
    return keys


def _signs_a_certificate_authority(urn: str, diff: ReportDiff) -> bool:
    """Tell whether a replaced key is a CA's own key, directly or through a CSR."""
    for change in diff.changes:
        if not change.is_replacement:
            continue
        if urn not in {s for s, _ in change.replaced_through}:
            continue
        rule = rule_for(change.type)
        if rule is not None and _is_certificate_authority(change, rule, diff):
            return True
        if change.type == CERT_REQUEST and _signs_a_certificate_authority(
            change.urn, diff
        ):
            return True
    return False


def _head_dependents(urn: str, index: ReportIndex) -> list[ReportResource]:
    """Return every resource that depends on `urn`, directly or not."""
    found: dict[str, ReportResource] = {}
    pending = [urn]
    while pending:
        for dependent in index.dependents(pending.pop(0)):
            if dependent.urn not in found:
                found[dependent.urn] = dependent
                pending.append(dependent.urn)
    return list(found.values())


def _credential_name(urn: str, index: ReportIndex) -> str:
    """Return the resource name without its nearest ancestor's name prefix."""
    resource = index.get(urn)
    if resource is None:
        return urn
    for ancestor in index.ancestors(urn):
        prefix = f"{ancestor.name}-"
        if resource.name.startswith(prefix):
            return resource.name[len(prefix) :]
    return resource.name
