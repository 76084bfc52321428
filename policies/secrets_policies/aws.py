"""Rules for AWS Secrets Manager secrets and their KMS keys."""

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
from .units import number
from .values import UNKNOWN

SECRET = "aws:secretsmanager/secret:Secret"
SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
KMS_KEY = "aws:kms/key:Key"
AWS_MANAGED_ALIAS_MARKER = "alias/aws/"
# AWS defaults for absent properties.
DEFAULT_KEY_ROTATION_DAYS = 365
DEFAULT_RECOVERY_WINDOW_DAYS = 30


def check_customer_key(
    view: StackView, thresholds: Thresholds, report_violation: ReportViolation
) -> None:
    for secret in view.of_type(SECRET):
        message = _customer_key_problem(view, secret)
        if message:
            report_violation(f"{resource_label(secret)}: {message}", secret.urn)


def _customer_key_problem(view: StackView, secret: Declared) -> str | None:
    key_id = secret.props.get("kmsKeyId")
    from_key = any(d.type == KMS_KEY for d in view.dependencies(secret, "kmsKeyId"))
    if key_id is None or key_id == "":
        return (
            "kmsKeyId is not set, so AWS encrypts with its managed key; pass a kms.Key."
        )
    if isinstance(key_id, str) and AWS_MANAGED_ALIAS_MARKER in key_id:
        return "kmsKeyId names the AWS managed key; pass a customer-managed kms.Key."
    if key_id is UNKNOWN and not from_key:
        return (
            "kmsKeyId cannot be verified during preview and does not come from "
            "a declared kms.Key; pass the key's arn."
        )
    return None


def check_key_rotation(args: ResourceCheckArgs, report: Report) -> None:
    ceiling = args.thresholds["maxRotationPeriodDays"]
    if args.props.get("enableKeyRotation") is not True:
        report("enableKeyRotation is not true; turn on automatic key rotation.")
    period = args.props.get("rotationPeriodInDays")
    days = (
        DEFAULT_KEY_ROTATION_DAYS
        if period is None
        else number(period, "rotationPeriodInDays")
    )
    if days is None or days > ceiling:
        report(
            f"rotationPeriodInDays is unknown or above {ceiling} days (AWS defaults "
            f"to {DEFAULT_KEY_ROTATION_DAYS}); set it to at most {ceiling}."
        )


def check_secret_policies(
    view: StackView, thresholds: Thresholds, report_violation: ReportViolation
) -> None:
    attached = set()
    for secret_policy in view.of_type(SECRET_POLICY):
        attached |= _attached_secret_urns(view, secret_policy)
    for secret in view.of_type(SECRET):
        if secret.urn not in attached:
            report_violation(
                f"{resource_label(secret)} has no secretsmanager.SecretPolicy; "
                "attach one that grants only its service's principal.",
                secret.urn,
            )


def _attached_secret_urns(view: StackView, secret_policy: Declared) -> set[str]:
    """Return the secrets a SecretPolicy attaches to, by reference or by ARN."""
    arn = secret_policy.props.get("secretArn")
    urns = {d.urn for d in view.dependencies(secret_policy, "secretArn")}
    if isinstance(arn, str):
        for prop in ("arn", "id"):
            urns |= {s.urn for s in view.by_text_prop(SECRET, prop).get(arn, [])}
    return {urn for urn in urns if view.by_urn[urn].type == SECRET}


def check_recovery_window(args: ResourceCheckArgs, report: Report) -> None:
    low = args.thresholds["minRecoveryWindowDays"]
    high = args.thresholds["maxRecoveryWindowDays"]
    window = args.props.get("recoveryWindowInDays")
    days = (
        DEFAULT_RECOVERY_WINDOW_DAYS
        if window is None
        else number(window, "recoveryWindowInDays")
    )
    if days is None or not low <= days <= high:
        report(
            "recoveryWindowInDays is unknown or outside the allowed range (0 "
            f"deletes at once); set it between {low} and {high}."
        )


def build() -> list[Policy]:
    mandatory = EnforcementLevel.MANDATORY
    return [
        stack_policy(
            name="aws-secret-customer-kms-key",
            description=(
                "Secrets Manager secrets are encrypted with a customer-managed key."
            ),
            level=mandatory,
            check=check_customer_key,
        ),
        resource_policy(
            name="aws-kms-key-rotation",
            description="KMS keys rotate automatically within the ceiling.",
            level=mandatory,
            resource_types=[KMS_KEY],
            check=check_key_rotation,
            settings=[
                Setting(
                    "maxRotationPeriodDays", "integer", 365, "Ceiling for key rotation."
                )
            ],
        ),
        stack_policy(
            name="aws-secret-resource-policy",
            description="Every Secrets Manager secret has a resource policy.",
            level=mandatory,
            check=check_secret_policies,
        ),
        resource_policy(
            name="aws-secret-recovery-window",
            description="Deleted secrets stay recoverable for the configured window.",
            level=mandatory,
            resource_types=[SECRET],
            check=check_recovery_window,
            settings=[
                Setting(
                    "minRecoveryWindowDays", "integer", 7, "Lowest window; 0 = none."
                ),
                Setting("maxRecoveryWindowDays", "integer", 30, "Highest window."),
            ],
        ),
    ]
