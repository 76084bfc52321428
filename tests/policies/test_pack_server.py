"""The pack served over gRPC, called the way the Pulumi CLI calls an analyzer."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy.proxy import UNKNOWN_NUMBER_VALUE

from policies.secrets_policies import build_policies

ROOT = Path(__file__).resolve().parents[2]
LEVELS = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "disabled": analyzer_pb2.DISABLED,
}


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    """Start `policies/__main__.py` and connect to the port it prints."""
    server = subprocess.Popen(
        [sys.executable, "__main__.py"],
        cwd=ROOT / "policies",
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline().strip())
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=20)
        stub = analyzer_pb2_grpc.AnalyzerStub(channel)
        stub.Configure(configure_request("dev"))
        yield stub
        channel.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


def configure_request(stack: str) -> analyzer_pb2.ConfigureAnalyzerRequest:
    config = json.loads((ROOT / "policies" / "config" / f"{stack}.json").read_text())
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    for name, entry in config.items():
        settings = {
            key: value for key, value in entry.items() if key != "enforcementLevel"
        }
        properties = struct_pb2.Struct()
        properties.update(settings)
        request.policyConfig[name].CopyFrom(
            analyzer_pb2.PolicyConfig(
                enforcementLevel=LEVELS[entry["enforcementLevel"]],
                properties=properties,
            )
        )
    return request


def struct_of(props: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(props)
    return struct


def analyze(
    stub: analyzer_pb2_grpc.AnalyzerStub, resource_type: str, props: dict[str, Any]
) -> list[analyzer_pb2.AnalyzeDiagnostic]:
    name = "subject"
    request = analyzer_pb2.AnalyzeRequest(
        type=resource_type,
        properties=struct_of(props),
        urn=f"urn:pulumi:dev::secrets-platform::{resource_type}::{name}",
        name=name,
        options=analyzer_pb2.AnalyzerResourceOptions(deleteBeforeReplace=True),
    )
    return list(stub.Analyze(request).diagnostics)


def test_server_lists_every_policy(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    served = [policy.name for policy in info.policies]
    assert served == [policy.name for policy in build_policies()], "served policies"
    assert info.name == "secrets-platform", f"pack name {info.name}"


def test_server_reports_kv_v2_type(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    props = {"path": "auth-service/kv", "type": "kv-v2"}
    found = analyze(analyzer, "vault:index/mount:Mount", props)
    names = [(d.policyName, d.enforcementLevel) for d in found]
    assert ("vault-kv-mount-version-2", analyzer_pb2.MANDATORY) in names, names


def test_server_unknown_ttl_is_mandatory(
    analyzer: analyzer_pb2_grpc.AnalyzerStub,
) -> None:
    props = {
        "roleName": "auth-service",
        "tokenPolicies": ["auth-service"],
        "tokenTtl": UNKNOWN_NUMBER_VALUE,
        "tokenMaxTtl": 14400,
        "secretIdTtl": 86400,
    }
    found = analyze(analyzer, "vault:appRole/authBackendRole:AuthBackendRole", props)
    ttl = [d for d in found if d.policyName == "vault-auth-role-token-ttl"]
    assert [d.enforcementLevel for d in ttl] == [analyzer_pb2.MANDATORY], found
    assert "preview" in ttl[0].message, ttl[0].message


def test_server_stack_policy_reports(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    secret = analyzer_pb2.AnalyzerResource(
        type="vault:kv/secretV2:SecretV2",
        properties=struct_of({"mount": "auth-service/kv", "name": "db"}),
        urn="urn:pulumi:dev::secrets-platform::vault:kv/secretV2:SecretV2::db",
        name="db",
    )
    response = analyzer.AnalyzeStack(
        analyzer_pb2.AnalyzeStackRequest(resources=[secret])
    )
    policies = {d.policyName for d in response.diagnostics}
    assert "vault-kv-secret-mount-reference" in policies, policies
    assert "vault-audit-device" in policies, policies
