"""The planner, pure: every pathway × method against empty, matching and differing remote states."""

import datetime as dt
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pathways import certs
from pathways.plan import (
    Action,
    RemoteCredential,
    RemoteEntry,
    RemoteInstance,
    RemoteKey,
    RemoteState,
    plan,
    problems,
)

WANTED_PARAMETERS = {
    "grant-types": ["client_credentials"],
    "redirect-uris": [],
    "roles": ["ESBMessaging.send"],
    "token-validity": 3600,
}
INBOUND = {
    "instance_name": "s4-inbound",
    "roles": "ESBMessaging.send",
    "token_validity": "3600",
    "key_name": "s4-key",
}
BASIC_OUT = {
    "credential_name": "S4_BASIC",
    "user": "COMM_USER",
    "description": "CPI to SAP S/4HANA",
    "password_present": True,
    "password_changed": False,
}
GENERATE = {
    "alias": "s4_client",
    "key_source": "generate",
    "common_name": "cpi-s4-client",
    "organization": "",
    "country": "DE",
    "key_type": "RSA-2048",
    "validity_days": "730",
    "server_root": "",
    "server_root_alias": "s4_server_root",
}


def make_certificate(common_name: str, issuer=None, client_auth: bool = True):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    issuer_name, issuer_key = (issuer[0].subject, issuer[1]) if issuer else (name, key)
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=90))
    )
    if issuer is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    elif client_auth:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256()), key


def pem(certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def ca():
    return make_certificate("Test Root CA")


@pytest.fixture(scope="module")
def leaf(ca):
    return make_certificate("s4.example.com", issuer=ca)[0]


def fingerprint(certificate) -> str:
    return certs.fingerprint_sha256(certificate)


def kinds(actions):
    return [(action.kind, action.resource) for action in actions]


# --- inbound -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pathway", ["s4_to_cpi", "ssc_to_cpi"])
def test_inbound_basic_on_an_empty_space_creates_instance_and_secret_key_without_parameters(pathway):
    actions = plan(pathway, "basic", INBOUND, RemoteState())
    assert kinds(actions) == [("create", "instance"), ("create", "key")]
    assert actions[0].data["parameters"] == WANTED_PARAMETERS
    assert actions[0].target == "service instance s4-inbound"
    assert actions[1].data["parameters"] is None
    assert problems(actions) == []


def test_roles_are_split_on_commas_and_default_to_esbmessaging_send():
    custom = plan("s4_to_cpi", "basic", {**INBOUND, "roles": "ESBMessaging.send, Custom.Role"}, RemoteState())
    assert custom[0].data["parameters"]["roles"] == ["ESBMessaging.send", "Custom.Role"]
    blank = plan("s4_to_cpi", "basic", {**INBOUND, "roles": " "}, RemoteState())
    assert blank[0].data["parameters"]["roles"] == ["ESBMessaging.send"]


def test_sap_generated_certificate_key_asks_for_validity_and_key_length():
    desired = {**INBOUND, "certificate_source": "sap_generated", "validity_days": "90", "key_length": "4096"}
    actions = plan("s4_to_cpi", "certificate", desired, RemoteState())
    assert actions[1].data["parameters"] == {"key-type": "certificate", "validity": 90, "key-length": 4096}
    assert actions[1].data["kind"] == "certificate"


def test_external_certificate_key_sends_the_leaf_only_even_when_a_chain_was_uploaded(ca, leaf):
    desired = {**INBOUND, "certificate_source": "external", "external_certificate": pem(leaf) + pem(ca[0])}
    key = plan("ssc_to_cpi", "certificate", desired, RemoteState())[1]
    assert key.data["parameters"]["key-type"] == "certificate_external"
    assert certs.parse_certificates(key.data["parameters"]["X.509"]).leaf.fingerprint_sha256 == fingerprint(
        leaf
    )
    assert len(certs.parse_certificates(key.data["parameters"]["X.509"]).chain) == 1
    assert key.data["fingerprint"] == fingerprint(leaf)


def test_external_certificate_key_without_an_upload_is_a_problem_to_fix_first():
    actions = plan("ssc_to_cpi", "certificate", {**INBOUND, "certificate_source": "external"}, RemoteState())
    assert problems(actions) == ["service key s4-key: upload the sender's client certificate first"]


def test_matching_instance_and_key_are_kept():
    remote = RemoteState(
        instance=RemoteInstance("g1", "s4-inbound", parameters=dict(WANTED_PARAMETERS)),
        key=RemoteKey("k1", "s4-key", kind="secret"),
    )
    actions = plan("s4_to_cpi", "basic", INBOUND, remote)
    assert kinds(actions) == [("keep", "instance"), ("keep", "key")]
    assert not any(action.changes_remote for action in actions)
    assert actions[0].data["guid"] == "g1" and actions[1].data["guid"] == "k1"


def test_instance_still_on_client_x509_is_planned_for_update():
    legacy = {**WANTED_PARAMETERS, "grant-types": ["client_credentials", "client_x509"]}
    remote = RemoteState(instance=RemoteInstance("g1", "s4-inbound", parameters=legacy))
    instance = plan("s4_to_cpi", "basic", INBOUND, remote)[0]
    assert instance.kind == "update"
    assert "client_x509" in instance.reason
    assert instance.data["parameters"]["grant-types"] == ["client_credentials"]


def test_instance_with_other_roles_and_validity_is_updated_with_both_reasons():
    found = {**WANTED_PARAMETERS, "roles": ["Other.Role"], "token-validity": 7200}
    instance = plan(
        "s4_to_cpi",
        "basic",
        INBOUND,
        RemoteState(instance=RemoteInstance("g", "s4-inbound", parameters=found)),
    )[0]
    assert instance.kind == "update"
    assert "roles Other.Role instead of ESBMessaging.send" in instance.reason
    assert "token validity 7200 s instead of 3600 s" in instance.reason


def test_instance_whose_parameters_cannot_be_read_is_updated_to_be_sure():
    instance = plan("s4_to_cpi", "basic", INBOUND, RemoteState(instance=RemoteInstance("g", "s4-inbound")))[0]
    assert instance.kind == "update"
    assert "cannot be read back" in instance.reason


def test_instance_whose_creation_failed_is_replaced_and_gets_a_new_key():
    remote = RemoteState(instance=RemoteInstance("g", "s4-inbound", state="failed", operation="create"))
    assert kinds(plan("s4_to_cpi", "basic", INBOUND, remote)) == [("replace", "instance"), ("create", "key")]


def test_busy_or_foreign_instance_blocks_the_apply():
    busy = RemoteState(instance=RemoteInstance("g", "s4-inbound", state="in progress"))
    assert "in progress" in problems(plan("s4_to_cpi", "basic", INBOUND, busy))[0]
    foreign = RemoteState(instance=RemoteInstance("g", "s4-inbound", plan_matches=False))
    assert "choose another instance name" in problems(plan("s4_to_cpi", "basic", INBOUND, foreign))[0]


def test_key_of_another_kind_is_never_kept_the_plan_offers_a_new_name_or_a_replacement():
    remote = RemoteState(
        instance=RemoteInstance("g", "s4-inbound", parameters=dict(WANTED_PARAMETERS)),
        key=RemoteKey("k", "s4-key", kind="secret"),
        taken_names=("s4-key", "s4-cert-key"),
    )
    desired = {**INBOUND, "certificate_source": "sap_generated"}
    key = plan("s4_to_cpi", "certificate", desired, remote)[1]
    assert key.reason.startswith("it is a ClientId/Secret key, the draft asks for an SAP-generated")
    assert key.data["choices"] == {
        "field": "key_name",
        "what": "key",
        "rename": "s4-cert-key-2",
        "replace": "s4-key",
    }
    [problem] = problems([key])
    assert "use the new name s4-cert-key-2" in problem and "replace the existing key" in problem
    confirmed = plan("s4_to_cpi", "certificate", {**desired, "confirm_replace": "s4-key"}, remote)[1]
    assert confirmed.kind == "replace" and not confirmed.problem and confirmed.data["guid"] == "k"
    assert "replaced as confirmed" in confirmed.reason


def test_external_key_holding_another_certificate_is_not_kept_without_a_choice(ca, leaf):
    other = make_certificate("old.example.com", issuer=ca)[0]
    remote = RemoteState(
        instance=RemoteInstance("g", "s4-inbound", parameters=dict(WANTED_PARAMETERS)),
        key=RemoteKey("k", "s4-key", kind="external_certificate", fingerprint=fingerprint(other)),
    )
    desired = {**INBOUND, "certificate_source": "external", "external_certificate": pem(leaf)}
    key = plan("ssc_to_cpi", "certificate", desired, remote)[1]
    assert (
        "another certificate" in key.reason
        and key.problem
        and key.data["choices"]["rename"] == "ssc-cert-key"
    )
    same = RemoteState(
        instance=remote.instance,
        key=RemoteKey("k", "s4-key", kind="external_certificate", fingerprint=fingerprint(leaf)),
    )
    kept = plan("ssc_to_cpi", "certificate", desired, same)[1]
    assert kept.kind == "keep" and "differs" not in kept.data


def test_key_whose_creation_failed_is_replaced():
    remote = RemoteState(
        instance=RemoteInstance("g", "s4-inbound", parameters=dict(WANTED_PARAMETERS)),
        key=RemoteKey("k", "s4-key", state="failed"),
    )
    assert kinds(plan("s4_to_cpi", "basic", INBOUND, remote))[1] == ("replace", "key")


# --- outbound Basic ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("pathway", ["cpi_to_s4", "cpi_to_ssc"])
def test_outbound_basic_creates_the_user_credentials_without_the_password_in_the_plan(pathway):
    actions = plan(pathway, "basic", BASIC_OUT, RemoteState())
    assert kinds(actions) == [("create", "credential")]
    assert actions[0].data == {"name": "S4_BASIC", "user": "COMM_USER", "description": "CPI to SAP S/4HANA"}


def test_outbound_basic_without_a_password_cannot_be_created():
    actions = plan("cpi_to_s4", "basic", {**BASIC_OUT, "password_present": False}, RemoteState())
    assert problems(actions) == ["User Credentials S4_BASIC: enter the password first"]


def test_matching_credentials_are_kept():
    remote = RemoteState(
        credential=RemoteCredential("S4_BASIC", user="COMM_USER", description="CPI to SAP S/4HANA")
    )
    assert kinds(plan("cpi_to_s4", "basic", BASIC_OUT, remote)) == [("keep", "credential")]


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"user": "OTHER"}, "user COMM_USER instead of OTHER"),
        ({"description": "new words"}, "another description"),
        ({"password_changed": True}, "the password was changed in the draft since the last apply"),
    ],
)
def test_credentials_are_updated_when_user_description_or_password_changed(change, said):
    remote = RemoteState(
        credential=RemoteCredential("S4_BASIC", user="COMM_USER", description="CPI to SAP S/4HANA")
    )
    action = plan("cpi_to_s4", "basic", {**BASIC_OUT, **change}, remote)[0]
    assert action.kind == "update" and said in action.reason


def test_update_without_a_stored_password_is_a_problem_because_cpi_needs_it():
    remote = RemoteState(credential=RemoteCredential("S4_BASIC", user="SOMEONE"))
    actions = plan("cpi_to_s4", "basic", {**BASIC_OUT, "password_present": False}, remote)
    assert "enter it again" in problems(actions)[0]


def test_a_name_taken_by_another_kind_of_credential_blocks():
    remote = RemoteState(credential=RemoteCredential("S4_BASIC", kind="successfactors"))
    assert "choose another name" in problems(plan("cpi_to_s4", "basic", BASIC_OUT, remote))[0]


# --- outbound certificate ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key_type", "expected"),
    [
        ("RSA-2048", ("RSA", 2048, "SHA-256/RSA")),
        ("RSA-4096", ("RSA", 4096, "SHA-256/RSA")),
        ("EC-256", ("EC", 256, "SHA-256/ECDSA")),
    ],
)
def test_key_pair_generation_carries_dn_type_size_and_validity(key_type, expected):
    actions = plan("cpi_to_ssc", "certificate", {**GENERATE, "key_type": key_type}, RemoteState())
    assert kinds(actions) == [("create", "key_pair")]
    data = actions[0].data
    assert (data["key_type"], data["key_size"], data["signature_algorithm"]) == expected
    assert (data["common_name"], data["country"], data["validity_days"]) == ("cpi-s4-client", "DE", 730)


def test_existing_key_pair_is_kept_and_a_different_one_is_not_without_a_choice():
    same = RemoteState(
        key_pair=RemoteEntry("s4_client", key_type="RSA", key_size=2048, subject_dn="CN=cpi-s4-client, C=DE")
    )
    assert plan("cpi_to_s4", "certificate", GENERATE, same)[0].kind == "keep"
    other = RemoteState(
        key_pair=RemoteEntry("s4_client", key_type="EC", key_size=256), taken_names=("s4_client_rsa2048",)
    )
    action = plan("cpi_to_s4", "certificate", GENERATE, other)[0]
    assert "key type EC instead of RSA" in action.reason
    assert action.data["choices"] == {
        "field": "alias",
        "what": "key pair",
        "rename": "s4_client_rsa2048_2",
        "replace": "s4_client",
    }
    [problem] = problems([action])
    assert "use the new alias s4_client_rsa2048_2" in problem and "replace the existing key pair" in problem
    confirmed = plan("cpi_to_s4", "certificate", {**GENERATE, "confirm_replace": "s4_client"}, other)[0]
    assert confirmed.kind == "replace" and not confirmed.problem


def test_alias_holding_a_certificate_or_an_incomplete_dn_blocks():
    certificate_entry = RemoteState(key_pair=RemoteEntry("s4_client", type="Certificate"))
    assert (
        "choose another alias" in problems(plan("cpi_to_s4", "certificate", GENERATE, certificate_entry))[0]
    )
    no_country = plan("cpi_to_s4", "certificate", {**GENERATE, "country": "D"}, RemoteState())
    assert "two-letter country" in problems(no_country)[0]


def test_pkcs12_import_creates_keeps_or_replaces_by_fingerprint(leaf):
    desired = {
        "alias": "ssc_client",
        "key_source": "import",
        "pkcs12_present": True,
        "pkcs12_fingerprint": fingerprint(leaf),
        "server_root": "",
    }
    assert plan("cpi_to_ssc", "certificate", desired, RemoteState())[0].kind == "create"
    same = RemoteState(key_pair=RemoteEntry("ssc_client", fingerprint=fingerprint(leaf).lower()))
    assert plan("cpi_to_ssc", "certificate", desired, same)[0].kind == "keep"
    other = RemoteState(key_pair=RemoteEntry("ssc_client", fingerprint="AA:BB"))
    assert plan("cpi_to_ssc", "certificate", desired, other)[0].kind == "replace"
    missing = plan("cpi_to_ssc", "certificate", {**desired, "pkcs12_present": False}, RemoteState())
    assert "upload the PKCS#12 file" in problems(missing)[0]


def test_server_root_is_uploaded_kept_or_replaced_as_a_trusted_certificate(ca):
    desired = {**GENERATE, "server_root": pem(ca[0])}
    actions = plan("cpi_to_s4", "certificate", desired, RemoteState())
    assert kinds(actions) == [("create", "key_pair"), ("create", "trusted_certificate")]
    assert actions[1].data["fingerprint"] == fingerprint(ca[0])
    same = RemoteState(
        trusted=RemoteEntry("s4_server_root", type="Certificate", fingerprint=fingerprint(ca[0]))
    )
    assert plan("cpi_to_s4", "certificate", desired, same)[1].kind == "keep"
    other = RemoteState(trusted=RemoteEntry("s4_server_root", type="Certificate", fingerprint="00:11"))
    assert plan("cpi_to_s4", "certificate", desired, other)[1].kind == "update"
    clash = plan("cpi_to_s4", "certificate", {**desired, "server_root_alias": "s4_client"}, RemoteState())
    assert "an alias of its own" in problems(clash)[0]


def test_without_a_server_root_no_trusted_certificate_is_planned():
    assert kinds(plan("cpi_to_s4", "certificate", GENERATE, RemoteState())) == [("create", "key_pair")]


# --- shape -------------------------------------------------------------------------------------------------


def test_actions_survive_a_json_round_trip_for_the_run_result(ca):
    actions = plan("cpi_to_s4", "certificate", {**GENERATE, "server_root": pem(ca[0])}, RemoteState())
    stored = json.loads(json.dumps([action.as_dict() for action in actions]))
    assert [Action.from_dict(item) for item in stored] == actions
    assert actions[0].label == "Create key pair s4_client"


def test_an_unknown_method_is_refused():
    with pytest.raises(ValueError):
        plan("s4_to_cpi", "kerberos", INBOUND, RemoteState())
