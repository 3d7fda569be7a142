"""Within a run each owner's secrets are read in one query; saving or deleting one reads them again."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pathways.models import Secret
from pathways.models.secret import secrets_kept
from tests.factories import LandscapeFactory

pytestmark = pytest.mark.django_db


def lookups(landscape, pathway, names):
    with CaptureQueriesContext(connection) as queries:
        found = {name: Secret.lookup(landscape=landscape, pathway=pathway, name=name) for name in names}
    return {name: secret.reveal() if secret else None for name, secret in found.items()}, len(queries)


def test_one_query_per_owner_and_a_write_of_that_owner_is_seen():
    landscape = LandscapeFactory()
    pathway = landscape.pathways.get(key="cpi_to_s4")
    Secret.store(landscape=landscape, pathway=pathway, name="password", value="first-Passw0rd")
    Secret.store(landscape=landscape, name="cf_password", value="cf-Passw0rd")
    with secrets_kept():
        assert lookups(landscape, pathway, ["password", "pkcs12", "password"]) == (
            {"password": "first-Passw0rd", "pkcs12": None},
            1,
        )
        assert lookups(landscape, None, ["cf_password"]) == ({"cf_password": "cf-Passw0rd"}, 1)
        assert lookups(landscape, pathway, ["password"])[1] == 0
        Secret.store(landscape=landscape, pathway=pathway, name="password", value="second-Passw0rd")
        assert lookups(landscape, pathway, ["password"]) == ({"password": "second-Passw0rd"}, 1)
        Secret.objects.filter(pathway=pathway, name="password").delete()
        assert lookups(landscape, pathway, ["password"]) == ({"password": None}, 1)
        assert lookups(landscape, None, ["cf_password"])[1] == 0  # the landscape's own were not touched
    # outside a run every lookup asks the database
    assert lookups(landscape, None, ["cf_password", "cf_password"])[1] == 2
