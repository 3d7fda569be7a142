"""CPI User Credentials (§9): 202 writes deploying after `deploy_polls` GETs, SAP texts, Password null."""

from __future__ import annotations

import re
import time

from . import odata
from .http import Response, empty

ENTITY_SETS = ("UserCredentials", "OAuth2ClientCredentials", "SecureParameters")
KINDS = ("default", "successfactors", "openconnectors")
NAME = re.compile(r"^[A-Za-z0-9._-]{1,150}$")
OPENCONNECTORS_PASSWORD = re.compile(r"^User \S{0,44},Organization \S{0,32},Element \S{0,44}$")
MALFORMED = "An exception of type 'MalformedJsonException' occurred."


def _ms() -> int:
    return int(time.time() * 1000)


def handle(ctx, req, tenant, caller, entity_set, key_segment, tail) -> Response:
    from .cpi import CREDENTIALS, READ, require

    if entity_set != "UserCredentials" or tail:
        if req.method == "GET" and entity_set == "OAuth2ClientCredentials" and not key_segment and not tail:
            return require(caller, READ) or odata.collection(
                req, [_oauth2_entity(ctx, tenant, c) for c in tenant["oauth2_credentials"].values()]
            )
        return odata.error(404, f"Resource not found for the segment '{entity_set}'.")
    name = None
    if key_segment is not None:
        name = odata.parse_key(key_segment)
        if name is None:
            return odata.error(400, "Invalid key predicate")
    if req.method == "GET":
        problem = require(caller, READ)
        if problem:
            return problem
        return _get_one(ctx, req, tenant, name) if name is not None else _list(ctx, req, tenant)
    problem = require(caller, CREDENTIALS)
    if problem:
        return problem
    if req.method == "POST" and name is None:
        return _create(ctx, req, tenant, caller)
    if req.method == "PUT" and name is not None:
        return _update(ctx, req, tenant, caller, name)
    if req.method == "DELETE" and name is not None:
        if name not in tenant["user_credentials"]:
            return odata.error(404, "Entity with specified key does not exist.")
        tenant["user_credentials"].pop(name)
        return empty(202)
    return odata.error(405, "Method not allowed")


def _entity(ctx, tenant, record) -> dict:
    uri = f"{ctx.landscape.cpi(tenant['subdomain'])}/api/v1/UserCredentials('{record['Name']}')"
    return {
        "__metadata": {"id": uri, "uri": uri, "type": "com.sap.hci.api.UserCredential"},
        "Name": record["Name"],
        "Kind": record["Kind"],
        "Description": record.get("Description"),
        "User": record.get("User"),
        "Password": None,
        "CompanyId": record.get("CompanyId"),
        "SecurityArtifactDescriptor": {
            "Type": "BUNDLE",
            "DeployedBy": record["deployed_by"],
            "DeployedOn": f"/Date({record['deployed_on']})/",
            "Status": record["status"],
        },
    }


def _oauth2_entity(ctx, tenant, record) -> dict:
    return {
        "Name": record["Name"],
        "Kind": None,
        "Description": record.get("Description"),
        "User": None,
        "Password": None,
        "CompanyId": None,
        "SecurityArtifactDescriptor": {
            "Type": "OAUTH2_CLIENT_CREDENTIALS",
            "DeployedBy": "sandbox",
            "DeployedOn": "/Date(1700000000000)/",
            "Status": "DEPLOYED",
        },
    }


def _list(ctx, req, tenant) -> Response:
    results = [_entity(ctx, tenant, r) for r in tenant["user_credentials"].values()]
    results += [_oauth2_entity(ctx, tenant, r) for r in tenant["oauth2_credentials"].values()]
    return odata.collection(req, results)


def _get_one(ctx, req, tenant, name) -> Response:
    record = tenant["user_credentials"].get(name)
    if record is None:
        other = tenant["oauth2_credentials"].get(name)
        if other is not None:
            return odata.entity(req, _oauth2_entity(ctx, tenant, other))
        return odata.error(404, "Entity with specified key does not exist.")
    if record["status"] == "DEPLOYING" and record["gets_left"] is not None:
        record["gets_left"] -= 1
        if record["gets_left"] <= 0:
            record.update(status="DEPLOYED", deployed_on=_ms())
        req.context["dirty"] = True
    return odata.entity(req, _entity(ctx, tenant, record))


def _validated(body: dict, previous: dict | None) -> tuple[dict | None, Response | None]:
    kind = body.get("Kind", previous["Kind"] if previous else None)
    if kind not in KINDS:
        return None, odata.error(
            500, f"Invalid value '{kind}' for property 'Kind'. Allowed: {', '.join(KINDS)}"
        )
    password = body.get("Password") if "Password" in body else (previous or {}).get("password")
    if password is not None and not isinstance(password, str):
        return None, odata.error(400, "Property 'Password' must be a string.")
    if password is not None and len(password) > 255:
        return None, odata.error(400, "Property 'Password' must not exceed 255 characters.")
    company = body.get("CompanyId")
    if kind == "successfactors" and not company:
        return None, odata.error(500, "Property 'CompanyId' is required for kind 'successfactors'.")
    if kind == "openconnectors" and not OPENCONNECTORS_PASSWORD.fullmatch(password or ""):
        return None, odata.error(
            500,
            "Password does not match the OpenConnectors pattern "
            "'User <user>,Organization <org>,Element <element>'.",
        )
    for field in ("User", "Description"):
        if body.get(field) is not None and not isinstance(body[field], str):
            return None, odata.error(400, f"Property '{field}' must be a string.")
    return {
        "Kind": kind,
        "User": body.get("User"),
        "Description": body.get("Description"),
        "CompanyId": company if kind == "successfactors" else None,
        "password": password,
    }, None


def _deploy(ctx, tenant, record: dict, caller: dict) -> None:
    """Trigger a deployment: DEPLOYED after `deploy_polls` GETs, unless a fault fails or stalls it."""
    polls = ctx.deploy_polls()
    match = {"host": "cpi", "subdomain": tenant["subdomain"], "name": record["Name"]}
    record.update(
        deployed_by=caller["clientid"],
        deployed_on=_ms(),
        gets_left=polls,
        status="DEPLOYED" if polls <= 0 else "DEPLOYING",
    )
    if ctx.knobs.take("fail_job", **match):
        record.update(status="FAILED", gets_left=None)
    elif ctx.knobs.take("job_forever", **match):
        record.update(status="DEPLOYING", gets_left=None)


def _create(ctx, req, tenant, caller) -> Response:
    body = odata.body_json(req)
    if body is None:
        return odata.error(400, MALFORMED)
    name = body.get("Name")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        return odata.error(
            400,
            "Property 'Name' is required and may contain only letters, digits, '.', '_' "
            "and '-' (at most 150 characters).",
        )
    if name in tenant["user_credentials"] or name in tenant["oauth2_credentials"]:
        return odata.error(409, "Entity with specified name already exists.")
    fields, problem = _validated(body, None)
    if problem:
        return problem
    record = {"Name": name, **fields}
    _deploy(ctx, tenant, record, caller)
    tenant["user_credentials"][name] = record
    return empty(202)


def _update(ctx, req, tenant, caller, name) -> Response:
    body = odata.body_json(req)
    if body is None:
        return odata.error(400, MALFORMED)
    if body.get("Name") != name:
        return odata.error(400, "Entity key specified in URI does not match to name from payload.")
    previous = tenant["user_credentials"].get(name)
    if previous is None:
        return odata.error(409, "Entity with specified key does not exist.")
    fields, problem = _validated(body, previous)
    if problem:
        return problem
    previous.update(fields)
    _deploy(ctx, tenant, previous, caller)
    return empty(202)
