"""A write whose answer is lost (502/504 or a dropped connection after the server acted) is not sent again
blindly: the remote state is read first, so there is never a duplicate and never a false "already exists"."""

import pytest

from .helpers import last_seq, run_now

pytestmark = pytest.mark.django_db(transaction=True)

CASES = [
    ("s4_to_cpi", "basic", "cf", "POST", r"^/v3/service_instances$", "status_after", 502),
    ("s4_to_cpi", "basic", "cf", "POST", r"^/v3/service_credential_bindings$", "drop_after", None),
    ("cpi_to_s4", "basic", "cpi", "POST", r"/UserCredentials$", "status_after", 504),
    ("cpi_to_s4", "certificate", "cpi", "POST", r"/KeyPairGenerationRequests$", "drop_after", None),
    ("cpi_to_s4", "certificate", "cpi", "PUT", r"/CertificateResources", "status_after", 502),
    ("cpi_to_s4", "basic", "cpi", "DELETE", r"/UserCredentials", "status_after", 504),
]


def remote(sandbox_server, tenant) -> dict:
    return sandbox_server.state(tenant["subdomain"])["tenants"][tenant["subdomain"]]


def names(state: dict) -> list[str]:
    flows = [i["name"] for i in state["instances"] if i["plan"] == "integration-flow"]
    keys = [k["name"] for k in state["keys"]]
    credentials = [c["Name"] for c in state["user_credentials"] if c["Kind"]]
    aliases = [e["alias"] for e in state["keystores"]["system"]]
    return sorted(flows + keys + credentials + [a for a in aliases if not a.startswith("sap_")])


@pytest.mark.parametrize(("key", "method", "host", "verb", "path", "kind", "status"), CASES)
def test_a_write_whose_answer_is_lost_is_not_repeated_blindly(
    prepare, add_fault, sandbox_server, sandbox_tenant, key, method, host, verb, path, kind, status
):
    pathway = prepare(key, method)
    if verb == "DELETE":  # the retirement of a credential: apply, then remove it with its answer lost
        assert run_now(pathway, "apply").state == "succeeded"
        pathway.refresh_from_db()
    fault = {"kind": kind, "host": host, "method": verb, "path": path}
    if status:
        fault["status"] = status
    add_fault(**fault)
    start = last_seq(sandbox_server)
    if verb == "DELETE":
        from pathways.engine.connect import Connection

        with Connection(pathway.landscape) as connection:
            assert connection.cpi.delete_user_credential(pathway.applied["credential_name"]) is True
        assert [
            c["Name"] for c in remote(sandbox_server, sandbox_tenant)["user_credentials"] if c["Kind"]
        ] == []
    else:
        run = run_now(pathway, "apply")
        assert run.state == "succeeded", run.message
        assert "already" not in run.message
        found = names(remote(sandbox_server, sandbox_tenant))
        assert len(found) == len(set(found)), found
    import re

    sent = [c for c in sandbox_server.calls(since=start) if c["method"] == verb and c["kind"] == host]
    lost = [c for c in sent if c["status"] in (502, 504, "dropped")]
    assert len(lost) == 1
    assert len([c for c in sent if re.search(path, c["path"].split("?")[0])]) == 1, sent
