"""Compare, classify and gate hand-written reports shaped like the dev stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.diff.compare import Action, ReportDiff, compare_reports
from harness.diff.gate import GateResult, evaluate_gate
from harness.diff.meaning import Impact, ImpactKind, describe_impacts
from harness.diff.replacement import RULES
from harness.diff.reports import ReportError
from tests.diff.samples import (
    AZURE_VAULT,
    PRIVATE_KEY,
    ROTATING,
    TRANSIT_KEY,
    ReportBuilder,
    build_sample,
    changed_copy,
    resource,
)

REPOSITORY = Path(__file__).resolve().parents[2]


def _diff(
    change: Any, allow: tuple[str, ...] = ()
) -> tuple[ReportDiff, list[Impact], GateResult, dict[str, str]]:
    """Apply `change(head, urns)` to a copy of the sample and diff the two."""
    base, urns = build_sample()
    head = changed_copy(base)
    change(head, urns)
    diff = compare_reports(base, head)
    impacts = describe_impacts(diff)
    return diff, impacts, evaluate_gate(impacts, allow), urns


def _kinds(impacts: list[Impact], urn: str) -> set[ImpactKind]:
    return {impact.kind for impact in impacts if impact.urn == urn}


def _action(diff: ReportDiff, urn: str) -> Action | None:
    change = diff.get(urn)
    return change.action if change is not None else None


def test_compare_same_report_is_empty() -> None:
    base, _ = build_sample()

    diff = compare_reports(base, changed_copy(base))
    gate = evaluate_gate(describe_impacts(diff), ())

    assert diff.is_empty, f"unexpected changes: {[c.name for c in diff.changes]}"
    assert gate.exit_code == 0


def test_rotation_days_moves_schedule_without_rotating() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        resource(head, urns["rotation"])["props"]["rotationDays"] = 14

    diff, impacts, gate, urns = _diff(change)

    assert _action(diff, urns["rotation"]) is Action.UPDATE, "Rotating updates in place"
    assert _action(diff, urns["password"]) is None, "keepers read the unchanged base"
    assert ImpactKind.ROTATION_SCHEDULE in _kinds(impacts, urns["rotation"])
    assert gate.exit_code == 0


def test_rotation_days_lists_credentials_that_follow() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        resource(head, urns["rotation"])["props"]["rotationDays"] = 14

    _, impacts, _, _ = _diff(change)
    schedule = next(i for i in impacts if i.kind is ImpactKind.ROTATION_SCHEDULE)

    for name in (
        "auth-service-postgres-password",
        "auth-service-postgres-password-kv",
        "auth-service-postgres-password-aws-version",
    ):
        assert name in schedule.related, f"{name} missing from the schedule impact"
    assert schedule.service == "auth-service"


def test_rotation_trigger_replacement_rotates_password() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        resource(head, urns["rotation"])["props"]["triggers"] = {"reason": "leak"}

    diff, impacts, gate, urns = _diff(change)

    assert _action(diff, urns["rotation"]) is Action.REPLACE
    assert _action(diff, urns["password"]) is Action.REPLACE, "keepers force it"
    assert _action(diff, urns["password_kv"]) is Action.UPDATE, "KV is written again"
    assert _action(diff, urns["password_aws"]) is Action.REPLACE, "new AWS version"
    assert ImpactKind.CREDENTIAL_ROTATION in _kinds(impacts, urns["password"])
    assert gate.exit_code == 0, "a credential rotation never blocks"


def test_rotation_impact_names_stores_and_service() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        resource(head, urns["rotation"])["props"]["triggers"] = {"reason": "leak"}

    _, impacts, _, urns = _diff(change)
    rotation = next(i for i in impacts if i.urn == urns["password"])

    assert rotation.service == "auth-service"
    assert "consumers of auth-service" in rotation.summary
    assert "auth-service-postgres-password-kv" in rotation.related
    assert "auth-service-postgres-password-aws-version" in rotation.related


def test_rotated_store_copies_have_no_own_impact() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        resource(head, urns["rotation"])["props"]["triggers"] = {"reason": "leak"}

    _, impacts, _, urns = _diff(change)

    assert not _kinds(impacts, urns["password_aws"]), "listed with the rotation"
    assert not _kinds(impacts, urns["password_kv"]), "listed with the rotation"


def test_ca_key_algorithm_replaces_chain() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        props = resource(head, urns["root_key"])["props"]
        props["algorithm"] = "RSA"
        props["rsaBits"] = 3072

    diff, impacts, gate, urns = _diff(change)

    assert _action(diff, urns["root_key"]) is Action.REPLACE
    assert _action(diff, urns["root"]) is Action.REPLACE, "privateKeyPem forces it"
    assert _action(diff, urns["server_cert"]) is Action.REPLACE, "signed by the CA"
    assert _action(diff, urns["server_kv"]) is Action.UPDATE
    assert ImpactKind.CERTIFICATE_AUTHORITY in _kinds(impacts, urns["root"])
    assert gate.exit_code == 1, "a CA replacement blocks"


def test_ca_impact_names_signed_certificates() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        resource(head, urns["root_key"])["props"]["ecdsaCurve"] = "P384"

    _, impacts, _, urns = _diff(change)
    ca = next(i for i in impacts if i.kind is ImpactKind.CERTIFICATE_AUTHORITY)

    assert "stops verifying" in ca.summary
    assert "auth-service-tls-server" in ca.related
    assert "Its private key platform-ca-root-key" in ca.summary
    assert not _kinds(impacts, urns["root_key"]), "the CA impact covers its key"


def test_ca_replacement_passes_when_allowed() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        resource(head, urns["root_key"])["props"]["ecdsaCurve"] = "P384"

    urns = build_sample()[1]
    _, _, gate, _ = _diff(change, allow=(urns["root"],))

    assert gate.exit_code == 0
    assert [impact.urn for impact in gate.allowed] == [urns["root"]]


def test_leaf_reissue_does_not_block() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        resource(head, urns["server_cert"])["props"]["validityPeriodHours"] = 360

    diff, impacts, gate, urns = _diff(change)

    assert _action(diff, urns["server_cert"]) is Action.REPLACE
    assert ImpactKind.CERTIFICATE_REISSUE in _kinds(impacts, urns["server_cert"])
    assert gate.exit_code == 0


def test_kv_mount_type_change_deletes_secrets() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        resource(head, urns["kv"])["props"]["type"] = "kv-v2"

    diff, impacts, gate, urns = _diff(change)
    deleted = next(i for i in impacts if i.kind is ImpactKind.STORE_DELETED)

    assert _action(diff, urns["kv"]) is Action.REPLACE
    assert deleted.urn == urns["kv"]
    assert "every secret in this KV mount is deleted" in deleted.summary
    assert "auth-service-postgres-password-kv" in deleted.related
    assert gate.exit_code == 1


def test_kv_mount_path_change_moves_and_blocks() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        resource(head, urns["kv"])["props"]["path"] = "auth/kv"
        resource(head, urns["password_kv"])["props"]["mount"] = "auth/kv"

    diff, impacts, gate, urns = _diff(change)
    moved = next(i for i in impacts if i.kind is ImpactKind.STORE_MOVED)

    assert _action(diff, urns["kv"]) is Action.UPDATE, "the provider remounts"
    assert _action(diff, urns["password_kv"]) is Action.REPLACE, "`mount` forces it"
    assert moved.urn == urns["kv"]
    assert "old path breaks" in moved.summary
    assert "auth-service-postgres-password-kv" in moved.related
    assert not _kinds(impacts, urns["password_kv"]), "listed with the move"
    assert gate.exit_code == 1


def test_kv_mount_path_change_passes_when_allowed() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        resource(head, urns["kv"])["props"]["path"] = "auth/kv"

    urns = build_sample()[1]
    _, _, gate, _ = _diff(change, allow=(urns["kv"],))

    assert gate.exit_code == 0
    assert not gate.blocked


def test_kv_mount_removal_deletes_secrets() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        head["resources"] = [r for r in head["resources"] if r["urn"] != urns["kv"]]

    diff, impacts, gate, urns = _diff(change)

    assert _action(diff, urns["kv"]) is Action.REMOVE
    assert ImpactKind.STORE_DELETED in _kinds(impacts, urns["kv"])
    assert gate.exit_code == 1


def test_protected_replacement_blocks_twice_one_allowance() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        entry = resource(head, urns["kv"])
        entry["options"]["protect"] = True
        entry["props"]["local"] = True

    _, impacts, gate, urns = _diff(change)

    assert _kinds(impacts, urns["kv"]) == {
        ImpactKind.PROTECTED,
        ImpactKind.STORE_DELETED,
    }
    assert len(gate.blocked) == 2
    assert evaluate_gate(impacts, (urns["kv"],)).exit_code == 0


def test_aws_secret_same_name_replacement_is_held() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        resource(head, urns["aws_secret"])["options"]["replacementTrigger"] = "v2"

    diff, impacts, gate, urns = _diff(change)

    assert _action(diff, urns["aws_secret"]) is Action.REPLACE
    assert ImpactKind.NAME_HELD in _kinds(impacts, urns["aws_secret"])
    assert ImpactKind.STORE_DELETED in _kinds(impacts, urns["aws_secret"])
    assert gate.exit_code == 1


def test_aws_secret_rename_is_not_held() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        resource(head, urns["aws_secret"])["props"]["name"] = "dev/auth/postgres"

    _, impacts, _, urns = _diff(change)

    assert ImpactKind.NAME_HELD not in _kinds(impacts, urns["aws_secret"])
    assert ImpactKind.STORE_DELETED in _kinds(impacts, urns["aws_secret"])


def test_azure_vault_location_change_holds_name() -> None:
    builder = ReportBuilder()
    vault = builder.add(
        AZURE_VAULT,
        "platform-azure-vault",
        props={"vaultName": "kv-secrets-dev", "location": "westeurope"},
    )
    base = builder.report()
    head = changed_copy(base)
    resource(head, vault)["props"]["location"] = "northeurope"

    impacts = describe_impacts(compare_reports(base, head))

    assert _kinds(impacts, vault) == {ImpactKind.NAME_HELD, ImpactKind.STORE_DELETED}


def test_approle_role_replacement_is_reported() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        resource(head, urns["role"])["props"]["roleName"] = "auth"

    _, impacts, gate, urns = _diff(change)
    access = next(i for i in impacts if i.urn == urns["role"])

    assert access.kind is ImpactKind.ACCESS
    assert "new role_id" in access.summary
    assert gate.exit_code == 0


def test_auth_backend_path_moves_unless_remount_disabled() -> None:
    def move(head: dict[str, Any], urns: dict[str, str]) -> None:
        resource(head, urns["approle"])["props"]["path"] = "approle-v2"

    def recreate(head: dict[str, Any], urns: dict[str, str]) -> None:
        move(head, urns)
        resource(head, urns["approle"])["props"]["disableRemount"] = True

    moved, _, _, urns = _diff(move)
    recreated, _, _, _ = _diff(recreate)

    assert _action(moved, urns["approle"]) is Action.UPDATE
    assert _action(recreated, urns["approle"]) is Action.REPLACE
    assert _action(recreated, urns["role"]) is Action.REPLACE, "`backend` forces it"


def test_ignored_input_change_is_no_change() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        entry = resource(head, urns["rotation"])
        entry["options"]["ignoreChanges"] = ["rfc3339"]
        entry["props"]["rfc3339"] = "2027-01-01T00:00:00Z"

    base, urns = build_sample()
    resource(base, urns["rotation"])["options"]["ignoreChanges"] = ["rfc3339"]
    head = changed_copy(base)
    change(head, urns)

    assert compare_reports(base, head).is_empty


def test_replace_on_changes_path_forces() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        entry = resource(head, urns["kv"])
        entry["options"]["replaceOnChanges"] = ["options.version"]
        entry["props"]["options"] = {"version": "1"}

    base, urns = build_sample()
    resource(base, urns["kv"])["options"]["replaceOnChanges"] = ["options.version"]
    head = changed_copy(base)
    change(head, urns)
    diff = compare_reports(base, head)

    assert _action(diff, urns["kv"]) is Action.REPLACE
    assert diff.get(urns["kv"]).forcing == ("options",)  # type: ignore[union-attr]


def test_mount_options_change_is_update() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        resource(head, urns["kv"])["props"]["options"] = {"version": "1"}

    diff, _, gate, urns = _diff(change)

    assert _action(diff, urns["kv"]) is Action.UPDATE, "options are tuned in place"
    assert gate.exit_code == 0


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [(True, False, Action.REPLACE), (False, True, Action.UPDATE)],
)
def test_transit_key_exportable_one_way(old: bool, new: bool, expected: Action) -> None:
    builder = ReportBuilder()
    key = builder.add(
        TRANSIT_KEY,
        "llm-service-cache-encryption",
        props={"backend": "transit", "name": "llm-service-cache", "exportable": old},
    )
    base = builder.report()
    head = changed_copy(base)
    resource(head, key)["props"]["exportable"] = new

    assert _action(compare_reports(base, head), key) is expected


def test_unknown_type_change_is_reported_not_blocked() -> None:
    builder = ReportBuilder()
    topic = builder.add("example:index:Widget", "widget", props={"size": 1})
    base = builder.report()
    head = changed_copy(base)
    resource(head, topic)["props"]["size"] = 2

    impacts = describe_impacts(compare_reports(base, head))

    assert _kinds(impacts, topic) == {ImpactKind.UNKNOWN}
    assert evaluate_gate(impacts, ()).exit_code == 0


def test_without_property_dependencies_cascade_is_conservative() -> None:
    base, urns = build_sample()
    for entry in base["resources"]:
        del entry["propertyDependencies"]
    head = changed_copy(base)
    resource(head, urns["root_key"])["props"]["ecdsaCurve"] = "P384"

    diff = compare_reports(base, head)

    assert _action(diff, urns["root"]) is Action.REPLACE, "every input forces it"
    assert _action(diff, urns["server_kv"]) is Action.UPDATE


def test_added_resource_does_not_block() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        extra = ReportBuilder()
        extra.add(AZURE_VAULT, "platform-azure-vault", props={"vaultName": "kv-dev"})
        head["resources"].extend(extra.resources)

    diff, _, gate, _ = _diff(change)

    assert [c.name for c in diff.with_action(Action.ADD)] == ["platform-azure-vault"]
    assert gate.exit_code == 0


def test_unused_allowance_is_listed() -> None:
    _, _, gate, _ = _diff(lambda head, urns: None, allow=("urn:pulumi:dev::x::y::z",))

    assert gate.unused_allowances == ("urn:pulumi:dev::x::y::z",)


def test_report_without_resources_is_rejected() -> None:
    with pytest.raises(ReportError, match="'resources' is missing"):
        compare_reports({"stack": "dev"}, {"stack": "dev", "resources": []})


def test_replacement_table_documented() -> None:
    document = (REPOSITORY / "docs" / "pull-request-diff.md").read_text()

    undocumented = [
        resource_type
        for resource_type in RULES
        if not any(name in document for name in _type_names(resource_type))
    ]

    assert not undocumented, f"types missing from the docs table: {undocumented}"


def _type_names(resource_type: str) -> set[str]:
    """Return the spellings the docs may use: full token, class, module path."""
    _, module, class_name = resource_type.split(":")
    names = {resource_type, f"`{class_name}`"}
    if "/" in module:
        names.add(f"{module}`")
    return names


def test_aws_secret_renamed_urn_same_name_held() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        entry = resource(head, urns["aws_secret"])
        entry["urn"] = entry["urn"].replace("-aws", "-aws-mirror")
        entry["name"] = "auth-service-postgres-password-aws-mirror"

    diff, impacts, gate, urns = _diff(change)

    assert _action(diff, urns["aws_secret"]) is Action.REMOVE
    assert ImpactKind.NAME_HELD in _kinds(impacts, urns["aws_secret"])
    assert gate.exit_code == 1


def test_approle_declared_role_id_stays() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        resource(head, urns["role"])["props"]["roleName"] = "auth"

    base, urns = build_sample()
    resource(base, urns["role"])["props"]["roleId"] = "fixed-role-id"
    head = changed_copy(base)
    change(head, urns)
    impacts = describe_impacts(compare_reports(base, head))
    access = next(i for i in impacts if i.urn == urns["role"])

    assert "new secret_id" in access.summary
    assert "new role_id" not in access.summary


def test_aws_secret_immediate_delete_not_held() -> None:
    def change(head: dict[str, Any], urns: dict[str, str]) -> None:
        entry = resource(head, urns["aws_secret"])
        entry["options"]["replacementTrigger"] = "v2"
        entry["options"]["deleteBeforeReplace"] = True

    base, urns = build_sample()
    old = resource(base, urns["aws_secret"])
    old["props"]["recoveryWindowInDays"] = 0
    old["options"]["deleteBeforeReplace"] = True
    head = changed_copy(base)
    change(head, urns)

    impacts = describe_impacts(compare_reports(base, head))

    assert ImpactKind.NAME_HELD not in _kinds(impacts, urns["aws_secret"])
    assert ImpactKind.STORE_DELETED in _kinds(impacts, urns["aws_secret"])


def test_replacement_trigger_follows_replaced_dependency() -> None:
    builder = ReportBuilder()
    rotation = builder.add(ROTATING, "auth-service-jwt-signing-key-a-rotation")
    key = builder.add(
        PRIVATE_KEY,
        "auth-service-jwt-signing-key-a",
        props={"algorithm": "ECDSA", "ecdsaCurve": "P256"},
        depends_on=(rotation,),
        replacementTrigger="2026-11-01T00:00:00Z",
    )
    base = builder.report()
    head = changed_copy(base)
    resource(head, rotation)["props"]["triggers"] = {"reason": "leak"}

    diff = compare_reports(base, head)

    assert _action(diff, key) is Action.REPLACE, "its trigger may derive from it"


def test_reports_of_different_stacks_rejected() -> None:
    base = _report_for_stack("dev")
    head = _report_for_stack("prod")

    with pytest.raises(ReportError, match="stack 'dev' but the head report"):
        compare_reports(base, head)


def _report_for_stack(stack: str) -> dict[str, Any]:
    report, _ = build_sample()
    report["stack"] = stack
    return report


def test_depends_on_alone_is_no_change() -> None:
    builder = ReportBuilder()
    rotation = builder.add(ROTATING, "auth-service-api-token-rotation")
    key = builder.add(
        PRIVATE_KEY,
        "auth-service-api-signing-key",
        props={"algorithm": "ED25519"},
        depends_on=(rotation,),
    )
    builder.resources[-1]["propertyDependencies"] = {"algorithm": []}
    base = builder.report()
    head = changed_copy(base)
    resource(head, rotation)["props"]["triggers"] = {"reason": "leak"}

    diff = compare_reports(base, head)

    assert _action(diff, key) is None, "no input of the key comes from the trigger"


def test_ignored_input_from_replaced_is_no_change() -> None:
    builder = ReportBuilder()
    rotation = builder.add(ROTATING, "auth-service-jwt-signing-key-a-rotation")
    follower = builder.add(
        ROTATING,
        "auth-service-jwt-signing-key-b-rotation",
        props={"rfc3339": "2026-11-01T00:00:00Z", "rotationDays": 180},
        feeds={"rfc3339": rotation},
        ignoreChanges=["rfc3339"],
    )
    base = builder.report()
    head = changed_copy(base)
    resource(head, rotation)["props"]["triggers"] = {"reason": "leak"}

    diff = compare_reports(base, head)

    assert _action(diff, follower) is None, "rfc3339 is in ignoreChanges"


def _signing_key_report(trigger: str) -> tuple[dict[str, Any], str, str]:
    """Return a report with a JWT signing key keyed on its rotation's time."""
    builder = ReportBuilder()
    rotation = builder.add(
        ROTATING, "auth-service-jwt-signing-key-a-rotation", props={"rotationDays": 180}
    )
    key = builder.add(
        PRIVATE_KEY,
        "auth-service-jwt-signing-key-a",
        props={"algorithm": "ECDSA", "ecdsaCurve": "P256"},
        depends_on=(rotation,),
        replacementTrigger=trigger,
    )
    return builder.report(), rotation, key


def test_trigger_value_change_rotates_key() -> None:
    base, _, key = _signing_key_report("2026-01-01T00:00:00Z")
    head, _, _ = _signing_key_report("2026-07-01T00:00:00Z")

    diff = compare_reports(base, head)
    impacts = describe_impacts(diff)

    assert _action(diff, key) is Action.REPLACE, "the trigger value changed alone"
    assert ImpactKind.CREDENTIAL_ROTATION in _kinds(impacts, key), "no key rotation"


def test_trigger_change_with_dependency_update_waits() -> None:
    base, rotation, key = _signing_key_report("2026-01-01T00:00:00Z")
    head, _, _ = _signing_key_report("2026-07-01T00:00:00Z")
    resource(head, rotation)["props"]["rotationDays"] = 120

    diff = compare_reports(base, head)

    assert _action(diff, rotation) is Action.UPDATE, "rotationDays updates in place"
    assert _action(diff, key) is None, "the trigger follows the unreplaced rotation"


def test_trigger_change_with_dependency_replaced() -> None:
    base, rotation, key = _signing_key_report("2026-01-01T00:00:00Z")
    head, _, _ = _signing_key_report("2026-07-01T00:00:00Z")
    resource(head, rotation)["props"]["triggers"] = {"reason": "leak"}

    diff = compare_reports(base, head)
    change = diff.get(key)

    assert change is not None and change.is_replacement, "the key is not replaced"
    assert (rotation, "replacementTrigger") in change.replaced_through, "cause"


def test_base_without_new_options_is_no_change() -> None:
    head, urns = build_sample()
    resource(head, urns["password"])["options"]["replacementTrigger"] = "2026-11"
    resource(head, urns["kv"])["options"]["replaceOnChanges"] = ["options"]
    base = changed_copy(head)
    for entry in base["resources"]:
        del entry["options"]["replaceOnChanges"]
        del entry["options"]["replacementTrigger"]

    diff = compare_reports(base, head)

    assert diff.is_empty, f"changed: {[c.name for c in diff.changes]}"
