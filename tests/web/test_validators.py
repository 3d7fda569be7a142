import pytest
from django.core.exceptions import ValidationError

from pathways import validators


@pytest.mark.parametrize("name", ["s4-inbound", "A.b_c-1", "x" * 32])
def test_btp_names_within_sap_rules_are_accepted(name):
    assert validators.btp_name(name) == name


@pytest.mark.parametrize(
    "name, message",
    [
        ("x" * 33, "at most 32 characters; this one has 33"),
        ("has space", "remove ' '"),
        ("ümlaut", "remove 'ü'"),
        ("", "Enter a BTP instance or key name"),
    ],
)
def test_btp_names_outside_sap_rules_are_refused_with_the_reason(name, message):
    with pytest.raises(ValidationError) as error:
        validators.btp_name(name)
    assert message in error.value.messages[0]


@pytest.mark.parametrize(
    "alias", ["hcicertificate", "HCICertificate1", "hcimsgcertificate", "sap_cloud", "SAP_x"]
)
def test_reserved_keystore_aliases_are_refused(alias):
    with pytest.raises(ValidationError, match="reserved for SAP"):
        validators.alias(alias)


def test_an_ordinary_alias_is_accepted():
    assert validators.alias("cpi_to_ssc_client") == "cpi_to_ssc_client"


def test_credential_names_follow_the_cpi_character_rule():
    assert validators.artifact_name("S4_BASIC") == "S4_BASIC"
    with pytest.raises(ValidationError, match="only letters"):
        validators.artifact_name("S4 BASIC/1")


@pytest.mark.parametrize("value, ok", [("3600", True), ("86400", True), ("3599", False), ("abc", False)])
def test_token_validity_is_bounded(value, ok):
    if ok:
        assert validators.token_validity(value) == value
    else:
        with pytest.raises(ValidationError):
            validators.token_validity(value)


def test_country_must_be_two_letters():
    assert validators.country("de") == "DE"
    with pytest.raises(ValidationError, match="two letters"):
        validators.country("DEU")


def test_roles_are_normalised_and_checked():
    assert validators.roles("ESBMessaging.send,  Custom.Role") == "ESBMessaging.send, Custom.Role"
    with pytest.raises(ValidationError):
        validators.roles("bad role!")


def test_passwords_longer_than_cpi_accepts_are_refused():
    with pytest.raises(ValidationError, match="at most 255"):
        validators.password("x" * 256)


@pytest.mark.parametrize(
    "path, ok",
    [("/http/authwizard/ping", True), ("/cxf/products", True), ("/api/v1", False), ("http/x", False)],
)
def test_endpoint_paths_are_iflow_addresses(path, ok):
    if ok:
        assert validators.endpoint_path(path) == path
    else:
        with pytest.raises(ValidationError, match="/http/ or /cxf/"):
            validators.endpoint_path(path)


def test_a_private_key_pasted_as_a_client_certificate_is_refused():
    pem = (
        "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n"
        "-----END PRIVATE KEY-----\n"
    )
    with pytest.raises(ValidationError, match="private key"):
        validators.client_certificate(pem)
