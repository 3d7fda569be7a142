"""Results: kept as JSON in bench/results.json and shown as one Markdown table (figure, measured, target,
result), which the benchmark also writes into README.md between its markers (a test keeps the two equal).
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
README = HERE.parent / "README.md"
BEGIN, END = "<!-- bench table: written by python -m bench -->", "<!-- end of bench table -->"


def load() -> dict:
    return json.loads(RESULTS.read_text()) if RESULTS.exists() else {}


def save(results: dict) -> None:
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


def _verdict(passed: bool | None) -> str:
    return "–" if passed is None else ("pass" if passed else "**fail**")


def rows(results: dict) -> list[tuple[str, str, str, str]]:
    table: list[tuple[str, str, str, str]] = []
    calls = results.get("calls")
    if calls:
        for row in calls["rows"]:
            table.append(
                (
                    f"P1 calls, first apply + verify of {row['pathway']} {row['method']} ({row['state']})",
                    f"{row['calls']} = {row['ratio']}× the minimum of {row['minimum']}",
                    f"≤ {calls['target_ratio']}×",
                    _verdict(row["passed"]),
                )
            )
        flags = calls.get("flags", {})
        proofs = calls.get("verification_proof_tokens", 0)
        wasted = calls["tokens_fetched_while_valid"] - proofs
        table.append(
            (
                "P1 tokens fetched while a valid one existed, plan → apply → verify (8 pathway-methods)",
                f"{wasted}; besides, {proofs} by verify runs for the key they prove (anew on purpose)",
                "0",
                _verdict(wasted == 0),
            )
        )
        table.append(
            (
                "P1 CSRF fetches while the previous worked / OData calls without JSON",
                f"{flags.get('csrf_while_valid', 0)} / {flags.get('no_accept_json', 0)}",
                "0 / 0",
                _verdict(not flags.get("csrf_while_valid") and not flags.get("no_accept_json")),
            )
        )
    apply_all = results.get("apply_all")
    if apply_all:
        table.append(
            (
                f"P2 apply all four through the shipped worker (concurrency "
                f"{apply_all['worker_concurrency']}), {apply_all['latency_ms']} ms latency, jobs needing "
                f"{apply_all['job_polls']} polls",
                f"{apply_all['wall_s']} s = {apply_all['wall_over_critical_path']}× the critical path "
                f"({apply_all['critical_path_calls']} calls of {apply_all['critical_path_pathway']}, "
                f"{apply_all['critical_path_s']} s)",
                f"≤ {apply_all['target']}×",
                _verdict(apply_all["passed"]),
            )
        )
    pages = results.get("pages")
    if pages:
        small, large = pages["sizes"][0], pages["sizes"][-1]
        for page in pages["pages"].values():
            table.append(
                (
                    f"P3 {page['url']} at {large} vs {small} landscapes: median server time of 30, "
                    "SQL queries",
                    f"{page[str(large)]['median_ms']} ms vs {page[str(small)]['median_ms']} ms "
                    f"({page['time_ratio']}×); {page[str(large)]['queries']} vs "
                    f"{page[str(small)]['queries']} queries",
                    f"≤ {pages['target_time_ratio']}×, equal queries",
                    _verdict(page["passed"]),
                )
            )
    wizard = results.get("wizard")
    if wizard:
        for label, users in (
            ("one_user", "1 user"),
            ("concurrent", f"{wizard['concurrent']['bare']['users']} users"),
        ):
            figures = wizard[label]
            for kind, what in (("step", "wizard step"), ("autosave", "autosave")):
                table.append(
                    (
                        f"Web: {what} vs a bare view under gunicorn, {users}, median (p95) of "
                        f"{figures[kind]['requests']}",
                        f"{figures[kind]['median_ms']} ms ({figures[kind]['p95_ms']}) vs "
                        f"{figures['bare']['median_ms']} ms ({figures['bare']['p95_ms']}) = "
                        f"{figures[kind]['over_bare']}×; {figures[kind]['errors']} errors",
                        "–",
                        "–",
                    )
                )
    throughput = results.get("throughput")
    if throughput:
        if "skipped" in throughput:
            table.append(("P5 throughput", "skipped", throughput["skipped"], "–"))
        else:
            table.append(
                (
                    f"P5 {throughput['pathways']} applies by {throughput['workers']} shipped workers "
                    f"(concurrency {throughput['worker_concurrency']} each), Redis, PostgreSQL, 0 ms",
                    f"{throughput['pathways_per_second']} pathways/s; {throughput['errors']} errors; "
                    f"{throughput['answered_429']} × 429; {throughput['seconds']} s"
                    + _cpu(throughput.get("cpu_ms_per_apply")),
                    f"≥ {throughput['target_per_second']}/s, 0 errors, 0 × 429",
                    _verdict(throughput["passed"]),
                )
            )
    load_result = results.get("load")
    if load_result:
        if "skipped" in load_result:
            table.append(
                ("Load: 50 users on wizard and status pages", "skipped", load_result["skipped"], "–")
            )
        else:
            table.append(
                (
                    f"Load: {load_result['users']} users × {load_result['seconds']} s on wizard and status "
                    "pages under gunicorn",
                    f"{load_result['errors']} errors; {load_result['requests']} requests, "
                    f"{load_result['requests_per_second']}/s, p95 {load_result['p95_ms']} ms",
                    "0 errors",
                    _verdict(load_result["errors"] == 0),
                )
            )
    return table


def _cpu(per_apply: dict | None) -> str:
    if not per_apply:
        return ""
    order = [name for name in ("workers", "sandbox", "postgresql", "bench") if name in per_apply]
    return "; CPU per apply: " + ", ".join(f"{name} {per_apply[name]} ms" for name in order)


def markdown(results: dict) -> str:
    lines = ["| Figure | Measured | Target | Result |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows(results)]
    meta = results.get("environment", {})
    if meta:
        lines.append("")
        lines.append(
            f"Measured {meta.get('at', '')} on {meta.get('database', '?')}, broker "
            f"{meta.get('broker', '?')}, {meta.get('cpus', '?')} CPUs"
            + (f", load average {meta['load']} at the start" if meta.get("load") else "")
            + (f"; {meta['note']}" if meta.get("note") else "")
            + "."
        )
    return "\n".join(lines)


def readme_table(readme: str) -> str | None:
    """The table as README.md shows it now (between the markers), or None without markers."""
    if BEGIN not in readme or END not in readme:
        return None
    return readme.split(BEGIN, 1)[1].split(END, 1)[0].strip()


def write_readme(results: dict) -> None:
    """Put the table into README.md between the markers."""
    text = README.read_text()
    if readme_table(text) is None:
        raise RuntimeError(f"README.md has no {BEGIN!r} … {END!r} markers")
    before, rest = text.split(BEGIN, 1)
    after = rest.split(END, 1)[1]
    README.write_text(f"{before}{BEGIN}\n{markdown(results)}\n{END}{after}")
