"""Plain request/response values passed between the server and the API modules."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from http.cookies import SimpleCookie
from urllib.parse import parse_qs


@dataclass
class Request:
    """One parsed HTTP request, with where it came from and which host kind it addressed."""

    method: str
    host: str
    kind: str
    subdomain: str | None
    path: str
    query_string: str
    headers: dict[str, str]
    body: bytes
    client_ip: str = "127.0.0.1"
    peer_cert_der: bytes | None = None
    context: dict = field(default_factory=dict)

    @cached_property
    def query(self) -> dict[str, list[str]]:
        """The query string parsed once (handlers read it only)."""
        return parse_qs(self.query_string, keep_blank_values=True)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    @property
    def cookies(self) -> dict[str, str]:
        jar = SimpleCookie()
        try:
            jar.load(self.header("cookie", "") or "")
        except Exception:
            return {}
        return {key: morsel.value for key, morsel in jar.items()}

    def json(self):
        """The body as JSON; raises ValueError when it is not."""
        return json.loads(self.body.decode("utf-8") if self.body else "")

    def form(self) -> dict[str, str]:
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {key: values[0] for key, values in parsed.items()}


@dataclass
class Response:
    """Status, headers and body bytes; `drop` closes the connection without answering."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    drop: bool = False

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def json_response(
    status: int, payload, headers: list[tuple[str, str]] | None = None, content_type: str = "application/json"
) -> Response:
    body = json.dumps(payload).encode()
    return Response(status, body, [("Content-Type", content_type)] + list(headers or []))


def text_response(status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> Response:
    return Response(status, text.encode(), [("Content-Type", content_type)])


def empty(status: int, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, b"", list(headers or []))
