"""A corpus of hostile and malformed input through the pages a consultant uses: the landscape form (URLs,
hosts, service-key JSON, CA bundles) and the wizard's fields (names, numbers, certificates, PEM/DER/PKCS#12
files). Every case is answered without a server error, beside its field, and nothing connects to a refused
address: a TCP listener on 127.0.0.1 counts connections, and every inward URL in the corpus points at it.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pathways.models import Landscape


class _Listener:
    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.accepted += 1
            connection.close()


LISTENER = _Listener()
PORT = LISTENER.port

INWARD_HOSTS = [
    f"127.0.0.1:{PORT}",
    f"localhost.:{PORT}",
    f"LOCALHOST:{PORT}",
    f"127.1:{PORT}",
    f"0x7f000001:{PORT}",
    f"2130706433:{PORT}",
    f"0177.0.0.1:{PORT}",
    f"[::ffff:127.0.0.1]:{PORT}",
    f"[::1]:{PORT}",
    f"evil.sandbox.localhost:{PORT}",
    "100.64.0.1",
    "169.254.169.254",
    "10.0.0.1",
    "192.168.1.1",
    "172.16.0.1",
    "0.0.0.0",
    "198.18.0.1",
    "[fd00:ec2::254]",
    "[fe80::1]",
    "metadata.google.internal",
]
URL_FIELDS = ["runtime_url", "cf_api_url", "cf_uaa_url"]
MALFORMED_URLS = [
    "http://api.cf.eu10.hana.ondemand.com",
    "ftp://api.cf.eu10.hana.ondemand.com",
    "https://user:pw@api.cf.eu10.hana.ondemand.com",
    "https://api.cf.eu10.hana.ondemand.com:99999",
    "https://",
    "javascript:alert(1)",
    "https://[::1",
    "https://exa mple.com",
    "a" * 3000,
    "https://\u0000.example.com",
]
HOST_VALUES = [
    *INWARD_HOSTS,
    "https://my.s4.example.com",
    "my.s4.example.com/path",
    "user@my.s4.example.com",
    "<script>x</script>",
    "x" * 300,
]


def _key(tokenurl: str, url: str = "https://x.it-cpi001.cfapps.eu10.hana.ondemand.com") -> str:
    return json.dumps(
        {"oauth": {"clientid": "sb-x!b1|it!b2", "clientsecret": "s" * 40, "url": url, "tokenurl": tokenurl}}
    )


SERVICE_KEYS = [
    *[_key(f"https://{host}/oauth/token") for host in INWARD_HOSTS],
    _key("https://a.authentication.eu10.hana.ondemand.com/oauth/token", url=f"https://127.0.0.1:{PORT}"),
    "[]",
    '"just a string"',
    "{",
    "null",
    json.dumps({"oauth": {"clientid": ["not", "a", "string"]}}),
    json.dumps({"oauth": "nested string"}),
    json.dumps({"clientid": "c" * 5000, "clientsecret": "s"}),
    "{" * 5000,
]
CA_BUNDLES = [
    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n",
    "-----BEGIN CERTIFICATE-----\n" + "A" * 200_000 + "\n-----END CERTIFICATE-----\n",
    "\x00\x01\x02",
    "-----BEGIN CERTIFICATE-----\n" * 500,
]

LANDSCAPE_CASES = (
    [(field, f"https://{host}/x") for field in URL_FIELDS for host in INWARD_HOSTS]
    + [(field, url) for field in URL_FIELDS[:1] for url in MALFORMED_URLS]
    + [(field, value) for field in ("s4_host", "ssc_host") for value in HOST_VALUES]
    + [("cpi_service_key", value) for value in SERVICE_KEYS]
    + [("sm_service_key", value) for value in SERVICE_KEYS[:6]]
    + [("ca_bundle", value) for value in CA_BUNDLES]
    + [("expiry_threshold_days", value) for value in ("-1", "0", "abc", "1e9", "99999999999")]
    + [("endpoint_path", value) for value in ("../../etc/passwd", "/http/../x", "http://x/y", "/" * 400)]
    + [("name", value) for value in ("", "<b>x</b>" * 20, "\u202etxt", "x" * 200)]
    + [
        ("integration_packages", value)
        for value in ("../x", "<script>x</script>", "a b", "Pkg,/etc/passwd", "x" * 600, "A," * 300)
    ]
)

WIZARD_TEXT_CASES = (
    [
        ("s4_to_cpi", "instance_name", value)
        for value in ("", "a" * 40, "bad name!", "../x", "<img src=x>", "\u0000")
    ]
    + [
        ("s4_to_cpi", "token_validity", value)
        for value in ("-1", "0", "3599", "86401", "1e3", "NaN", "9" * 40)
    ]
    + [("s4_to_cpi", "roles", value) for value in (",,,", "role one", "ESBMessaging.send; DROP TABLE")]
    + [("cpi_to_s4", "credential_name", value) for value in ("", "x" * 200, "name with space", "<>")]
    + [("cpi_to_ssc", "alias", value) for value in ("", "a b", "a/b", "x" * 300)]
    + [("cpi_to_ssc", "country", value) for value in ("D", "DEU", "12", "ü")]
)

CERTIFICATE_FILES = [
    b"",
    b"not a certificate",
    b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    b"\x30\x82\xff\xff" + b"\x00" * 64,
    b"\x30\x80" * 2000,
    b"\x30\x84\xff\xff\xff\xff",
    bytes(range(256)) * 4,
    b"-----BEGIN PKCS7-----\nMIIB\n-----END PKCS7-----\n",
    b"-----BEGIN CERTIFICATE-----\n" * 300,
    b"\x30\x03\x02\x01\x03",
]
PKCS12_DAMAGED = "This PKCS#12 file is damaged and cannot be read; export it again."
NOT_A_CERTIFICATE_FILE = (
    "This is not a certificate file; upload PEM (-----BEGIN CERTIFICATE-----), DER (.cer/.crt), "
    "PKCS#7 (.p7b) or PKCS#12 (.p12/.pfx)."
)
PKCS12_FILES = [
    b"\x30\x03\x02\x01\x03",
    b"\x30\x80\x02\x01\x03\x30\x80" * 100,
    b"\x30\x82\x00\x10\x02\x01\x03" + b"\x00" * 13,
    base64.b64encode(b"\x30\x03\x02\x01\x03"),
    b"PK\x03\x04 not a pkcs12",
]


@pytest.fixture
def consultant_client(as_user):
    return as_user("consultant")


def case_id(value: object) -> str:
    """Test ids without the listener's port, which differs between pytest-xdist workers."""
    return str(value).replace(f":{PORT}", ":PORT")[:80]


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), LANDSCAPE_CASES, ids=case_id)
def test_the_landscape_form_answers_every_bad_value_beside_its_field(
    consultant_client, settings, field, value
):
    settings.AUTHWIZARD_ALLOWED_HOSTS = ["sandbox.localhost:8443", "*.sandbox.localhost:8443"]
    before = LISTENER.accepted
    data = {"name": "Corpus", "tier": "dev", "expiry_threshold_days": "30", field: value}
    response = consultant_client.post(reverse("landscape_new"), data)
    assert response.status_code == 200, f"{field}={value[:60]!r} answered {response.status_code}"
    assert field in response.context["form"].errors, f"{field}={value[:60]!r} was accepted"
    assert not Landscape.objects.filter(name="Corpus").exists()
    assert "s" * 40 not in response.content.decode()
    assert LISTENER.accepted == before


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "name", "value"), WIZARD_TEXT_CASES, ids=case_id)
def test_wizard_fields_answer_bad_values_beside_the_field(consultant_client, landscape, key, name, value):
    pathway = landscape.pathways.get(key=key)
    if key != "s4_to_cpi":
        pathway.method = "basic" if name == "credential_name" else "certificate"
        pathway.save()
    response = consultant_client.post(
        reverse("wizard_field", args=[landscape.code, key, name]),
        {"version": str(pathway.version), name: value},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode() or 'role="alert"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("data", CERTIFICATE_FILES, ids=range(len(CERTIFICATE_FILES)))
def test_certificate_uploads_answer_damaged_files_beside_the_field(consultant_client, landscape, data):
    pathway = landscape.pathways.get(key="ssc_to_cpi")
    pathway.method = "certificate"
    pathway.save()
    response = consultant_client.post(
        reverse("wizard_field", args=[landscape.code, "ssc_to_cpi", "external_certificate"]),
        {"version": str(pathway.version), "external_certificate": SimpleUploadedFile("c.pem", data)},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode() or 'class="error"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("data", PKCS12_FILES, ids=range(len(PKCS12_FILES)))
def test_pkcs12_uploads_answer_damaged_files_without_a_server_error(consultant_client, landscape, data):
    pathway = landscape.pathways.get(key="cpi_to_ssc")
    pathway.method = "certificate"
    pathway.draft = {"key_source": "import"}
    pathway.save()
    response = consultant_client.post(
        reverse("wizard_field", args=[landscape.code, "cpi_to_ssc", "pkcs12"]),
        {"version": str(pathway.version), "pkcs12": SimpleUploadedFile("k.p12", data)},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    # Kept (nothing typed is lost) but explained beside the field at once, before any passphrase is asked.
    message = re.search(r'<p class="error">([^<]+)</p>', html)
    assert message, html
    assert message.group(1) in (PKCS12_DAMAGED, NOT_A_CERTIFICATE_FILE)
    page = consultant_client.get(reverse("wizard_step", args=[landscape.code, "cpi_to_ssc", "key_pair"]))
    assert page.status_code == 200


def test_the_corpus_has_at_least_a_hundred_cases():
    total = len(LANDSCAPE_CASES) + len(WIZARD_TEXT_CASES) + len(CERTIFICATE_FILES) + len(PKCS12_FILES)
    assert total >= 100
