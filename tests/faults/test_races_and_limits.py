"""Someone else creates the same object between our read and our write; jobs stuck past their limit;
a reserved alias in the draft. Each ends with the right message and a converging re-run."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from pathways.engine.connect import Connection
from pathways.sap.http import SapHttp

from .conftest import draft_snapshot
from .harness import last_call, run_now, tenant_objects, time_passes_until_jobs_end

pytestmark = pytest.mark.django_db
SLOW_JOB_POLLS = 80  # more GETs than the shortened job limit allows, fewer than "forever"


@pytest.fixture
def just_before(monkeypatch):
    """Run `competitor()` once, right before the run's first request matching method and path."""

    def arm(method: str, path_pattern: str, competitor) -> list[str]:
        original = SapHttp.request
        fired: list[str] = []

        def request(self, verb, url, **kwargs):
            if not fired and verb.upper() == method and re.search(path_pattern, urlsplit(url).path):
                fired.append(url)
                competitor()
            return original(self, verb, url, **kwargs)

        monkeypatch.setattr(SapHttp, "request", request)
        return fired

    return arm


def _steps(run) -> str:
    return " | ".join(f"{label}: {message}" for label, message in run.steps.values_list("label", "message"))


def test_an_instance_created_by_someone_else_meanwhile_is_adopted_once(
    prepare, landscape, just_before, converges, sandbox_server, sandbox_tenant
):
    pathway = prepare("s4_to_cpi", "basic")
    before = draft_snapshot(pathway)

    def colleague_creates_it():
        with Connection(landscape) as other:
            other.cf.create_instance(
                other.space().guid,
                other.integration_flow_plan_guid(),
                "s4-inbound",
                {"grant-types": ["client_credentials"], "roles": ["ESBMessaging.send"]},
            )

    fired = just_before("POST", r"/v3/service_instances$", colleague_creates_it)
    run = run_now(pathway)
    assert fired, "the race was not staged"
    assert run.state == "succeeded", (run.message, _steps(run))
    assert "adopted the existing s4-inbound" in _steps(run)
    converges(pathway, before)


def test_a_key_created_by_someone_else_meanwhile_is_adopted_once(
    prepare, landscape, just_before, converges, sandbox_server, sandbox_tenant
):
    pathway = prepare("ssc_to_cpi", "basic")
    before = draft_snapshot(pathway)

    def colleague_creates_it():
        with Connection(landscape) as other:
            instance = other.cf.find_instance(other.space().guid, "ssc-inbound")
            other.cf.create_key(instance.guid, "ssc-key")

    fired = just_before("POST", r"/v3/service_credential_bindings$", colleague_creates_it)
    run = run_now(pathway)
    assert fired, "the race was not staged"
    assert run.state == "succeeded", (run.message, _steps(run))
    assert "adopted the existing ssc-key" in _steps(run)
    converges(pathway, before)


def test_a_credential_created_by_someone_else_meanwhile_is_updated_not_duplicated(
    prepare, landscape, just_before, converges
):
    pathway = prepare("cpi_to_s4", "basic")
    before = draft_snapshot(pathway)

    def colleague_creates_it():
        with Connection(landscape) as other:
            other.cpi.create_user_credential("S4_BASIC", "SOMEONE_ELSE", "their-password-1", description="")

    fired = just_before("POST", r"/UserCredentials$", colleague_creates_it)
    run = run_now(pathway)
    assert fired, "the race was not staged"
    assert run.state == "succeeded", (run.message, _steps(run))
    assert "updated the existing S4_BASIC" in _steps(run)
    converges(pathway, before)


def test_an_instance_job_still_in_progress_past_the_limit_fails_and_converges_once_it_ends(
    prepare, landscape, converges, short_limits, sandbox_server
):
    pathway = prepare("s4_to_cpi", "certificate")
    before = draft_snapshot(pathway)
    sandbox_server.admin("POST", "async", {"job_polls": SLOW_JOB_POLLS, "job_seconds": 3600})
    since = last_call(sandbox_server)
    run = run_now(pathway)
    assert run.state == "failed"
    assert "s4-inbound" in run.message and "still running" in run.message, run.message
    assert "resume" in run.hint.lower() or "temporary" in run.hint.lower(), run.hint
    still_busy = run_now(pathway)
    assert still_busy.state == "failed" and "in progress" in still_busy.message, still_busy.message
    sandbox_server.admin("POST", "async", {"job_polls": 1})
    time_passes_until_jobs_end(landscape, sandbox_server, since)
    converges(pathway, before)


def test_a_key_job_still_in_progress_past_the_limit_fails_and_converges_once_it_ends(
    prepare, landscape, converges, short_limits, sandbox_server
):
    pathway = prepare("ssc_to_cpi", "basic")
    before = draft_snapshot(pathway)
    since = last_call(sandbox_server)
    first = run_now(pathway, "plan")
    assert first.state == "succeeded"
    sandbox_server.admin("POST", "async", {"job_polls": SLOW_JOB_POLLS, "job_seconds": 3600})
    run = run_now(pathway)
    assert run.state == "failed"
    assert "still running" in run.message, run.message
    still_busy = run_now(pathway)
    assert still_busy.state == "failed", still_busy.message
    assert "in progress" in still_busy.message or "still being created" in still_busy.message, (
        still_busy.message
    )
    sandbox_server.admin("POST", "async", {"job_polls": 1})
    time_passes_until_jobs_end(landscape, sandbox_server, since)
    converges(pathway, before)


def test_a_credential_deployment_stuck_past_the_limit_fails_with_its_name(
    prepare, add_fault, converges, short_limits
):
    pathway = prepare("cpi_to_ssc", "basic")
    before = draft_snapshot(pathway)
    add_fault(kind="job_forever", host="cpi", name="^SSC_BASIC$", times=1)
    run = run_now(pathway)
    assert run.state == "failed"
    assert "SSC_BASIC" in run.message, run.message
    converges(pathway, before)


def test_a_reserved_alias_in_the_draft_is_refused_and_nothing_is_created(
    prepare, sandbox_server, sandbox_tenant, converges
):
    pathway = prepare("cpi_to_s4", "certificate")
    pathway.draft["alias"] = "sap_cpi_client"
    pathway.save()
    before = draft_snapshot(pathway)
    run = run_now(pathway)
    assert run.state == "failed"
    assert "sap_cpi_client" in run.message and "reserved" in (run.message + run.hint).lower(), run.message
    assert draft_snapshot(pathway) == before
    remote = tenant_objects(sandbox_server, sandbox_tenant["subdomain"])
    assert not [e for e in remote["keystores"]["system"] if e["alias"].lower() == "sap_cpi_client"]
    pathway.draft["alias"] = "s4_client"
    pathway.save()
    converges(pathway, draft_snapshot(pathway))
