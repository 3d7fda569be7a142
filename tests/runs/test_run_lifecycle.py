"""Run bookkeeping without a worker: queue failures, interrupted runs, repeated starts, plan-only and
checks.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from pathways import engine, tasks
from pathways.gate import Busy
from pathways.models import Run, RunStep, Secret

from .test_engine_direct import run_now

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_unreachable_queue_fails_the_run_with_nothing_changed(landscape, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.execute_run, "apply_async", refuse)
    run = engine.start_run(landscape.pathways.get(key="cpi_to_s4"), "apply")
    run.refresh_from_db()
    assert run.state == "failed"
    assert run.message == "the job queue is unavailable; nothing was changed — try again"
    assert run.finished_at is not None


def test_a_second_start_while_a_run_is_active_is_refused_and_names_that_run(landscape, monkeypatch):
    queued = []
    monkeypatch.setattr(
        tasks.execute_run,
        "apply_async",
        lambda args, **kw: queued.append(args) or type("Result", (), {"id": "task-1"})(),
    )
    pathway = landscape.pathways.get(key="s4_to_cpi")
    first = engine.start_run(pathway, "apply")
    with pytest.raises(Busy) as refused:
        engine.start_run(pathway, "verify")
    assert refused.value.run.pk == first.pk and refused.value.code == "active_run"
    assert "still running" in refused.value.message
    assert [list(args) for args in queued] == [[first.id]]
    first.refresh_from_db()
    assert first.task_id == "task-1"


def test_start_run_refuses_a_check_of_a_pathway_and_an_apply_of_a_landscape(landscape):
    with pytest.raises(ValueError):
        engine.start_run(landscape.pathways.first(), "check")
    with pytest.raises(ValueError):
        engine.start_run(landscape, "apply")


def test_a_running_run_without_heartbeat_is_marked_interrupted_and_its_pathway_failed(landscape):
    pathway = landscape.pathways.get(key="cpi_to_s4")
    pathway.status = "applying"
    pathway.save()
    long_ago = timezone.now() - timedelta(minutes=30)
    stale = Run.objects.create(
        landscape=landscape,
        pathway=pathway,
        kind="apply",
        state="running",
        started_at=long_ago,
        heartbeat_at=long_ago,
    )
    RunStep.objects.create(run=stale, index=0, label="Create User Credentials S4_BASIC", state="running")
    fresh = Run.objects.create(
        landscape=landscape,
        kind="check",
        state="running",
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    assert engine.mark_interrupted_runs() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    pathway.refresh_from_db()
    assert stale.state == "interrupted" and "Resume" in stale.hint
    assert stale.steps.get().state == "interrupted"
    assert fresh.state == "running"
    assert pathway.status == "failed"


def test_the_beat_schedule_marks_interrupted_runs_every_minute():
    entry = tasks.app.conf.beat_schedule["mark-interrupted-runs"]
    assert entry["task"] == tasks.mark_interrupted_runs.name
    assert entry["schedule"] == 60.0


def test_execute_run_leaves_a_finished_or_missing_run_alone(landscape):
    done = Run.objects.create(
        landscape=landscape, kind="check", state="succeeded", message="Every check passed"
    )
    engine.execute_run(done.id)
    engine.execute_run(987654)
    done.refresh_from_db()
    assert done.state == "succeeded" and done.steps.count() == 0


def test_plan_run_changes_nothing_remote_and_stores_the_actions(prepare, sandbox_server, sandbox_tenant):
    pathway = prepare("s4_to_cpi", "basic")
    run = run_now(pathway, "plan")
    assert run.state == "succeeded", run.message
    assert [a["kind"] for a in run.result["plan"]] == ["create", "create"]
    assert run.message == "Planned: 2 to change, 0 to keep"
    pathway.refresh_from_db()
    assert pathway.status == "planned"
    remote = sandbox_server.state(sandbox_tenant["subdomain"])["tenants"][sandbox_tenant["subdomain"]]
    assert [i["plan"] for i in remote["instances"]] == ["api"]


def test_apply_with_a_draft_problem_stops_before_any_change(
    prepare, landscape, sandbox_server, sandbox_tenant
):
    pathway = landscape.pathways.get(key="cpi_to_s4")
    pathway.method, pathway.draft = "basic", {"user": "COMM_USER"}
    pathway.save()
    run = run_now(pathway, "apply")
    assert run.state == "failed"
    assert (
        run.message
        == "The draft needs attention before it can be applied: Password: Password is not set yet."
    )
    assert run.hint.startswith("Fix the draft")
    remote = sandbox_server.state(sandbox_tenant["subdomain"])["tenants"][sandbox_tenant["subdomain"]]
    assert remote["user_credentials"] == []


def test_verify_before_any_apply_says_to_apply_first(prepare):
    run = run_now(prepare("cpi_to_ssc", "certificate"), "verify")
    assert run.state == "failed"
    assert "apply it first" in run.message


def test_verify_notices_a_key_pair_replaced_outside_authwizard(prepare):
    pathway = prepare("cpi_to_s4", "certificate")
    assert run_now(pathway, "apply").state == "succeeded"
    pathway.refresh_from_db()
    pathway.applied = {**pathway.applied, "fingerprint": "00:11:22"}
    pathway.save()
    run = run_now(pathway, "verify")
    assert run.state == "failed"
    assert "no longer matches the certificate handed over" in run.message
    pathway.refresh_from_db()
    assert pathway.status == "failed"


def test_changed_password_is_applied_as_an_update(prepare):
    pathway = prepare("cpi_to_s4", "basic")
    assert run_now(pathway, "apply").state == "succeeded"
    Secret.store(landscape=pathway.landscape, pathway=pathway, name="password", value="a-new-Passw0rd")
    pathway.refresh_from_db()
    run = run_now(pathway, "apply")
    assert run.state == "succeeded", run.message
    labels = list(run.steps.values_list("label", flat=True))
    assert "Update User Credentials S4_BASIC" in labels
    again = run_now(pathway, "apply")
    assert "Keep User Credentials S4_BASIC" in list(again.steps.values_list("label", flat=True))


def test_landscape_check_with_a_wrong_cf_password_lists_what_is_missing(landscape):
    assert engine.landscape_check_result(landscape) is None
    Secret.store(landscape=landscape, name="cf_password", value="wrong-password")
    run = run_now(landscape, "check")
    assert run.state == "failed"
    result = engine.landscape_check_result(landscape)
    statuses = {item["name"]: item["status"] for item in result["checks"]}
    assert statuses["cf_login"] == "missing" and statuses["cpi_token"] == "ok"
    assert result["ok"] is False and result["state"] == "failed"
    assert "wrong-password" not in str(result)


def test_landscape_check_names_a_user_without_space_developer(landscape, sandbox_tenant):
    auditor = sandbox_tenant["cf_user_without_role"]
    landscape.cf_user = auditor["username"]
    landscape.save()
    Secret.store(landscape=landscape, name="cf_password", value=auditor["password"])
    run_now(landscape, "check")
    checks = {item["name"]: item for item in engine.landscape_check_result(landscape)["checks"]}
    assert checks["cf_login"]["status"] == "ok"
    assert checks["cf_space_developer"]["status"] == "missing"
    assert "not a Space Developer" in checks["cf_space_developer"]["sentence"]


def test_a_private_address_is_refused_by_the_ssrf_guard_before_any_call(landscape):
    landscape.cf_api_url, landscape.cf_uaa_url = "https://10.1.2.3", "https://10.1.2.4"
    landscape.save()
    run = run_now(landscape.pathways.get(key="s4_to_cpi"), "plan")
    assert run.state == "failed"
    assert "private network address" in run.message
    assert run.http_calls == 0


def test_the_landscape_ca_is_trusted_in_addition_to_the_public_cas_without_a_ca_file(
    landscape, tmp_path, monkeypatch
):
    import ssl
    import tempfile

    import certifi

    from pathways.engine.connect import Connection
    from pathways.sap import tls

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    landscape_ca = ssl.PEM_cert_to_DER_cert(landscape.ca_bundle.strip())
    with Connection(landscape) as connection:
        connection.space()  # a call over TLS to the sandbox, trusted only through the landscape CA
        context = tls.trust_context(connection.http.trust_pem)
        trusted = context.get_ca_certs(binary_form=True)
        assert landscape_ca in trusted
        public = ssl.create_default_context(cafile=certifi.where()).get_ca_certs(binary_form=True)
        assert set(public) <= set(trusted)
        with Connection(landscape) as second:
            assert tls.trust_context(second.http.trust_pem) is context
    assert list(tmp_path.iterdir()) == []


def test_a_run_stopped_by_the_soft_time_limit_fails_with_a_resume_hint(prepare, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    from pathways.engine import runs

    def too_slow(connection, work):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(runs, "read_remote_state", too_slow)
    pathway = prepare("cpi_to_s4", "basic")
    run = run_now(pathway, "apply")
    assert run.state == "failed"
    assert run.message == "The run took longer than its time limit and was stopped"
    assert run.hint.startswith("Resume the apply")
    assert run.steps.get().state == "failed"
    pathway.refresh_from_db()
    assert pathway.status == "failed"


def test_verify_of_credentials_deleted_in_cpi_fails_at_once(prepare, landscape, monkeypatch):
    from pathways.engine.connect import Connection

    pathway = prepare("cpi_to_ssc", "basic")
    assert run_now(pathway, "apply").state == "succeeded"
    with Connection(landscape) as connection:
        assert connection.cpi.delete_user_credential("SSC_BASIC")
    waits: list[float] = []
    monkeypatch.setattr(Connection, "sleep", lambda self, seconds: waits.append(seconds))
    run = run_now(pathway, "verify")
    assert run.state == "failed"
    assert run.message == "There are no User Credentials SSC_BASIC in CPI; apply the pathway"
    assert waits == []  # at once: the 404 is the answer (§9.2), nothing is polled or retried


def test_a_run_no_worker_took_for_an_hour_fails_saying_nothing_changed(landscape):
    waiting = Run.objects.create(
        landscape=landscape, kind="check", created_at=timezone.now() - timedelta(hours=2)
    )
    recent = Run.objects.create(
        landscape=landscape.pathways.first().landscape, pathway=landscape.pathways.first(), kind="plan"
    )
    assert engine.mark_interrupted_runs() == 1
    waiting.refresh_from_db()
    recent.refresh_from_db()
    assert waiting.state == "failed" and "nothing was changed" in waiting.message
    assert "worker is running" in waiting.hint
    assert recent.state == "queued"


def test_a_plan_running_on_the_review_step_does_not_hold_up_an_apply(landscape, monkeypatch):
    monkeypatch.setattr(
        tasks.execute_run, "apply_async", lambda args, **kw: type("Result", (), {"id": "t"})()
    )
    pathway = landscape.pathways.get(key="s4_to_cpi")
    plan = engine.start_run(pathway, "plan")
    apply = engine.start_run(pathway, "apply")
    assert apply.pk != plan.pk and apply.kind == "apply"
    assert engine.start_run(pathway, "plan").pk == plan.pk
