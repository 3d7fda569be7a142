"""Command line: `python -m sandbox [--port 8443] [--bind …] [--state-dir …] [--domain …] [--plain-http]`."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from . import tenants as tenant_store
from .context import Sandbox
from .hosts import Landscape
from .keypool import POOL
from .knobs import Knobs
from .server import SandboxServer
from .state import Store
from .tls import load_or_create
from .tokens import TokenIssuer


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=8443, help="TLS port; 0 picks a free one")
    parser.add_argument("--bind", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--state-dir", default="var/sandbox", help="where state, CAs and facts live")
    parser.add_argument("--domain", default="sandbox.localhost", help="landscape domain (under .localhost)")
    parser.add_argument("--plain-http", action="store_true", help="serve plain HTTP instead of HTTPS")
    return parser.parse_args(argv)


def build(args) -> tuple[SandboxServer, Sandbox]:
    state_dir = Path(args.state_dir).resolve()
    authorities = load_or_create(state_dir)
    authorities.ensure_server_certificate(args.domain)
    store = Store(state_dir)
    scheme = "http" if args.plain_http else "https"
    ctx = Sandbox(
        state_dir,
        store,
        Knobs(),
        authorities,
        Landscape(args.domain, args.port, scheme),
        TokenIssuer(store.data["secret"]),
    )
    server = SandboxServer((args.bind, args.port), ctx, plain_http=args.plain_http)
    ctx.landscape = Landscape(args.domain, server.server_address[1], scheme)
    with store.lock:
        tenant_store.ensure_catalog(store)
        if "demo" not in store.tenants:
            tenant_store.create_tenant(ctx, "demo")
        for tenant in store.tenants.values():
            tenant_store.ensure_content(tenant)
        store.save()
    return server, ctx


def write_descriptor(ctx) -> Path:
    facts = {sd: tenant_store.write_facts(ctx, tenant) for sd, tenant in ctx.store.tenants.items()}
    path = ctx.state_dir / "sandbox.json"
    path.write_text(
        json.dumps(
            {
                "port": ctx.landscape.port,
                "domain": ctx.landscape.domain,
                "url": ctx.landscape.admin(),
                "ca_path": str(ctx.authorities.ca_path),
                "client_ca_path": str(ctx.authorities.client_ca_path),
                "tenants": facts,
            },
            indent=2,
        )
    )
    return path


def main(argv=None) -> int:
    args = parse_args(argv)
    server, ctx = build(args)
    write_descriptor(ctx)
    ctx.store.start_autosave()
    POOL.start({2048: 3})
    stopping = threading.Event()

    def stop(signum, frame):
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"sandbox ready {ctx.landscape.admin()} state={ctx.state_dir}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        with ctx.store.lock:
            ctx.store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
