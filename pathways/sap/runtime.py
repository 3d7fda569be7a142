"""Calls an iFlow endpoint on the CPI runtime (Basic, bearer or certificate) and classifies the answer."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import SapError
from .http import SapHttp
from .tlsfiles import client_certificate_files

OK = "ok"
UNAUTHORIZED = "unauthorized"
FORBIDDEN = "forbidden"
NOT_FOUND = "not found"
SERVER_ERROR = "server error"
UNEXPECTED = "unexpected"


def gettext_noop(text: str) -> str:
    """Marks a sentence for translation (`manage.py translations extract`) without importing Django."""
    return text


def _as_is(text: str) -> str:
    return text


SERVICE = gettext_noop("The CPI runtime")


def classify_status(status: int) -> str:
    """ok / unauthorized / forbidden / not found / server error (or unexpected for anything else)."""
    if 200 <= status < 300:
        return OK
    if status == 401:
        return UNAUTHORIZED
    if status == 403:
        return FORBIDDEN
    if status == 404:
        return NOT_FOUND
    if status >= 500:
        return SERVER_ERROR
    return UNEXPECTED


def endpoint_url(runtime_base: str, path: str) -> str:
    """Join the key's runtime `url` with an endpoint path such as `/http/orders` or `/cxf/products`."""
    if path.startswith("https://") or path.startswith("http://"):
        return path
    return runtime_base.rstrip("/") + "/" + path.lstrip("/")


@dataclass(frozen=True)
class RuntimeResult:
    """The outcome of one runtime call: HTTP status, duration and a short classification."""

    url: str
    status: int
    duration_ms: float
    outcome: str

    @property
    def ok(self) -> bool:
        return self.outcome == OK

    def sentence(self, translate: Callable[[str], str] = _as_is) -> str:
        """One sentence on the outcome; `translate` (e.g. Django's gettext) puts it in the reader's language,
        this module itself knows nothing of Django."""
        texts = {
            OK: gettext_noop("the endpoint accepted the call"),
            UNAUTHORIZED: gettext_noop("the endpoint refused the credentials (401)"),
            FORBIDDEN: gettext_noop("the credentials lack the role the iFlow requires (403)"),
            NOT_FOUND: gettext_noop("endpoint not found (404): check the iFlow is deployed and the address"),
            SERVER_ERROR: gettext_noop("the iFlow failed while processing (%(status)s)"),
        }
        text = texts.get(self.outcome, gettext_noop("the endpoint answered HTTP %(status)s"))
        return translate(text) % {"status": self.status} if "%(" in text else translate(text)


def call_endpoint(
    http: SapHttp,
    url: str,
    *,
    basic: tuple[str, str] | None = None,
    bearer: str | None = None,
    certificate: tuple[str, str] | None = None,
    method: str = "POST",
    body: bytes | str = b"",
    content_type: str = "text/plain",
    headers: dict[str, str] | None = None,
) -> RuntimeResult:
    """Call an iFlow endpoint with exactly one of: `basic=(clientid, clientsecret)`, `bearer=token`,
    `certificate=(chain_pem, key_pem)`. The private key exists on disk only during the call (0600).
    """
    chosen = [option for option in (basic, bearer, certificate) if option]
    if len(chosen) != 1:
        raise SapError(
            "A runtime call needs exactly one of Basic credentials, a bearer token or a certificate"
        )
    request_headers = {"Content-Type": content_type, **(headers or {})}
    # a verification probe: sending it again after a lost answer does no harm
    options: dict[str, Any] = {
        "headers": request_headers,
        "data": body,
        "service": SERVICE,
        "idempotent": True,
    }
    if basic:
        options["auth"] = basic
    if bearer:
        request_headers["Authorization"] = f"Bearer {bearer}"
    started = time.monotonic()
    if certificate:
        chain_pem, key_pem = certificate
        with client_certificate_files(chain_pem, key_pem) as cert:
            response = http.request(method, url, cert=cert, **options)
    else:
        response = http.request(method, url, **options)
    duration_ms = round((time.monotonic() - started) * 1000, 1)
    response.close()
    return RuntimeResult(
        url=url,
        status=response.status_code,
        duration_ms=duration_ms,
        outcome=classify_status(response.status_code),
    )
