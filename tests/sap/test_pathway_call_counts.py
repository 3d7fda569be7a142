"""How many HTTP calls one inbound and one outbound Basic pathway take end to end against the sandbox."""

from pathways.sap import runtime

from .conftest import INSTANCE_PARAMETERS


def test_inbound_basic_pathway_instance_key_token_runtime_call(cf, space, flow_plan, tokens, http, faults):
    faults.set_async(job_polls=1)
    before = http.call_count
    instance = cf.create_instance(space.guid, flow_plan.guid, "s4-inbound", INSTANCE_PARAMETERS)
    key = cf.key_details(cf.create_key(instance.guid, "s4-key").guid)
    tokens.for_key(key)
    result = runtime.call_endpoint(
        http, runtime.endpoint_url(key.url, "/http/authwizard/ping"), basic=(key.clientid, key.clientsecret)
    )
    assert result.ok
    used = http.call_count - before
    print(f"inbound Basic pathway: {used} HTTP calls")
    assert used == 9  # the instance and key are polled themselves, so no job reads and no re-reads


def test_outbound_basic_pathway_credential_deploy_wait_read_back(cpi, http, faults):
    faults.set_async(deploy_polls=1)
    cpi.create_user_credential("S4_BASIC", "COMM_USER", "Secret-123")
    cpi.wait_until_deployed("S4_BASIC")
    assert cpi.get_user_credential("S4_BASIC").user == "COMM_USER"
    print(f"outbound Basic pathway: {http.call_count} HTTP calls")
    assert http.call_count == 4  # token, CSRF, POST, one read: the deployed artifact is read once
