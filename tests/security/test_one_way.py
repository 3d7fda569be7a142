"""One way to do each thing: one redaction module, one list of retryable statuses, one upload limit, one
answer when the broker is down, settings read through the environment helper."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pathways import certs, queue, redact
from pathways.engine.runs import one_line
from pathways.models import AuditEvent
from pathways.sap import errors as sap_errors
from pathways.sap import http as sap_http

REPO = Path(__file__).resolve().parents[2]
TOKEN = "abc.def.ghi"
KEY_BLOCK = (
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcw\nMIIEpAIBAAKCAQEA"  # cut off, no END
)


def test_run_messages_logs_and_exception_texts_redact_by_the_same_rules(caplog):
    logger = logging.getLogger("pathways.test.redaction")
    logger.addFilter(redact.RedactingFilter())
    for text in (
        f"Authorization: Bearer {TOKEN}",
        f"refused: {KEY_BLOCK}",
        "Basic dXNlcjpzZWNyZXQtcGFzc3dvcmQ=",
    ):
        with caplog.at_level(logging.INFO, logger=logger.name):
            logger.info("remote said %s", text)
        shown = redact.exception_text(ConnectionError(f"https://host/x?sig=1 {text}"))
        for where in (one_line(text), caplog.text, shown):
            assert TOKEN not in where and "MIIE" not in where and "dXNlcjpz" not in where, where
        assert "sig=1" not in shown
    assert one_line("key s4-key: bind failed") == "key s4-key: bind failed"  # ordinary sentences stay
    assert redact.log_text("password=hunter2") == "password=***"


def test_the_transport_retries_the_statuses_its_errors_call_retryable():
    assert sap_http.RETRYABLE_STATUSES is sap_errors.RETRYABLE_STATUSES
    for status in sap_errors.RETRYABLE_STATUSES:
        assert sap_errors.translate_failure(status, service="CPI").retryable


@pytest.mark.django_db
def test_one_setting_limits_the_body_the_file_beside_its_field_and_the_certificate_parser(
    settings, as_user, landscape
):
    settings.AUTHWIZARD_MAX_UPLOAD_BYTES = 64 * 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = settings.AUTHWIZARD_MAX_UPLOAD_BYTES
    client = as_user("consultant")
    url = reverse("wizard_field", args=[landscape.code, "ssc_to_cpi", "external_certificate"])
    upload = SimpleUploadedFile("big.pem", b"-----BEGIN CERTIFICATE-----\n" + b"A" * (20 * 1024))
    response = client.post(url, {"version": "1", "external_certificate": upload}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "larger than 16 kB" in response.content.decode()
    body = client.post(reverse("landscape_new"), {"name": "Big", "ca_bundle": "x" * (70 * 1024)})
    assert body.status_code == 413 and "larger than 64 kB" in body.content.decode()
    with pytest.raises(certs.CertificateError, match="The upload is 20 kB"):
        certs.parse_certificates(b"-----BEGIN CERTIFICATE-----\n" + b"A" * (20 * 1024))


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def broker_down():
    from authwizard.celery import app

    saved = (app.conf.broker_url, dict(app.conf.broker_transport_options or {}))

    def use(url: str, options: dict) -> None:
        app.conf.update(broker_url=url, broker_transport_options=options)
        app._pool = None
        app.amqp._producer_pool = None

    use(f"redis://127.0.0.1:{closed_port()}/0", {"max_retries": 0, "socket_connect_timeout": 1})
    yield
    use(*saved)


@pytest.mark.django_db(transaction=True)  # the drift check is a run: queued when its row is committed
def test_the_drift_check_gives_the_same_answer_as_a_run_when_the_broker_is_down(
    broker_down, as_user, landscape
):
    page = as_user("consultant").post(reverse("landscape_drift", args=[landscape.code]), follow=True)
    assert page.status_code == 200
    assert str(queue.QUEUE_UNAVAILABLE) in page.content.decode()
    assert not AuditEvent.objects.filter(action="drift.check_requested").exists()


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("AUTHWIZARD_EXPIRY_THRESHOLDS", "30,14,seven", "AUTHWIZARD_EXPIRY_THRESHOLDS must be whole numbers"),
        ("AUTHWIZARD_EXPIRY_THRESHOLDS", "30,-1", "AUTHWIZARD_EXPIRY_THRESHOLDS must hold numbers greater"),
        ("AUTHWIZARD_SANDBOX_PORT", "84x3", "AUTHWIZARD_SANDBOX_PORT must be a whole number"),
    ],
)
def test_a_typo_in_a_setting_stops_start_up_with_the_setting_named(name, value, message):
    environment = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "authwizard.settings",
        "SECRET_KEY": "x" * 50,
        "AUTHWIZARD_ENCRYPTION_KEYS": "8Gq0ZC2Qfbm0d0bq1P8wG3nNmi3mFzqK9KkF0kq3kX0=",
        name: value,
    }
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and message in done.stderr
    assert "ValueError" not in done.stderr.splitlines()[-1]
