"""`python -m bench` measures everything but the load test; `python -m bench load` runs the load test.

Results go to bench/results.json (merged with earlier ones) and are printed as a table.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

FIGURES = ("calls", "apply_all", "pages", "throughput", "wizard")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("mode", nargs="?", choices=("all", "load"), default="all")
    parser.add_argument("--only", default=",".join(FIGURES), help=f"comma-separated subset of {FIGURES}")
    parser.add_argument("--latency-ms", type=int, default=200, help="sandbox latency for apply-all")
    parser.add_argument("--landscapes", type=int, default=200, help="landscapes for the throughput figure")
    parser.add_argument("--sizes", default="10,1000", help="landscape counts for the status pages")
    parser.add_argument("--users", type=int, default=None, help="concurrent users (20 wizard, 50 load)")
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of the load test")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    options = parse(argv)
    from bench import report
    from bench.environment import database_kind, world

    results = report.load()
    results["environment"] = {
        "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "database": database_kind(),
        "broker": "redis" if os.environ.get("REDIS_URL") else "filesystem",
        "cpus": os.cpu_count(),
    }
    with world() as (server, _folder):
        if options.mode == "load":
            from bench import load

            results["load"] = load.measure(users=options.users or 50, seconds=options.seconds)
        else:
            wanted = {name.strip() for name in options.only.split(",") if name.strip()}
            unknown = wanted - set(FIGURES)
            if unknown:
                print(f"unknown figures: {', '.join(sorted(unknown))}", file=sys.stderr)
                return 2
            if "calls" in wanted:
                from bench import calls

                results["calls"] = calls.measure(server)
            if "apply_all" in wanted:
                from bench import apply_all

                results["apply_all"] = apply_all.measure(server, latency_ms=options.latency_ms)
            if "pages" in wanted:
                from bench import pages

                sizes = tuple(int(size) for size in options.sizes.split(","))
                results["pages"] = pages.measure(sizes)
            if "throughput" in wanted:
                from bench import throughput

                results["throughput"] = throughput.measure(server, landscapes=options.landscapes)
            if "wizard" in wanted:
                from bench import wizard

                results["wizard"] = wizard.measure(users=options.users or 20)
    report.save(results)
    print(report.markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
