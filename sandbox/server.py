"""HTTPS server: TLS (client certificate required on the XSUAA cert host), Host routing, faults, call log."""

from __future__ import annotations

import socket
import ssl
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import admin, cf, cpi, runtime, service_manager, uaa, xsuaa
from .http import Request, Response, json_response, text_response
from .knobs import AFTER_FAULTS

HANDLERS = {
    "admin": admin.handle,
    "cf": cf.handle,
    "uaa": uaa.handle,
    "xsuaa": xsuaa.handle,
    "xsuaa_cert": xsuaa.handle,
    "cpi": cpi.handle,
    "runtime": runtime.handle,
    "sm": service_manager.handle,
}
MAX_BODY = 8 * 1024 * 1024


def peek_server_name(sock: socket.socket, timeout: float = 5.0) -> str | None:
    """The SNI host name of a TLS ClientHello, read with MSG_PEEK so the handshake still sees every byte."""
    sock.settimeout(timeout)
    data = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            data = sock.recv(16384, socket.MSG_PEEK)
            if not data or data[0] != 0x16:
                return None
            if len(data) >= 5 and len(data) >= 5 + int.from_bytes(data[3:5], "big"):
                break
            time.sleep(0.005)
        return _sni_from_hello(data[5:])
    except (OSError, IndexError, ValueError):
        return None
    finally:
        sock.settimeout(None)


def _sni_from_hello(hello: bytes) -> str | None:
    if not hello or hello[0] != 0x01:
        return None
    pos = 4 + 2 + 32
    pos += 1 + hello[pos]
    pos += 2 + int.from_bytes(hello[pos : pos + 2], "big")
    pos += 1 + hello[pos]
    end = pos + 2 + int.from_bytes(hello[pos : pos + 2], "big")
    pos += 2
    while pos + 4 <= end:
        ext_type = int.from_bytes(hello[pos : pos + 2], "big")
        ext_len = int.from_bytes(hello[pos + 2 : pos + 4], "big")
        body = hello[pos + 4 : pos + 4 + ext_len]
        if ext_type == 0 and len(body) > 5 and body[2] == 0:
            name_len = int.from_bytes(body[3:5], "big")
            return body[5 : 5 + name_len].decode("ascii", "replace").lower()
        pos += 4 + ext_len
    return None


class SandboxServer(ThreadingHTTPServer):
    """ThreadingHTTPServer doing the TLS handshake in the worker thread, picking the context by SNI."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, ctx, plain_http: bool = False):
        self.sandbox = ctx
        self.plain_http = plain_http
        self.open_context = None if plain_http else ctx.authorities.server_context(require_client_cert=False)
        self.required_context = (
            None if plain_http else ctx.authorities.server_context(require_client_cert=True)
        )
        self.cert_host_suffix = f".authentication.cert.{ctx.landscape.domain}".lower()
        super().__init__(address, Handler)

    def finish_request(self, request, client_address):
        if not self.plain_http:
            name = peek_server_name(request)
            context = (
                self.required_context if name and name.endswith(self.cert_host_suffix) else self.open_context
            )
            try:
                request = context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                request.close()
                return
            request.sni_name = name
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "SAP"
    sys_version = ""

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        return

    def do_GET(self):
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("body too large")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(length) if length else b""

    def _serve(self):
        ctx = self.server.sandbox
        started_wall, started = time.time(), time.monotonic()
        host = self.headers.get("Host", "")
        kind, subdomain = ctx.landscape.classify(host)
        path, _, query = self.path.partition("?")
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            self._send(text_response(413, "Payload Too Large"))
            return
        peer = None
        if isinstance(self.connection, ssl.SSLSocket):
            peer = self.connection.getpeercert(binary_form=True)
        req = Request(
            self.command,
            host,
            kind or "",
            subdomain,
            path,
            query,
            {k.lower(): v for k, v in self.headers.items()},
            body,
            self.client_address[0],
            peer,
        )
        try:
            response = self._dispatch(ctx, req)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            response = json_response(500, {"error": "sandbox internal error", "path": path})
        if kind != "admin":
            ctx.knobs.log_call(
                host=host.split(":")[0],
                kind=kind,
                method=self.command,
                path=path,
                query_string=query,
                status="dropped" if response.drop else response.status,
                started=started_wall,
                duration_ms=(time.monotonic() - started) * 1000,
                subdomain=subdomain,
                flags=req.context.get("flags") or [],
                user_agent=req.header("user-agent") or "",
            )
        if response.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        else:
            self._send(response)

    def _dispatch(self, ctx, req: Request) -> Response:
        if not req.kind:
            return json_response(421, {"error": "misdirected", "description": f"unknown host {req.host!r}"})
        if req.kind == "xsuaa_cert" and not req.peer_cert_der:
            return Response(0, drop=True)
        if req.kind != "admin":
            response = self._injected(ctx, req)
            if response is not None:
                return response
            if ctx.knobs.latency_ms:
                time.sleep(ctx.knobs.latency_ms / 1000)
        with ctx.store.lock:
            before = ctx.store.data.get("revision", 0)
            response = HANDLERS[req.kind](ctx, req)
            write = req.method not in ("GET", "HEAD") or req.kind == "cf" or bool(req.context.get("dirty"))
            if write:
                ctx.store.data["revision"] = before + 1
            ctx.store.mark_dirty(_changed_tenants(req), write=write)
        if req.kind != "admin":
            lost = ctx.knobs.take(
                AFTER_FAULTS, host=req.kind, method=req.method, path=req.path, subdomain=req.subdomain
            )
            if lost is not None:
                return Response(0, drop=True) if lost["kind"] == "drop_after" else _fault_response(lost)
        return response

    @staticmethod
    def _injected(ctx, req: Request) -> Response | None:
        fault = ctx.knobs.take(
            ("status", "hang", "drop"),
            host=req.kind,
            method=req.method,
            path=req.path,
            subdomain=req.subdomain,
        )
        if fault is None:
            return None
        if fault["kind"] == "hang":
            time.sleep(float(fault.get("seconds", 30)))
            return None if fault.get("status") is None else _fault_response(fault)
        if fault["kind"] == "drop":
            return Response(0, drop=True)
        return _fault_response(fault)

    def _send(self, response: Response):
        self.send_response(response.status)
        names = {k.lower() for k, _ in response.headers}
        for key, value in response.headers:
            self.send_header(key, value)
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)


def _changed_tenants(req: Request) -> tuple[str, ...] | None:
    """The tenants whose records a request may have changed (a read too: time-driven states move on when
    read): the one its host names (XSUAA, CPI, runtime), the one the CF handler found for its user (none when
    it found none), none for the UAA and Service Manager (they only read tenants), any (None) for the knobs.
    """
    if req.kind == "admin":
        return None
    if req.kind == "cf":
        tenant = req.context.get("tenant")
        return (tenant["subdomain"],) if tenant else ()
    if req.kind in ("uaa", "sm") or not req.subdomain:
        return ()
    return (req.subdomain,)


def _fault_response(fault: dict) -> Response:
    body = fault.get("body")
    headers = [(k, str(v)) for k, v in (fault.get("headers") or {}).items()]
    if fault.get("retry_after") is not None:
        headers.append(("Retry-After", str(fault["retry_after"])))
    if body is None:
        return Response(fault["status"], b"", headers)
    if isinstance(body, str):
        return Response(
            fault["status"], body.encode(), [("Content-Type", "text/plain; charset=utf-8")] + headers
        )
    return json_response(fault["status"], body, headers)


def serve_in_thread(server: SandboxServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, name="sandbox-server", daemon=True)
    thread.start()
    return thread
