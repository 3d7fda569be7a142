"""Service key JSON (it-rt `api` and `integration-flow` plans) parsed into one dataclass (D-03, D-04)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pathways.wording import gettext as _

from .errors import SapError

KIND_SECRET = "secret"
KIND_CERTIFICATE = "certificate"
KIND_EXTERNAL_CERTIFICATE = "external_certificate"


def unescape_pem(value: str | None) -> str | None:
    """Replace the literal `\\n` escapes that key JSON carries in PEM values with real newlines."""
    if value is None:
        return None
    text = value.replace("\\r\\n", "\n").replace("\\n", "\n").replace("\r\n", "\n").strip()
    return text + "\n" if text else None


def parse_iso_datetime(value: str | None) -> datetime | None:
    """An aware UTC datetime from an ISO 8601 string such as `2023-06-24T12:56:52.000Z`; None for blanks."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise SapError(
            _("The service key has an unreadable date %(value)s") % {"value": repr(value)}
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def mtls_token_url(tokenurl: str, certurl: str | None = None) -> str:
    """The mTLS token URL (D-04): `certurl` if given, else `.cert` inserted after `authentication`."""
    if certurl:
        base = certurl.rstrip("/")
        return base if base.endswith("/oauth/token") else base + "/oauth/token"
    parts = urlsplit(tokenurl)
    host = parts.hostname or ""
    labels = host.split(".")
    if "authentication" in labels:
        index = labels.index("authentication")
        if index + 1 >= len(labels) or labels[index + 1] != "cert":
            labels.insert(index + 1, "cert")
    new_host = ".".join(labels)
    netloc = new_host if parts.port is None else f"{new_host}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


@dataclass(frozen=True)
class ServiceKey:
    """The credentials of one service key; secrets and key material are left out of repr()."""

    clientid: str
    url: str
    tokenurl: str
    clientsecret: str | None = field(default=None, repr=False)
    certificate: str | None = field(default=None, repr=False)
    key: str | None = field(default=None, repr=False)
    certurl: str | None = None
    valid_until: datetime | None = None
    subject_dn: str | None = None
    issuer_dn: str | None = None
    serial_number: str | None = None

    @property
    def kind(self) -> str:
        """`secret`, `certificate` (SAP-generated, with private key) or `external_certificate`."""
        if self.certificate and self.key:
            return KIND_CERTIFICATE
        if self.certificate:
            return KIND_EXTERNAL_CERTIFICATE
        return KIND_SECRET

    @property
    def client_certificate(self) -> tuple[str, str] | None:
        """(certificate PEM, private key PEM) for an mTLS call when the key holds both, else None."""
        if self.certificate and self.key:
            return self.certificate, self.key
        return None

    @property
    def mtls_tokenurl(self) -> str:
        return mtls_token_url(self.tokenurl, self.certurl)

    @property
    def can_authenticate(self) -> bool:
        """True when the key alone is enough to get a token (a secret, or a certificate with its key)."""
        return bool(self.clientsecret) or self.kind == KIND_CERTIFICATE


def _load(raw: str | bytes | dict[str, Any]) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        data = json.loads(raw)
    except (TypeError, ValueError) as exc:
        raise SapError(
            _("The service key is not valid JSON; paste the whole key as shown in the cockpit")
        ) from exc
    if not isinstance(data, dict):
        raise SapError(
            _("The service key must be a JSON object; paste the whole key as shown in the cockpit")
        )
    return data


def _credentials(data: dict[str, Any]) -> dict[str, Any]:
    while isinstance(data.get("credentials"), dict):
        data = data["credentials"]
    nested = data.get("oauth")
    return nested if isinstance(nested, dict) and nested else data


def parse_service_key(
    raw: str | bytes | dict[str, Any], *, require_authentication: bool = True
) -> ServiceKey:
    """Parse key JSON: the cockpit's full JSON, a `credentials` wrapper, nested `oauth` or flat fields (D-03).

    Raises SapError naming the first missing field. With `require_authentication`, a key without a
    secret and without a private key is refused (it cannot obtain a token by itself).
    """
    data = _load(raw)
    creds = _credentials(data)
    details = creds.get("certificatedetails") or data.get("certificatedetails") or {}
    for name in ("clientid", "url", "tokenurl"):
        value = creds.get(name)
        if not isinstance(value, str) or not value.strip():
            raise SapError(
                _("The service key has no '%(name)s' field; paste the whole key as shown in the cockpit")
                % {"name": name}
            )
    certificate = unescape_pem(creds.get("certificate"))
    private_key = unescape_pem(creds.get("key"))
    secret = creds.get("clientsecret") or None
    if require_authentication and not secret:
        if certificate and not private_key:
            raise SapError(
                _(
                    "The service key has a 'certificate' but no 'key' field (private key); "
                    "an external-certificate key cannot be used by AuthWizard itself"
                )
            )
        if not certificate:
            raise SapError(
                _(
                    "The service key has no 'clientsecret' field and no 'certificate' and 'key' fields; "
                    "paste the whole key as shown in the cockpit"
                )
            )
    return ServiceKey(
        clientid=creds["clientid"].strip(),
        url=creds["url"].strip().rstrip("/"),
        tokenurl=creds["tokenurl"].strip(),
        clientsecret=secret,
        certificate=certificate,
        key=private_key,
        certurl=creds.get("certurl") or None,
        valid_until=parse_iso_datetime(details.get("validuntil")) if isinstance(details, dict) else None,
        subject_dn=details.get("subjectdn") if isinstance(details, dict) else None,
        issuer_dn=details.get("issuerdn") if isinstance(details, dict) else None,
        serial_number=details.get("serialnumber") if isinstance(details, dict) else None,
    )
