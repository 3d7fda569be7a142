"""OData V2 envelopes of the CPI API: `d` / `d.results`, the `odata.error` body, entity keys, Atom XML."""

from __future__ import annotations

import json
from urllib.parse import unquote
from xml.sax.saxutils import escape

from .http import Response, json_response

REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    423: "Locked",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def error(status: int, message: str | None, headers: list[tuple[str, str]] | None = None) -> Response:
    """The wrapped `odata.error` body; `code` is the HTTP reason phrase."""
    body = {"error": {"code": REASONS.get(status, "Error"), "message": {"lang": "en", "value": message}}}
    return json_response(status, body, headers, content_type="application/json;charset=utf-8")


def wants_json(req) -> bool:
    return "json" in (req.header("accept") or "").lower() or req.arg("$format") == "json"


def _atom(value, name: str = "d") -> str:
    if isinstance(value, dict):
        inner = "".join(_atom(v, k) for k, v in value.items() if k != "__metadata")
        return f"<{name}>{inner}</{name}>"
    if isinstance(value, list):
        return f"<{name}>" + "".join(_atom(v, "entry") for v in value) + f"</{name}>"
    return f"<{name}>{escape('' if value is None else str(value))}</{name}>"


def payload(req, status: int, body: dict) -> Response:
    """JSON when asked for (Accept or $format=json), else Atom XML as OData V2 does by default."""
    if wants_json(req):
        return json_response(status, body, content_type="application/json;charset=utf-8")
    inner = body.get("d", {})
    if isinstance(inner, dict) and "results" in inner:
        xml = (
            '<feed xmlns="http://www.w3.org/2005/Atom">'
            + "".join(
                f'<entry><content type="application/xml">{_atom(e, "properties")}</content></entry>'
                for e in inner["results"]
            )
            + "</feed>"
        )
    else:
        properties = _atom(inner, "properties")
        xml = f'<entry xmlns="http://www.w3.org/2005/Atom"><content>{properties}</content></entry>'
    return Response(status, xml.encode(), [("Content-Type", "application/atom+xml;charset=utf-8")])


def entity(req, value: dict, status: int = 200) -> Response:
    return payload(req, status, {"d": value})


def collection(req, values: list[dict]) -> Response:
    return payload(req, 200, {"d": {"results": values}})


def parse_key(segment: str) -> str | None:
    """`('<value>')` → value (URL-decoded, doubled quotes undone); None when malformed."""
    text = unquote(segment)
    if not (text.startswith("('") and text.endswith("')")) or len(text) < 4:
        return None
    return text[2:-2].replace("''", "'")


def body_json(req):
    try:
        value = json.loads(req.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None
