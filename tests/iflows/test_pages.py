"""The iFlows page (confirm which pathway a parameter belongs to) and the pathway page's iFlows in words."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pathways import approval as approvals
from pathways import gate
from pathways.models import AuditEvent, FoundParameter, IFlowParameter, ParameterRole, RunKind

pytestmark = pytest.mark.django_db

FLOW = "Replicate Business Partner to S/4HANA"


@pytest.fixture
def landscape(plain_landscape):
    found = [
        FoundParameter("Pkg", "bp.to.s4", "1.0.0", FLOW, key, "xsd:string", role, value, "cpi_to_s4")
        for key, role, value in (
            ("Receiver Authentication", ParameterRole.RECEIVER_AUTH_TYPE, "Basic"),
            ("Receiver Credential Name", ParameterRole.CREDENTIAL_NAME, "S4_OLD"),
        )
    ]
    found.append(
        FoundParameter(
            "Pkg",
            "bp.to.s4",
            "1.0.0",
            FLOW,
            "Sender Authorization",
            "xsd:string",
            ParameterRole.SENDER_AUTH,
            "Client Certificate",
            "ssc_to_cpi",
        )
    )
    IFlowParameter.record_discovery(plain_landscape, found)
    return plain_landscape


def fields(landscape) -> dict[str, str]:
    return {
        f"p-{row.code}": row.guessed_pathway for row in IFlowParameter.objects.filter(landscape=landscape)
    }


def test_the_page_shows_each_parameter_with_its_guess_and_a_consultant_confirms_them(landscape, as_user):
    page = as_user("consultant").get(reverse("iflows", args=[landscape.code])).content.decode()
    assert FLOW in page and "Receiver Credential Name" in page and "S4_OLD" in page
    assert "3 parameters are not confirmed yet" in page

    response = as_user("consultant").post(reverse("iflows_confirm", args=[landscape.code]), fields(landscape))
    assert response.status_code == 302
    to_s4 = landscape.pathways.get(key="cpi_to_s4")
    assert set(IFlowParameter.objects.of_pathway(to_s4).values_list("key", flat=True)) == {
        "Receiver Authentication",
        "Receiver Credential Name",
    }
    events = AuditEvent.objects.filter(action="iflow.parameter_confirmed", landscape=landscape)
    assert events.count() == 3 and {e.username for e in events} == {"carla"}
    page = as_user("viewer").get(reverse("iflows", args=[landscape.code])).content.decode()
    assert "not confirmed yet" not in page and "confirmed by carla" in page
    assert reverse("iflows_confirm", args=[landscape.code]) not in page  # a viewer is not offered the form


def test_a_choice_that_is_no_pathway_is_named_beside_its_field_and_nothing_is_saved(landscape, as_user):
    posted = fields(landscape)
    bad = next(iter(posted))
    posted[bad] = "cpi_to_nowhere"
    response = as_user("consultant").post(reverse("iflows_confirm", args=[landscape.code]), posted)
    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="{bad}-error"' in page and "Choose one of the pathways, or no pathway." in page
    assert not IFlowParameter.objects.filter(confirmed_at__isnull=False).exists()
    assert page.count("selected>SSCv2 → CPI") == 1  # the other choices stay as posted


def test_only_consultants_confirm(landscape, as_user):
    for persona in ("viewer", "lead"):
        response = as_user(persona).post(reverse("iflows_confirm", args=[landscape.code]), fields(landscape))
        assert response.status_code == 403
    assert not IFlowParameter.objects.filter(confirmed_at__isnull=False).exists()


def test_the_pathway_page_says_in_words_whether_its_iflows_agree(landscape, people, as_user):
    to_s4 = landscape.pathways.get(key="cpi_to_s4")
    ssc_in = landscape.pathways.get(key="ssc_to_cpi")
    for row in IFlowParameter.objects.all():
        row.confirm(landscape.pathways.get(key=row.guessed_pathway), user=people["consultant"])
    to_s4.draft = {"credential_name": "S4_BASIC"}
    to_s4.applied = {"credential_name": "S4_BASIC"}
    to_s4.save()
    ssc_in.method = "basic"
    ssc_in.save()

    url = reverse("wizard_step", args=[landscape.code, "cpi_to_s4", "review"])
    page = as_user("viewer").get(url).content.decode()
    assert f"iFlow {FLOW} uses credential S4_OLD; this pathway created S4_BASIC" in page
    assert f"receiver of iFlow {FLOW} authenticates with Basic, as this pathway" in page

    url = reverse("wizard_step", args=[landscape.code, "ssc_to_cpi", "review"])
    page = as_user("viewer").get(url).content.decode()
    assert f"sender of iFlow {FLOW} expects client certificate, pathway is Basic" in page

    url = reverse("wizard_step", args=[landscape.code, "s4_to_cpi", "review"])
    assert (
        "No iFlow parameter is confirmed for this pathway yet" in as_user("viewer").get(url).content.decode()
    )

    page = as_user("viewer").get(reverse("landscape", args=[landscape.code])).content.decode()
    assert "1 iFlow uses it" in page and "1 parameter disagrees" in page


def test_an_approval_is_withdrawn_when_the_confirmed_parameters_of_its_pathway_change(
    landscape, people, as_user
):
    landscape.tier = "prod"
    landscape.save()
    to_s4 = landscape.pathways.get(key="cpi_to_s4")
    row = IFlowParameter.objects.get(key="Receiver Credential Name")
    row.confirm(to_s4, user=people["consultant"])
    request = approvals.request_approval(to_s4, people["consultant"])
    approvals.decide(request, people["lead"], approve=True)
    assert gate.refusal(to_s4, RunKind.APPLY, people["consultant"]) is None

    posted = {f"p-{row.code}": "none"}
    as_user("consultant").post(reverse("iflows_confirm", args=[landscape.code]), posted)
    request.refresh_from_db()
    assert request.state == "withdrawn"
    assert (
        request.withdrawn_reason == "the iFlow parameters confirmed for the pathway changed after the request"
    )
    refusal = gate.refusal(to_s4, RunKind.APPLY, people["consultant"])
    assert refusal is not None and refusal.code == gate.APPROVAL_WITHDRAWN


def test_the_command_line_starts_a_discovery_through_the_gate(landscape, people):
    from django.core.management import CommandError, call_command

    from pathways.models import Run

    call_command("pathway", "discover", landscape.name, "--as-user", people["consultant"].username)
    assert Run.objects.filter(landscape=landscape, kind=RunKind.DISCOVER, pathway=None).count() == 1
    with pytest.raises(CommandError, match="discover takes a landscape only"):
        call_command("pathway", "discover", landscape.name, "cpi_to_s4")
    with pytest.raises(CommandError, match="Only consultants"):
        call_command("pathway", "discover", landscape.name, "--as-user", people["lead"].username)
