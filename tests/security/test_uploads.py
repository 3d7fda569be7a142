"""Upload limits: a body over AUTHWIZARD_MAX_UPLOAD_BYTES is refused with 413 and says why (never 500); a
certificate file over 64 kB is refused beside its field and nothing is stored."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

pytestmark = pytest.mark.django_db


TOO_LARGE = "The request is larger than 256 kB; certificates and keys are much smaller."


def test_a_form_body_over_the_limit_is_refused_not_a_500(as_user, landscape):
    oversized = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024)
    client = as_user("consultant")
    for url, data in (
        (reverse("landscape_new"), {"name": "Big", "ca_bundle": oversized}),
        (reverse("landscape_edit", args=[landscape.code]), {"name": "Big", "ca_bundle": oversized}),
        (
            reverse("wizard_field", args=[landscape.code, "cpi_to_s4", "user"]),
            {"user": oversized, "version": "1"},
        ),
    ):
        response = client.post(url, data)
        assert response.status_code == 413, (url, response.status_code)
        assert response.content.decode() == TOO_LARGE, url


def test_a_multipart_body_over_the_limit_is_refused_not_a_500(as_user, landscape):
    upload = SimpleUploadedFile("huge.pem", b"A" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024))
    url = reverse("wizard_field", args=[landscape.code, "ssc_to_cpi", "external_certificate"])
    response = as_user("consultant").post(
        url, {"version": "1", "external_certificate": upload}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 413
    assert response.content.decode() == TOO_LARGE
    assert "external_certificate" not in landscape.pathways.get(key="ssc_to_cpi").draft


def test_a_certificate_file_over_64_kb_is_refused_beside_the_field(as_user, landscape):
    upload = SimpleUploadedFile("big.pem", b"-----BEGIN CERTIFICATE-----\n" + b"A" * (65 * 1024))
    url = reverse("wizard_field", args=[landscape.code, "ssc_to_cpi", "external_certificate"])
    response = as_user("consultant").post(
        url, {"version": "1", "external_certificate": upload}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "larger than 64 kB" in response.content.decode()
    assert "external_certificate" not in landscape.pathways.get(key="ssc_to_cpi").draft


def test_a_certificate_file_over_64_kb_in_the_no_javascript_form_is_refused_with_a_message(
    as_user, landscape
):
    upload = SimpleUploadedFile("big.pem", b"B" * (65 * 1024))
    url = reverse("wizard_save_step", args=[landscape.code, "ssc_to_cpi", "key"])
    response = as_user("consultant").post(url, {"version": "1", "external_certificate": upload}, follow=True)
    assert response.status_code == 200
    assert "larger than 64 kB" in response.content.decode()
    assert "external_certificate" not in landscape.pathways.get(key="ssc_to_cpi").draft


def _chunked(client, url, body: bytes, *, decoded: bool = True):
    """A POST as a WSGI server hands over a chunked request: no Content-Length, the decoded body in
    wsgi.input, and `wsgi.input_terminated` when the server decoded the chunks (gunicorn does)."""
    from io import BytesIO

    extra = {"wsgi.input": BytesIO(body), "CONTENT_LENGTH": "", "HTTP_TRANSFER_ENCODING": "chunked"}
    if decoded:
        extra["wsgi.input_terminated"] = True
    return client.generic("POST", url, body, content_type="application/x-www-form-urlencoded", **extra)


def test_a_chunked_body_over_the_limit_is_refused_with_413(as_user):
    client = as_user("consultant")
    body = b"name=Big&ca_bundle=" + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = _chunked(client, reverse("landscape_new"), body)
    assert response.status_code == 413
    assert "larger than" in response.content.decode()


def test_a_chunked_body_within_the_limit_reaches_the_form(as_user):
    client = as_user("consultant")
    token = client.get(reverse("landscape_new")).context["csrf_token"]
    body = f"csrfmiddlewaretoken={token}&name=Chunked+landscape&tier=bogus".encode()
    response = _chunked(client, reverse("landscape_new"), body)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="Chunked landscape"' in page  # what was typed comes back beside the field's refusal
    assert "bogus is not one of the available choices" in page


def test_a_chunked_body_the_server_did_not_decode_is_refused_with_411(as_user):
    response = _chunked(as_user("consultant"), reverse("landscape_new"), b"name=x", decoded=False)
    assert response.status_code == 411
