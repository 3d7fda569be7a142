"""Property tests: odd request bodies never make the sandbox answer 500 (it answers like CF/CPI: 4xx)."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["managed", "key", "user-provided", 3]),
        "name": st.text(max_size=40) | st.integers(),
        "parameters": JSON,
        "metadata": JSON,
        "tags": JSON,
        "relationships": JSON,
    },
)
# sap-apis.md §4: the CF errors a malformed create can meet, by status.
CF_ERRORS = {
    400: {(1001, "CF-MessageParseError"), (10005, "CF-BadQueryParameter")},
    403: {(10003, "CF-NotAuthorized")},
    404: {(10010, "CF-ResourceNotFound")},
    422: {(10008, "CF-UnprocessableEntity")},
}
# §8.2 / §9.2: the OData error codes by status.
ODATA_CODES = {400: "Bad Request", 403: "Forbidden", 409: "Conflict", 500: "Internal Server Error"}
SLOW = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@SLOW
@given(body=FIELDS)
def test_cf_instance_and_key_creation_never_answers_500(cf, body):
    for path in ("/v3/service_instances", "/v3/service_credential_bindings"):
        response = cf.call("POST", path, json=body)
        assert response.status_code in (202, 400, 403, 404, 422), response.text
        if response.status_code == 202:  # §4: accepted writes answer with the job to poll, no body
            assert "/v3/jobs/" in response.headers["Location"]
        else:  # §4 error envelope: the status's CF code and title, and a detail for the user
            error = response.json()["errors"][0]
            assert (error["code"], error["title"]) in CF_ERRORS[response.status_code], error
            assert error["detail"]


@SLOW
@given(body=JSON)
def test_cpi_user_credential_writes_never_answer_500_unless_sap_does(cpi, body):
    response = cpi.call("POST", "/UserCredentials", json=body)
    assert response.status_code in (202, 400, 409, 500)
    if response.status_code == 202:  # §9.2: "deployment triggered", empty body
        assert response.content == b""
    else:  # §8.2 error body with the status's code and a message (§9.2 error table)
        error = response.json()["error"]
        assert error["code"] == ODATA_CODES[response.status_code]
        assert error["message"]["value"]


@SLOW
@given(body=JSON)
def test_key_pair_generation_with_odd_bodies_is_a_4xx(cpi, body):
    response = cpi.call("POST", "/KeyPairGenerationRequests", json=body)
    assert response.status_code in (204, 400, 403), response.text
    if response.status_code != 204:
        error = response.json()["error"]
        assert error["code"] == ODATA_CODES[response.status_code] and error["message"]["value"]
