"""Accessibility audits with axe-core: inject node_modules/axe-core into a page, refuse serious violations."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
INSTALL_HINT = (
    "axe-core is not installed: run `npm ci` in the repository root (or `./dev test`, which runs it)."
)


def axe_unavailable_reason() -> str | None:
    """None when axe-core can run; otherwise why not. Fails the test when npm exists but `npm ci` was not
    run.
    """
    if AXE_SCRIPT.exists():
        return None
    if shutil.which("npm") is None:
        return "npm is not installed, so axe-core (package.json) is not either; accessibility checks skipped"
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

    def __init__(self):
        self.reason_skipped = axe_unavailable_reason()

    def blocking_violations(self, page) -> list[dict]:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            # Evaluated through the DevTools protocol: the page's Content-Security-Policy allows no inline
            # script, and the test must not weaken it.
            page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
        options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
        results = page.evaluate("options => axe.run(document, options)", options)
        return [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]

    def check(self, page, where: str = "") -> None:
        """Assert the page as it is now has no serious or critical WCAG 2.2 AA violation."""
        if self.reason_skipped:
            return
        where = where or page.url
        violations = self.blocking_violations(page)
        assert not violations, f"axe-core on {where}:\n{describe(violations)}"
