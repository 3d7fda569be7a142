"""CPI runtime (<sd>.it-cpi001-rt): /http and /cxf iFlow endpoints; Basic, Bearer or client certificate."""

from __future__ import annotations

import fnmatch
import hmac

from . import broker, content, messages
from .http import Response, empty, json_response, text_response
from .tokens import basic_of, bearer_of

SEND_ROLE = "ESBMessaging.send"
MPL_HEADER = "SAP_MessageProcessingLogID"


def handle(ctx, req) -> Response:
    tenant = ctx.store.tenant(req.subdomain)
    if tenant is None:
        return empty(404)
    if not (req.path.lower().startswith("/http/") or req.path.lower().startswith("/cxf/")):
        return empty(404)
    key, how = _authenticate(ctx, tenant, req)
    if key is None:
        return Response(401, b"", [("WWW-Authenticate", 'Basic realm="SAP Cloud Integration"')])
    artifact = _content_flow_for(ctx, tenant, req.path)
    if artifact is not None:
        return _through_content_flow(ctx, req, tenant, key, how, artifact)
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
    log = messages.simple_log(tenant, flow["name"], key["clientid"])
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
        return Response(
            200, xml.encode(), [("Content-Type", "text/xml; charset=utf-8"), (MPL_HEADER, log["MessageGuid"])]
        )
    return json_response(200, body, [(MPL_HEADER, log["MessageGuid"])])


def _content_flow_for(ctx, tenant: dict, path: str) -> dict | None:
    """The started content iFlow whose sender endpoint is `path` (addresses compare case-insensitively)."""
    wanted = path.rstrip("/").lower()
    for artifact in content.started_artifacts(ctx, tenant):
        if content.sender_path(artifact).rstrip("/").lower() == wanted:
            return artifact
    return None


def sender_refusal(tenant: dict, artifact: dict, key: dict, how: str) -> bool:
    """True when the iFlow's deployed sender authorization refuses this caller (→ 403, no message)."""
    instance = tenant["instances"].get(key["instance_guid"])
    if instance is None or instance["plan"] != "integration-flow":
        return True
    authorization = content.parameter(artifact, "Sender Authorization").strip().lower()
    if authorization == "client certificate":
        return how != "certificate"
    role = content.parameter(artifact, "Sender User Role").strip() or SEND_ROLE
    return role not in broker.instance_roles(instance)


def _through_content_flow(ctx, req, tenant: dict, key: dict, how: str, artifact: dict) -> Response:
    """A message through a content iFlow: the sender checks, then the receiver call and its MPL."""
    if sender_refusal(tenant, artifact, key, how):
        return empty(403)
    flow = tenant.get("designtime", {}).get(artifact["Id"], {})
    log = messages.process(ctx, tenant, artifact, sender=flow.get("Sender"))
    req.context["dirty"] = True
    headers = [(MPL_HEADER, log["MessageGuid"])]
    if log["Status"] != "COMPLETED":
        response = text_response(500, log["error"] or "Processing failed")
        response.headers.extend(headers)
        return response
    body = {
        "status": "ok",
        "iflow": artifact["Id"],
        "auth": how,
        "authenticated_as": key["clientid"],
        "message_guid": log["MessageGuid"],
    }
    return json_response(200, body, headers)


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
