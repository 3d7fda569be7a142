"""The Fiori look: one status → semantic mapping for every status, production marked, the theme's files
served from node_modules exactly as listed, and the validity chart's threshold labels kept apart."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import override_settings

from authwizard import vendor_static
from pathways import status, timeline
from pathways.models import Landscape
from pathways.templatetags.authwizard import badge, tier_marker

EVERY_STATUS = [*status.LABELS]


@pytest.mark.parametrize("value", EVERY_STATUS)
def test_every_status_has_a_fiori_semantic(value):
    assert status.semantic(value) in {"positive", "critical", "negative", "information", "neutral"}


def test_problems_look_like_problems_and_success_like_success():
    assert {status.semantic(s) for s in ("failed", "interrupted", "drifted", "expired")} == {"negative"}
    assert status.semantic("expiring") == "critical"
    assert {status.semantic(s) for s in ("verified", "succeeded")} == {"positive"}


def test_the_badge_is_an_object_status_with_its_semantic_and_an_icon():
    html = badge("drifted", "The service key was deleted.")
    assert 'class="fd-object-status fd-object-status--negative badge"' in html
    assert 'data-status="drifted"' in html and "sap-icon--error" in html and ">Drifted<" in html
    assert 'title="The service key was deleted."' in html
    assert "fd-object-status--" not in badge("draft")  # neutral: no colour


def test_production_is_marked_and_other_tiers_are_not():
    prod = tier_marker(Landscape(name="P", tier="prod"))
    dev = tier_marker(Landscape(name="D", tier="dev"))
    assert "fd-object-status--negative" in prod and 'data-tier="prod"' in prod and "Production" in prod
    assert "fd-object-status--" not in dev and "Development" in dev


def test_threshold_labels_too_close_go_on_the_next_line():
    # 7, 14 and 30 days on a three-year axis are a few user units apart: three lines.
    assert timeline.label_lines([200.0, 203.5, 211.0]) == [0, 1, 2]
    # Far apart: one line; a label goes back to the first line once there is room again.
    assert timeline.label_lines([200.0, 260.0, 320.0]) == [0, 0, 0]
    assert timeline.label_lines([200.0, 210.0, 240.0]) == [0, 1, 0]


def test_the_finder_serves_exactly_the_listed_theme_files():
    listed = {
        f"{e.served}/{name}"
        for e, storage in finders.get_finder("authwizard.vendor_static.NodeModulesFinder").storages
        for name in vendor_static._names(Path(storage.location), e)
    }
    assert set(vendor_static.STYLESHEETS) <= listed
    assert "fiori/content/Base/baseLib/baseTheme/fonts/72-Regular.woff2" in listed
    assert not any(path.endswith((".less", ".json", ".scss")) for path in listed)
    assert finders.find("fiori/fundamental-styles.css")
    assert finders.find("fiori/README.md") is None


def test_without_node_modules_the_system_check_says_how_to_install_them(tmp_path):
    with override_settings(NODE_MODULES_DIR=tmp_path):
        messages = vendor_static.NodeModulesFinder().check()
    assert [m.id for m in messages] == ["authwizard.W001"] and "npm ci" in messages[0].hint


def test_collectstatic_with_whitenoise_finds_every_font_the_theme_names(tmp_path):
    storage = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storage):
        call_command("collectstatic", "--noinput", verbosity=0)
    variables = tmp_path / "fiori/content/Base/baseLib/sap_horizon"
    hashed = next(p for p in variables.glob("css_variables.*.css") if p.name.count(".") == 2)
    text = hashed.read_text(encoding="utf-8")
    assert "72-Regular." in text and "72-Regular.woff2" not in text  # the font URLs point at hashed copies
