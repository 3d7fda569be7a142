"""CPI OData API (/api/v1) per tenant: auth, rate limits, CSRF, roles, User Credentials, service endpoints.

The keystore entity sets live in `keystore.py`. Roles come from the api-plan token's scopes
(`it!b<n>.<Role>`, see broker.py) or, with mTLS, from the instance of the certificate key.
"""

from __future__ import annotations

import re
import secrets
import threading

from . import broker, content, keystore, messages, odata, usercredentials
from .http import Response, empty
from .tokens import bearer_of

READ, CREDENTIALS, SECURITY = "MonitoringDataRead", "CredentialsEdit", "SecurityMaterialEdit"
TENANT_RATE, USER_RATE = 12, 10  # security content (D-12); the other API classes below (§16.1)
RATE_CLASSES = {
    "IntegrationPackages": ("design", 15, 10),
    "IntegrationDesigntimeArtifacts": ("design", 15, 10),
    "DeployIntegrationDesigntimeArtifact": ("design", 15, 10),
    "BuildAndDeployStatus": ("design", 15, 10),
    "IntegrationRuntimeArtifacts": ("runtime", 120, 50),
    "MessageProcessingLogs": ("mpl", 1000, 100),
}
MAX_SESSIONS = 10000
ENTITY_SETS = [
    "UserCredentials",
    "OAuth2ClientCredentials",
    "SecureParameters",
    "KeystoreEntries",
    "CertificateResources",
    "CertificateChainResources",
    "KeyPairGenerationRequests",
    "KeyPairResources",
    "RSAKeyGenerationRequests",
    "ServiceEndpoints",
    "MessageProcessingLogs",
    *content.ENTITY_SETS,
]


class TokenBuckets:
    """`rate` requests per second with a burst of `rate`, one bucket per key."""

    def __init__(self):
        self.lock = threading.Lock()
        self.buckets: dict[tuple, list[float]] = {}

    def allow(self, keys_and_rates: list[tuple[tuple, int]], now: float) -> bool:
        """Take a token from each bucket at `now` (seconds on the sandbox clock), or none if one is empty."""
        with self.lock:
            states = []
            for key, rate in keys_and_rates:
                tokens, stamp = self.buckets.get(key, [float(rate), now])
                tokens = min(float(rate), tokens + (now - stamp) * rate)
                states.append((key, tokens))
            if any(tokens < 1 for _, tokens in states):
                for key, tokens in states:
                    self.buckets[key] = [tokens, now]
                return False
            for key, tokens in states:
                self.buckets[key] = [tokens - 1, now]
            return True


class CsrfSessions:
    """X-CSRF-Token values bound to a JSESSIONID cookie and a tenant (D-02)."""

    def __init__(self):
        self.sessions: dict[str, dict] = {}
        self.latest: dict[tuple[str, str], str] = {}

    def live_for(self, subdomain: str, clientid: str) -> bool:
        """True when the client's newest CSRF session still holds a working token."""
        session = self.sessions.get(self.latest.get((subdomain, clientid), ""))
        return bool(session and session["tenant"] == subdomain and session["token"])

    def remember(self, subdomain: str, clientid: str, session_id: str) -> None:
        self.latest[(subdomain, clientid)] = session_id

    def fetch(self, subdomain: str, session_id: str | None) -> tuple[str, str, bool]:
        session = self.sessions.get(session_id or "")
        created = False
        if session is None or session["tenant"] != subdomain:
            while len(self.sessions) >= MAX_SESSIONS:
                self.sessions.pop(next(iter(self.sessions)))
            session_id, created = secrets.token_hex(16).upper(), True
            session = self.sessions[session_id] = {"tenant": subdomain, "token": None}
        if not session["token"]:
            session["token"] = secrets.token_urlsafe(24)
        return session_id, session["token"], created

    def valid(self, subdomain: str, session_id: str | None, token: str | None) -> bool:
        session = self.sessions.get(session_id or "")
        return bool(
            session
            and token
            and session["tenant"] == subdomain
            and session["token"]
            and secrets.compare_digest(session["token"], token)
        )

    def expire(self, subdomain: str) -> None:
        for session in self.sessions.values():
            if session["tenant"] == subdomain:
                session["token"] = None


BUCKETS = TokenBuckets()
CSRF = CsrfSessions()


def handle(ctx, req) -> Response:
    tenant = ctx.store.tenant(req.subdomain)
    if tenant is None:
        return empty(404)
    path = req.path
    if not (path == "/api/v1" or path.startswith("/api/v1/")):
        return odata.error(404, "Resource not found")
    caller = _authenticate(ctx, tenant, req)
    if caller is None:
        return Response(401, b"", [("WWW-Authenticate", 'Bearer realm="cpi"')])
    first_segment = re.match(r"/api/v1/?([A-Za-z0-9]*)", path)
    rate_class, tenant_rate, user_rate = RATE_CLASSES.get(
        first_segment.group(1) if first_segment else "", ("security", TENANT_RATE, USER_RATE)
    )
    if not BUCKETS.allow(
        [
            (("tenant", rate_class, tenant["subdomain"]), tenant_rate),
            (("user", rate_class, tenant["subdomain"], caller["clientid"]), user_rate),
        ],
        ctx.knobs.now(),
    ):
        response = odata.error(429, "Rate limit exceeded. Try again later.")
        response.headers.append(("Retry-After", "1"))
        return response
    req.context.update(tenant=tenant, caller=caller, dirty=False)
    rest = path[len("/api/v1") :].lstrip("/")
    extra = []
    if not _wants_json(req):
        req.context.setdefault("flags", []).append("no_accept_json")
    if req.method == "GET" and (req.header("x-csrf-token") or "").lower() == "fetch":
        if CSRF.live_for(tenant["subdomain"], caller["clientid"]):
            req.context.setdefault("flags", []).append("csrf_while_valid")
        session_id, token, created = CSRF.fetch(tenant["subdomain"], req.cookies.get("JSESSIONID"))
        CSRF.remember(tenant["subdomain"], caller["clientid"], session_id)
        extra.append(("X-CSRF-Token", token))
        if created:
            extra.append(("Set-Cookie", f"JSESSIONID={session_id}; Path=/; Secure; HttpOnly"))
    elif req.method in ("POST", "PUT", "PATCH", "DELETE", "MERGE"):
        if ctx.knobs.take(
            "expire_csrf", host="cpi", method=req.method, path=req.path, subdomain=tenant["subdomain"]
        ):
            CSRF.expire(tenant["subdomain"])
        if not CSRF.valid(tenant["subdomain"], req.cookies.get("JSESSIONID"), req.header("x-csrf-token")):
            return odata.error(403, "CSRF token validation failed", [("X-CSRF-Token", "Required")])
    response = _route(ctx, req, tenant, caller, rest)
    response.headers.extend(extra)
    return response


def _wants_json(req) -> bool:
    """OData calls ask for JSON (the real API answers Atom XML otherwise); `$value` media reads and bodies
    sent as media are exempt."""
    if req.path.endswith("/$value"):
        return True
    return "application/json" in (req.header("accept") or "").lower()


def _authenticate(ctx, tenant: dict, req) -> dict | None:
    token = bearer_of(req.header("authorization"))
    if token is not None:
        status, claims = ctx.authenticate(req)
        if status != "ok" or claims.get("zid") != tenant["zid"]:
            return None
        prefix = broker.xsappname("api", tenant["subdomain"]) + "."
        roles = {s[len(prefix) :] for s in claims.get("scope", []) if s.startswith(prefix)}
        return {"clientid": claims["client_id"], "roles": roles}
    if req.header("authorization") is None and req.peer_cert_der:
        key = broker.key_for_certificate(tenant, req.peer_cert_der)
        if key is not None:
            instance = tenant["instances"][key["instance_guid"]]
            if instance["plan"] == "api":
                return {"clientid": key["clientid"], "roles": set(broker.instance_roles(instance))}
    return None


def require(caller: dict, role: str) -> Response | None:
    """403 without the CSRF header when the caller's instance lacks the role template."""
    if role in caller["roles"]:
        return None
    return odata.error(403, f"Forbidden: the role '{role}' is required for this operation")


def _route(ctx, req, tenant, caller, rest: str) -> Response:
    if rest == "$metadata":
        return Response(
            200,
            b'<?xml version="1.0" encoding="utf-8"?><edmx:Edmx Version="1.0" '
            b'xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx"/>',
            [("Content-Type", "application/xml")],
        )
    if rest == "":
        return odata.payload(req, 200, {"d": {"EntitySets": ENTITY_SETS}})
    match = re.match(r"([A-Za-z0-9]+)(\([^)]*\))?(?:/(.*))?$", rest)
    if not match:
        return odata.error(404, f"Resource not found for the segment '{rest}'.")
    entity_set, key_segment, tail = match.group(1), match.group(2), match.group(3)
    if entity_set in usercredentials.ENTITY_SETS:
        return usercredentials.handle(ctx, req, tenant, caller, entity_set, key_segment, tail)
    if entity_set in keystore.ENTITY_SETS:
        return keystore.handle(ctx, req, tenant, caller, entity_set, key_segment, tail)
    if entity_set == "ServiceEndpoints" and req.method == "GET":
        return require(caller, READ) or _service_endpoints(ctx, req, tenant)
    if entity_set in content.ENTITY_SETS:
        return content.handle(ctx, req, tenant, caller, entity_set, key_segment, tail)
    if entity_set == "MessageProcessingLogs":
        if req.method != "GET":
            return odata.error(405, "Method not allowed")
        return (
            content.forbidden()
            if READ not in caller["roles"]
            else messages.handle(ctx, req, tenant, key_segment, tail)
        )
    return odata.error(404, f"Resource not found for the segment '{entity_set}'.")


def _service_endpoints(ctx, req, tenant) -> Response:
    base = ctx.landscape.runtime(tenant["subdomain"])
    expand = "EntryPoints" in (req.arg("$expand") or "")
    flows = [dict(f) for f in tenant["iflows"]]
    flows += [
        {"name": a["Id"], "address": content.sender_path(a)} for a in content.started_artifacts(ctx, tenant)
    ]
    results = []
    for flow in flows:
        entity = {
            "Name": flow["name"],
            "Id": f"{flow['name']}$endpointAddress={flow['address']}",
            "Title": flow["name"],
            "Version": "1.0.0",
            "Summary": "",
            "Description": "",
            "LastUpdated": "/Date(1700000000000)/",
            "Protocol": "SOAP" if flow["address"].lower().startswith("/cxf/") else "REST",
        }
        if expand:
            entity["EntryPoints"] = {
                "results": [
                    {
                        "Name": flow["name"],
                        "Url": base + flow["address"],
                        "Type": "PROD",
                        "AdditionalInformation": "",
                    }
                ]
            }
        results.append(entity)
    return odata.collection(req, results)
