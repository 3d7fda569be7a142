"""Pure tests of service key parsing: wrappers, nesting, escapes, missing fields, mTLS URL (D-03, D-04)."""

import json
from datetime import UTC, datetime

import pytest

from pathways.sap.errors import SapError
from pathways.sap.keys import (
    KIND_CERTIFICATE,
    KIND_EXTERNAL_CERTIFICATE,
    KIND_SECRET,
    mtls_token_url,
    parse_service_key,
    unescape_pem,
)

SECRET = "s3cr3t-Very-Long-Secret-Value-0123456789"
OAUTH = {
    "clientid": "sb-1234!b5|it!b6",
    "clientsecret": SECRET,
    "tokenurl": "https://sub.authentication.eu10.hana.ondemand.com/oauth/token",
    "url": "https://sub.it-cpi001.cfapps.eu10.hana.ondemand.com/",
}
CERT_ESCAPED = "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n"
KEY_ESCAPED = "-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n"


def test_nested_oauth_key_inside_credentials_wrapper_is_parsed():
    key = parse_service_key(json.dumps({"credentials": {"oauth": OAUTH}}))
    assert key.clientid == "sb-1234!b5|it!b6"
    assert key.clientsecret == SECRET
    assert key.url == "https://sub.it-cpi001.cfapps.eu10.hana.ondemand.com"
    assert key.kind == KIND_SECRET


def test_flat_key_and_cockpit_json_with_extra_fields_are_accepted():
    assert parse_service_key(OAUTH).tokenurl == OAUTH["tokenurl"]
    cockpit = {"name": "k1", "credentials": {"credentials": OAUTH, "other": 1}}
    assert parse_service_key(cockpit).clientsecret == SECRET


def test_secrets_and_key_material_never_appear_in_repr():
    key = parse_service_key({"oauth": {**OAUTH, "certificate": CERT_ESCAPED, "key": KEY_ESCAPED}})
    text = repr(key)
    assert SECRET not in text
    assert "PRIVATE KEY" not in text
    assert "sb-1234" in text


def test_missing_field_is_named_in_the_error():
    broken = {k: v for k, v in OAUTH.items() if k != "tokenurl"}
    with pytest.raises(SapError, match="no 'tokenurl' field"):
        parse_service_key({"oauth": broken})


def test_key_without_secret_or_private_key_is_refused_for_api_use():
    without_secret = {k: v for k, v in OAUTH.items() if k != "clientsecret"}
    with pytest.raises(SapError, match="no 'clientsecret' field"):
        parse_service_key(without_secret)
    with pytest.raises(SapError, match="no 'key' field"):
        parse_service_key({**without_secret, "certificate": CERT_ESCAPED})


def test_external_certificate_key_parses_when_authentication_is_not_required():
    without_secret = {k: v for k, v in OAUTH.items() if k != "clientsecret"}
    key = parse_service_key({**without_secret, "certificate": CERT_ESCAPED}, require_authentication=False)
    assert key.kind == KIND_EXTERNAL_CERTIFICATE
    assert not key.can_authenticate


def test_certificate_key_unescapes_pem_and_reads_validuntil():
    raw = {
        "oauth": {
            **{k: v for k, v in OAUTH.items() if k != "clientsecret"},
            "certificate": CERT_ESCAPED,
            "key": KEY_ESCAPED,
            "certificatedetails": {"validuntil": "2023-06-24T12:56:52.000Z", "subjectdn": "CN=x"},
        }
    }
    key = parse_service_key(raw)
    assert key.kind == KIND_CERTIFICATE
    assert key.certificate == "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    assert key.key.startswith("-----BEGIN PRIVATE KEY-----\nMIIE\n")
    assert key.valid_until == datetime(2023, 6, 24, 12, 56, 52, tzinfo=UTC)
    assert key.subject_dn == "CN=x"


def test_pem_with_real_newlines_is_left_as_is():
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    assert unescape_pem(pem) == pem


def test_invalid_json_is_a_clear_error():
    with pytest.raises(SapError, match="not valid JSON"):
        parse_service_key("{clientid: x")
    with pytest.raises(SapError, match="JSON object"):
        parse_service_key("[1, 2]")


def test_mtls_token_url_inserts_cert_after_authentication():
    assert (
        mtls_token_url("https://sub.authentication.eu10.hana.ondemand.com/oauth/token")
        == "https://sub.authentication.cert.eu10.hana.ondemand.com/oauth/token"
    )
    assert (
        mtls_token_url("https://sub.authentication.sandbox.localhost:8443/oauth/token")
        == "https://sub.authentication.cert.sandbox.localhost:8443/oauth/token"
    )


def test_mtls_token_url_is_unchanged_when_already_cert_and_certurl_wins():
    already = "https://sub.authentication.cert.eu10.hana.ondemand.com/oauth/token"
    assert mtls_token_url(already) == already
    assert mtls_token_url(already, "https://other.example/") == "https://other.example/oauth/token"
