"""The expiry watch with a frozen clock: one e-mail per threshold per certificate, to members with an
address.
"""

from datetime import timedelta

import pytest
from django.core import mail

from pathways import emails, expiry
from pathways.models import ExpiryNotice

from .conftest import NOW, apply_key_pair, make_certificate

FINGERPRINT = "AB:" * 31 + "CD"


def outbound(landscape, days_left: int, fingerprint: str = FINGERPRINT):
    return apply_key_pair(
        landscape.pathways.get(key="cpi_to_ssc"),
        fingerprint=fingerprint,
        not_after=NOW + timedelta(days=days_left, hours=1),
    )


def test_nothing_is_sent_while_the_certificate_is_far_from_expiry(landscape):
    outbound(landscape, 40)
    assert expiry.send_expiry_notices(now=NOW) == []
    assert mail.outbox == []


def test_each_threshold_sends_one_notice_and_repeated_runs_send_nothing_more(landscape):
    outbound(landscape, 40)
    sent_at = {}
    for day in range(0, 45):
        for notice in expiry.send_expiry_notices(now=NOW + timedelta(days=day)):
            sent_at[notice.threshold] = day
        assert expiry.send_expiry_notices(now=NOW + timedelta(days=day)) == []  # the same run again
    assert sent_at == {30: 10, 14: 26, 7: 33, 0: 41}
    assert ExpiryNotice.objects.count() == 4
    assert len(mail.outbox) == 4 * 2  # carla and leo; the member without an address is skipped


def test_each_member_gets_an_own_message_without_the_others_addresses(landscape):
    outbound(landscape, 20)
    expiry.send_expiry_notices(now=NOW)
    assert sorted(tuple(message.to) for message in mail.outbox) == [
        ("carla@example.com",),
        ("leo@example.com",),
    ]


def test_a_certificate_first_seen_close_to_expiry_gets_only_the_tightest_notice(landscape):
    outbound(landscape, 5)
    sent = expiry.send_expiry_notices(now=NOW)
    assert [notice.threshold for notice in sent] == [7]
    assert expiry.send_expiry_notices(now=NOW + timedelta(days=1)) == []


def test_a_renewed_certificate_is_watched_afresh(landscape):
    outbound(landscape, 10)
    assert [n.threshold for n in expiry.send_expiry_notices(now=NOW)] == [14]
    outbound(landscape, 12, fingerprint="12:" * 31 + "34")
    assert [n.threshold for n in expiry.send_expiry_notices(now=NOW)] == [14]
    assert ExpiryNotice.objects.count() == 2


def test_the_notice_names_the_pathway_the_date_and_the_fingerprint_and_no_secret(landscape):
    outbound(landscape, 12)
    expiry.send_expiry_notices(now=NOW)
    message = mail.outbox[0]
    assert (
        "CPI → SSCv2" in message.subject and "Watch DEV" in message.subject and "12 days" in message.subject
    )
    assert FINGERPRINT in message.body
    assert "keystore key pair ssc_client" in message.body
    assert f"/l/{landscape.code}/p/cpi_to_ssc/certificates/" in message.body
    assert "PRIVATE KEY" not in message.body and "trust the new certificate" in message.body


def test_an_expired_certificate_gets_one_expired_notice(landscape):
    outbound(landscape, -3)
    sent = expiry.send_expiry_notices(now=NOW)
    assert [n.threshold for n in sent] == [expiry.EXPIRED]
    assert "expired" in mail.outbox[0].subject.lower()
    assert expiry.send_expiry_notices(now=NOW + timedelta(days=2)) == []


def test_a_certificate_uploaded_into_a_draft_is_watched(landscape, client_key):
    certificate = make_certificate(client_key, 10)
    pathway = landscape.pathways.get(key="ssc_to_cpi")
    pathway.method = "certificate"
    pathway.draft = {"certificate_source": "external", "external_certificate": certificate.pem.decode()}
    pathway.save()
    sent = expiry.send_expiry_notices(now=NOW)
    assert [(n.threshold, n.fingerprint) for n in sent] == [(14, certificate.fingerprint_sha256)]
    assert "(uploaded)" in sent[0].source


def test_a_draft_certificate_of_an_inactive_field_is_not_watched(landscape, client_key):
    certificate = make_certificate(client_key, 10)
    pathway = landscape.pathways.get(key="ssc_to_cpi")
    pathway.method = "certificate"
    pathway.draft = {"certificate_source": "sap_generated", "external_certificate": certificate.pem.decode()}
    pathway.save()
    assert expiry.send_expiry_notices(now=NOW) == []


def test_an_sap_generated_service_key_is_watched_through_validuntil(landscape):
    pathway = landscape.pathways.get(key="s4_to_cpi")
    pathway.method = "certificate"
    pathway.applied = {
        "key_name": "s4-cert-key",
        "key_kind": "certificate",
        "fingerprint": FINGERPRINT,
        "validuntil": (NOW + timedelta(days=6)).isoformat(),
    }
    pathway.save()
    sent = expiry.send_expiry_notices(now=NOW)
    assert [(n.threshold, n.source) for n in sent] == [(7, "service key s4-cert-key")]


def test_a_failed_send_is_forgotten_and_retried_by_the_next_run(landscape, monkeypatch):
    outbound(landscape, 12)

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(emails, "send_mass_mail", refuse)
    assert expiry.send_expiry_notices(now=NOW) == []
    assert ExpiryNotice.objects.count() == 0
    monkeypatch.undo()
    assert [n.threshold for n in expiry.send_expiry_notices(now=NOW)] == [14]


def test_thresholds_come_from_the_settings(landscape, settings):
    settings.AUTHWIZARD_EXPIRY_THRESHOLDS = [60, 3]
    outbound(landscape, 50)
    assert [n.threshold for n in expiry.send_expiry_notices(now=NOW)] == [60]


def test_the_watch_runs_as_a_periodic_celery_task(settings):
    import pathways.tasks  # noqa: F401 - registers the tasks
    from authwizard.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["watch-certificate-expiry"]
    assert entry["task"] == "pathways.tasks.watch_certificate_expiry"
    assert entry["task"] in app.tasks
    assert app.conf.beat_schedule["watch-certificate-expiry"]["task"] == entry["task"]


@pytest.mark.django_db
def test_the_task_body_sends_notices_for_today(landscape):
    from pathways.tasks import watch_certificate_expiry

    apply_key_pair(
        landscape.pathways.get(key="cpi_to_ssc"),
        fingerprint=FINGERPRINT,
        not_after=expiry.timezone.now() + timedelta(days=3),
    )
    assert watch_certificate_expiry() == 1
    assert watch_certificate_expiry() == 0
