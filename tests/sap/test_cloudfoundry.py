"""Cloud Foundry v3 client against the sandbox: login, roles, plans, instances, keys, jobs and their
failures.
"""

import pytest

from pathways.sap.cloudfoundry import CloudFoundry, JobPolling
from pathways.sap.errors import SapError
from pathways.sap.keys import KIND_CERTIFICATE, KIND_EXTERNAL_CERTIFICATE, KIND_SECRET
from tests.fixtures.clock import MovableClock

from .conftest import INSTANCE_PARAMETERS


def test_login_finds_org_and_space_and_confirms_space_developer(cf, sandbox_tenant, space):
    assert space.guid == sandbox_tenant["space_guid"]
    assert cf.user_guid == sandbox_tenant["cf_user"]["guid"]
    assert cf.is_space_developer(space)
    cf.require_space_developer(space)


def test_user_without_the_role_is_told_they_are_not_a_space_developer(http, sandbox_tenant, space):
    auditor = sandbox_tenant["cf_user_without_role"]
    other = CloudFoundry(
        http,
        sandbox_tenant["cf_api"],
        username=auditor["username"],
        password=auditor["password"],
        uaa_url=sandbox_tenant["uaa_url"],
    )
    with pytest.raises(SapError) as caught:
        other.require_space_developer(space)
    assert str(caught.value).startswith(
        f"The Cloud Foundry user {auditor['username']} is not a Space Developer"
    )
    assert "space dev" in str(caught.value)


def test_wrong_password_is_refused_with_the_uaa_description(http, sandbox_tenant):
    user = sandbox_tenant["cf_user"]
    client = CloudFoundry(
        http,
        sandbox_tenant["cf_api"],
        username=user["username"],
        password="wrong",
        uaa_url=sandbox_tenant["uaa_url"],
    )
    with pytest.raises(SapError) as caught:
        client.login()
    assert caught.value.status == 401
    assert caught.value.remote_message == "Bad credentials"
    assert "wrong" not in str(caught.value)


def test_uaa_url_is_discovered_from_the_api_root_when_not_given(http, sandbox_tenant):
    user = sandbox_tenant["cf_user"]
    client = CloudFoundry(
        http, sandbox_tenant["cf_api"], username=user["username"], password=user["password"]
    )
    assert client.uaa_token_url() == sandbox_tenant["uaa_url"] + "/oauth/token"
    client.login()
    assert client.user_guid == user["guid"]


def test_unknown_org_and_space_give_clear_messages(cf, sandbox_tenant):
    with pytest.raises(SapError, match="organization nope was not found"):
        cf.get_organization("nope")
    org = cf.get_organization(sandbox_tenant["org"])
    with pytest.raises(SapError, match="space nope was not found"):
        cf.get_space(org, "nope")


def test_both_it_rt_plans_are_found_and_a_missing_plan_is_explained(cf):
    assert cf.find_service_plan("it-rt", "integration-flow").name == "integration-flow"
    assert cf.find_service_plan("it-rt", "api").name == "api"
    with pytest.raises(SapError, match="entitlements"):
        cf.find_service_plan("it-rt", "no-such-plan")


def test_instance_is_created_and_found_again_by_name(cf, space, inbound_instance):
    assert inbound_instance.last_operation.state == "succeeded"
    assert cf.find_instance(space.guid, "s4-inbound").guid == inbound_instance.guid
    assert cf.find_instance(space.guid, "s4-inbound").guid == inbound_instance.guid
    assert cf.get_instance(inbound_instance.guid).name == "s4-inbound"
    assert cf.find_instance(space.guid, "not-there") is None
    names = {instance.name for instance in cf.list_instances(space.guid, "integration-flow")}
    assert names == {"s4-inbound"}


def test_labels_are_stored_on_the_instance(cf, space, flow_plan):
    instance = cf.create_instance(
        space.guid, flow_plan.guid, "labelled", INSTANCE_PARAMETERS, labels={"authwizard": "s4_to_cpi"}
    )
    assert instance.labels == {"authwizard": "s4_to_cpi"}


def test_duplicate_instance_name_is_refused_with_a_clear_message(cf, space, flow_plan, inbound_instance):
    with pytest.raises(SapError) as caught:
        cf.create_instance(space.guid, flow_plan.guid, "s4-inbound", INSTANCE_PARAMETERS)
    assert str(caught.value) == "The service instance name s4-inbound is already used in this space"
    assert caught.value.code == "duplicate_instance_name"
    assert "taken" in caught.value.remote_message


def test_instance_parameters_are_updated_and_read_back(cf, inbound_instance):
    changed = {**INSTANCE_PARAMETERS, "token-validity": 7200}
    updated = cf.update_instance_parameters(inbound_instance.guid, changed)
    assert updated.last_operation.type == "update"
    assert updated.last_operation.state == "succeeded"
    assert cf.instance_parameters(inbound_instance.guid)["token-validity"] == 7200


def test_instance_is_deleted_and_deleting_again_is_harmless(cf, space, inbound_instance):
    cf.delete_instance(inbound_instance.guid)
    assert cf.find_instance(space.guid, "s4-inbound") is None
    cf.delete_instance(inbound_instance.guid)


def test_secret_key_is_created_listed_read_and_deleted(cf, inbound_instance):
    binding = cf.create_key(inbound_instance.guid, "s4-key-1")
    assert cf.find_key(inbound_instance.guid, "s4-key-1").guid == binding.guid
    assert cf.get_key(binding.guid).name == "s4-key-1"
    assert [key.name for key in cf.list_keys(inbound_instance.guid)] == ["s4-key-1"]
    details = cf.key_details(binding.guid)
    assert details.kind == KIND_SECRET
    assert details.clientsecret and details.clientsecret not in repr(details)
    assert details.url.startswith("https://") and "-rt." in details.url
    assert cf.key_parameters(binding.guid) in (None, {})
    cf.delete_key(binding.guid)
    assert cf.find_key(inbound_instance.guid, "s4-key-1") is None
    cf.delete_key(binding.guid)


def test_duplicate_key_name_is_refused_with_a_clear_message(cf, inbound_instance):
    cf.create_key(inbound_instance.guid, "dup")
    with pytest.raises(SapError) as caught:
        cf.create_key(inbound_instance.guid, "dup")
    assert (
        str(caught.value) == "The service key name dup is already used in this instance; choose another name"
    )
    assert caught.value.status == 422
    assert not caught.value.retryable


def test_sap_generated_certificate_key_carries_certificate_key_and_expiry(cf, inbound_instance):
    binding = cf.create_key(inbound_instance.guid, "cert-key", {"key-type": "certificate", "validity": 30})
    details = cf.key_details(binding.guid)
    assert details.kind == KIND_CERTIFICATE
    assert details.certificate.count("BEGIN CERTIFICATE") == 2
    assert details.key.startswith("-----BEGIN PRIVATE KEY-----\n")
    assert details.valid_until is not None
    assert cf.key_parameters(binding.guid)["key-type"] == "certificate"


def test_external_certificate_key_stores_the_uploaded_leaf(cf, inbound_instance, issue_certificate):
    issued = issue_certificate("s4-client.example.com")
    binding = cf.create_key(
        inbound_instance.guid, "ext-key", {"key-type": "certificate_external", "X.509": issued["certificate"]}
    )
    details = cf.key_details(binding.guid)
    assert details.kind == KIND_EXTERNAL_CERTIFICATE
    assert details.key is None
    assert details.certificate.strip() == issued["certificate"].strip()


def test_external_certificate_without_client_auth_fails_with_the_broker_detail(
    cf, inbound_instance, issue_certificate
):
    issued = issue_certificate("no-client-auth.example.com", client_auth=False)
    with pytest.raises(SapError) as caught:
        cf.create_key(
            inbound_instance.guid,
            "bad-ext",
            {"key-type": "certificate_external", "X.509": issued["certificate"]},
        )
    error = caught.value
    assert error.code == "CF-UnableToPerform"
    assert "clientAuth" in str(error)
    assert "bind could not be completed" in error.remote_message
    assert not error.retryable


def test_failed_instance_job_raises_with_the_job_error(cf, space, flow_plan, faults):
    faults.add(kind="fail_job", name="^doomed$")
    with pytest.raises(SapError) as caught:
        cf.create_instance(space.guid, flow_plan.guid, "doomed", INSTANCE_PARAMETERS)
    assert caught.value.code == "CF-UnableToPerform"
    assert "provision could not be completed" in caught.value.remote_message


def test_stuck_job_gives_up_after_the_timeout_and_is_retryable(
    http, sandbox_tenant, space, flow_plan, faults
):
    user = sandbox_tenant["cf_user"]
    clock = MovableClock()  # the job is polled as in production (0.25, 0.5, 1, 2 … s) without waiting
    impatient = CloudFoundry(
        http,
        sandbox_tenant["cf_api"],
        username=user["username"],
        password=user["password"],
        uaa_url=sandbox_tenant["uaa_url"],
        polling=JobPolling(instance_timeout=60.0, key_timeout=60.0, sleep=clock.sleep, clock=clock),
    )
    faults.add(kind="job_forever", name="^stuck$")
    with pytest.raises(SapError) as caught:
        impatient.create_instance(space.guid, flow_plan.guid, "stuck", INSTANCE_PARAMETERS)
    assert caught.value.retryable
    assert caught.value.code == "job_timeout"
    assert str(caught.value).endswith("is still running after 1 min (60 s); run the step again later")
    # JobPolling's documented schedule until the 60 s timeout has passed: polls 0.25, 0.5, 1, 2, 4, 8 and
    # 16 s after the write, then every 10 s
    assert clock.waits == [0.25, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0, 10.0, 10.0]
    assert impatient.find_instance(space.guid, "stuck").in_progress
    with pytest.raises(SapError) as busy:
        impatient.create_key(impatient.find_instance(space.guid, "stuck").guid, "early-key")
    assert busy.value.code == "instance_busy"
    assert busy.value.retryable
    assert "in progress on the service instance stuck" in str(busy.value)


def test_job_polling_backs_off_from_first_to_max_interval(cf, space, flow_plan, faults):
    waits: list[float] = []
    now = [1000.0]  # a clock only the sleeps move: the calls take no time on it

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    cf.polling.sleep, cf.polling.clock = sleep, lambda: now[0]
    faults.set_async(job_polls=4)
    cf.create_instance(space.guid, flow_plan.guid, "slow", INSTANCE_PARAMETERS)
    assert waits[0] == 0.01
    assert waits == sorted(waits)
    assert max(waits) <= 0.02
    assert len(waits) >= 4


def test_a_poll_waits_from_the_start_of_the_previous_one_and_never_under_the_floor():
    now = [50.0]
    slept: list[float] = []
    polling = JobPolling(first_interval=0.25, min_interval=0.2, sleep=slept.append, clock=lambda: now[0])
    sent = now[0]
    now[0] += 0.2  # the write's answer took 0.2 s
    assert polling.wait(0.25, None, since=sent) == pytest.approx(0.05)
    now[0] += 0.6  # a slow poll: the next planned wait has passed already
    assert polling.wait(0.5, None, since=now[0] - 0.6) == 0.0
    assert polling.wait(0.1, None, since=now[0]) == pytest.approx(0.2)  # the floor, start to start
    assert polling.wait(0.25, 3.0, since=now[0] - 1.0) == pytest.approx(3.0)  # Retry-After runs from now
    assert slept == pytest.approx([0.05, 0.2, 3.0])


def test_expired_cf_token_is_refreshed_once_and_the_call_succeeds(cf, space, faults, http):
    faults.add(kind="expire_token", host="cf", path="^/v3/service_instances$")
    assert cf.find_instance(space.guid, "anything") is None
    logins = [call for call in http.calls if call.url.endswith("/oauth/token")]
    assert len(logins) == 2
    statuses = [call.status for call in http.calls if "/v3/service_instances" in call.url]
    assert statuses == [401, 200]


def test_not_found_guid_is_translated_by_title(cf):
    with pytest.raises(SapError) as caught:
        cf.get_instance("00000000-0000-0000-0000-000000000000")
    assert caught.value.status == 404
    assert caught.value.code == "CF-ResourceNotFound"
    assert str(caught.value) == "The service instance was not found in Cloud Foundry"


def test_a_key_found_while_still_in_creation_is_waited_for_before_use(cf, inbound_instance, faults):
    faults.set_async(job_polls=3)
    response = cf._call(
        "POST",
        "/v3/service_credential_bindings",
        what="the key",
        expected=(202,),
        json={
            "type": "key",
            "name": "half-made",
            "relationships": {"service_instance": {"data": {"guid": inbound_instance.guid}}},
        },
    )
    assert response.status_code == 202
    found = cf.find_key(inbound_instance.guid, "half-made")
    assert found.last_operation.state in ("in progress", "initial")
    ready = cf.wait_for_key(found)
    assert ready.last_operation.state == "succeeded"
    assert cf.key_details(ready.guid).clientsecret


def test_the_space_and_its_organization_are_found_in_one_request(cf, sandbox_tenant, http):
    cf.login()
    before = len(http.calls)
    space = cf.find_space(sandbox_tenant["org"], sandbox_tenant["space"])
    sent = [call.url for call in http.calls[before:]]
    assert space.guid == sandbox_tenant["space_guid"]
    assert space.organization_guid == sandbox_tenant["org_guid"]
    assert len(sent) == 1 and "/v3/spaces?" in sent[0] and "include=organization" in sent[0]


def test_a_space_not_found_with_its_organization_is_explained_by_name(cf, sandbox_tenant):
    with pytest.raises(SapError, match="organization nope was not found"):
        cf.find_space("nope", sandbox_tenant["space"])
    with pytest.raises(SapError, match="space nope was not found"):
        cf.find_space(sandbox_tenant["org"], "nope")


def test_deletions_are_followed_on_the_resource_until_it_is_gone_not_on_the_job(
    cf, space, inbound_instance, faults, http
):
    key = cf.create_key(inbound_instance.guid, "to-delete")
    faults.set_async(job_polls=2)
    before = len(http.calls)
    cf.delete_key(key.guid)
    cf.delete_instance(inbound_instance.guid)
    sent = http.calls[before:]
    assert not [call for call in sent if "/v3/jobs/" in call.url]
    key_reads = [call.status for call in sent if call.method == "GET" and key.guid in call.url]
    instance_reads = [
        call.status for call in sent if call.method == "GET" and inbound_instance.guid in call.url
    ]
    assert key_reads[-1] == 404 and instance_reads[-1] == 404
    assert set(key_reads[:-1]) == {200} and len(key_reads) >= 3  # polled while the broker worked
    assert set(instance_reads[:-1]) == {200} and len(instance_reads) >= 3
    assert cf.find_instance(space.guid, "s4-inbound") is None
