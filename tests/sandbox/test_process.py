"""The sandbox process: ready line, descriptor, persistence across restarts, clean SIGTERM, plain HTTP."""

import json

from tests.fixtures.sandbox import SandboxProcess

from .conftest import CfClient, CpiClient


def test_state_and_ca_survive_a_restart(tmp_path, localhost_names):
    first = SandboxProcess(tmp_path / "state")
    try:
        assert (
            first.ready_line
            == f"sandbox ready https://sandbox.localhost:{first.port} state={tmp_path / 'state'}"
        )
        facts = first.admin("GET", "tenants/demo").json()
        cf = CfClient(first, facts)
        instance, _ = cf.create_instance("kept", {"roles": ["ESBMessaging.send"]})
        cf.create_key(instance, "kept-key")
        CpiClient(first, facts["api_key"]).call(
            "POST", "/UserCredentials", json={"Name": "KEPT", "Kind": "default", "User": "u", "Password": "p"}
        )
        ca_before = (tmp_path / "state" / "ca.pem").read_text()
    finally:
        assert first.stop() == 0
    second = SandboxProcess(tmp_path / "state")
    try:
        assert (tmp_path / "state" / "ca.pem").read_text() == ca_before
        facts_after = second.admin("GET", "tenants/demo").json()
        assert facts_after["cf_user"] == facts["cf_user"]
        cf = CfClient(second, facts_after)
        assert cf.get("/v3/service_instances?names=kept").json()["resources"][0]["guid"] == instance
        oauth = cf.key_credentials(instance, "kept-key")["oauth"]
        assert oauth["url"] == facts_after["runtime_url"]
        names = [
            r["Name"]
            for r in CpiClient(second, facts_after["api_key"])
            .call("GET", "/UserCredentials")
            .json()["d"]["results"]
        ]
        assert "KEPT" in names
        descriptor = json.loads((tmp_path / "state" / "sandbox.json").read_text())
        assert descriptor["port"] == second.port and descriptor["ca_path"].endswith("ca.pem")
        assert descriptor["tenants"]["demo"].endswith("tenants/demo.json")
    finally:
        second.stop()


def test_plain_http_only_with_the_flag(tmp_path, localhost_names):
    server = SandboxProcess(tmp_path / "plain", extra_args=("--plain-http",))
    try:
        assert server.ready_line.startswith("sandbox ready http://sandbox.localhost:")
        response = server.session().get(server.url + "/_sandbox/tenants")
        assert response.json()["tenants"] == ["demo"]
    finally:
        server.stop()
