"""One SSLContext per CA bundle per process, and connections kept alive per host across runs."""

from urllib.parse import urlsplit

import pytest

from pathways.engine.connect import Connection, guarded_addresses
from pathways.sap.http import shared_adapter

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_second_run_reuses_the_first_runs_connection_to_the_cf_api(landscape):
    with Connection(landscape) as first:
        first.space()
    parts = urlsplit(landscape.cf_api_url)
    pools = shared_adapter(landscape.ca_bundle, guarded_addresses).poolmanager.pools
    (pool,) = [pools[key] for key in pools.keys() if key.key_host == parts.hostname]
    opened, served = pool.num_connections, pool.num_requests
    assert opened >= 1
    with Connection(landscape) as second:
        second.space()
    assert pool.num_requests > served
    assert pool.num_connections == opened
