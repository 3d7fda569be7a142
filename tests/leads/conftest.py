"""Personas for the leads' pages: a prod and a dev landscape with consultant, two leads, viewer; an
outsider.
"""

import pytest

from tests.factories import LandscapeFactory
from tests.fixtures.personas import make_people


@pytest.fixture
def prod(db):
    return LandscapeFactory(name="Sales PROD", tier="prod")


@pytest.fixture
def dev(db):
    return LandscapeFactory(name="Sales DEV", tier="dev")


@pytest.fixture
def people(prod, dev):
    return make_people(prod, dev)


def fill_basic_draft(pathway, user, value="COMM_USER"):
    """A complete outbound Basic draft (cpi_to_s4), typed through the model's autosave."""
    pathway.save_field("method", "basic", seen_version=pathway.version, user=user, force=True)
    pathway.refresh_from_db()
    pathway.save_field("user", value, seen_version=pathway.version, user=user)
    pathway.refresh_from_db()
    pathway.save_field("password", "Secret-Passw0rd!", seen_version=pathway.version, user=user)
    pathway.refresh_from_db()
    return pathway
