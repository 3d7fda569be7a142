"""CPI OData V2 helpers: hex aliases, `/Date(ms)/` values, entity keys, error bodies, PEM/DER."""

from __future__ import annotations

import base64
import re
import textwrap
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import requests

from pathways.wording import gettext as _

from .errors import SapError, translate_failure

_DATE_PATTERN = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
NAME_PATTERN = re.compile(r"^[A-Za-z0-9._-]+$")
RESERVED_ALIASES = frozenset({"hcicertificate", "hcicertificate1", "hcimsgcertificate"})


def hex_alias(alias: str) -> str:
    """The keystore key for an alias: hex of its UTF-8 bytes (`my alias` → `6d7920616c696173`)."""
    return alias.encode("utf-8").hex()


def alias_from_hex(hexalias: str) -> str:
    return bytes.fromhex(hexalias).decode("utf-8")


def same_hex_alias(left: str, right: str) -> bool:
    return left.lower() == right.lower()


def is_reserved_alias(alias: str) -> bool:
    """SAP-owned aliases that cannot be written or deleted."""
    lowered = alias.lower()
    return lowered in RESERVED_ALIASES or lowered.startswith("sap_")


def parse_odata_date(value: str | None) -> datetime | None:
    """`/Date(1516201800879)/` (optionally with an offset) → aware UTC datetime; None for null."""
    if value is None or value == "":
        return None
    match = _DATE_PATTERN.match(value.strip())
    if not match:
        raise SapError(_("CPI sent an unreadable date %(value)s") % {"value": repr(value)})
    return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC)


def format_odata_date(moment: datetime) -> str:
    """An aware datetime → `/Date(<epoch-ms>)/`; naive datetimes are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    milliseconds = (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    return f"/Date({milliseconds})/"


def check_name(value: str, *, label: str, max_length: int) -> str:
    """Refuse artifact names and aliases outside `[A-Za-z0-9._-]` or over their length (D-21)."""
    if not value or len(value) > max_length or not NAME_PATTERN.match(value):
        raise SapError(
            _("The %(label)s %(value)s must be 1 to %(max)s characters of letters, digits, '.', '_' or '-'")
            % {"label": label, "value": repr(value), "max": max_length},
            code="invalid_name",
        )
    return value


def entity_key(value: str) -> str:
    """`('<value>')` for a URL: quotes doubled, then URL-encoded."""
    return "('" + quote(value.replace("'", "''"), safe="") + "')"


def odata_error_parts(response: requests.Response) -> tuple[str | None, str | None]:
    """(code, message) from either OData error shape: wrapped in `error`, or bare (§8.2)."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip() if response.text else ""
        return None, (text[:300] or None)
    if not isinstance(body, dict):
        return None, None
    error = body.get("error")
    if not isinstance(error, dict):
        error = body
    code = error.get("code")
    message = error.get("message")
    if isinstance(message, dict):
        message = message.get("value")
    return (str(code) if code is not None else None), (str(message) if message is not None else None)


def odata_error(response: requests.Response, *, what: str, service: str = "CPI") -> SapError:
    """A SapError for a failed CPI OData call, chosen by status and OData `code`."""
    code, message = odata_error_parts(response)
    return translate_failure(
        response.status_code, service=service, what=what, code=code, remote_message=message
    )


def der_or_pem_to_pem(content: bytes, label: str = "CERTIFICATE") -> str:
    """Return PEM text whether the server sent PEM or DER bytes (D-14/D-15)."""
    stripped = content.lstrip()
    if stripped.startswith(b"-----BEGIN"):
        return stripped.decode("ascii").strip() + "\n"
    try:
        decoded = base64.b64decode(stripped, validate=True)
        if decoded[:1] == b"\x30":
            content = decoded
    except ValueError:
        pass
    body = "\n".join(textwrap.wrap(base64.b64encode(content).decode("ascii"), 64))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


def results(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The entities of a `{"d": {"results": [...]}}` answer (also accepts `{"d": [...]}`)."""
    data = body.get("d", body)
    if isinstance(data, list):
        return data
    return list(data.get("results") or [])


def entity(body: dict[str, Any]) -> dict[str, Any]:
    data = body.get("d", body)
    return data if isinstance(data, dict) else {}
