"""Service Manager reads (§7, D-09): token from the binding, fieldQuery, paging, CF-created objects shown."""

import pytest


@pytest.fixture
def sm(sandbox_server, sandbox_tenant):
    binding = sandbox_tenant["sm_binding"]
    http = sandbox_server.session()
    token = http.post(
        binding["url"] + "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": binding["clientid"],
            "client_secret": binding["clientsecret"],
        },
    ).json()["access_token"]
    http.headers["Authorization"] = f"Bearer {token}"
    return http, binding["sm_url"]


def test_offering_and_plans_are_found_with_field_queries(sm):
    http, base = sm
    offerings = http.get(
        base + "/v1/service_offerings", params={"fieldQuery": "catalog_name eq 'it-rt'"}
    ).json()
    assert offerings["num_items"] == 1
    offering_id = offerings["items"][0]["id"]
    query = f"catalog_name eq 'integration-flow' and service_offering_id in ('{offering_id}')"
    plans = http.get(base + "/v1/service_plans", params={"fieldQuery": query}).json()
    assert [p["name"] for p in plans["items"]] == ["integration-flow"]


def test_cf_created_instances_and_keys_appear_with_a_platform_id(cf, sm):
    http, base = sm
    instance, _ = cf.create_instance("sm-visible", {"roles": ["ESBMessaging.send"]})
    cf.create_key(instance, "sm-key")
    items = http.get(base + "/v1/service_instances", params={"fieldQuery": "name eq 'sm-visible'"}).json()[
        "items"
    ]
    assert items[0]["id"] == instance and items[0]["platform_id"] and items[0]["ready"] is True
    bindings = http.get(
        base + "/v1/service_bindings", params={"fieldQuery": f"service_instance_id eq '{instance}'"}
    ).json()["items"]
    assert [b["name"] for b in bindings] == ["sm-key"]
    one = http.get(base + f"/v1/service_bindings/{bindings[0]['id']}").json()
    assert one["credentials"]["oauth"]["clientid"]


def test_label_query_matches_cf_labels(cf, sm, sandbox_tenant):
    http, base = sm
    body = {
        "type": "managed",
        "name": "labelled",
        "metadata": {"labels": {"authwizard": "ssc_to_cpi"}},
        "relationships": {
            "space": {"data": {"guid": sandbox_tenant["space_guid"]}},
            "service_plan": {"data": {"guid": cf.plan_guid()}},
        },
    }
    cf.wait_job(cf.call("POST", "/v3/service_instances", json=body).headers["Location"])
    found = http.get(
        base + "/v1/service_instances", params={"labelQuery": "authwizard eq 'ssc_to_cpi'"}
    ).json()
    assert [i["name"] for i in found["items"]] == ["labelled"]
    bad = http.get(base + "/v1/service_instances", params={"labelQuery": "authwizard in 'x'"})
    assert bad.status_code == 400 and bad.json()["error"] == "InvalidLabelQuery"


def test_paging_with_max_items_and_token(cf, sm):
    http, base = sm
    for index in range(2):
        cf.create_instance(f"page-{index}", {"roles": ["ESBMessaging.send"]})
    first = http.get(base + "/v1/service_instances", params={"max_items": 2}).json()
    assert first["num_items"] == 3 and len(first["items"]) == 2 and first["token"]
    second = http.get(base + "/v1/service_instances", params={"max_items": 2, "token": first["token"]}).json()
    assert len(second["items"]) == 1 and "token" not in second


def test_bad_field_query_is_400_and_writes_are_forbidden(sm):
    http, base = sm
    bad = http.get(base + "/v1/service_instances", params={"fieldQuery": "name eq"})
    assert bad.status_code == 400 and bad.json()["error"] == "InvalidFieldQuery"
    write = http.post(base + "/v1/service_instances", json={"name": "x", "service_plan_id": "y"})
    assert write.status_code == 403


def test_missing_token_is_401(sandbox_server, sandbox_tenant):
    response = sandbox_server.session().get(sandbox_tenant["sm_binding"]["sm_url"] + "/v1/service_instances")
    assert response.status_code == 401 and response.json()["error"] == "Unauthorized"
