"""The one upload limit, AUTHWIZARD_MAX_UPLOAD_BYTES, and everything that enforces it.

A single file (a certificate, a chain, a PKCS#12) may be a quarter of it: small enough that the page can
refuse it beside its field with everything else the user typed kept (`read_file`); the certificate parser
refuses anything larger too (`file_limit`).

The middleware refuses a request body larger than the setting with 413 before anything reads it.
Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not count uploaded files, so without this a multipart body of any
size would be streamed to a temporary file before a view could refuse it.

A body sent chunked (`Transfer-Encoding: chunked`, no Content-Length) is held to the same limit: when the
server has already decoded the chunks (`wsgi.input_terminated`, as gunicorn sets it) at most limit + 1
bytes are read, a longer body is refused, a shorter one is handed on with its length. A server that does
not decode chunks cannot give Django the body at all, so there the request is refused with 411.
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from pathways.errors import Refused

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

FILE_SHARE = 4  # a file may take a quarter of the request body


class FileTooLarge(Refused):
    """An uploaded file over the file limit; the message is for the page, beside the field."""


def body_limit() -> int:
    """The largest request body, in bytes (AUTHWIZARD_MAX_UPLOAD_BYTES)."""
    return int(settings.AUTHWIZARD_MAX_UPLOAD_BYTES)


def file_limit() -> int:
    """The largest single uploaded file, in bytes: a quarter of the body limit (64 kB by default)."""
    return body_limit() // FILE_SHARE


def read_file(upload: UploadedFile) -> bytes:
    """The uploaded file's bytes; FileTooLarge, after reading at most one byte more than the limit."""
    limit = file_limit()
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(
            _("The file is larger than %(value)s kB; this is not a certificate.") % {"value": limit // 1024}
        )
    return data


def _refusal(text: str, status: int) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


def _too_large(limit: int) -> HttpResponse:
    return _refusal(
        _("The request is larger than %(value)s kB; certificates and keys are much smaller.")
        % {"value": limit // 1024},
        413,
    )


def _is_chunked(request: HttpRequest) -> bool:
    return "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()


def _read_chunked(request: HttpRequest, limit: int) -> HttpResponse | None:
    """Reads a decoded chunked body up to the limit and hands it on with a length; a refusal otherwise."""
    environ = request.META
    if not environ.get("wsgi.input_terminated"):
        return _refusal(_("Send the request with a Content-Length header."), 411)
    source = environ["wsgi.input"]
    body = bytearray()
    while len(body) <= limit:
        piece = source.read(min(64 * 1024, limit + 1 - len(body)))
        if not piece:
            break
        body.extend(piece)
    if len(body) > limit:
        return _too_large(limit)
    environ["CONTENT_LENGTH"] = str(len(body))
    request._stream = LimitedStream(BytesIO(bytes(body)), len(body))  # type: ignore[attr-defined]
    return None


class UploadLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit()
        header = request.META.get("CONTENT_LENGTH") or ""
        try:
            length = int(header or 0)
        except ValueError:
            return _refusal(_("The request's Content-Length is not a number."), 400)
        if length > limit:
            return _too_large(limit)
        if not header and _is_chunked(request):
            refusal = _read_chunked(request, limit)
            if refusal is not None:
                return refusal
        return self.get_response(request)
