"""A pathway switched to another method through a real worker against the sandbox: the plan never keeps the
old kind of credential under the draft's name, verify proves the drafted method, and what the pathway no
longer uses is listed as still live and retired by a run."""

import pytest
from django.test import Client

from pathways import drift, engine
from pathways.engine import retire
from pathways.models import AuditEvent, LeftoverCredential
from tests.factories import MembershipFactory
from tests.fixtures.landscapes import set_draft

from .conftest import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def objects(sandbox_server, subdomain: str) -> dict:
    return sandbox_server.state(subdomain)["tenants"][subdomain]


def key_names(sandbox_server, subdomain: str) -> set[str]:
    return {k["name"] for k in objects(sandbox_server, subdomain)["keys"]}


def applied_and_verified(pathway):
    run = wait_for(engine.start_run(pathway, "apply"))
    assert run.state == "succeeded", (run.message, list(run.steps.values_list("label", "message")))
    pathway.refresh_from_db()
    assert pathway.status == "verified"
    return run


@pytest.fixture
def consultant(landscape):
    return MembershipFactory(landscape=landscape, role="consultant", user__username="cora").user


@pytest.fixture
def browser(consultant):
    client = Client()
    client.force_login(consultant)
    return client


def switch(pathway, method: str, values: dict):
    """The wizard after the method was switched, when the key name carried over (as typed before)."""
    return set_draft(pathway, method, dict(pathway.draft, **values))


def test_basic_to_external_certificate_asks_for_a_new_name_then_lists_and_retires_the_secret_key(
    celery_worker, prepare, issue_certificate, sandbox_server, sandbox_tenant, browser, consultant
):
    subdomain = sandbox_tenant["subdomain"]
    pathway = prepare("ssc_to_cpi", "basic")
    pathway = set_draft(pathway, "basic", dict(pathway.draft, key_name="ssc-key"))
    applied_and_verified(pathway)
    assert pathway.verified_method == "basic" and "client-secret token issued" in pathway.verified_proof
    issued = issue_certificate(f"ssc2-{subdomain}.example.com")
    switch(
        pathway,
        "certificate",
        {"certificate_source": "external", "external_certificate": issued["certificate"]},
    )

    plan = wait_for(engine.start_run(pathway, "plan"))
    [problem] = plan.result["problems"]
    assert "ssc-key is a ClientId/Secret key" in problem and "use the new name ssc-cert-key" in problem
    assert "replace the existing key" in problem
    key_action = plan.result["plan"][1]
    assert key_action["kind"] == "keep" and key_action["data"]["choices"]["rename"] == "ssc-cert-key"
    refused = wait_for(engine.start_run(pathway, "apply"))
    assert refused.state == "failed" and "use the new name ssc-cert-key" in refused.message
    pathway.refresh_from_db()
    assert pathway.status == "failed"

    # The review step's "Use the new name ssc-cert-key" button.
    response = browser.post(
        f"/l/{pathway.landscape.code}/p/ssc_to_cpi/plan-choice/",
        {"field": "key_name", "choice": "rename", "name": "ssc-cert-key"},
    )
    assert response.status_code == 302
    pathway.refresh_from_db()
    assert pathway.draft["key_name"] == "ssc-cert-key"
    run = applied_and_verified(pathway)
    labels = [label for (label,) in run.steps.values_list("label")]
    assert "Create service key ssc-cert-key" in labels
    assert not any("client secret" in label for label in labels)
    assert pathway.verified_method == "certificate" and pathway.applied["key_kind"] == "external_certificate"
    assert "only the sender's first call proves mtls" in pathway.verified_proof.lower()
    assert "verified: client certificate" in run.message
    assert {"ssc-key", "ssc-cert-key"} <= key_names(sandbox_server, subdomain)

    [leftover] = retire.leftovers_of(pathway)
    assert leftover.label == "service key ssc-key (ClientId/Secret key)" and leftover.state == "live"
    page = browser.get(f"/l/{pathway.landscape.code}/p/ssc_to_cpi/certificates/").content.decode()
    assert "Still live, no longer used" in page and "service key ssc-key" in page
    page = browser.get(f"/l/{pathway.landscape.code}/").content.decode()
    assert "Still live, no longer used: service key ssc-key" in page

    response = browser.post(
        f"/l/{pathway.landscape.code}/p/ssc_to_cpi/retire/{leftover.code}/", {"confirm": "yes"}
    )
    assert response.status_code == 302
    retired = wait_for(LeftoverCredential.objects.get(pk=leftover.pk).pathway.runs.first())
    assert retired.kind == "retire" and retired.state == "succeeded", retired.message
    leftover.refresh_from_db()
    assert leftover.state == "retired" and leftover.retired_by == consultant
    assert "ssc-key" not in key_names(sandbox_server, subdomain)
    assert "ssc-cert-key" in key_names(sandbox_server, subdomain)
    assert pathway.secret("handoff_clientsecret") is None
    assert {"leftover.found", "leftover.retire", "leftover.retired"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )
    assert retire.leftovers_of(pathway) == []
    drift.detect_drift()
    pathway.refresh_from_db()
    assert pathway.drift["differences"] == []


def test_basic_to_sap_generated_certificate_replaces_the_key_once_confirmed_and_proves_mtls(
    celery_worker, prepare, sandbox_server, sandbox_tenant, browser
):
    pathway = prepare("s4_to_cpi", "basic")
    pathway = set_draft(pathway, "basic", dict(pathway.draft, key_name="s4-key"))
    applied_and_verified(pathway)
    switch(pathway, "certificate", {"certificate_source": "sap_generated", "validity_days": "30"})

    # Verify before any apply of the new method: the secret key cannot prove a certificate pathway.
    verified = wait_for(engine.start_run(pathway, "verify"))
    assert verified.state == "failed"
    assert "is a ClientId/Secret key, but the pathway is drafted for an SAP-generated certificate key" in (
        verified.message
    )
    assert not any("secret" in label for (label,) in verified.steps.values_list("label"))

    response = browser.post(
        f"/l/{pathway.landscape.code}/p/s4_to_cpi/plan-choice/", {"field": "key_name", "choice": "replace"}
    )
    assert response.status_code == 302
    pathway.refresh_from_db()
    assert pathway.draft["confirm_replace"] == "s4-key"
    run = applied_and_verified(pathway)
    steps = dict(run.steps.values_list("label", "message"))
    assert "Replace service key s4-key" in steps
    assert "token issued over mTLS" in steps["Verify: a token over mTLS with the key's certificate"]
    assert pathway.applied["key_kind"] == "certificate" and pathway.verified_method == "certificate"
    assert pathway.verified_proof.startswith("verified: client certificate, mTLS token issued")
    assert retire.leftovers_of(pathway) == []  # replaced: nothing of the secret key is left
    keys = objects(sandbox_server, sandbox_tenant["subdomain"])["keys"]
    assert [k["guid"] for k in keys if k["name"] == "s4-key"] == [pathway.applied["key_guid"]]


def test_the_wizard_proposes_the_methods_default_key_name_when_the_method_is_switched(
    celery_worker, prepare, browser
):
    pathway = prepare("ssc_to_cpi", "basic")
    set_draft(pathway, "basic", dict(pathway.draft, key_name="ssc-key"))
    response = browser.post(
        f"/l/{pathway.landscape.code}/p/ssc_to_cpi/field/method/",
        {"method": "certificate", "version": pathway.version},
    )
    # Without htmx the field post goes back to the method step, where the new method shows.
    assert response.status_code == 302
    assert response["Location"] == f"/l/{pathway.landscape.code}/p/ssc_to_cpi/step/method/"
    pathway.refresh_from_db()
    assert pathway.method == "certificate" and pathway.draft["key_name"] == "ssc-cert-key"


def test_user_credentials_to_key_pair_lists_the_old_credential_and_a_retire_run_deletes_it(
    celery_worker, prepare, sandbox_server, sandbox_tenant, consultant
):
    subdomain = sandbox_tenant["subdomain"]
    pathway = prepare("cpi_to_s4", "basic")
    applied_and_verified(pathway)
    name = pathway.applied["credential_name"]
    pathway = prepare("cpi_to_s4", "certificate")
    applied_and_verified(pathway)
    assert "credential_name" not in pathway.applied and pathway.verified_method == "certificate"
    assert name in [c["Name"] for c in objects(sandbox_server, subdomain)["user_credentials"]]
    [leftover] = retire.leftovers_of(pathway)
    assert leftover.shape == "user_credentials" and leftover.facts["credential_name"] == name

    run = wait_for(retire.start_retire(leftover, consultant))
    assert run.state == "succeeded", (run.message, list(run.steps.values_list("label", "message")))
    assert name not in [c["Name"] for c in objects(sandbox_server, subdomain)["user_credentials"]]
    leftover.refresh_from_db()
    assert leftover.state == "retired"
    drift.detect_drift()
    pathway.refresh_from_db()
    assert pathway.drift["differences"] == [] and pathway.status == "verified"


def test_drift_of_a_deleted_credential_is_cleared_by_a_successful_reapply(celery_worker, prepare, landscape):
    from pathways.engine.connect import Connection

    pathway = prepare("cpi_to_s4", "basic")
    applied_and_verified(pathway)
    with Connection(landscape) as connection:
        connection.cpi.delete_user_credential(pathway.applied["credential_name"])
    drift.detect_drift()
    pathway.refresh_from_db()
    assert (
        drift.summary(pathway)
        == f"The User Credentials artifact {pathway.applied['credential_name']} was deleted."
    )
    applied_and_verified(pathway)
    assert not drift.is_drifted(pathway) and drift.summary(pathway) == ""
    assert AuditEvent.objects.filter(action="drift.cleared", pathway_key="cpi_to_s4").exists()


def test_a_key_pair_of_another_key_type_is_not_kept_a_new_alias_leaves_the_old_one_to_retire(
    celery_worker, prepare, sandbox_server, sandbox_tenant, browser, consultant
):
    pathway = prepare("cpi_to_s4", "certificate")  # EC-256
    applied_and_verified(pathway)
    old_alias = pathway.applied["alias"]
    switch(pathway, "certificate", {"key_type": "RSA-2048"})
    plan = wait_for(engine.start_run(pathway, "plan"))
    [problem] = plan.result["problems"]
    proposal = f"{old_alias}_rsa2048"
    assert "key type EC instead of RSA" in plan.result["plan"][0]["reason"]
    assert f"use the new alias {proposal}" in problem
    response = browser.post(
        f"/l/{pathway.landscape.code}/p/cpi_to_s4/plan-choice/",
        {"field": "alias", "choice": "rename", "name": proposal},
    )
    assert response.status_code == 302
    pathway.refresh_from_db()
    applied_and_verified(pathway)
    assert pathway.applied["alias"] == proposal and pathway.applied["key_type"] == "RSA"
    [leftover] = retire.leftovers_of(pathway)
    assert leftover.shape == "key_pair" and leftover.facts["alias"] == old_alias
    run = wait_for(retire.start_retire(leftover, consultant))
    assert run.state == "succeeded", (run.message, list(run.steps.values_list("label", "message")))
    aliases = [
        e["alias"] for e in objects(sandbox_server, sandbox_tenant["subdomain"])["keystores"]["system"]
    ]
    assert old_alias not in aliases and proposal in aliases
