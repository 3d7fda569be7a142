"""The rules that read iFlow parameters in the pathways' terms: classification by key, the first guess from
the iFlow's name, and agreement in words."""

from __future__ import annotations

import pytest

from pathways.iflows import Parameter, classify, direction, guess_pathway, judge
from pathways.models import ParameterRole as R


@pytest.mark.parametrize(
    "key, role",
    [
        ("Receiver Authentication", R.RECEIVER_AUTH_TYPE),
        ("Authentication Type", R.RECEIVER_AUTH_TYPE),
        ("Receiver Credential Name", R.CREDENTIAL_NAME),
        ("Credential Name", R.CREDENTIAL_NAME),
        ("Receiver Private Key Alias", R.PRIVATE_KEY_ALIAS),
        ("S4_PrivateKeyAlias", R.PRIVATE_KEY_ALIAS),
        ("Receiver Address", R.RECEIVER_ADDRESS),
        ("Sender Authorization", R.SENDER_AUTH),
        ("Sender User Role", R.USER_ROLE),
        ("UserRole", R.USER_ROLE),
        ("Sender Client Certificate", R.CLIENT_CERTIFICATE),
        ("Sender Address", None),
        ("Proxy Type", None),
        ("Cloud Connector Location ID", None),
        ("Timer", None),
    ],
)
def test_parameters_are_classified_by_their_key(key, role):
    assert classify(key) == role


@pytest.mark.parametrize(
    "key, data_type, value",
    [
        ("Receiver Auth Password", "xsd:string", "x"),
        ("Sender Client Secret", "xsd:string", "x"),
        ("ERP_enableBasicAuthentication_common", "xsd:string", "true"),
        ("Enable Client Certificate", "xsd:boolean", ""),
    ],
)
def test_secrets_and_switches_are_never_read_as_authentication_parameters(key, data_type, value):
    assert classify(key, data_type, value) is None


@pytest.mark.parametrize(
    "name, flow_id, systems",
    [
        ("Replicate Product from SAP S4HANA", "x", ("s4", "ssc")),
        ("Replicate Business Partner to S/4HANA", "x", ("ssc", "s4")),
        ("Replicate Account to SAP Sales Cloud", "x", ("s4", "ssc")),
        ("Something", "com.sap.fixture.ssc2.ReplicateProductFromS4HANA", ("s4", "ssc")),
        ("Something", "com.sap.fixture.ReplicateBusinessPartnerToSSCv2", ("s4", "ssc")),
        ("Ping", "ping", (None, None)),
    ],
)
def test_the_direction_comes_from_the_name_or_else_the_id(name, flow_id, systems):
    assert direction(name, flow_id) == systems


def test_the_first_guess_puts_sender_parameters_on_the_inbound_and_receiver_ones_on_the_outbound_pathway():
    name = "Replicate Business Partner to S/4HANA"
    assert guess_pathway(name, "x", R.CREDENTIAL_NAME) == "cpi_to_s4"
    assert guess_pathway(name, "x", R.SENDER_AUTH) == "ssc_to_cpi"
    assert guess_pathway("Ping", "ping", R.CREDENTIAL_NAME) == ""


FLOW = "Replicate Business Partner to S/4HANA"


def p(key, role, value, flow_id="bp"):
    return Parameter(flow_id, FLOW, key, role, value)


def test_a_basic_outbound_pathway_names_the_credential_the_iflow_should_use():
    parameters = [
        p("Receiver Authentication", R.RECEIVER_AUTH_TYPE, "Basic"),
        p("Receiver Credential Name", R.CREDENTIAL_NAME, "S4_OLD"),
        p("Receiver Private Key Alias", R.PRIVATE_KEY_ALIAS, "s4_client"),
    ]
    verdicts = judge("cpi_to_s4", "basic", {"credential_name": "S4_BASIC"}, parameters, created=["S4_BASIC"])
    by_key = {v.parameter.key: v for v in verdicts}
    assert by_key["Receiver Authentication"].agrees
    credential = by_key["Receiver Credential Name"]
    assert not credential.agrees and credential.changes and credential.wanted == "S4_BASIC"
    assert credential.sentence == f"iFlow {FLOW} uses credential S4_OLD; this pathway created S4_BASIC"
    assert by_key["Receiver Private Key Alias"].agrees and by_key["Receiver Private Key Alias"].wanted is None
    assert [v.parameter.key for v in verdicts if v.changes] == ["Receiver Credential Name"]


def test_switching_to_a_certificate_sets_the_alias_and_an_auth_type_literal_already_used_on_the_tenant():
    parameters = [
        p("Receiver Authentication", R.RECEIVER_AUTH_TYPE, "Basic"),
        p("Receiver Private Key Alias", R.PRIVATE_KEY_ALIAS, ""),
    ]
    other = Parameter("other", "Other", "Receiver Authentication", R.RECEIVER_AUTH_TYPE, "Client Certificate")
    verdicts = judge(
        "cpi_to_s4", "certificate", {"alias": "s4_client"}, parameters, known=[*parameters, other]
    )
    auth, alias = verdicts
    assert auth.wanted == "Client Certificate" and auth.changes
    assert (
        auth.sentence == f"receiver of iFlow {FLOW} authenticates with Basic, pathway is client certificate"
    )
    assert alias.wanted == "s4_client" and "this pathway's draft names s4_client" in alias.sentence

    alone = judge("cpi_to_s4", "certificate", {"alias": "s4_client"}, parameters)
    assert alone[0].problem and not alone[0].changes  # no literal on the tenant: never invented


def test_an_iflow_without_the_method_s_parameter_cannot_be_wired():
    parameters = [p("Receiver Credential Name", R.CREDENTIAL_NAME, "S4_BASIC")]
    verdicts = judge("cpi_to_s4", "certificate", {"alias": "s4_client"}, parameters)
    assert [v.problem != "" for v in verdicts] == [False, True]
    assert verdicts[1].sentence == (
        f"iFlow {FLOW} exposes no private key alias parameter, so it cannot use client certificate"
    )


def test_a_sender_expecting_a_client_certificate_disagrees_with_a_basic_pathway():
    parameters = [
        p("Sender Authorization", R.SENDER_AUTH, "Client Certificate"),
        p("Sender User Role", R.USER_ROLE, "Custom.send"),
    ]
    known = [*parameters, Parameter("x", "X", "Sender Authorization", R.SENDER_AUTH, "User Role")]
    auth, role = judge("ssc_to_cpi", "basic", {"roles": "ESBMessaging.send"}, parameters, known=known)
    assert auth.sentence == f"sender of iFlow {FLOW} expects client certificate, pathway is Basic"
    assert auth.wanted == "User Role"
    assert role.wanted == "ESBMessaging.send" and not role.agrees
    certificate = judge("ssc_to_cpi", "certificate", {"roles": "Custom.send"}, parameters, known=known)
    assert all(v.agrees for v in certificate)


def test_the_plan_sets_the_differing_parameters_then_redeploys_and_keeps_an_iflow_that_agrees():
    from pathways import plan
    from pathways.shapes.base import RemoteCredential, RemoteState

    parameters = (
        p("Receiver Authentication", R.RECEIVER_AUTH_TYPE, "Basic"),
        p("Receiver Credential Name", R.CREDENTIAL_NAME, "S4_OLD"),
        Parameter(
            "ok", "Replicate Product to S/4HANA", "Receiver Credential Name", R.CREDENTIAL_NAME, "S4_BASIC"
        ),
    )
    remote = RemoteState(
        credential=RemoteCredential(name="S4_BASIC", user="u"),
        iflow_parameters=parameters,
        iflow_known=parameters,
    )
    desired = {
        "credential_name": "S4_BASIC",
        "user": "u",
        "password_present": True,
        "password_changed": False,
    }
    actions = plan.plan("cpi_to_s4", "basic", desired, remote)
    iflow_actions = [(a.kind, a.resource, a.target) for a in actions if a.resource.startswith("iflow")]
    assert iflow_actions == [
        ("update", "iflow_parameter", f"iFlow {FLOW}: Receiver Credential Name"),
        ("keep", "iflow", "iFlow Replicate Product to S/4HANA"),
        ("deploy", "iflow", f"iFlow {FLOW}"),
    ]
    update = next(a for a in actions if a.resource == "iflow_parameter")
    assert update.data["to"] == "S4_BASIC" and update.data["from"] == "S4_OLD"
    assert update.reason == f"iFlow {FLOW} uses credential S4_OLD; this pathway's draft names S4_BASIC"
    assert plan.problems(actions) == []
    assert plan.plan("cpi_to_s4", "basic", desired, RemoteState(credential=remote.credential)) == actions[:1]
