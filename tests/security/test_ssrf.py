"""SSRF: loopback, private, link-local, metadata and plain-http addresses are refused — in the form, beside
the
field, and again by the transport when a run calls them; a 302 from a server is never followed."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from pathways import netguard
from pathways.engine.connect import guard_destination
from pathways.sap.errors import SapError
from pathways.sap.http import RetryPolicy, SapHttp

UNSAFE_URLS = [
    "https://127.0.0.1/",
    "https://127.8.9.10:8443/api",
    "https://localhost/",
    "https://api.localhost/",
    "https://[::1]/",
    "https://10.0.0.5/",
    "https://172.16.3.4/",
    "https://192.168.1.1/",
    "https://[fd12:3456::1]/",
    "https://169.254.10.10/",
    "https://[fe80::1]/",
    "https://169.254.169.254/latest/meta-data/",
    "https://[fd00:ec2::254]/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://0.0.0.0/",
    "http://api.cf.eu10.hana.ondemand.com/",
    "ftp://api.cf.eu10.hana.ondemand.com/",
    "https://user:secret@api.cf.eu10.hana.ondemand.com/",
]


@pytest.mark.parametrize("url", UNSAFE_URLS)
def test_the_guard_refuses_addresses_that_point_inwards_or_are_not_https(url, settings):
    settings.AUTHWIZARD_ALLOWED_HOSTS = []
    with pytest.raises(netguard.UnsafeURL):
        netguard.check_url(url)
    with pytest.raises(SapError) as refused:
        guard_destination(url)
    assert refused.value.code == "unsafe_url"


def test_a_public_sap_address_passes_the_guard(settings):
    settings.AUTHWIZARD_ALLOWED_HOSTS = []
    assert netguard.check_url("https://155.56.1.1/v3") == "https://155.56.1.1/v3"


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["runtime_url", "cf_api_url", "cf_uaa_url"])
@pytest.mark.parametrize(
    "url", ["https://127.0.0.1", "https://169.254.169.254", "http://example.com", "https://10.1.2.3"]
)
def test_the_landscape_form_shows_the_refusal_beside_the_field(as_user, settings, field, url):
    settings.AUTHWIZARD_ALLOWED_HOSTS = []
    data = {"name": "SSRF probe", "tier": "dev", "expiry_threshold_days": "30", field: url}
    response = as_user("consultant").post(reverse("landscape_new"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any(
        "https" in message or "address" in message or "points at" in message for message in errors[field]
    )


@pytest.mark.django_db
def test_a_service_key_whose_token_url_points_at_metadata_is_refused(as_user, settings):
    import json

    settings.AUTHWIZARD_ALLOWED_HOSTS = []
    key = {
        "oauth": {
            "clientid": "sb-x!b1|it!b2",
            "clientsecret": "s" * 40,
            "url": "https://x.it-cpi001.cfapps.eu10.hana.ondemand.com",
            "tokenurl": "https://169.254.169.254/oauth/token",
        }
    }
    response = as_user("consultant").post(
        reverse("landscape_new"),
        {
            "name": "SSRF key",
            "tier": "dev",
            "expiry_threshold_days": "30",
            "cpi_service_key": json.dumps(key),
        },
    )
    assert response.status_code == 200
    assert "cpi_service_key" in response.context["form"].errors
    assert "s" * 40 not in response.content.decode()


class _Counting(BaseHTTPRequestHandler):
    hits: list[str] = []
    location = ""

    def do_GET(self):  # noqa: N802 - the http.server API
        type(self).hits.append(self.path)
        if self.location:
            self.send_response(302)
            self.send_header("Location", self.location)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def servers():
    """A redirecting server and the server it points to, both on 127.0.0.1, counting their requests."""
    target_handler = type("Target", (_Counting,), {"hits": [], "location": ""})
    target = ThreadingHTTPServer(("127.0.0.1", 0), target_handler)
    redirect_handler = type(
        "Redirect",
        (_Counting,),
        {"hits": [], "location": f"http://127.0.0.1:{target.server_port}/latest/meta-data/"},
    )
    redirect = ThreadingHTTPServer(("127.0.0.1", 0), redirect_handler)
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (target, redirect)]
    for thread in threads:
        thread.start()
    yield redirect, redirect_handler, target_handler
    for server in (target, redirect):
        server.shutdown()
        server.server_close()


def test_the_transport_returns_a_302_instead_of_following_it(servers):
    redirect, redirect_handler, target_handler = servers
    with SapHttp(retry=RetryPolicy(tries=1)) as http:
        response = http.request("GET", f"http://127.0.0.1:{redirect.server_port}/v3/info")
    assert response.status_code == 302
    assert redirect_handler.hits == ["/v3/info"]
    assert target_handler.hits == [], "the redirect was followed"


def test_the_guarded_transport_never_connects_to_loopback(servers, settings):
    settings.AUTHWIZARD_ALLOWED_HOSTS = []
    redirect, redirect_handler, _ = servers
    with SapHttp(url_guard=guard_destination) as http, pytest.raises(SapError) as refused:
        http.request("GET", f"https://127.0.0.1:{redirect.server_port}/v3/info")
    assert refused.value.code == "unsafe_url"
    assert redirect_handler.hits == []
