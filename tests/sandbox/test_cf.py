"""CF v3 for it-rt (§4, §5, §12): lists, lifecycle with jobs, duplicates, 401/403/404, paging, parameters."""

import pytest

from .conftest import CfClient

IFLOW_PARAMETERS = {
    "grant-types": ["client_credentials"],
    "redirect-uris": [],
    "roles": ["ESBMessaging.send"],
}


def test_org_and_space_are_found_by_name(cf, sandbox_tenant):
    orgs = cf.get(f"/v3/organizations?names={sandbox_tenant['org']}").json()
    assert [o["guid"] for o in orgs["resources"]] == [sandbox_tenant["org_guid"]]
    spaces = cf.get(
        f"/v3/spaces?names={sandbox_tenant['space']}&organization_guids={sandbox_tenant['org_guid']}"
    )
    assert spaces.json()["resources"][0]["guid"] == sandbox_tenant["space_guid"]


def test_a_space_listing_can_include_its_organization(cf, sandbox_tenant):
    listed = cf.get(f"/v3/spaces?names={sandbox_tenant['space']}&include=organization").json()
    space = listed["resources"][0]
    assert space["relationships"]["organization"]["data"]["guid"] == sandbox_tenant["org_guid"]
    assert [(o["guid"], o["name"]) for o in listed["included"]["organizations"]] == [
        (sandbox_tenant["org_guid"], sandbox_tenant["org"])
    ]
    assert "included" not in cf.get(f"/v3/spaces?names={sandbox_tenant['space']}").json()
    refused = cf.get("/v3/spaces?include=apps")
    assert refused.status_code == 400 and refused.json()["errors"][0]["title"] == "CF-BadQueryParameter"


def test_a_client_waiting_by_listing_instances_sees_the_instance_succeed(cf, sandbox_tenant, sandbox_server):
    sandbox_server.admin("POST", "async", {"job_polls": 2, "job_seconds": 3600}).raise_for_status()
    body = {
        "type": "managed",
        "name": "listed-only",
        "parameters": IFLOW_PARAMETERS,
        "relationships": {
            "space": {"data": {"guid": sandbox_tenant["space_guid"]}},
            "service_plan": {"data": {"guid": cf.plan_guid()}},
        },
    }
    assert cf.call("POST", "/v3/service_instances", json=body).status_code == 202
    listing = f"/v3/service_instances?names=listed-only&space_guids={sandbox_tenant['space_guid']}"
    states = [cf.get(listing).json()["resources"][0]["last_operation"]["state"] for _ in range(3)]
    assert states == ["in progress", "in progress", "succeeded"]


def test_roles_show_the_user_is_space_developer_and_the_other_is_not(cf, sandbox_tenant):
    space, user = sandbox_tenant["space_guid"], sandbox_tenant["cf_user"]["guid"]
    mine = cf.get(f"/v3/roles?types=space_developer&space_guids={space}&user_guids={user}").json()
    assert mine["pagination"]["total_results"] == 1 and mine["resources"][0]["type"] == "space_developer"
    other = sandbox_tenant["cf_user_without_role"]["guid"]
    theirs = cf.get(f"/v3/roles?types=space_developer&space_guids={space}&user_guids={other}").json()
    assert theirs["resources"] == []


def test_it_rt_offers_the_integration_flow_and_api_plans(cf):
    plans = cf.get("/v3/service_plans?service_offering_names=it-rt").json()["resources"]
    assert sorted(p["name"] for p in plans) == ["api", "integration-flow"]


def test_instance_create_is_a_job_that_goes_processing_then_complete(cf, sandbox_tenant, sandbox_server):
    sandbox_server.admin("POST", "async", {"job_polls": 2}).raise_for_status()
    body = {
        "type": "managed",
        "name": "s4-inbound",
        "parameters": IFLOW_PARAMETERS,
        "relationships": {
            "space": {"data": {"guid": sandbox_tenant["space_guid"]}},
            "service_plan": {"data": {"guid": cf.plan_guid()}},
        },
        "metadata": {"labels": {"authwizard": "s4_to_cpi"}},
    }
    response = cf.call("POST", "/v3/service_instances", json=body)
    assert response.status_code == 202 and response.text == ""
    location = response.headers["Location"]
    assert location.startswith(sandbox_tenant["cf_api"] + "/v3/jobs/")
    listed = cf.get(
        f"/v3/service_instances?names=s4-inbound&space_guids={sandbox_tenant['space_guid']}"
    ).json()
    instance = listed["resources"][0]
    assert instance["last_operation"] == {
        **instance["last_operation"],
        "type": "create",
        "state": "in progress",
    }
    first = cf.get(location).json()  # the listing above was the first read of the instance: time passed
    assert first["state"] == "POLLING" and first["operation"] == "service_instance.create"
    second = cf.get(location).json()
    assert second["state"] == "COMPLETE" and second["errors"] == []
    again = cf.get(f"/v3/service_instances/{instance['guid']}").json()
    assert again["last_operation"]["state"] == "succeeded"
    assert again["metadata"]["labels"] == {"authwizard": "s4_to_cpi"}
    assert cf.get(f"/v3/service_instances/{instance['guid']}/parameters").json() == IFLOW_PARAMETERS


def test_duplicate_instance_name_is_refused_with_422(cf, sandbox_tenant):
    cf.create_instance("dup", IFLOW_PARAMETERS)
    body = {
        "type": "managed",
        "name": "dup",
        "relationships": {
            "space": {"data": {"guid": sandbox_tenant["space_guid"]}},
            "service_plan": {"data": {"guid": cf.plan_guid()}},
        },
    }
    response = cf.call("POST", "/v3/service_instances", json=body)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "code": 10008,
            "title": "CF-UnprocessableEntity",
            "detail": "The service instance name is taken: dup",
        }
    ]


def test_duplicate_key_name_is_refused_with_422(cf):
    instance, _ = cf.create_instance("with-key", IFLOW_PARAMETERS)
    cf.create_key(instance, "key-a")
    response, _ = cf.create_key(instance, "key-a")
    assert response.status_code == 422
    assert response.json()["errors"][0]["detail"] == (
        "The binding name is invalid. Key binding names must be unique. "
        "The service instance already has a key "
        "binding with name 'key-a'."
    )


def test_key_during_an_instance_operation_is_refused_with_422(cf, sandbox_tenant):
    body = {
        "type": "managed",
        "name": "busy",
        "relationships": {
            "space": {"data": {"guid": sandbox_tenant["space_guid"]}},
            "service_plan": {"data": {"guid": cf.plan_guid()}},
        },
    }
    cf.call("POST", "/v3/service_instances", json=body)
    guid = cf.get("/v3/service_instances?names=busy").json()["resources"][0]["guid"]
    response, _ = cf.create_key(guid, "early")
    assert response.status_code == 422
    assert (
        response.json()["errors"][0]["detail"]
        == "There is an operation in progress for the service instance."
    )


def test_client_secret_key_details_are_nested_under_oauth(cf, sandbox_tenant):
    instance, _ = cf.create_instance("secret-inbound", IFLOW_PARAMETERS)
    response, job = cf.create_key(instance, "secret-key")
    assert response.status_code == 202 and job["state"] == "COMPLETE"
    assert job["operation"] == "service_bindings.create"
    oauth = cf.key_credentials(instance, "secret-key")["oauth"]
    assert set(oauth) >= {"clientid", "clientsecret", "tokenurl", "url"}
    assert oauth["url"] == sandbox_tenant["runtime_url"]
    assert oauth["tokenurl"] == sandbox_tenant["token_url"]
    assert "|it-rt-" in oauth["clientid"] and len(oauth["clientsecret"]) >= 32


def test_certificate_key_carries_literal_newlines_and_certificate_details(cf):
    instance, _ = cf.create_instance("cert-inbound", IFLOW_PARAMETERS)
    _, job = cf.create_key(
        instance, "cert-key", {"key-type": "certificate", "validity": 10, "key-length": 2048}
    )
    assert job["state"] == "COMPLETE"
    oauth = cf.key_credentials(instance, "cert-key")["oauth"]
    assert "\n" not in oauth["certificate"] and "\\n" in oauth["certificate"]
    assert oauth["certificate"].count("BEGIN CERTIFICATE") == 2 and "PRIVATE KEY" in oauth["key"]
    details = oauth["certificatedetails"]
    assert set(details) == {"issuerdn", "subjectdn", "serialnumber", "validuntil"}
    assert details["validuntil"].endswith(".000Z") and "Client CA" in details["issuerdn"]


def test_client_x509_instance_cannot_get_keys_until_updated(cf):
    legacy = {"grant-types": ["client_credentials", "client_x509"], "roles": ["ESBMessaging.send"]}
    instance, job = cf.create_instance("legacy", legacy)
    assert job["state"] == "COMPLETE"
    _, failed = cf.create_key(instance, "blocked")
    assert failed["state"] == "FAILED"
    error = failed["errors"][0]
    assert error["code"] == 10009 and error["title"] == "CF-UnableToPerform"
    assert error["detail"].startswith("bind could not be completed: ") and "client_x509" in error["detail"]
    response = cf.call(
        "PATCH",
        f"/v3/service_instances/{instance}",
        json={"parameters": {"grant-types": ["client_credentials"]}},
    )
    assert response.status_code == 202
    assert cf.wait_job(response.headers["Location"])["state"] == "COMPLETE"
    _, ok = cf.create_key(instance, "allowed")
    assert ok["state"] == "COMPLETE"


def test_unknown_key_type_fails_the_key_job(cf):
    instance, _ = cf.create_instance("odd-key", IFLOW_PARAMETERS)
    _, job = cf.create_key(instance, "odd", {"key-type": "clientsecret-please"})
    assert job["state"] == "FAILED" and "key-type" in job["errors"][0]["detail"]


def test_patch_of_name_only_answers_200_with_the_object(cf):
    instance, _ = cf.create_instance("old-name", IFLOW_PARAMETERS)
    response = cf.call("PATCH", f"/v3/service_instances/{instance}", json={"name": "new-name"})
    assert response.status_code == 200 and response.json()["name"] == "new-name"


def test_delete_removes_the_instance_and_its_keys_after_the_job(cf):
    instance, _ = cf.create_instance("doomed", IFLOW_PARAMETERS)
    cf.create_key(instance, "doomed-key")
    response = cf.call("DELETE", f"/v3/service_instances/{instance}")
    assert response.status_code == 202
    assert cf.get(f"/v3/service_instances/{instance}").json()["last_operation"]["type"] == "delete"
    job = cf.wait_job(response.headers["Location"])
    assert job["state"] == "COMPLETE" and job["operation"] == "service_instance.delete"
    assert cf.get(f"/v3/service_instances/{instance}").status_code == 404
    keys = cf.get(f"/v3/service_credential_bindings?service_instance_guids={instance}").json()
    assert keys["resources"] == []


def test_key_delete_is_a_job_too(cf):
    instance, _ = cf.create_instance("key-owner", IFLOW_PARAMETERS)
    cf.create_key(instance, "gone-soon")
    key = cf.get("/v3/service_credential_bindings?names=gone-soon").json()["resources"][0]
    response = cf.call("DELETE", f"/v3/service_credential_bindings/{key['guid']}")
    assert response.status_code == 202
    assert cf.wait_job(response.headers["Location"])["state"] == "COMPLETE"
    assert cf.get(f"/v3/service_credential_bindings/{key['guid']}").status_code == 404


def test_unknown_guid_is_404_resource_not_found(cf):
    response = cf.get("/v3/service_instances/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.json()["errors"] == [
        {"code": 10010, "title": "CF-ResourceNotFound", "detail": "Service instance not found"}
    ]


def test_missing_token_is_401_not_authenticated_and_a_bad_one_invalid_auth_token(
    sandbox_server, sandbox_tenant
):
    http = sandbox_server.session()
    missing = http.get(sandbox_tenant["cf_api"] + "/v3/service_instances")
    assert missing.status_code == 401 and missing.json()["errors"][0]["title"] == "CF-NotAuthenticated"
    bad = http.get(
        sandbox_tenant["cf_api"] + "/v3/service_instances", headers={"Authorization": "bearer x.y.z"}
    )
    assert bad.status_code == 401 and bad.json()["errors"][0]["code"] == 1000
    assert bad.json()["errors"][0]["title"] == "CF-InvalidAuthToken"


def test_user_without_space_developer_role_gets_403_on_writes(sandbox_server, sandbox_tenant):
    auditor = CfClient(sandbox_server, sandbox_tenant, "cf_user_without_role")
    assert auditor.get("/v3/service_instances").status_code == 200
    body = {
        "type": "managed",
        "name": "nope",
        "relationships": {
            "space": {"data": {"guid": sandbox_tenant["space_guid"]}},
            "service_plan": {"data": {"guid": auditor.plan_guid()}},
        },
    }
    response = auditor.call("POST", "/v3/service_instances", json=body)
    assert response.status_code == 403
    assert response.json()["errors"][0] == {
        "code": 10003,
        "title": "CF-NotAuthorized",
        "detail": "You are not authorized to perform the requested action",
    }


def test_pagination_follows_next_hrefs_until_null(cf):
    for index in range(3):
        cf.create_instance(f"paged-{index}", IFLOW_PARAMETERS)
    seen, url, pages = [], "/v3/service_instances?service_plan_names=integration-flow&per_page=2", 0
    while url:
        body = cf.get(url).json()
        assert body["pagination"]["total_results"] == 3 and body["pagination"]["total_pages"] == 2
        seen += [r["name"] for r in body["resources"]]
        url = body["pagination"]["next"]["href"] if body["pagination"]["next"] else None
        pages += 1
    assert pages == 2 and sorted(seen) == ["paged-0", "paged-1", "paged-2"]


def test_bad_type_filter_is_400_bad_query_parameter(cf):
    response = cf.get("/v3/service_credential_bindings?type=bogus")
    assert response.status_code == 400
    assert response.json()["errors"][0]["detail"] == (
        "The query parameter is invalid: Type must be one of 'app', 'key'"
    )


def test_malformed_json_body_is_400_message_parse_error(cf):
    response = cf.call(
        "POST", "/v3/service_instances", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400 and response.json()["errors"][0]["title"] == "CF-MessageParseError"


@pytest.mark.parametrize("polls", [0, 3])
def test_job_polls_knob_sets_how_long_a_job_stays_in_progress(cf, sandbox_server, sandbox_tenant, polls):
    sandbox_server.admin("POST", "async", {"job_polls": polls}).raise_for_status()
    body = {
        "type": "managed",
        "name": f"timed-{polls}",
        "relationships": {
            "space": {"data": {"guid": sandbox_tenant["space_guid"]}},
            "service_plan": {"data": {"guid": cf.plan_guid()}},
        },
    }
    location = cf.call("POST", "/v3/service_instances", json=body).headers["Location"]
    states = [cf.get(location).json()["state"] for _ in range(polls + 1)]
    assert states == (["PROCESSING", "POLLING", "POLLING"][:polls] + ["COMPLETE"])


def test_binding_list_filters_by_instance_guids_names_and_type(cf):
    first, _ = cf.create_instance("filter-a", IFLOW_PARAMETERS)
    second, _ = cf.create_instance("filter-b", IFLOW_PARAMETERS)
    cf.create_key(first, "ka")
    cf.create_key(second, "kb")
    both = cf.get(f"/v3/service_credential_bindings?service_instance_guids={first},{second}&type=key").json()
    assert sorted(r["name"] for r in both["resources"]) == ["ka", "kb"]
    one = cf.get(f"/v3/service_credential_bindings?names=kb&service_instance_guids={first},{second}").json()
    assert [r["name"] for r in one["resources"]] == ["kb"]


def test_key_parameters_are_returned_as_sent(cf):
    instance, _ = cf.create_instance("param-keys", IFLOW_PARAMETERS)
    cf.create_key(instance, "with-params", {"key-type": "certificate", "validity": 5})
    key = cf.get("/v3/service_credential_bindings?names=with-params").json()["resources"][0]
    assert key["links"]["details"]["href"].endswith(f"/v3/service_credential_bindings/{key['guid']}/details")
    parameters = cf.get(f"/v3/service_credential_bindings/{key['guid']}/parameters").json()
    assert parameters == {"key-type": "certificate", "validity": 5}
