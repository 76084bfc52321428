"""AWS Secrets Manager: the stack's KMS key and each service's mirrored secrets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.credentials import StoredCredential
from components.options import child_options
from stack_config import AwsSettings

# KMS accepts 90 to 2560 days between automatic rotations of key material.
KEY_ROTATION_DAYS = 365
KEY_DELETION_WINDOW_DAYS = 30
READ_ACTIONS = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]


@dataclass(frozen=True)
class AwsSecretStoreArgs:
    environment: str
    aws: AwsSettings
    protect_data: bool


class AwsSecretStore(pulumi.ComponentResource):
    """The provider and KMS customer key that encrypt the stack's secrets."""

    provider: aws.Provider
    key: aws.kms.Key

    def __init__(
        self,
        name: str,
        args: AwsSecretStoreArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("secrets-platform:aws:AwsSecretStore", name, None, opts)
        self._name = name
        self._args = args

        self.provider = aws.Provider(
            f"{name}-provider", region=args.aws.region, opts=child_options(self)
        )
        self.key = self._create_key()
        self._create_alias()

        self.register_outputs({"keyArn": self.key.arn})

    def _provider_options(self, **options: object) -> pulumi.ResourceOptions:
        return child_options(self, provider=self.provider, **options)

    def _create_key(self) -> aws.kms.Key:
        # NOTE: the key keeps the default key policy, which defers to IAM, so a
        # service role also needs kms:Decrypt on this key in its own IAM policy.
        return aws.kms.Key(
            f"{self._name}-key",
            description=f"Secrets of the {self._args.environment} environment",
            enable_key_rotation=True,
            rotation_period_in_days=KEY_ROTATION_DAYS,
            deletion_window_in_days=KEY_DELETION_WINDOW_DAYS,
            tags={"environment": self._args.environment},
            opts=self._provider_options(protect=self._args.protect_data),
        )

    def _create_alias(self) -> aws.kms.Alias:
        return aws.kms.Alias(
            f"{self._name}-key-alias",
            name=f"alias/secrets-platform-{self._args.environment}",
            target_key_id=self.key.key_id,
            opts=self._provider_options(),
        )


@dataclass(frozen=True)
class AwsSecretMirrorArgs:
    service: str
    environment: str
    principal_arn: str | None
    """The service's IAM role, the only principal the resource policy admits."""
    recovery_window_days: int
    store: AwsSecretStore
    credentials: Sequence[StoredCredential]


class AwsSecretMirror(pulumi.ComponentResource):
    """One Secrets Manager secret per credential of a service."""

    secret_arns: dict[str, pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        args: AwsSecretMirrorArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("secrets-platform:aws:AwsSecretMirror", name, None, opts)
        self._name = name
        self._args = args
        self.secret_arns = {}

        if args.principal_arn is None:
            # NOTE: without a principal no resource policy is written, so only
            # the account's IAM policies decide who reads these secrets.
            pulumi.log.warn(
                f"service {args.service} has no identities.aws; its secrets get "
                "no resource policy",
                resource=self,
            )
        for credential in args.credentials:
            self.secret_arns[credential.name] = self._create_mirror(credential)

        self.register_outputs({"secretArns": self.secret_arns})

    def _provider_options(self) -> pulumi.ResourceOptions:
        return child_options(self, provider=self._args.store.provider)

    def _create_mirror(self, credential: StoredCredential) -> pulumi.Output[str]:
        secret = self._create_secret(credential)
        aws.secretsmanager.SecretVersion(
            f"{self._name}-{credential.name}-version",
            secret_id=secret.id,
            secret_string=credential.secret_document(),
            opts=self._provider_options(),
        )
        if self._args.principal_arn is not None:
            self._create_policy(credential, secret, self._args.principal_arn)
        return secret.arn

    def _create_secret(self, credential: StoredCredential) -> aws.secretsmanager.Secret:
        args = self._args
        return aws.secretsmanager.Secret(
            f"{self._name}-{credential.name}",
            name=f"secrets-platform/{args.environment}/{args.service}/{credential.name}",
            description=f"{credential.name} of {args.service}",
            kms_key_id=args.store.key.arn,
            recovery_window_in_days=args.recovery_window_days,
            tags={
                "environment": args.environment,
                "service": args.service,
                "rotation-days": str(credential.rotation_days),
            },
            opts=self._provider_options(),
        )

    def _create_policy(
        self,
        credential: StoredCredential,
        secret: aws.secretsmanager.Secret,
        principal_arn: str,
    ) -> aws.secretsmanager.SecretPolicy:
        statement = {
            "Sid": "ServiceRead",
            "Effect": "Allow",
            "Principal": {"AWS": principal_arn},
            "Action": READ_ACTIONS,
            "Resource": "*",
        }
        document = {"Version": "2012-10-17", "Statement": [statement]}
        return aws.secretsmanager.SecretPolicy(
            f"{self._name}-{credential.name}-policy",
            secret_arn=secret.arn,
            policy=pulumi.Output.json_dumps(document),
            block_public_policy=True,
            opts=self._provider_options(),
        )
