"""How many HTTP calls one inbound and one outbound Basic pathway take end to end against the sandbox.

The expected numbers are the fewest calls `sap-apis.md` allows for the same work, counted below step by
step; a client that makes more calls than the documented protocol needs fails here.
"""

from pathways.sap import runtime

from .conftest import INSTANCE_PARAMETERS

# Async CF work (sap-apis.md §4 polling algorithm): instead of following the job and then re-reading the
# resource, the client may poll the resource itself (its `last_operation`), so the last poll is the read the
# step needs. The sandbox's `job_polls=1` keeps the operation "in progress" for one read: two GETs each.
POLLS = 2
# The instance, already knowing the space and plan guids (the fixtures looked them up):
# §5 #6 POST /v3/service_instances (202) → GET the instance until last_operation succeeded.
INSTANCE_CALLS = 1 + POLLS
# The key (§5 "Ensure key" recipe): #11 POST /v3/service_credential_bindings (202) → GET the binding until
# its last_operation succeeded → #14 GET …/{guid}/details for the credentials.
KEY_CALLS = 1 + POLLS + 1
# §3.3: one client-credentials grant for the key's token; §11: one call of the iFlow endpoint.
TOKEN_CALLS, RUNTIME_CALLS = 1, 1
INBOUND_BASIC_CALLS = INSTANCE_CALLS + KEY_CALLS + TOKEN_CALLS + RUNTIME_CALLS  # 3 + 4 + 1 + 1 = 9

# Outbound Basic (§9.2, §8.3): §3.3 one token for the api key; §8.3 one CSRF fetch (GET /api/v1/ with
# `X-CSRF-Token: Fetch`) before the first write; one POST /UserCredentials (202, "deployment triggered");
# GET ('<Name>') until SecurityArtifactDescriptor.Status is DEPLOYED — with the sandbox's `deploy_polls=1`
# the first GET already says DEPLOYED, and that read is the artifact as deployed: reading it again for the
# test's read-back would be a call the protocol does not need.
OUTBOUND_BASIC_CALLS = 1 + 1 + 1 + 1  # = 4


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
    assert http.call_count - before == INBOUND_BASIC_CALLS


def test_outbound_basic_pathway_credential_deploy_wait_read_back(cpi, http, faults):
    faults.set_async(deploy_polls=1)
    cpi.create_user_credential("S4_BASIC", "COMM_USER", "Secret-123")
    cpi.wait_until_deployed("S4_BASIC")
    assert cpi.get_user_credential("S4_BASIC").user == "COMM_USER"
    assert http.call_count == OUTBOUND_BASIC_CALLS
