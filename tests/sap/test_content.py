"""Integration content client against the sandbox over HTTPS: packages, iFlows, parameters, deploy, runtime
status and message processing logs, with the error answers of sap-apis.md §16."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from pathways.sap.cloudfoundry import JobPolling
from pathways.sap.content import (
    ContentClient,
    DeployTask,
    error_information_text,
    mpl_datetime,
)
from pathways.sap.cpi import CpiClient, KeyPairRequest
from pathways.sap.errors import SapError
from pathways.sap.keys import parse_service_key

PACKAGE = "SSCv2S4HANAMasterDataFixture"
TO_S4 = "com.sap.fixture.ssc2.ReplicateBusinessPartnerToS4HANA"
TO_SSC_CERT = "com.sap.fixture.ssc2.ReplicateCustomerFromS4HANA"
FROM_S4 = "com.sap.fixture.ssc2.ReplicateProductFromS4HANA"
FLOW_NOT_FOUND = "Integration design time artifact not found."
PASSWORD = "Pa55-word-never-logged"


@pytest.fixture
def content(http, api_key, tokens, fast_polling):
    return ContentClient(http, api_key, tokens=tokens, polling=fast_polling)


def limited_client(sandbox_server, sandbox_tenant, http, roles: list[str]) -> ContentClient:
    response = sandbox_server.admin(
        "POST", f"tenants/{sandbox_tenant['subdomain']}/api-keys", {"roles": roles}
    )
    assert response.status_code == 201, response.text
    return ContentClient(http, parse_service_key(response.json()))


def send(sandbox_server, sandbox_tenant, flow_id: str, count: int = 1) -> list[dict]:
    response = sandbox_server.admin(
        "POST", f"tenants/{sandbox_tenant['subdomain']}/messages", {"iflow": flow_id, "count": count}
    )
    assert response.status_code == 201, response.text
    return response.json()["messages"]


def calls_to(http, fragment: str, method: str = "GET") -> list:
    return [call for call in http.calls if call.method == method and fragment in call.url]


def wire_basic_credential(cpi_client: CpiClient, content: ContentClient, name: str = "S4_BASIC") -> None:
    cpi_client.create_user_credential(name, "COMM_USER", PASSWORD)
    cpi_client.wait_until_deployed(name)
    content.update_configuration(TO_S4, "active", "Receiver Credential Name", name)
    task = content.deploy(TO_S4)
    content.wait_until_started(TO_S4, task=task)


# --- packages and iFlows -----------------------------------------------------------------------------------


def test_packages_list_the_sap_fixture_package_with_its_documented_fields(content, http):
    packages = {package.id: package for package in content.list_packages()}
    package = packages[PACKAGE]
    assert package.name.startswith("SAP Sales Cloud and SAP Service Cloud Version 2 Integration")
    assert "S/4HANA" in package.name
    assert (package.vendor, package.mode, package.is_sap_standard) == ("SAP", "READ_ONLY", True)
    assert package.creation_date == dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.UTC)
    customer = [p for p in packages.values() if not p.is_sap_standard]
    assert customer and customer[0].mode == "EDIT_ALLOWED" and customer[0].version == ""
    [listing] = calls_to(http, "/IntegrationPackages")
    assert parse_qs(urlsplit(listing.url).query) == {"$top": ["500"], "$skip": ["0"]}


def test_one_package_is_read_and_an_unknown_one_is_none(content):
    assert content.get_package(PACKAGE).id == PACKAGE
    assert content.get_package("NoSuchPackage") is None


def test_the_fixture_package_has_one_iflow_per_pathway_with_concrete_versions(content):
    flows = content.list_flows(PACKAGE)
    assert {flow.id for flow in flows} == {
        FROM_S4,
        TO_S4,
        TO_SSC_CERT,
        "com.sap.fixture.ssc2.ReplicateSalesQuoteFromSSC",
    }
    assert all(flow.version == "1.0.3" and flow.package_id == PACKAGE for flow in flows)


def test_iflows_of_an_unknown_package_are_a_404_with_a_sentence(content):
    with pytest.raises(SapError) as error:
        content.list_flows("NoSuchPackage")
    assert error.value.status == 404 and error.value.remote_message == "Integration package not found."
    assert "was not found" in str(error.value)


def test_active_resolves_to_the_concrete_version_and_unknown_iflows_are_none(content):
    flow = content.get_flow(TO_S4, "Active")
    assert (flow.id, flow.version, flow.name) == (TO_S4, "1.0.3", "Replicate Business Partner to SAP S4HANA")
    assert content.get_flow(TO_S4, "9.9.9") is None
    assert content.get_flow("com.sap.fixture.Unknown") is None


# --- externalized parameters -------------------------------------------------------------------------------


def test_configurations_include_the_authentication_parameters_and_opaque_data_types(content):
    parameters = {p.key: p for p in content.get_configurations(TO_S4)}
    assert parameters["Receiver Authentication"].value == "Basic"
    assert parameters["Receiver Credential Name"].value == "S4_OLD"
    assert parameters["Sender Authorization"].value == "User Role"
    assert parameters["Sender User Role"].value == "ESBMessaging.send"
    assert parameters["Receiver Address"].value.startswith("https://s4.sandbox.localhost/")
    assert {p.data_type for p in parameters.values()} >= {"xsd:string", "xsd:integer", "xsd:boolean"}
    assert list(parameters) == sorted(parameters)
    [only] = content.get_configurations(TO_S4, key="Receiver Private Key Alias")
    assert only.key == "Receiver Private Key Alias" and only.data_type == "xsd:string"


def test_configurations_of_an_unknown_iflow_are_a_404(content):
    with pytest.raises(SapError) as error:
        content.get_configurations("com.sap.fixture.Unknown")
    assert error.value.status == 404 and error.value.remote_message == FLOW_NOT_FOUND


def test_an_iflow_with_a_draft_is_reported_and_not_retried(content, http, sandbox_server, sandbox_tenant):
    sandbox_server.admin(
        "POST", f"tenants/{sandbox_tenant['subdomain']}/designtime/{TO_S4}", {"draft": True}
    ).raise_for_status()
    with pytest.raises(SapError) as read:
        content.get_configurations(TO_S4)
    assert read.value.code == "draft" and read.value.status == 400
    assert str(read.value).startswith("iFlow has a draft or is locked; save or cancel it in the CPI UI")
    assert read.value.remote_message == "Integration design time artifact is in draft state."
    with pytest.raises(SapError) as write:
        content.update_configuration(TO_S4, "active", "Receiver Credential Name", "S4_BASIC")
    assert write.value.code == "draft"
    assert len(calls_to(http, "/Configurations", "PUT")) == 1


def test_a_parameter_update_sends_only_the_value_and_is_read_back(
    content, http, sandbox_server, sandbox_tenant
):
    updated = content.update_configuration(TO_S4, "active", "Receiver Credential Name", "S4_BASIC")
    assert (updated.key, updated.value, updated.data_type) == (
        "Receiver Credential Name",
        "S4_BASIC",
        "xsd:string",
    )
    [put] = calls_to(http, "/$links/Configurations(", "PUT")
    assert put.status == 202 and "Receiver%20Credential%20Name" in put.url
    assert "Version='active'" in put.url
    state = sandbox_server.state(sandbox_tenant["subdomain"])["tenants"][sandbox_tenant["subdomain"]]
    assert state["content"]["iflows"][TO_S4]["parameters"]["Receiver Credential Name"] == "S4_BASIC"
    assert content.get_flow(TO_S4).version == "1.0.3"  # a parameter change never bumps the version


def test_an_unknown_parameter_is_named_in_the_error(content):
    with pytest.raises(SapError) as error:
        content.update_configuration(TO_S4, "active", "No Such Parameter", "x")
    assert error.value.code == "unknown_parameter" and error.value.status == 404
    assert "No Such Parameter" in str(error.value)


def test_updating_an_unknown_iflow_is_a_404(content):
    with pytest.raises(SapError) as error:
        content.update_configuration("com.sap.fixture.Unknown", "active", "Receiver Credential Name", "x")
    assert error.value.status == 404 and error.value.remote_message == FLOW_NOT_FOUND


# --- deployment and runtime status -------------------------------------------------------------------------


def test_deploy_follows_the_build_then_the_runtime_until_started(content, http, faults):
    faults.set_async(build_polls=2, start_polls=2, content_seconds=60)
    task = content.deploy(TO_S4)
    assert isinstance(task, DeployTask) and task.flow_id == TO_S4 and task.version == "1.0.3"
    assert len(task.task_id) == 36
    status = content.wait_until_started(TO_S4, task=task)
    assert (status.id, status.version, status.status, status.error_text) == (TO_S4, "1.0.3", "STARTED", None)
    assert status.deployed_by == content.key.clientid and status.deployed_on is not None
    assert [c.status for c in calls_to(http, "/BuildAndDeployStatus(")] == [200, 200, 200]
    assert len(calls_to(http, "/IntegrationRuntimeArtifacts(")) == 3
    [deploy] = calls_to(http, "/DeployIntegrationDesigntimeArtifact", "POST")
    assert "Id='" + TO_S4 + "'" in deploy.url and "Version='active'" in deploy.url
    assert content.deploy_status(task) == "SUCCESS"


def test_deploy_status_reports_deploying_then_success(content, faults):
    faults.set_async(build_polls=1, content_seconds=60)
    task = content.deploy(TO_S4)
    assert content.deploy_status(task.task_id) == "DEPLOYING"
    assert content.deploy_status(task) == "SUCCESS"


def test_a_failed_build_raises_with_the_error_information(content, faults):
    faults.add(kind="fail_job", host="cpi", name=TO_S4, body="Deployment failed: missing value mapping")
    task = content.deploy(TO_S4)
    with pytest.raises(SapError) as error:
        content.wait_until_started(TO_S4, task=task)
    assert error.value.code == "deploy_failed"
    assert str(error.value).endswith("(FAIL): Deployment failed: missing value mapping")
    assert content.runtime_status(TO_S4).status == "ERROR"


def test_a_runtime_that_does_not_start_gives_error_and_its_text(content, faults):
    faults.add(kind="fail_start", host="cpi", name=TO_S4, body="No credentials for 'S4_OLD' found")
    task = content.deploy(TO_S4)
    with pytest.raises(SapError) as error:
        content.wait_until_started(TO_S4, task=task)
    assert (
        error.value.code == "start_failed"
        and error.value.remote_message == "No credentials for 'S4_OLD' found"
    )
    status = content.runtime_status(TO_S4)
    assert (status.status, status.error_text, status.failed) == (
        "ERROR",
        "No credentials for 'S4_OLD' found",
        True,
    )
    assert content.runtime_error(TO_S4) == "No credentials for 'S4_OLD' found"


def test_a_deployment_that_never_ends_times_out_as_retryable(content, faults):
    faults.add(kind="job_forever", host="cpi", name=TO_S4)
    task = content.deploy(TO_S4)
    with pytest.raises(SapError) as error:
        content.wait_until_started(TO_S4, task=task, timeout=0.3)
    assert error.value.code == "not_started" and error.value.retryable
    assert "build DEPLOYING" in str(error.value)


def test_a_started_iflow_has_no_error_information_and_an_unknown_one_no_runtime(content):
    status = content.runtime_status(TO_S4)
    assert status.started and status.version == "1.0.3" and status.error_text is None
    assert content.runtime_error(TO_S4) == ""
    assert content.runtime_status("com.sap.fixture.Unknown") is None
    assert content.runtime_error("com.sap.fixture.Unknown") == ""


def test_undeploy_removes_the_runtime_artifact_and_a_redeploy_brings_it_back(content):
    assert content.undeploy(TO_S4) is True
    assert content.runtime_status(TO_S4) is None
    assert content.undeploy(TO_S4) is False
    assert content.wait_until_started(TO_S4, task=content.deploy(TO_S4)).started


def test_deploying_an_unknown_iflow_or_reading_an_unknown_task_is_a_404(content):
    with pytest.raises(SapError) as deploy:
        content.deploy("com.sap.fixture.Unknown")
    assert deploy.value.status == 404
    with pytest.raises(SapError) as task:
        content.deploy_status("00000000-0000-0000-0000-000000000000")
    assert task.value.status == 404


def test_waiting_honours_retry_after_and_the_floor(http, api_key, tokens, faults, sleeps):
    polling = JobPolling(
        first_interval=0.01, max_interval=0.5, min_interval=0.02, instance_timeout=5.0, sleep=sleeps
    )
    client = ContentClient(http, api_key, tokens=tokens, polling=polling)
    faults.set_async(build_polls=1, start_polls=0, content_seconds=60)
    task = client.deploy(TO_S4)
    deploying = {"d": {"TaskId": task.task_id, "Status": "DEPLOYING"}}
    faults.add(
        kind="status", host="cpi", path="BuildAndDeployStatus", status=200, body=deploying, retry_after=1
    )
    assert client.wait_until_started(TO_S4, task=task).started
    # 0.01 s is raised to the 0.2-style floor; the answer's Retry-After (capped at max_interval) comes next;
    # then the plan goes on (0.02 s planned, at the floor) and doubles.
    assert sleeps.waits[:4] == [0.02, 0.5, 0.02, 0.04]


# --- messages and their logs -------------------------------------------------------------------------------


def test_a_message_with_a_missing_credential_fails_as_sap_logs_it(content, sandbox_server, sandbox_tenant):
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    [sent] = send(sandbox_server, sandbox_tenant, TO_S4)
    [log] = content.message_logs([TO_S4], since)
    assert (log.guid, log.iflow_id, log.status, log.failed, log.final) == (
        sent["guid"],
        TO_S4,
        "FAILED",
        True,
        True,
    )
    assert log.package_id == PACKAGE and log.iflow_name == "Replicate Business Partner to SAP S4HANA"
    assert log.log_start is not None and log.log_end is not None and log.log_end >= log.log_start
    assert (
        content.message_error(log.guid)
        == "java.lang.IllegalStateException: No credentials for 'S4_OLD' found"
    )


def test_wiring_a_deployed_credential_makes_the_next_message_complete(
    cpi, content, sandbox_server, sandbox_tenant
):
    wire_basic_credential(cpi, content)
    [sent] = send(sandbox_server, sandbox_tenant, TO_S4)
    assert sent["status"] == "COMPLETED"
    log = content.message_log(sent["guid"])
    assert log.status == "COMPLETED" and not log.failed
    assert content.message_error(sent["guid"]) == ""


def test_a_parameter_change_counts_only_after_the_redeploy(cpi, content, sandbox_server, sandbox_tenant):
    cpi.create_user_credential("S4_BASIC", "COMM_USER", PASSWORD)
    cpi.wait_until_deployed("S4_BASIC")
    content.update_configuration(TO_S4, "active", "Receiver Credential Name", "S4_BASIC")
    assert send(sandbox_server, sandbox_tenant, TO_S4)[0]["status"] == "FAILED"
    content.wait_until_started(TO_S4, task=content.deploy(TO_S4))
    assert send(sandbox_server, sandbox_tenant, TO_S4)[0]["status"] == "COMPLETED"


FAILURE_TEXTS = {
    "receiver_401": "org.apache.cxf.interceptor.Fault: Could not send Message., cause: "
    "org.apache.cxf.transport.http.HTTPException: HTTP response '401: Unauthorized' when communicating with "
    "https://s4.sandbox.localhost/sap/bc/srt/scs_ext/sap/businesspartnersuitebulkreplicatereq",
    "receiver_403": "org.apache.cxf.interceptor.Fault: Could not send Message., cause: "
    "org.apache.cxf.transport.http.HTTPException: HTTP response '403: Forbidden' when communicating with "
    "https://s4.sandbox.localhost/sap/bc/srt/scs_ext/sap/businesspartnersuitebulkreplicatereq",
    "tls_handshake": "org.apache.cxf.interceptor.Fault: Could not send Message., cause: "
    "javax.net.ssl.SSLHandshakeException: PKIX path building failed: "
    "sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to "
    "requested target",
    "certificate_rejected": "org.apache.cxf.interceptor.Fault: Could not send Message., cause: "
    "javax.net.ssl.SSLHandshakeException: Received fatal alert: bad_certificate",
    "credential_not_found": "java.lang.IllegalStateException: No credentials for 'S4_BASIC' found",
    "alias_not_found": (
        "java.lang.IllegalStateException: No key pair with alias '' found in keystore 'system'"
    ),
}


@pytest.mark.parametrize("failure", sorted(FAILURE_TEXTS))
def test_the_knob_makes_the_next_message_fail_with_each_class(
    failure, cpi, content, faults, sandbox_server, sandbox_tenant
):
    wire_basic_credential(cpi, content)
    faults.add(kind="fail_message", host="runtime", name=TO_S4, failure=failure)
    failed, recovered = send(sandbox_server, sandbox_tenant, TO_S4, count=2)
    assert (failed["status"], failed["failure"]) == ("FAILED", failure)
    assert content.message_error(failed["guid"]) == FAILURE_TEXTS[failure]
    assert recovered["status"] == "COMPLETED"


def test_an_http_receiver_logs_the_http_adapter_text(content, faults, sandbox_server, sandbox_tenant):
    faults.add(kind="fail_message", host="runtime", name=FROM_S4, failure="receiver_401")
    [sent] = send(sandbox_server, sandbox_tenant, FROM_S4)
    assert content.message_error(sent["guid"]) == (
        "com.sap.it.rt.adapter.http.api.exception.HttpResponseException: An internal server error occured: "
        "HTTP operation failed invoking "
        "https://ssc.sandbox.localhost/sap/c4c/api/v1/product-service/products with statusCode: 401"
    )


def test_a_client_certificate_iflow_checks_the_key_pair_alias(cpi, content, sandbox_server, sandbox_tenant):
    [missing] = send(sandbox_server, sandbox_tenant, TO_SSC_CERT)
    assert content.message_error(missing["guid"]) == (
        "java.lang.IllegalStateException: No key pair with alias 'ssc_client_old' found in keystore 'system'"
    )
    cpi.generate_key_pair(KeyPairRequest(alias="ssc_client", common_name="cpi-to-ssc", country="DE"))
    content.update_configuration(TO_SSC_CERT, "active", "Receiver Private Key Alias", "ssc_client")
    content.wait_until_started(TO_SSC_CERT, task=content.deploy(TO_SSC_CERT))
    assert send(sandbox_server, sandbox_tenant, TO_SSC_CERT)[0]["status"] == "COMPLETED"


def test_message_logs_filter_by_iflows_and_time_newest_first(content, sandbox_server, sandbox_tenant, http):
    before = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    first = send(sandbox_server, sandbox_tenant, TO_S4)[0]
    other = send(sandbox_server, sandbox_tenant, FROM_S4)[0]
    last = send(sandbox_server, sandbox_tenant, TO_S4)[0]
    assert [log.guid for log in content.message_logs([TO_S4], before)][:2] == [last["guid"], first["guid"]]
    both = content.message_logs([TO_S4, FROM_S4], before)
    assert {log.guid for log in both} == {first["guid"], other["guid"], last["guid"]}
    assert [log.guid for log in content.message_logs([TO_S4, FROM_S4], before, top=1)] == [last["guid"]]
    assert content.message_logs([TO_S4], dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)) == []
    assert content.message_logs([], before) == []
    [query] = calls_to(http, "/MessageProcessingLogs?")[:1]
    sent = parse_qs(urlsplit(query.url).query)
    assert sent["$filter"] == [
        f"(IntegrationArtifact/Id eq '{TO_S4}') and LogStart gt {mpl_datetime(before)}"
    ]
    assert sent["$orderby"] == ["LogStart desc"]


def test_message_logs_follow_the_next_link_past_1000(content, sandbox_server, sandbox_tenant, http):
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    send(sandbox_server, sandbox_tenant, FROM_S4, count=1001)
    logs = content.message_logs([FROM_S4], since)
    assert len(logs) == 1001 and len({log.guid for log in logs}) == 1001
    pages = calls_to(http, "/MessageProcessingLogs?")
    assert len(pages) == 2 and "skiptoken=1000" in pages[1].url


def test_an_unknown_message_has_no_log_and_no_error(content):
    assert content.message_log("AFq478Bblxi4wCjBcDb_G0vAGGZG") is None
    assert content.message_error("AFq478Bblxi4wCjBcDb_G0vAGGZG") == ""


# --- authorizations, rate limits, tokens -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "call", "role"),
    [
        (["MonitoringDataRead"], lambda c: c.list_packages(), "WorkspacePackagesRead"),
        (
            ["WorkspacePackagesRead"],
            lambda c: c.update_configuration(TO_S4, "active", "Sender Address", "/x"),
            "WorkspacePackagesConfigure",
        ),
        (
            ["WorkspacePackagesRead", "MonitoringDataRead"],
            lambda c: c.deploy(TO_S4),
            "WorkspaceArtifactsDeploy",
        ),
        (["WorkspacePackagesRead"], lambda c: c.runtime_status(TO_S4), "MonitoringDataRead"),
        (
            ["WorkspacePackagesRead"],
            lambda c: c.message_logs([TO_S4], dt.datetime.now(dt.UTC)),
            "MonitoringDataRead",
        ),
    ],
)
def test_a_missing_role_is_a_403_that_names_the_role(roles, call, role, sandbox_server, sandbox_tenant, http):
    client = limited_client(sandbox_server, sandbox_tenant, http, roles)
    with pytest.raises(SapError) as error:
        call(client)
    assert error.value.status == 403 and error.value.code == "role_missing"
    assert str(error.value).startswith(f"The CPI API client lacks the role {role}")
    assert error.value.remote_message == "Forbidden"


def test_build_status_is_readable_with_monitoring_only(sandbox_server, sandbox_tenant, http, content):
    task = content.deploy(TO_S4)
    monitor = limited_client(sandbox_server, sandbox_tenant, http, ["MonitoringDataRead"])
    assert monitor.deploy_status(task) in ("DEPLOYING", "SUCCESS")


def test_a_lasting_rate_limit_is_a_retryable_error(content, faults):
    faults.add(
        kind="status",
        host="cpi",
        path="IntegrationPackages",
        status=429,
        times=None,
        body={"error": {"code": "Too Many Requests", "message": {"lang": "en", "value": "Rate limit"}}},
    )
    with pytest.raises(SapError) as error:
        content.list_packages()
    assert error.value.status == 429 and error.value.retryable


def test_an_expired_token_is_renewed_once(content, faults):
    content.list_packages()
    faults.add(kind="expire_token", host="cpi", path="IntegrationPackages")
    assert any(p.id == PACKAGE for p in content.list_packages())


def test_a_stale_csrf_token_is_fetched_again_for_the_parameter_update(content, faults, http):
    content.update_configuration(TO_S4, "active", "Receiver Credential Name", "A")
    faults.add(kind="expire_csrf", host="cpi", method="PUT")
    assert content.update_configuration(TO_S4, "active", "Receiver Credential Name", "B").value == "B"
    assert [c.status for c in calls_to(http, "/$links/Configurations(", "PUT")] == [202, 403, 202]


# --- pure helpers ------------------------------------------------------------------------------------------


def test_datetime_literals_are_utc_without_fraction_or_zone():
    moment = dt.datetime(2026, 3, 1, 10, 42, 5, 123456, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert mpl_datetime(moment) == "datetime'2026-03-01T09:42:05'"
    assert mpl_datetime(dt.datetime(2026, 3, 1, 10, 42, 5)) == "datetime'2026-03-01T10:42:05'"


def test_error_information_of_both_shapes_is_readable():
    assert (
        error_information_text('{"message": "No credentials for \'smtp\' found"}')
        == "No credentials for 'smtp' found"
    )
    structured = (
        '{"message": {"messageText": "Failed {0} at {1}"}, "parameter": ["deploy", "node 2"],'
        ' "childInstances": [{"message": {"messageText": "cause {0}"}, "parameter": ["x"],'
        ' "childInstances": []}]}'
    )
    assert error_information_text(structured) == "Failed deploy at node 2; cause x"
    assert error_information_text("plain text") == "plain text"
    assert error_information_text("  ") == ""
