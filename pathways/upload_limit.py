"""The one upload limit, AUTHWIZARD_MAX_UPLOAD_BYTES, and everything that enforces it.

- The middleware refuses a request body larger than the setting with 413 before anything reads it (Django's
  DATA_UPLOAD_MAX_MEMORY_SIZE does not count uploaded files, so without this a multipart body of any size
  would be streamed to a temporary file before a view could refuse it).
- A single file (a certificate, a chain, a PKCS#12) may be a quarter of it: small enough that the page can
  refuse it beside its field, with everything else the user typed kept (`read_file`), and the certificate
  parser refuses anything larger too (`file_limit`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpResponse

from pathways.errors import Refused

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.core.files.uploadedfile import UploadedFile
    from django.http import HttpRequest

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
        raise FileTooLarge(f"The file is larger than {limit // 1024} kB; this is not a certificate.")
    return data


class UploadLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse(
                "The request's Content-Length is not a number.",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        if length > limit:
            return HttpResponse(
                f"The request is larger than {limit // 1024} kB; certificates and keys are much smaller.",
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
