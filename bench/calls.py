"""P1: HTTP calls of each pathway-method's first apply (with its verification) against the documented
minimum (bench/minimums.py), and over plan → apply → verify the calls the sandbox flags as wasteful: a token
fetched while the client's previous one was valid, a CSRF token fetched while the previous one worked, an
OData call without `Accept: application/json`.

Runs execute in this process (the call count does not depend on the queue); they start through
`engine.start_run` like every run.
"""

from __future__ import annotations

from collections import Counter

from bench.drafts import COMBINATIONS, tenant_landscape
from bench.environment import consultant, last_call, sandbox_timing
from bench.minimums import MINIMUM_CALLS, minimum

TARGET = 1.0


def run_here(pathway, kind: str, user):
    """Start a run through the gate and execute it in this process; the finished Run."""
    from pathways import engine

    run = engine.start_run(pathway, kind, user)
    engine.execute_run(run.id)
    run.refresh_from_db()
    return run


def measure(server) -> dict:
    sandbox_timing(server, latency_ms=0, job_polls=0, deploy_polls=0)
    user = consultant()
    rows = []
    for key, method in COMBINATIONS:
        rows.append(_first_apply(server, user, key, method) | _plan_apply_verify(server, user, key, method))
    wasted_tokens = sum(row["flags"].get("token_while_valid", 0) for row in rows)
    # A verify run fetches the token of the key it proves on purpose (the proof is that the key issues one
    # now), while the apply's token for that key may still be valid: counted apart.
    proofs = sum(
        1
        for row in rows
        for line in row["flagged"]
        if line.startswith("verify:") and "token_while_valid" in line
    )
    return {
        "target_ratio": TARGET,
        "rows": rows,
        "tokens_fetched_while_valid": wasted_tokens,
        "verification_proof_tokens": proofs,
        "flags": dict(sum((Counter(row["flags"]) for row in rows), Counter())),
        "passed": all(row["passed"] for row in rows) and wasted_tokens - proofs == 0,
    }


def _first_apply(server, user, key: str, method: str) -> dict:
    """The apply alone on a fresh tenant (nothing cached, nothing there), as the minimum counts it."""
    landscape = tenant_landscape(server, user, f"Calls {key} {method}", methods={key: method})
    since = last_call(server)
    run = run_here(landscape.pathways.get(key=key), "apply", user)
    sent = server.calls(since)
    least = minimum(key, method)
    return {
        "pathway": key,
        "method": method,
        "state": run.state,
        "calls": len(sent),
        "minimum": least,
        "ratio": round(len(sent) / least, 2),
        "passed": run.state == "succeeded" and len(sent) / least <= TARGET,
        "sent": [f"{c['method']} {c['kind']} {c['path']}" for c in sent],
        "documented": [call for call, _ in MINIMUM_CALLS[(key, method)]],
    }


def _plan_apply_verify(server, user, key: str, method: str) -> dict:
    """The review step's plan, the apply and a later verify on another fresh tenant: what the sandbox
    flags in their calls, and what each sent."""
    landscape = tenant_landscape(server, user, f"Flags {key} {method}", methods={key: method})
    pathway = landscape.pathways.get(key=key)
    flags: Counter[str] = Counter()
    flagged: list[str] = []
    per_run = {}
    for kind in ("plan", "apply", "verify"):
        since = last_call(server)
        run = run_here(pathway, kind, user)
        sent = server.calls(since)
        per_run[kind] = {"state": run.state, "calls": len(sent)}
        for call in sent:
            flags.update(call.get("flags", []))
            if call.get("flags"):
                flagged.append(f"{kind}: {call['method']} {call['kind']} {call['path']} {call['flags']}")
    return {"plan_apply_verify": per_run, "flags": dict(flags), "flagged": flagged}
