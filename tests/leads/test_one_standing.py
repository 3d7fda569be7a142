"""Every page, the CSV, /api/status.json and the expiry watcher tell the same status, method and expiry."""

import csv
import io
from datetime import timedelta

from django.core import mail
from django.urls import reverse
from django.utils import formats, timezone

from pathways import certs, expiry

NINE_DAYS = "9 days left"


def certificate_ending_in_nine_days() -> str:
    key = certs.generate_private_key("EC-P256")
    issued = certs.issue_certificate(
        key,
        None,
        key,
        10,
        subject=certs.DistinguishedName(common_name="ssc.example.com"),
        not_before=timezone.now() - timedelta(hours=12),
    )
    return issued.pem.decode()


def drafted_with_certificate(prod):
    """SSCv2 → CPI verified with Basic, now drafted as an external certificate expiring in 9 days."""
    prod.pathways.filter(key="ssc_to_cpi").update(
        method="certificate",
        draft={"certificate_source": "external", "external_certificate": certificate_ending_in_nine_days()},
        status="verified",
        verified_method="basic",
        verified_proof="basic, token issued",
        last_verified_at=timezone.now() - timedelta(days=1),
    )
    return prod.pathways.get(key="ssc_to_cpi")


def test_a_drafted_certificate_expiring_in_nine_days_shows_the_same_expiry_everywhere(prod, as_user):
    pathway = drafted_with_certificate(prod)
    not_after = expiry.expiry_of(pathway).certificate.not_after
    lead = as_user("lead")

    landscape_page = lead.get(reverse("landscape", args=[prod.code])).content.decode()
    assert "Expiring" in landscape_page and NINE_DAYS in landscape_page
    shown = formats.date_format(not_after, "SHORT_DATE_FORMAT")  # in the reader's locale
    assert f"until {shown} (9 days)" in landscape_page  # the lead's validity chart

    certificate_page = lead.get(reverse("certificates", args=[prod.code, pathway.key])).content.decode()
    assert "Expiring" in certificate_page and NINE_DAYS in certificate_page

    overview = lead.get(reverse("overview")).content.decode()
    assert "Certificate: 9 days left" in overview
    assert prod.name in lead.get(reverse("overview") + "?expiring=1").content.decode()

    rows = list(csv.DictReader(io.StringIO(lead.get(reverse("overview_csv")).content.decode())))
    row = next(r for r in rows if r["landscape"] == prod.name and r["pathway"] == "ssc_to_cpi")
    assert (row["days_left"], row["expiry"]) == ("9", "expiring")
    assert row["certificate_not_after"] == not_after.isoformat()

    data = lead.get(reverse("status_json")).json()
    cell = next(
        p
        for ls in data["landscapes"]
        if ls["name"] == prod.name
        for p in ls["pathways"]
        if p["key"] == pathway.key
    )
    assert (cell["days_left"], cell["expiry"], cell["certificate_not_after"]) == (
        9,
        "expiring",
        row["certificate_not_after"],
    )

    mail.outbox.clear()
    sent = expiry.send_expiry_notices()
    assert [notice.threshold for notice in sent if notice.pathway_id == pathway.pk] == [14]
    assert any("expires in 9 days" in message.subject for message in mail.outbox)


def test_the_overview_csv_and_json_show_the_method_that_was_verified_not_the_draft(prod, as_user):
    drafted_with_certificate(prod)
    lead = as_user("lead")
    overview = lead.get(reverse("overview")).content.decode()
    cells = overview[overview.index(prod.name) :]
    assert "Basic authentication" in cells
    rows = list(csv.DictReader(io.StringIO(lead.get(reverse("overview_csv")).content.decode())))
    row = next(r for r in rows if r["landscape"] == prod.name and r["pathway"] == "ssc_to_cpi")
    assert (row["status"], row["method"]) == ("verified", "basic")
    data = lead.get(reverse("status_json")).json()
    cell = next(
        p
        for ls in data["landscapes"]
        if ls["name"] == prod.name
        for p in ls["pathways"]
        if p["key"] == "ssc_to_cpi"
    )
    assert (cell["status"], cell["method"], cell["drafted_method"]) == ("verified", "basic", "certificate")


def test_the_landscape_threshold_decides_expiring_on_every_page(prod, as_user):
    prod.expiry_threshold_days = 5
    prod.save()
    drafted_with_certificate(prod)
    lead = as_user("lead")
    assert NINE_DAYS not in lead.get(reverse("landscape", args=[prod.code])).content.decode()
    assert prod.name not in lead.get(reverse("overview") + "?expiring=1").content.decode()
    rows = list(csv.DictReader(io.StringIO(lead.get(reverse("overview_csv")).content.decode())))
    row = next(r for r in rows if r["landscape"] == prod.name and r["pathway"] == "ssc_to_cpi")
    assert (row["days_left"], row["expiry"]) == ("9", "ok")
