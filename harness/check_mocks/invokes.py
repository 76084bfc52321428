"""Mock results for the provider functions (invokes) a program may call."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from harness.check_mocks.environment import AWS_ACCOUNT_ID, ZERO_GUID

Invoke = Callable[[dict[str, Any]], dict[str, Any]]


class UnmockedInvokeError(Exception):
    """The program called a provider function the offline check has no mock for."""


def aws_caller_identity(args: dict[str, Any]) -> dict[str, Any]:
    return {
        "accountId": AWS_ACCOUNT_ID,
        "arn": f"arn:aws:iam::{AWS_ACCOUNT_ID}:user/offline-check",
        "userId": "AIDAOFFLINECHECK",
        "id": AWS_ACCOUNT_ID,
    }


def aws_region(args: dict[str, Any]) -> dict[str, Any]:
    region = args.get("region") or args.get("name") or "us-east-1"
    return {"name": region, "region": region, "id": region, "endpoint": ""}


def aws_partition(args: dict[str, Any]) -> dict[str, Any]:
    return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}


def aws_policy_document(args: dict[str, Any]) -> dict[str, Any]:
    """Render IAM policy JSON from `statements` as the function does."""
    statements = [_aws_statement(item) for item in args.get("statements") or []]
    document = {"Version": args.get("version") or "2012-10-17", "Statement": statements}
    return {
        "json": json.dumps(document, indent=2),
        "minifiedJson": json.dumps(document, separators=(",", ":")),
        "id": "offline-check",
    }


def _aws_statement(statement: dict[str, Any]) -> dict[str, Any]:
    rendered: dict[str, Any] = {"Effect": statement.get("effect") or "Allow"}
    fields = {"sid": "Sid", "actions": "Action", "resources": "Resource"}
    for source, target in fields.items():
        if statement.get(source):
            rendered[target] = _single_or_list(statement[source])

    principals: dict[str, Any] = {}
    for principal in statement.get("principals") or []:
        principals[principal["type"]] = _single_or_list(principal["identifiers"])
    if principals:
        rendered["Principal"] = principals

    conditions: dict[str, dict[str, Any]] = {}
    for condition in statement.get("conditions") or []:
        test = conditions.setdefault(condition["test"], {})
        test[condition["variable"]] = _single_or_list(condition["values"])
    if conditions:
        rendered["Condition"] = conditions
    return rendered


def _single_or_list(values: Any) -> Any:
    if isinstance(values, list) and len(values) == 1:
        return values[0]
    return values


def azure_client_config(args: dict[str, Any]) -> dict[str, Any]:
    return {
        "clientId": ZERO_GUID,
        "objectId": ZERO_GUID,
        "subscriptionId": ZERO_GUID,
        "tenantId": ZERO_GUID,
    }


def gcp_project(args: dict[str, Any]) -> dict[str, Any]:
    project = args.get("projectId") or "example-project"
    return {"projectId": project, "number": "123456789012", "name": project}


def gcp_client_config(args: dict[str, Any]) -> dict[str, Any]:
    return {"project": "example-project", "region": "", "zone": "", "id": "offline"}


def vault_policy_document(args: dict[str, Any]) -> dict[str, Any]:
    """Render ACL policy HCL from `rules` as the function does."""
    blocks = []
    for rule in args.get("rules") or []:
        capabilities = ", ".join(f'"{item}"' for item in rule.get("capabilities", []))
        blocks.append(
            f'path "{rule["path"]}" {{\n  capabilities = [{capabilities}]\n}}'
        )
    return {"hcl": "\n\n".join(blocks) + "\n", "id": "offline-check"}


INVOKES: dict[str, Invoke] = {
    "aws:index/getCallerIdentity:getCallerIdentity": aws_caller_identity,
    "aws:index/getRegion:getRegion": aws_region,
    "aws:index/getPartition:getPartition": aws_partition,
    "aws:iam/getPolicyDocument:getPolicyDocument": aws_policy_document,
    "azure-native:authorization:getClientConfig": azure_client_config,
    "gcp:organizations/getProject:getProject": gcp_project,
    "gcp:organizations/getClientConfig:getClientConfig": gcp_client_config,
    "vault:index/getPolicyDocument:getPolicyDocument": vault_policy_document,
}


def call_invoke(token: str, args: dict[str, Any]) -> dict[str, Any]:
    """Return the mock result for a provider function, or raise for an unknown one."""
    invoke = INVOKES.get(token)
    if invoke is None:
        raise UnmockedInvokeError(
            f"the offline check has no mock for provider function '{token}'; "
            "add one to harness/check_mocks/invokes.py"
        )
    return invoke(args)
