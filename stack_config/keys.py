"""The keys each config object accepts, spelled as in the stack file."""

from __future__ import annotations

TOP_LEVEL_KEYS = (
    "environment",
    "vault",
    "mirrors",
    "aws",
    "azure",
    "gcp",
    "rotation",
    "pki",
    "services",
    "protectData",
    "external",
)
VAULT_KEYS = (
    "flavor",
    "kvLayout",
    "jwt",
    "auditFilePath",
    "tokenTtlSeconds",
    "tokenMaxTtlSeconds",
    "secretIdTtlSeconds",
)
JWT_KEYS = (
    "issuer",
    "audience",
    "oidcDiscoveryUrl",
    "validationPublicKeys",
    "generateLocalKey",
    "repositoryOwner",
)
AWS_KEYS = ("region", "recoveryWindowDays")
AZURE_KEYS = (
    "resourceGroup",
    "location",
    "tenantId",
    "subscriptionId",
    "vaultName",
    "softDeleteRetentionDays",
)
GCP_KEYS = ("project", "locations")
ROTATION_KEYS = ("databasePassword", "jwtSigningKey", "apiToken", "leafCertificate")
PKI_KEYS = (
    "backend",
    "keyAlgorithm",
    "rootValidityDays",
    "intermediateValidityDays",
    "leafValidityDays",
    "protectCa",
)
SERVICE_KEYS = (
    "databases",
    "jwt",
    "tls",
    "apiTokens",
    "transitKeys",
    "external",
    "identities",
    "ciClaims",
)
SERVICE_JWT_KEYS = ("algorithm", "refreshTokenSecret")
SERVICE_TLS_KEYS = ("serverNames", "client")
