"""Rules for GCP Secret Manager secrets and their IAM grants."""

from __future__ import annotations

import re

from pulumi_policy import EnforcementLevel, Policy

from .framework import Report, ResourceCheckArgs, Setting, resource_policy
from .units import SECONDS_PER_DAY
from .values import UNKNOWN, is_set, lookup

SECRET = "gcp:secretmanager/secret:Secret"
AUTHORITATIVE_IAM_TYPES = (
    "gcp:secretmanager/secretIamBinding:SecretIamBinding",
    "gcp:secretmanager/secretIamPolicy:SecretIamPolicy",
    "gcp:projects/iAMBinding:IAMBinding",
    "gcp:projects/iAMPolicy:IAMPolicy",
)
ROTATION_PERIOD = re.compile(r"(\d+)(\.\d+)?s")


def check_replication(args: ResourceCheckArgs, report: Report) -> None:
    if not is_set(args.props.get("replication")):
        report("replication is not set; set replication.auto or userManaged.")


def check_rotation(args: ResourceCheckArgs, report: Report) -> None:
    ceiling_days = args.thresholds["maxRotationDays"]
    _check_rotation_period(
        lookup(args.props, "rotation", "rotationPeriod"), ceiling_days, report
    )
    if not is_set(lookup(args.props, "rotation", "nextRotationTime")):
        report(
            "rotation.nextRotationTime is not set; anchor it to the rotation trigger."
        )
    if not is_set(args.props.get("topics")):
        report("topics is empty, so nobody hears the rotation; add a Pub/Sub topic.")


def _check_rotation_period(period: object, ceiling_days: int, report: Report) -> None:
    match = ROTATION_PERIOD.fullmatch(period) if isinstance(period, str) else None
    if period is UNKNOWN:
        report(
            "rotation.rotationPeriod cannot be verified during preview; use a literal."
        )
    elif not is_set(period):
        report(
            "rotation.rotationPeriod is not set; set it in seconds (like "
            f"'2592000s') to at most {ceiling_days} days."
        )
    elif match is None:
        report(
            "rotation.rotationPeriod is invalid: expected seconds with an s "
            "suffix (like '2592000s')."
        )
    elif int(match.group(1)) > ceiling_days * SECONDS_PER_DAY:
        report(f"rotation.rotationPeriod exceeds {ceiling_days} days; shorten it.")


def check_additive_grant(args: ResourceCheckArgs, report: Report) -> None:
    report(
        "Authoritative IAM bindings and policies replace grants made elsewhere; "
        "grant each member with a SecretIamMember instead."
    )


def build() -> list[Policy]:
    mandatory = EnforcementLevel.MANDATORY
    return [
        resource_policy(
            name="gcp-secret-replication",
            description="Secret Manager secrets declare their replication.",
            level=mandatory,
            resource_types=[SECRET],
            check=check_replication,
        ),
        resource_policy(
            name="gcp-secret-rotation",
            description=(
                "Secret Manager secrets rotate within the ceiling and notify a topic."
            ),
            level=mandatory,
            resource_types=[SECRET],
            check=check_rotation,
            settings=[
                Setting("maxRotationDays", "integer", 90, "Ceiling for rotationPeriod.")
            ],
        ),
        resource_policy(
            name="gcp-iam-additive-members",
            description="GCP secret access is granted by additive IAM members only.",
            level=mandatory,
            resource_types=AUTHORITATIVE_IAM_TYPES,
            check=check_additive_grant,
        ),
    ]
