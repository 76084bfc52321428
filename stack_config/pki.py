"""Parse the `pki` and `rotation` sections, whose periods bound each other."""

from __future__ import annotations

from stack_config.keys import PKI_KEYS, ROTATION_KEYS
from stack_config.model import (
    KEY_ALGORITHMS,
    PKI_BACKENDS,
    PkiSettings,
    RotationSettings,
)
from stack_config.reader import _ConfigObject
from stack_config.rules import _check_ceiling


def _parse_pki(root: _ConfigObject) -> PkiSettings:
    pki = root.section("pki", PKI_KEYS)
    root_days = pki.integer("rootValidityDays", 3650, 2, 7300)
    intermediate_days = pki.integer("intermediateValidityDays", 365, 1, 7300)
    _check_ceiling(
        pki.key_for("intermediateValidityDays"),
        intermediate_days,
        pki.key_for("rootValidityDays"),
        root_days,
        strict=True,
    )

    # The CA/Browser Forum caps publicly trusted TLS server certificates at 398
    # days, and internal leaves stay a day under that cap.
    leaf_days = pki.integer("leafValidityDays", 30, 1, 397)
    _check_ceiling(
        pki.key_for("leafValidityDays"),
        leaf_days,
        pki.key_for("intermediateValidityDays"),
        intermediate_days,
        strict=True,
    )
    return PkiSettings(
        backend=pki.choice("backend", PKI_BACKENDS, default="tls"),
        key_algorithm=pki.choice("keyAlgorithm", KEY_ALGORITHMS, default="ECDSA-P256"),
        root_validity_days=root_days,
        intermediate_validity_days=intermediate_days,
        leaf_validity_days=leaf_days,
        protect_ca=pki.flag("protectCa", default=False),
    )


def _parse_rotation(root: _ConfigObject, pki: PkiSettings) -> RotationSettings:
    rotation = root.section("rotation", ROTATION_KEYS)
    leaf_days = rotation.integer("leafCertificate", 30, 1, 397)

    # A certificate must be replaced no later than the day it expires.
    _check_ceiling(
        rotation.key_for("leafCertificate"),
        leaf_days,
        "pki.leafValidityDays",
        pki.leaf_validity_days,
    )
    return RotationSettings(
        database_password=rotation.integer("databasePassword", 30, 1, 365),
        jwt_signing_key=rotation.integer("jwtSigningKey", 90, 1, 365),
        api_token=rotation.integer("apiToken", 90, 1, 365),
        leaf_certificate=leaf_days,
    )
