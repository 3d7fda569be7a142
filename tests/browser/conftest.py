"""Browser tests: Playwright driving the system Chromium (never a downloaded browser)."""

import os
import time
import uuid
from pathlib import Path

import pytest

from tests.browser.axe import Auditor
from tests.runs.conftest import celery_worker, fast_waits, issue_certificate  # noqa: F401 - fixtures

CHROMIUM = os.environ.get("AUTHWIZARD_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("AUTHWIZARD_TEST_OUTPUT", "test-output")) / "screenshots"


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="package", autouse=True)
def atomic_filesystem_broker():
    """Without REDIS_URL the worker reads kombu's filesystem queue, whose writer creates the message file empty
    and fills it afterwards: a worker polling in between takes the empty file and dies on the JSON. Pages publish
    while the worker polls all the time here, so messages are written under a name the reader skips and renamed
    into place when complete.
    """
    from kombu.transport import filesystem

    def put_atomically(channel, queue, payload, **kwargs):
        name = f"{int(round(time.monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        partial = os.path.join(channel.data_folder_out, f".{name}.partial")
        with open(partial, "wb") as file:
            file.write(filesystem.str_to_bytes(filesystem.dumps(payload)))
        os.replace(partial, os.path.join(channel.data_folder_out, name))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(filesystem.Channel, "_put", put_atomically)
        yield


@pytest.fixture(scope="session")
def live_server(live_server, django_db_setup, django_db_blocker):
    """pytest-django's live server, sharing the in-memory SQLite connection as Django's LiveServerTestCase does.

    When the session-scoped server starts before the test database exists, pytest-django hands its request
    threads no connection; each then opens its own to the shared-cache memory database, whose table locks
    turn into 500s while the worker writes. The server reads this mapping on every request.
    """
    from django.db import connections

    with django_db_blocker.unblock():
        connection = connections["default"]
        shares = connection.vendor == "sqlite" and connection.is_in_memory_db()
    override = live_server.thread.connections_override
    if shares and override is not None and "default" not in override:
        connection.inc_thread_sharing()
        override["default"] = connection
    yield live_server


@pytest.fixture(scope="package")
def browser():
    """The system Chromium for this folder's tests; closed (with Playwright's event loop) when they are done."""
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            )
            yield chromium
            chromium.close()


def _browser_window(browser, request, suffix: str = ""):
    """A fresh browser context (its own cookies) with one page; a screenshot of it is kept when the test fails."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed and not page.is_closed():
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{request.node.name}{suffix}.png"), full_page=True)
    context.close()  # a no-op when the test closed it (a browser shut to come back later)


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


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


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
