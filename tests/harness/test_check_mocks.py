"""The check mocks: provider-shaped ids, placeholder randoms, real PEM, fixed time."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography import x509
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

from harness.check_mocks import CheckMocks, UnmockedInvokeError
from harness.check_mocks.environment import REFERENCE_TIME
from harness.secret_values import PLACEHOLDER, wrap_secret


@pytest.fixture
def mocks() -> CheckMocks:
    return CheckMocks()


def _create(
    mocks: CheckMocks, token: str, resource_name: str, **inputs: Any
) -> tuple[str, dict[str, Any]]:
    args = MockResourceArgs(token, resource_name, inputs)
    resource_id, state = mocks.new_resource(args)
    assert resource_id, f"{resource_name}: empty id"
    return resource_id, state


def test_mocks_aws_secret_arn(mocks: CheckMocks) -> None:
    arn, state = _create(
        mocks,
        "aws:secretsmanager/secret:Secret",
        "s",
        name="app/db",
        region="eu-west-1",
    )

    assert arn == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-AbCdEf"
    assert state["arn"] == arn


def test_mocks_azure_secret_id(mocks: CheckMocks) -> None:
    resource_id, state = _create(
        mocks,
        "azure-native:keyvault:Secret",
        "s",
        resourceGroupName="rg",
        vaultName="kv-app",
        secretName="db-password",
        properties={"value": PLACEHOLDER, "contentType": "text/plain"},
    )

    assert resource_id.endswith(
        "/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-app/secrets/db-password"
    )
    assert state["properties"]["secretUri"] == (
        "https://kv-app.vault.azure.net/secrets/db-password"
    )


def test_mocks_gcp_secret_name(mocks: CheckMocks) -> None:
    resource_id, state = _create(
        mocks, "gcp:secretmanager/secret:Secret", "s", secretId="db", project="p1"
    )

    assert resource_id == "projects/p1/secrets/db"
    assert state["name"] == resource_id


def test_mocks_vault_kv_path(mocks: CheckMocks) -> None:
    resource_id, state = _create(
        mocks, "vault:kv/secretV2:SecretV2", "s", mount="app/kv", name="db"
    )

    assert resource_id == "app/kv/data/db"
    assert state["path"] == "app/kv/data/db"


def test_mocks_random_password_placeholder(mocks: CheckMocks) -> None:
    _, state = _create(
        mocks, "random:index/randomPassword:RandomPassword", "p", length=32
    )

    assert state["result"] == PLACEHOLDER


def test_mocks_rotating_uses_reference_time(mocks: CheckMocks) -> None:
    _, state = _create(mocks, "time:index/rotating:Rotating", "r", rotationDays=30)

    assert state["rfc3339"] == "2026-01-01T00:00:00Z"
    assert state["rotationRfc3339"] == "2026-01-31T00:00:00Z"
    assert state["unix"] == int(REFERENCE_TIME.timestamp())


def test_mocks_rotating_months_clamp_day(mocks: CheckMocks) -> None:
    _, state = _create(
        mocks,
        "time:index/rotating:Rotating",
        "r",
        rfc3339="2026-01-31T00:00:00Z",
        rotationMonths=1,
    )

    assert state["rotationRfc3339"] == "2026-02-28T00:00:00Z"


def test_mocks_tls_chain_verifies(mocks: CheckMocks) -> None:
    _, ca_key = _create(
        mocks,
        "tls:index/privateKey:PrivateKey",
        "ca",
        algorithm="ECDSA",
        ecdsaCurve="P384",
    )
    _, ca = _create(
        mocks,
        "tls:index/selfSignedCert:SelfSignedCert",
        "ca-cert",
        privateKeyPem=wrap_secret(ca_key["privateKeyPem"]),
        subject={"commonName": "root"},
        isCaCertificate=True,
        validityPeriodHours=240,
    )
    _, leaf_key = _create(
        mocks, "tls:index/privateKey:PrivateKey", "leaf", algorithm="ED25519"
    )
    _, request = _create(
        mocks,
        "tls:index/certRequest:CertRequest",
        "csr",
        privateKeyPem=leaf_key["privateKeyPem"],
        subject={"commonName": "app.internal"},
        dnsNames=["app.internal"],
    )
    _, leaf = _create(
        mocks,
        "tls:index/locallySignedCert:LocallySignedCert",
        "leaf-cert",
        certRequestPem=request["certRequestPem"],
        caPrivateKeyPem=ca_key["privateKeyPem"],
        caCertPem=ca["certPem"],
        validityPeriodHours=24,
    )

    root = x509.load_pem_x509_certificate(ca["certPem"].encode())
    issued = x509.load_pem_x509_certificate(leaf["certPem"].encode())
    issued.verify_directly_issued_by(root)
    assert issued.subject.rfc4514_string() == "CN=app.internal"
    assert leaf["validityEndTime"] == "2026-01-02T00:00:00Z"


def test_mocks_keys_are_reproducible() -> None:
    token = "tls:index/privateKey:PrivateKey"
    first = CheckMocks().new_resource(
        MockResourceArgs(token, "k", {"algorithm": "ECDSA", "ecdsaCurve": "P256"})
    )
    second = CheckMocks().new_resource(
        MockResourceArgs(token, "k", {"algorithm": "ECDSA", "ecdsaCurve": "P256"})
    )

    assert first[1]["publicKeyPem"] == second[1]["publicKeyPem"]


def test_mocks_invoke_policy_document(mocks: CheckMocks) -> None:
    statement = {
        "effect": "Allow",
        "actions": ["secretsmanager:GetSecretValue"],
        "resources": ["*"],
        "principals": [{"type": "AWS", "identifiers": ["arn:aws:iam::1:role/app"]}],
    }
    result, failures = mocks.call(
        MockCallArgs(
            "aws:iam/getPolicyDocument:getPolicyDocument",
            {"statements": [statement]},
            "",
        )
    )

    assert '"Principal":{"AWS":"arn:aws:iam::1:role/app"}' in result["minifiedJson"]
    assert failures == []


def test_mocks_unknown_invoke_raises(mocks: CheckMocks) -> None:
    with pytest.raises(UnmockedInvokeError, match="aws:ec2/getAmi:getAmi"):
        mocks.call(MockCallArgs("aws:ec2/getAmi:getAmi", {}, ""))
