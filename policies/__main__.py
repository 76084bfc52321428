"""Serve the secrets-platform policy pack to the Pulumi CLI.

Run from the project root:
    pulumi preview --policy-pack policies \
        --policy-pack-config policies/config/<stack>.json
"""

from pulumi_policy import EnforcementLevel, PolicyPack
from secrets_policies import build_policies

PolicyPack(
    name="secrets-platform",
    policies=build_policies(),
    enforcement_level=EnforcementLevel.MANDATORY,
)
