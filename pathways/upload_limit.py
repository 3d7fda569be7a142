"""Refuses request bodies larger than AUTHWIZARD_MAX_UPLOAD_BYTES with 413 before anything reads them.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not count uploaded files, so without this a multipart body of any
size would be streamed to a temporary file before a view could refuse it.
"""

from django.conf import settings
from django.http import HttpResponse


class UploadLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse(
                "The request's Content-Length is not a number.",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        if limit is not None and length > limit:
            return HttpResponse(
                f"The request is larger than {limit // 1024} kB; certificates and keys are much smaller.",
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
