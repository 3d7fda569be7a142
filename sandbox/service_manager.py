"""SAP Service Manager (read-only, D-09): offerings, plans, instances, bindings made through CF; queries."""

from __future__ import annotations

import base64
import re

from . import fieldquery
from . import tenants as tenant_store
from .http import Response, json_response

PLATFORM_ID = "cloudfoundry"


def sm_error(status: int, error: str | None, description: str) -> Response:
    body = {"description": description} if error is None else {"error": error, "description": description}
    return json_response(status, body)


def handle(ctx, req) -> Response:
    status, claims = ctx.authenticate(req)
    if status != "ok":
        return sm_error(401, "Unauthorized", "authentication failed: invalid or expired token")
    tenant = next(
        (
            t
            for t in ctx.store.tenants.values()
            if t["zid"] == claims.get("zid") and t["sm_client"]["clientid"] == claims.get("client_id")
        ),
        None,
    )
    if tenant is None:
        return sm_error(
            401, "Unauthorized", "authentication failed: the token is not a Service Manager token"
        )
    match = re.fullmatch(
        r"/v1/(service_offerings|service_plans|service_instances|service_bindings)(?:/([^/]+))?",
        req.path.rstrip("/"),
    )
    if match is None:
        return sm_error(404, "NotFound", "could not find such resource")
    if req.method != "GET":
        return sm_error(403, "Forbidden", "the subaccount-audit plan grants read access only")
    collection, item_id = match.groups()
    items = _items(ctx, tenant, collection, with_credentials=item_id is not None)
    if item_id is not None:
        for item in items:
            if item["id"] == item_id:
                return json_response(200, item)
        return sm_error(404, "NotFound", f"could not find such {collection[:-1].replace('_', ' ')}")
    return _list(req, items)


def _items(ctx, tenant, collection: str, with_credentials: bool) -> list[dict]:
    catalog = tenant_store.ensure_catalog(ctx.store)
    offering = catalog["offering"]
    if collection == "service_offerings":
        return [
            {
                "id": offering["guid"],
                "name": "it-rt",
                "catalog_name": "it-rt",
                "catalog_id": "it-rt",
                "description": "Process Integration Runtime",
                "bindable": True,
                "ready": True,
                "broker_id": "it-rt-broker",
                "created_at": offering["created_at"],
                "updated_at": offering["created_at"],
            }
        ]
    if collection == "service_plans":
        return [
            {
                "id": p["guid"],
                "name": p["name"],
                "catalog_name": p["name"],
                "catalog_id": f"it-rt-{p['name']}",
                "service_offering_id": offering["guid"],
                "free": False,
                "bindable": True,
                "ready": True,
                "created_at": p["created_at"],
                "updated_at": p["created_at"],
            }
            for p in catalog["plans"].values()
        ]
    context = {
        "platform": "cloudfoundry",
        "organization_guid": tenant["org"]["guid"],
        "space_guid": tenant["space"]["guid"],
        "subaccount_id": tenant["zid"],
    }
    if collection == "service_instances":
        return [
            {
                "id": i["guid"],
                "name": i["name"],
                "service_plan_id": i["plan_guid"],
                "platform_id": PLATFORM_ID,
                "labels": {k: [v] for k, v in i["labels"].items()},
                "context": context,
                "ready": i["last_operation"]["state"] == "succeeded"
                or i["last_operation"]["type"] != "create",
                "usable": i["last_operation"]["state"] != "failed",
                "created_at": i["created_at"],
                "updated_at": i["updated_at"],
            }
            for i in tenant["instances"].values()
        ]
    result = []
    for key in tenant["keys"].values():
        item = {
            "id": key["guid"],
            "name": key["name"],
            "service_instance_id": key["instance_guid"],
            "labels": {k: [v] for k, v in key["labels"].items()},
            "context": context,
            "ready": bool(key.get("ready")),
            "created_at": key["created_at"],
            "updated_at": key["updated_at"],
        }
        if with_credentials and key.get("ready"):
            from .broker import credentials

            item["credentials"] = credentials(
                ctx.landscape, tenant, tenant["instances"][key["instance_guid"]], key
            )
        result.append(item)
    return result


def _list(req, items: list[dict]) -> Response:
    queries = (
        ("fieldQuery", "InvalidFieldQuery", None),
        ("labelQuery", "InvalidLabelQuery", lambda item, name: item["labels"].get(name)),
    )
    for param, error, getter in queries:
        text = req.arg(param)
        if not text:
            continue
        try:
            criteria = fieldquery.parse(text)
        except fieldquery.QuerySyntaxError as exc:
            return sm_error(400, error, f"invalid {param}: {exc}")
        items = [item for item in items if fieldquery.matches(item, criteria, getter)]
    items = sorted(items, key=lambda item: (item["created_at"], item["id"]))
    try:
        max_items = int(req.arg("max_items", "50"))
        token = req.arg("token")
        start = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
    except ValueError:
        return sm_error(
            400, "BadRequest", "max_items must be a number and token must come from a previous page"
        )
    if max_items < 0:
        return sm_error(400, "BadRequest", "max_items must not be negative")
    body = {"num_items": len(items), "items": items[start : start + max_items] if max_items else []}
    headers = []
    if max_items and start + max_items < len(items):
        token = base64.urlsafe_b64encode(str(start + max_items).encode()).decode()
        body["token"] = token
        others = "&".join(p for p in req.query_string.split("&") if p and not p.startswith("token="))
        headers.append(("Link", f'<{req.path}?{others}&token={token}>; rel="next"'))
    return json_response(200, body, headers)
