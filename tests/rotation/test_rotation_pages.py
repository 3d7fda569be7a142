"""The rotate and retire buttons of the certificate page: the plan with its overlap, refusals beside the form,
and the runs they queue (executed here as the worker would)."""

import html

import pytest
from django.test import Client

from pathways.models import Rotation, Run
from tests.factories import MembershipFactory

from .conftest import execute, steps

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(consultant):
    client = Client()
    client.force_login(consultant)
    return client


def page_of(browser, pathway) -> str:
    response = browser.get(f"/l/{pathway.landscape.code}/p/{pathway.key}/certificates/")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_page_shows_the_rotation_plan_with_its_overlap(browser, applied_external):
    page = page_of(browser, applied_external)
    assert "nothing is deleted before its successor is verified" in page
    assert "stays active during the overlap" in page
    assert "only in the retire run" in page
    assert 'name="new_certificate"' in page


def test_rotate_and_retire_through_the_page(browser, applied_external, issue_certificate, landscape):
    base = f"/l/{landscape.code}/p/ssc_to_cpi/certificates/"
    refused = browser.post(base + "rotate/", {"new_certificate": ""})
    assert refused.status_code == 200 and "Upload the new" in refused.content.decode()
    refused = browser.post(base + "rotate/", {"new_certificate": "not a certificate"})
    assert "This is not a certificate file" in refused.content.decode()

    new_cert = issue_certificate("sscv2-page-next.example.com")
    response = browser.post(base + "rotate/", {"new_certificate": new_cert["certificate"]})
    run = Run.objects.get(kind="rotate")
    assert response.status_code == 302 and response["Location"] == f"/runs/{run.code}/"
    assert run.result["phase"] == "create"
    assert browser.get(response["Location"]).status_code == 200
    assert execute(run).state == "succeeded"

    page = page_of(browser, applied_external)
    assert "old and new both active" in page and "Retire the old one" in page
    assert "hand-off sheet" in page
    refused = browser.post(base + "retire/", {})
    assert refused.status_code == 200 and "Tick the box to confirm" in refused.content.decode()
    viewer = Client()
    viewer.force_login(MembershipFactory(landscape=landscape, role="viewer").user)
    assert viewer.post(base + "retire/", {"confirm": "yes"}).status_code == 403
    assert viewer.post(base + "rotate/", {}).status_code == 403

    response = browser.post(base + "retire/", {"confirm": "yes"})
    retire = Run.objects.filter(kind="rotate").order_by("-created_at", "-id").first()
    assert response.status_code == 302 and retire.result["phase"] == "retire"
    assert execute(retire).state == "succeeded", steps(retire)
    assert Rotation.objects.get().state == "retired"
    page = page_of(browser, applied_external)
    assert "Last rotation: old one retired" in page


def test_a_second_rotation_waits_for_the_first(browser, applied_external, issue_certificate, landscape):
    base = f"/l/{landscape.code}/p/ssc_to_cpi/certificates/"
    browser.post(base + "rotate/", {"new_certificate": issue_certificate("one.example.com")["certificate"]})
    response = browser.post(
        base + "rotate/", {"new_certificate": issue_certificate("two.example.com")["certificate"]}
    )
    # The gate answers first: the first rotation's run still holds the pathway.
    assert response.status_code == 200 and "is still running" in response.content.decode()
    assert Rotation.objects.count() == 1


def test_basic_outbound_explains_that_it_has_no_certificate_to_rotate(browser, landscape):
    page = page_of(browser, landscape.pathways.get(key="cpi_to_s4"))
    assert "has no certificate: change the password in the draft and apply" in page
    assert "Rotate: create the new one" not in page


def test_an_unapplied_pathway_cannot_be_rotated(browser, landscape):
    response = browser.post(f"/l/{landscape.code}/p/ssc_to_cpi/certificates/rotate/", {})
    assert response.status_code == 200 and "Apply and verify the pathway first" in response.content.decode()


def test_a_draft_that_changed_the_key_kind_is_applied_not_rotated(browser, applied_external):
    applied_external.draft = {**applied_external.draft, "certificate_source": "sap_generated"}
    applied_external.save()
    page = page_of(browser, applied_external)
    assert (
        "The draft now asks for an SAP-generated certificate key, but the key is an External Certificate key"
        in page
    )


def test_a_rotation_whose_run_could_not_be_queued_does_not_block_the_next(
    browser, applied_external, issue_certificate, landscape
):
    base = f"/l/{landscape.code}/p/ssc_to_cpi/certificates/"
    browser.post(base + "rotate/", {"new_certificate": issue_certificate("lost.example.com")["certificate"]})
    Run.objects.filter(kind="rotate").update(state="failed", message="the job queue is unavailable")
    page = page_of(browser, applied_external)
    assert "Last rotation: failed" in page and "the job queue is unavailable" in page
    response = browser.post(
        base + "rotate/", {"new_certificate": issue_certificate("again.example.com")["certificate"]}
    )
    assert response.status_code == 302
    assert Rotation.objects.filter(state="creating").count() == 1
