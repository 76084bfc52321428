"""Rules for Vault's shared engines: audit, PKI roles and transit keys."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, Policy, ReportViolation

from .framework import (
    Report,
    ResourceCheckArgs,
    Setting,
    StackView,
    Thresholds,
    resource_policy,
    stack_policy,
)
from .units import SECONDS_PER_DAY, duration_seconds, number
from .values import UNKNOWN, is_set

AUDIT = "vault:index/audit:Audit"
PKI_ROLE = "vault:pkiSecret/secretBackendRole:SecretBackendRole"
TRANSIT_KEY = "vault:transit/secretBackendKey:SecretBackendKey"


def check_audit_device(
    view: StackView, thresholds: Thresholds, report_violation: ReportViolation
) -> None:
    if thresholds["auditInServerConfig"] or view.of_type(AUDIT):
        return
    report_violation(
        "No Vault audit device is declared, so secret reads leave no trace; "
        "declare a vault.Audit, or set auditInServerConfig for a server whose "
        "config file declares the device.",
        None,
    )


def check_pki_role(args: ResourceCheckArgs, report: Report) -> None:
    props = args.props
    if props.get("allowAnyName") not in (None, False):
        report("allowAnyName is true; remove it and list allowedDomains.")
    _check_wildcards(props, args.thresholds["allowWildcardCertificates"], report)
    if props.get("allowIpSans") is not False and not args.thresholds["allowIpSans"]:
        report("allowIpSans is not false (Vault defaults it to true); set it to false.")
    if props.get("enforceHostnames") not in (None, True):
        report("enforceHostnames is not true; remove it so names must be hostnames.")
    if not is_set(props.get("allowedDomains")):
        report("allowedDomains is empty; list the domains the role may issue for.")
    _check_max_ttl(props.get("maxTtl"), args.thresholds["maxTtlSeconds"], report)


def _check_wildcards(props: dict, allowed: bool, report: Report) -> None:
    if allowed or props.get("allowWildcardCertificates") is False:
        return
    report(
        "allowWildcardCertificates is not false (Vault defaults it to true), so "
        "the role issues wildcard certificates. Set it to false, or allow "
        "wildcard server names with allowWildcardCertificates: true under "
        "vault-pki-role-constraints in policies/config/<stack>.json."
    )


def _check_max_ttl(value: object, ceiling: int, report: Report) -> None:
    seconds = duration_seconds(value, "maxTtl")
    if value is UNKNOWN:
        report("maxTtl cannot be verified during preview; set it to a literal.")
    elif seconds is None or seconds <= 0:
        report(f"maxTtl is not set; set it to at most {ceiling} seconds.")
    elif seconds > ceiling:
        report(f"maxTtl exceeds the ceiling; set it to at most {ceiling} seconds.")


def check_transit_key(args: ResourceCheckArgs, report: Report) -> None:
    props = args.props
    for flag in ("exportable", "deletionAllowed", "allowPlaintextBackup"):
        if props.get(flag) is not None and props.get(flag) is not False:
            report(f"{flag} is not false, so the key can leave Vault; set it false.")

    ceiling_days = args.thresholds["maxAutoRotateDays"]
    period = number(props.get("autoRotatePeriod"), "autoRotatePeriod")
    if props.get("autoRotatePeriod") is UNKNOWN:
        report("autoRotatePeriod cannot be verified during preview; set a literal.")
    elif period is None or period <= 0:
        report(
            f"autoRotatePeriod is not set, so the key never rotates; set it to at "
            f"most {ceiling_days} days in seconds."
        )
    elif period > ceiling_days * SECONDS_PER_DAY:
        report(f"autoRotatePeriod exceeds {ceiling_days} days; shorten it.")


def build() -> list[Policy]:
    mandatory = EnforcementLevel.MANDATORY
    return [
        stack_policy(
            name="vault-audit-device",
            description="The stack declares a Vault audit device.",
            level=mandatory,
            check=check_audit_device,
            settings=[
                Setting(
                    "auditInServerConfig",
                    "boolean",
                    False,
                    "The server's config file declares the audit device (OpenBao).",
                )
            ],
        ),
        resource_policy(
            name="vault-pki-role-constraints",
            description=(
                "Vault PKI roles issue only hostnames in listed domains, with a "
                "bounded maxTtl."
            ),
            level=mandatory,
            resource_types=[PKI_ROLE],
            check=check_pki_role,
            settings=[
                Setting("maxTtlSeconds", "integer", 2592000, "Ceiling for maxTtl."),
                Setting("allowIpSans", "boolean", False, "Allow IP address SANs."),
                Setting(
                    "allowWildcardCertificates",
                    "boolean",
                    False,
                    "Allow wildcard certificates (*. server names).",
                ),
            ],
        ),
        resource_policy(
            name="vault-transit-key-rotation",
            description=(
                "Transit keys rotate automatically and can be neither exported "
                "nor deleted."
            ),
            level=mandatory,
            resource_types=[TRANSIT_KEY],
            check=check_transit_key,
            settings=[
                Setting(
                    "maxAutoRotateDays", "integer", 90, "Ceiling for autoRotatePeriod."
                )
            ],
        ),
    ]
