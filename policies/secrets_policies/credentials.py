"""Rules for generated credentials: rotation triggers and password shape."""

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
from .units import InvalidNumber, number
from .values import UNKNOWN, Unknown

RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"
RANDOM_STRING = "random:index/randomString:RandomString"
RANDOM_BYTES = "random:index/randomBytes:RandomBytes"
RANDOM_TYPES = (RANDOM_PASSWORD, RANDOM_STRING, RANDOM_BYTES)
PRIVATE_KEY = "tls:index/privateKey:PrivateKey"
ROTATING = "time:index/rotating:Rotating"

# Name fragments that tell a credential's kind, first match wins.
CREDENTIAL_KINDS = (
    ("signing-key", "maxSigningKeyLifetimeDays"),
    ("refresh-token", "maxSigningKeyDays"),
    ("api-token", "maxApiTokenDays"),
    ("password", "maxDatabasePasswordDays"),
)
SIGNING_KEY_MARKER = "signing-key"

# Upper bounds in days for the period fields of time.Rotating.
DAYS_PER_PERIOD_FIELD = {
    "rotationMinutes": 1 / 1440,
    "rotationHours": 1 / 24,
    "rotationDays": 1,
    "rotationMonths": 31,
    "rotationYears": 366,
}


def ceiling_setting(credential: Declared) -> str:
    for fragment, setting in CREDENTIAL_KINDS:
        if fragment in credential.name:
            return setting
    return "maxOtherDays"


def rotation_days(rotating: Declared) -> float | Unknown | None:
    """Return an upper bound of a Rotating's period in days (31-day months).

    Returns `None` when no period is set, `UNKNOWN` when one is unknown.
    """
    total = 0.0
    for field, days in DAYS_PER_PERIOD_FIELD.items():
        value = rotating.props.get(field)
        if value is UNKNOWN:
            return UNKNOWN
        total += (number(value, field) or 0) * days
    return total if total > 0 else None


def random_values(view: StackView) -> list[Declared]:
    return [random for t in RANDOM_TYPES for random in view.of_type(t)]


def signing_keys(view: StackView) -> list[Declared]:
    return [key for key in view.of_type(PRIVATE_KEY) if SIGNING_KEY_MARKER in key.name]


def report_missing_triggers(
    view: StackView,
    credentials: list[Declared],
    prop: str,
    thresholds: Thresholds,
    report_violation: ReportViolation,
) -> None:
    """Report credentials without a Rotating in `prop` (any dependency if empty)."""
    for credential in credentials:
        triggers = [
            dependency
            for dependency in view.dependencies(credential, prop or None)
            if dependency.type == ROTATING
        ]
        ceiling = thresholds[ceiling_setting(credential)]
        message = _trigger_problem(triggers, prop, ceiling)
        if message:
            report_violation(f"{resource_label(credential)}: {message}", credential.urn)


def check_random_triggers(
    view: StackView, thresholds: Thresholds, report_violation: ReportViolation
) -> None:
    credentials = random_values(view)
    report_missing_triggers(view, credentials, "keepers", thresholds, report_violation)


def check_signing_key_triggers(
    view: StackView, thresholds: Thresholds, report_violation: ReportViolation
) -> None:
    keys = signing_keys(view)
    report_missing_triggers(view, keys, "", thresholds, report_violation)


def _trigger_problem(triggers: list[Declared], prop: str, ceiling: int) -> str | None:
    if not triggers and prop:
        return (
            f"no time.Rotating is in its {prop}, so the value never rotates; add "
            f"a Rotating of at most {ceiling} days there."
        )
    if not triggers:
        return (
            "no time.Rotating is among its dependencies, and a replacement_trigger "
            "alone is invisible to policies; add depends_on=[<rotation>] with a "
            f"Rotating of at most {ceiling} days."
        )
    try:
        periods = [rotation_days(trigger) for trigger in triggers]
    except InvalidNumber as error:
        return f"its time.Rotating's {error}"
    if any(period is UNKNOWN for period in periods):
        return "the rotation period cannot be verified during preview; use a literal."
    known = [period for period in periods if isinstance(period, float)]
    if not known:
        return "its time.Rotating sets no rotation period; set rotationDays."
    if min(known) > ceiling:
        return f"it rotates less often than every {ceiling} days; shorten rotationDays."
    return None


def check_length(args: ResourceCheckArgs, report: Report) -> None:
    is_bytes = args.resource_type == RANDOM_BYTES
    setting = "minBytes" if is_bytes else "minLength"
    minimum = args.thresholds[setting]
    length = args.props.get("length")
    if length is UNKNOWN:
        report("length cannot be verified during preview; set it to a literal.")
    elif (number(length, "length") or 0) < minimum:
        report(f"length is below the minimum; set it to at least {minimum}.")


def check_url_safe_special(args: ResourceCheckArgs, report: Report) -> None:
    props = args.props
    if props.get("special") is False:
        return
    allowed = set(args.thresholds["allowedSpecialCharacters"])
    override = props.get("overrideSpecial")
    if override is UNKNOWN:
        report("overrideSpecial cannot be verified during preview; use a literal.")
    elif not isinstance(override, str) or not override:
        report(
            "special characters are on without overrideSpecial, and the default "
            "set has characters that break connection URLs; set overrideSpecial "
            f"to characters from '{''.join(sorted(allowed))}' or special to false."
        )
    elif not set(override) <= allowed:
        report(
            "overrideSpecial has characters that break connection URLs; use only "
            f"characters from '{''.join(sorted(allowed))}'."
        )


def check_special_flags(args: ResourceCheckArgs, report: Report) -> None:
    min_special = args.props.get("minSpecial")
    if (
        args.props.get("special") is False
        and (number(min_special, "minSpecial") or 0) > 0
    ):
        report(
            "special is false but minSpecial is above 0, which cannot be met; "
            "remove minSpecial or turn special on."
        )


def check_rotating_base(
    view: StackView, thresholds: Thresholds, report_violation: ReportViolation
) -> None:
    for rotating in view.of_type(ROTATING):
        if view.sets_input(rotating, "rfc3339") and not view.dependencies(
            rotating, "rfc3339"
        ):
            report_violation(
                f"{resource_label(rotating)}: rfc3339 is a constant timestamp, so "
                "the rotation is due on every run; remove it, or derive it from "
                "another resource's output.",
                rotating.urn,
            )
        if view.sets_input(rotating, "rotationRfc3339"):
            report_violation(
                f"{resource_label(rotating)}: rotationRfc3339 fixes one rotation "
                "date; use rotationDays instead.",
                rotating.urn,
            )


def _trigger_settings() -> list[Setting]:
    return [
        Setting("maxDatabasePasswordDays", "integer", 30, "Passwords, in days."),
        Setting("maxSigningKeyDays", "integer", 90, "Token signing secrets."),
        Setting("maxApiTokenDays", "integer", 90, "API tokens, in days."),
        Setting("maxOtherDays", "integer", 90, "Other generated values."),
    ]


def _key_trigger_settings() -> list[Setting]:
    return [
        Setting(
            "maxSigningKeyLifetimeDays",
            "integer",
            180,
            "Signing keys, which sign for one period and verify for the next.",
        )
    ]


def build() -> list[Policy]:
    mandatory = EnforcementLevel.MANDATORY
    return [
        stack_policy(
            name="credential-rotation-trigger",
            description=(
                "Generated random values have a time.Rotating in their keepers "
                "within the ceiling for their kind."
            ),
            level=mandatory,
            check=check_random_triggers,
            settings=_trigger_settings(),
        ),
        stack_policy(
            name="signing-key-rotation-trigger",
            description=(
                "Signing keys depend on a time.Rotating that replaces them within "
                "the ceiling."
            ),
            level=mandatory,
            check=check_signing_key_triggers,
            settings=_key_trigger_settings(),
        ),
        resource_policy(
            name="random-password-length",
            description=(
                "Generated passwords, strings and bytes meet the minimum length."
            ),
            level=mandatory,
            resource_types=RANDOM_TYPES,
            check=check_length,
            settings=[
                Setting("minLength", "integer", 32, "Characters for passwords."),
                Setting("minBytes", "integer", 32, "Bytes for RandomBytes."),
            ],
        ),
        resource_policy(
            name="random-password-url-safe",
            description="Generated passwords use only URL-safe special characters.",
            level=mandatory,
            resource_types=[RANDOM_PASSWORD, RANDOM_STRING],
            check=check_url_safe_special,
            settings=[
                Setting(
                    "allowedSpecialCharacters",
                    "string",
                    "-_.~",
                    "Special characters allowed in overrideSpecial.",
                )
            ],
        ),
        resource_policy(
            name="random-password-special-flags",
            description=(
                "Generated passwords do not ask for special characters they forbid."
            ),
            level=mandatory,
            resource_types=[RANDOM_PASSWORD, RANDOM_STRING],
            check=check_special_flags,
        ),
        stack_policy(
            name="time-rotating-fixed-base",
            description=(
                "Rotation triggers take their base timestamp from another "
                "resource or leave it unset."
            ),
            level=mandatory,
            check=check_rotating_base,
        ),
    ]
