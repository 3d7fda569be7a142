"""The engine's run logic called as a plain function (no queue): apply, verify, plan, check, failures."""

import json
import logging

import pytest

from pathways import engine
from pathways.models import Run, Secret

from .conftest import COMBINATIONS

pytestmark = pytest.mark.django_db(transaction=True)


def run_now(target, kind: str) -> Run:
    pathway = target if hasattr(target, "spec") else None
    landscape = pathway.landscape if pathway else target
    run = Run.objects.create(landscape=landscape, pathway=pathway, kind=kind)
    engine.execute_run(run.id)
    run.refresh_from_db()
    return run


@pytest.mark.parametrize(("key", "method"), COMBINATIONS)
def test_apply_creates_and_verifies_each_combination_without_a_secret_in_rows_or_logs(
    prepare, caplog, key, method
):
    pathway = prepare(key, method)
    caplog.set_level(logging.DEBUG)
    run = run_now(pathway, "apply")
    steps = list(run.steps.values_list("label", "state", "message"))
    assert run.state == "succeeded", (run.message, steps)
    pathway.refresh_from_db()
    assert pathway.status == "verified"
    assert pathway.last_verified_at is not None
    written = json.dumps([steps, run.message, run.hint, run.result, pathway.applied, pathway.status_message])
    written += caplog.text
    stored = Secret.objects.filter(landscape=pathway.landscape).exclude(name=engine.HANDOFF_CERTIFICATE)
    secrets = [secret.reveal() for secret in stored]  # the certificate handed over is public; the rest is not
    assert len(secrets) >= 2
    for value in secrets:
        for line in value.strip().splitlines():
            if "-----" not in line and len(line) >= 16:
                assert line not in written


def remote_of(sandbox_server, tenant) -> dict:
    return sandbox_server.state(tenant["subdomain"])["tenants"][tenant["subdomain"]]


def test_resume_after_a_failed_instance_job_replaces_it_and_leaves_one(
    prepare, add_fault, sandbox_server, sandbox_tenant
):
    pathway = prepare("s4_to_cpi", "basic")
    add_fault(kind="fail_job", host="cf", name="^s4-inbound$")
    failed = run_now(pathway, "apply")
    assert failed.state == "failed" and "provision could not be completed" in failed.message
    resumed = run_now(pathway, "apply")
    assert resumed.state == "succeeded", resumed.message
    assert "Replace service instance s4-inbound" in list(resumed.steps.values_list("label", flat=True))
    flows = [
        i for i in remote_of(sandbox_server, sandbox_tenant)["instances"] if i["plan"] == "integration-flow"
    ]
    assert [(i["name"], i["last_operation"]["state"]) for i in flows] == [("s4-inbound", "succeeded")]


def test_resume_after_the_trust_upload_failed_keeps_the_generated_key_pair(
    prepare, add_fault, sandbox_server, sandbox_tenant
):
    pathway = prepare("cpi_to_s4", "certificate")
    add_fault(kind="status", host="cpi", method="PUT", path="CertificateResources", status=503, times=3)
    failed = run_now(pathway, "apply")
    assert failed.state == "failed"
    assert failed.hint.startswith("This is temporary")
    resumed = run_now(pathway, "apply")
    assert resumed.state == "succeeded", resumed.message
    labels = list(resumed.steps.values_list("label", flat=True))
    assert "Keep key pair s4_client" in labels and "Create trusted certificate s4_server_root" in labels
    ours = [
        e["alias"]
        for e in remote_of(sandbox_server, sandbox_tenant)["keystores"]["system"]
        if e["owner"] != "SAP"
    ]
    assert sorted(ours) == ["s4_client", "s4_server_root"]


def test_a_missing_runtime_endpoint_fails_verification_with_a_hint(prepare, landscape):
    landscape.endpoint_path = "/http/not/deployed"
    landscape.save()
    pathway = prepare("ssc_to_cpi", "basic")
    run = run_now(pathway, "apply")
    assert run.state == "failed"
    assert "endpoint not found (404)" in run.message
    assert "iFlow is deployed" in run.hint
    pathway.refresh_from_db()
    assert pathway.status == "failed" and pathway.applied["key_name"] == "ssc-key"
    assert run.heartbeat_at is not None and run.finished_at is not None
