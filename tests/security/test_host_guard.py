"""One host normalisation, one decision, one connection: the SSRF guard refuses every address that is not
global in any spelling, and the transport connects only to an address the guard approved when connecting.

A local TCP listener on 127.0.0.1 counts connections: a refused address must never reach it.
"""

from __future__ import annotations

import socket
import threading

import pytest

from pathways import netguard
from pathways.engine.connect import Connection, guard_destination, guarded_addresses
from pathways.sap.errors import SapError
from pathways.sap.http import RetryPolicy, SapHttp

NOT_GLOBAL = [
    "localhost.",
    "LOCALHOST",
    "LocalHost.",
    "api.sandbox.localhost.",
    "127.1",
    "127.0.1",
    "0x7f.1",
    "0x7f000001",
    "2130706433",
    "0177.0.0.1",
    "017700000001",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::ffff:169.254.169.254]",
    "[::1]",
    "[::]",
    "0.0.0.0",
    "0",
    "100.64.0.1",
    "100.127.255.254",
    "198.18.0.1",
    "192.0.2.10",
    "203.0.113.5",
    "240.0.0.1",
    "255.255.255.255",
    "10.0.0.1",
    "169.254.169.254",
    "[fd00:ec2::254]",
    "[fe80::1]",
    "[2001:db8::1]",
]


@pytest.mark.parametrize("host", NOT_GLOBAL)
def test_every_spelling_of_an_address_that_is_not_global_is_refused(host, settings):
    settings.AUTHWIZARD_ALLOWED_HOSTS = []
    with pytest.raises(netguard.UnsafeURL):
        netguard.check_url(f"https://{host}/oauth/token")
    with pytest.raises(netguard.UnsafeURL):
        netguard.check_url(f"https://{host}:9100/oauth/token", lookup=False)


@pytest.mark.parametrize(
    "typed, normal",
    [("API.Example.COM.", "api.example.com"), ("bücher.example", "xn--bcher-kva.example"), ("[::1]", "::1")],
)
def test_host_names_have_one_spelling(typed, normal):
    assert netguard.normalize_host(typed) == normal


def test_carrier_grade_nat_is_named_as_not_public(settings):
    settings.AUTHWIZARD_ALLOWED_HOSTS = []
    with pytest.raises(netguard.UnsafeURL, match="not public"):
        netguard.check_url("https://100.64.0.1/")


def test_a_public_address_and_an_unresolvable_name_pass_the_form_check(settings):
    settings.AUTHWIZARD_ALLOWED_HOSTS = []
    assert netguard.check_url("https://155.56.1.1/v3") == "https://155.56.1.1/v3"
    # No DNS here: the form lets the name through; the connection refuses it (below).
    assert netguard.check_url("https://api.cf.eu10.hana.ondemand.com")


def test_a_name_that_does_not_resolve_is_refused_when_connecting(settings):
    settings.AUTHWIZARD_ALLOWED_HOSTS = []
    with pytest.raises(SapError) as refused:
        guarded_addresses("no-such-host.invalid", 443)
    assert refused.value.code == "unsafe_url"
    assert "does not resolve" in refused.value.message


def test_allow_list_entries_may_name_a_port(settings):
    settings.AUTHWIZARD_ALLOWED_HOSTS = ["sandbox.localhost:8443", "*.sandbox.localhost:8443"]
    assert netguard.is_safe("https://api.cf.sandbox.localhost:8443/v3")
    assert netguard.is_safe("https://SANDBOX.localhost.:8443/")
    assert not netguard.is_safe("https://evil.sandbox.localhost:9100/")
    assert not netguard.is_safe("https://sandbox.localhost/")
    settings.AUTHWIZARD_ALLOWED_HOSTS = ["*.sandbox.localhost"]
    assert netguard.is_safe("https://evil.sandbox.localhost:9100/")


@pytest.mark.parametrize("value", ["127.0.0.1:9100", "169.254.169.254", "10.0.0.1", "0.0.0.0", "localhost."])
def test_bare_host_fields_are_held_to_the_same_rule(value, settings):
    settings.AUTHWIZARD_ALLOWED_HOSTS = []
    with pytest.raises(netguard.UnsafeURL):
        netguard.check_host(value)
    assert netguard.check_host("my-s4.example.com:443") == "my-s4.example.com:443"


class Listener:
    """A TCP listener on 127.0.0.1 that counts accepted connections."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.accepted = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.accepted += 1
            connection.close()

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def _transport() -> SapHttp:
    return SapHttp(
        url_guard=guard_destination,
        resolver=guarded_addresses,
        retry=RetryPolicy(base=0, tries=1, sleep=lambda s: None),
    )


@pytest.mark.parametrize("host", ["localhost.", "127.1", "0x7f000001", "[::ffff:127.0.0.1]", "LOCALHOST"])
def test_the_transport_never_connects_to_a_refused_address(host, listener, settings):
    settings.AUTHWIZARD_ALLOWED_HOSTS = []
    with _transport() as http, pytest.raises(SapError) as refused:
        http.request("GET", f"https://{host}:{listener.port}/oauth/token")
    assert refused.value.code == "unsafe_url"
    assert listener.accepted == 0


def test_a_second_dns_answer_cannot_switch_the_connection(settings, monkeypatch):
    """A rebinding resolver answers a public address first and loopback after: the name is looked up once,
    when connecting, and the connection goes to the address that was approved."""
    settings.AUTHWIZARD_ALLOWED_HOSTS = []
    answers = iter(["155.56.1.1", "127.0.0.1", "127.0.0.1"])
    looked_up = []

    def rebinding(host, port, *args, **kwargs):
        looked_up.append(next(answers))
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (looked_up[-1], port))]

    monkeypatch.setattr(netguard.socket, "getaddrinfo", rebinding)
    connected = []

    def refuse(address, *args, **kwargs):
        connected.append(address[0])
        raise OSError("no route in the test")

    monkeypatch.setattr("urllib3.util.connection.create_connection", refuse)
    with _transport() as http, pytest.raises(SapError) as failed:
        http.request("GET", "https://api.example.com/", retry=False)
    assert connected == ["155.56.1.1"]
    assert looked_up == ["155.56.1.1"]
    assert failed.value.code == "connection failed"


@pytest.mark.django_db
def test_a_landscape_connection_pins_its_addresses(settings):
    from tests.factories import LandscapeFactory

    settings.AUTHWIZARD_ALLOWED_HOSTS = []
    with Connection(LandscapeFactory()) as connection:
        assert connection.http.resolver is guarded_addresses


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["127.0.0.1:9100", "169.254.169.254", "10.0.0.1", "0.0.0.0"])
@pytest.mark.parametrize("field", ["s4_host", "ssc_host"])
def test_the_landscape_form_refuses_inward_system_hosts_beside_the_field(as_user, settings, field, value):
    from django.urls import reverse

    settings.AUTHWIZARD_ALLOWED_HOSTS = []
    data = {"name": "Host probe", "tier": "dev", "expiry_threshold_days": "30", field: value}
    response = as_user("consultant").post(reverse("landscape_new"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "points at" in " ".join(errors[field])
    assert f'value="{value}"' in response.content.decode()


def test_an_allow_listed_system_host_without_a_port_is_accepted(settings):
    settings.AUTHWIZARD_ALLOWED_HOSTS = ["*.sandbox.localhost:8443"]
    assert netguard.check_host("s4.sandbox.localhost") == "s4.sandbox.localhost"
    assert netguard.check_host("s4.sandbox.localhost:8443") == "s4.sandbox.localhost:8443"
    with pytest.raises(netguard.UnsafeURL):
        netguard.check_host("s4.sandbox.localhost:9100")
