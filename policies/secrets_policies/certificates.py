"""Rules for private keys and certificates, from pulumi-tls and Vault PKI."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, Policy, ReportViolation

from .framework import (
    Declared,
    Report,
    ResourceCheckArgs,
    Setting,
    StackView,
    Thresholds,
    resource_label,
    resource_policy,
    stack_policy,
)
from .units import duration_seconds, number
from .values import UNKNOWN

PRIVATE_KEY = "tls:index/privateKey:PrivateKey"
CERT_REQUEST = "tls:index/certRequest:CertRequest"
SELF_SIGNED_CERT = "tls:index/selfSignedCert:SelfSignedCert"
LOCALLY_SIGNED_CERT = "tls:index/locallySignedCert:LocallySignedCert"
TLS_CERTS = (SELF_SIGNED_CERT, LOCALLY_SIGNED_CERT)
PKI_ROOT_CERT = "vault:pkiSecret/secretBackendRootCert:SecretBackendRootCert"
PKI_INTERMEDIATE_REQUEST = (
    "vault:pkiSecret/secretBackendIntermediateCertRequest:"
    "SecretBackendIntermediateCertRequest"
)
PKI_SIGN_INTERMEDIATE = (
    "vault:pkiSecret/secretBackendRootSignIntermediate:"
    "SecretBackendRootSignIntermediate"
)
MOUNT = "vault:index/mount:Mount"

CA_USES = ("cert_signing", "crl_signing")
# The tls provider's default when rsaBits is absent; Vault PKI's default keyBits.
DEFAULT_RSA_BITS = 2048
EC_KEY_BITS = frozenset({224, 256, 384, 521})


def check_private_key(args: ResourceCheckArgs, report: Report) -> None:
    algorithm = args.props.get("algorithm")
    if algorithm == "RSA":
        _check_rsa_bits(args.props.get("rsaBits"), args.thresholds, report)
    elif algorithm == "ECDSA":
        _check_curve(args.props.get("ecdsaCurve"), args.thresholds, report)
    elif algorithm != "ED25519":
        report("algorithm is not a literal RSA, ECDSA or ED25519; set one of these.")


def _check_rsa_bits(bits: object, thresholds: Thresholds, report: Report) -> None:
    minimum = thresholds["minRsaBits"]
    size = DEFAULT_RSA_BITS if bits is None else number(bits, "rsaBits")
    if size is None or size < minimum:
        report(
            f"rsaBits is below the minimum or unknown; set it to at least {minimum}."
        )


def _check_curve(curve: object, thresholds: Thresholds, report: Report) -> None:
    allowed = thresholds["allowedEcdsaCurves"]
    if curve not in allowed:
        report(
            "ecdsaCurve is unset, unknown or not allowed (the provider's default "
            f"is P224); set it to one of {', '.join(allowed)}."
        )


def is_ca(resource: Declared | ResourceCheckArgs) -> bool:
    return resource.props.get("isCaCertificate") is True


def check_certificate_validity(args: ResourceCheckArgs, report: Report) -> None:
    ceiling = _validity_ceiling(args)
    validity = number(args.props.get("validityPeriodHours"), "validityPeriodHours")
    if validity is None or validity <= 0:
        report(f"validityPeriodHours is not set; set it to at most {ceiling} hours.")
        return
    if validity > ceiling:
        report(f"validityPeriodHours exceeds the ceiling of {ceiling} hours.")
    if not is_ca(args):
        _check_early_renewal(args.props.get("earlyRenewalHours"), validity, report)


def _validity_ceiling(args: ResourceCheckArgs) -> int:
    if not is_ca(args):
        return args.thresholds["maxLeafValidityHours"]
    if args.resource_type == SELF_SIGNED_CERT:
        return args.thresholds["maxRootValidityHours"]
    return args.thresholds["maxIntermediateValidityHours"]


def _check_early_renewal(value: object, validity: float, report: Report) -> None:
    early = number(value, "earlyRenewalHours")
    if early is None or early <= 0 or early >= validity:
        report(
            "earlyRenewalHours is unset or not below the validity, so the "
            "certificate is not renewed before it expires; set it between 0 "
            "and validityPeriodHours."
        )


def check_certificate_uses(args: ResourceCheckArgs, report: Report) -> None:
    uses = args.props.get("allowedUses")
    if uses is UNKNOWN:
        report("allowedUses cannot be verified during preview; list them literally.")
        return
    uses = uses if isinstance(uses, list) else []
    if is_ca(args):
        missing = [use for use in CA_USES if use not in uses]
        if missing:
            report(f"The CA certificate lacks allowedUses {', '.join(missing)}.")
    elif "cert_signing" in uses:
        report("A leaf certificate allows cert_signing; remove it from allowedUses.")


def check_vault_pki_ca(args: ResourceCheckArgs, report: Report) -> None:
    props = args.props
    if props.get("type") in ("exported", UNKNOWN):
        report(
            "type is 'exported' or unknown, and 'exported' returns the CA private "
            "key into the state; use 'internal' so the key stays in Vault."
        )
    _check_vault_key(
        props.get("keyType"), props.get("keyBits"), args.thresholds, report
    )
    if args.resource_type != PKI_INTERMEDIATE_REQUEST:
        _check_pki_ttl(args, report)


def _check_vault_key(
    key_type: object, key_bits: object, thresholds: Thresholds, report: Report
) -> None:
    bits = number(key_bits, "keyBits")
    if key_type in (None, "rsa"):
        if bits is not None and bits < thresholds["minRsaBits"]:
            report(f"keyBits is below {thresholds['minRsaBits']} for an RSA key.")
    elif key_type == "ec":
        if bits is not None and (bits not in EC_KEY_BITS or bits < 256):
            report("keyBits is not 256, 384 or 521 for an EC key.")
    elif key_type != "ed25519":
        report("keyType is not a literal rsa, ec or ed25519; set one of these.")


def _check_pki_ttl(args: ResourceCheckArgs, report: Report) -> None:
    if args.resource_type == PKI_ROOT_CERT:
        ceiling = args.thresholds["maxRootValidityHours"] * 3600
    else:
        ceiling = args.thresholds["maxIntermediateValidityHours"] * 3600
    value = args.props.get("ttl")
    seconds = duration_seconds(value, "ttl")
    if value is UNKNOWN or seconds is None or seconds <= 0:
        report(f"ttl is unset or unknown; set it to at most {ceiling} seconds.")
    elif seconds > ceiling:
        report(f"ttl exceeds the ceiling of {ceiling} seconds.")


def ca_resources(view: StackView) -> list[Declared]:
    """Return CA certificates, their private keys and Vault PKI mounts."""
    certificates = [cert for t in TLS_CERTS for cert in view.of_type(t) if is_ca(cert)]
    keys: list[Declared] = []
    for cert in certificates:
        keys += _signing_keys(view, cert)
    vault_cas = view.of_type(PKI_ROOT_CERT) + view.of_type(PKI_INTERMEDIATE_REQUEST)
    pki_mounts = [m for m in view.of_type(MOUNT) if m.props.get("type") == "pki"]
    unique = {r.urn: r for r in certificates + keys + vault_cas + pki_mounts}
    return list(unique.values())


def _signing_keys(view: StackView, cert: Declared) -> list[Declared]:
    """Return the private key of a CA certificate, directly or via its CSR."""
    sources = view.dependencies(cert, "privateKeyPem")
    for request in view.dependencies(cert, "certRequestPem"):
        if request.type == CERT_REQUEST:
            sources += view.dependencies(request, "privateKeyPem")
    return [source for source in sources if source.type == PRIVATE_KEY]


def check_ca_protected(
    view: StackView, thresholds: Thresholds, report_violation: ReportViolation
) -> None:
    if not thresholds["requireProtectedCa"]:
        return
    for resource in ca_resources(view):
        if not resource.protect:
            report_violation(
                f"{resource_label(resource)} is part of a CA but not protected, so "
                "a replacement reissues every certificate; set protect=True.",
                resource.urn,
            )


def _validity_settings() -> list[Setting]:
    return [
        Setting("maxLeafValidityHours", "integer", 2160, "Leaf certificates."),
        Setting("maxIntermediateValidityHours", "integer", 8760, "Intermediate CAs."),
        Setting("maxRootValidityHours", "integer", 87600, "Root CAs."),
    ]


def _key_settings() -> list[Setting]:
    return [
        Setting("minRsaBits", "integer", 2048, "Minimum RSA key size."),
        Setting(
            "allowedEcdsaCurves",
            "array",
            ["P256", "P384", "P521"],
            "ECDSA curves a key may use.",
        ),
    ]


def build() -> list[Policy]:
    mandatory = EnforcementLevel.MANDATORY
    return [
        resource_policy(
            name="tls-private-key-strength",
            description=(
                "TLS private keys use RSA >= 2048 bits, an explicit curve or ED25519."
            ),
            level=mandatory,
            resource_types=[PRIVATE_KEY],
            check=check_private_key,
            settings=_key_settings(),
        ),
        resource_policy(
            name="tls-certificate-validity",
            description=(
                "TLS certificates stay within their validity ceiling and leaves "
                "renew early."
            ),
            level=mandatory,
            resource_types=TLS_CERTS,
            check=check_certificate_validity,
            settings=_validity_settings(),
        ),
        resource_policy(
            name="tls-certificate-uses",
            description=(
                "CA certificates sign certificates and CRLs and leaves sign neither."
            ),
            level=mandatory,
            resource_types=TLS_CERTS,
            check=check_certificate_uses,
        ),
        resource_policy(
            name="vault-pki-ca-settings",
            description=(
                "Vault PKI CAs keep their key internal, strong and their TTL bounded."
            ),
            level=mandatory,
            resource_types=[
                PKI_ROOT_CERT,
                PKI_INTERMEDIATE_REQUEST,
                PKI_SIGN_INTERMEDIATE,
            ],
            check=check_vault_pki_ca,
            settings=[_key_settings()[0], *_validity_settings()[1:]],
        ),
        stack_policy(
            name="ca-protected",
            description="CA certificates, their keys and PKI mounts are protected.",
            level=mandatory,
            check=check_ca_protected,
            settings=[
                Setting(
                    "requireProtectedCa", "boolean", False, "Require protect (prod)."
                )
            ],
        ),
    ]
