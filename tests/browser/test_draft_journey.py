"""A consultant half-fills pathways in a real browser, closes it, comes back: every field as left."""

import pytest

from tests.browser.conftest import log_in
from tests.factories import PASSWORD, LandscapeFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_half_filled_draft_survives_closing_the_browser(browser, live_server):
    landscape = LandscapeFactory(name="Browser DEV")
    user = MembershipFactory(landscape=landscape, role="consultant", user__username="carla").user
    base = f"{live_server.url}/l/{landscape.code}/p"

    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server, user.username, PASSWORD)
    # Outbound Basic, by keyboard: type, Tab away (autosave), next field.
    page.goto(f"{base}/cpi_to_s4/step/credential/")
    page.fill("#id_credential_name", "S4_COMM")
    page.keyboard.press("Tab")
    page.wait_for_selector("#field-credential_name .saved")
    page.fill("#id_user", "COMM_USER_01")
    page.keyboard.press("Tab")
    page.wait_for_selector("#field-user .saved")
    page.fill("#id_password", "Browser-Canary-Pw-77")
    page.keyboard.press("Tab")
    page.wait_for_selector("#field-password .saved")
    # Inbound certificate: switch the certificate source; the dependent fields follow.
    page.goto(f"{base}/ssc_to_cpi/step/key/")
    page.select_option("#id_certificate_source", "sap_generated")
    page.wait_for_selector("#id_validity_days")
    page.fill("#id_validity_days", "400")  # out of range: kept as typed, message beside it
    page.keyboard.press("Tab")
    page.wait_for_selector("#field-validity_days .error")
    # Method change on another pathway.
    page.goto(f"{base}/cpi_to_s4/step/method/")
    page.check("input[name=method][value=certificate]")
    page.wait_for_selector("#method-status:has-text('Saved')")
    context.close()

    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server, user.username, PASSWORD)
    page.goto(f"{base}/cpi_to_s4/step/method/")
    assert page.is_checked("input[name=method][value=certificate]")
    page.check("input[name=method][value=basic]")
    page.wait_for_selector("#method-status:has-text('Saved')")
    page.goto(f"{base}/cpi_to_s4/step/credential/")
    assert page.input_value("#id_credential_name") == "S4_COMM"
    assert page.input_value("#id_user") == "COMM_USER_01"
    assert page.input_value("#id_password") == ""
    assert "Set on" in page.inner_text("#field-password")
    assert "Browser-Canary-Pw-77" not in page.content()
    page.goto(f"{base}/ssc_to_cpi/step/key/")
    assert page.input_value("#id_certificate_source") == "sap_generated"
    assert page.input_value("#id_validity_days") == "400"
    assert "between 1 and 365" in page.inner_text("#field-validity_days")
    context.close()
