"""On the certificate page a pasted PEM counts, as in the wizard: the browser sends the empty file input
beside the textarea, and that must not hide what was pasted (rotation of an External Certificate key)."""

from __future__ import annotations

import pytest

from pathways.models import Membership, Role, Run
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_pasted_new_certificate_starts_the_rotation(
    page, live_server, landscape, applied_external, issue_certificate
):
    user = UserFactory(username="paula")
    Membership.objects.create(landscape=landscape, user=user, role=Role.CONSULTANT)
    pathway = applied_external

    log_in(page, live_server, user.username, PASSWORD)
    page.goto(f"{live_server.url}/l/{landscape.code}/p/ssc_to_cpi/certificates/")
    page.fill("#id_new_certificate", issue_certificate("sscv2-paste-new.example.com")["certificate"])
    page.click("button:has-text('Rotate: create the new one beside the old')")
    page.wait_for_url("**/runs/*/")
    rotation = Run.objects.get(pathway=pathway, kind="rotate")
    assert page.url.endswith(f"/runs/{rotation.code}/")
    assert "Upload the new" not in page.content()
