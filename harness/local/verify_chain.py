"""Certificate chain check: each leaf verifies up to a declared root.

Every leaf (a `tls.LocallySignedCert` that is not a CA, or a Vault PKI
`SecretBackendCert`) is walked up through the certificates the apply
produced: at each step the issuer name must equal the next certificate's
subject and the signature must verify with its key, and the walk must end at
a self-signed root the program declared. Each certificate's validity window
must match the declared period and the stack config's days, within
`VALIDITY_TOLERANCE_SECONDS` (Vault backdates `not_before` by 30 s).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes

from harness.local.checks import CheckResult, owner_of
from harness.local.vault_apply import AppliedResource
from harness.local.verify_drift import parse_duration

VALIDITY_TOLERANCE_SECONDS = 120
MAX_CHAIN_LENGTH = 6
SELF_SIGNED = "tls:index/selfSignedCert:SelfSignedCert"
LOCALLY_SIGNED = "tls:index/locallySignedCert:LocallySignedCert"
VAULT_ROOT = "vault:pkiSecret/secretBackendRootCert:SecretBackendRootCert"
VAULT_LEAF = "vault:pkiSecret/secretBackendCert:SecretBackendCert"


@dataclass(frozen=True)
class ValidityDays:
    """The stack config's `pki.*ValidityDays`, checked against each chain level."""

    root: int | None = None
    intermediate: int | None = None
    leaf: int | None = None


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate the apply produced and the validity its resource declared."""

    certificate: x509.Certificate
    declared_seconds: int | None


def check_chains(
    applied: list[AppliedResource], services: list[str], config_days: ValidityDays
) -> list[CheckResult]:
    """Verify every leaf's chain and validity windows."""
    pool = _certificate_pool(applied)
    roots = _declared_roots(applied)
    results = []
    for record, leaf_pem in _leaves(applied):
        problems = _check_leaf(_load(leaf_pem), pool, roots, config_days)
        results.append(
            CheckResult(
                kind="chain",
                service=owner_of(record.name, services),
                subject=f"{record.name} chain to root",
                passed=not problems,
                detail="; ".join(problems),
            )
        )
    return results


def _check_leaf(
    leaf: x509.Certificate,
    pool: dict[bytes, IssuedCertificate],
    roots: set[bytes],
    config_days: ValidityDays,
) -> list[str]:
    chain, problems = build_chain(leaf, pool)
    if problems:
        return problems
    if _fingerprint(chain[-1]) not in roots:
        return ["chain ends at a root the program did not declare"]

    levels = ["leaf"] + ["intermediate"] * (len(chain) - 2) + ["root"]
    for level, certificate in zip(levels, chain, strict=True):
        issued = pool.get(_fingerprint(certificate))
        declared = issued.declared_seconds if issued else None
        expected_days = getattr(config_days, level)
        problems += _validity_problems(level, certificate, declared, expected_days)
    return problems


def build_chain(
    leaf: x509.Certificate, pool: dict[bytes, IssuedCertificate]
) -> tuple[list[x509.Certificate], list[str]]:
    """Return the chain from `leaf` to a self-signed root, or the problems found."""
    chain = [leaf]
    while not _is_self_signed(chain[-1]):
        if len(chain) > MAX_CHAIN_LENGTH:
            return chain, ["chain is longer than expected (a loop?)"]
        issuer = _find_issuer(chain[-1], pool)
        if issuer is None:
            subject = chain[-1].subject.rfc4514_string()
            return chain, [f"no issuer found that signed '{subject}'"]
        chain.append(issuer)
    return chain, []


def _find_issuer(
    certificate: x509.Certificate, pool: dict[bytes, IssuedCertificate]
) -> x509.Certificate | None:
    for candidate in pool.values():
        if candidate.certificate.subject != certificate.issuer:
            continue
        if _signed_by(certificate, candidate.certificate):
            return candidate.certificate
    return None


def _signed_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _is_self_signed(certificate: x509.Certificate) -> bool:
    return certificate.issuer == certificate.subject and _signed_by(
        certificate, certificate
    )


def _validity_problems(
    level: str,
    certificate: x509.Certificate,
    declared_seconds: int | None,
    expected_days: int | None,
) -> list[str]:
    window = (
        certificate.not_valid_after_utc - certificate.not_valid_before_utc
    ).total_seconds()
    problems = []
    if declared_seconds is not None and not _close(window, declared_seconds):
        problems.append(
            f"{level} validity {window / 3600:.1f} h differs from the declared "
            f"{declared_seconds / 3600:.1f} h"
        )
    if expected_days is not None and not _close(window, expected_days * 86400):
        problems.append(
            f"{level} validity {window / 86400:.2f} days differs from the "
            f"config's {expected_days} days"
        )
    return problems


def _close(window: float, expected: float) -> bool:
    return abs(window - expected) <= VALIDITY_TOLERANCE_SECONDS


def _certificate_pool(applied: list[AppliedResource]) -> dict[bytes, IssuedCertificate]:
    """Return every certificate the apply produced, by SHA-256 fingerprint."""
    pool: dict[bytes, IssuedCertificate] = {}
    for record in applied:
        declared = _declared_seconds(record)
        for pem, is_own in _certificates_of(record):
            certificate = _load(pem)
            fingerprint = _fingerprint(certificate)
            # A certificate passed on as an input (set-signed) keeps the
            # validity declared by the resource that issued it.
            if fingerprint not in pool or (is_own and declared is not None):
                pool[fingerprint] = IssuedCertificate(
                    certificate, declared if is_own else None
                )
    return pool


def _certificates_of(record: AppliedResource) -> list[tuple[str, bool]]:
    """Return (PEM, issued by this resource) for each certificate in its outputs."""
    outputs = record.outputs
    own = outputs.get("certPem") or outputs.get("certificate")
    found = [(str(own), True)] if own else []
    for key in ("issuingCa", "caCertPem"):
        if outputs.get(key):
            found.append((str(outputs[key]), False))
    chain = outputs.get("caChain") or outputs.get("caChains") or []
    if isinstance(chain, str):
        chain = _split_pem_bundle(chain)
    found += [(str(pem), False) for pem in chain if pem]
    return [(pem, is_own) for pem, is_own in found if "BEGIN CERTIFICATE" in pem]


def _declared_roots(applied: list[AppliedResource]) -> set[bytes]:
    roots = set()
    for record in applied:
        if record.type == SELF_SIGNED and record.inputs.get("isCaCertificate"):
            roots.add(_fingerprint(_load(record.outputs["certPem"])))
        if record.type == VAULT_ROOT and record.outputs.get("certificate"):
            roots.add(_fingerprint(_load(record.outputs["certificate"])))
    return roots


def _leaves(applied: list[AppliedResource]) -> list[tuple[AppliedResource, str]]:
    leaves = []
    for record in applied:
        if record.type == LOCALLY_SIGNED and not record.inputs.get("isCaCertificate"):
            leaves.append((record, str(record.outputs["certPem"])))
        if record.type == VAULT_LEAF:
            leaves.append((record, str(record.outputs["certificate"])))
    return leaves


def _declared_seconds(record: AppliedResource) -> int | None:
    hours = record.inputs.get("validityPeriodHours")
    if hours is not None:
        return int(hours) * 3600
    ttl = record.inputs.get("ttl")
    if ttl is None:
        return None
    seconds = parse_duration(str(ttl))
    # Vault backdates `not_before` (30 s by default), so the window is longer.
    return None if seconds is None else seconds + 30


def _split_pem_bundle(bundle: str) -> list[str]:
    marker = "-----END CERTIFICATE-----"
    return [part + marker for part in bundle.split(marker) if "BEGIN" in part]


def _load(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.strip().encode())


def _fingerprint(certificate: x509.Certificate) -> bytes:
    return certificate.fingerprint(hashes.SHA256())
