"""The pack's readers: ACL documents, durations and unknown preview values."""

from __future__ import annotations

import pytest
from pulumi_policy.proxy import (
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_STRING_VALUE,
    unknown_checking_proxy,
)

from policies.secrets_policies.hcl import PolicyParseError, parse_policy, path_matches
from policies.secrets_policies.units import InvalidNumber, duration_seconds, number
from policies.secrets_policies.values import (
    SECRET_SIGNATURE,
    SECRET_SIGNATURE_KEY,
    UNKNOWN,
    is_set,
    lookup,
    to_plain,
)
from policies.secrets_policies.vault_access import owns_path

HCL = """
# read the service's secrets
path "auth-service/kv/data/*" {
  capabilities = ["read", "list"]
  allowed_parameters = { "version" = [] }
}
/* metadata too */
path "auth-service/kv/metadata/*" { capabilities = ["list"] }
path "auth-service/kv/data/admin" { capabilities = ["deny"] }
"""


def test_parse_hcl_paths_and_capabilities() -> None:
    rules = parse_policy(HCL)
    assert [rule.path for rule in rules] == [
        "auth-service/kv/data/*",
        "auth-service/kv/metadata/*",
        "auth-service/kv/data/admin",
    ]
    assert rules[0].capabilities == {"read", "list"}, "nested block broke capabilities"
    assert rules[2].denies(), "deny rule not recognised"


def test_parse_json_policy() -> None:
    document = '{"path": {"secret/data/a/*": {"capabilities": ["read"]}}}'
    rules = parse_policy(document)
    assert [(rule.path, rule.grants_read()) for rule in rules] == [
        ("secret/data/a/*", True)
    ]


def test_parse_policy_without_paths_raises() -> None:
    with pytest.raises(PolicyParseError):
        parse_policy('name = "not a policy"')


def test_parse_policy_unclosed_block_raises() -> None:
    with pytest.raises(PolicyParseError):
        parse_policy('path "a/*" { capabilities = ["read"]')


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("a/kv/data/*", "a/kv/data/db", True),
        ("a/kv/data/*", "b/kv/data/db", False),
        ("+/kv/data/db", "b/kv/data/db", True),
        ("a/kv/data/db", "a/kv/data/db2", False),
        ("a/kv/*", "a/kv/data/db", True),
    ],
)
def test_path_matches_globs(pattern: str, path: str, expected: bool) -> None:
    assert path_matches(pattern, path) is expected, f"{pattern} vs {path}"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("auth-service/kv/data/*", True),
        ("secret/data/auth-service/*", True),
        ("transit/encrypt/auth-service-cache", True),
        ("secret/data/*", False),
        ("llm-service/kv/data/auth-service/*", False),
        ("auth-service*/kv/data/*", False),
    ],
)
def test_owns_path_positions(path: str, expected: bool) -> None:
    assert owns_path("auth-service", path) is expected, path


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(3600, 3600.0), ("3600", 3600.0), ("720h", 2592000.0), ("1h30m", 5400.0)],
)
def test_duration_seconds_formats(value: object, seconds: float) -> None:
    assert duration_seconds(value, "ttl") == seconds, f"{value!r}"


def test_duration_seconds_rejects_garbage() -> None:
    with pytest.raises(InvalidNumber, match=r"^ttl is invalid: expected a number"):
        duration_seconds("soon", "ttl")


@pytest.mark.parametrize("value", [None, UNKNOWN])
def test_duration_seconds_absent_is_none(value: object) -> None:
    assert duration_seconds(value, "ttl") is None, f"{value!r}"


@pytest.mark.parametrize(
    ("value", "expected"), [(32, 32.0), ("32", 32.0), (1.5, 1.5), ("1e3", 1000.0)]
)
def test_number_formats(value: object, expected: float) -> None:
    assert number(value, "length") == expected, f"{value!r}"


@pytest.mark.parametrize("value", [None, UNKNOWN])
def test_number_absent_is_none(value: object) -> None:
    assert number(value, "length") is None, f"{value!r}"


@pytest.mark.parametrize("value", ["abc", "", True, "nan", "inf", [32], {"n": 1}])
def test_number_wrong_type_invalid(value: object) -> None:
    with pytest.raises(InvalidNumber, match=r"^length is invalid: expected a number"):
        number(value, "length")


def test_invalid_number_message_omits_value() -> None:
    value = "kv-" + "x" * 12
    with pytest.raises(InvalidNumber) as caught:
        number(value, "length")
    assert value not in str(caught.value), "the message printed the value"


def test_to_plain_marks_proxy_unknowns() -> None:
    props = unknown_checking_proxy(
        {"mount": UNKNOWN_STRING_VALUE, "keepers": {"rotation": UNKNOWN_STRING_VALUE}}
    )
    plain = to_plain(props)
    assert plain["mount"] is UNKNOWN, "top-level unknown not converted"
    assert plain["keepers"] == {"rotation": UNKNOWN}, "nested unknown not converted"


def test_to_plain_unknown_list() -> None:
    plain = to_plain({"allowedUses": UNKNOWN_ARRAY_VALUE})
    assert plain["allowedUses"] is UNKNOWN, "unknown list kept as a string"


def test_to_plain_unwraps_secret_marker() -> None:
    wrapped = {SECRET_SIGNATURE_KEY: SECRET_SIGNATURE, "value": {"length": 40}}
    assert to_plain({"props": wrapped}) == {"props": {"length": 40}}


def test_lookup_through_unknown_object() -> None:
    assert lookup({"properties": UNKNOWN}, "properties", "contentType") is UNKNOWN


def test_is_set_counts_unknown_present() -> None:
    assert is_set(UNKNOWN), "an unknown value counted as missing"
    assert not is_set([]), "an empty list counted as set"
