"""The iFlow parameters of a landscape: discoveries remember confirmations, and `iflows_of` names the iFlows
that use a pathway."""

from __future__ import annotations

import pytest

from pathways.models import AuditEvent, FoundParameter, IFlowParameter, ParameterRole, iflows_of
from tests.factories import LandscapeFactory, UserFactory

pytestmark = pytest.mark.django_db


def found(
    flow_id: str, key: str, role: str, value: str = "", guess: str = "", name: str = ""
) -> FoundParameter:
    return FoundParameter(
        package_id="Pkg",
        flow_id=flow_id,
        flow_version="1.0.0",
        flow_name=name or flow_id,
        key=key,
        data_type="xsd:string",
        role=role,
        value=value,
        guessed_pathway=guess,
    )


def test_a_confirmation_survives_the_next_discovery_and_a_missing_parameter_drops_out():
    landscape = LandscapeFactory()
    user = UserFactory()
    to_s4 = landscape.pathways.get(key="cpi_to_s4")
    first = [
        found(
            "flow.b", "Receiver Credential Name", ParameterRole.CREDENTIAL_NAME, "S4_OLD", "cpi_to_s4", "B"
        ),
        found("flow.a", "Receiver Credential Name", ParameterRole.CREDENTIAL_NAME, "S4_X", "cpi_to_s4", "A"),
    ]
    assert IFlowParameter.record_discovery(landscape, first) == {"new": 2, "known": 0, "missing": 0}
    assert iflows_of(to_s4) == []  # a guess is not a confirmation

    for parameter in IFlowParameter.objects.filter(landscape=landscape):
        parameter.confirm(to_s4, user=user)
    assert iflows_of(to_s4) == [("flow.a", "A"), ("flow.b", "B")]
    assert AuditEvent.objects.filter(action="iflow.parameter_confirmed").count() == 2

    again = [found("flow.b", "Receiver Credential Name", ParameterRole.CREDENTIAL_NAME, "S4_NEW", "", "B")]
    assert IFlowParameter.record_discovery(landscape, again) == {"new": 0, "known": 1, "missing": 1}
    kept = IFlowParameter.objects.get(flow_id="flow.b")
    assert (kept.pathway, kept.value, kept.guessed_pathway) == (to_s4, "S4_NEW", "cpi_to_s4")
    assert iflows_of(to_s4) == [("flow.b", "B")]


def test_a_parameter_confirmed_as_nobody_s_is_used_by_no_pathway():
    landscape = LandscapeFactory()
    IFlowParameter.record_discovery(landscape, [found("f", "Sender User Role", ParameterRole.USER_ROLE)])
    parameter = IFlowParameter.objects.get()
    parameter.confirm(None, user=UserFactory())
    assert parameter.confirmed and parameter.pathway is None
    assert all(iflows_of(p) == [] for p in landscape.pathways.all())


def test_a_parameter_belongs_only_to_a_pathway_of_its_landscape():
    landscape, other = LandscapeFactory(), LandscapeFactory()
    IFlowParameter.record_discovery(landscape, [found("f", "k", ParameterRole.CREDENTIAL_NAME)])
    with pytest.raises(ValueError):
        IFlowParameter.objects.get().confirm(other.pathways.first(), user=UserFactory())


def test_package_ids_are_read_from_the_landscape_field():
    landscape = LandscapeFactory(integration_packages=" A, B ,,A ")
    assert landscape.package_ids() == ["A", "B"]
