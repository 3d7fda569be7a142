"""axe-core for the accessibility checks: installed by `npm ci` at the version package-lock.json pins."""

import json

import pytest

from tests.browser.axe import require_axe_core
from tests.fixtures.browser_env import AXE_SCRIPT, REPO_ROOT

pytestmark = [pytest.mark.browser]


def test_axe_core_is_installed_at_the_pinned_version():
    require_axe_core()  # fails with "run npm ci" when axe-core is missing
    pinned = json.loads((REPO_ROOT / "package-lock.json").read_text())["packages"]["node_modules/axe-core"]
    installed = json.loads((AXE_SCRIPT.parent / "package.json").read_text())
    assert installed["version"] == pinned["version"], "node_modules is stale: run `npm ci`"


def test_axe_core_finds_a_serious_violation_in_a_page_that_has_one(page, axe):
    page.set_content(
        '<html lang="en"><body><main><h1>Form</h1><input id="unlabelled"><button></button>'
        '<p style="color:#bbb;background:#fff">faint</p></main></body></html>'
    )
    found = {violation["id"] for violation in axe.blocking_violations(page)}
    assert {"label", "button-name", "color-contrast"} <= found
    with pytest.raises(AssertionError, match="label"):
        axe.check(page, "a page made to fail")
