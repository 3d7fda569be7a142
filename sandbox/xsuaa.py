"""XSUAA per tenant: client-credentials tokens by secret (<sd>.authentication) or certificate (.cert host)."""

from __future__ import annotations

import hmac

from . import broker
from .http import Response, json_response
from .tokens import basic_of


def invalid_client() -> Response:
    """D-25: the client-credentials failure body."""
    return json_response(401, {"error": "invalid_client", "error_description": "Bad credentials"})


def handle(ctx, req) -> Response:
    tenant = ctx.store.tenant(req.subdomain)
    if tenant is None:
        return json_response(404, {"error": "not_found", "error_description": "Unknown identity zone"})
    path = req.path.rstrip("/")
    if req.method == "GET" and path == "/.well-known/openid-configuration":
        base, cert_base = ctx.landscape.xsuaa(req.subdomain), ctx.landscape.xsuaa_cert(req.subdomain)
        return json_response(
            200,
            {
                "issuer": base + "/oauth/token",
                "token_endpoint": base + "/oauth/token",
                "grant_types_supported": ["client_credentials"],
                "mtls_endpoint_aliases": {"token_endpoint": cert_base + "/oauth/token"},
            },
        )
    if path != "/oauth/token" or req.method != "POST":
        return json_response(404, {"error": "not_found", "error_description": "Not Found"})
    form = req.form()
    grant = form.get("grant_type") or req.arg("grant_type")
    if req.kind == "xsuaa_cert":
        client = _client_by_certificate(tenant, req, form.get("client_id") or req.arg("client_id"))
    else:
        client = _client_by_secret(tenant, req, form)
    if client is None:
        return invalid_client()
    if grant != "client_credentials":
        return json_response(
            400, {"error": "unsupported_grant_type", "error_description": f"Unsupported grant type: {grant}"}
        )
    return _token(ctx, req, tenant, client)


def _credentials_from(req, form) -> tuple[str, str] | None:
    basic = basic_of(req.header("authorization"))
    if basic:
        return basic
    if "client_id" in form:
        return form["client_id"], form.get("client_secret", "")
    return None


def _client_by_secret(tenant, req, form):
    given = _credentials_from(req, form)
    if given is None:
        return None
    clientid, secret = given
    sm = tenant["sm_client"]
    if clientid == sm["clientid"]:
        return {"kind": "sm"} if hmac.compare_digest(secret, sm["clientsecret"]) else None
    for key in tenant["keys"].values():
        if key["clientid"] == clientid and key.get("ready") and key["key_type"] == "clientsecret":
            return {"kind": "key", "key": key} if hmac.compare_digest(secret, key["clientsecret"]) else None
    return None


def _client_by_certificate(tenant, req, clientid):
    if not req.peer_cert_der or not clientid:
        return None
    key = broker.key_for_certificate(tenant, req.peer_cert_der)
    if key is None or key["clientid"] != clientid:
        return None
    return {"kind": "key", "key": key}


def _token(ctx, req, tenant, client) -> Response:
    subdomain = tenant["subdomain"]
    base = {
        "zid": tenant["zid"],
        "ext_attr": {"subdomain": subdomain, "enhancer": "XSUAA"},
        "iss": ctx.landscape.xsuaa(subdomain) + "/oauth/token",
        "grant_type": "client_credentials",
    }
    if client["kind"] == "sm":
        clientid = tenant["sm_client"]["clientid"]
        scopes = ["service-manager!b1.subaccount-audit", "uaa.resource"]
        lifetime = 43200
    else:
        key = client["key"]
        instance = tenant["instances"][key["instance_guid"]]
        clientid = key["clientid"]
        prefix = broker.xsappname(instance["plan"], subdomain)
        scopes = [f"{prefix}.{role}" for role in broker.instance_roles(instance)] + ["uaa.resource"]
        lifetime = broker.token_validity(instance)
    claims = {
        **base,
        "client_id": clientid,
        "cid": clientid,
        "sub": clientid,
        "azp": clientid,
        "scope": scopes,
        "aud": sorted({s.rsplit(".", 1)[0] for s in scopes}),
    }
    token, payload = ctx.issuer.issue(claims, lifetime)
    if ctx.issuer.issued_while_valid(f"xsuaa:{subdomain}:{clientid}", payload):
        req.context.setdefault("flags", []).append("token_while_valid")
    return json_response(
        200,
        {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": lifetime,
            "scope": " ".join(scopes),
            "jti": payload["jti"],
        },
    )
