"""The web tests' landscape; its personas come from tests/fixtures/personas.py."""

import pytest

from tests.factories import LandscapeFactory


@pytest.fixture
def landscape(db):
    return LandscapeFactory(name="Demo DEV")
