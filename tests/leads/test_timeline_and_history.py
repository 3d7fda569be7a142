"""The landscape page's certificate SVG and timeline, and a pathway's history with its audit trail
censored.
"""

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.urls import reverse
from django.utils import timezone

from pathways import expiry, timeline
from pathways.models import Run, RunStep

from .conftest import fill_basic_draft


def pem_valid_for(days: int, name: str = "s4.example.com") -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=10))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


@pytest.mark.parametrize(
    "left, level",
    [
        (-1, "expired"),
        (0, "critical"),
        (7, "critical"),
        (8, "expiring"),
        (30, "expiring"),
        (31, "ok"),
        (None, ""),
    ],
)
def test_expiry_levels_follow_the_thresholds(left, level):
    assert expiry.level(left) == level


def test_a_landscape_threshold_wider_than_the_settings_counts_as_expiring(settings):
    settings.AUTHWIZARD_EXPIRY_THRESHOLDS = [30, 14, 7]
    assert expiry.level(40, threshold_days=45) == "expiring"
    assert expiry.level(50, threshold_days=45) == "ok"


def test_the_landscape_page_draws_every_known_certificate_against_today_and_the_thresholds(prod, as_user):
    ssc = prod.pathways.get(key="ssc_to_cpi")
    ssc.draft = {"certificate_source": "external", "external_certificate": pem_valid_for(12)}
    ssc.save()
    prod.pathways.filter(key="cpi_to_ssc").update(certificate_not_after=timezone.now() + timedelta(days=200))
    prod.pathways.filter(key="s4_to_cpi").update(
        applied={"validuntil": (timezone.now() - timedelta(days=2)).isoformat()}
    )
    html = as_user("viewer").get(reverse("landscape", args=[prod.code])).content.decode()
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count("<rect") == 3
    assert ">today<" in svg and ">30 d<" in svg and ">14 d<" in svg and ">7 d<" in svg
    assert "SSCv2 → CPI: SAP Sales and Service Cloud V2 client certificate (uploaded)" in html
    assert "CPI → SSCv2: the applied certificate" in html
    assert "expired" in html
    assert 'role="img"' in svg and "<title" in svg


def test_a_landscape_without_certificate_dates_says_so(dev, as_user):
    html = as_user("viewer").get(reverse("landscape", args=[dev.code])).content.decode()
    assert "<svg" not in html and "No certificate dates known yet" in html


def test_the_timeline_merges_runs_and_audit_events_newest_first(dev, people, as_user):
    pathway = fill_basic_draft(dev.pathways.get(key="cpi_to_s4"), people["consultant"])
    run = Run.objects.create(
        landscape=dev,
        pathway=pathway,
        kind="plan",
        state="succeeded",
        requested_by=people["consultant"],
        message="Planned: 1 to change, 0 to keep",
        created_at=timezone.now() + timedelta(seconds=5),
    )
    entries = timeline.activity(dev)
    assert entries[0]["kind"] == "run" and entries[0]["run"] == run
    assert [e["event"].action for e in entries[1:]] == ["draft.change", "draft.change"]  # user, password
    html = as_user("lead").get(reverse("landscape", args=[dev.code])).content.decode()
    assert "Planned: 1 to change, 0 to keep" in html


def test_the_history_shows_runs_with_steps_who_and_when_and_censors_secrets(dev, people, as_user):
    pathway = fill_basic_draft(dev.pathways.get(key="cpi_to_s4"), people["consultant"])
    run = Run.objects.create(
        landscape=dev,
        pathway=pathway,
        kind="apply",
        state="failed",
        requested_by=people["consultant"],
        message="The credential could not be deployed",
        started_at=timezone.now(),
        finished_at=timezone.now(),
    )
    RunStep.objects.create(
        run=run,
        index=0,
        label="Read the remote state",
        state="succeeded",
        duration_ms=12,
        http_calls=3,
        message="nothing of this pathway exists yet",
    )
    html = as_user("viewer").get(reverse("pathway_history", args=[dev.code, "cpi_to_s4"])).content.decode()
    assert "Read the remote state" in html and "12 ms, 3 HTTP" in html
    assert "carla" in html and "The credential could not be deployed" in html
    assert "***CHANGED***" in html and "Secret-Passw0rd!" not in html
    assert "COMM_USER" in html


def test_the_history_pages_a_long_audit_trail(dev, people, as_user):
    pathway = dev.pathways.get(key="cpi_to_s4")
    for n in range(60):
        pathway.save_field("user", f"U{n}", seen_version=pathway.version, user=people["consultant"])
        pathway.refresh_from_db()
    client = as_user("viewer")
    first = client.get(reverse("pathway_history", args=[dev.code, "cpi_to_s4"])).content.decode()
    assert "Page 1 of 2" in first and "U59" in first
    second = client.get(
        reverse("pathway_history", args=[dev.code, "cpi_to_s4"]), {"page": 2}
    ).content.decode()
    assert "U0" in second


def test_the_history_lists_every_run_page_by_page_in_constant_queries(
    dev, people, as_user, django_assert_max_num_queries
):
    pathway = dev.pathways.get(key="cpi_to_s4")
    runs = Run.objects.bulk_create(
        [
            Run(
                landscape=dev,
                pathway=pathway,
                kind="verify",
                state="succeeded",
                message=f"run number {n}",
                created_at=timezone.now() - timedelta(minutes=n),
            )
            for n in range(30)
        ]
    )
    RunStep.objects.bulk_create(
        [RunStep(run=run, index=0, label="Read back", state="succeeded") for run in runs]
    )
    client = as_user("viewer")
    url = reverse("pathway_history", args=[dev.code, "cpi_to_s4"])
    with django_assert_max_num_queries(20):
        first = client.get(url).content.decode()
    assert "run number 0<" in first and "run number 24<" in first and "run number 25<" not in first
    second = client.get(url, {"runs": 2}).content.decode()
    assert "run number 29<" in second and "Runs page 2 of 2" in second


def test_the_timeline_is_filtered_by_pathway_and_kind_on_the_server(dev, people, as_user):
    s4 = fill_basic_draft(dev.pathways.get(key="cpi_to_s4"), people["consultant"])
    other = dev.pathways.get(key="s4_to_cpi")
    for pathway, message in ((s4, "Planned the S/4HANA side"), (other, "Planned the CPI side")):
        Run.objects.create(
            landscape=dev,
            pathway=pathway,
            kind="plan",
            state="succeeded",
            requested_by=people["consultant"],
            message=message,
        )
    client = as_user("lead")

    def timeline_of(**query) -> str:
        html = client.get(reverse("landscape", args=[dev.code]), query).content.decode()
        return html[html.index('id="activity-h"') :]

    everything = timeline_of()
    assert "Planned the S/4HANA side" in everything and "Planned the CPI side" in everything
    assert 'data-kind="event"' in everything

    one_pathway = timeline_of(pathway="cpi_to_s4")
    assert "Planned the S/4HANA side" in one_pathway and "Planned the CPI side" not in one_pathway
    assert 'data-kind="event"' in one_pathway  # its draft changes stay
    assert '<option value="cpi_to_s4" selected>' in one_pathway

    runs_only = timeline_of(pathway="cpi_to_s4", kind="run")
    assert 'data-kind="run"' in runs_only and 'data-kind="event"' not in runs_only

    changes_only = timeline_of(kind="event")
    assert 'data-kind="run"' not in changes_only and "draft.change" in changes_only

    # An unknown pathway or kind is ignored, never an error.
    assert "Planned the CPI side" in timeline_of(pathway="nope", kind="<script>")
