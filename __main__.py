"""Declare the secrets platform of the selected stack and export its outputs.

The outputs are references (Vault paths, role names, cloud secret ids) and
public material (certificates, CA bundle, JWKS), never a secret value.
"""

import pulumi

from components.platform import Platform, PlatformArgs
from stack_config import load_external_secrets, load_stack_config


def main() -> None:
    config = load_stack_config()
    external_secrets = load_external_secrets(config)

    platform = Platform(
        "platform", PlatformArgs(config=config, external_secrets=external_secrets)
    )
    for key, value in platform.stack_outputs().items():
        pulumi.export(key, value)


main()
