"""Rotation without downtime against the sandbox: the successor is created and verified beside the old one,
both work during the overlap, and the old one goes only in the retire run after the user confirms."""

import pytest

from pathways import certs
from pathways.engine import rotate
from pathways.engine.connect import Connection
from pathways.models import AuditEvent, Rotation, Secret

from .conftest import execute, run_now, runtime_status, steps

pytestmark = pytest.mark.django_db


def external_pathway(landscape, certificate: dict):
    pathway = landscape.pathways.get(key="ssc_to_cpi")
    pathway.method = "certificate"
    pathway.draft = {"certificate_source": "external", "external_certificate": certificate["certificate"]}
    pathway.save()
    return pathway


def key_names(landscape, instance_guid: str) -> set[str]:
    with Connection(landscape) as connection:
        return {key.name for key in connection.cf.list_keys(instance_guid)}


def keystore(landscape) -> dict[str, str]:
    with Connection(landscape) as connection:
        return {entry.alias: entry.fingerprint_sha256 for entry in connection.cpi.list_keystore_entries()}


def test_sscv2_external_certificate_rotates_with_both_certificates_working_during_the_overlap(
    landscape, consultant, issue_certificate
):
    old_cert = issue_certificate("sscv2-2026.example.com")
    pathway = external_pathway(landscape, old_cert)
    applied = run_now(pathway, "apply")
    assert applied.state == "succeeded", steps(applied)
    pathway.refresh_from_db()
    old_name, instance = pathway.applied["key_name"], pathway.applied["instance_guid"]
    assert runtime_status(landscape, certificate=old_cert["certificate"], key=old_cert["key"]) == 200

    new_cert = issue_certificate("sscv2-2027.example.com")
    run = execute(rotate.start_rotation(pathway, consultant, new_certificate=new_cert["certificate"]))
    assert run.state == "succeeded", (run.message, steps(run))
    labels = [label for label, _, _ in steps(run)]
    assert labels[0] == "Plan the rotation (overlap)"
    assert any(label.startswith("Verify the new key") for label in labels)
    assert any(label.startswith("Verify the old key") and "(overlap)" in label for label in labels)
    assert [a["kind"] for a in run.result["plan"]] == ["keep", "create", "handoff", "delete"]

    rotation = Rotation.objects.get(pathway=pathway)
    assert rotation.state == "overlap"
    new_name = rotation.new["key_name"]
    assert new_name != old_name and len(new_name) <= 32
    assert key_names(landscape, instance) == {old_name, new_name}
    # The overlap: the sender works with the old and with the new certificate.
    assert runtime_status(landscape, certificate=old_cert["certificate"], key=old_cert["key"]) == 200
    assert runtime_status(landscape, certificate=new_cert["certificate"], key=new_cert["key"]) == 200
    pathway.refresh_from_db()
    assert pathway.draft["key_name"] == new_name
    assert certs.normalize_fingerprint(pathway.applied["fingerprint"]) == certs.normalize_fingerprint(
        new_cert["fingerprint_sha256"]
    )
    assert pathway.status == "verified"

    retire = execute(rotate.start_retire(pathway, consultant))
    assert retire.state == "succeeded", (retire.message, steps(retire))
    labels = [label for label, _, _ in steps(retire)]
    verify_index = next(i for i, label in enumerate(labels) if label.startswith("Verify the new key"))
    delete_index = next(i for i, label in enumerate(labels) if label.startswith("Delete the old key"))
    assert verify_index < delete_index  # nothing is deleted before its successor is verified
    assert key_names(landscape, instance) == {new_name}
    # §11.3: the old certificate still passes the load balancer's chain check, but no key holds it any
    # more, so the runtime answers as for bad credentials (401), not as for a missing role (403).
    assert runtime_status(landscape, certificate=old_cert["certificate"], key=old_cert["key"]) == 401
    assert runtime_status(landscape, certificate=new_cert["certificate"], key=new_cert["key"]) == 200
    rotation.refresh_from_db()
    assert rotation.state == "retired" and rotation.confirmed_by == consultant
    assert {"rotation.start", "rotation.confirm", "rotation.retire"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )
    verified = run_now(pathway, "verify")
    assert verified.state == "succeeded", steps(verified)


def test_cpi_to_sscv2_key_pair_rotates_under_the_same_alias(landscape, consultant, client):
    pathway = landscape.pathways.get(key="cpi_to_ssc")
    pathway.method = "certificate"
    pathway.draft = {"key_source": "generate", "key_type": "RSA-2048", "organization": "Example AG"}
    pathway.save()
    applied = run_now(pathway, "apply")
    assert applied.state == "succeeded", steps(applied)
    pathway.refresh_from_db()
    alias, old_fingerprint = pathway.applied["alias"], pathway.applied["fingerprint"]

    run = execute(rotate.start_rotation(pathway, consultant))
    assert run.state == "succeeded", (run.message, steps(run))
    rotation = Rotation.objects.get(pathway=pathway)
    new_alias, new_fingerprint = rotation.new["alias"], rotation.new["fingerprint"]
    entries = keystore(landscape)
    assert (
        entries[alias] == old_fingerprint and entries[new_alias] == new_fingerprint
    )  # both live: the overlap
    labels = [label for label, _, _ in steps(run)]
    assert any(label.startswith(f"Verify the new key pair {new_alias}") for label in labels)
    assert any(label.startswith(f"Verify the old key pair {alias} (overlap)") for label in labels)
    pathway.refresh_from_db()
    assert pathway.applied["fingerprint"] == old_fingerprint  # the iFlow still uses the old one

    client.force_login(consultant)
    download = client.get(f"/l/{landscape.code}/p/cpi_to_ssc/certificates/new.pem")
    assert download.status_code == 200
    assert certs.parse_certificates(download.content).leaf.fingerprint_sha256 == new_fingerprint
    page = client.get(f"/l/{landscape.code}/p/cpi_to_ssc/certificates/").content.decode()
    assert "old and new both active" in page
    assert "Retire the old one" in page

    retire = execute(rotate.start_retire(pathway, consultant))
    assert retire.state == "succeeded", (retire.message, steps(retire))
    entries = keystore(landscape)
    assert entries[alias] == new_fingerprint
    assert new_alias not in entries and not any("-old-" in name for name in entries)
    pathway.refresh_from_db()
    assert pathway.applied["fingerprint"] == new_fingerprint
    handed_over = certs.parse_certificates(
        Secret.lookup(landscape=landscape, pathway=pathway, name="handoff_certificate").reveal()
    )
    assert handed_over.leaf.fingerprint_sha256 == new_fingerprint
    assert "restart the iFlows" in retire.message
    verified = run_now(pathway, "verify")
    assert verified.state == "succeeded", steps(verified)


def test_a_client_secret_key_rotates_and_a_new_secret_can_be_revealed_once(landscape, consultant):
    pathway = landscape.pathways.get(key="s4_to_cpi")
    pathway.method = "basic"
    pathway.save()
    assert run_now(pathway, "apply").state == "succeeded"
    pathway.refresh_from_db()
    old = {
        "clientid": pathway.applied["clientid"],
        "clientsecret": pathway.secret("handoff_clientsecret").reveal(),
    }
    Secret.store(
        landscape=landscape, pathway=pathway, name="handoff_revealed_handoff_clientsecret", value="x"
    )

    run = execute(rotate.start_rotation(pathway, consultant))
    assert run.state == "succeeded", (run.message, steps(run))
    pathway.refresh_from_db()
    new = {
        "clientid": pathway.applied["clientid"],
        "clientsecret": pathway.secret("handoff_clientsecret").reveal(),
    }
    assert new["clientsecret"] != old["clientsecret"]
    assert pathway.secret("handoff_revealed_handoff_clientsecret") is None  # the new secret may be revealed
    assert runtime_status(landscape, **old) == 200 and runtime_status(landscape, **new) == 200

    assert execute(rotate.start_retire(pathway, consultant)).state == "succeeded"
    assert runtime_status(landscape, **old) == 401
    assert runtime_status(landscape, **new) == 200


def test_a_failed_successor_leaves_the_old_key_working_and_nothing_deleted(
    landscape, consultant, issue_certificate, sandbox_server, sandbox_tenant
):
    old_cert = issue_certificate("sscv2-keep.example.com")
    pathway = external_pathway(landscape, old_cert)
    assert run_now(pathway, "apply").state == "succeeded"
    pathway.refresh_from_db()
    old_name, instance = pathway.applied["key_name"], pathway.applied["instance_guid"]
    response = sandbox_server.admin(
        "POST",
        "faults",
        {"kind": "fail_job", "host": "cf", "name": "-r[0-9]{6}", "subdomain": sandbox_tenant["subdomain"]},
    )
    assert response.status_code == 201, response.text
    new_cert = issue_certificate("sscv2-next.example.com")
    run = execute(rotate.start_rotation(pathway, consultant, new_certificate=new_cert["certificate"]))
    assert run.state == "failed"
    rotation = Rotation.objects.get(pathway=pathway)
    assert rotation.state == "failed" and rotation.message
    assert old_name in key_names(landscape, instance)
    assert runtime_status(landscape, certificate=old_cert["certificate"], key=old_cert["key"]) == 200
    pathway.refresh_from_db()
    assert pathway.draft.get("key_name", old_name) == old_name
    with pytest.raises(rotate.RotationRefused):
        rotate.start_retire(pathway, consultant)


def test_the_new_certificate_must_not_be_the_one_in_use(landscape, consultant, issue_certificate):
    old_cert = issue_certificate("sscv2-same.example.com")
    pathway = external_pathway(landscape, old_cert)
    assert run_now(pathway, "apply").state == "succeeded"
    pathway.refresh_from_db()
    with pytest.raises(rotate.RotationRefused, match="already used in another service key"):
        rotate.start_rotation(pathway, consultant, new_certificate=old_cert["certificate"])
    with pytest.raises(rotate.RotationRefused, match="Upload the new"):
        rotate.start_rotation(pathway, consultant, new_certificate="")
    assert not Rotation.objects.exists()


def test_an_sap_generated_certificate_key_rotates_with_mtls_verified_for_old_and_new(landscape, consultant):
    pathway = landscape.pathways.get(key="s4_to_cpi")
    pathway.method = "certificate"
    pathway.draft = {"certificate_source": "sap_generated", "validity_days": "30"}
    pathway.save()
    assert run_now(pathway, "apply").state == "succeeded"
    pathway.refresh_from_db()
    old_key = pathway.secret("handoff_private_key").reveal()
    run = execute(rotate.start_rotation(pathway, consultant))
    assert run.state == "succeeded", (run.message, steps(run))
    labels = [label for label, state, _ in steps(run) if state == "succeeded"]
    assert any(label.startswith("Verify the new key") and "mTLS" in label for label in labels)
    assert any(label.startswith("Verify the old key") and "mTLS" in label for label in labels)
    pathway.refresh_from_db()
    assert pathway.secret("handoff_private_key").reveal() != old_key
    assert pathway.certificate_not_after is not None
    assert execute(rotate.start_retire(pathway, consultant)).state == "succeeded"


def test_a_retire_that_fails_after_the_switch_can_be_retried(
    landscape, consultant, sandbox_server, sandbox_tenant
):
    pathway = landscape.pathways.get(key="cpi_to_ssc")
    pathway.method = "certificate"
    pathway.draft = {"key_source": "generate", "key_type": "EC-256"}
    pathway.save()
    assert run_now(pathway, "apply").state == "succeeded"
    pathway.refresh_from_db()
    alias = pathway.applied["alias"]
    assert execute(rotate.start_rotation(pathway, consultant)).state == "succeeded"
    new_fingerprint = Rotation.objects.get().new["fingerprint"]
    fault = {
        "kind": "status",
        "status": 403,
        "host": "cpi",
        "method": "DELETE",
        "path": "KeystoreEntries",
        "times": None,
        "subdomain": sandbox_tenant["subdomain"],
    }
    assert sandbox_server.admin("POST", "faults", fault).status_code == 201
    failed = execute(rotate.start_retire(pathway, consultant))
    assert failed.state == "failed"
    assert Rotation.objects.get().state == "overlap"
    assert keystore(landscape)[alias] == new_fingerprint  # switched; the old one is parked, not lost
    sandbox_server.clear_faults()
    retried = execute(rotate.start_retire(pathway, consultant))
    assert retried.state == "succeeded", (retried.message, steps(retried))
    entries = keystore(landscape)
    assert entries[alias] == new_fingerprint and not any("-old-" in name for name in entries)
    assert Rotation.objects.get().state == "retired"
