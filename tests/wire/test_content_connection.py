"""A run's integration content client uses the landscape's api-plan key like its CPI client: one token and
one CSRF session for both, and the landscape's deploy polling."""

import pytest

from pathways.engine.connect import Connection

from .helpers import last_seq, token_fetches

pytestmark = pytest.mark.django_db(transaction=True)

TO_S4 = "com.sap.fixture.ssc2.ReplicateBusinessPartnerToS4HANA"


def test_the_content_client_shares_the_key_token_and_csrf_session(landscape, sandbox_server, sandbox_tenant):
    start = last_seq(sandbox_server)
    with Connection(landscape) as connection:
        connection.cpi.create_user_credential("S4_BASIC", "COMM_USER", "Pa55-word-never-logged")
        content = connection.content
        assert content.key.clientid == connection.cpi.key.clientid
        assert content.polling.first_interval == 0.01 and content.polling.min_interval == 0.0
        content.update_configuration(TO_S4, "active", "Receiver Credential Name", "S4_BASIC")
        assert content.wait_until_started(TO_S4, task=content.deploy(TO_S4)).started
    calls = [c for c in sandbox_server.calls(since=start) if c["subdomain"] == sandbox_tenant["subdomain"]]
    tokens = token_fetches(calls)
    fetches = [c for c in calls if c["kind"] == "cpi" and c["method"] == "GET" and c["path"] == "/api/v1/"]
    assert len(tokens) == 1 and len(fetches) == 1
    assert [c for c in calls if c["flags"]] == []
