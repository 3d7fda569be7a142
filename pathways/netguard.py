"""SSRF guard: remote URLs must be https and reach only public addresses, decided once per connection.

One normalisation (`normalize_host`: lower case, one trailing dot stripped, IDNA), one decision
(`approve`: every address a name resolves to must be global — `ipaddress`' `is_global`, which leaves out
loopback, private, link-local, carrier-grade NAT, benchmarking, reserved and unspecified ranges, also in
IPv4-mapped or legacy numeric forms such as `127.1` or `0x7f000001`), one connection: the transport connects
to an address `approve` returned, so a second DNS answer cannot switch it (TLS still checks the host name).

Entries of AUTHWIZARD_ALLOWED_HOSTS (`host`, `*.suffix`, each optionally `:port`) may point inwards, e.g.
the local sandbox; names under `.localhost` are loopback by definition (RFC 6761) and are never looked up.
A form checks addresses as they are typed (`check_url`); a name that does not resolve from here is let
through there and refused when a run connects (`approve(..., must_resolve=True)`).
"""

from __future__ import annotations

import fnmatch
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_ADDRESSES = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
METADATA_NAMES = {"metadata.google.internal", "metadata", "instance-data"}
LOOPBACK = ipaddress.ip_address("127.0.0.1")


class UnsafeURL(ValueError):
    """The URL may not be called; the message says why, in words for the person who typed it."""


@dataclass(frozen=True)
class Destination:
    """A host the guard approved, with the addresses a connection to it may use."""

    host: str
    port: int
    addresses: tuple[Address, ...]


def normalize_host(host: str) -> str:
    """The one spelling of a host name: lower case, one trailing dot stripped, IDNA (xn--) form."""
    name = (host or "").strip().strip("[]").lower()
    if name.endswith("."):
        name = name[:-1]
    if not name:
        raise UnsafeURL(_("This address has no host name."))
    if ":" in name:  # an IPv6 literal
        return name
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise UnsafeURL(_("%(host)s is not a valid host name.") % {"host": host}) from error


def literal_address(host: str) -> Address | None:
    """The address a numeric host stands for, in any form a resolver accepts (`127.1`, `0x7f.1`,
    `2130706433`, `0177.0.0.1`, `::ffff:127.0.0.1`); None for a name."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None and host and all(c in "0123456789abcdefx." for c in host) and host[0].isdigit():
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _allow_list_entry_matches(entry: str, host: str, port: int | None) -> bool:
    pattern, _, wanted_port = entry.strip().lower().rpartition(":")
    if not pattern or not wanted_port.isdigit():
        pattern, wanted_port = entry.strip().lower(), ""
    if wanted_port and port is not None and int(wanted_port) != port:
        return False
    return fnmatch.fnmatchcase(host, normalize_host(pattern) if "*" not in pattern else pattern.rstrip("."))


def host_is_allowed(host: str, port: int | None = 443) -> bool:
    """Whether AUTHWIZARD_ALLOWED_HOSTS lets this host (and port; None: any port) point inwards."""
    name = normalize_host(host)
    return any(_allow_list_entry_matches(entry, name, port) for entry in settings.AUTHWIZARD_ALLOWED_HOSTS)


def _is_localhost(name: str) -> bool:
    return name == "localhost" or name.endswith(".localhost")


def resolve(host: str, port: int, *, lookup: bool = True) -> tuple[Address, ...]:
    """Every address the name resolves to now (loopback for `.localhost` names); () when it does not, or
    when `lookup` is False and only DNS could tell."""
    literal = literal_address(host)
    if literal is not None:
        return (literal,)
    if _is_localhost(host):
        return (LOOPBACK,)
    if not lookup:
        return ()
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        return ()
    found: list[Address] = []
    for info in infos:
        address = literal_address(str(info[4][0]).split("%")[0])
        if address is not None and address not in found:
            found.append(address)
    return tuple(found)


def why_unsafe(address: Address) -> str | None:
    """Why a connection to this address is refused, in words; None for a public address."""
    if address in METADATA_ADDRESSES:
        return _("a cloud metadata address")
    if address.is_loopback:
        return _("this machine (loopback)")
    if address.is_unspecified or address.is_multicast or address.is_reserved:
        return _("a reserved address")
    if address.is_link_local:
        return _("a link-local address")
    if address.is_private:
        return _("a private network address")
    if not address.is_global:
        return _("an address that is not public (shared, benchmarking or documentation range)")
    return None


def _split(url: str) -> tuple[str, int]:
    parts = urlsplit(url.strip())
    if parts.scheme != "https":
        raise UnsafeURL(_("Use an https:// address; AuthWizard never sends credentials over plain http."))
    if parts.username or parts.password:
        raise UnsafeURL(
            _("Remove the user name and password from the address; credentials go in their own fields.")
        )
    try:
        port = parts.port or 443
    except ValueError as error:
        raise UnsafeURL(_("The port of this address is not a number between 1 and 65535.")) from error
    return normalize_host(parts.hostname or ""), port


def approve(host: str, port: int, *, must_resolve: bool = True, lookup: bool = True) -> Destination:
    """The destination with the addresses a connection may use; UnsafeURL when it may not be called.

    `lookup=False` decides what can be decided without DNS (syntax, allow-list, numeric addresses,
    `.localhost`, metadata names) and leaves names to the connection."""
    name = normalize_host(host)
    if host_is_allowed(name, port):
        return Destination(name, port, resolve(name, port, lookup=lookup))
    if name in METADATA_NAMES:
        raise UnsafeURL(_("%(name)s is a cloud metadata service, not an SAP system.") % {"name": name})
    addresses = resolve(name, port, lookup=lookup)
    if not addresses and must_resolve:
        raise UnsafeURL(_("%(name)s does not resolve to an address from here.") % {"name": name})
    for address in addresses:
        reason = why_unsafe(address)
        if reason:
            raise UnsafeURL(
                _("%(name)s points at %(reason)s (%(address)s); only public SAP hosts may be called.")
                % {"name": name, "reason": reason, "address": address}
            )
    return Destination(name, port, addresses)


def check_url(url: str, *, lookup: bool = True) -> str:
    """Return the URL (stripped) when it is safe to call, else raise UnsafeURL with the reason.

    For forms: a name that does not resolve from here passes; the transport refuses it when connecting.
    """
    host, port = _split(url)
    approve(host, port, must_resolve=False, lookup=lookup)
    return url.strip()


def connect_addresses(host: str, port: int) -> list[str]:
    """For the transport: the addresses a connection to host:port may use, decided now; UnsafeURL."""
    return [str(address) for address in approve(host, port, must_resolve=True).addresses]


def check_host(value: str) -> str:
    """A bare host name (`host` or `host:port`) as typed for S/4HANA or SSCv2: public, or allow-listed."""
    text = value.strip()
    if not text:
        return text
    if "/" in text or "@" in text:
        raise UnsafeURL(_("Enter only the host name (and port), without https:// or a path."))
    host, port = _split(f"https://{text}")
    if ":" not in text.strip("[]").rsplit("]", 1)[-1] and host_is_allowed(host, None):
        return text  # an allow-listed name typed without a port: shown on sheets, never called from here
    approve(host, port, must_resolve=False)
    return text


def is_safe(url: str) -> bool:
    try:
        check_url(url)
    except UnsafeURL:
        return False
    return True
