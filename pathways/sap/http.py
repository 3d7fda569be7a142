"""Per-run HTTP transport: timeouts, retries, landscape CA, .localhost loopback, call log, throttle."""

from __future__ import annotations

import email.utils
import importlib.metadata
import random
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util import connection as urllib3_connection

from pathways import redact
from pathways.wording import gettext as _
from pathways.wording import gettext_noop

from . import tls
from .errors import RETRYABLE_STATUSES, RETRYABLE_STATUSES_FOR_READS, SapError
from .throttle import SharedThrottle

# Who answered, in the sentences about a failed call, when the caller names nobody (translated where used).
REMOTE_SYSTEM = gettext_noop("The remote system")


def _installed_version() -> str:
    try:
        return importlib.metadata.version("authwizard")
    except importlib.metadata.PackageNotFoundError:
        return "0.1.0"


AUTHWIZARD_VERSION = _installed_version()
USER_AGENT = f"AuthWizard/{AUTHWIZARD_VERSION} (SAP authentication pathway setup)"
LOOPBACK_ADDRESS = "127.0.0.1"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# After these answers a write may have been carried out: it is not sent again before the remote state is read
UNCERTAIN_WRITE_STATUSES = frozenset({502, 504})
UNCERTAIN = "write_outcome_unknown"


def is_localhost_name(host: str | None) -> bool:
    """True for `localhost` and names under `.localhost`, which resolve to loopback (RFC 6761)."""
    if not host:
        return False
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (seconds or an HTTP-date); None when absent or bad."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, moment.timestamp() - current)


Resolver = Callable[[str, int], Sequence[str]]


class _PinnedMixin(HTTPConnection):
    """Connects to an address the session's resolver approved for the host (so a second DNS answer cannot
    switch it), `.localhost` names to 127.0.0.1; SNI and certificate checks keep the original host name."""

    resolver: Resolver | None = None

    def _addresses(self) -> Sequence[str] | None:
        if self.resolver is not None:
            return self.resolver(self.host, self.port)
        return [LOOPBACK_ADDRESS] if is_localhost_name(self.host) else None

    def _new_conn(self) -> socket.socket:
        addresses = self._addresses()
        if addresses is None:
            return super()._new_conn()
        failure: OSError | None = None
        for address in addresses:
            try:
                return urllib3_connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as exc:
                raise ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
                ) from exc
            except OSError as exc:
                failure = exc
        raise NewConnectionError(self, f"Failed to establish a new connection: {failure or 'no address'}")


def _pinned_adapter(resolver: Resolver | None, ssl_context: ssl.SSLContext | None = None) -> HTTPAdapter:
    """A requests adapter whose connections go only to the addresses `resolver` approves (and, given
    `ssl_context`, trust what it trusts)."""

    class PinnedHTTPConnection(_PinnedMixin):
        pass

    class PinnedHTTPSConnection(_PinnedMixin, HTTPSConnection):
        pass

    PinnedHTTPConnection.resolver = PinnedHTTPSConnection.resolver = (
        staticmethod(resolver) if resolver else None
    )

    class PinnedHTTPConnectionPool(HTTPConnectionPool):
        ConnectionCls = PinnedHTTPConnection

    class PinnedHTTPSConnectionPool(HTTPSConnectionPool):
        ConnectionCls = PinnedHTTPSConnection

    class PinnedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            if ssl_context is not None:
                kwargs["ssl_context"] = ssl_context
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {
                "http": PinnedHTTPConnectionPool,
                "https": PinnedHTTPSConnectionPool,
            }

        def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
            super().cert_verify(conn, url, verify, cert)
            if ssl_context is not None and url.lower().startswith("https"):
                # The context already trusts what it should (and holds the client certificate): without
                # this, urllib3 loads the CA file (and the certificate) into it again on every new
                # connection, about 0.1 s of CPU each, and into a context other threads share.
                conn.ca_certs = conn.ca_cert_dir = None
                conn.cert_file = conn.key_file = None

    return PinnedAdapter()


_shared_adapters: dict[tuple[str, int], HTTPAdapter] = {}
_shared_lock = threading.Lock()


def shared_adapter(trust_pem: str, resolver: Resolver | None) -> HTTPAdapter:
    """The process's adapter for one CA bundle and resolver: its pools keep connections alive per host
    across runs, all with the one `SSLContext` of that bundle."""
    key = (tls.bundle_id(trust_pem), id(resolver))
    with _shared_lock:
        adapter = _shared_adapters.get(key)
        if adapter is None:
            adapter = _shared_adapters[key] = _pinned_adapter(resolver, tls.trust_context(trust_pem))
        return adapter


@dataclass
class RetryPolicy:
    """Exponential backoff with full jitter (D-12); `sleep` and `random` are injectable for fast tests."""

    base: float = 1.0
    cap: float = 60.0
    tries: int = 5
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = random.random

    def backoff(self, attempt: int) -> float:
        """Wait before retry number `attempt` (1-based): uniform in [0, min(cap, base * 2**(attempt-1))]."""
        return self.random() * min(self.cap, self.base * (2.0 ** (attempt - 1)))

    def wait_for(self, attempt: int, retry_after: float | None) -> float:
        """The server's Retry-After when given (bounded by the cap), else the jittered backoff."""
        if retry_after is not None:
            return min(retry_after, self.cap)
        return self.backoff(attempt)


class HostThrottle:
    """Keeps calls to one host at or below `rate` per second, over any one-second window."""

    def __init__(
        self,
        rate: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.clock = clock
        self.sleep = sleep
        self._recent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def acquire(self, host: str) -> float:
        """Reserve the next allowed moment for a call to `host`, sleep until then; returns the seconds waited.

        A new call may start no earlier than one second after the `rate`-th most recent one, so no
        one-second window holds more than `rate` calls. The lock is not held while sleeping.
        """
        with self._lock:
            recent = self._recent.setdefault(host, deque(maxlen=self.rate))
            now = self.clock()
            slot = now if len(recent) < self.rate else max(now, recent[0] + 1.0)
            recent.append(slot)
        waited = slot - now
        if waited > 0:
            self.sleep(waited)
        return waited


@dataclass(frozen=True)
class CallRecord:
    """One HTTP attempt in the run's call log; the URL is redacted and no headers or bodies are kept."""

    method: str
    url: str
    status: int | None
    duration_ms: float
    attempt: int
    error: str | None = None
    waited_s: float = 0.0
    started_at: float = 0.0


@dataclass
class Timeouts:
    """Connect and read timeouts in seconds, applied to every call."""

    connect: float = 10.0
    read: float = 60.0

    def as_tuple(self) -> tuple[float, float]:
        return (self.connect, self.read)


@dataclass(eq=False)
class SapHttp:
    """One HTTP session per run, shared by every SAP client of that run.

    - `ca_bundle`: the landscape's CA file; when set it is the only trust for every call, whatever
      `REQUESTS_CA_BUNDLE` says (the session ignores the environment).
    - `trust_pem`: instead of a file, the CAs to trust besides the public ones (a landscape's bundle, ""
      for none): the process's one `SSLContext` and connection pool for that bundle are used, so
      connections stay alive across runs (see `tls`).
    - `url_guard`: called with each URL before the request; return False or raise to refuse it.
    - `resolver`: (host, port) → the addresses a connection may use, or raises to refuse; connections go
      only to those addresses. Without it `.localhost` names go to loopback and others resolve as usual.
    - `retry`, `timeouts`, `throttle`: D-12 behaviour, injectable for tests.
    """

    ca_bundle: str | None = None
    trust_pem: str | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    url_guard: Callable[[str], bool | None] | None = None
    resolver: Resolver | None = None
    throttle: HostThrottle | SharedThrottle = field(default_factory=lambda: HostThrottle(8))
    proxies: Mapping[str, str] | None = None
    user_agent: str = USER_AGENT
    calls: list[CallRecord] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.headers["User-Agent"] = self.user_agent
        if self.trust_pem is not None:
            adapter = shared_adapter(self.trust_pem, self.resolver)
        else:
            adapter = _pinned_adapter(self.resolver)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self._lock = threading.Lock()

    def write_pause(self, attempt: int) -> None:
        """The wait before a write is sent again after its remote state showed it did not land."""
        self.retry.sleep(self.retry.backoff(attempt))

    @property
    def call_count(self) -> int:
        """How many HTTP attempts this run has made (retries included)."""
        return len(self.calls)

    def close(self) -> None:
        if self.trust_pem is None:  # a shared adapter's pools outlive the run
            self.session.close()

    def __enter__(self) -> SapHttp:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def check_destination(self, url: str) -> None:
        """Raise SapError when the URL is not https/http or the app's guard refuses it."""
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise SapError(_("The address %(url)s is not a valid web address") % {"url": redact.url(url)})
        if self.url_guard is None:
            return
        try:
            allowed = self.url_guard(url)
        except SapError:
            raise
        except Exception as exc:
            raise SapError(
                _("The destination %(url)s is not allowed: %(error)s")
                % {"url": redact.url(url), "error": exc}
            ) from exc
        if allowed is False:
            raise SapError(
                _("The destination %(url)s is not allowed for this landscape") % {"url": redact.url(url)}
            )

    def request(
        self,
        method: str,
        url: str,
        *,
        service: str = REMOTE_SYSTEM,
        params: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        data: Any = None,
        json: Any = None,
        auth: Any = None,
        cert: tuple[str, str] | None = None,
        timeouts: Timeouts | None = None,
        retry: bool = True,
        throttled: bool = False,
        idempotent: bool = False,
    ) -> requests.Response:
        """Send one logical call, retrying what retrying can fix; return the final response.

        HTTP error statuses are returned, not raised: the caller translates them. Transport failures
        (connection, timeout, TLS, refused destination) raise SapError. A write (not `idempotent`) is not
        sent again after a 502/504 or a connection lost once it was sent: the 502/504 is returned, the lost
        connection raises SapError code `write_outcome_unknown`, and the caller reads the remote state.
        """
        method = method.upper()
        self.check_destination(url)
        host = urlsplit(url).hostname or ""
        limits = (timeouts or self.timeouts).as_tuple()
        retryable_statuses = RETRYABLE_STATUSES_FOR_READS if method in SAFE_METHODS else RETRYABLE_STATUSES
        repeatable = method in SAFE_METHODS or idempotent
        tries = max(1, self.retry.tries if retry else 1)
        waited = 0.0
        for attempt in range(1, tries + 1):
            if throttled:
                waited += self.throttle.acquire(host)
            started = time.monotonic()
            session = self.session if cert is None or self.trust_pem is None else self._client_session(cert)
            try:
                response = session.request(
                    method,
                    url,
                    params=params,
                    headers=headers,
                    data=data,
                    json=json,
                    auth=auth,
                    cert=cert,
                    timeout=limits,
                    verify=self.ca_bundle if self.ca_bundle else True,
                    allow_redirects=False,
                    proxies=dict(self.proxies) if self.proxies else None,
                )
                if session is not self.session:
                    response.content  # noqa: B018 - read before the one-call session closes
                    session.close()
            except requests.exceptions.SSLError as exc:
                self._log(method, url, params, None, started, attempt, "TLS failure", waited)
                raise SapError(
                    _(
                        "The TLS connection to %(host)s failed (certificate not trusted, or client "
                        "certificate refused); check the landscape's CA bundle and certificates"
                    )
                    % {"host": host},
                    retryable=False,
                    code="tls",
                    remote_message=redact.exception_text(exc),
                ) from exc
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                kind = "timeout" if isinstance(exc, requests.exceptions.Timeout) else "connection failed"
                self._log(method, url, params, None, started, attempt, kind, waited)
                if not repeatable and not _never_sent(exc):
                    raise SapError(
                        _(
                            "%(service)s at %(host)s dropped the connection (%(kind)s) after the request was "
                            "sent; whether it was carried out is unknown"
                        )
                        % {"service": _(service), "host": host, "kind": kind},
                        retryable=True,
                        code=UNCERTAIN,
                        remote_message=redact.exception_text(exc),
                    ) from exc
                if attempt >= tries:
                    raise SapError(
                        _(
                            "%(service)s at %(host)s could not be reached (%(kind)s) after %(attempt)s "
                            "attempts; try again later"
                        )
                        % {"service": _(service), "host": host, "kind": kind, "attempt": attempt},
                        retryable=True,
                        code=kind,
                        remote_message=redact.exception_text(exc),
                    ) from exc
                waited = self.retry.wait_for(attempt, None)
                self.retry.sleep(waited)
                continue
            self._log(method, response.url or url, None, response.status_code, started, attempt, None, waited)
            uncertain = not repeatable and response.status_code in UNCERTAIN_WRITE_STATUSES
            if response.status_code in retryable_statuses and attempt < tries and not uncertain:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                waited = self.retry.wait_for(attempt, retry_after)
                response.close()
                self.retry.sleep(waited)
                continue
            return response
        raise AssertionError("unreachable: the retry loop always returns or raises")

    def _client_session(self, cert: tuple[str, str]) -> requests.Session:
        """A session for one call with a client certificate: its own context, never the shared one."""
        session = requests.Session()
        session.trust_env = False
        session.headers.update(self.session.headers)
        session.cookies = self.session.cookies
        adapter = _pinned_adapter(self.resolver, tls.client_context(self.trust_pem, *cert))
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def _log(
        self,
        method: str,
        url: str,
        params: Any,
        status: int | None,
        started: float,
        attempt: int,
        error: str | None,
        waited: float,
    ) -> None:
        if params:
            url = requests.Request("GET", url, params=params).prepare().url or url
        elapsed = time.monotonic() - started
        record = CallRecord(
            method=method,
            url=redact.url(url),
            status=status,
            duration_ms=round(elapsed * 1000, 1),
            attempt=attempt,
            error=error,
            waited_s=round(waited, 3),
            started_at=time.time() - elapsed,
        )
        with self._lock:
            self.calls.append(record)


def _never_sent(exc: BaseException) -> bool:
    """True when the connection failed before the request could reach the server (safe to send again)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)
