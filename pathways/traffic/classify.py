"""Which authentication failure a message processing log shows, read from its status and error text; pure.

CPI's message monitor keeps, for a failed message, the error text of the step that failed (sap-apis.md
§16.5.3). The texts below are the adapters' and the secure store's own words as SAP's notes and the clients in
§16.0 show them; a text matches by its cause, not by its Java class, so a reworded prefix still classifies:

- the receiver answered 401 or 403: "HTTP operation failed invoking … with statusCode: 401", "HTTP response
  '401: Unauthorized' when communicating with …", "Error message received from Http Server, Code 403";
- TLS: "SSLHandshakeException: Received fatal alert: bad_certificate" (the receiver refused the client
  certificate), "PKIX path building failed … unable to find valid certification path" (CPI does not trust
  the receiver's server certificate), "Received fatal alert: handshake_failure";
- the credential or alias is missing in CPI: "No credentials for 'S4_BASIC' found" (§16.4.4), "Alias 's4'
  not found in the keystore" (§10.2).

Anything else that failed is a failure of another kind (a mapping, a 500 of the receiver): shown with the
message, never called an authentication failure. The sentence is built when shown, in the reader's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext, gettext_lazy

# The failure classes (stored in MessageWatch.failure["kind"]).
REJECTED = "rejected"  # the receiver answered 401 or 403
TLS = "tls"  # the TLS handshake failed or the certificate was not accepted
NOT_FOUND = "not_found"  # CPI has no credential or key alias of that name
OTHER = "other"  # failed for a reason that is not authentication
AUTH_KINDS = (REJECTED, TLS, NOT_FOUND)

# How the TLS handshake failed (Failure.detail of a TLS failure).
CLIENT_CERTIFICATE_REFUSED = "client_certificate_refused"
SERVER_NOT_TRUSTED = "server_not_trusted"
HANDSHAKE = "handshake"

# What the missing name is (Failure.detail of a NOT_FOUND failure), and what a pathway's iFlow parameter
# names (the `credential_kind` of a sentence).
USER_CREDENTIALS = "credential"
KEY_ALIAS = "alias"

# MPL statuses (§16.5.2) that mean the message did not get through: final failures, and RETRY, which is
# an error whose retry is under way.
FAILED_STATUSES = frozenset({"FAILED", "ESCALATED", "RETRY"})
COMPLETED = "COMPLETED"

_QUOTED = r"['\"‘’]?(?P<name>[^'\"‘’\s]+)['\"‘’]?"
_NOT_FOUND_PATTERNS = (
    (USER_CREDENTIALS, re.compile(r"no credentials? for " + _QUOTED + r" (?:was |were )?found", re.I)),
    (
        USER_CREDENTIALS,
        re.compile(
            r"(?:user )?credentials? (?:with name )?" + _QUOTED + r" (?:is |was )?not (?:found|deployed)",
            re.I,
        ),
    ),
    (KEY_ALIAS, re.compile(r"alias " + _QUOTED + r" (?:is |was )?not found", re.I)),
    (
        KEY_ALIAS,
        re.compile(r"no (?:private )?key(?: pair| entry)? (?:found )?(?:for|with) alias " + _QUOTED, re.I),
    ),
    (KEY_ALIAS, re.compile(r"keystore entry " + _QUOTED + r" (?:is |was )?not found", re.I)),
)
_CLIENT_REFUSED = re.compile(
    r"fatal alert: (?:bad_certificate|certificate_unknown|certificate_required|unknown_ca|"
    r"certificate_expired|certificate_revoked|access_denied)",
    re.I,
)
_SERVER_NOT_TRUSTED = re.compile(
    r"PKIX path (?:building|validation) failed|unable to find valid certification path|"
    r"No subject alternative (?:DNS )?names? matching",
    re.I,
)
_HANDSHAKE = re.compile(r"SSLHandshakeException|handshake_failure|TLS handshake|SSL handshake", re.I)
_HTTP_STATUS = (
    re.compile(r"status\s*code\W{0,3}(?P<code>401|403)\b", re.I),
    re.compile(r"\bHTTP(?:/\d(?:\.\d)?)?\s*(?:response\s*)?['\"]?(?P<code>401|403)\b", re.I),
    re.compile(r"\bcode\s*(?P<code>401|403)\b", re.I),
    re.compile(r"\b(?P<code>401|403)\s*[:\-]?\s*(?:Unauthorized|Forbidden)\b", re.I),
    re.compile(r"\b(?:Unauthorized|Forbidden)\s*:\s*(?P<code>401|403)\b", re.I),
)


@dataclass(frozen=True)
class Failure:
    """What a failed message shows: its class, the HTTP status (401/403), the TLS or not-found detail, and
    the credential or alias named in the error text (what the iFlow looked up; "" when the text names none).
    """

    kind: str
    http_status: int | None = None
    detail: str = ""
    name: str = ""

    @property
    def is_authentication(self) -> bool:
        return self.kind in AUTH_KINDS

    def as_dict(self) -> dict:
        return {"kind": self.kind, "http_status": self.http_status, "detail": self.detail, "name": self.name}

    @classmethod
    def from_dict(cls, data: dict) -> Failure:
        return cls(
            kind=str(data.get("kind") or OTHER),
            http_status=data.get("http_status"),
            detail=str(data.get("detail") or ""),
            name=str(data.get("name") or ""),
        )


def is_failed(status: str) -> bool:
    return (status or "").upper() in FAILED_STATUSES


def classify(status: str, error_text: str) -> Failure | None:
    """The failure a message shows, or None when it did not fail (completed, still processing)."""
    if not is_failed(status):
        return None
    text = error_text or ""
    for detail, pattern in _NOT_FOUND_PATTERNS:
        found = pattern.search(text)
        if found:
            return Failure(NOT_FOUND, detail=detail, name=found.group("name"))
    if _SERVER_NOT_TRUSTED.search(text):
        return Failure(TLS, detail=SERVER_NOT_TRUSTED)
    if _CLIENT_REFUSED.search(text):
        return Failure(TLS, detail=CLIENT_CERTIFICATE_REFUSED)
    if _HANDSHAKE.search(text):
        return Failure(TLS, detail=HANDSHAKE)
    for pattern in _HTTP_STATUS:
        found = pattern.search(text)
        if found:
            return Failure(REJECTED, http_status=int(found.group("code")))
    return Failure(OTHER)


# The cause sentences by (class, what failed, what the pathway's iFlow parameter names).
_SENTENCES = {
    (REJECTED, 401, USER_CREDENTIALS): gettext_lazy(
        "%(receiver)s rejected the user of credential %(name)s (HTTP 401)"
    ),
    (REJECTED, 401, KEY_ALIAS): gettext_lazy(
        "%(receiver)s rejected the client certificate of key pair %(name)s (HTTP 401)"
    ),
    (REJECTED, 403, USER_CREDENTIALS): gettext_lazy(
        "%(receiver)s refused access to the user of credential %(name)s (HTTP 403)"
    ),
    (REJECTED, 403, KEY_ALIAS): gettext_lazy(
        "%(receiver)s refused access to the client certificate of key pair %(name)s (HTTP 403)"
    ),
    (TLS, CLIENT_CERTIFICATE_REFUSED, KEY_ALIAS): gettext_lazy(
        "%(receiver)s did not accept the client certificate of key pair %(name)s (TLS handshake failed)"
    ),
    (TLS, CLIENT_CERTIFICATE_REFUSED, ""): gettext_lazy(
        "%(receiver)s did not accept the client certificate Cloud Integration presented "
        "(TLS handshake failed)"
    ),
    (TLS, SERVER_NOT_TRUSTED, ""): gettext_lazy(
        "Cloud Integration did not accept the server certificate of %(receiver)s (TLS handshake failed)"
    ),
    (TLS, HANDSHAKE, ""): gettext_lazy("The TLS handshake with %(receiver)s failed"),
    (NOT_FOUND, USER_CREDENTIALS, ""): gettext_lazy(
        "Cloud Integration has no User Credentials named %(name)s (credential not found)"
    ),
    (NOT_FOUND, KEY_ALIAS, ""): gettext_lazy(
        "Cloud Integration has no key pair with the alias %(name)s (alias not found)"
    ),
    (OTHER, "", ""): gettext_lazy(
        "The message to %(receiver)s failed for a reason other than authentication"
    ),
}


def cause(failure: Failure, receiver: str, credential_kind: str = "", credential_name: str = "") -> str:
    """The cause in one sentence, e.g. "SAP S/4HANA rejected the user of credential S4_BASIC (HTTP 401)".

    `receiver` is the system the iFlow calls; `credential_kind` (USER_CREDENTIALS or KEY_ALIAS) and
    `credential_name` are what the pathway's iFlow parameter names. A name in the error text wins: it is
    what CPI really looked up.
    """
    if failure.kind == REJECTED:
        named = KEY_ALIAS if credential_kind == KEY_ALIAS else USER_CREDENTIALS
        key: tuple[str, object, str] = (REJECTED, 403 if failure.http_status == 403 else 401, named)
    elif failure.kind == TLS:
        detail = failure.detail or HANDSHAKE
        if detail == HANDSHAKE and credential_kind == KEY_ALIAS:
            detail = CLIENT_CERTIFICATE_REFUSED  # a key pair was presented: the handshake refused it
        by_key_pair = detail == CLIENT_CERTIFICATE_REFUSED and credential_kind == KEY_ALIAS
        key = (TLS, detail, KEY_ALIAS if by_key_pair else "")
    elif failure.kind == NOT_FOUND:
        key = (NOT_FOUND, KEY_ALIAS if failure.detail == KEY_ALIAS else USER_CREDENTIALS, "")
    else:
        key = (OTHER, "", "")
    name = failure.name or credential_name or gettext("(unnamed)")
    return str(_SENTENCES[key]) % {"receiver": receiver, "name": name}
