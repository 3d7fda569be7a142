"""In the browser: a pasted chain shows its findings beside the field, and "Keep only the leaf" fixes it."""

import os
from pathlib import Path

import pytest

from tests.factories import PASSWORD, LandscapeFactory, MembershipFactory

CHROMIUM = os.environ.get("AUTHWIZARD_CHROMIUM", "/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


@pytest.fixture
def served(live_server, django_db_blocker):
    """The live server answering through the test's connection when the database is in-memory SQLite."""
    from django.db import connections

    with django_db_blocker.unblock():
        connection = connections["default"]
        shares = connection.vendor == "sqlite" and connection.is_in_memory_db()
    override = live_server.thread.connections_override
    if shares and override is not None and "default" not in override:
        connection.inc_thread_sharing()
        override["default"] = connection
    return live_server


def in_browser(steps):
    """Run `steps(page)` in Chromium on a thread of its own: another test session's Playwright may already
    hold this thread's event loop, and the sync API refuses to run inside it."""
    from concurrent.futures import ThreadPoolExecutor

    def drive():
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                page = browser.new_page()
                page.set_default_timeout(20_000)
                return steps(page)
            finally:
                browser.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(drive).result()


def test_a_pasted_chain_is_explained_and_cut_to_its_leaf(served, ca):
    landscape = LandscapeFactory(name="Browser DEV")
    user = MembershipFactory(landscape=landscape, role="consultant", user__username="bruno").user
    pathway = landscape.pathways.get(key="ssc_to_cpi")
    pathway.method = "certificate"
    pathway.draft = {"certificate_source": "external"}
    pathway.save()
    leaf = ca.leaf(name="browser-client.example.com")

    def steps(page):
        page.goto(f"{served.url}/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{served.url}/")
        page.goto(f"{served.url}/l/{landscape.code}/p/ssc_to_cpi/step/key/")
        page.fill("#id_external_certificate", (leaf.pem + ca.sub.pem).decode())
        page.press("#id_external_certificate", "Tab")
        page.wait_for_selector("text=accepts only the leaf certificate")
        assert page.is_visible("text=Intermediate CA 1")
        page.click("button:has-text('Keep only the leaf')")
        page.wait_for_selector("text=All certificate checks passed.")
        assert page.is_visible(f"text={leaf.fingerprint_sha256}")

    in_browser(steps)
    pathway.refresh_from_db()
    assert pathway.draft["external_certificate"] == leaf.pem.decode()
