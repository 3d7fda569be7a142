"""Accessibility audits with axe-core: inject node_modules/axe-core into a page, refuse serious violations."""

from __future__ import annotations

import pytest

from tests.fixtures.browser_env import AXE_SCRIPT

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
INSTALL_HINT = (
    "axe-core is not installed: run `npm ci` in the repository root (or `./dev test`, which runs it)."
)


def require_axe_core() -> None:
    """Fail the test (never pass it unchecked) when axe-core is not installed."""
    if not AXE_SCRIPT.exists():
        pytest.fail(INSTALL_HINT, pytrace=False)


def describe(violations: list[dict]) -> str:
    """One line per violation and element: rule, impact, selector and what to fix (never the page's HTML)."""
    lines = []
    for violation in violations:
        for node in violation["nodes"][:5]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} at "
                f"{' '.join(map(str, node['target']))} — {summary}"
            )
    return "\n".join(lines)


class Auditor:
    """Runs axe-core on what a Playwright page shows now."""

    def blocking_violations(self, page) -> list[dict]:
        require_axe_core()
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            # Evaluated through the DevTools protocol: the page's Content-Security-Policy allows no inline
            # script, and the test must not weaken it.
            page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
        options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
        results = page.evaluate("options => axe.run(document, options)", options)
        return [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]

    def check(self, page, where: str = "") -> None:
        """Assert the page as it is now has no serious or critical WCAG 2.2 AA violation."""
        where = where or page.url
        violations = self.blocking_violations(page)
        assert not violations, f"axe-core on {where}:\n{describe(violations)}"
