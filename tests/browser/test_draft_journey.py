"""A consultant half-fills pathways in a real browser, closes it, comes back: every field as left."""

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.browser.conftest import log_in
from tests.factories import PASSWORD, LandscapeFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def client_certificate_pem(common_name: str) -> str:
    """A self-signed client certificate, as an S/4HANA administrator might send one."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=90))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def test_a_half_filled_draft_survives_closing_the_browser(page, second_page, live_server, axe):
    landscape = LandscapeFactory(name="Browser DEV")
    user = MembershipFactory(landscape=landscape, role="consultant", user__username="carla").user
    base = f"{live_server.url}/l/{landscape.code}/p"
    pem = client_certificate_pem("s4-draft-client.example.com")

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
    axe.check(page, "credential step, saved")
    # Inbound certificate: switch the certificate source; the dependent fields follow.
    page.goto(f"{base}/ssc_to_cpi/step/key/")
    page.select_option("#id_certificate_source", "sap_generated")
    page.wait_for_selector("#id_validity_days")
    page.fill("#id_validity_days", "400")  # out of range: kept as typed, message beside it
    page.keyboard.press("Tab")
    page.wait_for_selector("#field-validity_days .error")
    axe.check(page, "key step with an error beside a field")
    # A pasted client certificate on the other inbound pathway, after switching its method.
    page.goto(f"{base}/s4_to_cpi/step/method/")
    page.check("input[name=method][value=certificate]")
    page.wait_for_selector("#method-status:has-text('Saved')")
    page.goto(f"{base}/s4_to_cpi/step/key/")
    page.fill("#id_external_certificate", pem)
    page.keyboard.press("Tab")
    page.wait_for_selector("#field-external_certificate .saved")
    axe.check(page, "key step with a pasted certificate")
    # Method change on another pathway.
    page.goto(f"{base}/cpi_to_s4/step/method/")
    page.check("input[name=method][value=certificate]")
    page.wait_for_selector("#method-status:has-text('Saved')")
    page.context.close()

    page = second_page  # the browser reopened: a new session, nothing kept but the server's draft
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
    axe.check(page, "credential step, reopened")
    page.goto(f"{base}/ssc_to_cpi/step/key/")
    assert page.input_value("#id_certificate_source") == "sap_generated"
    assert page.input_value("#id_validity_days") == "400"
    assert "between 1 and 365" in page.inner_text("#field-validity_days")
    page.goto(f"{base}/s4_to_cpi/step/key/")
    assert page.input_value("#id_certificate_source") == "external"
    assert page.input_value("#id_external_certificate").strip() == pem.strip()
    assert "s4-draft-client.example.com" in page.inner_text("#field-external_certificate")
    axe.check(page, "key step with the certificate, reopened")
