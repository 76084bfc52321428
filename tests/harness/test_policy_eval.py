"""Policy evaluation: levels, config merging, async validators, stack links."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from harness.policy_config import (
    PolicyConfigError,
    resolve_settings,
)
from harness.policy_eval import PolicyPack, evaluate, pack_enforcement_level
from harness.resources import DeclaredResource
from harness.secret_values import wrap_secret

SOURCE = Path("policies/config/test.json")
MOUNT_URN = "urn:pulumi:test::p::vault:index/mount:Mount::app-kv"
SECRET_URN = "urn:pulumi:test::p::vault:index/mount:Mount$vault:kv/secretV2:SecretV2::s"


def _mount(**props: object) -> DeclaredResource:
    return DeclaredResource(MOUNT_URN, "vault:index/mount:Mount", "app-kv", dict(props))


def _min_length_policy(level: EnforcementLevel | None = None) -> Policy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        minimum = args.get_config()["minLength"]
        if len(args.props.get("path", "")) < minimum:
            report(f"path shorter than {minimum}", None)

    schema = PolicyConfigSchema({"minLength": {"type": "integer", "default": 10}})
    return ResourceValidationPolicy(
        "path-length", "Paths are long.", validate, level, schema
    )


def _evaluate(policy: Policy, config: dict, resources: list[DeclaredResource]):
    pack = PolicyPack([policy], EnforcementLevel.ADVISORY)
    settings = resolve_settings([policy], pack.enforcement_level, config, SOURCE)
    return evaluate(pack, resources, settings).violations


def test_settings_use_schema_default() -> None:
    settings = resolve_settings(
        [_min_length_policy()], EnforcementLevel.ADVISORY, {}, SOURCE
    )

    assert settings["path-length"].properties == {"minLength": 10}


def test_settings_config_overrides_default() -> None:
    config = {"path-length": {"minLength": 3}}

    settings = resolve_settings(
        [_min_length_policy()], EnforcementLevel.ADVISORY, config, SOURCE
    )

    assert settings["path-length"].properties == {"minLength": 3}


def test_settings_level_precedence() -> None:
    policy = _min_length_policy(EnforcementLevel.MANDATORY)
    pack_level = EnforcementLevel.ADVISORY

    own = resolve_settings([policy], pack_level, {}, SOURCE)
    for_all = resolve_settings([policy], pack_level, {"all": "disabled"}, SOURCE)
    named = resolve_settings(
        [policy], pack_level, {"all": "disabled", "path-length": "advisory"}, SOURCE
    )

    assert own["path-length"].level == EnforcementLevel.MANDATORY, "policy level"
    assert for_all["path-length"].level == EnforcementLevel.DISABLED, "all"
    assert named["path-length"].level == EnforcementLevel.ADVISORY, "per policy"


def test_settings_pack_level_is_default() -> None:
    settings = resolve_settings(
        [_min_length_policy()], EnforcementLevel.MANDATORY, {}, SOURCE
    )

    assert settings["path-length"].level == EnforcementLevel.MANDATORY


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"no-such-policy": "advisory"}, "'no-such-policy' is not a policy"),
        ({"path-length": "blocking"}, "enforcement level 'blocking'"),
        ({"path-length": {"minLength": "ten"}}, "path-length.minLength must be"),
        ({"path-length": {"maxLength": 3}}, "path-length.maxLength is not a property"),
    ],
)
def test_settings_reject_bad_config(config: dict, expected: str) -> None:
    with pytest.raises(PolicyConfigError, match=expected):
        resolve_settings(
            [_min_length_policy()], EnforcementLevel.ADVISORY, config, SOURCE
        )


def test_evaluate_reports_at_policy_level() -> None:
    policy = _min_length_policy(EnforcementLevel.MANDATORY)

    violations = _evaluate(policy, {}, [_mount(path="a/kv")])

    assert [(v.policy, v.enforcement_level, v.urn) for v in violations] == [
        ("path-length", "mandatory", MOUNT_URN)
    ]


def test_evaluate_skips_disabled_policy() -> None:
    violations = _evaluate(
        _min_length_policy(), {"path-length": "disabled"}, [_mount(path="a")]
    )

    assert violations == []


def test_evaluate_reports_remediate_as_mandatory() -> None:
    violations = _evaluate(
        _min_length_policy(), {"path-length": "remediate"}, [_mount(path="a")]
    )

    assert [v.enforcement_level for v in violations] == ["mandatory"]


def test_evaluate_applies_remediation() -> None:
    def remediate(args: ResourceValidationArgs) -> dict:
        return {**args.props, "path": "remediated/long/path"}

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.props["path"] != "remediated/long/path":
            report("not remediated", None)

    policy = ResourceValidationPolicy("fix-path", "Fixes paths.", validate)
    policy.remediate = remediate  # type: ignore[method-assign]
    policy.has_remediation = lambda: True  # type: ignore[method-assign]

    violations = _evaluate(policy, {"fix-path": "remediate"}, [_mount(path="a")])

    assert violations == []


def test_evaluate_awaits_async_validator() -> None:
    async def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        await asyncio.sleep(0)
        report("async violation", None)

    policy = ResourceValidationPolicy("async-rule", "Runs async.", validate)

    violations = _evaluate(policy, {}, [_mount(path="a")])

    assert [v.message for v in violations] == ["async violation"]


def test_evaluate_unwraps_secret_props() -> None:
    seen: list[object] = []

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        seen.append(args.props["path"])

    policy = ResourceValidationPolicy("reads-secret", "Reads.", validate)
    _evaluate(policy, {}, [_mount(path=wrap_secret("app/kv"))])

    assert seen == ["app/kv"]


def test_evaluate_links_stack_resources() -> None:
    mount = _mount(path="app/kv")
    secret = DeclaredResource(
        SECRET_URN,
        "vault:kv/secretV2:SecretV2",
        "s",
        {"mount": "app/kv"},
        parent=MOUNT_URN,
        dependencies=(MOUNT_URN,),
        property_dependencies={"mount": (MOUNT_URN,)},
    )
    links: list[tuple[str | None, list[str], list[str]]] = []

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        for resource in args.resources:
            if resource.urn == SECRET_URN:
                links.append(
                    (
                        resource.parent.urn if resource.parent else None,
                        [d.urn for d in resource.dependencies],
                        [d.urn for d in resource.property_dependencies["mount"]],
                    )
                )
        report("stack-wide", None)

    policy = StackValidationPolicy("links", "Links.", validate)
    violations = _evaluate(policy, {}, [mount, secret])

    assert links == [(MOUNT_URN, [MOUNT_URN], [MOUNT_URN])]
    assert [v.urn for v in violations] == [None], "a stack violation has no URN"


def test_pack_level_read_from_main(tmp_path: Path) -> None:
    main = tmp_path / "__main__.py"
    main.write_text(
        "PolicyPack(name='x', policies=[], "
        "enforcement_level=EnforcementLevel.MANDATORY)\n"
    )

    assert pack_enforcement_level(main) == EnforcementLevel.MANDATORY
