"""CPI runtime (<sd>.it-cpi001-rt): /http and /cxf iFlow endpoints; Basic, Bearer or client certificate."""

from __future__ import annotations

import fnmatch
import hmac
import uuid

from . import broker
from .http import Response, empty, json_response
from .keystore_model import now_ms
from .tokens import basic_of, bearer_of

SEND_ROLE = "ESBMessaging.send"
MAX_LOGS = 200


def handle(ctx, req) -> Response:
    tenant = ctx.store.tenant(req.subdomain)
    if tenant is None:
        return empty(404)
    if not (req.path.lower().startswith("/http/") or req.path.lower().startswith("/cxf/")):
        return empty(404)
    key, how = _authenticate(ctx, tenant, req)
    if key is None:
        return Response(401, b"", [("WWW-Authenticate", 'Basic realm="SAP Cloud Integration"')])
    flow = _flow_for(tenant, req.path)
    if flow is None:
        return empty(404)
    instance = tenant["instances"].get(key["instance_guid"])
    if (
        instance is None
        or instance["plan"] != "integration-flow"
        or SEND_ROLE not in broker.instance_roles(instance)
    ):
        return empty(403)
    log = {
        "MessageGuid": uuid.uuid4().hex,
        "IntegrationFlowName": flow["name"],
        "Status": "COMPLETED",
        "LogStart": f"/Date({now_ms()})/",
        "LogEnd": f"/Date({now_ms()})/",
        "Sender": key["clientid"],
        "CorrelationId": uuid.uuid4().hex,
    }
    tenant.setdefault("mpls", []).append(log)
    del tenant["mpls"][:-MAX_LOGS]
    req.context["dirty"] = True
    body = {
        "status": "ok",
        "iflow": flow["name"],
        "address": flow["address"],
        "method": req.method,
        "authenticated_as": key["clientid"],
        "auth": how,
        "received_bytes": len(req.body),
        "message_guid": log["MessageGuid"],
    }
    if "xml" in (req.header("content-type") or "") or flow["address"].lower().startswith("/cxf/"):
        xml = (
            f"<ping><status>ok</status><iflow>{flow['name']}</iflow><auth>{how}</auth>"
            f"<messageGuid>{log['MessageGuid']}</messageGuid></ping>"
        )
        return Response(200, xml.encode(), [("Content-Type", "text/xml; charset=utf-8")])
    return json_response(200, body)


def _flow_for(tenant: dict, path: str) -> dict | None:
    wanted = path.rstrip("/").lower()
    for flow in tenant["iflows"]:
        if fnmatch.fnmatchcase(wanted, flow["address"].rstrip("/").lower()):
            return flow
    return None


def _authenticate(ctx, tenant: dict, req) -> tuple[dict | None, str]:
    authorization = req.header("authorization")
    basic = basic_of(authorization)
    if basic is not None:
        clientid, secret = basic
        for key in tenant["keys"].values():
            if key["clientid"] == clientid and key.get("ready") and key["key_type"] == "clientsecret":
                return (key, "basic") if hmac.compare_digest(secret, key["clientsecret"]) else (None, "")
        return None, ""
    if bearer_of(authorization) is not None:
        status, claims = ctx.authenticate(req)
        if status != "ok" or claims.get("zid") != tenant["zid"]:
            return None, ""
        for key in tenant["keys"].values():
            if key["clientid"] == claims.get("client_id") and key.get("ready"):
                return key, "bearer"
        return None, ""
    if authorization is None and req.peer_cert_der:
        key = broker.key_for_certificate(tenant, req.peer_cert_der)
        return (key, "certificate") if key else (None, "")
    return None, ""
