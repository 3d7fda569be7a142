"""Personas of one landscape: consultant, lead, viewer; an outsider; and anonymous."""

import pytest

from tests.factories import LandscapeFactory, MembershipFactory, UserFactory


@pytest.fixture
def landscape(db):
    return LandscapeFactory(name="Demo DEV")


@pytest.fixture
def people(landscape):
    consultant = MembershipFactory(landscape=landscape, role="consultant", user__username="carla").user
    lead = MembershipFactory(landscape=landscape, role="lead", user__username="leo").user
    viewer = MembershipFactory(landscape=landscape, role="viewer", user__username="vera").user
    outsider = UserFactory(username="otto")
    return {"consultant": consultant, "lead": lead, "viewer": viewer, "outsider": outsider}
