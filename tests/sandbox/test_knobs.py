"""Knobs (/_sandbox/): every fault kind, latency, call log, async timing, reset, tenant api keys."""

import time

import pytest
import requests

from .conftest import CfClient, CpiClient

BODY = {"Name": "S4_BASIC", "Kind": "default", "User": "U", "Password": "p"}


def test_status_fault_answers_the_given_status_body_and_retry_after_then_clears(cf, sandbox_server):
    fault = sandbox_server.admin(
        "POST",
        "faults",
        {
            "kind": "status",
            "host": "cf",
            "method": "GET",
            "path": "^/v3/service_instances$",
            "status": 503,
            "body": {"errors": [{"code": 10015}]},
            "retry_after": 7,
            "times": 2,
        },
    )
    assert fault.status_code == 201
    for _ in range(2):
        response = cf.get("/v3/service_instances")
        assert response.status_code == 503 and response.headers["Retry-After"] == "7"
        assert response.json() == {"errors": [{"code": 10015}]}
    assert cf.get("/v3/service_instances").status_code == 200


def test_hang_fault_makes_the_client_read_time_out(cf, sandbox_server):
    sandbox_server.admin("POST", "faults", {"kind": "hang", "host": "cf", "seconds": 2, "path": "/v3/spaces"})
    with pytest.raises(requests.exceptions.ReadTimeout):
        cf.http.get(cf.base + "/v3/spaces", timeout=0.5)


def test_drop_fault_closes_the_connection_without_an_answer(cf, sandbox_server):
    sandbox_server.admin("POST", "faults", {"kind": "drop", "host": "cf", "path": "/v3/organizations"})
    with pytest.raises(requests.exceptions.ConnectionError):
        cf.get("/v3/organizations")
    assert cf.get("/v3/organizations").status_code == 200


def test_expire_token_fault_turns_the_presented_token_invalid(cf, sandbox_server, sandbox_tenant):
    sandbox_server.admin("POST", "faults", {"kind": "expire_token", "host": "cf"})
    first = cf.get("/v3/spaces")
    assert first.status_code == 401 and first.json()["errors"][0]["title"] == "CF-InvalidAuthToken"
    assert cf.get("/v3/spaces").status_code == 401
    fresh = CfClient(sandbox_server, sandbox_tenant)
    assert fresh.get("/v3/spaces").status_code == 200


def test_expire_csrf_fault_forces_a_refetch(cpi, sandbox_server):
    sandbox_server.admin("POST", "faults", {"kind": "expire_csrf", "host": "cpi"})
    stale = cpi.call("POST", "/UserCredentials", json=BODY)
    assert stale.status_code == 403 and stale.headers["X-CSRF-Token"] == "Required"
    cpi.fetch_csrf()
    assert cpi.call("POST", "/UserCredentials", json=BODY).status_code == 202


def test_fail_job_fault_fails_the_job_of_the_named_resource(cf, sandbox_server):
    sandbox_server.admin("POST", "faults", {"kind": "fail_job", "name": "^unlucky$"})
    instance, job = cf.create_instance("unlucky", {"roles": ["ESBMessaging.send"]})
    assert job["state"] == "FAILED"
    assert job["errors"][0]["detail"].startswith("provision could not be completed: ")
    assert cf.get(f"/v3/service_instances/{instance}").json()["last_operation"]["state"] == "failed"
    _, other = cf.create_instance("lucky", {"roles": ["ESBMessaging.send"]})
    assert other["state"] == "COMPLETE"


def test_job_forever_fault_keeps_the_job_in_progress(cf, sandbox_server, sandbox_tenant):
    sandbox_server.admin("POST", "faults", {"kind": "job_forever", "name": "stuck"})
    body = {
        "type": "managed",
        "name": "stuck",
        "relationships": {
            "space": {"data": {"guid": sandbox_tenant["space_guid"]}},
            "service_plan": {"data": {"guid": cf.plan_guid()}},
        },
    }
    location = cf.call("POST", "/v3/service_instances", json=body).headers["Location"]
    states = {cf.get(location).json()["state"] for _ in range(6)}
    assert states <= {"PROCESSING", "POLLING"}


def test_keystore_locked_fault_answers_503(cpi, sandbox_server):
    sandbox_server.admin("POST", "faults", {"kind": "keystore_locked", "host": "cpi"})
    body = {
        "Hexalias": "00",
        "Alias": "locked_one",
        "KeyType": "EC",
        "KeySize": 256,
        "SignatureAlgorithm": "SHA-256/ECDSA",
        "CommonName": "x",
        "Country": "DE",
    }
    response = cpi.call("POST", "/KeyPairGenerationRequests", json=body)
    assert response.status_code == 503 and response.json()["error"]["code"] == "Service Unavailable"
    assert cpi.call("POST", "/KeyPairGenerationRequests", json=body).status_code == 204


def test_unknown_fault_kind_is_refused_with_400(sandbox_server, sandbox_tenant):
    assert sandbox_server.admin("POST", "faults", {"kind": "meteor"}).status_code == 400


def test_latency_knob_slows_every_remote_call(cf, sandbox_server):
    sandbox_server.admin("POST", "latency", {"ms": 200}).raise_for_status()
    started = time.monotonic()
    cf.get("/v3/spaces")
    assert time.monotonic() - started >= 0.2


def test_call_log_lists_calls_without_query_secrets(sandbox_server, sandbox_tenant):
    since = sandbox_server.admin("GET", "calls?since=0").json()["last"]
    oauth = sandbox_tenant["api_key"]["oauth"]
    sandbox_server.session().post(
        oauth["tokenurl"] + "?grant_type=client_credentials&client_secret=topsecret",
        auth=(oauth["clientid"], oauth["clientsecret"]),
    )
    calls = sandbox_server.calls(since=since)
    token_calls = [c for c in calls if c["kind"] == "xsuaa" and c["subdomain"] == sandbox_tenant["subdomain"]]
    assert token_calls and token_calls[-1]["status"] == 200 and token_calls[-1]["method"] == "POST"
    assert "topsecret" not in str(calls) and "client_secret=%2A%2A%2A" in token_calls[-1]["path"]
    assert {"time", "host", "duration_ms"} <= set(token_calls[-1])
    assert sandbox_server.admin("POST", "calls/clear").status_code == 200


def test_state_knob_shows_content_but_no_secrets(cf, sandbox_server, sandbox_tenant):
    instance, _ = cf.create_instance("visible", {"roles": ["ESBMessaging.send"]})
    cf.create_key(instance, "visible-key")
    state = sandbox_server.state(sandbox_tenant["subdomain"])["tenants"][sandbox_tenant["subdomain"]]
    assert "visible" in [i["name"] for i in state["instances"]]
    assert "visible-key" in [k["name"] for k in state["keys"]]
    secret = cf.key_credentials(instance, "visible-key")["oauth"]["clientsecret"]
    dump = str(state)
    assert secret not in dump and sandbox_tenant["cf_user"]["password"] not in dump


def test_reset_of_one_tenant_removes_its_content_but_keeps_access(cf, sandbox_server, sandbox_tenant):
    cf.create_instance("temporary", {"roles": ["ESBMessaging.send"]})
    assert sandbox_server.reset(sandbox_tenant["subdomain"])["reset"] == [sandbox_tenant["subdomain"]]
    names = [r["name"] for r in cf.get("/v3/service_instances").json()["resources"]]
    assert "temporary" not in names and names == [sandbox_tenant["api_instance_name"]]


def test_new_tenant_facts_are_written_to_the_state_dir(sandbox_server, sandbox_tenant):
    import json
    from pathlib import Path

    path = Path(sandbox_server.state_dir) / "tenants" / f"{sandbox_tenant['subdomain']}.json"
    written = json.loads(path.read_text())
    assert written["api_key"] == sandbox_tenant["api_key"]
    assert set(written["api_key"]["oauth"]) >= {"clientid", "clientsecret", "url", "tokenurl"}
    assert written["sm_binding"]["sm_url"].startswith("https://service-manager.cfapps.")
    assert written["iflow_addresses"] == ["/http/authwizard/ping", "/cxf/authwizard/ping"]
    assert written["ca_path"] == sandbox_server.ca_path


def test_tenants_are_isolated(sandbox_server, sandbox_tenant):
    other = sandbox_server.new_tenant("other")
    mine, theirs = CfClient(sandbox_server, sandbox_tenant), CfClient(sandbox_server, other)
    mine.create_instance("only-mine", {"roles": ["ESBMessaging.send"]})
    assert theirs.get("/v3/service_instances?names=only-mine").json()["resources"] == []
    assert theirs.get(f"/v3/spaces/{sandbox_tenant['space_guid']}").status_code == 404
    CpiClient(sandbox_server, sandbox_tenant["api_key"]).call("POST", "/UserCredentials", json=BODY)
    their_cpi = CpiClient(sandbox_server, other["api_key"])
    names = [r["Name"] for r in their_cpi.call("GET", "/UserCredentials").json()["d"]["results"]]
    assert "S4_BASIC" not in names


def test_duplicate_tenant_is_409(sandbox_server, sandbox_tenant):
    response = sandbox_server.admin("POST", "tenants", {"subdomain": sandbox_tenant["subdomain"]})
    assert response.status_code == 409


def test_fail_job_and_job_forever_faults_also_steer_credential_deployments(cpi, sandbox_server):
    sandbox_server.admin("POST", "faults", {"kind": "fail_job", "host": "cpi", "name": "^BROKEN$"})
    sandbox_server.admin("POST", "faults", {"kind": "job_forever", "host": "cpi", "name": "^PENDING$"})
    for name in ("BROKEN", "PENDING"):
        assert cpi.call("POST", "/UserCredentials", json={**BODY, "Name": name}).status_code == 202

    def status(name):
        entity = cpi.call("GET", f"/UserCredentials('{name}')").json()["d"]
        return entity["SecurityArtifactDescriptor"]["Status"]

    assert [status("BROKEN") for _ in range(3)] == ["FAILED"] * 3
    assert [status("PENDING") for _ in range(3)] == ["DEPLOYING"] * 3


def test_the_rate_limit_clock_stops_moves_only_when_stopped_and_refuses_bad_values(
    sandbox_server, sandbox_tenant
):
    assert sandbox_server.admin("POST", "clock", {"stop": "yes"}).status_code == 400
    assert sandbox_server.admin("POST", "clock", {"advance": -1}).status_code == 400
    running = sandbox_server.admin("POST", "clock", {"advance": 1})
    assert running.status_code == 400 and running.json()["error"] == "stop the clock before moving it"
    stopped = sandbox_server.admin("POST", "clock", {"stop": True}).json()
    assert stopped["stopped"] is True
    assert sandbox_server.admin("POST", "clock", {}).json()["now"] == stopped["now"]  # it stays put
    moved = sandbox_server.admin("POST", "clock", {"advance": 1.5}).json()
    assert moved["now"] == stopped["now"] + 1.5
    assert sandbox_server.admin("POST", "clock", {"stop": False}).json()["stopped"] is False
