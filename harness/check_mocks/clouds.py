"""Mock outputs for AWS, Azure and GCP resources, shaped like the providers'."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.check_mocks.environment import (
    AWS_ACCOUNT_ID,
    ZERO_GUID,
    MockEnvironment,
    rfc3339,
    stable_uuid,
)


class ResourceRequest:
    """A resource's name, plain inputs and provider reference."""

    def __init__(self, name: str, inputs: dict[str, Any], provider: str) -> None:
        self.name = name
        self.inputs = inputs
        self.provider = provider


Outputs = tuple[str, dict[str, Any]]
Handler = Callable[[ResourceRequest, MockEnvironment], Outputs]


def _aws_region(request: ResourceRequest, env: MockEnvironment) -> str:
    region = request.inputs.get("region")
    region = region or env.provider_setting(request.provider, "aws", "region")
    return str(region or "us-east-1")


def aws_kms_key(request: ResourceRequest, env: MockEnvironment) -> Outputs:
    key_id = stable_uuid("kms", request.name)
    arn = f"arn:aws:kms:{_aws_region(request, env)}:{AWS_ACCOUNT_ID}:key/{key_id}"
    return key_id, {"keyId": key_id, "arn": arn, "tagsAll": _tags(request)}


def aws_kms_alias(request: ResourceRequest, env: MockEnvironment) -> Outputs:
    alias = str(request.inputs.get("name") or f"alias/{request.name}")
    region = _aws_region(request, env)
    arn = f"arn:aws:kms:{region}:{AWS_ACCOUNT_ID}:{alias}"
    return alias, {"name": alias, "arn": arn, "targetKeyArn": ""}


def aws_secret(request: ResourceRequest, env: MockEnvironment) -> Outputs:
    name = str(request.inputs.get("name") or request.name)
    region = _aws_region(request, env)
    # The service appends a dash and six random characters to every secret ARN.
    arn = f"arn:aws:secretsmanager:{region}:{AWS_ACCOUNT_ID}:secret:{name}-AbCdEf"
    return arn, {"arn": arn, "name": name, "tagsAll": _tags(request)}


def aws_secret_version(request: ResourceRequest, env: MockEnvironment) -> Outputs:
    secret_arn = str(request.inputs.get("secretId"))
    version_id = stable_uuid("secret-version", request.name)
    outputs = {
        "arn": secret_arn,
        "versionId": version_id,
        "versionStages": ["AWSCURRENT"],
    }
    return f"{secret_arn}|{version_id}", outputs


def aws_by_secret_arn(request: ResourceRequest, env: MockEnvironment) -> Outputs:
    secret = request.inputs.get("secretArn") or request.inputs.get("secretId")
    return str(secret), {}


def aws_iam_role(request: ResourceRequest, env: MockEnvironment) -> Outputs:
    name = str(request.inputs.get("name") or request.name)
    arn = f"arn:aws:iam::{AWS_ACCOUNT_ID}:role/{name}"
    return name, {"arn": arn, "name": name, "uniqueId": stable_uuid("role", name)}


def _tags(request: ResourceRequest) -> dict[str, Any]:
    tags = request.inputs.get("tags")
    return dict(tags) if isinstance(tags, dict) else {}


def _azure_subscription(request: ResourceRequest, env: MockEnvironment) -> str:
    setting = env.provider_setting(request.provider, "azure-native", "subscriptionId")
    return str(setting or ZERO_GUID)


def _azure_group_id(request: ResourceRequest, env: MockEnvironment) -> str:
    group = request.inputs.get("resourceGroupName") or request.name
    return f"/subscriptions/{_azure_subscription(request, env)}/resourceGroups/{group}"


def azure_resource_group(request: ResourceRequest, env: MockEnvironment) -> Outputs:
    name = str(request.inputs.get("resourceGroupName") or request.name)
    resource_id = _azure_group_id(request, env)
    return resource_id, {"name": name, "type": "Microsoft.Resources/resourceGroups"}


def azure_key_vault(request: ResourceRequest, env: MockEnvironment) -> Outputs:
    name = str(request.inputs.get("vaultName") or request.name)
    vault_id = f"{_azure_group_id(request, env)}{_vault_path(name)}"
    properties = dict(request.inputs.get("properties") or {})
    properties["vaultUri"] = f"https://{name}.vault.azure.net/"
    outputs = {
        "name": name,
        "type": "Microsoft.KeyVault/vaults",
        "properties": properties,
    }
    return vault_id, outputs


def azure_key_vault_secret(request: ResourceRequest, env: MockEnvironment) -> Outputs:
    vault = str(request.inputs.get("vaultName"))
    name = str(request.inputs.get("secretName") or request.name)
    secret_id = f"{_azure_group_id(request, env)}{_vault_path(vault)}/secrets/{name}"
    uri = f"https://{vault}.vault.azure.net/secrets/{name}"
    properties = {
        key: value
        for key, value in (request.inputs.get("properties") or {}).items()
        if key != "value"
    }
    properties |= {"secretUri": uri, "secretUriWithVersion": f"{uri}/1"}
    outputs = {"name": name, "type": "Microsoft.KeyVault/vaults/secrets"}
    return secret_id, outputs | {"properties": properties}


def azure_key_vault_key(request: ResourceRequest, env: MockEnvironment) -> Outputs:
    vault = str(request.inputs.get("vaultName"))
    name = str(request.inputs.get("keyName") or request.name)
    key_id = f"{_azure_group_id(request, env)}{_vault_path(vault)}/keys/{name}"
    uri = f"https://{vault}.vault.azure.net/keys/{name}"
    properties = dict(request.inputs.get("properties") or {})
    properties |= {"keyUri": uri, "keyUriWithVersion": f"{uri}/1"}
    return key_id, {"name": name, "properties": properties}


def azure_role_assignment(request: ResourceRequest, env: MockEnvironment) -> Outputs:
    scope = str(request.inputs.get("scope"))
    name = str(
        request.inputs.get("roleAssignmentName")
        or stable_uuid("role-assignment", request.name)
    )
    assignment_id = f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"
    outputs = {
        "name": name,
        "type": "Microsoft.Authorization/roleAssignments",
        "createdOn": rfc3339(env.reference_time),
    }
    return assignment_id, outputs


def _vault_path(name: str) -> str:
    return f"/providers/Microsoft.KeyVault/vaults/{name}"


def _gcp_project(request: ResourceRequest, env: MockEnvironment) -> str:
    project = request.inputs.get("project")
    project = project or env.provider_setting(request.provider, "gcp", "project")
    return str(project or "example-project")


def gcp_secret(request: ResourceRequest, env: MockEnvironment) -> Outputs:
    secret_id = str(request.inputs.get("secretId") or request.name)
    name = f"projects/{_gcp_project(request, env)}/secrets/{secret_id}"
    outputs = {
        "name": name,
        "project": _gcp_project(request, env),
        "createTime": rfc3339(env.reference_time),
        "effectiveLabels": dict(request.inputs.get("labels") or {}),
    }
    return name, outputs


def gcp_secret_version(request: ResourceRequest, env: MockEnvironment) -> Outputs:
    name = f"{request.inputs.get('secret')}/versions/1"
    outputs = {"name": name, "version": "1", "createTime": rfc3339(env.reference_time)}
    return name, outputs


def gcp_iam_member(request: ResourceRequest, env: MockEnvironment) -> Outputs:
    target = request.inputs.get("secretId") or request.inputs.get("topic") or ""
    member_id = f"{target}/{request.inputs.get('role')}/{request.inputs.get('member')}"
    return member_id, {"etag": "BwYAAAAAAAA="}


def gcp_topic(request: ResourceRequest, env: MockEnvironment) -> Outputs:
    name = str(request.inputs.get("name") or request.name)
    topic_id = f"projects/{_gcp_project(request, env)}/topics/{name}"
    return topic_id, {"name": name, "project": _gcp_project(request, env)}


HANDLERS: dict[str, Handler] = {
    "aws:kms/key:Key": aws_kms_key,
    "aws:kms/alias:Alias": aws_kms_alias,
    "aws:secretsmanager/secret:Secret": aws_secret,
    "aws:secretsmanager/secretVersion:SecretVersion": aws_secret_version,
    "aws:secretsmanager/secretPolicy:SecretPolicy": aws_by_secret_arn,
    "aws:secretsmanager/secretRotation:SecretRotation": aws_by_secret_arn,
    "aws:iam/role:Role": aws_iam_role,
    "azure-native:resources:ResourceGroup": azure_resource_group,
    "azure-native:keyvault:Vault": azure_key_vault,
    "azure-native:keyvault:Secret": azure_key_vault_secret,
    "azure-native:keyvault:Key": azure_key_vault_key,
    "azure-native:authorization:RoleAssignment": azure_role_assignment,
    "gcp:secretmanager/secret:Secret": gcp_secret,
    "gcp:secretmanager/secretVersion:SecretVersion": gcp_secret_version,
    "gcp:secretmanager/secretIamMember:SecretIamMember": gcp_iam_member,
    "gcp:pubsub/topic:Topic": gcp_topic,
    "gcp:pubsub/topicIAMMember:TopicIAMMember": gcp_iam_member,
}
