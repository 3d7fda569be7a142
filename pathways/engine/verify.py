"""Proves an applied pathway works: token and runtime call (inbound), read-back of the CPI artifact
(outbound).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pathways import catalog, certs
from pathways.engine.connect import Connection
from pathways.engine.state import Work, key_not_after
from pathways.sap.errors import SapError
from pathways.sap.keys import KIND_CERTIFICATE, KIND_SECRET
from pathways.sap.runtime import FORBIDDEN, NOT_FOUND, UNAUTHORIZED, call_endpoint, endpoint_url


@dataclass
class Check:
    """One verification step: its label and the function that returns its one-line message or raises."""

    label: str
    run: Callable[[], str]


@dataclass
class Findings:
    """What verification learnt, for the pathway row."""

    certificate_not_after: datetime | None = None


def checks_for(connection: Connection, work: Work, findings: Findings) -> list[Check]:
    pathway = work.pathway
    if pathway.spec.is_inbound:
        return _inbound_checks(connection, work, findings)
    if pathway.method == catalog.BASIC:
        return [
            Check(
                "Verify: the User Credentials read back as DEPLOYED",
                lambda: _credential_deployed(connection, work),
            )
        ]
    checks = [
        Check(
            "Verify: the key pair exists, is valid today and matches the hand-off",
            lambda: _key_pair_valid(connection, work, findings),
        )
    ]
    if work.applied.get("trusted_alias"):
        checks.append(
            Check("Verify: the receiver's server root is trusted", lambda: _trusted_present(connection, work))
        )
    return checks


# --- inbound -----------------------------------------------------------------------------------------------


def _inbound_checks(connection: Connection, work: Work, findings: Findings) -> list[Check]:
    key = work.service_key
    if key is None:
        return [Check("Verify: the service key exists", _missing_key)]
    if key.kind == KIND_SECRET:
        return [
            Check("Verify: a token from the new key (client secret)", lambda: _token(connection, work)),
            Check(
                "Verify: call the runtime endpoint with that token", lambda: _runtime_call(connection, work)
            ),
        ]
    if key.kind == KIND_CERTIFICATE:
        return [
            Check("Verify: a token from the new key (mTLS)", lambda: _token(connection, work, findings)),
            Check(
                "Verify: call the runtime endpoint with the key's certificate",
                lambda: _runtime_call(connection, work, mtls=True),
            ),
        ]
    return [
        Check(
            "Verify: the key holds the uploaded certificate, valid today",
            lambda: _external_key(work, findings),
        )
    ]


def _missing_key() -> str:
    raise SapError("The service key does not exist; apply the pathway first", code="not_applied")


def _token(connection: Connection, work: Work, findings: Findings | None = None) -> str:
    token = connection.tokens.for_key(work.required_key())
    if findings is not None:
        findings.certificate_not_after = key_not_after(work.required_key())
    return f"token issued, valid {token.expires_in} s, roles {', '.join(token.role_names) or 'none'}"


def _runtime_call(connection: Connection, work: Work, *, mtls: bool = False) -> str:
    key = work.required_key()
    landscape = connection.landscape
    url = endpoint_url(landscape.runtime_url or key.url, landscape.endpoint_path or "/")
    if mtls:
        result = call_endpoint(connection.http, url, certificate=key.client_certificate)
    else:
        token = connection.tokens.for_key(key)
        result = call_endpoint(connection.http, url, bearer=token.access_token)
    if result.outcome in (UNAUTHORIZED, FORBIDDEN, NOT_FOUND):
        raise SapError(
            f"The runtime call to {url} failed: {result.sentence()}",
            status=result.status,
            code="runtime_" + result.outcome.replace(" ", "_"),
        )
    return f"{url} answered {result.status}: {result.sentence()}"


def _external_key(work: Work, findings: Findings) -> str:
    key = work.required_key()
    wanted = work.desired.get("external_certificate") or ""
    uploaded = certs.parse_certificates(wanted).leaf if wanted.strip() else None
    held = certs.parse_certificates(key.certificate or "").leaf
    if uploaded is not None and uploaded.fingerprint_sha256 != held.fingerprint_sha256:
        raise SapError(
            "The service key holds another certificate than the one uploaded; rotate the key",
            code="fingerprint_mismatch",
        )
    now = datetime.now(UTC)
    if not held.not_before <= now <= held.not_after:
        raise SapError(
            f"The key's certificate is not valid today (valid {held.not_before:%Y-%m-%d} to "
            f"{held.not_after:%Y-%m-%d})",
            code="not_valid",
        )
    findings.certificate_not_after = held.not_after
    return (
        f"holds {held.fingerprint_sha256[:23]}…, valid until {held.not_after:%Y-%m-%d}; the sender's "
        f"private key stays with the sender, so its own call proves the mTLS handshake"
    )


# --- outbound ----------------------------------------------------------------------------------------------


def _credential_deployed(connection: Connection, work: Work) -> str:
    name = work.desired.get("credential_name") or ""
    if connection.cpi.get_user_credential(name) is None:
        raise SapError(f"There are no User Credentials {name} in CPI; apply the pathway", code="not_applied")
    credential = connection.cpi.wait_until_deployed(name)
    if (credential.user or "") != (work.desired.get("user") or ""):
        raise SapError(
            f"The User Credentials {name} hold user {credential.user}, not the draft's user",
            code="user_mismatch",
        )
    return f"{name} is {credential.status} for user {credential.user}"


def _key_pair_valid(connection: Connection, work: Work, findings: Findings) -> str:
    alias = work.desired.get("alias") or ""
    entry = connection.cpi.get_keystore_entry(alias)
    if entry is None or not entry.is_key_pair:
        raise SapError(f"There is no key pair {alias} in the CPI keystore", code="not_applied")
    now = datetime.now(UTC)
    if (
        entry.valid_not_after is None
        or entry.valid_not_after <= now
        or (entry.valid_not_before and entry.valid_not_before > now)
    ):
        raise SapError(f"The key pair {alias} is not valid today", code="not_valid")
    handed_over = work.applied.get("fingerprint")
    if not handed_over:
        raise SapError(
            "Nothing was handed over yet for this key pair; apply the pathway first", code="not_applied"
        )
    if certs.normalize_fingerprint(entry.fingerprint_sha256 or "") != certs.normalize_fingerprint(
        handed_over
    ):
        raise SapError(
            f"The key pair {alias} no longer matches the certificate handed over; it was replaced "
            f"outside AuthWizard",
            code="fingerprint_mismatch",
        )
    findings.certificate_not_after = entry.valid_not_after
    return f"{alias} valid until {entry.valid_not_after:%Y-%m-%d}, fingerprint matches the hand-off"


def _trusted_present(connection: Connection, work: Work) -> str:
    alias = work.applied["trusted_alias"]
    entry = connection.cpi.get_keystore_entry(alias)
    if entry is None:
        raise SapError(f"The trusted certificate {alias} is missing from the keystore", code="not_applied")
    if certs.normalize_fingerprint(entry.fingerprint_sha256 or "") != certs.normalize_fingerprint(
        work.applied.get("trusted_fingerprint") or ""
    ):
        raise SapError(
            f"The trusted certificate {alias} was replaced outside AuthWizard", code="fingerprint_mismatch"
        )
    return f"{alias} is in the keystore"
