"""Values for `random:` and `time:` resources, made the way the providers do."""

from __future__ import annotations

import base64
import datetime
import secrets
import string
import uuid
from typing import Any

from harness.secret_values import wrap_secret
from harness.time_values import add_months, rfc3339, time_parts

# The random provider's default special characters.
DEFAULT_SPECIAL = "!@#$%&*()-_=+[]{}<>:?"


class GeneratedInputError(ValueError):
    """A `random:` or `time:` input the provider would reject."""


def random_password(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return a RandomPassword honouring length, classes and `min*` rules."""
    result = _random_string(name, inputs)
    return "none", {"result": wrap_secret(result), "bcryptHash": wrap_secret("")}


def random_string(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return a RandomString (same rules as RandomPassword, not secret)."""
    result = _random_string(name, inputs)
    return result, {"result": result}


def _random_string(name: str, inputs: dict[str, Any]) -> str:
    length = int(inputs.get("length") or 0)
    classes = _character_classes(inputs)
    required = [
        secrets.choice(chars) for chars, minimum in classes for _ in range(minimum)
    ]
    pool = "".join(chars for chars, _ in classes)
    if length < 1 or not pool or len(required) > length:
        raise GeneratedInputError(
            f"random resource '{name}': length {length} cannot hold the enabled "
            "character classes and their min* counts"
        )
    characters = required + [
        secrets.choice(pool) for _ in range(length - len(required))
    ]
    secrets.SystemRandom().shuffle(characters)
    return "".join(characters)


def _character_classes(inputs: dict[str, Any]) -> list[tuple[str, int]]:
    """Return (characters, minimum count) for each enabled class."""
    special = inputs.get("overrideSpecial")
    if special is None or special == "":
        special = DEFAULT_SPECIAL
    classes = [
        ("upper", string.ascii_uppercase, "minUpper"),
        ("lower", string.ascii_lowercase, "minLower"),
        ("numeric", string.digits, "minNumeric"),
        ("special", special, "minSpecial"),
    ]
    return [
        (chars, int(inputs.get(minimum) or 0))
        for flag, chars, minimum in classes
        if inputs.get(flag, True) is not False
    ]


def random_bytes(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return RandomBytes as base64 and hex, both secret."""
    length = int(inputs.get("length") or 0)
    if length < 1:
        raise GeneratedInputError(f"random.RandomBytes '{name}': length must be >= 1")
    raw = secrets.token_bytes(length)
    outputs = {
        "base64": wrap_secret(base64.b64encode(raw).decode()),
        "hex": wrap_secret(raw.hex()),
    }
    return "none", outputs


def random_id(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return a RandomId in each of the provider's encodings."""
    raw = secrets.token_bytes(int(inputs.get("byteLength") or 8))
    prefix = inputs.get("prefix") or ""
    b64_url = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    outputs = {
        "hex": prefix + raw.hex(),
        "b64Url": prefix + b64_url,
        "b64Std": prefix + base64.b64encode(raw).decode(),
        "dec": prefix + str(int.from_bytes(raw, "big")),
    }
    return b64_url, outputs


def random_uuid(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return a RandomUuid."""
    value = str(uuid.uuid4())
    return value, {"result": value}


def time_rotating(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return a Rotating anchored at its `rfc3339` input or now."""
    base = _parse_rfc3339(name, inputs.get("rfc3339")) or _now()
    if inputs.get("rotationRfc3339"):
        rotation = _parse_rfc3339(name, inputs["rotationRfc3339"])
    else:
        rotation = _shift(base, inputs, "rotation")
    if rotation is None or rotation <= base:
        raise GeneratedInputError(
            f"time.Rotating '{name}': set one of rotationDays, rotationHours, "
            "rotationMinutes, rotationMonths, rotationYears or rotationRfc3339"
        )
    outputs = {**time_parts(base), "rotationRfc3339": rfc3339(rotation)}
    return rfc3339(base), outputs


def time_offset(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return an Offset from its `baseRfc3339` input or now."""
    base = _parse_rfc3339(name, inputs.get("baseRfc3339")) or _now()
    moment = _shift(base, inputs, "offset")
    outputs = {**time_parts(moment), "baseRfc3339": rfc3339(base)}
    return rfc3339(base), outputs


def time_static(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return a Static at its `rfc3339` input or now."""
    moment = _parse_rfc3339(name, inputs.get("rfc3339")) or _now()
    return rfc3339(moment), time_parts(moment)


def _shift(
    base: datetime.datetime, inputs: dict[str, Any], prefix: str
) -> datetime.datetime:
    """Return `base` moved by the `<prefix>Years`..`<prefix>Seconds` inputs."""
    months = int(inputs.get(f"{prefix}Years") or 0) * 12
    months += int(inputs.get(f"{prefix}Months") or 0)
    moved = add_months(base, months)
    return moved + datetime.timedelta(
        days=int(inputs.get(f"{prefix}Days") or 0),
        hours=int(inputs.get(f"{prefix}Hours") or 0),
        minutes=int(inputs.get(f"{prefix}Minutes") or 0),
        seconds=int(inputs.get(f"{prefix}Seconds") or 0),
    )


def _parse_rfc3339(name: str, text: Any) -> datetime.datetime | None:
    if not text:
        return None
    try:
        moment = datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise GeneratedInputError(
            f"time resource '{name}': '{text}' is not an RFC 3339 timestamp"
        ) from None
    return moment.astimezone(datetime.UTC)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)
