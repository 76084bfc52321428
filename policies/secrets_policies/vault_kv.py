"""Rules for Vault KV v2 mounts, their secrets and path-keyed replacements."""

from __future__ import annotations

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
from .values import UNKNOWN, lookup

MOUNT = "vault:index/mount:Mount"
SECRET_V2 = "vault:kv/secretV2:SecretV2"
KV_TYPES = frozenset({"kv", "kv-v2", "generic"})

# Vault resources whose identity is their path: a replacement created before
# the old one is deleted writes the same path, then the delete removes it.
PATH_KEYED_TYPES = (
    MOUNT,
    SECRET_V2,
    "vault:index/policy:Policy",
    "vault:index/audit:Audit",
    "vault:index/authBackend:AuthBackend",
    "vault:jwt/authBackend:AuthBackend",
    "vault:appRole/authBackendRole:AuthBackendRole",
    "vault:jwt/authBackendRole:AuthBackendRole",
    "vault:transit/secretBackendKey:SecretBackendKey",
    "vault:pkiSecret/secretBackendRole:SecretBackendRole",
)


def is_kv_v2_mount(resource: Declared) -> bool:
    return (
        resource.type == MOUNT
        and resource.props.get("type") == "kv"
        and lookup(resource.props, "options", "version") == "2"
    )


def kv_v2_mounts(view: StackView) -> list[Declared]:
    return [mount for mount in view.of_type(MOUNT) if is_kv_v2_mount(mount)]


def check_mount_version(args: ResourceCheckArgs, report: Report) -> None:
    mount_type = args.props.get("type")
    if mount_type is UNKNOWN:
        report(
            "The mount type cannot be verified during preview; "
            "set type to the literal 'kv' with options.version '2'."
        )
        return
    if mount_type not in KV_TYPES:
        return

    if mount_type != "kv":
        report(
            "The KV mount uses a type spelling the provider replaces on every run, "
            "deleting its secrets; declare type 'kv' with options.version '2'."
        )
    elif lookup(args.props, "options", "version") != "2":
        report(
            "The KV mount is not version 2, so secrets have no versions or "
            "metadata; set options.version to '2'."
        )


def check_mount_protected(args: ResourceCheckArgs, report: Report) -> None:
    if not args.thresholds["requireProtected"]:
        return
    if args.props.get("type") in KV_TYPES and not args.protect:
        report(
            "The KV mount holds secrets but is not protected, so a replacement "
            "or a removed line deletes them; set ResourceOptions(protect=True)."
        )


def check_delete_before_replace(args: ResourceCheckArgs, report: Report) -> None:
    if args.delete_before_replace is not True:
        report(
            "The resource is identified by its Vault path, so a replacement "
            "created first is deleted with the old one; set "
            "ResourceOptions(delete_before_replace=True)."
        )


def check_secret_mounts(
    view: StackView, thresholds: Thresholds, report_violation: ReportViolation
) -> None:
    mount_urns = {mount.urn for mount in kv_v2_mounts(view)}
    for secret in view.of_type(SECRET_V2):
        message = _secret_mount_problem(view, secret, mount_urns)
        if message:
            report_violation(f"{resource_label(secret)}: {message}", secret.urn)


def _secret_mount_problem(
    view: StackView, secret: Declared, mount_urns: set[str]
) -> str | None:
    referenced = [
        mount for mount in view.dependencies(secret, "mount") if mount.urn in mount_urns
    ]
    mount_path = secret.props.get("mount")
    if not referenced:
        return (
            "the mount property does not come from a declared KV v2 mount "
            "resource, so the secret may be written before its mount exists; "
            "pass the mount resource's path output as mount."
        )
    if mount_path is UNKNOWN:
        return None
    if all(mount.props.get("path") != mount_path for mount in referenced):
        return "the mount property differs from the path of the mount it depends on."
    return None


def build() -> list[Policy]:
    return [
        resource_policy(
            name="vault-kv-mount-version-2",
            description="KV mounts are declared as type 'kv' with options.version '2'.",
            level=EnforcementLevel.MANDATORY,
            resource_types=[MOUNT],
            check=check_mount_version,
        ),
        resource_policy(
            name="vault-kv-mount-protected",
            description="KV mounts that hold secrets are protected from deletion.",
            level=EnforcementLevel.MANDATORY,
            resource_types=[MOUNT],
            check=check_mount_protected,
            settings=[
                Setting(
                    "requireProtected",
                    "boolean",
                    False,
                    "Require protect=True on KV mounts (prod).",
                )
            ],
        ),
        resource_policy(
            name="vault-path-delete-before-replace",
            description=(
                "Path-keyed Vault resources are deleted before their replacement "
                "is created."
            ),
            level=EnforcementLevel.MANDATORY,
            resource_types=PATH_KEYED_TYPES,
            check=check_delete_before_replace,
        ),
        stack_policy(
            name="vault-kv-secret-mount-reference",
            description=(
                "Each KV v2 secret names its mount through a declared KV v2 "
                "mount resource."
            ),
            level=EnforcementLevel.MANDATORY,
            check=check_secret_mounts,
        ),
    ]
