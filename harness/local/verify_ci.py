"""CI identity check: a JWT signed by the trusted local key logs in per service.

The `local` stack's JWT backend trusts the public key of a `tls.PrivateKey`
the program declares. The local apply generated that key, so it has the
private half and can sign a token the way a CI provider would. Each JWT role
gets a token with its audience and bound claims; the login must reach the
service's own secrets and no other service's.
"""

from __future__ import annotations

import time
from typing import Any

import hvac.exceptions
import jwt
import requests

from harness.local.checks import JWT_BACKEND, JWT_ROLE, CheckResult, owner_of
from harness.local.vault_api import VaultApi
from harness.local.vault_apply import AppliedResource
from harness.local.verify_access import KvSecretPath, check_kv_access

TOKEN_LIFETIME_SECONDS = 300
DEFAULT_SUBJECT = "repo:local/ci:ref:refs/heads/main"


def check_ci_identity(
    root: VaultApi,
    applied: list[AppliedResource],
    secret_paths: list[KvSecretPath],
    services: list[str],
) -> list[CheckResult]:
    """Log in through every JWT role with a locally signed token and check access."""
    backends = {
        str(record.outputs.get("path")): record
        for record in applied
        if record.type == JWT_BACKEND
    }
    results = []
    for role in (record for record in applied if record.type == JWT_ROLE):
        owner = owner_of(role.name, services)
        backend = backends.get(str(role.inputs.get("backend") or "jwt").strip("/"))
        signing_key = _trusted_private_key(applied, backend)
        if backend is None or signing_key is None:
            detail = "no JWT backend trusting a key the program generated"
            results.append(CheckResult("ci", owner, "CI login", False, detail))
            continue
        results += _check_role(root, backend, role, signing_key, secret_paths, services)
    return results


def _check_role(
    root: VaultApi,
    backend: AppliedResource,
    role: AppliedResource,
    signing_key: str,
    secret_paths: list[KvSecretPath],
    services: list[str],
) -> list[CheckResult]:
    owner = owner_of(role.name, services)
    path = f"auth/{backend.outputs['path']}/login"
    results = _rejection_checks(root, path, backend, role, signing_key, owner)
    try:
        login = _login(root, path, role, ci_token(backend, role, signing_key))
    except (hvac.exceptions.VaultError, requests.RequestException) as error:
        detail = f"{path} failed ({type(error).__name__})"
        return [*results, CheckResult("ci", owner, "CI login", False, detail)]

    ci_api = VaultApi(root.address, login["auth"]["client_token"])
    access = check_kv_access({owner: ci_api}, secret_paths, services, method="CI JWT")
    return [*results, CheckResult("ci", owner, "CI login", True)] + [
        CheckResult("ci", result.service, result.subject, result.passed, result.detail)
        for result in access
    ]


def _rejection_checks(
    root: VaultApi,
    path: str,
    backend: AppliedResource,
    role: AppliedResource,
    signing_key: str,
    owner: str,
) -> list[CheckResult]:
    """Check that a token with a wrong audience or wrong bound claims is rejected."""
    wrong_claims = {
        claim: f"{_matching_claim_value(value)}-other"
        for claim, value in (role.inputs.get("boundClaims") or {}).items()
    }
    cases = {"CI login with a wrong audience rejected": {"aud": "other-audience"}}
    if wrong_claims:
        cases["CI login with other bound claims rejected"] = wrong_claims

    results = []
    for subject, overrides in cases.items():
        token = ci_token(backend, role, signing_key, overrides)
        try:
            _login(root, path, role, token)
        except (hvac.exceptions.InvalidRequest, hvac.exceptions.Forbidden):
            results.append(CheckResult("ci", owner, subject, True))
            continue
        detail = "the JWT role accepted the token"
        results.append(CheckResult("ci", owner, subject, False, detail))
    return results


def _login(
    root: VaultApi, path: str, role: AppliedResource, token: str
) -> dict[str, Any]:
    return root.request("POST", path, {"role": role.inputs["roleName"], "jwt": token})


def ci_token(
    backend: AppliedResource,
    role: AppliedResource,
    signing_key: str,
    overrides: dict[str, Any] | None = None,
) -> str:
    """Return a JWT carrying the role's audience, subject and bound claims.

    `overrides` replaces claims after they are built, to make a token the
    role must reject.
    """
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": backend.inputs.get("boundIssuer") or "",
        "sub": role.inputs.get("boundSubject") or DEFAULT_SUBJECT,
        "iat": now,
        "nbf": now,
        "exp": now + TOKEN_LIFETIME_SECONDS,
    }
    audiences = role.inputs.get("boundAudiences") or []
    if audiences:
        claims["aud"] = audiences[0]
    for claim, value in (role.inputs.get("boundClaims") or {}).items():
        claims[claim] = _matching_claim_value(value)
    user_claim = role.inputs.get("userClaim") or "sub"
    claims.setdefault(user_claim, claims["sub"])
    claims.update(overrides or {})

    algorithm = (backend.inputs.get("jwtSupportedAlgs") or ["ES256"])[0]
    return jwt.encode(claims, signing_key, algorithm=algorithm)


def _matching_claim_value(bound: Any) -> Any:
    """Return a claim value the bound value accepts (first choice, globs filled)."""
    if isinstance(bound, list):
        bound = bound[0] if bound else ""
    first = str(bound).split(",")[0]
    return first.replace("*", "local")


def _trusted_private_key(
    applied: list[AppliedResource], backend: AppliedResource | None
) -> str | None:
    """Return the private PEM of the generated key the backend trusts."""
    if backend is None:
        return None
    trusted = {pem.strip() for pem in backend.inputs.get("jwtValidationPubkeys") or []}
    for record in applied:
        public_pem = str(record.outputs.get("publicKeyPem") or "").strip()
        if record.type == "tls:index/privateKey:PrivateKey" and public_pem in trusted:
            return str(record.plain_outputs["privateKeyPem"])
    return None
