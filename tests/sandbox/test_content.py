"""The sandbox's integration content and message processing logs, as sap-apis.md §16 and its decisions
describe them (D-38 to D-53), read with plain HTTP calls."""

import re
from urllib.parse import quote

import pytest

from tests.sandbox.conftest import unescape

PACKAGE = "SSCv2S4HANAMasterDataFixture"
TO_S4 = "com.sap.fixture.ssc2.ReplicateBusinessPartnerToS4HANA"
FROM_S4 = "com.sap.fixture.ssc2.ReplicateProductFromS4HANA"
FROM_SSC = "com.sap.fixture.ssc2.ReplicateSalesQuoteFromSSC"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def flow_path(flow_id: str = TO_S4, version: str = "active") -> str:
    return f"/IntegrationDesigntimeArtifacts(Id='{flow_id}',Version='{version}')"


def error_value(response) -> str:
    return response.json()["error"]["message"]["value"]


def send(server, tenant, flow_id: str, count: int = 1) -> list[dict]:
    response = server.admin(
        "POST", f"tenants/{tenant['subdomain']}/messages", {"iflow": flow_id, "count": count}
    )
    assert response.status_code == 201, response.text
    return response.json()["messages"]


def set_async(server, **values) -> None:
    server.admin("POST", "async", values).raise_for_status()


def fault(server, tenant, **spec) -> None:
    spec.setdefault("subdomain", tenant["subdomain"])
    response = server.admin("POST", "faults", spec)
    assert response.status_code == 201, response.text


def flow_key(cf, name: str, roles: list[str], parameters: dict | None = None) -> dict:
    instance, _ = cf.create_instance(name, {"roles": roles, "grant-types": ["client_credentials"]})
    cf.create_key(instance, f"{name}-key", parameters)
    return cf.key_credentials(instance, f"{name}-key")["oauth"]


# --- service document, packages, design time ---------------------------------------------------------------


def test_the_service_document_names_the_content_entity_sets(cpi):
    sets = cpi.call("GET", "/").json()["d"]["EntitySets"]
    assert {"IntegrationPackages", "IntegrationDesigntimeArtifacts", "IntegrationRuntimeArtifacts"} <= set(
        sets
    )
    assert {"BuildAndDeployStatus", "DeployIntegrationDesigntimeArtifact", "MessageProcessingLogs"} <= set(
        sets
    )


def test_packages_page_with_top_and_skip_and_carry_metadata(cpi):
    first = cpi.call("GET", "/IntegrationPackages?$top=1&$skip=0").json()["d"]["results"]
    second = cpi.call("GET", "/IntegrationPackages?$top=1&$skip=1").json()["d"]["results"]
    assert len(first) == len(second) == 1 and first[0]["Id"] != second[0]["Id"]
    package = cpi.call("GET", f"/IntegrationPackages('{PACKAGE}')").json()["d"]
    assert package["__metadata"]["type"] == "com.sap.hci.api.IntegrationPackage"
    assert package["CreationDate"] == "1700000000000" and package["Vendor"] == "SAP"
    assert package["IntegrationDesigntimeArtifacts"]["__deferred"]["uri"].endswith(
        f"IntegrationPackages('{PACKAGE}')/IntegrationDesigntimeArtifacts"
    )
    assert cpi.call("GET", "/IntegrationPackages?$top=x").status_code == 400


def test_an_unknown_package_is_404_with_the_chosen_text(cpi):
    response = cpi.call("GET", "/IntegrationPackages('Nope')")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "Not Found", "message": {"lang": "en", "value": "Integration package not found."}}
    }


def test_active_matches_in_any_case_and_select_narrows_the_entity(cpi):
    flow = cpi.call("GET", flow_path(version="ACTIVE") + "?$select=Id,Version").json()["d"]
    assert (flow["Id"], flow["Version"]) == (TO_S4, "1.0.3") and "Name" not in flow
    assert cpi.call("GET", flow_path(version="1.0.3")).json()["d"]["ArtifactContent"] is None
    assert cpi.call("GET", flow_path(version="2.0.0")).status_code == 404
    assert cpi.call("GET", "/IntegrationDesigntimeArtifacts('x')").status_code == 400


def test_configurations_filter_order_select_and_count(cpi):
    base = flow_path() + "/Configurations"
    receiver = cpi.call("GET", base + "?$filter=substringof('Receiver ',ParameterKey) eq true").json()["d"]
    assert receiver["results"] and all(p["ParameterKey"].startswith("Receiver ") for p in receiver["results"])
    starts = cpi.call("GET", base + "?$filter=startswith(ParameterKey,'Sender')").json()["d"]["results"]
    assert {p["ParameterKey"] for p in starts} == {
        "Sender Address",
        "Sender Authorization",
        "Sender User Role",
    }
    ends = cpi.call("GET", base + "?$filter=endswith(ParameterKey,'Name') and ParameterKey ne 'x'").json()
    assert [p["ParameterKey"] for p in ends["d"]["results"]] == ["Receiver Credential Name"]
    desc = cpi.call("GET", base + "?$orderby=ParameterKey desc&$select=ParameterKey").json()["d"]["results"]
    keys = [p["ParameterKey"] for p in desc]
    assert keys == sorted(keys, reverse=True) and set(desc[0]) == {"__metadata", "ParameterKey"}
    count = cpi.call("GET", base + "/$count?$filter=DataType eq 'xsd:string'")
    assert count.headers["Content-Type"].startswith("text/plain") and int(count.text) == len(
        [p for p in cpi.call("GET", base).json()["d"]["results"] if p["DataType"] == "xsd:string"]
    )
    assert cpi.call("GET", base + "?$filter=Unknown eq 'x'").status_code == 400
    assert cpi.call("GET", base + "?$orderby=DataType").status_code == 400


def test_a_parameter_put_needs_csrf_a_json_value_and_a_known_key(cpi):
    path = flow_path() + "/$links/Configurations('" + quote("Receiver Credential Name") + "')"
    without = cpi.call("PUT", path, csrf=False, json={"ParameterValue": "X"})
    assert without.status_code == 403 and without.headers["X-CSRF-Token"] == "Required"
    assert (
        cpi.call("PUT", path, data=b"not json", headers={"Content-Type": "application/json"}).status_code
        == 400
    )
    assert cpi.call("PUT", path, json={"DataType": "xsd:string"}).status_code == 400
    unknown = cpi.call("PUT", flow_path() + "/$links/Configurations('Nope')", json={"ParameterValue": "X"})
    assert unknown.status_code == 404 and error_value(unknown) == "Configuration parameter 'Nope' not found."
    missing = cpi.call(
        "PUT", flow_path("com.x.Unknown") + "/$links/Configurations('a')", json={"ParameterValue": "X"}
    )
    assert error_value(missing) == "Integration design time artifact not found."
    done = cpi.call("PUT", path, json={"ParameterValue": "S4_NEW", "DataType": "xsd:integer"})
    assert done.status_code == 202 and done.content == b""
    stored = cpi.call(
        "GET", flow_path() + "/Configurations?$filter=ParameterKey eq 'Receiver Credential Name'"
    )
    [parameter] = stored.json()["d"]["results"]
    assert (parameter["ParameterValue"], parameter["DataType"]) == ("S4_NEW", "xsd:string")


def test_a_draft_makes_configurations_answer_400(cpi, sandbox_server, sandbox_tenant):
    sandbox_server.admin(
        "POST", f"tenants/{sandbox_tenant['subdomain']}/designtime/{TO_S4}", {"draft": True}
    ).raise_for_status()
    response = cpi.call("GET", flow_path() + "/Configurations")
    assert (
        response.status_code == 400
        and error_value(response) == "Integration design time artifact is in draft state."
    )
    assert cpi.call("GET", flow_path()).status_code == 200


# --- deployment --------------------------------------------------------------------------------------------


def test_deploy_answers_a_task_id_as_text_and_the_build_then_the_runtime_move_on(cpi, sandbox_server):
    set_async(sandbox_server, build_polls=2, start_polls=2, content_seconds=60)
    assert cpi.call("DELETE", f"/IntegrationRuntimeArtifacts('{TO_S4}')").status_code == 202
    deploy = cpi.call("POST", f"/DeployIntegrationDesigntimeArtifact?Id='{TO_S4}'&Version='active'")
    assert deploy.status_code == 202 and deploy.headers["Content-Type"].startswith("text/plain")
    assert UUID.match(deploy.text)
    runtime = f"/IntegrationRuntimeArtifacts('{TO_S4}')"
    assert cpi.call("GET", runtime).status_code == 404  # not deployed until the build succeeds
    statuses = [
        cpi.call("GET", f"/BuildAndDeployStatus(TaskId='{deploy.text}')").json()["d"]["Status"]
        for _ in range(3)
    ]
    assert statuses == ["DEPLOYING", "DEPLOYING", "SUCCESS"]
    runs = [cpi.call("GET", runtime).json()["d"] for _ in range(3)]
    assert [run["Status"] for run in runs] == ["STARTING", "STARTING", "STARTED"]
    assert runs[-1]["DeployedOn"].startswith("/Date(") and runs[-1]["Version"] == "1.0.3"
    assert runs[-1]["DeployedBy"].startswith("sb-")
    assert cpi.call("GET", runtime + "/ErrorInformation/$value").status_code == 204


def test_time_finishes_a_deployment_nobody_polls(cpi, sandbox_server):
    set_async(sandbox_server, build_polls=5, start_polls=5, content_seconds=0)
    task = cpi.call("POST", f"/DeployIntegrationDesigntimeArtifact?Id='{TO_S4}'&Version='active'").text
    assert cpi.call("GET", f"/IntegrationRuntimeArtifacts('{TO_S4}')").json()["d"]["Status"] == "STARTED"
    assert cpi.call("GET", f"/BuildAndDeployStatus(TaskId='{task}')").json()["d"]["Status"] == "SUCCESS"


def test_deploy_needs_quoted_parameters_and_a_known_iflow(cpi):
    assert (
        cpi.call("POST", f"/DeployIntegrationDesigntimeArtifact?Id={TO_S4}&Version=active").status_code == 400
    )
    unknown = cpi.call("POST", "/DeployIntegrationDesigntimeArtifact?Id='com.x.Unknown'&Version='active'")
    assert unknown.status_code == 404
    assert (
        cpi.call("POST", f"/DeployIntegrationDesigntimeArtifact?Id='{TO_S4}'", csrf=False).status_code == 403
    )
    assert cpi.call("GET", "/BuildAndDeployStatus(TaskId='nope')").status_code == 404


def test_an_injected_start_failure_gives_error_information_as_structured_json(
    cpi, sandbox_server, sandbox_tenant
):
    set_async(sandbox_server, build_polls=0, start_polls=0)
    fault(
        sandbox_server,
        sandbox_tenant,
        kind="fail_start",
        host="cpi",
        name=TO_S4,
        body="Receiver channel invalid",
    )
    cpi.call("POST", f"/DeployIntegrationDesigntimeArtifact?Id='{TO_S4}'&Version='active'")
    runtime = f"/IntegrationRuntimeArtifacts('{TO_S4}')"
    assert cpi.call("GET", runtime).json()["d"]["Status"] == "ERROR"  # no reads asked for: done at once
    information = cpi.call("GET", runtime + "/ErrorInformation/$value")
    assert information.status_code == 200 and information.headers["Content-Type"] == "application/json"
    assert information.json() == {
        "message": {
            "subsystemName": "IntegrationFlow",
            "subsystemPartName": "Deployment",
            "messageId": "ERR_INJECTED",
            "messageText": "{0}",
        },
        "parameter": ["Receiver channel invalid"],
        "childInstances": [],
    }
    entity = cpi.call("GET", runtime + "/ErrorInformation").json()["d"]
    assert (
        entity["Id"] == TO_S4
        and entity["__metadata"]["type"] == "com.sap.hci.api.RuntimeArtifactErrorInformation"
    )


def test_runtime_artifacts_list_filters_orders_and_counts(cpi):
    body = cpi.call(
        "GET",
        "/IntegrationRuntimeArtifacts?$filter=Status eq 'STARTED' or Status eq 'ERROR'&$orderby=Id desc"
        "&$inlinecount=allpages&$top=2",
    ).json()["d"]
    ids = [artifact["Id"] for artifact in body["results"]]
    assert len(ids) == 2 and ids == sorted(ids, reverse=True) and body["__count"] == "4"
    assert cpi.call("GET", "/IntegrationRuntimeArtifacts?$orderby=Nope").status_code == 400
    assert cpi.call("DELETE", "/IntegrationRuntimeArtifacts('com.x.Unknown')").status_code == 404


def test_a_missing_role_is_403_forbidden_without_the_csrf_header(cpi, sandbox_server, sandbox_tenant):
    from tests.sandbox.conftest import CpiClient

    response = sandbox_server.admin(
        "POST", f"tenants/{sandbox_tenant['subdomain']}/api-keys", {"roles": ["MonitoringDataRead"]}
    )
    monitor = CpiClient(sandbox_server, response.json())
    refused = monitor.call("GET", "/IntegrationPackages")
    assert refused.status_code == 403 and "X-CSRF-Token" not in refused.headers
    assert refused.json() == {"error": {"code": "Forbidden", "message": {"lang": "en", "value": "Forbidden"}}}
    assert (
        monitor.call(
            "POST", f"/DeployIntegrationDesigntimeArtifact?Id='{TO_S4}'&Version='active'"
        ).status_code
        == 403
    )
    assert monitor.call("GET", "/MessageProcessingLogs").status_code == 200


# --- messages and their logs -------------------------------------------------------------------------------


def test_mpl_queries_follow_the_d46_grammar(cpi, sandbox_server, sandbox_tenant):
    send(sandbox_server, sandbox_tenant, TO_S4)
    ok = (
        "/MessageProcessingLogs?$filter=(IntegrationArtifact/Id eq '{0}' or IntegrationFlowName eq 'x')"
        " and LogStart gt datetime'2020-01-01T00:00:00.000'"
    )
    assert len(cpi.call("GET", ok.format(TO_S4)).json()["d"]["results"]) == 1
    for bad in (
        "LogStart gt datetime'2020-01-01T00:00:00Z'",
        "LogStart gt datetime'2020-01-01T00:00:00+01:00'",
        "Unknown eq 'x'",
        "substringof('x',IntegrationFlowName)",
        "Status eq",
    ):
        response = cpi.call("GET", "/MessageProcessingLogs?$filter=" + bad)
        assert response.status_code == 400, bad
        assert response.json()["error"]["code"] == "Bad Request"


def test_mpl_count_inlinecount_order_and_paging(cpi, sandbox_server, sandbox_tenant):
    send(sandbox_server, sandbox_tenant, FROM_S4, count=1002)
    count = cpi.call("GET", f"/MessageProcessingLogs/$count?$filter=IntegrationFlowName eq '{FROM_S4}'")
    assert count.headers["Content-Type"].startswith("text/plain") and count.text == "1002"
    first = cpi.call("GET", "/MessageProcessingLogs?$inlinecount=allpages&$orderby=LogStart desc").json()["d"]
    assert first["__count"] == "1002" and len(first["results"]) == 1000
    assert first["__next"].startswith("https://") and "$skiptoken=1000" in first["__next"]
    nxt = cpi.http.get(first["__next"], timeout=30).json()["d"]
    assert len(nxt["results"]) == 2 and "__next" not in nxt
    assert len(cpi.call("GET", "/MessageProcessingLogs?$top=1500").json()["d"]["results"]) == 1000
    assert (
        len(
            cpi.call("GET", "/MessageProcessingLogs?$orderby=Status,LogEnd desc&$top=3").json()["d"][
                "results"
            ]
        )
        == 3
    )
    assert cpi.call("GET", "/MessageProcessingLogs?$orderby=Sender").status_code == 400


def test_a_failed_mpl_has_error_information_and_a_completed_one_404(cpi, sandbox_server, sandbox_tenant):
    [failed] = send(sandbox_server, sandbox_tenant, TO_S4)
    [completed] = send(sandbox_server, sandbox_tenant, FROM_S4)  # SSC_PRODUCT is missing too
    assert completed["status"] == "FAILED"
    entity = cpi.call("GET", f"/MessageProcessingLogs('{failed['guid']}')").json()["d"]
    assert len(entity["MessageGuid"]) == 28 and len(entity["CorrelationId"]) == 28
    assert entity["IntegrationArtifact"]["Id"] == entity["IntegrationFlowName"] == TO_S4
    assert entity["ArchivingLogAttachments"] == "false" and entity["LogEnd"].startswith("/Date(")
    information = cpi.call("GET", f"/MessageProcessingLogs('{failed['guid']}')/ErrorInformation").json()["d"]
    assert (information["Type"], information["LastErrorModelStepId"]) == ("text/plain", "MessageFlow_1")
    text = cpi.call("GET", f"/MessageProcessingLogs('{failed['guid']}')/ErrorInformation/$value")
    assert text.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert text.text == "java.lang.IllegalStateException: No credentials for 'S4_OLD' found"
    assert cpi.call("GET", "/MessageProcessingLogs('AAAAAAAAAAAAAAAAAAAAAAAAAAAA')").status_code == 404


def test_a_completed_mpl_has_no_error_information(cpi, sandbox_server, sandbox_tenant):
    created = cpi.call(
        "POST",
        "/UserCredentials",
        json={"Name": "SSC_PRODUCT", "Kind": "default", "User": "u", "Password": "p"},
    )
    assert created.status_code == 202
    cpi.call("GET", "/UserCredentials('SSC_PRODUCT')")  # deployed at the first read
    [completed] = send(sandbox_server, sandbox_tenant, FROM_S4)
    assert completed["status"] == "COMPLETED"
    for tail in ("ErrorInformation", "ErrorInformation/$value"):
        response = cpi.call("GET", f"/MessageProcessingLogs('{completed['guid']}')/{tail}")
        assert response.status_code == 404 and response.json()["error"]["code"] == "Not Found"


# --- runtime calls -----------------------------------------------------------------------------------------


def test_a_runtime_call_through_a_content_iflow_logs_an_mpl_and_names_it(
    cf, cpi, sandbox_server, sandbox_tenant
):
    oauth = flow_key(cf, "s4-sender", ["ESBMessaging.send"])
    response = sandbox_server.session().post(
        oauth["url"] + "/cxf/S4HANA/ReplicateProduct",
        auth=(oauth["clientid"], oauth["clientsecret"]),
        data=b"<x/>",
    )
    assert response.status_code == 500
    assert response.text == "java.lang.IllegalStateException: No credentials for 'SSC_PRODUCT' found"
    guid = response.headers["SAP_MessageProcessingLogID"]
    assert cpi.call("GET", f"/MessageProcessingLogs('{guid}')").json()["d"]["Status"] == "FAILED"


def test_the_sender_role_and_client_certificate_checks_refuse_without_a_log(cf, certs, cpi, sandbox_server):
    without_role = flow_key(cf, "no-role", ["SomeOtherRole"])
    refused = sandbox_server.session().post(
        without_role["url"] + "/cxf/S4HANA/ReplicateProduct",
        auth=(without_role["clientid"], without_role["clientsecret"]),
    )
    assert refused.status_code == 403
    basic = flow_key(cf, "ssc-basic", ["ESBMessaging.send"])
    needs_certificate = sandbox_server.session().post(
        basic["url"] + "/http/SSC/ReplicateSalesQuote", auth=(basic["clientid"], basic["clientsecret"])
    )
    assert needs_certificate.status_code == 403
    assert cpi.call("GET", "/MessageProcessingLogs/$count").text == "0"
    certificate = flow_key(cf, "ssc-cert", ["ESBMessaging.send"], {"key-type": "certificate"})
    files = certs.files(unescape(certificate["certificate"]), unescape(certificate["key"]))
    through = sandbox_server.session().post(certificate["url"] + "/http/SSC/ReplicateSalesQuote", cert=files)
    assert through.status_code == 500 and "No credentials for 'S4_QUOTE' found" in through.text
    assert cpi.call("GET", "/MessageProcessingLogs/$count").text == "1"


def test_an_undeployed_iflow_has_no_endpoint_and_takes_no_messages(cf, cpi, sandbox_server, sandbox_tenant):
    cpi.call("DELETE", f"/IntegrationRuntimeArtifacts('{FROM_S4}')")
    oauth = flow_key(cf, "s4-sender-2", ["ESBMessaging.send"])
    response = sandbox_server.session().post(
        oauth["url"] + "/cxf/S4HANA/ReplicateProduct", auth=(oauth["clientid"], oauth["clientsecret"])
    )
    assert response.status_code == 404
    refused = sandbox_server.admin(
        "POST", f"tenants/{sandbox_tenant['subdomain']}/messages", {"iflow": FROM_S4}
    )
    assert refused.status_code == 409 and "not started" in refused.json()["error"]
    unknown = sandbox_server.admin("POST", f"tenants/{sandbox_tenant['subdomain']}/messages", {"iflow": "x"})
    assert unknown.status_code == 404


# --- knobs -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "fail_message", "failure": "receiver_500"},
        {"kind": "fail_message"},
        {"kind": "fail_job", "failure": "receiver_401"},
    ],
)
def test_fail_message_faults_are_validated(sandbox_server, spec):
    response = sandbox_server.admin("POST", "faults", spec)
    assert response.status_code == 400


def test_async_knobs_include_the_content_timing(sandbox_server):
    values = sandbox_server.admin(
        "POST", "async", {"build_polls": 2, "start_polls": 0, "content_seconds": 1.5}
    ).json()
    assert (values["build_polls"], values["start_polls"], values["content_seconds"]) == (2, 0, 1.5)
    assert sandbox_server.admin("POST", "async", {"content_seconds": -1}).status_code == 400


def test_state_and_facts_show_the_content(sandbox_server, sandbox_tenant):
    content = sandbox_server.state(sandbox_tenant["subdomain"])["tenants"][sandbox_tenant["subdomain"]][
        "content"
    ]
    assert content["packages"] == ["AuthWizardFixtureCustomerPackage", PACKAGE]
    assert content["iflows"][TO_S4]["runtime_status"] == "STARTED"
    assert content["iflows"][FROM_S4]["endpoint"] == "/cxf/S4HANA/ReplicateProduct"
    assert sandbox_tenant["integration_packages"] == [PACKAGE]
    assert {flow["pathway"] for flow in sandbox_tenant["content_iflows"]} == {
        "s4_to_cpi",
        "ssc_to_cpi",
        "cpi_to_ssc",
        "cpi_to_s4",
    }


def test_each_api_class_has_its_own_rate_limit(cpi, sandbox_server, sandbox_tenant):
    """§16.1: design-time artifacts 15/s per tenant and 10/s per user, runtime artifacts 50/s per user, MPLs
    100/s per user, each apart from the security content's 12/s (clock stopped: counts, not speed)."""
    from tests.sandbox.conftest import CpiClient

    reader = CpiClient(sandbox_server, sandbox_tenant["api_key"], fetch_csrf=False)
    sandbox_server.admin("POST", "clock", {"stop": True}).raise_for_status()
    design = [reader.call("GET", "/IntegrationPackages", retry_429=False).status_code for _ in range(11)]
    assert design == [200] * 10 + [429]
    runtime = [
        reader.call("GET", "/IntegrationRuntimeArtifacts", retry_429=False).status_code for _ in range(51)
    ]
    assert runtime == [200] * 50 + [429]
    logs = [
        reader.call("GET", "/MessageProcessingLogs/$count", retry_429=False).status_code for _ in range(40)
    ]
    assert logs == [200] * 40
    assert reader.call("GET", "/UserCredentials", retry_429=False).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/IntegrationPackages",
        f"/IntegrationDesigntimeArtifacts(Id='{TO_S4}',Version='active')/Configurations",
        f"/IntegrationRuntimeArtifacts('{TO_S4}')",
        "/MessageProcessingLogs",
    ],
)
def test_calls_without_a_token_are_401(sandbox_server, sandbox_tenant, path):
    response = sandbox_server.session().get(sandbox_tenant["cpi_api_url"] + path)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
