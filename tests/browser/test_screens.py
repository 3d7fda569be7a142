"""Every page the journeys visit, at a desktop (1280 px) and a phone (390 px) width: SAP's Horizon theme
and its 72 font are served from node_modules, axe-core finds no WCAG 2.2 AA violation, nothing scrolls the
page sideways (long values wrap or scroll inside their own box), the validity chart's threshold labels never
overlap, and a hand-off sheet prints on one page. The desktop pass writes the README's screenshots
(AUTHWIZARD_SCREENSHOTS, default test-output/readme;
`AUTHWIZARD_SCREENSHOTS=docs/screenshots ./dev test tests/browser/test_screens.py` refreshes the README's)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from pathways.models import Membership, Role, Run
from tests.browser.conftest import log_in, wait_for_finished_run
from tests.factories import PASSWORD, LandscapeFactory, UserFactory
from tests.fixtures.landscapes import set_draft

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

README_SHOTS = Path(os.environ.get("AUTHWIZARD_SCREENSHOTS", "test-output/readme"))
# The README's pictures: which page below, as which file.
SHOTS = {
    "overview": "overview.png",
    "wizard step": "wizard-step.png",
    "run": "run.png",
    "hand-off": "handoff.png",
}

OVERFLOW = "() => [document.documentElement.scrollWidth, window.innerWidth]"
FONT_72 = """async () => { await document.fonts.ready; return document.fonts.check('14px "72"'); }"""
# The bounding boxes of the chart's labels (today and the 7/14/30-day thresholds) as the browser draws them.
CHART_LABELS = """() => [...document.querySelectorAll('.validity-chart text.chart-mark')].map(t => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom};
})"""


def pages(landscape, pathway, run) -> dict[str, str]:
    """Every page a consultant's or lead's journey visits, by name (paths under the live server)."""
    base = f"/l/{landscape.code}"
    return {
        "overview": "/",
        "landscape": f"{base}/",
        "landscape form": f"{base}/edit/",
        "new landscape": "/landscapes/new/",
        "members": f"{base}/members/",
        "method step": f"{base}/p/cpi_to_s4/step/method/",
        "wizard step": f"{base}/p/cpi_to_s4/step/credential/",
        "key step": f"{base}/p/{pathway.key}/step/key/",
        "review": f"{base}/p/{pathway.key}/step/review/",
        "run": f"/runs/{run.code}/",
        "hand-off": f"{base}/p/{pathway.key}/handoff/",
        "certificates": f"{base}/p/{pathway.key}/certificates/",
        "history": f"{base}/p/{pathway.key}/history/",
        "iflows": f"{base}/iflows/",
        "messages": f"{base}/p/{pathway.key}/messages/",
        "timeline filtered": f"{base}/?pathway={pathway.key}&kind=run#activity-h",
        "promote": f"{base}/promote/",
        "api tokens": "/api/tokens/",
        "password": "/password_change/",
    }


def assert_prints_on_one_page(page, where: str) -> None:
    """The hand-off sheet prints as one A4 page, without the shell bar, buttons or copy buttons."""
    page.emulate_media(media="print")
    try:
        hidden = page.evaluate(
            "() => [...document.querySelectorAll('.shell, .copy, .object-actions')]"
            ".every(e => getComputedStyle(e).display === 'none')"
        )
        assert hidden, f"{where}: the shell bar and buttons are left out of the print"
        pdf = page.pdf(format="A4", print_background=False)
    finally:
        page.emulate_media(media="screen")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages == 1, f"{where}: prints on {pages} pages"


def assert_fits(page, where: str) -> None:
    scroll_width, inner_width = page.evaluate(OVERFLOW)
    assert scroll_width <= inner_width, (
        f"{where}: the page scrolls sideways ({scroll_width} > {inner_width} px)"
    )


def assert_labels_apart(page, where: str) -> None:
    labels = page.evaluate(CHART_LABELS)
    assert len(labels) >= 4, f"{where}: today and the three thresholds are labelled ({labels})"
    for index, one in enumerate(labels):
        for other in labels[index + 1 :]:
            apart = (
                one["right"] <= other["left"]
                or other["right"] <= one["left"]
                or one["bottom"] <= other["top"]
                or other["bottom"] <= one["top"]
            )
            assert apart, f"{where}: chart labels {one['text']!r} and {other['text']!r} overlap"


@pytest.fixture
def journey_data(landscape, applied_external):
    """A consultant and a lead on a landscape with an applied pathway (its run, certificate and sheet), a
    half-filled draft beside it, and a production landscape for the overview."""
    consultant = UserFactory(username="fiona")
    Membership.objects.create(landscape=landscape, user=consultant, role=Role.CONSULTANT)
    set_draft(landscape.pathways.get(key="cpi_to_s4"), "basic", {"user": "COMM_USER_S4"}, {})
    production = LandscapeFactory(name="Sales PROD", tier="prod")
    Membership.objects.create(landscape=production, user=consultant, role=Role.CONSULTANT)
    run = Run.objects.filter(pathway=applied_external, kind="apply").latest("created_at")
    return consultant, pages(landscape, applied_external, run)


@pytest.mark.parametrize("width", [1280, 390])
def test_every_page_fits_the_screen_without_accessibility_violations(
    browser, live_server, axe, celery_worker, journey_data, width, request
):
    consultant, visited = journey_data
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(f"{live_server.url}/login/")
        axe.check(page, f"login page at {width} px")
        assert_fits(page, f"login page at {width} px")
        log_in(page, live_server, consultant.username, PASSWORD)
        assert page.evaluate(FONT_72), "the Horizon theme's 72 font is served and loaded"
        for name, path in visited.items():
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            if name == "review":
                page.wait_for_selector("#plan table.plan")  # the read-only plan, made by the worker
            if name == "run":
                wait_for_finished_run(page)
            where = f"{name} ({path}) at {width} px"
            axe.check(page, where)
            assert_fits(page, where)
            if name == "landscape":
                assert_labels_apart(page, where)
                assert page.locator(".shell-context [data-tier]").count() == 1
            if name == "hand-off" and width == 1280:
                assert_prints_on_one_page(page, where)
            if name == "overview":
                assert page.locator("tr:has-text('Sales PROD') [data-tier=prod]").count() == 1
            if width == 1280 and name in SHOTS:
                README_SHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(README_SHOTS / SHOTS[name]), full_page=name != "overview")
    except Exception:
        Path("test-output/screenshots").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"test-output/screenshots/{request.node.name}.png", full_page=True)
        raise
    finally:
        context.close()
