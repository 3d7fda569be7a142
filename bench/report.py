"""Results: kept as JSON in bench/results.json and shown as one Markdown table (figure, measured, beside,
ratio).
"""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"


def load() -> dict:
    return json.loads(RESULTS.read_text()) if RESULTS.exists() else {}


def save(results: dict) -> None:
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


def rows(results: dict) -> list[tuple[str, str, str, str]]:
    table: list[tuple[str, str, str, str]] = []
    for row in results.get("calls", []):
        table.append(
            (
                f"HTTP calls, first apply of {row['pathway']} {row['method']} ({row['state']})",
                str(row["calls"]),
                f"{row['minimum']} minimum",
                f"{row['ratio']}×",
            )
        )
    apply_all = results.get("apply_all")
    if apply_all:
        table.append(
            (
                f"Apply all four at {apply_all['latency_ms']} ms latency, wall time",
                f"{apply_all['wall_s']} s",
                f"{apply_all['critical_path_s']} s critical path ({apply_all['critical_path_calls']} calls); "
                f"{apply_all['minimum_critical_path_s']} s at the API minimum; longest pathway alone "
                f"{apply_all.get('longest_alone_s', '?')} s",
                f"{apply_all['wall_over_critical_path']}×",
            )
        )
    pages = results.get("pages")
    if pages:
        small, large = pages["sizes"][0], pages["sizes"][-1]
        for page in pages["pages"].values():
            table.append(
                (
                    f"{page['url']} SQL queries, {small} → {large} landscapes",
                    str(page[str(large)]["queries"]),
                    f"{page[str(small)]['queries']} at {small}",
                    f"{page['query_ratio']}×",
                )
            )
            table.append(
                (
                    f"{page['url']} server time (median), {small} → {large} landscapes",
                    f"{page[str(large)]['median_ms']} ms",
                    f"{page[str(small)]['median_ms']} ms at {small}",
                    f"{page['time_ratio']}×",
                )
            )
    throughput = results.get("throughput")
    if throughput:
        if "skipped" in throughput:
            table.append(("Applies by 2 workers on Redis", "skipped", throughput["skipped"], "–"))
        else:
            table.append(
                (
                    f"{throughput['landscapes']} landscapes × 4 applied by {throughput['workers']} workers "
                    f"(Redis, 0 ms)",
                    f"{throughput['pathways_per_second']} pathways/s",
                    f"{throughput['errors']} errors of {throughput['pathways']}; {throughput['seconds']} s",
                    f"{throughput['per_worker_per_second']}/s per worker",
                )
            )
    wizard = results.get("wizard")
    if wizard:
        crowd, alone = wizard["concurrent"], wizard["one_user"]
        table.append(
            (
                f"Wizard step p95 server time, {crowd['users']} concurrent users",
                f"{crowd['p95_ms']} ms",
                f"{alone['p95_ms']} ms for one user ({crowd['errors']} errors)",
                f"{wizard['p95_ratio']}×",
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
                    f"Load: {load_result['users']} users × {load_result['seconds']} s, wizard + status pages",
                    f"{load_result['errors']} errors",
                    f"{load_result['requests']} requests, {load_result['requests_per_second']}/s, "
                    f"p95 {load_result['p95_ms']} ms",
                    "–",
                )
            )
    return table


def markdown(results: dict) -> str:
    lines = ["| Figure | Measured | Beside | Ratio |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows(results)]
    meta = results.get("environment", {})
    if meta:
        lines.append("")
        lines.append(
            f"Measured {meta.get('at', '')} on {meta.get('database', '?')}, broker "
            f"{meta.get('broker', '?')}, {meta.get('cpus', '?')} CPUs."
        )
    return "\n".join(lines)
