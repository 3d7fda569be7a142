"""Pure tests of the CPI OData helpers: hex aliases, /Date(ms)/ values, entity keys, error bodies, PEM/DER."""

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from pathways.sap.errors import SapError
from pathways.sap.odata import (
    alias_from_hex,
    check_name,
    der_or_pem_to_pem,
    entity_key,
    format_odata_date,
    hex_alias,
    is_reserved_alias,
    odata_error,
    odata_error_parts,
    parse_odata_date,
    same_hex_alias,
)


def make_response(status: int, body: bytes, content_type: str = "application/json") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers["Content-Type"] = content_type
    return response


def test_hex_alias_matches_the_sap_test_vectors():
    assert hex_alias("my alias").upper() == "6D7920616C696173"
    assert hex_alias("smtp.mail.yahoo.com") == "736d74702e6d61696c2e7961686f6f2e636f6d"


def test_hex_aliases_compare_case_insensitively():
    assert same_hex_alias("6D7920616C696173", "6d7920616c696173")
    assert not same_hex_alias("6D79", "6D7A")


@given(st.text(min_size=1, max_size=50))
def test_hex_alias_round_trips_any_text(alias):
    encoded = hex_alias(alias)
    assert len(encoded) % 2 == 0
    assert alias_from_hex(encoded) == alias
    assert alias_from_hex(encoded.upper()) == alias


def test_odata_date_parses_epoch_milliseconds_to_utc():
    assert parse_odata_date("/Date(1516201800879)/") == datetime(2018, 1, 17, 15, 10, 0, 879000, tzinfo=UTC)


def test_odata_date_with_offset_suffix_is_read_and_null_stays_none():
    assert parse_odata_date("/Date(0+0100)/") == datetime(1970, 1, 1, tzinfo=UTC)
    assert parse_odata_date(None) is None


def test_odata_date_refuses_other_text():
    with pytest.raises(SapError, match="unreadable date"):
        parse_odata_date("2018-01-17")


def test_odata_date_formats_aware_and_naive_datetimes_as_epoch_milliseconds():
    assert format_odata_date(datetime(2018, 1, 17, 15, 10, 0, 879000, tzinfo=UTC)) == "/Date(1516201800879)/"
    assert format_odata_date(datetime(1970, 1, 1, 1, tzinfo=timezone(timedelta(hours=1)))) == "/Date(0)/"
    assert format_odata_date(datetime(1970, 1, 1, 0, 0, 1)) == "/Date(1000)/"


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1)))
def test_odata_date_round_trips_at_millisecond_precision(moment):
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000, tzinfo=UTC)
    assert parse_odata_date(format_odata_date(moment)) == moment


def test_entity_key_doubles_quotes_and_url_encodes():
    assert entity_key("S4_BASIC") == "('S4_BASIC')"
    assert entity_key("it's a/b") == "('it%27%27s%20a%2Fb')"


def test_names_outside_the_safe_alphabet_are_refused_before_any_call():
    assert check_name("cpi_to_ssc.client-1", label="alias", max_length=250) == "cpi_to_ssc.client-1"
    with pytest.raises(SapError, match="alias 'a b'"):
        check_name("a b", label="alias", max_length=250)
    with pytest.raises(SapError):
        check_name("x" * 151, label="name", max_length=150)


def test_reserved_aliases_are_recognised_in_any_case():
    assert is_reserved_alias("hcicertificate1")
    assert is_reserved_alias("SAP_cloudintegrationcertificate")
    assert not is_reserved_alias("my_sap_alias")


def test_wrapped_odata_error_body_gives_code_and_message():
    body = b'{"error": {"code": "Conflict", "message": {"lang": "en", "value": "Entity already exists."}}}'
    assert odata_error_parts(make_response(409, body)) == ("Conflict", "Entity already exists.")


def test_bare_odata_error_body_with_null_message_is_parsed():
    body = b'{"code": "Forbidden", "message": {"lang": "en", "value": null}}'
    assert odata_error_parts(make_response(403, body)) == ("Forbidden", None)


def test_odata_error_without_json_keeps_the_text_as_remote_message():
    error = odata_error(make_response(503, b"Keystore locked", "text/plain"), what="the keystore entry x")
    assert error.status == 503
    assert error.retryable
    assert error.remote_message == "Keystore locked"


def test_der_download_is_turned_into_pem_and_pem_is_kept():
    der = bytes([0x30, 0x82, 0x01, 0x0A]) + b"\x01" * 266
    pem = der_or_pem_to_pem(der)
    assert pem.startswith("-----BEGIN CERTIFICATE-----\n")
    body = "".join(pem.strip().splitlines()[1:-1])
    assert base64.b64decode(body) == der
    assert der_or_pem_to_pem(pem.encode()) == pem
    assert der_or_pem_to_pem(base64.b64encode(der)) == pem
