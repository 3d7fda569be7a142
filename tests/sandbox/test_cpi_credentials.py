"""CPI OData conventions and User Credentials (§8, §9, D-01/D-02, D-12, D-18..D-21)."""

from .conftest import CpiClient

BODY = {
    "Name": "S4_BASIC",
    "Kind": "default",
    "Description": "CPI to S/4HANA",
    "User": "COMM_USER",
    "Password": "s3cret!",
    "CompanyId": None,
}


def test_csrf_fetch_returns_a_token_and_a_session_cookie(sandbox_server, sandbox_tenant):
    cpi = CpiClient(sandbox_server, sandbox_tenant["api_key"], fetch_csrf=False)
    response = cpi.call("GET", "/", headers={"X-CSRF-Token": "Fetch"})
    assert response.status_code == 200 and response.headers["X-CSRF-Token"]
    assert "JSESSIONID" in response.cookies
    assert "EntitySets" in response.json()["d"]


def test_write_without_csrf_token_is_403_with_required_header(sandbox_server, sandbox_tenant):
    cpi = CpiClient(sandbox_server, sandbox_tenant["api_key"], fetch_csrf=False)
    response = cpi.call("POST", "/UserCredentials", json=BODY)
    assert response.status_code == 403 and response.headers["X-CSRF-Token"].lower() == "required"


def test_token_from_another_session_is_stale(sandbox_server, sandbox_tenant):
    cpi = CpiClient(sandbox_server, sandbox_tenant["api_key"])
    cpi.http.cookies.clear()
    response = cpi.call("POST", "/UserCredentials", json=BODY)
    assert response.status_code == 403 and response.headers.get("X-CSRF-Token") == "Required"


def test_user_credential_lifecycle_with_202_writes_and_deployment(cpi):
    assert cpi.call("POST", "/UserCredentials", json=BODY).status_code == 202
    entity = cpi.call("GET", "/UserCredentials('S4_BASIC')").json()["d"]
    assert entity["Password"] is None and entity["User"] == "COMM_USER" and entity["Kind"] == "default"
    descriptor = entity["SecurityArtifactDescriptor"]
    assert descriptor["Status"] == "DEPLOYED" and descriptor["DeployedOn"].startswith("/Date(")
    update = {**BODY, "User": "OTHER_USER"}
    del update["Password"]
    assert cpi.call("PUT", "/UserCredentials('S4_BASIC')", json=update).status_code == 202
    assert cpi.call("GET", "/UserCredentials('S4_BASIC')").json()["d"]["User"] == "OTHER_USER"
    assert cpi.call("DELETE", "/UserCredentials('S4_BASIC')").status_code == 202
    missing = cpi.call("GET", "/UserCredentials('S4_BASIC')")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "Not Found"


def test_deploy_polls_knob_delays_deployed(cpi, sandbox_server):
    sandbox_server.admin("POST", "async", {"deploy_polls": 3}).raise_for_status()
    cpi.call("POST", "/UserCredentials", json=BODY)
    statuses = [
        cpi.call("GET", "/UserCredentials('S4_BASIC')").json()["d"]["SecurityArtifactDescriptor"]["Status"]
        for _ in range(3)
    ]
    assert statuses[-1] == "DEPLOYED" and all(s != "DEPLOYED" for s in statuses[:-1])


def test_duplicate_post_is_409_with_sap_text(cpi):
    cpi.call("POST", "/UserCredentials", json=BODY)
    response = cpi.call("POST", "/UserCredentials", json=BODY)
    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "Conflict",
            "message": {"lang": "en", "value": "Entity with specified name already exists."},
        }
    }


def test_put_of_a_missing_entity_is_409_not_404(cpi):
    response = cpi.call("PUT", "/UserCredentials('NOPE')", json={**BODY, "Name": "NOPE"})
    assert response.status_code == 409
    assert response.json()["error"]["message"]["value"] == "Entity with specified key does not exist."


def test_put_with_a_different_name_in_the_body_is_400(cpi):
    cpi.call("POST", "/UserCredentials", json=BODY)
    response = cpi.call("PUT", "/UserCredentials('S4_BASIC')", json={**BODY, "Name": "OTHER"})
    assert response.status_code == 400
    assert response.json()["error"]["message"]["value"] == (
        "Entity key specified in URI does not match to name from payload."
    )


def test_malformed_json_is_400_and_bad_kind_is_500(cpi):
    malformed = cpi.call(
        "POST", "/UserCredentials", data="{oops", headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert (
        malformed.json()["error"]["message"]["value"]
        == "An exception of type 'MalformedJsonException' occurred."
    )
    bad_kind = cpi.call("POST", "/UserCredentials", json={**BODY, "Kind": "weird"})
    assert bad_kind.status_code == 500 and bad_kind.json()["error"]["code"] == "Internal Server Error"
    no_company = cpi.call("POST", "/UserCredentials", json={**BODY, "Kind": "successfactors"})
    assert no_company.status_code == 500


def test_unusual_names_are_refused_with_400(cpi):
    response = cpi.call("POST", "/UserCredentials", json={**BODY, "Name": "bad/name"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "Bad Request"


def test_list_contains_an_oauth2_entry_with_kind_null(cpi):
    cpi.call("POST", "/UserCredentials", json=BODY)
    results = cpi.call("GET", "/UserCredentials").json()["d"]["results"]
    kinds = {r["Name"]: r["Kind"] for r in results}
    assert kinds["S4_BASIC"] == "default" and None in kinds.values()
    assert all(r["Password"] is None for r in results)


def test_missing_role_is_403_without_the_csrf_header(sandbox_server, sandbox_tenant):
    reader_key = sandbox_server.admin(
        "POST", f"tenants/{sandbox_tenant['subdomain']}/api-keys", {"roles": ["MonitoringDataRead"]}
    ).json()
    reader = CpiClient(sandbox_server, reader_key)
    assert reader.call("GET", "/UserCredentials").status_code == 200
    response = reader.call("POST", "/UserCredentials", json=BODY)
    assert response.status_code == 403 and "X-CSRF-Token" not in response.headers
    nobody = CpiClient(
        sandbox_server,
        sandbox_server.admin(
            "POST", f"tenants/{sandbox_tenant['subdomain']}/api-keys", {"roles": ["CredentialsEdit"]}
        ).json(),
    )
    assert nobody.call("GET", "/UserCredentials").status_code == 403


def test_without_accept_json_the_answer_is_atom_xml(cpi):
    response = cpi.call("GET", "/UserCredentials", headers={"Accept": "application/atom+xml"})
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    assert (
        cpi.call("GET", "/UserCredentials?$format=json", headers={"Accept": "*/*"})
        .headers["Content-Type"]
        .startswith("application/json")
    )


def test_more_than_ten_requests_a_second_per_user_get_429_with_retry_after(cpi):
    statuses = [cpi.call("GET", "/UserCredentials", retry_429=False) for _ in range(14)]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited, "expected at least one 429"
    assert limited[0].headers["Retry-After"] == "1"
    assert limited[0].json()["error"]["code"] == "Too Many Requests"


def test_unauthenticated_calls_are_401(sandbox_server, sandbox_tenant):
    response = sandbox_server.session().get(sandbox_tenant["cpi_api_url"] + "/UserCredentials")
    assert response.status_code == 401


def test_token_of_another_tenant_is_refused(sandbox_server, sandbox_tenant):
    other = sandbox_server.new_tenant("iso")
    intruder = CpiClient(sandbox_server, other["api_key"], fetch_csrf=False)
    intruder.base = sandbox_tenant["cpi_api_url"]
    assert intruder.call("GET", "/UserCredentials").status_code == 401


def test_more_than_twelve_requests_a_second_per_tenant_get_429_across_users(sandbox_server, sandbox_tenant):
    """§8.5: 12 requests a second per tenant, 10 per user. With the sandbox clock stopped, the count does not
    depend on how fast this machine sends: of 16 requests alternating between two users (8 each, under the
    per-user 10), exactly the first 12 pass and the 4 after them get 429 with Retry-After."""
    second_key = sandbox_server.admin(
        "POST", f"tenants/{sandbox_tenant['subdomain']}/api-keys", {"roles": ["MonitoringDataRead"]}
    ).json()
    first = CpiClient(sandbox_server, sandbox_tenant["api_key"], fetch_csrf=False)
    second = CpiClient(sandbox_server, second_key, fetch_csrf=False)
    sandbox_server.admin("POST", "clock", {"stop": True}).raise_for_status()
    responses = []
    for _ in range(8):
        responses += [client.call("GET", "/UserCredentials", retry_429=False) for client in (first, second)]
    assert [r.status_code for r in responses] == [200] * 12 + [429] * 4
    assert responses[-1].headers["Retry-After"] == "1"
    assert responses[-1].json()["error"]["message"]["value"] == "Rate limit exceeded. Try again later."

    sandbox_server.admin("POST", "clock", {"advance": 0.25}).raise_for_status()  # 12/s refills 3 in 0.25 s
    again = [first.call("GET", "/UserCredentials", retry_429=False).status_code for _ in range(4)]
    assert again == [200, 200, 200, 429]


def test_ten_requests_a_second_per_user_even_when_the_tenant_has_room(sandbox_server, sandbox_tenant):
    """§8.5: one user gets 10 a second, although the tenant (12 a second) would allow more."""
    client = CpiClient(sandbox_server, sandbox_tenant["api_key"], fetch_csrf=False)
    sandbox_server.admin("POST", "clock", {"stop": True}).raise_for_status()
    statuses = [client.call("GET", "/UserCredentials", retry_429=False).status_code for _ in range(12)]
    assert statuses == [200] * 10 + [429] * 2


def test_api_certificate_key_reaches_the_api_over_mtls_without_a_token(cf, certs, sandbox_server):
    from .conftest import unescape

    instance, _ = cf.create_instance(
        "api-mtls", {"roles": ["MonitoringDataRead"], "grant-types": ["client_credentials"]}, plan="api"
    )
    cf.create_key(instance, "api-cert", {"key-type": "certificate"})
    oauth = cf.key_credentials(instance, "api-cert")["oauth"]
    files = certs.files(unescape(oauth["certificate"]), unescape(oauth["key"]))
    response = sandbox_server.session().get(
        oauth["url"] + "/api/v1/UserCredentials", cert=files, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200 and "results" in response.json()["d"]


def test_runtime_calls_show_up_as_message_processing_logs(cf, cpi, sandbox_server):
    instance, _ = cf.create_instance("mpl-inbound", {"roles": ["ESBMessaging.send"]})
    cf.create_key(instance, "mpl-key")
    oauth = cf.key_credentials(instance, "mpl-key")["oauth"]
    sandbox_server.session().post(
        oauth["url"] + "/http/authwizard/ping", auth=(oauth["clientid"], oauth["clientsecret"])
    )
    logs = cpi.call(
        "GET",
        "/MessageProcessingLogs?$filter=IntegrationFlowName eq 'AuthWizard_Ping_HTTP'"
        "&$top=5&$inlinecount=allpages",
    ).json()["d"]
    assert logs["results"][0]["Status"] == "COMPLETED" and logs["__count"] == "1"
