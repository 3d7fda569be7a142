"""`python -m bench` measures P1, P2, P3, the web figure and P5 (about 10 minutes on a quiet 2-CPU machine);
`python -m bench load` runs the load test. `--only P5` (or `--only calls,pages`) measures a subset.

Results merge into bench/results.json and the table in README.md (between its markers) is rewritten.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

FIGURES = {"P1": "calls", "P2": "apply_all", "P3": "pages", "web": "wizard", "P5": "throughput"}


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("mode", nargs="?", choices=("all", "load"), default="all")
    parser.add_argument(
        "--only",
        default=",".join(FIGURES),
        help=f"comma-separated figures: {', '.join(f'{k} ({v})' for k, v in FIGURES.items())}",
    )
    parser.add_argument("--latency-ms", type=int, default=200, help="sandbox latency for P2")
    parser.add_argument("--job-polls", type=int, default=2, help="polls a CF job or deployment needs (P2)")
    parser.add_argument("--landscapes", type=int, default=200, help="landscapes (× 4 applies) for P5")
    parser.add_argument("--workers", type=int, default=2, help="shipped worker processes for P5")
    parser.add_argument("--sizes", default="10,1000", help="landscape counts for P3")
    parser.add_argument("--users", type=int, default=None, help="concurrent users (20 web, 50 load)")
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of the load test")
    parser.add_argument("--note", default="", help="a remark printed under the table (e.g. the machine)")
    parser.add_argument("--no-readme", action="store_true", help="leave README.md as it is")
    return parser.parse_args(argv)


def wanted(only: str) -> set[str] | None:
    names = set()
    by_module = {module: module for module in FIGURES.values()}
    for part in (p.strip() for p in only.split(",") if p.strip()):
        module = FIGURES.get(part) or FIGURES.get(part.upper()) or by_module.get(part)
        if module is None:
            return None
        names.add(module)
    return names


def main(argv: list[str]) -> int:
    options = parse(argv)
    figures = wanted(options.only)
    if figures is None:
        print(f"unknown figure in --only {options.only}; choose from {', '.join(FIGURES)}", file=sys.stderr)
        return 2
    from bench import report
    from bench.environment import database_kind, world

    results = report.load()
    results["environment"] = {
        "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "database": database_kind(),
        "broker": "redis" if os.environ.get("REDIS_URL") else "filesystem",
        "cpus": os.cpu_count(),
        "load": round(os.getloadavg()[0], 1) if hasattr(os, "getloadavg") else None,
        "note": options.note,
    }
    with world() as (server, folder):
        if options.mode == "load":
            from bench import load

            results["load"] = load.measure(folder, users=options.users or 50, seconds=options.seconds)
        else:
            if "calls" in figures:
                from bench import calls

                results["calls"] = calls.measure(server)
            if "apply_all" in figures:
                from bench import apply_all

                results["apply_all"] = apply_all.measure(
                    server, folder, latency_ms=options.latency_ms, job_polls=options.job_polls
                )
            if "pages" in figures:
                from bench import pages

                results["pages"] = pages.measure(tuple(int(size) for size in options.sizes.split(",")))
            if "wizard" in figures:
                from bench import wizard

                results["wizard"] = wizard.measure(folder, users=options.users or 20)
            if "throughput" in figures:
                from bench import throughput

                results["throughput"] = throughput.measure(
                    server, folder, landscapes=options.landscapes, worker_count=options.workers
                )
    report.save(results)
    if not options.no_readme:
        report.write_readme(results)
    print(report.markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
