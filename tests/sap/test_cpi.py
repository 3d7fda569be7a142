"""CPI OData client against the sandbox: CSRF, User Credentials, keystore, trust confirmation, roles,
endpoints.
"""

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pathways.sap.cpi import CpiClient, DeployWait, KeyPairRequest
from pathways.sap.errors import SapError
from pathways.sap.keys import parse_service_key
from tests.fixtures.clock import MovableClock

PASSWORD = "Pa55-word-never-logged"


def self_signed(common_name: str) -> tuple[str, str, rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    fingerprint = ":".join(f"{b:02X}" for b in cert.fingerprint(hashes.SHA256()))
    return pem, fingerprint, key, cert


def csrf_fetches(http):
    return [call for call in http.calls if call.method == "GET" and call.url.endswith("/api/v1/")]


def test_user_credential_lifecycle_create_deploy_read_update_delete(cpi, faults):
    faults.set_async(deploy_polls=2)
    cpi.create_user_credential("S4_BASIC", "COMM_USER", PASSWORD, description="CPI to S/4HANA")
    deployed = cpi.wait_until_deployed("S4_BASIC")
    assert (deployed.name, deployed.kind, deployed.user, deployed.status) == (
        "S4_BASIC",
        "default",
        "COMM_USER",
        "DEPLOYED",
    )
    assert deployed.deployed_on is not None
    cpi.update_user_credential("S4_BASIC", "OTHER_USER", PASSWORD + "2")
    assert cpi.wait_until_deployed("S4_BASIC").user == "OTHER_USER"
    assert cpi.delete_user_credential("S4_BASIC") is True
    assert cpi.get_user_credential("S4_BASIC") is None
    assert cpi.delete_user_credential("S4_BASIC") is False


def test_user_credentials_list_keeps_only_user_credential_kinds(cpi):
    cpi.create_user_credential("SSC_BASIC", "SSC_USER", PASSWORD)
    names = [credential.name for credential in cpi.list_user_credentials()]
    assert names == ["SSC_BASIC"]


def test_duplicate_credential_name_and_update_of_a_missing_one_get_clear_messages(cpi):
    cpi.create_user_credential("DUP", "U", PASSWORD)
    with pytest.raises(SapError) as duplicate:
        cpi.create_user_credential("DUP", "U", PASSWORD)
    assert duplicate.value.code == "duplicate_credential"
    assert duplicate.value.remote_message == "Entity with specified name already exists."
    with pytest.raises(SapError) as missing:
        cpi.update_user_credential("MISSING", "U", PASSWORD)
    assert str(missing.value) == "There is no User Credentials artifact named MISSING in CPI to update"


def test_deploy_wait_gives_up_as_retryable_when_never_deployed(http, api_key, tokens, faults):
    faults.set_async(deploy_polls=1000)
    clock = MovableClock()  # polled as in production (0.25 s doubling up to 10 s) for 10 s, without waiting
    impatient = CpiClient(
        http, api_key, tokens=tokens, deploy_wait=DeployWait(timeout=10.0, sleep=clock.sleep, clock=clock)
    )
    impatient.create_user_credential("SLOW", "U", PASSWORD)
    with pytest.raises(SapError) as caught:
        impatient.wait_until_deployed("SLOW")
    assert caught.value.retryable
    assert "DEPLOYING" in str(caught.value)
    expected, wait = [], 0.25  # DeployWait's documented schedule until the 10 s timeout has passed
    while sum(expected) < 10:
        expected.append(wait)
        wait = min(10.0, wait * 2)
    assert clock.waits == expected


def test_password_appears_in_no_call_record_and_no_repr(cpi, http):
    cpi.create_user_credential("SECRETIVE", "U", PASSWORD)
    cpi.wait_until_deployed("SECRETIVE")
    assert PASSWORD not in repr(http.calls)
    assert PASSWORD not in repr(cpi.get_user_credential("SECRETIVE"))
    assert PASSWORD not in repr(cpi)


def test_csrf_token_is_fetched_once_and_reused_across_writes(cpi, http):
    cpi.create_user_credential("A1", "U", PASSWORD)
    cpi.create_user_credential("A2", "U", PASSWORD)
    cpi.delete_user_credential("A1")
    assert len(csrf_fetches(http)) == 1


def test_expired_csrf_token_is_refetched_once_and_the_write_succeeds(cpi, http, faults):
    cpi.create_user_credential("B1", "U", PASSWORD)
    faults.add(kind="expire_csrf", host="cpi")
    cpi.create_user_credential("B2", "U", PASSWORD)
    assert len(csrf_fetches(http)) == 2
    posts = [call.status for call in http.calls if call.method == "POST" and "UserCredentials" in call.url]
    assert posts == [202, 403, 202]


def test_expired_bearer_token_is_refreshed_once(cpi, http, faults, api_key):
    cpi.list_user_credentials()
    faults.add(kind="expire_token", host="cpi", path="UserCredentials")
    cpi.list_user_credentials()
    token_calls = [call for call in http.calls if call.url == api_key.tokenurl]
    assert len(token_calls) == 2


def test_missing_role_is_named_and_not_retried(http, sandbox_server, sandbox_tenant, tokens):
    response = sandbox_server.admin(
        "POST", f"tenants/{sandbox_tenant['subdomain']}/api-keys", {"roles": ["MonitoringDataRead"]}
    )
    reader = CpiClient(http, parse_service_key(response.json()), tokens=tokens)
    assert reader.list_user_credentials() == []
    with pytest.raises(SapError) as credentials:
        reader.create_user_credential("X", "U", PASSWORD)
    assert str(credentials.value).startswith("The CPI API client lacks the role CredentialsEdit")
    assert credentials.value.code == "role_missing"
    with pytest.raises(SapError) as keystore:
        reader.generate_key_pair(KeyPairRequest(alias="k1", common_name="cpi.example.com", country="DE"))
    assert str(keystore.value).startswith("The CPI API client lacks the role SecurityMaterialEdit")
    posts = [call for call in http.calls if call.method == "POST" and "KeyPairGenerationRequests" in call.url]
    assert len(posts) == 1


def test_key_pair_is_generated_read_downloaded_and_deleted(cpi):
    request = KeyPairRequest(
        alias="cpi_to_ssc_client",
        common_name="cpi-client.example.com",
        country="DE",
        organization="Example AG",
        key_size=2048,
        valid_not_after=dt.datetime.now(dt.UTC) + dt.timedelta(days=90),
    )
    entry = cpi.generate_key_pair(request)
    assert entry.is_key_pair
    assert entry.alias == "cpi_to_ssc_client"
    assert entry.hexalias == b"cpi_to_ssc_client".hex().upper()
    assert "CN=cpi-client.example.com" in entry.subject_dn
    assert entry.key_size == 2048
    assert (entry.valid_not_after - dt.datetime.now(dt.UTC)).days in (89, 90)
    assert entry.signature_algorithm == "SHA256withRSA"
    pem = cpi.download_certificate("cpi_to_ssc_client")
    certificate = x509.load_pem_x509_certificate(pem.encode())
    assert ":".join(f"{b:02X}" for b in certificate.fingerprint(hashes.SHA256())) == entry.fingerprint_sha256
    csr = x509.load_pem_x509_csr(cpi.download_csr("cpi_to_ssc_client").encode())
    assert csr.subject == certificate.subject
    chain = cpi.chain_certificates("cpi_to_ssc_client")
    assert [item.index for item in chain] == [0]
    assert any(item.alias == "cpi_to_ssc_client" for item in cpi.list_keystore_entries())
    assert cpi.delete_keystore_entry("cpi_to_ssc_client") is True
    assert cpi.get_keystore_entry("cpi_to_ssc_client") is None
    assert cpi.delete_keystore_entry("cpi_to_ssc_client") is False


def test_existing_alias_is_refused_with_a_clear_message(cpi):
    request = KeyPairRequest(alias="twice", common_name="x.example.com", country="DE")
    cpi.generate_key_pair(request)
    with pytest.raises(SapError) as caught:
        cpi.generate_key_pair(request)
    assert caught.value.code == "duplicate_alias"
    assert "already has an entry with alias twice" in str(caught.value)


def test_ca_signed_chain_is_imported_onto_the_key_pair(cpi, sandbox_tenant):
    cpi.generate_key_pair(KeyPairRequest(alias="signed", common_name="signed.example.com", country="DE"))
    csr = x509.load_pem_x509_csr(cpi.download_csr("signed").encode())
    ca_pem = open(sandbox_tenant["client_ca_path"], "rb").read()
    ca_cert = x509.load_pem_x509_certificate(ca_pem)
    ca_key = serialization.load_pem_private_key(open(sandbox_tenant["client_ca_key_path"], "rb").read(), None)
    now = dt.datetime.now(dt.UTC)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(ca_cert.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=60))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    chain = leaf.public_bytes(serialization.Encoding.PEM).decode() + ca_pem.decode()
    entry = cpi.upload_certificate_chain("signed", chain)
    assert entry.issuer_dn == "CN=AuthWizard Sandbox Client CA, O=AuthWizard Sandbox, C=DE"
    assert len(cpi.chain_certificates("signed")) == 2


def test_trusted_certificate_uploads_and_replaces_with_update(cpi, issue_certificate):
    first = issue_certificate("ssc-server.example.com")
    entry = cpi.upload_certificate("ssc_root", first["certificate"])
    assert entry.type == "Certificate"
    assert entry.fingerprint_sha256 == first["fingerprint_sha256"]
    with pytest.raises(SapError) as duplicate:
        cpi.upload_certificate("ssc_root", first["certificate"])
    assert duplicate.value.code == "duplicate_alias"
    second = issue_certificate("ssc-server-2.example.com")
    replaced = cpi.upload_certificate("ssc_root", second["certificate"], update=True)
    assert replaced.fingerprint_sha256 == second["fingerprint_sha256"]
    with pytest.raises(SapError) as missing:
        cpi.upload_certificate("never_there", second["certificate"], update=True)
    assert missing.value.code == "alias_missing"


def test_untrusted_certificate_needs_its_fingerprint_confirmed(cpi):
    pem, fingerprint, _, _ = self_signed("untrusted.example.com")
    with pytest.raises(SapError) as caught:
        cpi.upload_certificate("untrusted", pem)
    assert caught.value.code == "notTrusted"
    assert fingerprint in str(caught.value)
    assert cpi.get_keystore_entry("untrusted") is None
    with pytest.raises(SapError, match="notTrusted|trust path"):
        cpi.upload_certificate("untrusted", pem, expected_fingerprint_sha256="00:11")
    entry = cpi.upload_certificate("untrusted", pem, expected_fingerprint_sha256=fingerprint.lower())
    assert entry.fingerprint_sha256 == fingerprint


def test_pkcs12_key_pair_is_imported(cpi):
    _, _, key, cert = self_signed("imported.example.com")
    blob = pkcs12.serialize_key_and_certificates(
        b"imported", key, cert, None, serialization.BestAvailableEncryption(b"p12-pass")
    )
    entry = cpi.import_pkcs12("imported", blob, "p12-pass")
    assert entry.is_key_pair
    assert "imported.example.com" in entry.subject_dn
    with pytest.raises(SapError) as duplicate:
        cpi.import_pkcs12("imported", blob, "p12-pass")
    assert duplicate.value.code == "duplicate_alias"
    assert cpi.import_pkcs12("imported", blob, "p12-pass", update=True).alias == "imported"


def test_reserved_alias_cannot_be_deleted_and_the_message_says_why(cpi):
    with pytest.raises(SapError) as caught:
        cpi.delete_keystore_entry("sap_cloudintegrationcertificate")
    assert caught.value.code == "reserved_alias"
    assert caught.value.status == 403
    assert cpi.get_keystore_entry("sap_cloudintegrationcertificate") is not None


def test_locked_keystore_is_retried_and_then_succeeds(cpi, faults, http):
    faults.add(kind="keystore_locked", host="cpi", times=2)
    entry = cpi.generate_key_pair(
        KeyPairRequest(alias="after_lock", common_name="x.example.com", country="DE")
    )
    assert entry.alias == "after_lock"
    calls = [call for call in http.calls if "KeyPairGenerationRequests" in call.url]
    # The answer lists the new entry (returnKeystoreEntries=true), so no read follows the write.
    assert [call.status for call in calls] == [503, 503, 200]
    assert not [
        call for call in http.calls[http.calls.index(calls[-1]) + 1 :] if "KeystoreEntries" in call.url
    ]


def test_keystore_locked_for_good_is_a_retryable_error(cpi, faults):
    faults.add(kind="keystore_locked", host="cpi", times=None)
    with pytest.raises(SapError) as caught:
        cpi.delete_keystore_entry("anything")
    assert caught.value.code == "keystore_locked"
    assert caught.value.retryable
    assert str(caught.value) == "The CPI keystore is locked by another user; try again in a minute"


def test_invalid_key_pair_input_is_refused_before_any_call(cpi, http):
    with pytest.raises(SapError):
        cpi.generate_key_pair(KeyPairRequest(alias="bad alias", common_name="x", country="DE"))
    with pytest.raises(SapError):
        cpi.generate_key_pair(KeyPairRequest(alias="ok", common_name="x", country="DEU"))
    assert http.call_count == 0


def test_service_endpoints_give_the_iflow_url(cpi, sandbox_tenant):
    endpoints = {endpoint.name: endpoint for endpoint in cpi.service_endpoints()}
    assert {"AuthWizard_Ping_HTTP", "AuthWizard_Ping_SOAP"} <= set(endpoints)
    assert cpi.endpoint_url("AuthWizard_Ping_SOAP") == sandbox_tenant["runtime_url"] + "/cxf/authwizard/ping"
    # the started iFlows of the integration content have endpoints too, from their Sender Address
    assert cpi.endpoint_url("com.sap.fixture.ssc2.ReplicateProductFromS4HANA") == (
        sandbox_tenant["runtime_url"] + "/cxf/S4HANA/ReplicateProduct"
    )
    with pytest.raises(SapError, match="No deployed endpoint"):
        cpi.endpoint_url("Unknown_Flow")


def test_signature_algorithm_is_sent_with_the_hyphen():
    body = KeyPairRequest(alias="a", common_name="b", country="DE").to_json()
    assert body["SignatureAlgorithm"] == "SHA-256/RSA"
    assert body["Hexalias"] == "00"
