"""Where one apply's time goes: `python -m bench.profile [--landscapes 10]` applies every pathway of fresh
sandbox landscapes one after another in this process (the worker's code, `engine.execute_run`, without the
queue) under cProfile, and prints the run's wall time split into sleeping, waiting for SAP (the sandbox),
waiting for the database, and the rest, then the functions that cost most."""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--landscapes", type=int, default=10)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime", help="pstats order: tottime or cumulative")
    parser.add_argument("--dump", default="", help="also write the raw profile to this file")
    options = parser.parse_args(argv)

    from bench import environment  # sets Django up, before anything imports a model
    from bench.drafts import tenant_landscape

    consultant, sandbox_timing, world = environment.consultant, environment.sandbox_timing, environment.world

    with world() as (server, _folder):
        from pathways import engine

        sandbox_timing(server, latency_ms=0, job_polls=0, deploy_polls=0)
        user = consultant()
        built = [tenant_landscape(server, user, f"Profile {n:03d}") for n in range(options.landscapes + 1)]
        for run in engine.apply_all(built[0], user)[0]:  # warm-up: imports, connections, TLS contexts
            engine.execute_run(run.id)
        runs = [run for landscape in built[1:] for run in engine.apply_all(landscape, user)[0]]
        from django.db import connection

        statements = [0]

        def count(execute, sql, params, many, context):
            statements[0] += 1
            return execute(sql, params, many, context)

        profiler = cProfile.Profile()
        started = time.perf_counter()
        with connection.execute_wrapper(count):
            profiler.enable()
            for run in runs:
                engine.execute_run(run.id)
            profiler.disable()
        wall = time.perf_counter() - started
    stats = pstats.Stats(profiler)
    print(f"{len(runs)} applies in {wall:.2f} s: {wall / len(runs) * 1000:.0f} ms each")
    print(f"  SQL statements per apply (BEGIN/COMMIT not counted): {statements[0] / len(runs):.1f}")
    for label, seconds in split(stats).items():
        print(f"  {label:<36} {seconds / len(runs) * 1000:7.1f} ms per apply ({seconds / wall:5.1%})")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(options.sort).print_stats(options.top)
    if options.dump:
        profiler.dump_stats(options.dump)
    print(out.getvalue())
    return 0


def split(stats: pstats.Stats) -> dict[str, float]:
    """Seconds inside time.sleep, socket reads and connects (SAP), PostgreSQL calls, and everything else."""
    sleeping = sap = database = 0.0
    total = 0.0
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        total += tottime
        if name in ("<built-in method time.sleep>",):
            sleeping += tottime
        elif name in (
            "<method 'recv_into' of '_socket.socket' objects>",
            "<method 'read' of '_ssl._SSLSocket' objects>",
            "<method 'do_handshake' of '_ssl._SSLSocket' objects>",
            "<method 'connect' of '_socket.socket' objects>",
        ):
            sap += tottime
        elif (
            "psycopg" in filename
            and name in ("wait", "wait_c", "_wait")
            or name.startswith("<built-in method psycopg")
        ):
            database += tottime
    return {
        "sleeping (polls, rate limit)": sleeping,
        "waiting for SAP (socket reads)": sap,
        "waiting for PostgreSQL": database,
        "Python (app, requests, Django)": total - sleeping - sap - database,
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
