"""What a consultant and a lead see of the gate, in a real browser against the sandbox with a real worker:
an approval cannot be carried past a change of what it covers, "Apply all four" is followed live on the
landscape page, the review's plan is the current one, and a re-apply clears the drift it proves wrong."""

from __future__ import annotations

import re
import time

import pytest

from pathways import engine
from pathways.demo import landscape_from_facts
from pathways.engine.connect import Connection
from pathways.models import Membership, Role, Run
from tests.browser.conftest import log_in, wait_for_finished_run
from tests.factories import PASSWORD, UserFactory
from tests.fixtures.landscapes import set_draft
from tests.fixtures.worker import wait_for
from tests.runs.conftest import S4_PASSWORD, SSC_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def people(landscape, *roles: tuple[str, str]):
    users = []
    for username, role in roles:
        user = UserFactory(username=username)
        Membership.objects.create(landscape=landscape, user=user, role=role)
        users.append(user)
    return users


def test_an_approval_is_withdrawn_when_the_landscape_changes_and_the_tier_cannot_be_lowered_by_a_consultant(
    page, second_page, live_server, axe, celery_worker, fast_waits, sandbox_server, sandbox_tenant
):
    consultant = UserFactory(username="bianca")
    landscape = landscape_from_facts(sandbox_tenant, name="Bypass PROD", user=consultant, tier="prod")
    Membership.objects.create(landscape=landscape, user=consultant, role=Role.CONSULTANT)
    (lead,) = people(landscape, ("lukas", Role.LEAD))
    set_draft(
        landscape.pathways.get(key="cpi_to_s4"), "basic", {"user": "COMM_USER_S4"}, {"password": S4_PASSWORD}
    )
    landscape_url = f"{live_server.url}/l/{landscape.code}/"
    review_url = f"{landscape_url}p/cpi_to_s4/step/review/"

    log_in(page, live_server, consultant.username, PASSWORD)
    page.goto(review_url)
    page.wait_for_selector("#approval-note")
    page.click("button:has-text('Request approval')")
    page.wait_for_selector("#approval .badge:has-text('Pending')")

    log_in(second_page, live_server, lead.username, PASSWORD)
    second_page.goto(f"{landscape_url}p/cpi_to_s4/history/")
    second_page.wait_for_selector("#approval button[value=approve]")
    second_page.click("#approval button[value=approve]")
    second_page.wait_for_selector("#approval .badge:has-text('Approved')")

    # The consultant tries to take the landscape out of production: the form says only a lead may.
    page.goto(f"{landscape_url}edit/")
    page.select_option("#id_tier", "dev")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=only a lead of this landscape can do it")
    axe.check(page, "landscape form refusing to lower the tier")
    landscape.refresh_from_db()
    assert landscape.tier == "prod"

    # A connection setting changes after the approval: the approval is withdrawn, and Apply says why.
    page.select_option("#id_tier", "prod")
    page.fill("#id_s4_host", "s4-new.example.com")
    page.click("main button[type=submit]")
    page.wait_for_selector(".messages")
    assert "approval(s) were withdrawn" in page.inner_text(".messages")
    page.goto(review_url)
    page.wait_for_selector("#approval-h")
    page.click("form[action$='/run/apply/'] button")
    page.wait_for_selector(".messages .msg-error")
    assert "withdrawn because the landscape's connection settings changed" in page.inner_text(".messages")
    assert not Run.objects.filter(kind="apply").exists()
    with Connection(landscape) as connection:
        assert connection.cpi.get_user_credential("COMM_USER_S4") is None  # nothing reached the tenant

    # The lead sees the reason in the history.
    second_page.goto(f"{landscape_url}p/cpi_to_s4/history/")
    assert "the landscape's connection settings changed after the request" in second_page.inner_text("main")
    axe.check(second_page, "history with a withdrawn approval")


def _sample(page) -> list[tuple[int, int]]:
    text = page.inner_text("#landscape-runs")
    return [(int(n), int(m)) for n, m in re.findall(r"Step (\d+) of (\d+)", text)]


def test_apply_all_four_is_followed_live_on_the_landscape_page(
    page, live_server, axe, celery_worker, fast_waits, sandbox_server, sandbox_tenant, issue_certificate
):
    consultant = UserFactory(username="anton")
    landscape = landscape_from_facts(sandbox_tenant, name="Apply all", user=consultant, tier="dev")
    Membership.objects.create(landscape=landscape, user=consultant, role=Role.CONSULTANT)
    for key, method, values, secrets in (
        ("s4_to_cpi", "basic", {"token_validity": "7200"}, {}),
        ("ssc_to_cpi", "basic", {"token_validity": "7200"}, {}),
        ("cpi_to_s4", "basic", {"user": "COMM_USER_S4"}, {"password": S4_PASSWORD}),
        ("cpi_to_ssc", "basic", {"user": "SSC_INBOUND"}, {"password": SSC_PASSWORD}),
    ):
        set_draft(landscape.pathways.get(key=key), method, values, secrets)
    sandbox_server.admin("POST", "latency", {"ms": 150})  # slow enough to watch the runs go by

    log_in(page, live_server, consultant.username, PASSWORD)
    page.goto(f"{live_server.url}/l/{landscape.code}/")
    page.click("button:has-text('Apply all four')")
    page.wait_for_selector("#landscape-runs tbody tr >> nth=3")
    assert page.locator("#landscape-runs[hx-get]").count() == 1, (
        "the run list must poll while runs are active"
    )
    samples, totals = [], {}
    deadline = time.monotonic() + 120
    while page.locator("#landscape-runs[hx-get]").count() and time.monotonic() < deadline:
        samples.extend(_sample(page))
        for row in page.locator("#landscape-runs tbody tr").all():
            found = re.search(r"Step \d+ of (\d+)", row.inner_text())
            if found:
                key = row.get_attribute("data-pathway")
                totals.setdefault(key, []).append(int(found.group(1)))
        page.wait_for_timeout(300)
    page.wait_for_selector("#landscape-runs:not([hx-get])", timeout=5_000)
    assert all(n <= m for n, m in samples), samples
    for key, seen in totals.items():
        planned = [t for t in seen]
        assert planned == sorted(planned, reverse=True), (key, seen)  # a total never grows
    rows = page.locator("#landscape-runs tbody tr")
    assert rows.count() == 4
    for row in rows.all():
        text = row.inner_text()
        assert "Succeeded" in text or "succeeded" in text.lower(), text
        n, m = map(int, re.search(r"Step (\d+) of (\d+)", text).groups())
        assert n == m
        assert row.locator("progress").get_attribute("value") == row.locator("progress").get_attribute("max")
    assert "Apply queued" not in page.inner_text("main")
    axe.check(page, "landscape page after apply all")


def test_the_review_shows_the_current_plan_and_previews_stay_out_of_the_history(
    page, live_server, axe, celery_worker, fast_waits, sandbox_server, sandbox_tenant
):
    consultant = UserFactory(username="paula")
    landscape = landscape_from_facts(sandbox_tenant, name="Stale plan", user=consultant, tier="dev")
    Membership.objects.create(landscape=landscape, user=consultant, role=Role.CONSULTANT)
    set_draft(landscape.pathways.get(key="ssc_to_cpi"), "basic", {"token_validity": "7200"})
    review_url = f"{live_server.url}/l/{landscape.code}/p/ssc_to_cpi/step/review/"

    log_in(page, live_server, consultant.username, PASSWORD)
    page.goto(review_url)
    page.wait_for_selector("#plan table.plan")
    assert "no instance of this name exists" in page.inner_text("#plan")
    assert "Planned at" in page.inner_text("#plan")
    page.click("form[action$='/run/apply/'] button")
    page.wait_for_selector("h1:has-text('Apply')")
    assert wait_for_finished_run(page) == "succeeded", page.inner_text("#run-panel")

    page.goto(review_url)
    page.wait_for_selector("#plan table.plan")
    plan = page.inner_text("#plan")
    assert "no instance of this name exists" not in plan, (
        plan
    )  # the plan is this visit's, not the earlier one
    assert "Keep" in plan or "keep" in plan
    page.click("#plan button:has-text('Refresh the plan')")
    page.wait_for_selector("#plan table.plan")
    axe.check(page, "review with a current plan")

    page.goto(f"{live_server.url}/l/{landscape.code}/p/ssc_to_cpi/history/")
    summaries = page.locator("section[aria-labelledby=runs-h] summary").all_inner_texts()
    assert Run.objects.filter(pathway__key="ssc_to_cpi", kind="plan").count() >= 2  # the previews ran
    assert any("Apply —" in s for s in summaries), summaries  # …but only what was applied is history
    assert not any("Plan —" in s for s in summaries), summaries


def test_a_re_apply_clears_the_drift_it_proves_wrong(
    page, live_server, axe, celery_worker, fast_waits, sandbox_server, sandbox_tenant
):
    consultant = UserFactory(username="dora")
    landscape = landscape_from_facts(sandbox_tenant, name="Drift", user=consultant, tier="dev")
    Membership.objects.create(landscape=landscape, user=consultant, role=Role.CONSULTANT)
    pathway = set_draft(
        landscape.pathways.get(key="cpi_to_s4"), "basic", {"user": "COMM_USER_S4"}, {"password": S4_PASSWORD}
    )
    assert wait_for(engine.start_run(pathway, "apply")).state == "succeeded"
    pathway.refresh_from_db()
    with Connection(landscape) as connection:
        # deleted by hand in the cockpit
        assert connection.cpi.delete_user_credential(pathway.applied["credential_name"])

    log_in(page, live_server, consultant.username, PASSWORD)
    page.goto(f"{live_server.url}/l/{landscape.code}/")
    page.click("button:has-text('Check for drift now')")
    page.wait_for_selector("h1:has-text('Drift check')")
    assert wait_for_finished_run(page) == "succeeded", page.inner_text("#run-panel")
    page.goto(f"{live_server.url}/l/{landscape.code}/")
    card = page.locator("li.card", has=page.locator("h3:has-text('CPI → S/4HANA')"))
    assert "was deleted" in card.inner_text()

    page.goto(f"{live_server.url}/l/{landscape.code}/p/cpi_to_s4/step/review/")
    page.wait_for_selector("#plan table.plan")
    page.click("form[action$='/run/apply/'] button")
    page.wait_for_selector("h1:has-text('Apply')")
    assert wait_for_finished_run(page) == "succeeded", page.inner_text("#run-panel")
    page.goto(f"{live_server.url}/l/{landscape.code}/")
    card = page.locator("li.card", has=page.locator("h3:has-text('CPI → S/4HANA')")).inner_text()
    assert "was deleted" not in card and "Drifted" not in card, card
    assert "Verified" in card
    axe.check(page, "landscape page after the drift was cleared")
