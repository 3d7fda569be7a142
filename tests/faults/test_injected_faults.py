"""Faults injected through the sandbox's knobs, each through the real engine: the run ends succeeded or failed
with a message a person can act on, the draft is intact, a clean re-run converges, and nothing exists
twice."""

from __future__ import annotations

import pytest

from .conftest import HANG_SECONDS, draft_snapshot
from .harness import run_now

pytestmark = pytest.mark.django_db

# id, pathway, method, faults, expected end state, fragment of the run's message (lower case) when failed
CASES = [
    (
        "cf_500_burst_on_reads",
        "s4_to_cpi",
        "basic",
        [{"kind": "status", "host": "cf", "method": "GET", "status": 500, "times": 2}],
        "succeeded",
        "",
    ),
    (
        "cf_502_burst_on_create",
        "s4_to_cpi",
        "basic",
        [
            {
                "kind": "status",
                "host": "cf",
                "method": "POST",
                "path": "service_instances$",
                "status": 502,
                "times": 2,
            }
        ],
        "succeeded",
        "",
    ),
    (
        "cpi_503_burst",
        "cpi_to_s4",
        "basic",
        [{"kind": "status", "host": "cpi", "status": 503, "times": 2}],
        "succeeded",
        "",
    ),
    (
        "cf_429_with_retry_after",
        "ssc_to_cpi",
        "basic",
        [{"kind": "status", "host": "cf", "status": 429, "retry_after": 1, "times": 1}],
        "succeeded",
        "",
    ),
    (
        "cpi_429_without_retry_after",
        "cpi_to_ssc",
        "basic",
        [{"kind": "status", "host": "cpi", "status": 429, "times": 2}],
        "succeeded",
        "",
    ),
    (
        "cf_429_that_does_not_stop",
        "s4_to_cpi",
        "basic",
        [{"kind": "status", "host": "cf", "status": 429, "retry_after": 0, "times": None}],
        "failed",
        "too many requests",
    ),
    (
        "cf_500_on_a_write_is_not_retried",
        "s4_to_cpi",
        "certificate",
        [
            {
                "kind": "status",
                "host": "cf",
                "method": "POST",
                "path": "service_credential_bindings",
                "status": 500,
                "times": 1,
            }
        ],
        "failed",
        "internal error while handling the service key",
    ),
    (
        "cpi_read_timeout_once",
        "cpi_to_s4",
        "basic",
        [{"kind": "hang", "host": "cpi", "method": "GET", "seconds": HANG_SECONDS, "times": 1}],
        "succeeded",
        "",
    ),
    (
        "cf_read_timeouts_that_do_not_stop",
        "s4_to_cpi",
        "basic",
        [{"kind": "hang", "host": "cf", "seconds": HANG_SECONDS, "times": None}],
        "failed",
        "could not be reached (timeout)",
    ),
    (
        "cf_dropped_connection_once",
        "ssc_to_cpi",
        "certificate",
        [{"kind": "drop", "host": "cf", "method": "GET", "times": 1}],
        "succeeded",
        "",
    ),
    (
        "cpi_connections_dropped_every_time",
        "cpi_to_ssc",
        "basic",
        [{"kind": "drop", "host": "cpi", "times": None}],
        "failed",
        "could not be reached",
    ),
    (
        "cf_token_expires_mid_run",
        "s4_to_cpi",
        "basic",
        [{"kind": "expire_token", "host": "cf", "method": "POST", "times": 1}],
        "succeeded",
        "",
    ),
    (
        "cpi_token_expires_mid_run",
        "cpi_to_s4",
        "basic",
        [{"kind": "expire_token", "host": "cpi", "method": "POST", "times": 1}],
        "succeeded",
        "",
    ),
    (
        "cpi_csrf_token_expires_on_a_credential_write",
        "cpi_to_ssc",
        "basic",
        [{"kind": "expire_csrf", "host": "cpi", "method": "POST", "times": 1}],
        "succeeded",
        "",
    ),
    (
        "cpi_csrf_token_expires_on_a_keystore_write",
        "cpi_to_s4",
        "certificate",
        [{"kind": "expire_csrf", "host": "cpi", "method": "POST", "times": 1}],
        "succeeded",
        "",
    ),
    (
        "instance_creation_job_fails",
        "s4_to_cpi",
        "basic",
        [{"kind": "fail_job", "host": "cf", "name": "^s4-inbound$", "times": 1}],
        "failed",
        "instance",
    ),
    (
        "key_creation_job_fails",
        "ssc_to_cpi",
        "certificate",
        [{"kind": "fail_job", "host": "cf", "name": "^ssc-cert-key$", "times": 1}],
        "failed",
        "key",
    ),
    (
        "credential_deployment_fails",
        "cpi_to_s4",
        "basic",
        [{"kind": "fail_job", "host": "cpi", "name": "^S4_BASIC$", "times": 1}],
        "failed",
        "s4_basic",
    ),
    (
        "keystore_locked_once",
        "cpi_to_ssc",
        "certificate",
        [{"kind": "keystore_locked", "host": "cpi", "times": 1}],
        "succeeded",
        "",
    ),
    (
        "keystore_locked_throughout",
        "cpi_to_s4",
        "certificate",
        [{"kind": "keystore_locked", "host": "cpi", "times": None}],
        "failed",
        "lock",
    ),
    (
        "token_endpoint_unavailable_during_verification",
        "s4_to_cpi",
        "basic",
        [{"kind": "status", "host": "xsuaa", "status": 503, "times": None}],
        "failed",
        "temporarily unavailable",
    ),
]


@pytest.mark.parametrize(
    ("case", "key", "method", "faults", "state", "fragment"), CASES, ids=[case[0] for case in CASES]
)
def test_injected_fault_ends_cleanly_and_a_rerun_converges(
    prepare, add_fault, converges, short_limits, case, key, method, faults, state, fragment
):
    pathway = prepare(key, method)
    before = draft_snapshot(pathway)
    for fault in faults:
        add_fault(**fault)
    run = run_now(pathway)
    steps = list(run.steps.values_list("label", "state", "message"))
    assert run.state == state, (run.message, steps)
    if state == "failed":
        assert fragment in run.message.lower(), run.message
        assert run.hint, "a failed run says what to do next"
        assert "see the worker log" not in run.message, "an AuthWizard fault, not a remote one"
    converges(pathway, before)
