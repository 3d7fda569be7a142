"""The iFlow tests' plain landscape (the sandbox journeys build their own from a tenant)."""

import pytest

from tests.factories import LandscapeFactory


@pytest.fixture
def plain_landscape(db):
    return LandscapeFactory(name="iFlows DEV", integration_packages="Pkg")
