"""In the browser: a pasted chain shows its findings beside the field, and "Keep only the leaf" fixes it."""

import pytest

from tests.browser.conftest import log_in
from tests.certpages.conftest import CA
from tests.factories import PASSWORD, LandscapeFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_pasted_chain_is_explained_and_cut_to_its_leaf(page, live_server, axe):
    ca = CA()
    landscape = LandscapeFactory(name="Browser DEV")
    user = MembershipFactory(landscape=landscape, role="consultant", user__username="bruno").user
    pathway = landscape.pathways.get(key="ssc_to_cpi")
    pathway.method = "certificate"
    pathway.draft = {"certificate_source": "external"}
    pathway.save()
    leaf = ca.leaf(name="browser-client.example.com")

    log_in(page, live_server, user.username, PASSWORD)
    page.goto(f"{live_server.url}/l/{landscape.code}/p/ssc_to_cpi/step/key/")
    page.fill("#id_external_certificate", (leaf.pem + ca.sub.pem).decode())
    page.press("#id_external_certificate", "Tab")
    page.wait_for_selector("text=accepts only the leaf certificate")
    assert page.is_visible("text=Intermediate CA 1")
    axe.check(page, "certificate field with findings")
    page.click("button:has-text('Keep only the leaf')")
    page.wait_for_selector("text=All certificate checks passed.")
    assert page.is_visible(f"text={leaf.fingerprint_sha256}")
    pathway.refresh_from_db()
    assert pathway.draft["external_certificate"] == leaf.pem.decode()
