"""Personas for the leads' pages: a prod and a dev landscape with consultant, two leads, viewer; an
outsider.
"""

import pytest

from tests.factories import LandscapeFactory, MembershipFactory, UserFactory


@pytest.fixture
def prod(db):
    return LandscapeFactory(name="Sales PROD", tier="prod")


@pytest.fixture
def dev(db):
    return LandscapeFactory(name="Sales DEV", tier="dev")


@pytest.fixture
def people(prod, dev):
    consultant = UserFactory(username="carla")
    lead = UserFactory(username="leo")
    second_lead = UserFactory(username="lena")
    viewer = UserFactory(username="vera")
    for landscape in (prod, dev):
        MembershipFactory(landscape=landscape, user=consultant, role="consultant")
        MembershipFactory(landscape=landscape, user=lead, role="lead")
        MembershipFactory(landscape=landscape, user=second_lead, role="lead")
        MembershipFactory(landscape=landscape, user=viewer, role="viewer")
    return {
        "consultant": consultant,
        "lead": lead,
        "second_lead": second_lead,
        "viewer": viewer,
        "outsider": UserFactory(username="otto"),
    }


def fill_basic_draft(pathway, user, value="COMM_USER"):
    """A complete outbound Basic draft (cpi_to_s4), typed through the model's autosave."""
    pathway.save_field("method", "basic", seen_version=pathway.version, user=user, force=True)
    pathway.refresh_from_db()
    pathway.save_field("user", value, seen_version=pathway.version, user=user)
    pathway.refresh_from_db()
    pathway.save_field("password", "Secret-Passw0rd!", seen_version=pathway.version, user=user)
    pathway.refresh_from_db()
    return pathway
