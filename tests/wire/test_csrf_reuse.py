"""The CPI CSRF token and its session cookie are reused by every run of the API client until CPI answers
403 `X-CSRF-Token: Required`."""

import pytest

from .helpers import last_seq, run_now

pytestmark = pytest.mark.django_db(transaction=True)


def csrf_fetches(calls: list[dict]) -> list[dict]:
    return [c for c in calls if c["kind"] == "cpi" and c["method"] == "GET" and c["path"] == "/api/v1/"]


def test_runs_share_one_csrf_token_until_cpi_refuses_it(prepare, sandbox_server, add_fault):
    start = last_seq(sandbox_server)
    assert run_now(prepare("cpi_to_s4", "basic"), "apply").state == "succeeded"
    assert run_now(prepare("cpi_to_ssc", "basic"), "apply").state == "succeeded"
    calls = sandbox_server.calls(since=start)
    assert len(csrf_fetches(calls)) == 1
    assert [c for c in calls if "csrf_while_valid" in c["flags"]] == []

    add_fault(kind="expire_csrf", host="cpi", method="POST")
    refused = last_seq(sandbox_server)
    run = run_now(prepare("cpi_to_s4", "certificate"), "apply")
    assert run.state == "succeeded", run.message
    calls = sandbox_server.calls(since=refused)
    assert [c["status"] for c in calls if c["kind"] == "cpi" and c["status"] == 403] == [403]
    assert len(csrf_fetches(calls)) == 1
    assert [c for c in calls if "csrf_while_valid" in c["flags"]] == []
