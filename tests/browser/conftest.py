"""Browser tests: Playwright driving the system Chromium (never a downloaded browser)."""

import os
import threading
from pathlib import Path

import pytest

from tests.browser.axe import Auditor
from tests.fixtures.browser_env import CHROMIUM
from tests.runs.conftest import celery_worker, issue_certificate  # noqa: F401 - fixtures

SQLITE_TURN = (
    threading.RLock()
)  # page requests and worker tasks take turns on one in-memory SQLite connection
SHOTS = Path(os.environ.get("AUTHWIZARD_TEST_OUTPUT", "test-output")) / "screenshots"


def _shares_in_memory_sqlite(django_db_blocker) -> bool:
    from django.db import connections

    with django_db_blocker.unblock():
        connection = connections["default"]
        return connection.vendor == "sqlite" and connection.is_in_memory_db()


@pytest.fixture(scope="session")
def live_server(live_server, django_db_setup, django_db_blocker):
    """pytest-django's live server; on in-memory SQLite its requests take turns with the worker's tasks, since
    threads that share one SQLite connection must not interleave their statements."""
    if _shares_in_memory_sqlite(django_db_blocker):
        application = live_server.thread.httpd.get_app()

        def one_at_a_time(environ, start_response):
            with SQLITE_TURN:
                return application(environ, start_response)

        live_server.thread.httpd.set_app(one_at_a_time)
    yield live_server


@pytest.fixture(autouse=True)
def live_server_and_worker_use_the_tests_connection(request, django_db_blocker):
    """On in-memory SQLite, page requests and worker tasks use the connection the test itself uses.

    Django keeps connections per context, and Playwright's running event loop gives the test a different one
    than the test had before the browser started; pytest-django's live server and the worker fixture take
    theirs when they start. Two connections to the shared-cache memory database lock each other's tables
    (500s, failed runs), so each test hands its own connection to both.
    """
    if "live_server" not in request.fixturenames or not _shares_in_memory_sqlite(django_db_blocker):
        yield
        return
    if "browser" in request.fixturenames:
        request.getfixturevalue("browser")  # the test's own context is the one with Playwright running
    from celery.signals import task_prerun
    from django.db import connections

    server = request.getfixturevalue("live_server")
    connection = connections["default"]
    connection.inc_thread_sharing()
    override = server.thread.connections_override
    before = override.get("default")
    override["default"] = connection

    def use_the_tests_connection(**kwargs):
        connections["default"] = connection

    task_prerun.connect(use_the_tests_connection, weak=False)
    yield
    task_prerun.disconnect(use_the_tests_connection)
    if before is None:
        override.pop("default", None)
    else:
        override["default"] = before
    # The sharing stays allowed: a request thread still finishing closes (for memory SQLite: keeps) it later.


@pytest.fixture(scope="package", autouse=True)
def worker_takes_turns(django_db_setup, django_db_blocker):
    """On the shared in-memory SQLite connection, a task runs only while no page request does (see
    live_server).
    """
    if not _shares_in_memory_sqlite(django_db_blocker):
        yield
        return
    from celery.signals import task_postrun, task_prerun

    def take_turn(**kwargs):
        SQLITE_TURN.acquire()

    def end_turn(**kwargs):
        SQLITE_TURN.release()

    task_prerun.connect(take_turn, weak=False)
    task_postrun.connect(end_turn, weak=False)
    yield
    task_prerun.disconnect(take_turn)
    task_postrun.disconnect(end_turn)


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
