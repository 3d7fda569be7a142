"""TLS trust built once per process: one `SSLContext` per CA bundle (the public CAs plus a landscape's own),
and one connection pool per bundle, so connections stay alive per host across the runs of a worker.

No CA file is written: the landscape's PEM is loaded from memory. A call with a client certificate gets a
context of its own (loading a certificate into a shared context would present it on every connection).
"""

from __future__ import annotations

import hashlib
import ssl
import threading

import certifi

_lock = threading.Lock()
_contexts: dict[str, ssl.SSLContext] = {}
_public_cas: str | None = None


def _digest(extra_pem: str) -> str:
    return hashlib.sha256(extra_pem.strip().encode("utf-8")).hexdigest()


def _public() -> str:
    global _public_cas
    if _public_cas is None:
        with open(certifi.where(), encoding="utf-8") as handle:
            _public_cas = handle.read()
    return _public_cas


def _new_context(extra_pem: str) -> ssl.SSLContext:
    context = ssl.create_default_context(cadata=_public())
    if extra_pem.strip():
        try:
            context.load_verify_locations(cadata=extra_pem)
        except (ssl.SSLError, ValueError) as error:
            from pathways.wording import gettext as _

            from .errors import SapError

            raise SapError(
                _("The landscape's CA bundle cannot be read as PEM certificates; check it in the settings"),
                code="tls",
            ) from error
    return context


def trust_context(extra_pem: str | None) -> ssl.SSLContext:
    """The process's one context trusting the public CAs and `extra_pem` (a landscape's CA bundle)."""
    key = _digest(extra_pem or "")
    with _lock:
        context = _contexts.get(key)
        if context is None:
            context = _contexts[key] = _new_context(extra_pem or "")
        return context


def client_context(extra_pem: str | None, certificate_path: str, key_path: str) -> ssl.SSLContext:
    """A context for one call with a client certificate: same trust, the certificate loaded into it alone."""
    context = _new_context(extra_pem or "")
    context.load_cert_chain(certificate_path, key_path)
    return context


def bundle_id(extra_pem: str | None) -> str:
    """What tells two bundles apart (for pools kept per bundle)."""
    return _digest(extra_pem or "")
