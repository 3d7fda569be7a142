"""CF v3 building blocks: the error envelope, pagination, list filters and the JSON shape of each resource."""

from __future__ import annotations

import math
from urllib.parse import urlencode

from .http import Response, json_response

ERRORS = {
    "MessageParseError": (400, 1001),
    "BadQueryParameter": (400, 10005),
    "InvalidAuthToken": (401, 1000),
    "NotAuthenticated": (401, 10002),
    "NotAuthorized": (403, 10003),
    "ResourceNotFound": (404, 10010),
    "NotFound": (404, 10000),
    "UnprocessableEntity": (422, 10008),
    "UnableToPerform": (502, 10009),
    "ServiceFetchInstanceParametersNotSupported": (400, 120004),
    "ServiceFetchBindingParametersNotSupported": (400, 90007),
}


def cf_error(title: str, detail: str) -> Response:
    status, code = ERRORS[title]
    return json_response(status, {"errors": [{"code": code, "title": f"CF-{title}", "detail": detail}]})


def not_found(resource: str) -> Response:
    """D-27: 404 detail `<Resource> not found`."""
    return cf_error("ResourceNotFound", f"{resource} not found")


def unprocessable(detail: str) -> Response:
    return cf_error("UnprocessableEntity", detail)


class QueryError(ValueError):
    """A bad query parameter; its text goes after 'The query parameter is invalid: '."""


def csv_arg(req, name: str) -> list[str] | None:
    value = req.arg(name)
    if value is None:
        return None
    return [v for v in value.split(",") if v != ""]


def filter_by(items, req, name: str, getter):
    wanted = csv_arg(req, name)
    if wanted is None:
        return items
    return [item for item in items if getter(item) in wanted]


def _int_arg(req, name: str, default: int) -> int:
    raw = req.arg(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise QueryError(f"{name.replace('_', ' ').capitalize()} must be an integer") from None


def paginate(base_url: str, req, items: list[dict], render, included=None) -> Response:
    """The CF v3 list envelope over `items` (already filtered), honouring page/per_page/order_by;
    `included(chunk)` gives the `included` resources of the page's items when the request asked for them."""
    try:
        page = _int_arg(req, "page", 1)
        per_page = _int_arg(req, "per_page", 50)
        if page < 1:
            raise QueryError("Page must be greater than 0")
        if not 1 <= per_page <= 5000:
            raise QueryError("Per page must be between 1 and 5000")
        order_by = req.arg("order_by", "created_at") or "created_at"
        field = order_by.lstrip("-+")
        if field not in ("created_at", "updated_at", "name"):
            raise QueryError("Order by can only be: 'created_at', 'updated_at', 'name'")
    except QueryError as exc:
        return cf_error("BadQueryParameter", f"The query parameter is invalid: {exc}")
    ordered = sorted(
        items,
        key=lambda item: (item.get(field) or "", item.get("guid", "")),
        reverse=order_by.startswith("-"),
    )
    total = len(ordered)
    pages = max(1, math.ceil(total / per_page))
    others = [(k, v) for k, values in req.query.items() if k not in ("page", "per_page") for v in values]

    def href(number: int) -> dict:
        return {
            "href": base_url + req.path + "?" + urlencode(others + [("page", number), ("per_page", per_page)])
        }

    chunk = ordered[(page - 1) * per_page : page * per_page]
    body = {
        "pagination": {
            "total_results": total,
            "total_pages": pages,
            "first": href(1),
            "last": href(pages),
            "next": href(page + 1) if page < pages else None,
            "previous": href(page - 1) if page > 1 else None,
        },
        "resources": [render(item) for item in chunk],
    }
    if included is not None:
        body["included"] = included(chunk)
    return json_response(200, body)


def _link(base: str, path: str) -> dict:
    return {"href": base + path}


def org_json(base: str, org: dict) -> dict:
    return {
        "guid": org["guid"],
        "name": org["name"],
        "created_at": org["created_at"],
        "updated_at": org["created_at"],
        "suspended": False,
        "relationships": {"quota": {"data": None}},
        "metadata": {"labels": {}, "annotations": {}},
        "links": {"self": _link(base, f"/v3/organizations/{org['guid']}")},
    }


def space_json(base: str, space: dict, org_guid: str) -> dict:
    return {
        "guid": space["guid"],
        "name": space["name"],
        "created_at": space["created_at"],
        "updated_at": space["created_at"],
        "relationships": {"organization": {"data": {"guid": org_guid}}, "quota": {"data": None}},
        "metadata": {"labels": {}, "annotations": {}},
        "links": {
            "self": _link(base, f"/v3/spaces/{space['guid']}"),
            "organization": _link(base, f"/v3/organizations/{org_guid}"),
        },
    }


def role_json(base: str, user: dict, space_guid: str) -> dict:
    return {
        "guid": user["role_guid"],
        "type": user["role"],
        "created_at": user["created_at"],
        "updated_at": user["created_at"],
        "relationships": {
            "user": {"data": {"guid": user["guid"]}},
            "space": {"data": {"guid": space_guid}},
            "organization": {"data": None},
        },
        "links": {
            "self": _link(base, f"/v3/roles/{user['role_guid']}"),
            "user": _link(base, f"/v3/users/{user['guid']}"),
            "space": _link(base, f"/v3/spaces/{space_guid}"),
        },
    }


def offering_json(base: str, offering: dict) -> dict:
    return {
        "guid": offering["guid"],
        "name": offering["name"],
        "created_at": offering["created_at"],
        "updated_at": offering["created_at"],
        "description": "Process Integration Runtime",
        "available": True,
        "tags": [],
        "requires": [],
        "shareable": False,
        "broker_catalog": {
            "id": "it-rt-broker-catalog-id",
            "metadata": {"displayName": "Process Integration Runtime"},
            "features": {
                "bindable": True,
                "plan_updateable": False,
                "instances_retrievable": True,
                "bindings_retrievable": True,
                "allow_context_updates": False,
            },
        },
        "relationships": {"service_broker": {"data": {"guid": "it-rt-broker"}}},
        "metadata": {"labels": {}, "annotations": {}},
        "links": {
            "self": _link(base, f"/v3/service_offerings/{offering['guid']}"),
            "service_plans": _link(base, f"/v3/service_plans?service_offering_guids={offering['guid']}"),
        },
    }


def plan_json(base: str, plan: dict, offering_guid: str) -> dict:
    return {
        "guid": plan["guid"],
        "name": plan["name"],
        "created_at": plan["created_at"],
        "updated_at": plan["created_at"],
        "visibility_type": "public",
        "available": True,
        "free": False,
        "description": f"it-rt plan {plan['name']}",
        "maintenance_info": {},
        "broker_catalog": {
            "id": f"it-rt-{plan['name']}",
            "metadata": {},
            "maximum_polling_duration": None,
            "features": {"bindable": True, "plan_updateable": False},
        },
        "schemas": {
            "service_instance": {"create": {"parameters": {}}, "update": {"parameters": {}}},
            "service_binding": {"create": {"parameters": {}}},
        },
        "relationships": {"service_offering": {"data": {"guid": offering_guid}}},
        "metadata": {"labels": {}, "annotations": {}},
        "links": {
            "self": _link(base, f"/v3/service_plans/{plan['guid']}"),
            "service_offering": _link(base, f"/v3/service_offerings/{offering_guid}"),
        },
    }


def instance_json(base: str, instance: dict) -> dict:
    guid = instance["guid"]
    return {
        "guid": guid,
        "name": instance["name"],
        "type": "managed",
        "created_at": instance["created_at"],
        "updated_at": instance["updated_at"],
        "tags": instance["tags"],
        "dashboard_url": None,
        "maintenance_info": {},
        "upgrade_available": False,
        "last_operation": dict(instance["last_operation"]),
        "relationships": {
            "space": {"data": {"guid": instance["space_guid"]}},
            "service_plan": {"data": {"guid": instance["plan_guid"]}},
        },
        "metadata": {"labels": instance["labels"], "annotations": instance["annotations"]},
        "links": {
            "self": _link(base, f"/v3/service_instances/{guid}"),
            "space": _link(base, f"/v3/spaces/{instance['space_guid']}"),
            "service_plan": _link(base, f"/v3/service_plans/{instance['plan_guid']}"),
            "parameters": _link(base, f"/v3/service_instances/{guid}/parameters"),
            "service_credential_bindings": _link(
                base, f"/v3/service_credential_bindings?service_instance_guids={guid}"
            ),
            "shared_spaces": _link(base, f"/v3/service_instances/{guid}/relationships/shared_spaces"),
        },
    }


def binding_json(base: str, key: dict) -> dict:
    guid = key["guid"]
    return {
        "guid": guid,
        "name": key["name"],
        "type": "key",
        "created_at": key["created_at"],
        "updated_at": key["updated_at"],
        "last_operation": dict(key["last_operation"]),
        "metadata": {"labels": key["labels"], "annotations": key["annotations"]},
        "relationships": {"service_instance": {"data": {"guid": key["instance_guid"]}}},
        "links": {
            "self": _link(base, f"/v3/service_credential_bindings/{guid}"),
            "details": _link(base, f"/v3/service_credential_bindings/{guid}/details"),
            "parameters": _link(base, f"/v3/service_credential_bindings/{guid}/parameters"),
            "service_instance": _link(base, f"/v3/service_instances/{key['instance_guid']}"),
        },
    }


def job_json(base: str, job: dict) -> dict:
    links = {"self": _link(base, f"/v3/jobs/{job['guid']}")}
    if job["state"] != "COMPLETE" or job["action"] != "delete":
        links[job["resource_type"]] = _link(base, f"/v3/{job['resource_type']}/{job['resource_guid']}")
    return {
        "guid": job["guid"],
        "created_at": job["created_at"],
        "updated_at": job["updated_at"],
        "operation": job["operation"],
        "state": job["state"],
        "errors": job["errors"],
        "warnings": job["warnings"],
        "links": links,
    }
