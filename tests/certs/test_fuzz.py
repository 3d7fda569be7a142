"""Property-based fuzzing: the upload readers answer any bytes with a result or a CertificateError only."""

import base64

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways.certs import (
    CertificateError,
    ParsedCertificates,
    export_pkcs12,
    load_private_key,
    parse_certificates,
)

from .factory import make_leaf, make_root, rsa_key

FUZZ_SETTINGS = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def _samples():
    key = rsa_key(2048)
    root = make_root(key, "Fuzz Root")
    leaf = make_leaf(key, root, key, "fuzz.example.com")
    p12 = export_pkcs12(key, [leaf, root], "fuzz-passphrase")
    return leaf.pem + root.pem, leaf.der, base64.b64encode(leaf.der), p12


CHAIN_PEM, LEAF_DER, LEAF_BASE64, PKCS12 = _samples()


def _parse_or_refuse(data, passphrase=None):
    try:
        result = parse_certificates(data, passphrase)
    except CertificateError as refused:
        assert refused.message and isinstance(refused.message, str)
        return None
    assert isinstance(result, ParsedCertificates) and result.chain
    return result


@st.composite
def mutated(draw, original: bytes):
    data = bytearray(original)
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        action = draw(st.sampled_from(["flip", "delete", "insert", "truncate"]))
        position = draw(st.integers(min_value=0, max_value=max(len(data) - 1, 0)))
        if action == "flip" and data:
            data[position] ^= draw(st.integers(min_value=1, max_value=255))
        elif action == "delete" and data:
            del data[position : position + draw(st.integers(min_value=1, max_value=40))]
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=20))
        else:
            data = data[: position + 1]
    return bytes(data)


@FUZZ_SETTINGS
@given(st.binary(max_size=2048))
def test_any_bytes_give_a_result_or_a_certificate_error(data):
    _parse_or_refuse(data)


@FUZZ_SETTINGS
@given(st.text(max_size=1024))
def test_any_text_gives_a_result_or_a_certificate_error(text):
    _parse_or_refuse(text)


@FUZZ_SETTINGS
@given(mutated(CHAIN_PEM))
def test_mutated_pem_chain_gives_a_result_or_a_certificate_error(data):
    _parse_or_refuse(data)


@FUZZ_SETTINGS
@given(mutated(LEAF_DER))
def test_mutated_der_gives_a_result_or_a_certificate_error(data):
    _parse_or_refuse(data, "some passphrase")


@FUZZ_SETTINGS
@given(mutated(LEAF_BASE64))
def test_mutated_base64_gives_a_result_or_a_certificate_error(data):
    _parse_or_refuse(data)


@settings(max_examples=25, deadline=None, database=None)
@given(mutated(PKCS12))
def test_mutated_pkcs12_gives_a_result_or_a_certificate_error(data):
    _parse_or_refuse(data, "fuzz-passphrase")


@FUZZ_SETTINGS
@given(st.one_of(st.binary(max_size=1024), mutated(CHAIN_PEM)))
def test_private_key_reader_gives_a_key_or_a_certificate_error(data):
    try:
        load_private_key(data)
    except CertificateError:
        pass


def test_unmutated_samples_are_read():
    assert _parse_or_refuse(CHAIN_PEM) is not None
    assert _parse_or_refuse(LEAF_DER) is not None
    assert _parse_or_refuse(LEAF_BASE64) is not None
    assert _parse_or_refuse(PKCS12, "fuzz-passphrase") is not None
