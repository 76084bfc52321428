"""Input changes that make a provider replace a resource instead of updating it.

Each rule lists, for one resource type the program declares, the inputs
(engine camelCase names) whose change makes the provider replace the resource,
a short label in plain words, and the role the resource plays. The sources are
the schemas of the providers that the pinned SDKs bridge:

- random (`hashicorp/terraform-provider-random`): every input of a random
  value carries `RequiresReplace`, `keepers` included.
- tls (`hashicorp/terraform-provider-tls`): a private key is replaced when its
  `algorithm`, `ecdsaCurve` or `rsaBits` changes. A certificate or certificate
  request is replaced on any input change except `earlyRenewalHours`.
- time (`hashicorp/terraform-provider-time`, bridged by pulumiverse-time):
  `Rotating` and `Static` are replaced when `rfc3339` or `triggers` change,
  an `Offset` only when `triggers` change. `rotationDays` and the other
  `rotation*` inputs are updated in place: the base time stays and the
  rotation time (`rotationRfc3339`) moves. An `Offset` recomputes its time in
  place when `baseRfc3339` or an `offset*` input changes. The
  provider also replaces a `Rotating` at any run whose clock is past its
  rotation time, which no offline comparison can see.
- vault (`hashicorp/terraform-provider-vault`): `ForceNew` inputs below, plus
  `namespace` on every Vault resource. A mount's `path` is not `ForceNew`: the
  provider moves the mount with `sys/remount`, which keeps its data at the new
  path. An auth backend's `path` moves the same way unless `disableRemount` is
  set. A transit key is also replaced when `exportable` or
  `allowPlaintextBackup` goes from true to false.
- aws (`hashicorp/terraform-provider-aws`): `secretString` of a secret version
  is `ForceNew`, so a new value makes a new version; `region` is `ForceNew` on
  every resource.
- azure-native: the inputs that name the resource in its ARM URL
  (`resourceGroupName`, `vaultName`, `secretName`, ...) and the create-only
  `location`.
- gcp (`hashicorp/terraform-provider-google`): a secret's `secretId`,
  `project` and `replication` cannot change; a version's `secret` and
  `secretData` neither.

A resource type missing from the table is reported as changed, with
replacement unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """The part a resource plays for the services that use it."""

    CREDENTIAL = "credential"
    """A generated secret value: password, token, private key, AppRole role id."""
    CERTIFICATE = "certificate"
    """A certificate; a CA when `isCaCertificate` is true or the type is a CA."""
    CERTIFICATE_AUTHORITY = "certificate-authority"
    TRIGGER = "trigger"
    """A time resource whose replacement rotates what is keyed on it."""
    STORE = "store"
    """A mount, vault or secret container whose deletion deletes secrets."""
    STORED_VALUE = "stored-value"
    """One stored copy of a secret value (KV entry, cloud secret version)."""
    ENCRYPTION_KEY = "encryption-key"
    """A key whose deletion makes its ciphertexts undecryptable."""
    ACCESS = "access"
    """A policy, role, auth backend or grant."""
    CONFIG = "config"


@dataclass(frozen=True)
class ReplacementRule:
    """The replacement behaviour of one resource type."""

    label: str
    """Plain words for the resource type, e.g. "Vault KV mount"."""
    role: Role
    forcing: frozenset[str] | None
    """Inputs whose change replaces the resource; None means every input."""
    updatable: frozenset[str] = frozenset()
    """Inputs that update in place although `forcing` is None."""
    moving: frozenset[str] = frozenset()
    """Inputs whose change moves the resource in place (a Vault remount)."""
    new_outputs: frozenset[str] = frozenset()
    """Inputs whose in-place update gives dependents new output values."""
    name_inputs: tuple[str, ...] = ()
    """Inputs that identify the object in its cloud; when none of them changes,
    the replacement reuses the identity of the object it deletes."""
    name_hold: str = ""
    """How long the cloud keeps a deleted object's name reserved, if it does."""


def _vault(*names: str) -> frozenset[str]:
    return frozenset((*names, "namespace"))


def _aws(*names: str) -> frozenset[str]:
    return frozenset((*names, "region"))


_EVERY_INPUT = None
_CERTIFICATE_UPDATES = frozenset({"earlyRenewalHours"})
_ROTATION_INPUTS = frozenset(
    {
        "rotationDays",
        "rotationHours",
        "rotationMinutes",
        "rotationMonths",
        "rotationYears",
        "rotationRfc3339",
    }
)
_OFFSET_INPUTS = frozenset(
    {
        "baseRfc3339",
        "offsetDays",
        "offsetHours",
        "offsetMinutes",
        "offsetMonths",
        "offsetSeconds",
        "offsetYears",
    }
)
_AWS_NAME_HOLD = (
    "AWS Secrets Manager keeps a deleted secret's name until its recovery "
    "window (`recoveryWindowInDays`, 7 to 30 days) ends, so a new secret with "
    "the same name fails until then"
)
_AZURE_VAULT_HOLD = (
    "Azure keeps a deleted key vault's name under soft delete for its "
    "retention period and purge protection forbids an early purge, so a new "
    "vault with the same name fails until then"
)
_AZURE_ITEM_HOLD = (
    "Azure Key Vault keeps a deleted {item}'s name under soft delete for the "
    "vault's retention period, so a new {item} with the same name fails until "
    "it is recovered or purged"
)

RULES: dict[str, ReplacementRule] = {
    # Generated values
    "random:index/randomPassword:RandomPassword": ReplacementRule(
        "random password", Role.CREDENTIAL, _EVERY_INPUT
    ),
    "random:index/randomString:RandomString": ReplacementRule(
        "random string", Role.CREDENTIAL, _EVERY_INPUT
    ),
    "random:index/randomBytes:RandomBytes": ReplacementRule(
        "random bytes", Role.CREDENTIAL, _EVERY_INPUT
    ),
    "random:index/randomId:RandomId": ReplacementRule(
        "random id", Role.CREDENTIAL, _EVERY_INPUT
    ),
    "tls:index/privateKey:PrivateKey": ReplacementRule(
        "private key",
        Role.CREDENTIAL,
        frozenset({"algorithm", "ecdsaCurve", "rsaBits"}),
    ),
    "tls:index/selfSignedCert:SelfSignedCert": ReplacementRule(
        "self-signed certificate",
        Role.CERTIFICATE,
        _EVERY_INPUT,
        updatable=_CERTIFICATE_UPDATES,
    ),
    "tls:index/locallySignedCert:LocallySignedCert": ReplacementRule(
        "locally signed certificate",
        Role.CERTIFICATE,
        _EVERY_INPUT,
        updatable=_CERTIFICATE_UPDATES,
    ),
    "tls:index/certRequest:CertRequest": ReplacementRule(
        "certificate request", Role.CONFIG, _EVERY_INPUT
    ),
    "time:index/rotating:Rotating": ReplacementRule(
        "rotation trigger",
        Role.TRIGGER,
        frozenset({"rfc3339", "triggers"}),
        new_outputs=_ROTATION_INPUTS,
    ),
    "time:index/offset:Offset": ReplacementRule(
        "time offset",
        Role.TRIGGER,
        frozenset({"triggers"}),
        new_outputs=_OFFSET_INPUTS,
    ),
    "time:index/static:Static": ReplacementRule(
        "static time", Role.TRIGGER, frozenset({"rfc3339", "triggers"})
    ),
    # Vault
    "vault:index/mount:Mount": ReplacementRule(
        "Vault mount",
        Role.STORE,
        _vault(
            "type", "local", "sealWrap", "externalEntropyAccess", "allowedManagedKeys"
        ),
        moving=frozenset({"path"}),
    ),
    "vault:kv/secretV2:SecretV2": ReplacementRule(
        "Vault KV secret", Role.STORED_VALUE, _vault("mount", "name")
    ),
    "vault:index/policy:Policy": ReplacementRule(
        "Vault ACL policy", Role.ACCESS, _vault("name")
    ),
    "vault:index/authBackend:AuthBackend": ReplacementRule(
        "Vault auth backend",
        Role.ACCESS,
        _vault("type", "local"),
        moving=frozenset({"path"}),
    ),
    "vault:jwt/authBackend:AuthBackend": ReplacementRule(
        "Vault JWT auth backend",
        Role.ACCESS,
        _vault("type", "local"),
        moving=frozenset({"path"}),
    ),
    "vault:appRole/authBackendRole:AuthBackendRole": ReplacementRule(
        "Vault AppRole role", Role.ACCESS, _vault("backend", "roleName")
    ),
    "vault:jwt/authBackendRole:AuthBackendRole": ReplacementRule(
        "Vault JWT role", Role.ACCESS, _vault("backend", "roleName")
    ),
    "vault:index/audit:Audit": ReplacementRule(
        "Vault audit device",
        Role.CONFIG,
        _vault("type", "path", "description", "local", "options"),
    ),
    "vault:transit/secretBackendKey:SecretBackendKey": ReplacementRule(
        "Vault transit key",
        Role.ENCRYPTION_KEY,
        _vault("backend", "name", "type", "derived", "convergentEncryption"),
    ),
    "vault:pkiSecret/secretBackendRootCert:SecretBackendRootCert": ReplacementRule(
        "Vault PKI root certificate", Role.CERTIFICATE_AUTHORITY, _EVERY_INPUT
    ),
    "vault:pkiSecret/secretBackendIntermediateCertRequest:"
    "SecretBackendIntermediateCertRequest": ReplacementRule(
        "Vault PKI intermediate request", Role.CONFIG, _EVERY_INPUT
    ),
    "vault:pkiSecret/secretBackendRootSignIntermediate:"
    "SecretBackendRootSignIntermediate": ReplacementRule(
        "Vault PKI intermediate certificate",
        Role.CERTIFICATE_AUTHORITY,
        _EVERY_INPUT,
    ),
    "vault:pkiSecret/secretBackendIntermediateSetSigned:"
    "SecretBackendIntermediateSetSigned": ReplacementRule(
        "Vault PKI signed intermediate", Role.CERTIFICATE_AUTHORITY, _EVERY_INPUT
    ),
    "vault:pkiSecret/secretBackendCert:SecretBackendCert": ReplacementRule(
        "Vault PKI certificate",
        Role.CERTIFICATE,
        _EVERY_INPUT,
        updatable=frozenset({"autoRenew", "minSecondsRemaining"}),
    ),
    "vault:pkiSecret/secretBackendRole:SecretBackendRole": ReplacementRule(
        "Vault PKI role", Role.CONFIG, _vault("backend", "name")
    ),
    # AWS
    "aws:kms/key:Key": ReplacementRule(
        "AWS KMS key",
        Role.ENCRYPTION_KEY,
        _aws(
            "customerMasterKeySpec",
            "keyUsage",
            "multiRegion",
            "customKeyStoreId",
            "xksKeyId",
        ),
    ),
    "aws:kms/alias:Alias": ReplacementRule(
        "AWS KMS alias", Role.CONFIG, _aws("name", "namePrefix")
    ),
    "aws:secretsmanager/secret:Secret": ReplacementRule(
        "AWS Secrets Manager secret",
        Role.STORE,
        _aws("name", "namePrefix"),
        name_inputs=("name", "namePrefix", "region"),
        name_hold=_AWS_NAME_HOLD,
    ),
    "aws:secretsmanager/secretVersion:SecretVersion": ReplacementRule(
        "AWS Secrets Manager secret version",
        Role.STORED_VALUE,
        _aws("secretId", "secretString", "secretBinary"),
    ),
    "aws:secretsmanager/secretPolicy:SecretPolicy": ReplacementRule(
        "AWS secret resource policy", Role.ACCESS, _aws("secretArn")
    ),
    "aws:secretsmanager/secretRotation:SecretRotation": ReplacementRule(
        "AWS secret rotation", Role.CONFIG, _aws("secretId")
    ),
    # Azure
    "azure-native:keyvault:Vault": ReplacementRule(
        "Azure key vault",
        Role.STORE,
        frozenset({"vaultName", "resourceGroupName", "location"}),
        name_inputs=("vaultName",),
        name_hold=_AZURE_VAULT_HOLD,
    ),
    "azure-native:keyvault:Secret": ReplacementRule(
        "Azure Key Vault secret",
        Role.STORED_VALUE,
        frozenset({"secretName", "vaultName", "resourceGroupName"}),
        name_inputs=("secretName", "vaultName", "resourceGroupName"),
        name_hold=_AZURE_ITEM_HOLD.format(item="secret"),
    ),
    "azure-native:keyvault:Key": ReplacementRule(
        "Azure Key Vault key",
        Role.ENCRYPTION_KEY,
        frozenset({"keyName", "vaultName", "resourceGroupName"}),
        name_inputs=("keyName", "vaultName", "resourceGroupName"),
        name_hold=_AZURE_ITEM_HOLD.format(item="key"),
    ),
    "azure-native:resources:ResourceGroup": ReplacementRule(
        "Azure resource group",
        Role.STORE,
        frozenset({"resourceGroupName", "location"}),
    ),
    "azure-native:authorization:RoleAssignment": ReplacementRule(
        "Azure role assignment", Role.ACCESS, _EVERY_INPUT
    ),
    # GCP
    "gcp:secretmanager/secret:Secret": ReplacementRule(
        "GCP Secret Manager secret",
        Role.STORE,
        frozenset({"secretId", "project", "replication"}),
    ),
    "gcp:secretmanager/secretVersion:SecretVersion": ReplacementRule(
        "GCP Secret Manager secret version",
        Role.STORED_VALUE,
        frozenset({"secret", "secretData", "isSecretDataBase64"}),
    ),
    "gcp:secretmanager/secretIamMember:SecretIamMember": ReplacementRule(
        "GCP secret IAM member", Role.ACCESS, _EVERY_INPUT
    ),
    "gcp:projects/serviceIdentity:ServiceIdentity": ReplacementRule(
        "GCP service identity", Role.CONFIG, _EVERY_INPUT
    ),
    "gcp:pubsub/topic:Topic": ReplacementRule(
        "GCP Pub/Sub topic", Role.CONFIG, frozenset({"name", "project"})
    ),
    "gcp:pubsub/topicIAMMember:TopicIAMMember": ReplacementRule(
        "GCP topic IAM member", Role.ACCESS, _EVERY_INPUT
    ),
}

_ONE_WAY_TRANSIT_FLAGS = ("exportable", "allowPlaintextBackup")
_TRANSIT_KEY = "vault:transit/secretBackendKey:SecretBackendKey"
_REMOUNTING_AUTH = (
    "vault:index/authBackend:AuthBackend",
    "vault:jwt/authBackend:AuthBackend",
)


PROVIDER_TYPE_PREFIX = "pulumi:providers:"

# TODO: a provider configuration change that the plugin treats as a
# replacement replaces every resource of that provider. The report does not
# record which provider a resource uses, so provider changes count as updates.
PROVIDER_RULE = ReplacementRule("provider configuration", Role.CONFIG, frozenset())


def rule_for(resource_type: str) -> ReplacementRule | None:
    """Return the rule for a type token, or None when the table lacks it."""
    if resource_type.startswith(PROVIDER_TYPE_PREFIX):
        return PROVIDER_RULE
    return RULES.get(resource_type)


def forcing_changes(
    resource_type: str,
    changed: frozenset[str],
    base_props: dict[str, Any],
    head_props: dict[str, Any],
) -> frozenset[str]:
    """Return the changed inputs that make the provider replace the resource."""
    rule = rule_for(resource_type)
    if rule is None:
        return frozenset()

    if rule.forcing is None:
        forcing = changed - rule.updatable
    else:
        forcing = changed & rule.forcing

    return forcing | _conditional_forcing(
        resource_type, changed, base_props, head_props
    )


def moving_changes(
    resource_type: str, changed: frozenset[str], head_props: dict[str, Any]
) -> frozenset[str]:
    """Return the changed inputs that move the resource in place (a remount)."""
    rule = rule_for(resource_type)
    if rule is None:
        return frozenset()

    moving = changed & rule.moving
    if resource_type in _REMOUNTING_AUTH and head_props.get("disableRemount"):
        return frozenset()
    return moving


def output_changes(resource_type: str, changed: frozenset[str]) -> frozenset[str]:
    """Return the changed inputs whose update hands dependents new values."""
    rule = rule_for(resource_type)
    if rule is None:
        return frozenset()
    return changed & rule.new_outputs


def _conditional_forcing(
    resource_type: str,
    changed: frozenset[str],
    base_props: dict[str, Any],
    head_props: dict[str, Any],
) -> frozenset[str]:
    """Return inputs that force replacement only for some old and new values."""
    forcing: set[str] = set()

    # A remount is opted out of, so the provider recreates the backend instead.
    if resource_type in _REMOUNTING_AUTH and head_props.get("disableRemount"):
        forcing |= changed & {"path"}

    # Vault cannot turn these flags off on an existing key.
    if resource_type == _TRANSIT_KEY:
        for flag in _ONE_WAY_TRANSIT_FLAGS:
            if flag in changed and base_props.get(flag) and not head_props.get(flag):
                forcing.add(flag)

    return frozenset(forcing)
