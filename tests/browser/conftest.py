"""Browser tests: Playwright driving the system Chromium (never a downloaded browser)."""

import os
import threading
import time
from pathlib import Path

import pytest

from tests.browser.axe import Auditor
from tests.fixtures.browser_env import CHROMIUM
from tests.rotation.conftest import applied_external  # noqa: F401 - fixtures
from tests.runs.conftest import celery_worker  # noqa: F401 - fixtures

SHOTS = Path(os.environ.get("AUTHWIZARD_TEST_OUTPUT", "test-output")) / "screenshots"


@pytest.fixture(scope="package")
def browser():
    """The system Chromium for this folder's tests; closed (with Playwright's event loop) when they are
    done.
    """
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            yield chromium
            chromium.close()


def _requests_finished(timeout: float = 30.0) -> None:
    """Wait for the live server's requests still being served: a poll the page sent just before it closed
    must not query the database while the test's data is flushed (a TRUNCATE beside it can deadlock)."""
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if "process_request_thread" in thread.name and thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))


@pytest.fixture(autouse=True)
def live_requests_settled():
    """After every browser window of the test is closed (their keep-alive connections with them) and before
    the test's data is flushed, the live server's last requests end."""
    yield
    _requests_finished()


def _browser_window(browser, request, suffix: str = ""):
    """A fresh browser context (its own cookies) with one page; a screenshot of it is kept when the test
    fails.
    """
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    policy_violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            policy_violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed and not page.is_closed():
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{request.node.name}{suffix}.png"), full_page=True)
    context.close()  # a no-op when the test closed it (a browser shut to come back later)
    assert not policy_violations, "the page broke its Content-Security-Policy:\n" + "\n".join(
        policy_violations
    )


@pytest.fixture
def page(browser, request):
    yield from _browser_window(browser, request)


@pytest.fixture
def second_page(browser, request):
    """A second person's browser next to `page` (e.g. the lead beside the consultant)."""
    yield from _browser_window(browser, request, "-second")


@pytest.fixture
def axe():
    """Checks the page in front of it with axe-core (WCAG 2.2 AA tags): no serious or critical violation."""
    return Auditor()


def log_in(page, live_server, username, password, axe=None):
    page.goto(f"{live_server.url}/login/")
    if axe is not None:
        axe.check(page, "login page")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def wait_for_finished_run(page, timeout: float = 60_000) -> str:
    """On a run page: wait until the panel stops polling (the run left queued/running); returns its state."""
    page.wait_for_selector("#run-panel:not([hx-get])", timeout=timeout)
    return page.inner_text("#run-panel .badge >> nth=0").strip().lower()


def check_messages(page, messages_url: str) -> None:
    """Press "Check messages now" on a pathway's messages page, follow the run, and come back."""
    page.goto(messages_url)
    page.click("button:has-text('Check messages now')")
    assert wait_for_finished_run(page) == "succeeded"
    page.goto(messages_url)
