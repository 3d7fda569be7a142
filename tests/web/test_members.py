"""Members of a landscape: consultants manage them; everything audited; the last consultant stays."""

import pytest
from django.urls import reverse

from pathways.models import AuditEvent, Membership
from tests.factories import UserFactory


@pytest.mark.parametrize(
    "persona, status",
    [
        ("consultant", 200),
        ("lead", 200),
        ("viewer", 200),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_members_are_listed_to_members_only(as_user, landscape, persona, status):
    assert as_user(persona).get(reverse("members", args=[landscape.code])).status_code == status


def test_a_consultant_adds_a_colleague_who_then_sees_the_landscape(as_user, landscape):
    colleague = UserFactory(username="nina")
    response = as_user("consultant").post(
        reverse("member_set", args=[landscape.code]), {"username": "nina", "role": "consultant"}, follow=True
    )
    assert "nina: Consultant" in response.content.decode()
    assert landscape.role_of(colleague) == "consultant"
    assert AuditEvent.objects.get(action="membership.change").changes == {"nina": ["", "consultant"]}


@pytest.mark.parametrize("persona, status", [("lead", 403), ("viewer", 403), ("outsider", 404)])
def test_only_consultants_change_members(as_user, landscape, persona, status):
    UserFactory(username="nina")
    response = as_user(persona).post(
        reverse("member_set", args=[landscape.code]), {"username": "nina", "role": "lead"}
    )
    assert response.status_code == status


def test_unknown_users_and_the_last_consultant_are_refused_with_a_reason(as_user, landscape):
    client = as_user("consultant")
    page = client.post(
        reverse("member_set", args=[landscape.code]), {"username": "ghost", "role": "viewer"}, follow=True
    ).content.decode()
    assert "no user named" in page
    page = client.post(
        reverse("member_set", args=[landscape.code]), {"username": "carla", "role": "remove"}, follow=True
    ).content.decode()
    assert "only consultant" in page
    assert Membership.objects.filter(landscape=landscape, user__username="carla").exists()
