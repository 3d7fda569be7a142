"""Calls per pathway apply: the sandbox's call log for the first apply of each of the 8 combinations."""

from __future__ import annotations

from bench.minimums import MINIMUM_CALLS


def measure(server) -> list[dict]:
    from tests.faults.harness import fill_draft, landscape_from, last_call, run_now

    rows = []
    for (key, method), minimum in MINIMUM_CALLS.items():
        tenant = server.new_tenant("calls")
        landscape = landscape_from(tenant, f"Calls {tenant['subdomain']}")
        pathway = fill_draft(landscape, tenant, server, key, method)
        since = last_call(server)
        run = run_now(pathway)
        calls = server.calls(since)
        rows.append(
            {
                "pathway": key,
                "method": method,
                "state": run.state,
                "calls": len(calls),
                "calls_counted_by_app": run.http_calls,
                "minimum": len(minimum),
                "ratio": round(len(calls) / len(minimum), 2),
                "by_host": _by_host(calls),
            }
        )
    return rows


def _by_host(calls: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for call in calls:
        counts[call["kind"]] = counts.get(call["kind"], 0) + 1
    return counts
