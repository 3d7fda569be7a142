"""A consultant sets up all four pathways in a real browser, end to end against the sandbox and a real worker.

Landscape from pasted service keys → Check landscape → the wizard for each pathway (both methods across them)
→ plan → apply with the progress bar → verify → hand-off material, checked against what the sandbox holds.
Every page on the way is audited with axe-core.
"""

import base64

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import pkcs12

from pathways.demo import landscape_form_data
from pathways.models import Pathway
from tests.browser.conftest import log_in, wait_for_finished_run
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

S4_USER_PASSWORD = "S4-Comm-Browser-Pw-31!"
HANDOFF_PASSPHRASE = "typed-Passphrase-2026"
LANDSCAPE = "Browser sandbox"


def fingerprint(certificate: x509.Certificate) -> str:
    return ":".join(f"{b:02X}" for b in certificate.fingerprint(hashes.SHA256()))


def applied(key: str) -> dict:
    """What the app recorded when it applied a pathway (names and ids, never secrets)."""
    return Pathway.objects.get(landscape__name=LANDSCAPE, key=key).applied


def remote_key(remote: dict, key: str) -> dict:
    """The sandbox's record of the service key the app created for a pathway."""
    guid = applied(key)["key_guid"]
    return next(k for k in remote["keys"] if k["guid"] == guid)


def create_landscape(page, live_server, axe, facts: dict) -> str:
    """Fill the landscape form the way a consultant pastes keys; returns the landscape page URL."""
    page.goto(f"{live_server.url}/")
    axe.check(page, "home")
    page.click("text=New landscape")
    page.wait_for_selector("h1:has-text('New landscape')")
    axe.check(page, "new landscape form")
    for name, value in landscape_form_data(facts, name=LANDSCAPE).items():
        if name == "tier":
            page.select_option("#id_tier", value)
        else:
            page.fill(f"#id_{name}", value)
    page.click("form.form button[type=submit]")
    page.wait_for_selector("text=created with its four pathways")
    axe.check(page, "landscape page")
    return page.url


def check_landscape(page, axe, landscape_url: str) -> None:
    page.click("button:has-text('Check landscape')")
    assert wait_for_finished_run(page) == "succeeded", page.inner_text("#run-panel")
    axe.check(page, "check run page")
    page.goto(landscape_url)
    page.wait_for_selector("#check-h")
    assert "Every credential works" in page.inner_text("section[aria-labelledby=check-h]")
    axe.check(page, "landscape page after the check")


def choose_method(page, axe, landscape_url: str, label: str, method: str) -> None:
    page.goto(landscape_url)
    page.click(f".card h3 a:has-text('{label}')")
    page.wait_for_selector("legend")
    choice = page.locator(f"input[name=method][value={method}]")
    if not choice.is_checked():
        choice.check()
        page.wait_for_selector("#method-status:has-text('Saved')")
    axe.check(page, f"{label}: method step")
    page.click("button:has-text('Continue')")


def continue_step(page, axe, title: str) -> None:
    page.wait_for_selector(f"h2:has-text('{title}')")
    axe.check(page, f"step {title}")
    page.click("button:has-text('Save and continue')")


def autosave(page, name: str, value: str) -> None:
    page.fill(f"#id_{name}", value)
    page.keyboard.press("Tab")
    page.wait_for_selector(f"#field-{name} .saved")


def plan_apply_verify(page, axe, label: str) -> None:
    """On the review step: the plan appears, Apply runs with a progress bar to the end, then Verify."""
    page.wait_for_selector("h2#review-h")
    assert "The draft is complete." in page.inner_text("main")
    page.wait_for_selector("#plan table.plan", timeout=30_000)
    assert "Create" in page.inner_text("#plan table.plan")
    axe.check(page, f"{label}: review with plan")
    page.click("form[action$='/run/apply/'] button")
    page.wait_for_selector("#run-panel")
    assert wait_for_finished_run(page) == "succeeded", page.inner_text("#run-panel")
    progress = page.locator("#run-panel progress")
    assert progress.get_attribute("value") == progress.get_attribute("max")
    axe.check(page, f"{label}: apply run page")
    page.click("#run-panel button:has-text('Verify')")
    page.wait_for_selector("h1:has-text('Verify')")
    assert wait_for_finished_run(page) == "succeeded", page.inner_text("#run-panel")
    axe.check(page, f"{label}: verify run page")


def open_handoff(page, axe, landscape_url: str, label: str) -> None:
    page.goto(landscape_url)
    page.locator(".card", has=page.locator(f"h3:has-text('{label}')")).locator("text=Hand-off sheet").click()
    page.wait_for_selector("h1:has-text('Hand-off sheet')")
    axe.check(page, f"{label}: hand-off sheet")


def test_a_consultant_sets_up_all_four_pathways_and_hands_them_over(
    page, live_server, axe, celery_worker, fast_waits, sandbox_server, sandbox_tenant
):
    user = UserFactory(username="consuela")
    log_in(page, live_server, user.username, PASSWORD, axe)
    landscape_url = create_landscape(page, live_server, axe, sandbox_tenant)
    check_landscape(page, axe, landscape_url)

    # S/4HANA → CPI with Basic: the defaults are fine, two steps, then the client secret.
    choose_method(page, axe, landscape_url, "S/4HANA → CPI", "basic")
    continue_step(page, axe, "Service instance")
    continue_step(page, axe, "Service key")
    plan_apply_verify(page, axe, "S/4HANA → CPI")

    # SSCv2 → CPI with a certificate SAP generates: handed over as PKCS#12.
    choose_method(page, axe, landscape_url, "SSCv2 → CPI", "certificate")
    continue_step(page, axe, "Service instance")
    page.wait_for_selector("h2:has-text('Service key')")
    page.select_option("#id_certificate_source", "sap_generated")
    page.wait_for_selector("#id_validity_days")
    autosave(page, "validity_days", "30")
    continue_step(page, axe, "Service key")
    plan_apply_verify(page, axe, "SSCv2 → CPI")

    # CPI → S/4HANA with Basic: the S/4HANA communication user and its password.
    choose_method(page, axe, landscape_url, "CPI → S/4HANA", "basic")
    page.wait_for_selector("h2:has-text('User credentials')")
    autosave(page, "user", "COMM_USER_BROWSER")
    autosave(page, "password", S4_USER_PASSWORD)
    continue_step(page, axe, "User credentials")
    plan_apply_verify(page, axe, "CPI → S/4HANA")

    # CPI → SSCv2 with a key pair generated in the CPI keystore; no private server root to trust.
    choose_method(page, axe, landscape_url, "CPI → SSCv2", "certificate")
    page.wait_for_selector("h2:has-text('Key pair')")
    page.select_option("#id_key_type", "EC-256")
    autosave(page, "organization", "Browser AG")
    continue_step(page, axe, "Key pair")
    continue_step(page, axe, "Receiver trust")
    plan_apply_verify(page, axe, "CPI → SSCv2")

    subdomain = sandbox_tenant["subdomain"]
    remote = sandbox_server.state(subdomain)["tenants"][subdomain]

    # Client secret, revealed once: it fetches a token from the tenant's XSUAA.
    open_handoff(page, axe, landscape_url, "S/4HANA → CPI")
    sheet = page.inner_text("table.handoff")
    page.click("button:has-text('Reveal the client secret once')")
    page.wait_for_selector("h1:has-text('Client secret')")
    axe.check(page, "client secret page")
    secret = page.input_value("#secret")
    clientid = remote_key(remote, "s4_to_cpi")["clientid"]
    assert clientid in sheet
    token_url = next(line.split("\t")[1] for line in sheet.splitlines() if line.startswith("Token URL"))
    answer = sandbox_server.session().post(
        token_url, data={"grant_type": "client_credentials"}, auth=(clientid, secret), timeout=30
    )
    assert answer.status_code == 200 and answer.json()["access_token"]
    page.goto(page.url.replace("/handoff/reveal/", "/handoff/"))
    assert "Revealed on" in page.inner_text("table.handoff")
    assert secret not in page.content(), "the client secret shows once only"

    # PKCS#12 with a typed passphrase: the certificate inside is the one on the SAP-generated key.
    open_handoff(page, axe, landscape_url, "SSCv2 → CPI")
    page.fill("#id_passphrase", HANDOFF_PASSPHRASE)
    with page.expect_download() as download_info:
        page.click("button:has-text('Download once as PKCS#12')")
    bundle = download_info.value.path().read_bytes()
    key, certificate, _ = pkcs12.load_key_and_certificates(bundle, HANDOFF_PASSPHRASE.encode())
    assert key is not None
    key_print = remote_key(remote, "ssc_to_cpi")["fingerprint"]
    assert fingerprint(certificate) == key_print
    page.reload()
    assert "Handed over on" in page.inner_text("table.handoff")

    # CPI certificate PEM: the one the tenant's keystore holds under the alias.
    open_handoff(page, axe, landscape_url, "CPI → SSCv2")
    with page.expect_download() as download_info:
        page.click("text=Download PEM")
    pem = download_info.value.path().read_bytes()
    leaf = x509.load_pem_x509_certificates(pem)[0]
    alias = applied("cpi_to_ssc")["alias"]
    entry = next(e for entries in remote["keystores"].values() for e in entries if e["alias"] == alias)
    assert fingerprint(leaf) == entry["fingerprint_sha256"]

    # The basic credential is deployed under the user typed; its password never reaches a page.
    name = applied("cpi_to_s4")["credential_name"]
    credential = next(c for c in remote["user_credentials"] if c["Name"] == name)
    assert credential["User"] == "COMM_USER_BROWSER"
    open_handoff(page, axe, landscape_url, "CPI → S/4HANA")
    assert S4_USER_PASSWORD not in page.content()
    assert base64.b64encode(S4_USER_PASSWORD.encode()).decode() not in page.content()
    page.goto(landscape_url)
    assert page.locator(".card .badge:has-text('Verified')").count() == 4
    axe.check(page, "landscape page, all verified")
    page.locator(".card", has=page.locator("h3:has-text('CPI → SSCv2')")).locator(
        "text=Certificates and rotation"
    ).click()
    page.wait_for_selector("h1")
    assert entry["fingerprint_sha256"].replace(":", "").lower() in page.content().replace(":", "").lower()
    axe.check(page, "CPI → SSCv2: certificates page")
    page.goto(landscape_url)
    page.click("text=Edit landscape")
    page.wait_for_selector("h1:has-text('Edit')")
    assert sandbox_tenant["cf_user"]["password"] not in page.content()
    axe.check(page, "edit landscape form")
