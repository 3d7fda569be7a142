"""SSRF guard: remote URLs must be https and must not point into the machine's own or private networks.

Names listed in AUTHWIZARD_ALLOWED_HOSTS (exact, or `*.suffix`) are let through, e.g. the local sandbox.
Names under `.localhost` are loopback by definition (RFC 6761) and are never looked up.
"""

import fnmatch
import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

METADATA_ADDRESSES = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
METADATA_NAMES = {"metadata.google.internal", "metadata", "instance-data"}


class UnsafeURL(ValueError):
    """The URL may not be called; the message says why, in words for the person who typed it."""


def host_is_allowed(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(fnmatch.fnmatchcase(host, pattern.lower()) for pattern in settings.AUTHWIZARD_ALLOWED_HOSTS)


def _addresses(host: str) -> list[ipaddress._BaseAddress]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    if host == "localhost" or host.endswith(".localhost"):
        return [ipaddress.ip_address("127.0.0.1")]
    try:
        infos = socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []  # not resolvable from here; checked again when the worker connects
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def _why_unsafe(address) -> str | None:
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_loopback:
        return "this machine (loopback)"
    if address.is_multicast or address.is_reserved or address.is_unspecified:
        return "a reserved address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private:
        return "a private network address"
    return None


def check_url(url: str) -> str:
    """Return the URL unchanged when it is safe to call, else raise UnsafeURL with the reason."""
    parts = urlsplit(url.strip())
    if parts.scheme != "https":
        raise UnsafeURL("Use an https:// address; AuthWizard never sends credentials over plain http.")
    host = (parts.hostname or "").lower()
    if not host:
        raise UnsafeURL("This address has no host name.")
    if parts.username or parts.password:
        raise UnsafeURL(
            "Remove the user name and password from the address; credentials go in their own fields."
        )
    if host_is_allowed(host):
        return url.strip()
    if host in METADATA_NAMES:
        raise UnsafeURL(f"{host} is a cloud metadata service, not an SAP system.")
    for address in _addresses(host):
        reason = _why_unsafe(address)
        if reason:
            raise UnsafeURL(f"{host} points at {reason} ({address}); only public SAP hosts may be called.")
    return url.strip()


def is_safe(url: str) -> bool:
    try:
        check_url(url)
    except UnsafeURL:
        return False
    return True
