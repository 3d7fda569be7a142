"""Every call names AuthWizard in User-Agent; every CPI OData call, the CSRF fetch included, asks for JSON."""

import pytest

from .helpers import last_seq, run_now

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(("key", "method"), [("cpi_to_s4", "basic"), ("cpi_to_ssc", "certificate")])
def test_outbound_apply_asks_cpi_for_json_and_names_the_client(prepare, sandbox_server, key, method):
    pathway = prepare(key, method)
    start = last_seq(sandbox_server)
    run = run_now(pathway, "apply")
    assert run.state == "succeeded", run.message
    calls = sandbox_server.calls(since=start)
    odata = [c for c in calls if c["kind"] == "cpi"]
    assert any(c["method"] == "GET" and c["path"] == "/api/v1/" for c in odata), "no CSRF fetch seen"
    assert [c for c in odata if "no_accept_json" in c["flags"]] == []
    agents = {c["user_agent"].split(" ")[0] for c in calls}
    assert len(agents) == 1 and agents.pop().startswith("AuthWizard/")
