"""A consultant and a lead watch real traffic in a browser, against the sandbox with a real worker: the
failure knob makes the next message fail, a message check turns the pathway "failing" with its cause
(CPI → S/4HANA with Basic, CPI → SSCv2 with a client certificate), and messages that get through again make
it recover."""

from __future__ import annotations

import pytest
from django.core import mail

from pathways.models import Membership, Role
from tests.browser.conftest import check_messages, log_in
from tests.factories import PASSWORD, UserFactory
from tests.traffic.conftest import BASIC_CAUSE, CERTIFICATE_CAUSE, TO_S4, TO_SSC, fail_next, send, wire

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_failure_knob_turns_pathways_failing_with_their_cause_and_they_recover(
    page, second_page, live_server, axe, celery_worker, landscape, sandbox_server
):
    consultant = UserFactory(username="carla")
    wire(landscape, consultant)
    lead = UserFactory(username="lukas")
    Membership.objects.create(landscape=landscape, user=lead, role=Role.LEAD)
    base = f"{live_server.url}/l/{landscape.code}/"
    to_s4, to_ssc = f"{base}p/cpi_to_s4/messages/", f"{base}p/cpi_to_ssc/messages/"

    log_in(page, live_server, consultant.username, PASSWORD)
    [first] = send(sandbox_server, landscape, TO_S4)
    check_messages(page, to_s4)
    page.wait_for_selector("#working-sentence")
    assert first["guid"] in page.inner_text("#messages")
    axe.check(page, "messages page of a working pathway")

    # The knob: the next message through the Basic pathway's iFlow is refused by S/4HANA with a 401.
    fail_next(sandbox_server, landscape, TO_S4, "receiver_401")
    [failed] = send(sandbox_server, landscape, TO_S4)
    assert failed["status"] == "FAILED"
    check_messages(page, to_s4)
    sentence = page.inner_text("#failing-sentence")
    assert sentence.startswith("Failing since ") and BASIC_CAUSE in sentence
    assert page.inner_text("#traffic-status").strip() == "Failing"
    assert "HTTP response '401: Unauthorized'" in page.inner_text("#messages")
    axe.check(page, "messages page of a failing pathway")
    page.goto(base)
    assert BASIC_CAUSE in page.inner_text("#failing-cpi_to_s4")
    assert page.inner_text("#status-cpi_to_s4").strip() == "Failing"

    # The same for the certificate pathway: SSCv2 refuses CPI's client certificate.
    send(sandbox_server, landscape, TO_SSC)
    fail_next(sandbox_server, landscape, TO_SSC, "certificate_rejected")
    send(sandbox_server, landscape, TO_SSC)
    check_messages(page, to_ssc)
    assert CERTIFICATE_CAUSE in page.inner_text("#failing-sentence")
    assert sorted(message.subject for message in mail.outbox) == sorted(
        f"[AuthWizard] Failing: {label} in {landscape.name}"
        for label in (
            landscape.pathways.get(key="cpi_to_s4").spec.label,
            landscape.pathways.get(key="cpi_to_ssc").spec.label,
        )
        for _ in (consultant, lead)
    )

    # The lead sees both on the overview, the failing filter, and the wording of the cause.
    log_in(second_page, live_server, lead.username, PASSWORD)
    second_page.goto(f"{live_server.url}/overview/?status=failing")
    overview = second_page.inner_text("main")
    assert landscape.name in overview and BASIC_CAUSE in overview and CERTIFICATE_CAUSE in overview
    axe.check(second_page, "overview with failing pathways")

    # Messages get through again (the knob failed only the next one): both recover.
    send(sandbox_server, landscape, TO_S4)
    send(sandbox_server, landscape, TO_SSC)
    check_messages(page, to_s4)
    page.wait_for_selector("#working-sentence")
    assert page.query_selector("#failing-sentence") is None
    page.goto(to_ssc)
    page.wait_for_selector("#working-sentence")
    second_page.goto(f"{live_server.url}/overview/?status=failing")
    assert landscape.name not in second_page.inner_text("main")
    assert len(mail.outbox) == 4  # one e-mail per pathway and member when it started failing, none since
