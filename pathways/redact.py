"""Redaction, in one place: what is cut from log records, run messages, URLs and exception texts.

- `message(text)`: for run and step messages, which are built from names and SAP's error texts, never from
  secrets; it removes private keys and Authorization values that slip in by accident, and keeps ordinary
  sentences such as "key s4-key: bind …" intact.
- `log_text(text)`: for log records (the `RedactingFilter`); also blanks the value of anything called a
  secret, password, passphrase, token or key.
- `url(url)`: user info and secret-looking query parameters removed, for call logs and errors.
- `exception_text(exc)`: an exception's text without any query string, at most 300 characters.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "***"
PRIVATE_KEY = "[private key redacted]"

# A private key block, also when cut off before its END line.
_PRIVATE_KEY_BLOCK = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|$)", re.S
)
_AUTHORIZATION = re.compile(r"(?i)(authorization\s*[:=]\s*['\"]?)(basic|bearer)\s+[A-Za-z0-9._~+/=-]+")
_CREDENTIAL = re.compile(r"(?i)\b(basic|bearer)\s+[A-Za-z0-9._~+/=-]{16,}")
_NAMED_SECRET = re.compile(
    r"(?i)(['\"]?(?:client_?secret|password|passphrase|access_token|refresh_token|"
    r"x-csrf-token|key)['\"]?\s*[:=]\s*['\"]?)([^'\"&\s,}]+)"
)
SECRET_QUERY_NAMES = frozenset(
    {
        "password",
        "passcode",
        "client_secret",
        "clientsecret",
        "secret",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "code",
        "assertion",
        "sig",
        "signature",
    }
)


def message(text: object) -> str:
    """Private keys and Authorization values removed (for run and step messages)."""
    cleaned = _PRIVATE_KEY_BLOCK.sub(PRIVATE_KEY, str(text))
    cleaned = _AUTHORIZATION.sub(rf"\1\2 {REDACTED}", cleaned)
    return _CREDENTIAL.sub(rf"\1 {REDACTED}", cleaned)


def log_text(text: str) -> str:
    """`message` plus the values of named secrets (`password=…`, `"clientsecret": "…"`), for log records."""
    return _NAMED_SECRET.sub(rf"\1{REDACTED}", message(text))


def url(address: str) -> str:
    """The URL with user info removed and the values of secret-looking query parameters replaced."""
    parts = urlsplit(address)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(name, REDACTED if name.lower() in SECRET_QUERY_NAMES else value) for name, value in pairs],
            safe="*'(),$ ",
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def exception_text(exc: BaseException) -> str:
    """The exception text without any query string (which could carry secrets), at most 300 characters."""
    text = message(re.sub(r"\?[^\s'\")]*", "", str(exc)))
    return text if len(text) <= 300 else text[:297] + "..."


class RedactingFilter(logging.Filter):
    """Logging filter: redacts credentials from every record's rendered message."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            rendered = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logged as it is
            return True
        cleaned = log_text(rendered)
        if cleaned != rendered:
            record.msg, record.args = cleaned, ()
        return True
