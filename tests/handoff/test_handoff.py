"""The hand-off sheet after a real apply against the sandbox: one-time reveals, downloads, who may do what."""

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from django.test import Client
from django.urls import reverse

from pathways import certs, engine
from pathways.models import AuditEvent, Membership, Run
from pathways.sap.http import SapHttp
from pathways.sap.xsuaa import TokenClient
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def applied(pathway):
    run = Run.objects.create(landscape=pathway.landscape, pathway=pathway, kind="apply")
    engine.execute_run(run.id)
    run.refresh_from_db()
    assert run.state == "succeeded", run.message
    pathway.refresh_from_db()
    return pathway


def member(landscape, role):
    user = UserFactory()
    Membership.objects.create(landscape=landscape, user=user, role=role)
    client = Client()
    client.force_login(user)
    return client


def url(name, pathway, **kwargs):
    return reverse(name, kwargs={"code": pathway.landscape.code, "key": pathway.key, **kwargs})


def test_the_client_secret_is_revealed_once_and_it_works(prepare, landscape, sandbox_tenant):
    pathway = applied(prepare("s4_to_cpi", "basic"))
    consultant = member(landscape, "consultant")
    sheet = consultant.get(url("handoff", pathway)).content.decode()
    assert pathway.applied["clientid"] in sheet and landscape.endpoint_path in sheet
    assert "Reveal the client secret once" in sheet
    response = consultant.post(url("handoff_reveal", pathway))
    secret = response.context["secret"]
    assert (
        secret and secret in response.content.decode() and response["Cache-Control"].startswith("max-age=0")
    )
    http = SapHttp(ca_bundle=sandbox_tenant["ca_path"])
    token = TokenClient(http).by_secret(pathway.applied["tokenurl"], pathway.applied["clientid"], secret)
    assert token.access_token
    again = consultant.post(url("handoff_reveal", pathway), follow=True).content.decode()
    assert "already revealed once" in again and secret not in again
    assert "Revealed on" in consultant.get(url("handoff", pathway)).content.decode()
    event = AuditEvent.objects.get(action="handoff.reveal")
    assert secret not in str(event.changes) + event.note


def test_viewers_see_the_sheet_but_cannot_reveal_and_outsiders_see_nothing(prepare, landscape):
    pathway = applied(prepare("s4_to_cpi", "basic"))
    viewer = member(landscape, "viewer")
    assert viewer.get(url("handoff", pathway)).status_code == 200
    assert viewer.post(url("handoff_reveal", pathway)).status_code == 403
    outsider = Client()
    outsider.force_login(UserFactory())
    assert outsider.get(url("handoff", pathway)).status_code == 404


def test_the_sap_generated_key_is_handed_over_once_as_pkcs12_under_the_typed_passphrase(prepare, landscape):
    pathway = applied(prepare("s4_to_cpi", "certificate"))
    consultant = member(landscape, "consultant")
    short = consultant.post(url("handoff_pkcs12", pathway), {"passphrase": "short"}, follow=True)
    assert "at least 12 characters" in short.content.decode()
    response = consultant.post(url("handoff_pkcs12", pathway), {"passphrase": "a long passphrase 1"})
    assert response["Content-Type"] == "application/x-pkcs12"
    key, cert, _ = pkcs12.load_key_and_certificates(response.content, b"a long passphrase 1")
    assert key is not None
    assert certs.fingerprint_sha256(cert) == pathway.applied["fingerprint"]
    again = consultant.post(
        url("handoff_pkcs12", pathway), {"passphrase": "a long passphrase 1"}, follow=True
    )
    assert "already handed over once" in again.content.decode()


def test_the_cpi_key_pair_certificate_downloads_as_pem_and_der_matching_the_keystore(
    prepare, landscape, sandbox_tenant
):
    pathway = applied(prepare("cpi_to_ssc", "certificate"))
    viewer = member(landscape, "viewer")
    pem = viewer.get(url("handoff_certificate", pathway, encoding="pem")).content
    der = viewer.get(url("handoff_certificate", pathway, encoding="der")).content
    assert certs.parse_certificates(pem).leaf.fingerprint_sha256 == pathway.applied["fingerprint"]
    assert certs.parse_certificates(der).leaf.fingerprint_sha256 == pathway.applied["fingerprint"]
    assert viewer.get(url("handoff_certificate", pathway, encoding="exe")).status_code == 404
    root = viewer.get(url("handoff_root", pathway)).content.decode()
    assert root.strip() == Path(sandbox_tenant["ca_path"]).read_text().strip()


def test_before_an_apply_the_sheet_says_so(landscape):
    pathway = landscape.pathways.get(key="cpi_to_s4")
    page = member(landscape, "viewer").get(url("handoff", pathway)).content.decode()
    assert "has not been applied yet" in page


def test_the_review_step_plans_on_opening_and_shows_what_apply_will_do(prepare, landscape):
    pathway = prepare("cpi_to_s4", "basic")
    consultant = member(landscape, "consultant")
    review = consultant.get(url("wizard_step", pathway, step="review")).content.decode()
    assert 'hx-trigger="load"' in review and "nothing changes yet" in review
    panel = consultant.post(url("pathway_run", pathway, kind="plan"), {"inline": "1"}, HTTP_HX_REQUEST="true")
    run = Run.objects.get(kind="plan")
    engine.execute_run(run.id)
    html = consultant.get(reverse("run", args=[run.code]), HTTP_HX_REQUEST="true").content.decode()
    assert panel.status_code == 200 and "What Apply will do" in html and "Create" in html
    assert "COMM_USER_S4" in html or "User Credentials" in html


@pytest.mark.parametrize(
    "key, trust_home, wrong_home",
    [
        ("s4_to_cpi", "STRUST", "communication system's settings"),
        ("ssc_to_cpi", "only when SSCv2 asks", "STRUST"),
    ],
)
def test_the_sheet_says_where_the_server_root_goes_in_the_other_system_and_each_claim_once(
    prepare, landscape, key, trust_home, wrong_home
):
    pathway = applied(prepare(key, "basic"))
    sheet = member(landscape, "consultant").get(url("handoff", pathway)).content.decode()
    other = pathway.spec.other_system
    assert trust_home in sheet and wrong_home not in sheet  # STRUST is an S/4HANA transaction, never SSCv2's
    assert f"Where it goes in {other}" in sheet and "inferred wording" not in sheet
    assert "on purpose" not in sheet and "shown once, after Reveal" in sheet
    assert "Verified Verified" not in " ".join(sheet.split())
    assert "Last proven" in sheet and pathway.verified_proof in sheet


def test_a_finished_apply_leads_on_to_the_hand_off_sheet(prepare, landscape):
    pathway = applied(prepare("cpi_to_ssc", "basic"))
    run = Run.objects.filter(pathway=pathway, kind="apply").latest("id")
    page = member(landscape, "consultant").get(reverse("run", args=[run.code])).content.decode()
    assert url("handoff", pathway) in page
    assert f"hand-off sheet for the {pathway.spec.other_system} administrator" in page
