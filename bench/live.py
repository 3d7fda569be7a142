"""A threaded live server for concurrent users, timing each request inside the server, and logged-in users."""

from __future__ import annotations

import contextlib
import threading
import time
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class ServerTimes:
    """Server-side durations of requests, by path, collected by a WSGI wrapper."""

    def __init__(self, application):
        self.application = application
        self.lock = threading.Lock()
        self.samples: list[tuple[str, float, str]] = []

    def __call__(self, environ, start_response):
        from django.db import connections

        started = time.perf_counter()
        status_seen = []

        def recording_start(status, headers, exc_info=None):
            status_seen.append(status)
            return start_response(status, headers, exc_info)

        try:
            body = b"".join(self.application(environ, recording_start))
        finally:
            connections.close_all()
        elapsed = time.perf_counter() - started
        with self.lock:
            self.samples.append(
                (environ.get("PATH_INFO", ""), elapsed, status_seen[0] if status_seen else "?")
            )
        return [body]

    def reset(self) -> None:
        with self.lock:
            self.samples.clear()

    def durations(self) -> list[float]:
        with self.lock:
            return [seconds for _, seconds, _ in self.samples]


@contextlib.contextmanager
def live_server():
    """(base URL, ServerTimes) for Django served by threads on 127.0.0.1 (loopback only)."""
    from django.core.wsgi import get_wsgi_application

    times = ServerTimes(get_wsgi_application())
    server = make_server("127.0.0.1", 0, times, server_class=_ThreadingServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", times
    finally:
        server.shutdown()
        server.server_close()


def session_cookie(user) -> dict[str, str]:
    """A session cookie for `user`, as a login would set it."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]
