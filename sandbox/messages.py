"""Messages through deployed iFlows and their message processing logs (§16.5, D-45 to D-50).

A message through a content iFlow really checks the deployed receiver parameters against the tenant's
security material: Basic needs a deployed User Credentials artifact of the configured name, Client Certificate
a key pair under the configured alias whose certificate is valid. A `fail_message` fault (matched on the
iFlow id) makes the next messages fail with one class of authentication failure instead. Each message leaves
an MPL: COMPLETED, or FAILED with the error text CPI would log.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from urllib.parse import urlencode

from . import certutil, odata
from .content import parameter
from .http import Response, text_response
from .odatafilter import FilterError, compile_filter

MAX_LOGS = 5000
PAGE_SIZE = 1000
SOAP_PREFIX = "org.apache.cxf.interceptor.Fault: Could not send Message., cause: "
# The texts CPI logs per failure class. 401/403 follow the SOAP (CXF) and HTTP receiver adapters' messages;
# "No credentials for '<name>' found" is the text of sap-apis.md §16.4.4; the alias text is the sandbox's
# own wording (no public source gives CPI's).
HTTP_STATUS_TEXT = {401: "Unauthorized", 403: "Forbidden"}
PKIX_TEXT = (
    "javax.net.ssl.SSLHandshakeException: PKIX path building failed: "
    "sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path "
    "to requested target"
)
BAD_CERTIFICATE_TEXT = "javax.net.ssl.SSLHandshakeException: Received fatal alert: bad_certificate"
CERTIFICATE_EXPIRED_TEXT = "javax.net.ssl.SSLHandshakeException: Received fatal alert: certificate_expired"
MPL_FIELDS = {
    "MessageGuid": lambda log: log["MessageGuid"],
    "CorrelationId": lambda log: log["CorrelationId"],
    "ApplicationMessageId": lambda log: log.get("ApplicationMessageId"),
    "ApplicationMessageType": lambda log: log.get("ApplicationMessageType"),
    "IntegrationFlowName": lambda log: log["IntegrationFlowName"],
    "IntegrationArtifact/Id": lambda log: log["IntegrationFlowName"],
    "Status": lambda log: log["Status"],
    "CustomStatus": lambda log: log["CustomStatus"],
    "LogStart": lambda log: log["LogStart"],
    "LogEnd": lambda log: log.get("LogEnd"),
    "Sender": lambda log: log.get("Sender"),
    "Receiver": lambda log: log.get("Receiver"),
    "LogLevel": lambda log: log["LogLevel"],
}
MPL_ORDERS = {
    "LogEnd": [("LogEnd", False)],
    "LogEnd desc": [("LogEnd", True)],
    "LogStart": [("LogStart", False)],
    "LogStart desc": [("LogStart", True)],
    "Status,LogEnd desc": [("LogEnd", True), ("Status", False)],
    "ApplicationMessageId": [("ApplicationMessageId", False)],
}
SCALARS = (
    "MessageGuid",
    "CorrelationId",
    "ApplicationMessageId",
    "ApplicationMessageType",
    "LogStart",
    "LogEnd",
    "Sender",
    "Receiver",
    "IntegrationFlowName",
    "Status",
    "CustomStatus",
    "LogLevel",
    "AlternateWebLink",
    "IntegrationArtifact",
    "ArchivingStatus",
    "ArchivingSenderChannelMessages",
    "ArchivingReceiverChannelMessages",
    "ArchivingLogAttachments",
    "ArchivingPersistedMessages",
    "TransactionId",
    "PreviousComponentName",
    "LocalComponentName",
    "OriginComponentName",
)
NAVIGATIONS = (
    "CustomHeaderProperties",
    "MessageStoreEntries",
    "ErrorInformation",
    "AdapterAttributes",
    "Attachments",
    "Runs",
)


def _ms() -> int:
    return int(time.time() * 1000)


def _mpl_id() -> str:
    """28 URL-safe characters, like `AFq478Bblxi4wCjBcDb_G0vAGGZG` (D-50)."""
    return secrets.token_urlsafe(21)


def receiver_refused(adapter: str, url: str, status: int) -> str:
    """What CPI logs when the receiver answers 401 or 403: the CXF text (SOAP) or the HTTP adapter's."""
    if adapter == "SOAP":
        return (
            f"{SOAP_PREFIX}org.apache.cxf.transport.http.HTTPException: HTTP response "
            f"'{status}: {HTTP_STATUS_TEXT[status]}' when communicating with {url}"
        )
    return (
        "com.sap.it.rt.adapter.http.api.exception.HttpResponseException: An internal server error occured: "
        f"HTTP operation failed invoking {url} with statusCode: {status}"
    )


def failure_text(failure: str, artifact: dict) -> str:
    """The error text of one failure class for this deployed iFlow (its receiver adapter and parameters)."""
    adapter = artifact.get("receiver_adapter", "HTTPS")
    url = parameter(artifact, "Receiver Address")
    prefix = SOAP_PREFIX if adapter == "SOAP" else ""
    if failure == "receiver_401":
        return receiver_refused(adapter, url, 401)
    if failure == "receiver_403":
        return receiver_refused(adapter, url, 403)
    if failure == "tls_handshake":
        return prefix + PKIX_TEXT
    if failure == "certificate_rejected":
        return prefix + BAD_CERTIFICATE_TEXT
    if failure == "credential_not_found":
        name = parameter(artifact, "Receiver Credential Name")
        return f"java.lang.IllegalStateException: No credentials for '{name}' found"
    if failure == "alias_not_found":
        alias = parameter(artifact, "Receiver Private Key Alias")
        return f"java.lang.IllegalStateException: No key pair with alias '{alias}' found in keystore 'system'"
    raise ValueError(f"unknown failure class {failure!r}")


def _key_pair(tenant: dict, alias: str) -> dict | None:
    """The system keystore's key pair under `alias` (aliases compare case-insensitively, as in a JKS)."""
    for entry in tenant["keystores"]["system"].values():
        if entry["alias"].lower() == alias.lower() and entry.get("key"):
            return entry
    return None


def receiver_outcome(tenant: dict, artifact: dict) -> tuple[str | None, str | None]:
    """(failure class, error text) of sending to the iFlow's receiver with its deployed security material;
    (None, None) when the receiver accepts it."""
    authentication = parameter(artifact, "Receiver Authentication").strip()
    if authentication.lower() == "basic":
        name = parameter(artifact, "Receiver Credential Name").strip()
        credential = tenant["user_credentials"].get(name)
        if not name or credential is None or credential["status"] != "DEPLOYED":
            return "credential_not_found", failure_text("credential_not_found", artifact)
        return None, None
    if authentication.lower() == "client certificate":
        entry = _key_pair(tenant, parameter(artifact, "Receiver Private Key Alias").strip())
        if entry is None:
            return "alias_not_found", failure_text("alias_not_found", artifact)
        leaf = certutil.load_certificates(entry["chain"][0])[0]
        if leaf.not_valid_after_utc < dt.datetime.now(dt.UTC):
            prefix = SOAP_PREFIX if artifact.get("receiver_adapter") == "SOAP" else ""
            return "certificate_rejected", prefix + CERTIFICATE_EXPIRED_TEXT
        return None, None
    if authentication.lower() in ("", "none"):
        return None, None
    return (
        "unsupported",
        f"java.lang.IllegalArgumentException: Unsupported authentication type '{authentication}'",
    )


def process(ctx, tenant: dict, artifact: dict, sender: str | None) -> dict:
    """Send one message through a started iFlow; returns its MPL record (COMPLETED or FAILED)."""
    started = _ms()
    match = {"host": "runtime", "subdomain": tenant["subdomain"], "name": artifact["Id"]}
    injected = ctx.knobs.take("fail_message", **match)
    if injected:
        failure, text = injected["failure"], failure_text(injected["failure"], artifact)
    else:
        failure, text = receiver_outcome(tenant, artifact)
    log = {
        "MessageGuid": _mpl_id(),
        "CorrelationId": _mpl_id(),
        "ApplicationMessageId": None,
        "ApplicationMessageType": None,
        "LogStart": started,
        "LogEnd": max(_ms(), started + 1),
        "Sender": sender,
        "Receiver": artifact.get("receiver_system"),
        "IntegrationFlowName": artifact["Id"],
        "IntegrationFlowTitle": artifact["Name"],
        "PackageId": artifact.get("package_id"),
        "Status": "FAILED" if failure else "COMPLETED",
        "CustomStatus": "FAILED" if failure else "COMPLETED",
        "LogLevel": "INFO",
        "TransactionId": secrets.token_hex(16),
        "error": text,
        "failure": failure,
    }
    add_log(tenant, log)
    return log


def add_log(tenant: dict, log: dict) -> None:
    logs = tenant.setdefault("mpls", [])
    logs.append(log)
    del logs[:-MAX_LOGS]


def simple_log(tenant: dict, flow_name: str, sender: str) -> dict:
    """The MPL of a completed call of one of the sandbox's own ping iFlows."""
    now = _ms()
    log = {
        "MessageGuid": _mpl_id(),
        "CorrelationId": _mpl_id(),
        "ApplicationMessageId": None,
        "ApplicationMessageType": None,
        "LogStart": now,
        "LogEnd": now + 1,
        "Sender": sender,
        "Receiver": None,
        "IntegrationFlowName": flow_name,
        "IntegrationFlowTitle": flow_name,
        "PackageId": None,
        "Status": "COMPLETED",
        "CustomStatus": "COMPLETED",
        "LogLevel": "INFO",
        "TransactionId": secrets.token_hex(16),
        "error": None,
        "failure": None,
    }
    add_log(tenant, log)
    return log


# --- OData -------------------------------------------------------------------------------------------------


def _entity(ctx, tenant, log: dict) -> dict:
    base = ctx.landscape.cpi(tenant["subdomain"]) + "/api/v1"
    uri = f"{base}/MessageProcessingLogs('{log['MessageGuid']}')"
    package = tenant.get("packages", {}).get(log.get("PackageId") or "", {})
    entity = {
        "__metadata": {"id": uri, "uri": uri, "type": "com.sap.hci.api.MessageProcessingLog"},
        "MessageGuid": log["MessageGuid"],
        "CorrelationId": log["CorrelationId"],
        "ApplicationMessageId": log.get("ApplicationMessageId"),
        "ApplicationMessageType": log.get("ApplicationMessageType"),
        "LogStart": f"/Date({log['LogStart']})/",
        "LogEnd": None if log.get("LogEnd") is None else f"/Date({log['LogEnd']})/",
        "Sender": log.get("Sender"),
        "Receiver": log.get("Receiver"),
        "IntegrationFlowName": log["IntegrationFlowName"],
        "Status": log["Status"],
        "CustomStatus": log["CustomStatus"],
        "LogLevel": log["LogLevel"],
        "AlternateWebLink": (
            ctx.landscape.cpi(tenant["subdomain"])
            + "/itspaces/shell/monitoring/MessageDetails/%7B%22messageGuid%22%3A%22"
            + log["MessageGuid"]
            + "%22%7D"
        ),
        "IntegrationArtifact": {
            "__metadata": {"type": "com.sap.hci.api.IntegrationArtifact"},
            "Id": log["IntegrationFlowName"],
            "Name": log.get("IntegrationFlowTitle") or log["IntegrationFlowName"],
            "Type": "INTEGRATION_FLOW",
            "PackageId": log.get("PackageId"),
            "PackageName": package.get("Name"),
        },
        "ArchivingStatus": "NOT_RELEVANT",
        "ArchivingSenderChannelMessages": "false",
        "ArchivingReceiverChannelMessages": "false",
        "ArchivingLogAttachments": "false",
        "ArchivingPersistedMessages": "false",
        "TransactionId": log["TransactionId"],
        "PreviousComponentName": f"CPI_{tenant['subdomain']}",
        "LocalComponentName": f"CPI_{tenant['subdomain']}",
        "OriginComponentName": None,
    }
    for navigation in NAVIGATIONS:
        entity[navigation] = {"__deferred": {"uri": f"{uri}/{navigation}"}}
    return entity


def _selected(req, entity: dict) -> tuple[dict | None, Response | None]:
    wanted = req.arg("$select")
    if not wanted:
        return entity, None
    names = [name.strip() for name in wanted.split(",") if name.strip()]
    unknown = [name for name in names if name not in SCALARS]
    if unknown:
        return None, odata.error(400, f"The property '{unknown[0]}' cannot be selected.")
    return {"__metadata": entity["__metadata"], **{name: entity[name] for name in names}}, None


def handle(ctx, req, tenant, key_segment, tail) -> Response:
    logs = list(reversed(tenant.get("mpls", [])))
    if key_segment is not None:
        guid = odata.parse_key(key_segment)
        if guid is None:
            return odata.error(400, "Invalid key predicate")
        log = next((item for item in logs if item["MessageGuid"] == guid), None)
        if log is None:
            return odata.error(404, "Message processing log not found.")
        return _one(ctx, req, tenant, log, tail)
    if tail not in (None, "", "$count"):
        return odata.error(404, f"Resource not found for the segment '{tail}'.")
    try:
        predicate = compile_filter(req.arg("$filter"), MPL_FIELDS)
    except FilterError as exc:
        return odata.error(400, str(exc))
    items = [log for log in logs if predicate is None or predicate(log)]
    if tail == "$count":
        return text_response(200, str(len(items)), "text/plain")
    order = req.arg("$orderby")
    if order:
        normalized = re.sub(r"\s*,\s*", ",", re.sub(r"\s+", " ", order.strip()))
        if normalized not in MPL_ORDERS:
            return odata.error(400, f"The $orderby value '{order}' is not supported.")
        for field, descending in MPL_ORDERS[normalized]:
            items.sort(key=lambda log, f=field: (log.get(f) is None, log.get(f) or 0), reverse=descending)
    return _page(ctx, req, tenant, items)


def _page(ctx, req, tenant, items: list) -> Response:
    """`$skip`/`$top` first, then pages of 1000 with an absolute `__next` carrying `$skiptoken` (D-48)."""
    try:
        skip = int(req.arg("$skip", "0") or 0)
        top = None if req.arg("$top") is None else int(req.arg("$top") or 0)
        offset = int(req.arg("$skiptoken", "0") or 0)
    except ValueError:
        return odata.error(
            400, "Invalid value for $top, $skip or $skiptoken: a non-negative integer is expected."
        )
    if min(skip, offset, 0 if top is None else top) < 0:
        return odata.error(
            400, "Invalid value for $top, $skip or $skiptoken: a non-negative integer is expected."
        )
    total = len(items)
    chosen = items[skip:] if top is None else items[skip : skip + top]
    page = chosen[offset : offset + PAGE_SIZE]
    results = []
    for log in page:
        entity, problem = _selected(req, _entity(ctx, tenant, log))
        if problem:
            return problem
        results.append(entity)
    body: dict = {"d": {"results": results}}
    if req.arg("$inlinecount") == "allpages":
        body["d"]["__count"] = str(total)
    if offset + PAGE_SIZE < len(chosen):
        query = [(k, v) for k, values in req.query.items() if k != "$skiptoken" for v in values]
        query.append(("$skiptoken", str(offset + PAGE_SIZE)))
        base = ctx.landscape.cpi(tenant["subdomain"]) + req.path
        body["d"]["__next"] = base + "?" + urlencode(query, safe="'/()$,")
    return odata.payload(req, 200, body)


def _one(ctx, req, tenant, log: dict, tail) -> Response:
    if not tail:
        entity, problem = _selected(req, _entity(ctx, tenant, log))
        return problem or odata.entity(req, entity)
    if tail in ("ErrorInformation", "ErrorInformation/$value"):
        if not log.get("error"):
            return odata.error(404, "Not Found")
        if tail == "ErrorInformation/$value":
            return text_response(200, log["error"])
        uri = (
            ctx.landscape.cpi(tenant["subdomain"])
            + f"/api/v1/MessageProcessingLogErrorInformations('{log['MessageGuid']}')"
        )
        return odata.entity(
            req,
            {
                "__metadata": {
                    "id": uri,
                    "uri": uri,
                    "type": "com.sap.hci.api.MessageProcessingLogErrorInformation",
                    "content_type": "text/plain",
                    "media_src": f"{uri}/$value",
                    "edit_media": f"{uri}/$value",
                },
                "MessageGuid": log["MessageGuid"],
                "Type": "text/plain",
                "LastErrorModelStepId": "MessageFlow_1",
            },
        )
    if tail in NAVIGATIONS:
        return odata.collection(req, [])
    return odata.error(404, f"Resource not found for the segment '{tail}'.")
