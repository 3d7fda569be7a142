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


@SLOW
@given(body=JSON)
def test_cpi_user_credential_writes_never_answer_500_unless_sap_does(cpi, body):
    response = cpi.call("POST", "/UserCredentials", json=body)
    assert response.status_code in (202, 400, 409, 500)
    if response.status_code == 500:
        assert response.json()["error"]["code"] == "Internal Server Error"
        assert response.json()["error"]["message"]["value"]


@SLOW
@given(body=JSON)
def test_key_pair_generation_with_odd_bodies_is_a_4xx(cpi, body):
    response = cpi.call("POST", "/KeyPairGenerationRequests", json=body)
    assert response.status_code in (204, 400, 403), response.text
