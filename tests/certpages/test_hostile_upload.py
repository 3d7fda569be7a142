"""A hostile PKCS#12 stored through the wizard's upload field: the sentence shows beside the field and the
file is never decrypted (its structure refused it first)."""

from __future__ import annotations

import html

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from pathways import certs
from tests.certs.test_hostile_pkcs12 import _with_mac_rounds

from .test_field_checks import store_pkcs12


def test_a_pkcs12_without_mac_is_explained_beside_the_field(client, landscape, ca, monkeypatch):
    key = serialization.load_pem_private_key(ca.leaf_key.pem, None)
    data = pkcs12.serialize_key_and_certificates(
        b"cpi",
        key,
        certs.certificate_object(ca.leaf()),
        None,
        serialization.BestAvailableEncryption(b"p-1234"),
    )
    store_pkcs12(landscape.pathways.get(key="cpi_to_ssc"), _with_mac_rounds(data, None), "p-1234")

    def refuse(*args, **kwargs):
        raise AssertionError("decrypted")

    monkeypatch.setattr("pathways.certs.parse.pkcs12.load_pkcs12", refuse)
    response = client.get(f"/l/{landscape.code}/p/cpi_to_ssc/step/key_pair/")
    assert response.status_code == 200
    assert "has no integrity check (MAC)" in html.unescape(response.content.decode())
