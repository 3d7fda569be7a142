"""CPI integration content (§16.2–§16.4): packages, design-time iFlows and their externalized parameters,
deployment tasks (BuildAndDeployStatus) and runtime artifacts moving STARTING → STARTED or ERROR.

Timing (D-42/D-43): a deployment task answers DEPLOYING for `build_polls` reads, then SUCCESS (FAIL with a
`fail_job` fault on the iFlow id; DEPLOYING forever with `job_forever`); the runtime artifact then answers
STARTING for `start_polls` reads, then STARTED (ERROR with a `fail_start` fault). Either step also ends
`content_seconds` after it began, whether or not anyone reads it.
"""

from __future__ import annotations

import copy
import json
import re
import time
import uuid
from urllib.parse import unquote

from . import odata
from .http import Response, empty, text_response
from .odatafilter import FilterError, compile_filter

PACKAGES_READ = "WorkspacePackagesRead"
PACKAGES_CONFIGURE = "WorkspacePackagesConfigure"
ARTIFACTS_DEPLOY = "WorkspaceArtifactsDeploy"
MONITORING_READ = "MonitoringDataRead"
MONITORING_DEPLOY = "MonitoringArtifactsDeploy"
ENTITY_SETS = (
    "IntegrationPackages",
    "IntegrationDesigntimeArtifacts",
    "DeployIntegrationDesigntimeArtifact",
    "BuildAndDeployStatus",
    "IntegrationRuntimeArtifacts",
)
FLOW_NOT_FOUND = "Integration design time artifact not found."
PACKAGE_NOT_FOUND = "Integration package not found."
RUNTIME_NOT_FOUND = "Integration runtime artifact not found."
DRAFT = "Integration design time artifact is in draft state."
BUILD_FAILED_TEXT = "Build of the integration flow failed: validation error in the integration flow model."
START_FAILED_TEXT = "Integration flow could not be started: the runtime rejected its configuration."
COMPOSITE_KEY = re.compile(r"^\(Id='((?:[^']|'')*)',\s*Version='((?:[^']|'')*)'\)$")
TASK_KEY = re.compile(r"^\(TaskId='((?:[^']|'')*)'\)$")
MAX_TASKS = 500
PACKAGE_NAVIGATIONS = (
    "IntegrationDesigntimeArtifacts",
    "MessageMappingDesigntimeArtifacts",
    "ValueMappingDesigntimeArtifacts",
    "ScriptCollectionDesigntimeArtifacts",
)


def _ms() -> int:
    return int(time.time() * 1000)


def forbidden() -> Response:
    """A missing role template (D-49): 403 `Forbidden`, without the CSRF header."""
    return odata.error(403, "Forbidden")


def _require(caller: dict, *roles: str) -> Response | None:
    return None if any(role in caller["roles"] for role in roles) else forbidden()


def handle(ctx, req, tenant, caller, entity_set, key_segment, tail) -> Response:
    if entity_set == "IntegrationPackages":
        return _require(caller, PACKAGES_READ) or _packages(ctx, req, tenant, key_segment, tail)
    if entity_set == "IntegrationDesigntimeArtifacts":
        return _designtime(ctx, req, tenant, caller, key_segment, tail)
    if entity_set == "DeployIntegrationDesigntimeArtifact":
        if req.method != "POST" or key_segment or tail:
            return odata.error(405, "Method not allowed")
        return _require(caller, ARTIFACTS_DEPLOY) or _deploy(ctx, req, tenant, caller)
    if entity_set == "BuildAndDeployStatus":
        if req.method != "GET":
            return odata.error(405, "Method not allowed")
        return _require(caller, ARTIFACTS_DEPLOY, MONITORING_READ) or _build_status(
            ctx, req, tenant, key_segment
        )
    return _runtime(ctx, req, tenant, caller, key_segment, tail)


# --- packages ----------------------------------------------------------------------------------------------


def _base(ctx, tenant) -> str:
    return ctx.landscape.cpi(tenant["subdomain"]) + "/api/v1"


def _package_entity(ctx, tenant, package: dict) -> dict:
    uri = f"{_base(ctx, tenant)}/IntegrationPackages('{package['Id']}')"
    entity = {"__metadata": {"id": uri, "uri": uri, "type": "com.sap.hci.api.IntegrationPackage"}, **package}
    for navigation in PACKAGE_NAVIGATIONS:
        entity[navigation] = {"__deferred": {"uri": f"{uri}/{navigation}"}}
    return entity


def _paged(req, items: list) -> tuple[list, Response | None]:
    try:
        skip = int(req.arg("$skip", "0") or 0)
        top = req.arg("$top")
        top_value = None if top is None else int(top)
    except ValueError:
        return [], odata.error(400, "Invalid value for $top or $skip: a non-negative integer is expected.")
    if skip < 0 or (top_value is not None and top_value < 0):
        return [], odata.error(400, "Invalid value for $top or $skip: a non-negative integer is expected.")
    items = items[skip:]
    return (items if top_value is None else items[:top_value]), None


def _packages(ctx, req, tenant, key_segment, tail) -> Response:
    if req.method != "GET":
        return odata.error(405, "Method not allowed")
    packages = tenant.get("packages", {})
    if key_segment is None:
        if tail:
            return odata.error(404, f"Resource not found for the segment '{tail}'.")
        items, problem = _paged(req, sorted(packages.values(), key=lambda p: p["Id"]))
        return problem or odata.collection(req, [_package_entity(ctx, tenant, p) for p in items])
    package_id = odata.parse_key(key_segment)
    if package_id is None:
        return odata.error(400, "Invalid key predicate")
    package = packages.get(package_id)
    if package is None:
        return odata.error(404, PACKAGE_NOT_FOUND)
    if not tail:
        return odata.entity(req, _package_entity(ctx, tenant, package))
    if tail == "IntegrationDesigntimeArtifacts":
        flows = [f for f in tenant["designtime"].values() if f["PackageId"] == package_id]
        return odata.collection(
            req, [_flow_entity(ctx, tenant, f) for f in sorted(flows, key=lambda f: f["Id"])]
        )
    if tail in PACKAGE_NAVIGATIONS:
        return odata.collection(req, [])
    return odata.error(404, f"Resource not found for the segment '{tail}'.")


# --- design time -------------------------------------------------------------------------------------------


def _flow_uri(ctx, tenant, flow: dict) -> str:
    return (
        f"{_base(ctx, tenant)}/IntegrationDesigntimeArtifacts(Id='{flow['Id']}',Version='{flow['Version']}')"
    )


def _flow_entity(ctx, tenant, flow: dict) -> dict:
    uri = _flow_uri(ctx, tenant, flow)
    return {
        "__metadata": {
            "id": uri,
            "uri": uri,
            "type": "com.sap.hci.api.IntegrationDesigntimeArtifact",
            "content_type": "application/octet-stream",
            "media_src": f"{uri}/$value",
            "edit_media": f"{uri}/$value",
        },
        "Id": flow["Id"],
        "Version": flow["Version"],
        "PackageId": flow["PackageId"],
        "Name": flow["Name"],
        "Description": flow["Description"],
        "Sender": flow["Sender"],
        "Receiver": flow["Receiver"],
        "ArtifactContent": None,
        "Configurations": {"__deferred": {"uri": f"{uri}/Configurations"}},
        "Resources": {"__deferred": {"uri": f"{uri}/Resources"}},
    }


def find_flow(tenant, flow_id: str, version: str) -> dict | None:
    """The design-time iFlow; `active` (any case) or its stored version resolve to it (D-38)."""
    flow = tenant.get("designtime", {}).get(flow_id)
    if flow is None:
        return None
    if version.lower() == "active" or version == flow["Version"]:
        return flow
    return None


def _select(req, entity: dict, allowed: tuple[str, ...]) -> tuple[dict | None, Response | None]:
    wanted = req.arg("$select")
    if not wanted:
        return entity, None
    names = [name.strip() for name in wanted.split(",") if name.strip()]
    unknown = [name for name in names if name not in allowed]
    if unknown:
        return None, odata.error(400, f"The property '{unknown[0]}' cannot be selected.")
    chosen = {name: entity[name] for name in names if name in entity}
    if "__metadata" in entity:
        chosen = {"__metadata": entity["__metadata"], **chosen}
    return chosen, None


def _designtime(ctx, req, tenant, caller, key_segment, tail) -> Response:
    if key_segment is None:
        return odata.error(404, "Resource not found for the segment 'IntegrationDesigntimeArtifacts'.")
    match = COMPOSITE_KEY.match(unquote(key_segment))
    if not match:
        return odata.error(400, "Invalid key predicate: expected (Id='<id>',Version='<version>')")
    flow_id, version = match.group(1).replace("''", "'"), match.group(2).replace("''", "'")
    if tail and tail.startswith("$links/Configurations"):
        if req.method != "PUT":
            return odata.error(405, "Method not allowed")
        problem = _require(caller, PACKAGES_CONFIGURE)
        if problem:
            return problem
        flow = find_flow(tenant, flow_id, version)
        if flow is None:
            return odata.error(404, FLOW_NOT_FOUND)
        return _update_parameter(req, tenant, flow, tail[len("$links/Configurations") :])
    if req.method != "GET":
        return odata.error(405, "Method not allowed")
    problem = _require(caller, PACKAGES_READ)
    if problem:
        return problem
    flow = find_flow(tenant, flow_id, version)
    if flow is None:
        return odata.error(404, FLOW_NOT_FOUND)
    if not tail:
        entity, problem = _select(
            req, _flow_entity(ctx, tenant, flow), ("Id", "Name", "Version", "PackageId")
        )
        return problem or odata.entity(req, entity)
    if tail in ("Configurations", "Configurations/$count"):
        if flow.get("draft"):
            return odata.error(400, DRAFT)
        return _configurations(req, flow, count=tail.endswith("$count"))
    if tail == "Resources":
        return odata.collection(req, [])
    return odata.error(404, f"Resource not found for the segment '{tail}'.")


CONFIG_FIELDS = {
    "ParameterKey": lambda item: item["ParameterKey"],
    "ParameterValue": lambda item: item["ParameterValue"],
    "DataType": lambda item: item["DataType"],
}
CONFIG_ORDERS = {
    "ParameterKey": (False,),
    "ParameterKey asc": (False,),
    "ParameterKey desc": (True,),
    "ParameterKey,ParameterValue desc": (False,),
}


def _configurations(req, flow: dict, *, count: bool) -> Response:
    try:
        predicate = compile_filter(req.arg("$filter"), CONFIG_FIELDS, functions=True)
    except FilterError as exc:
        return odata.error(400, str(exc))
    items = [p for p in flow["configurations"] if predicate is None or predicate(p)]
    if count:
        return text_response(200, str(len(items)), "text/plain")
    order = req.arg("$orderby")
    if order:
        normalized = re.sub(r"\s*,\s*", ",", order.strip())
        if normalized not in CONFIG_ORDERS:
            return odata.error(400, f"The $orderby value '{order}' is not supported.")
        items = sorted(items, key=lambda p: p["ParameterKey"], reverse=CONFIG_ORDERS[normalized][0])
    results = []
    for item in items:
        entity = {"__metadata": {"type": "com.sap.hci.api.Configuration"}, **item}
        chosen, problem = _select(req, entity, ("ParameterKey", "ParameterValue", "DataType", "Description"))
        if problem:
            return problem
        results.append(chosen)
    return odata.collection(req, results)


def _update_parameter(req, tenant, flow: dict, key_segment: str) -> Response:
    key = odata.parse_key(key_segment)
    if key is None:
        return odata.error(400, "Invalid key predicate: expected ('<ParameterKey>')")
    if flow.get("draft"):
        return odata.error(400, DRAFT)
    body = odata.body_json(req)
    if body is None or not isinstance(body.get("ParameterValue"), str):
        return odata.error(400, "The request body must be JSON with a string 'ParameterValue'.")
    parameter = next((p for p in flow["configurations"] if p["ParameterKey"] == key), None)
    if parameter is None:
        return odata.error(404, f"Configuration parameter '{key}' not found.")
    parameter["ParameterValue"] = body["ParameterValue"]  # DataType and the rest are kept (D-39)
    req.context["dirty"] = True
    return empty(202)


# --- deployment --------------------------------------------------------------------------------------------


def _quoted(value: str | None) -> str | None:
    if value is None or len(value) < 2 or not (value.startswith("'") and value.endswith("'")):
        return None
    return value[1:-1].replace("''", "'")


def _deploy(ctx, req, tenant, caller) -> Response:
    flow_id, version = _quoted(req.arg("Id")), _quoted(req.arg("Version"))
    if flow_id is None or version is None:
        return odata.error(400, "The parameters Id and Version are required, each in single quotes.")
    flow = find_flow(tenant, flow_id, version)
    if flow is None:
        return odata.error(404, FLOW_NOT_FOUND)
    match = {"host": "cpi", "subdomain": tenant["subdomain"], "name": flow_id}
    outcome = "SUCCESS"
    failure = ctx.knobs.take("fail_job", **match)
    if failure:
        outcome = "FAIL"
    elif ctx.knobs.take("job_forever", **match):
        outcome = None
    task_id = str(uuid.uuid4())
    tasks = tenant.setdefault("deploy_tasks", {})
    while len(tasks) >= MAX_TASKS:
        tasks.pop(next(iter(tasks)))
    tasks[task_id] = {
        "TaskId": task_id,
        "flow_id": flow_id,
        "version": flow["Version"],
        "configurations": copy.deepcopy(flow["configurations"]),
        "deployed_by": caller["clientid"],
        "status": "DEPLOYING",
        "outcome": outcome,
        "error": (failure or {}).get("body") if isinstance((failure or {}).get("body"), str) else None,
        "polls_left": ctx.knobs.build_polls,
        "started": time.monotonic(),
    }
    req.context["dirty"] = True
    return text_response(202, task_id, "text/plain")


def _finish_task(ctx, tenant, task: dict) -> None:
    """The build ends: SUCCESS puts the new version into the runtime as STARTING; FAIL leaves an ERROR."""
    task["status"] = task["outcome"]
    flow = tenant["designtime"].get(task["flow_id"], {})
    match = {"host": "cpi", "subdomain": tenant["subdomain"], "name": task["flow_id"]}
    artifact = {
        "Id": task["flow_id"],
        "Version": task["version"],
        "Name": flow.get("Name", task["flow_id"]),
        "Type": "INTEGRATION_FLOW",
        "DeployedBy": task["deployed_by"],
        "DeployedOn": _ms(),
        "configurations": task["configurations"],
        "sender_adapter": flow.get("sender_adapter", "HTTPS"),
        "receiver_adapter": flow.get("receiver_adapter", "HTTPS"),
        "receiver_system": flow.get("Receiver"),
        "package_id": flow.get("PackageId"),
        "polls_left": ctx.knobs.start_polls,
        "started_at": time.monotonic(),
    }
    if task["outcome"] == "FAIL":
        artifact.update(Status="ERROR", outcome="ERROR", error=task["error"] or BUILD_FAILED_TEXT)
    else:
        failure = ctx.knobs.take("fail_start", **match)
        text = (failure or {}).get("body")
        artifact.update(
            Status="STARTING",
            outcome="ERROR" if failure else "STARTED",
            error=(text if isinstance(text, str) and text else START_FAILED_TEXT) if failure else None,
        )
    tenant["runtime_artifacts"][task["flow_id"]] = artifact


def _settle_task(ctx, tenant, task: dict, *, read: bool) -> None:
    """Move a DEPLOYING task on: by one read (`read`); without reads it ends once its reads are used up or
    `content_seconds` have passed."""
    if task["status"] != "DEPLOYING" or task["outcome"] is None:
        return
    elapsed = time.monotonic() - task["started"] >= ctx.knobs.content_seconds
    if read and task["polls_left"] > 0 and not elapsed:
        task["polls_left"] -= 1
        return
    if read or elapsed or task["polls_left"] <= 0:
        _finish_task(ctx, tenant, task)


def settle_runtime(ctx, tenant, flow_id: str, *, read: bool = False) -> dict | None:
    """The runtime artifact after time has passed (and, with `read`, after one more read of it)."""
    for task in list(tenant.get("deploy_tasks", {}).values()):
        if task["flow_id"] == flow_id:
            _settle_task(ctx, tenant, task, read=False)
    artifact = tenant.get("runtime_artifacts", {}).get(flow_id)
    if artifact is None or artifact["Status"] != "STARTING":
        return artifact
    elapsed = time.monotonic() - (artifact.get("started_at") or 0) >= ctx.knobs.content_seconds
    if read and artifact["polls_left"] > 0 and not elapsed:
        artifact["polls_left"] -= 1
    elif read or elapsed or artifact["polls_left"] <= 0:
        artifact["Status"] = artifact["outcome"]
    return artifact


def _build_status(ctx, req, tenant, key_segment) -> Response:
    match = TASK_KEY.match(unquote(key_segment or ""))
    if not match:
        return odata.error(400, "Invalid key predicate: expected (TaskId='<task id>')")
    task = tenant.get("deploy_tasks", {}).get(match.group(1).replace("''", "'"))
    if task is None:
        return odata.error(404, "Build and deploy task not found.")
    _settle_task(ctx, tenant, task, read=True)
    req.context["dirty"] = True
    uri = f"{_base(ctx, tenant)}/BuildAndDeployStatus(TaskId='{task['TaskId']}')"
    return odata.entity(
        req,
        {
            "__metadata": {"id": uri, "uri": uri, "type": "com.sap.hci.api.BuildAndDeployStatus"},
            "TaskId": task["TaskId"],
            "Status": task["status"],
        },
    )


# --- runtime artifacts -------------------------------------------------------------------------------------


def _runtime_entity(ctx, tenant, artifact: dict) -> dict:
    uri = f"{_base(ctx, tenant)}/IntegrationRuntimeArtifacts('{artifact['Id']}')"
    return {
        "__metadata": {
            "id": uri,
            "uri": uri,
            "type": "com.sap.hci.api.IntegrationRuntimeArtifact",
            "content_type": "application/octet-stream",
            "media_src": f"{uri}/$value",
            "edit_media": f"{uri}/$value",
        },
        "Id": artifact["Id"],
        "Version": artifact["Version"],
        "Name": artifact["Name"],
        "Type": artifact["Type"],
        "DeployedBy": artifact["DeployedBy"],
        "DeployedOn": f"/Date({artifact['DeployedOn']})/",
        "Status": artifact["Status"],
        "ErrorInformation": {"__deferred": {"uri": f"{uri}/ErrorInformation"}},
    }


def error_information(artifact: dict) -> dict:
    """The structured error body of D-44."""
    return {
        "message": {
            "subsystemName": "IntegrationFlow",
            "subsystemPartName": "Deployment",
            "messageId": "ERR_INJECTED",
            "messageText": "{0}",
        },
        "parameter": [artifact["error"]],
        "childInstances": [],
    }


RUNTIME_FIELDS = {
    name: (lambda field: lambda item: item.get(field))(name)
    for name in ("Id", "Version", "Name", "Type", "DeployedBy", "Status")
}
RUNTIME_ORDERS = ("Id", "Version", "Name", "Type", "DeployedBy", "DeployedOn", "Status")


def _runtime(ctx, req, tenant, caller, key_segment, tail) -> Response:
    artifacts = tenant.setdefault("runtime_artifacts", {})
    if key_segment is None:
        if req.method != "GET" or tail:
            return odata.error(405, "Method not allowed")
        return _require(caller, MONITORING_READ) or _runtime_list(ctx, req, tenant)
    flow_id = odata.parse_key(key_segment)
    if flow_id is None:
        return odata.error(400, "Invalid key predicate")
    if req.method == "DELETE" and not tail:
        problem = _require(caller, ARTIFACTS_DEPLOY, MONITORING_DEPLOY)
        if problem:
            return problem
        if artifacts.pop(flow_id, None) is None:
            return odata.error(404, RUNTIME_NOT_FOUND)
        return empty(202)
    if req.method != "GET":
        return odata.error(405, "Method not allowed")
    problem = _require(caller, MONITORING_READ)
    if problem:
        return problem
    artifact = settle_runtime(ctx, tenant, flow_id, read=not tail)
    req.context["dirty"] = True
    if artifact is None:
        return odata.error(404, RUNTIME_NOT_FOUND)
    if not tail:
        return odata.entity(req, _runtime_entity(ctx, tenant, artifact))
    if tail == "ErrorInformation":
        uri = f"{_base(ctx, tenant)}/RuntimeArtifactErrorInformations('{flow_id}')"
        return odata.entity(
            req,
            {
                "__metadata": {
                    "id": uri,
                    "uri": uri,
                    "type": "com.sap.hci.api.RuntimeArtifactErrorInformation",
                    "content_type": "application/octet-stream",
                    "media_src": f"{uri}/$value",
                    "edit_media": f"{uri}/$value",
                },
                "Id": flow_id,
            },
        )
    if tail == "ErrorInformation/$value":
        if artifact["Status"] != "ERROR" or not artifact.get("error"):
            return empty(204)
        return Response(
            200, json.dumps(error_information(artifact)).encode(), [("Content-Type", "application/json")]
        )
    return odata.error(404, f"Resource not found for the segment '{tail}'.")


def _runtime_list(ctx, req, tenant) -> Response:
    try:
        predicate = compile_filter(req.arg("$filter"), RUNTIME_FIELDS)
    except FilterError as exc:
        return odata.error(400, str(exc))
    artifacts = [settle_runtime(ctx, tenant, flow_id) for flow_id in list(tenant["runtime_artifacts"])]
    items = [a for a in artifacts if a is not None and (predicate is None or predicate(a))]
    order = (req.arg("$orderby") or "Id").strip()
    field, _, direction = order.partition(" ")
    if field not in RUNTIME_ORDERS or direction.strip() not in ("", "asc", "desc"):
        return odata.error(400, f"The $orderby value '{order}' is not supported.")
    items.sort(key=lambda a: (a.get(field) is None, a.get(field) or ""), reverse=direction.strip() == "desc")
    total = len(items)
    items, problem = _paged(req, items)
    if problem:
        return problem
    body: dict = {"d": {"results": [_runtime_entity(ctx, tenant, a) for a in items]}}
    if req.arg("$inlinecount") == "allpages":
        body["d"]["__count"] = str(total)
    return odata.payload(req, 200, body)


def started_artifacts(ctx, tenant) -> list[dict]:
    """Deployed iFlows that are STARTED now (their sender endpoints answer)."""
    found = []
    for flow_id in list(tenant.get("runtime_artifacts", {})):
        artifact = settle_runtime(ctx, tenant, flow_id)
        if artifact is not None and artifact["Status"] == "STARTED":
            found.append(artifact)
    return found


def parameter(artifact: dict, key: str) -> str:
    """The value of a deployed parameter ("" when the iFlow has none)."""
    for item in artifact.get("configurations") or []:
        if item["ParameterKey"] == key:
            return item["ParameterValue"]
    return ""


def sender_path(artifact: dict) -> str:
    """`/cxf/<address>` for a SOAP sender, `/http/<address>` for HTTPS (§11.1)."""
    prefix = "/cxf" if artifact.get("sender_adapter") == "SOAP" else "/http"
    return prefix + "/" + parameter(artifact, "Sender Address").lstrip("/")
