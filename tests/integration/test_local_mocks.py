"""`LocalApplyMocks.new_resource` called directly, as the mock runtime calls it."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from pulumi.runtime import MockResourceArgs

from harness.local.server import DevServer, ServerInfo
from harness.local.vault_api import ApplyError
from harness.local.vault_apply import LocalApplyMocks, ResourceFailure
from harness.secret_values import wrap_secret

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server() -> Iterator[ServerInfo]:
    with DevServer() as info:
        yield info


def _args(type_token: str, name: str, inputs: dict[str, object]) -> MockResourceArgs:
    return MockResourceArgs(typ=type_token, name=name, inputs=inputs, custom=True)


def test_policies_applied_from_many_threads(server: ServerInfo) -> None:
    mocks = LocalApplyMocks(server.address, server.root_token)
    names = [f"thread-policy-{index}" for index in range(24)]
    policy = 'path "thread/*" {\n  capabilities = ["read"]\n}\n'

    def register(name: str) -> None:
        args = _args(
            "vault:index/policy:Policy", name, {"name": name, "policy": policy}
        )
        mocks.new_resource(args)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(register, names))

    listed = set(mocks.api.request("LIST", "sys/policies/acl")["data"]["keys"])
    assert set(names) <= listed, f"missing policies: {set(names) - listed}"
    assert len(mocks.applied) == len(names), "every resource recorded once"


def test_secret_input_unwrapped_before_write(server: ServerInfo) -> None:
    mocks = LocalApplyMocks(server.address, server.root_token)
    mocks.new_resource(
        _args(
            "vault:index/mount:Mount",
            "kv",
            {"path": "unwrap-kv", "type": "kv", "options": {"version": "2"}},
        )
    )
    value = secrets.token_hex(8)
    data_json = wrap_secret(json.dumps({"value": value}))

    mocks.new_resource(
        _args(
            "vault:kv/secretV2:SecretV2",
            "unwrap-secret",
            {"mount": "unwrap-kv", "name": "one", "dataJson": data_json},
        )
    )

    stored = mocks.api.request("GET", "unwrap-kv/data/one")["data"]["data"]
    assert stored == {"value": value}, "KV data written as plain JSON"


def test_api_error_hides_secret_inputs(server: ServerInfo) -> None:
    mocks = LocalApplyMocks(server.address, server.root_token)
    value = secrets.token_hex(8)
    args = _args(
        "vault:kv/secretV2:SecretV2",
        "no-mount-secret",
        {
            "mount": "missing-mount",
            "name": value,
            "dataJson": wrap_secret(json.dumps({"value": value})),
        },
    )

    with pytest.raises(ApplyError) as raised:
        mocks.new_resource(args)

    assert "'no-mount-secret'" in str(raised.value), "message names the resource"
    assert "missing-mount/data/" in str(raised.value), "message names the API path"
    assert mocks.failure is raised.value, "first failure kept for the caller"


def test_cloud_resource_not_applied(server: ServerInfo) -> None:
    mocks = LocalApplyMocks(server.address, server.root_token)
    args = _args(
        "aws:secretsmanager/secret:Secret", "auth-service-mirror", {"name": "auth"}
    )

    resource_id, outputs = mocks.new_resource(args)

    assert resource_id, "placeholder id returned"
    assert outputs["arn"].startswith("arn:"), "placeholder ARN returned"
    assert mocks.count("cloud") == 1, "counted as a cloud resource not applied"


def test_unknown_vault_type_skipped(server: ServerInfo) -> None:
    mocks = LocalApplyMocks(server.address, server.root_token)
    args = _args(
        "vault:database/secretBackendConnection:SecretBackendConnection", "db", {}
    )

    mocks.new_resource(args)

    assert mocks.count("skipped") == 1, "counted as a type without a local applier"


def test_bad_input_names_resource(server: ServerInfo) -> None:
    mocks = LocalApplyMocks(server.address, server.root_token)
    key_pem = wrap_secret("not a PEM key")
    args = _args(
        "tls:index/selfSignedCert:SelfSignedCert",
        "broken-root",
        {"privateKeyPem": key_pem, "validityPeriodHours": 1},
    )

    with pytest.raises(ResourceFailure) as raised:
        mocks.new_resource(args)

    assert "'broken-root'" in str(raised.value), "message names the resource"
    assert "not a PEM key" not in str(raised.value), "secret input in the message"
    assert mocks.failure is raised.value, "first failure kept for the caller"
