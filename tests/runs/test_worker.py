"""Apply and verify through a real Celery worker against the sandbox over HTTPS; what the queue carries."""

import json

import pytest
from celery.signals import before_task_publish

from pathways import engine
from pathways.models import Secret

from .conftest import COMBINATIONS, PKCS12_PASSPHRASE, S4_PASSWORD, SSC_PASSWORD, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
# HTTP calls of a first apply (plan, create, verify) measured against the sandbox, with a little headroom;
# more means a regression such as a lost token cache or an extra lookup per step.
MAX_HTTP_CALLS_PER_APPLY = {
    ("s4_to_cpi", "basic"): 18,
    ("s4_to_cpi", "certificate"): 18,
    ("ssc_to_cpi", "basic"): 18,
    ("ssc_to_cpi", "certificate"): 16,
    ("cpi_to_s4", "basic"): 8,
    ("cpi_to_s4", "certificate"): 14,
    ("cpi_to_ssc", "basic"): 8,
    ("cpi_to_ssc", "certificate"): 10,
}


@pytest.fixture
def published():
    """Every task message the app publishes during the test: (body, headers) as sent to the broker."""
    messages = []

    def record(sender=None, body=None, headers=None, **kwargs):
        messages.append({"task": sender, "body": body, "headers": headers})

    before_task_publish.connect(record, weak=False)
    yield messages
    before_task_publish.disconnect(record)


def sandbox_objects(sandbox_server, subdomain: str) -> dict:
    return sandbox_server.state(subdomain)["tenants"][subdomain]


@pytest.mark.parametrize(("key", "method"), COMBINATIONS)
def test_apply_through_the_worker_creates_verifies_and_hands_over(
    celery_worker, prepare, sandbox_server, sandbox_tenant, key, method
):
    pathway = prepare(key, method)
    run = wait_for(engine.start_run(pathway, "apply"))
    steps = list(run.steps.values_list("label", "state", "http_calls", "message"))
    assert run.state == "succeeded", (run.message, steps)
    assert all(state == "succeeded" for _, state, _, _ in steps)
    assert run.http_calls == sum(calls for _, _, calls, _ in steps) > 0
    print(f"HTTP calls, first apply of {key} {method}: {run.http_calls}")
    assert run.http_calls <= MAX_HTTP_CALLS_PER_APPLY[(key, method)]
    pathway.refresh_from_db()
    assert pathway.status == "verified" and pathway.last_verified_at is not None
    remote = sandbox_objects(sandbox_server, sandbox_tenant["subdomain"])
    if pathway.spec.is_inbound:
        flows = [i for i in remote["instances"] if i["plan"] == "integration-flow"]
        assert [i["guid"] for i in flows] == [pathway.applied["instance_guid"]]
        assert [k["guid"] for k in remote["keys"] if k["instance_guid"] == flows[0]["guid"]] == [
            pathway.applied["key_guid"]
        ]
        assert flows[0]["parameters"]["grant-types"] == ["client_credentials"]
    elif method == "basic":
        assert [c["Name"] for c in remote["user_credentials"]] == [pathway.applied["credential_name"]]
    else:
        ours = [e for e in remote["keystores"]["system"] if e["owner"] != "SAP"]
        assert pathway.applied["alias"] in [e["alias"] for e in ours]
        entry = next(e for e in ours if e["alias"] == pathway.applied["alias"])
        assert entry["fingerprint_sha256"] == pathway.applied["fingerprint"]
        assert pathway.certificate_not_after is not None


def test_inbound_handoff_keeps_the_client_secret_in_the_vault_only(celery_worker, prepare):
    pathway = prepare("s4_to_cpi", "basic")
    run = wait_for(engine.start_run(pathway, "apply"))
    assert run.state == "succeeded", run.message
    pathway.refresh_from_db()
    secret = Secret.lookup(landscape=pathway.landscape, pathway=pathway, name=engine.HANDOFF_CLIENTSECRET)
    assert secret is not None and len(secret.reveal()) >= 32
    texts = [json.dumps(pathway.applied), json.dumps(run.result), run.message]
    texts += [step.message for step in run.steps.all()]
    assert not any(secret.reveal() in text for text in texts)
    assert pathway.applied["clientid"].startswith("sb-")


def test_task_message_carries_the_run_id_and_no_secret(celery_worker, prepare, published, landscape):
    pathway = prepare("cpi_to_s4", "basic")
    run = wait_for(engine.start_run(pathway, "apply"))
    assert run.state == "succeeded", run.message
    ours = [m for m in published if m["task"] == "pathways.tasks.execute_run"]
    assert len(ours) == 1
    args, kwargs, _ = ours[0]["body"]
    assert list(args) == [run.id] and kwargs == {}
    sent = json.dumps(ours[0]["body"]) + json.dumps(ours[0]["headers"], default=str)
    stored = [s.reveal() for s in Secret.objects.filter(landscape=landscape)]
    for value in stored + [S4_PASSWORD, SSC_PASSWORD, PKCS12_PASSPHRASE]:
        assert value not in sent


def test_resume_after_a_failed_key_job_creates_nothing_twice(
    celery_worker, prepare, add_fault, sandbox_server, sandbox_tenant
):
    pathway = prepare("ssc_to_cpi", "basic")
    add_fault(kind="fail_job", host="cf", name="^ssc-key$")
    failed = wait_for(engine.start_run(pathway, "apply"))
    assert failed.state == "failed"
    assert "bind could not be completed" in failed.message
    assert failed.hint
    pathway.refresh_from_db()
    assert pathway.status == "failed"
    resumed = wait_for(engine.resume(pathway))
    assert resumed.state == "succeeded", resumed.message
    labels = list(resumed.steps.values_list("label", flat=True))
    assert "Keep service instance ssc-inbound" in labels
    assert "Replace service key ssc-key" in labels
    remote = sandbox_objects(sandbox_server, sandbox_tenant["subdomain"])
    assert [i["name"] for i in remote["instances"] if i["plan"] == "integration-flow"] == ["ssc-inbound"]
    assert [(k["name"], k["last_operation"]["state"]) for k in remote["keys"] if k["name"] == "ssc-key"] == [
        ("ssc-key", "succeeded")
    ]


def test_resume_after_a_cpi_outage_on_write_creates_the_credential_once(
    celery_worker, prepare, add_fault, sandbox_server, sandbox_tenant
):
    pathway = prepare("cpi_to_ssc", "basic")
    add_fault(kind="status", host="cpi", method="POST", path="UserCredentials", status=500, times=1)
    failed = wait_for(engine.start_run(pathway, "apply"))
    assert failed.state == "failed"
    resumed = wait_for(engine.resume(pathway))
    assert resumed.state == "succeeded", resumed.message
    remote = sandbox_objects(sandbox_server, sandbox_tenant["subdomain"])
    assert [c["Name"] for c in remote["user_credentials"]] == ["SSC_BASIC"]


def test_resume_after_the_key_request_failed_keeps_the_created_instance(
    celery_worker, prepare, add_fault, sandbox_server, sandbox_tenant
):
    pathway = prepare("s4_to_cpi", "certificate")
    add_fault(
        kind="status", host="cf", method="POST", path="service_credential_bindings", status=500, times=1
    )
    failed = wait_for(engine.start_run(pathway, "apply"))
    assert failed.state == "failed"
    assert [s.state for s in failed.steps.order_by("index")][-1] == "failed"
    resumed = wait_for(engine.resume(pathway))
    assert resumed.state == "succeeded", resumed.message
    remote = sandbox_objects(sandbox_server, sandbox_tenant["subdomain"])
    flows = [i for i in remote["instances"] if i["plan"] == "integration-flow"]
    assert len(flows) == 1 and len([k for k in remote["keys"] if k["instance_guid"] == flows[0]["guid"]]) == 1


def test_apply_all_runs_the_four_pathways_and_each_succeeds(celery_worker, prepare, landscape):
    for key in ("s4_to_cpi", "ssc_to_cpi", "cpi_to_s4", "cpi_to_ssc"):
        prepare(key, landscape.pathways.get(key=key).spec.default_method)
    runs, refused = engine.apply_all(landscape)
    assert len(runs) == 4 and not refused
    for run in runs:
        wait_for(run, timeout=90)
        assert run.state == "succeeded", (run.pathway.key, run.message)


def test_landscape_check_reports_each_check_ok(celery_worker, landscape):
    run = wait_for(engine.start_run(landscape, "check"))
    assert run.state == "succeeded", run.result
    result = engine.landscape_check_result(landscape)
    names = {item["name"]: item["status"] for item in result["checks"]}
    assert names == {
        "cpi_token": "ok",
        "cpi_role_MonitoringDataRead": "ok",
        "cpi_role_CredentialsEdit": "ok",
        "cpi_role_SecurityMaterialEdit": "ok",
        "cf_login": "ok",
        "cf_space_developer": "ok",
        "it_rt_plan": "ok",
        "runtime": "ok",
    }
    assert result["ok"] is True
