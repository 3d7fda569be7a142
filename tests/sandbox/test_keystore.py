"""CPI keystore (§8.4, §8.5, §10, D-13..D-21): hex aliases, reserved entries, generation, downloads."""

import base64

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from .conftest import pem_of, self_signed

KEYGEN = {
    "Hexalias": "00",
    "Alias": "cpi_to_ssc_client",
    "KeyType": "RSA",
    "KeySize": 2048,
    "SignatureAlgorithm": "SHA-256/RSA",
    "CommonName": "cpi-client.example.com",
    "OrganizationUnit": "Integration",
    "Organization": "Example AG",
    "Locality": "Walldorf",
    "Country": "DE",
    "ValidNotBefore": "/Date(1767225600000)/",
    "ValidNotAfter": "/Date(1798761600000)/",
}


def hexa(alias: str) -> str:
    return alias.encode().hex()


def test_hex_alias_test_vectors_are_answered_in_upper_case(cpi, certs):
    cert, _ = certs.issue("smtp.mail.yahoo.com")
    alias = "smtp.mail.yahoo.com"
    assert hexa(alias) == "736d74702e6d61696c2e7961686f6f2e636f6d"
    response = cpi.call(
        "PUT",
        f"/CertificateResources('{hexa(alias)}')/$value",
        data=pem_of(cert),
        headers={"Content-Type": "application/pkix-cert"},
    )
    assert response.status_code == 204, response.text
    lower = cpi.call("GET", f"/KeystoreEntries('{hexa(alias)}')").json()["d"]
    upper = cpi.call("GET", f"/KeystoreEntries('{hexa(alias).upper()}')?keystoreName=system").json()["d"]
    assert lower["Hexalias"] == upper["Hexalias"] == hexa(alias).upper()
    assert lower["Type"] == "Certificate" and lower["Alias"] == alias and lower["Validity"] is None


def test_generated_key_pair_honours_dn_key_size_algorithm_and_validity(cpi):
    response = cpi.call("POST", "/KeyPairGenerationRequests?returnKeystoreEntries=true", json=KEYGEN)
    assert response.status_code == 200, response.text
    entry = response.json()["d"]["results"][0]
    assert entry["Hexalias"] == "6370695F746F5F7373635F636C69656E74" and entry["Type"] == "Key Pair"
    assert (
        entry["KeyType"] == "RSA"
        and entry["KeySize"] == 2048
        and entry["SignatureAlgorithm"] == "SHA256withRSA"
    )
    assert entry["SubjectDN"] == ("CN=cpi-client.example.com, OU=Integration, O=Example AG, L=Walldorf, C=DE")
    assert entry["SubjectDN"] == entry["IssuerDN"]
    assert (
        entry["ValidNotBefore"] == "/Date(1767225600000)/"
        and entry["ValidNotAfter"] == "/Date(1798761600000)/"
    )
    assert len(entry["FingerprintSha256"].split(":")) == 32 and entry["Owner"] == "Tenant Administrator"


def test_generation_accepts_the_hyphen_less_algorithm_spelling_and_ec(cpi):
    body = {
        **KEYGEN,
        "Alias": "ec_pair",
        "KeyType": "EC",
        "KeySize": 256,
        "SignatureAlgorithm": "SHA256/ECDSA",
    }
    del body["ValidNotBefore"], body["ValidNotAfter"]
    assert cpi.call("POST", "/KeyPairGenerationRequests", json=body).status_code == 204
    entry = cpi.call("GET", f"/KeystoreEntries('{hexa('ec_pair')}')").json()["d"]
    assert entry["KeyType"] == "EC" and entry["EllipticCurve"] == "secp256r1"
    assert entry["SignatureAlgorithm"] == "SHA256withECDSA"


@pytest.mark.parametrize(
    "change", [{"CommonName": ""}, {"Country": "DEU"}, {"SignatureAlgorithm": "MD5/RSA"}]
)
def test_generation_with_bad_fields_is_400(cpi, change):
    response = cpi.call("POST", "/KeyPairGenerationRequests", json={**KEYGEN, **change})
    assert response.status_code == 400 and response.json()["error"]["code"] == "Bad Request"


def test_generation_of_an_existing_alias_is_400_with_sap_text(cpi):
    cpi.call("POST", "/KeyPairGenerationRequests", json=KEYGEN)
    response = cpi.call("POST", "/KeyPairGenerationRequests", json=KEYGEN)
    assert response.status_code == 400
    assert (
        response.json()["error"]["message"]["value"]
        == 'Keystore entry with alias "cpi_to_ssc_client" already exists'
    )


def test_reserved_aliases_are_403(cpi, certs):
    cert, _ = certs.issue()
    for alias in ("hcicertificate", "sap_anything"):
        response = cpi.call("PUT", f"/CertificateResources('{hexa(alias)}')/$value", data=pem_of(cert))
        assert response.status_code == 403 and "X-CSRF-Token" not in response.headers
    delete = cpi.call("DELETE", f"/KeystoreEntries('{hexa('sap_cloudintegrationcertificate')}')")
    assert delete.status_code == 403


def test_odd_length_hex_is_500_with_the_java_text(cpi):
    response = cpi.call("GET", "/KeystoreEntries('ABC')")
    assert response.status_code == 500
    assert response.json()["error"]["message"]["value"] == "hexBinary needs to be even-length: ABC"


def test_unknown_alias_is_404_with_sap_text(cpi):
    response = cpi.call("DELETE", f"/KeystoreEntries('{hexa('missing')}')?keystoreName=system")
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "Not Found",
        "message": {"lang": "en", "value": "Alias 'missing' not found in the keystore"},
    }


def test_delete_is_204(cpi):
    cpi.call("POST", "/KeyPairGenerationRequests", json=KEYGEN)
    assert cpi.call("DELETE", f"/KeystoreEntries('{hexa('cpi_to_ssc_client')}')").status_code == 204
    assert cpi.call("GET", f"/KeystoreEntries('{hexa('cpi_to_ssc_client')}')").status_code == 404


def test_certificate_download_is_pem_pkix_cert(cpi):
    cpi.call("POST", "/KeyPairGenerationRequests", json=KEYGEN)
    response = cpi.call(
        "GET",
        f"/KeystoreEntries('{hexa('cpi_to_ssc_client')}')/Certificate/$value",
        headers={"Accept": "*/*"},
    )
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pkix-cert"
    cert = x509.load_pem_x509_certificate(response.content)
    assert cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "cpi-client.example.com"


def test_csr_then_ca_signed_chain_import_then_root_download(cpi, certs):
    cpi.call("POST", "/KeyPairGenerationRequests", json=KEYGEN)
    hex_alias = hexa("cpi_to_ssc_client")
    csr_response = cpi.call("GET", f"/KeystoreEntries('{hex_alias}')/SigningRequest/$value")
    assert csr_response.headers["Content-Type"] == "application/pkcs10"
    csr = x509.load_pem_x509_csr(csr_response.content)
    signed = (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(certs.ca_cert.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(certs.ca_cert.not_valid_before_utc)
        .not_valid_after(certs.ca_cert.not_valid_after_utc)
        .sign(certs.ca_key, hashes.SHA256())
    )
    chain = pem_of(signed) + pem_of(certs.ca_cert)
    response = cpi.call(
        "PUT",
        f"/CertificateChainResources('{hex_alias}')/$value?returnKeystoreEntries=true",
        data=chain,
        headers={"Content-Type": "application/x-pem-file"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["d"]["results"][0]["IssuerDN"].startswith("CN=AuthWizard Sandbox Client CA")
    with_root = cpi.call("GET", f"/KeystoreEntries('{hex_alias}')/Certificate/$value?rootCA=true").text
    assert with_root.count("BEGIN CERTIFICATE") == 2
    links = cpi.call("GET", f"/KeystoreEntries('{hex_alias}')/ChainCertificates").json()["d"]["results"]
    assert [c["Index"] for c in links] == [0, 1]
    pkcs = cpi.call("GET", f"/KeystoreEntries('{hex_alias}')/ChainResource/$value")
    assert len(pkcs7.load_der_pkcs7_certificates(pkcs.content)) == 2


def test_chain_import_with_a_foreign_key_is_400(cpi, certs):
    cpi.call("POST", "/KeyPairGenerationRequests", json=KEYGEN)
    other, _ = certs.issue()
    response = cpi.call(
        "PUT",
        f"/CertificateChainResources('{hexa('cpi_to_ssc_client')}')/$value",
        data=pem_of(other) + pem_of(certs.ca_cert),
    )
    assert response.status_code == 400 and "does not match" in response.json()["error"]["message"]["value"]


def test_chain_import_for_a_certificate_entry_is_400_not_a_key_pair(cpi, certs):
    cert, _ = certs.issue()
    cpi.call("PUT", f"/CertificateResources('{hexa('plain')}')/$value", data=pem_of(cert))
    response = cpi.call("PUT", f"/CertificateChainResources('{hexa('plain')}')/$value", data=pem_of(cert))
    assert response.status_code == 400
    assert response.json()["error"]["message"]["value"] == "Alias 'plain' does not represent a Key Pair"


def test_untrusted_upload_is_409_not_trusted_then_accepted_with_fingerprint_verified(cpi):
    cert, _ = self_signed("Unknown Root")
    path = f"/CertificateResources('{hexa('ssc_root')}')/$value"
    conflict = cpi.call("PUT", path, data=pem_of(cert))
    assert conflict.status_code == 409 and conflict.json()["d"]["Validity"] == "notTrusted"
    ok = cpi.call("PUT", path + "?fingerprintVerified=true", data=pem_of(cert))
    assert ok.status_code == 204


@pytest.mark.parametrize("encoding", ["pem", "der", "base64"])
def test_upload_accepts_pem_der_and_base64_der(cpi, certs, encoding):
    cert, _ = certs.issue()
    der = cert.public_bytes(serialization.Encoding.DER)
    body = {"pem": pem_of(cert).encode(), "der": der, "base64": base64.b64encode(der)}[encoding]
    response = cpi.call("PUT", f"/CertificateResources('{hexa('enc_' + encoding)}')/$value", data=body)
    assert response.status_code == 204


def test_upload_update_flag_semantics(cpi, certs):
    first, _ = certs.issue("one")
    second, _ = certs.issue("two")
    path = f"/CertificateResources('{hexa('rotating')}')/$value"
    assert cpi.call("PUT", path + "?update=true", data=pem_of(first)).status_code == 400
    assert cpi.call("PUT", path, data=pem_of(first)).status_code == 204
    assert cpi.call("PUT", path + "?update=false", data=pem_of(second)).status_code == 400
    assert cpi.call("PUT", path + "?update=true", data=pem_of(second)).status_code == 204
    entry = cpi.call("GET", f"/KeystoreEntries('{hexa('rotating')}')").json()["d"]
    assert entry["SubjectDN"].startswith("CN=two")


def test_upload_over_10_kb_is_413_and_garbage_is_415(cpi):
    path = f"/CertificateResources('{hexa('big')}')/$value"
    assert cpi.call("PUT", path, data=b"A" * 10241).status_code == 413
    assert cpi.call("PUT", path, data=b"not a certificate at all").status_code == 415


def test_pkcs12_import_creates_a_key_pair(cpi, certs):
    cert, key = certs.issue("p12.example.com")
    blob = pkcs12.serialize_key_and_certificates(
        b"p12", key, cert, [certs.ca_cert], serialization.BestAvailableEncryption(b"pw")
    )
    body = {
        "Hexalias": "00",
        "Alias": "imported",
        "Password": "pw",
        "Resource": base64.b64encode(blob).decode(),
    }
    assert cpi.call("POST", "/KeyPairResources", json=body).status_code == 204
    entry = cpi.call("GET", f"/KeystoreEntries('{hexa('imported')}')").json()["d"]
    assert entry["Type"] == "Key Pair" and entry["SubjectDN"] == "CN=p12.example.com"
    assert cpi.call("POST", "/KeyPairResources", json=body).status_code == 400
    wrong = cpi.call("POST", "/KeyPairResources?update=true", json={**body, "Password": "nope"})
    assert wrong.status_code == 400


def test_keystore_writes_need_security_material_edit(sandbox_server, sandbox_tenant):
    from .conftest import CpiClient

    key = sandbox_server.admin(
        "POST",
        f"tenants/{sandbox_tenant['subdomain']}/api-keys",
        {"roles": ["MonitoringDataRead", "CredentialsEdit"]},
    ).json()
    limited = CpiClient(sandbox_server, key)
    assert limited.call("GET", "/KeystoreEntries").status_code == 200
    response = limited.call("POST", "/KeyPairGenerationRequests", json=KEYGEN)
    assert response.status_code == 403 and "X-CSRF-Token" not in response.headers


def test_keystore_list_shows_sap_entries_and_honours_keystore_name(cpi):
    system = cpi.call("GET", "/KeystoreEntries?keystoreName=system").json()["d"]["results"]
    owners = {e["Alias"]: e["Owner"] for e in system}
    assert owners["sap_cloudintegrationcertificate"] == "SAP"
    assert cpi.call("GET", "/KeystoreEntries?keystoreName=KeyRenewal").json()["d"]["results"] == []


def test_rename_moves_the_entry_to_the_new_alias(cpi):
    cpi.call(
        "POST",
        "/KeyPairGenerationRequests",
        json={**KEYGEN, "KeyType": "EC", "KeySize": 256, "SignatureAlgorithm": "SHA-256/ECDSA"},
    )
    response = cpi.call(
        "PUT",
        f"/KeystoreEntries('{hexa('cpi_to_ssc_client')}')?renameAlias=renamed.alias",
        json={"Status": None},
    )
    assert response.status_code == 204
    assert (
        cpi.call("GET", f"/KeystoreEntries('{hexa('renamed.alias')}')").json()["d"]["Alias"]
        == "renamed.alias"
    )
    assert cpi.call("GET", f"/KeystoreEntries('{hexa('cpi_to_ssc_client')}')").status_code == 404


def test_key_pair_from_an_existing_rsa_key(cpi):
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pkcs1 = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    body = {
        "Hexalias": "00",
        "Alias": "from_rsa",
        "RSAFile": base64.b64encode(pkcs1).decode(),
        "CommonName": "rsa.example.com",
        "Country": "DE",
        "SignatureAlgorithm": "SHA-256/RSA",
    }
    assert cpi.call("POST", "/RSAKeyGenerationRequests", json=body).status_code == 204
    entry = cpi.call("GET", f"/KeystoreEntries('{hexa('from_rsa')}')").json()["d"]
    assert entry["Type"] == "Key Pair" and entry["KeySize"] == 2048


def test_list_select_keeps_only_the_asked_properties(cpi):
    results = cpi.call("GET", "/KeystoreEntries?$select=Alias,Type").json()["d"]["results"]
    assert results and all(set(r) <= {"Alias", "Type", "__metadata"} for r in results)
