"""GCP Secret Manager: the stack's rotation topic and each service's secrets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp
from pulumi_gcp import secretmanager

from components.credentials import StoredCredential
from components.options import child_options
from stack_config import GcpSettings

SECRET_ACCESSOR_ROLE = "roles/secretmanager.secretAccessor"
PUBLISHER_ROLE = "roles/pubsub.publisher"


@dataclass(frozen=True)
class GcpSecretStoreArgs:
    environment: str
    gcp: GcpSettings


class GcpSecretStore(pulumi.ComponentResource):
    """The provider and the Pub/Sub topic that receives rotation notices."""

    provider: gcp.Provider
    topic: gcp.pubsub.Topic
    publisher_grant: gcp.pubsub.TopicIAMMember

    def __init__(
        self,
        name: str,
        args: GcpSecretStoreArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("secrets-platform:gcp:GcpSecretStore", name, None, opts)
        self._name = name
        self._args = args

        self.provider = gcp.Provider(
            f"{name}-provider", project=args.gcp.project, opts=child_options(self)
        )
        self.topic = self._create_topic()
        self.publisher_grant = self._create_publisher_grant()

        self.register_outputs({"topicId": self.topic.id})

    def _provider_options(self) -> pulumi.ResourceOptions:
        return child_options(self, provider=self.provider)

    def _create_topic(self) -> gcp.pubsub.Topic:
        return gcp.pubsub.Topic(
            f"{self._name}-rotation-topic",
            name=f"secrets-platform-{self._args.environment}-rotation",
            project=self._args.gcp.project,
            labels={"environment": self._args.environment},
            opts=self._provider_options(),
        )

    def _create_publisher_grant(self) -> gcp.pubsub.TopicIAMMember:
        # Secret Manager publishes rotation notices as its per-project service
        # agent, which exists only once requested.
        agent = gcp.projects.ServiceIdentity(
            f"{self._name}-secret-manager-agent",
            project=self._args.gcp.project,
            service="secretmanager.googleapis.com",
            opts=self._provider_options(),
        )
        return gcp.pubsub.TopicIAMMember(
            f"{self._name}-rotation-publisher",
            project=self._args.gcp.project,
            topic=self.topic.name,
            role=PUBLISHER_ROLE,
            member=agent.member,
            opts=self._provider_options(),
        )


@dataclass(frozen=True)
class GcpSecretMirrorArgs:
    service: str
    environment: str
    service_account: str | None
    """Email of the service's service account, granted read access."""
    gcp: GcpSettings
    store: GcpSecretStore
    credentials: Sequence[StoredCredential]


class GcpSecretMirror(pulumi.ComponentResource):
    """One Secret Manager secret per credential of a service."""

    secret_ids: dict[str, pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        args: GcpSecretMirrorArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("secrets-platform:gcp:GcpSecretMirror", name, None, opts)
        self._name = name
        self._args = args
        self.secret_ids = {}

        for credential in args.credentials:
            secret = self._create_secret(credential)
            self._create_version(credential, secret)
            self._create_accessor_grant(credential, secret)
            self.secret_ids[credential.name] = secret.id

        self.register_outputs({"secretIds": self.secret_ids})

    def _provider_options(self, **options: object) -> pulumi.ResourceOptions:
        return child_options(self, provider=self._args.store.provider, **options)

    def _create_secret(self, credential: StoredCredential) -> secretmanager.Secret:
        args = self._args
        return secretmanager.Secret(
            f"{self._name}-{credential.name}",
            secret_id=f"{args.environment}-{args.service}-{credential.name}",
            project=args.gcp.project,
            labels={"environment": args.environment, "service": args.service},
            replication=replication(args.gcp.locations),
            rotation=secretmanager.SecretRotationArgs(
                rotation_period=f"{credential.rotation_days * 86400}s",
                next_rotation_time=credential.next_rotation,
            ),
            topics=[secretmanager.SecretTopicArgs(name=args.store.topic.id)],
            # Secret Manager checks that it may publish to the topic.
            opts=self._provider_options(depends_on=[args.store.publisher_grant]),
        )

    def _create_version(
        self, credential: StoredCredential, secret: secretmanager.Secret
    ) -> secretmanager.SecretVersion:
        return secretmanager.SecretVersion(
            f"{self._name}-{credential.name}-version",
            secret=secret.id,
            secret_data=credential.secret_document(),
            opts=self._provider_options(),
        )

    def _create_accessor_grant(
        self, credential: StoredCredential, secret: secretmanager.Secret
    ) -> secretmanager.SecretIamMember | None:
        service_account = self._args.service_account
        if service_account is None:
            return None

        return secretmanager.SecretIamMember(
            f"{self._name}-{credential.name}-accessor",
            project=self._args.gcp.project,
            secret_id=secret.secret_id,
            role=SECRET_ACCESSOR_ROLE,
            member=f"serviceAccount:{service_account}",
            opts=self._provider_options(),
        )


def replication(locations: Sequence[str]) -> secretmanager.SecretReplicationArgs:
    """Return automatic replication, or user-managed replicas in `locations`."""
    if not locations:
        return secretmanager.SecretReplicationArgs(
            auto=secretmanager.SecretReplicationAutoArgs()
        )

    replicas = [
        secretmanager.SecretReplicationUserManagedReplicaArgs(location=location)
        for location in locations
    ]
    return secretmanager.SecretReplicationArgs(
        user_managed=secretmanager.SecretReplicationUserManagedArgs(replicas=replicas)
    )
