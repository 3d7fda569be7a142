"""Cloud Foundry v3 API of the sandbox (api.cf.<domain>): orgs, spaces, roles, it-rt instances, keys, jobs."""

from __future__ import annotations

import itertools
import re

from . import broker, cf_jobs
from . import tenants as tenant_store
from .cf_common import (
    binding_json,
    cf_error,
    filter_by,
    instance_json,
    job_json,
    not_found,
    offering_json,
    org_json,
    paginate,
    plan_json,
    role_json,
    space_json,
    unprocessable,
)
from .http import Response, empty, json_response
from .state import now_iso

GUID = r"([0-9a-fA-F-]{36})"
IN_PROGRESS_INSTANCE = "There is an operation in progress for the service instance."
IN_PROGRESS_BINDING = "There is an operation in progress for the service credential binding."
_USER_TENANTS: dict[str, str] = {}  # user guid → subdomain of the tenant it was last found in


def handle(ctx, req) -> Response:
    base = ctx.landscape.cf_api()
    if req.path in ("", "/"):
        return json_response(200, root_links(ctx))
    if req.path.rstrip("/") == "/v3":
        return json_response(200, {"links": {"self": {"href": base + "/v3"}}})
    status, claims = ctx.authenticate(req)
    if status == "missing":
        return cf_error("NotAuthenticated", "Authentication error")
    found = _user_of(ctx, claims) if claims else None
    if found is None:
        return cf_error("InvalidAuthToken", "Invalid Auth Token")
    tenant, user = found
    req.context["tenant"] = tenant
    cf_jobs.advance(ctx, tenant)
    for method, pattern, view in ROUTES:
        match = re.fullmatch(pattern, req.path.rstrip("/"))
        if match and method == req.method:
            return view(ctx, req, tenant, user, *match.groups())
    return cf_error("NotFound", "Unknown request")


def root_links(ctx) -> dict:
    base, uaa = ctx.landscape.cf_api(), ctx.landscape.uaa()
    return {
        "links": {
            "self": {"href": base},
            "cloud_controller_v2": {"href": base + "/v2", "meta": {"version": "2.250.0"}},
            "cloud_controller_v3": {"href": base + "/v3", "meta": {"version": "3.185.0"}},
            "network_policy_v0": {"href": base + "/networking/v0/external"},
            "network_policy_v1": {"href": base + "/networking/v1/external"},
            "login": {"href": uaa},
            "uaa": {"href": uaa},
            "credhub": None,
            "routing": None,
            "logging": None,
            "log_cache": {"href": base.replace("api.", "log-cache.", 1)},
            "log_stream": None,
            "app_ssh": None,
        }
    }


def _user_of(ctx, claims: dict):
    """(tenant, user) of a CF token's user; the tenant last found for the user guid is looked at first."""
    user_id = claims.get("user_id")
    if not user_id or claims.get("client_id") != "cf":
        return None
    known = ctx.store.tenant(_USER_TENANTS.get(user_id))
    for tenant in itertools.chain([known] if known else [], ctx.store.tenants.values()):
        for user in tenant["users"].values():
            if user["guid"] == user_id:
                _USER_TENANTS[user_id] = tenant["subdomain"]
                return tenant, user
    return None


def _is_developer(user: dict) -> bool:
    return user["role"] == "space_developer"


def _forbidden() -> Response:
    return cf_error("NotAuthorized", "You are not authorized to perform the requested action")


def _body(req) -> tuple[dict | None, Response | None]:
    try:
        body = req.json()
    except (ValueError, UnicodeDecodeError):
        return None, cf_error("MessageParseError", "Request invalid due to parse error: invalid request body")
    if not isinstance(body, dict):
        return None, cf_error("MessageParseError", "Request invalid due to parse error: invalid request body")
    return body, None


def _relationship(body: dict, name: str) -> str | None:
    try:
        guid = body["relationships"][name]["data"]["guid"]
    except (KeyError, TypeError):
        return None
    return guid if isinstance(guid, str) else None


def _metadata_problem(body: dict) -> Response | None:
    metadata = body.get("metadata", {})
    if not isinstance(metadata, dict) or any(
        not isinstance(metadata.get(field) or {}, dict) for field in ("labels", "annotations")
    ):
        return unprocessable("Metadata must be an object with 'labels' and 'annotations' objects")
    tags = body.get("tags")
    if tags is not None and (not isinstance(tags, list) or not all(isinstance(t, str) for t in tags)):
        return unprocessable("Tags must be a list of strings")
    return None


def _accepted(ctx, job: dict) -> Response:
    return empty(202, [("Location", f"{ctx.landscape.cf_api()}/v3/jobs/{job['guid']}")])


def _check_type(req, allowed: tuple[str, ...]) -> Response | None:
    value = req.arg("type")
    if value is not None and any(v not in allowed for v in value.split(",")):
        options = ", ".join(f"'{a}'" for a in allowed)
        return cf_error("BadQueryParameter", f"The query parameter is invalid: Type must be one of {options}")
    return None


# --- orgs, spaces, roles, catalog -------------------------------------------------------------------------


def list_orgs(ctx, req, tenant, user):
    items = filter_by([tenant["org"]], req, "names", lambda o: o["name"])
    items = filter_by(items, req, "guids", lambda o: o["guid"])
    return paginate(ctx.landscape.cf_api(), req, items, lambda o: org_json(ctx.landscape.cf_api(), o))


def get_org(ctx, req, tenant, user, guid):
    if guid != tenant["org"]["guid"]:
        return not_found("Organization")
    return json_response(200, org_json(ctx.landscape.cf_api(), tenant["org"]))


def list_spaces(ctx, req, tenant, user):
    items = filter_by([tenant["space"]], req, "names", lambda s: s["name"])
    items = filter_by(items, req, "guids", lambda s: s["guid"])
    items = filter_by(items, req, "organization_guids", lambda s: tenant["org"]["guid"])
    base = ctx.landscape.cf_api()
    included = None
    include = req.arg("include")
    if include is not None:  # CF v3: `include=organization` puts each listed space's organization beside it
        if include != "organization":
            return cf_error(
                "BadQueryParameter", "The query parameter is invalid: Invalid included resource: " + include
            )

        def included(chunk: list[dict]) -> dict:
            return {"organizations": [org_json(base, tenant["org"])] if chunk else []}

    return paginate(base, req, items, lambda s: space_json(base, s, tenant["org"]["guid"]), included)


def get_space(ctx, req, tenant, user, guid):
    if guid != tenant["space"]["guid"]:
        return not_found("Space")
    return json_response(200, space_json(ctx.landscape.cf_api(), tenant["space"], tenant["org"]["guid"]))


def list_roles(ctx, req, tenant, user):
    space = tenant["space"]["guid"]
    items = [dict(u, name=u["username"]) for u in tenant["users"].values()]
    items = filter_by(items, req, "types", lambda u: u["role"])
    items = filter_by(items, req, "space_guids", lambda u: space)
    items = filter_by(items, req, "user_guids", lambda u: u["guid"])
    items = filter_by(items, req, "guids", lambda u: u["role_guid"])
    if req.arg("organization_guids") is not None:
        items = []
    base = ctx.landscape.cf_api()
    return paginate(base, req, items, lambda u: role_json(base, u, space))


def list_offerings(ctx, req, tenant, user):
    offering = tenant_store.ensure_catalog(ctx.store)["offering"]
    items = filter_by([offering], req, "names", lambda o: o["name"])
    items = filter_by(items, req, "guids", lambda o: o["guid"])
    base = ctx.landscape.cf_api()
    return paginate(base, req, items, lambda o: offering_json(base, o))


def get_offering(ctx, req, tenant, user, guid):
    offering = tenant_store.ensure_catalog(ctx.store)["offering"]
    if guid != offering["guid"]:
        return not_found("Service offering")
    return json_response(200, offering_json(ctx.landscape.cf_api(), offering))


def list_plans(ctx, req, tenant, user):
    catalog = tenant_store.ensure_catalog(ctx.store)
    offering = catalog["offering"]
    items = list(catalog["plans"].values())
    items = filter_by(items, req, "names", lambda p: p["name"])
    items = filter_by(items, req, "guids", lambda p: p["guid"])
    items = filter_by(items, req, "service_offering_names", lambda p: offering["name"])
    items = filter_by(items, req, "service_offering_guids", lambda p: offering["guid"])
    base = ctx.landscape.cf_api()
    return paginate(base, req, items, lambda p: plan_json(base, p, offering["guid"]))


def get_plan(ctx, req, tenant, user, guid):
    catalog = tenant_store.ensure_catalog(ctx.store)
    for plan in catalog["plans"].values():
        if plan["guid"] == guid:
            return json_response(200, plan_json(ctx.landscape.cf_api(), plan, catalog["offering"]["guid"]))
    return not_found("Service plan")


# --- service instances ------------------------------------------------------------------------------------


def _label_selector(req, items):
    selector = req.arg("label_selector")
    if not selector:
        return items
    for clause in selector.split(","):
        clause = clause.strip()
        if clause.startswith("!"):
            items = [i for i in items if clause[1:] not in i["labels"]]
        elif "!=" in clause:
            key, value = clause.split("!=", 1)
            items = [i for i in items if i["labels"].get(key) != value]
        elif "=" in clause:
            key, value = clause.split("=", 1)
            key = key.rstrip("=")
            items = [i for i in items if i["labels"].get(key) == value.lstrip("=")]
        else:
            items = [i for i in items if clause in i["labels"]]
    return items


def list_instances(ctx, req, tenant, user):
    problem = _check_type(req, ("managed", "user-provided"))
    if problem:
        return problem
    items = list(tenant["instances"].values())
    if req.arg("type") == "user-provided":
        items = []
    items = filter_by(items, req, "names", lambda i: i["name"])
    items = filter_by(items, req, "guids", lambda i: i["guid"])
    items = filter_by(items, req, "space_guids", lambda i: i["space_guid"])
    items = filter_by(items, req, "organization_guids", lambda i: tenant["org"]["guid"])
    items = filter_by(items, req, "service_plan_names", lambda i: i["plan"])
    items = filter_by(items, req, "service_plan_guids", lambda i: i["plan_guid"])
    items = _label_selector(req, items)
    for item in items:
        cf_jobs.observe(tenant, "service_instances", item["guid"])
    base = ctx.landscape.cf_api()
    return paginate(base, req, items, lambda i: instance_json(base, i))


def get_instance(ctx, req, tenant, user, guid):
    instance = tenant["instances"].get(guid)
    if instance is None:
        return not_found("Service instance")
    cf_jobs.observe(tenant, "service_instances", guid)
    return json_response(200, instance_json(ctx.landscape.cf_api(), instance))


def create_instance(ctx, req, tenant, user):
    body, problem = _body(req)
    problem = problem or _metadata_problem(body)
    if problem:
        return problem
    if body.get("type") not in ("managed", "user-provided"):
        return unprocessable("Type must be one of 'managed', 'user-provided'")
    if body["type"] == "user-provided":
        return unprocessable("User-provided service instances are not offered by this landscape")
    name = body.get("name")
    if not isinstance(name, str) or not name:
        return unprocessable("Name must be a string, Name can't be blank")
    if _relationship(body, "space") != tenant["space"]["guid"]:
        return unprocessable("Invalid space. Ensure that the space exists and you have access to it.")
    if not _is_developer(user):
        return _forbidden()
    plan = tenant_store.plan_by_guid(ctx.store, _relationship(body, "service_plan") or "")
    if plan is None:
        return unprocessable(
            "Invalid service plan. Ensure that the service plan exists, is available, "
            "and you have access to it."
        )
    parameters = body.get("parameters")
    if parameters is not None and not isinstance(parameters, dict):
        return unprocessable("Parameters must be an object")
    if any(i["name"] == name for i in tenant["instances"].values()):
        return unprocessable(f"The service instance name is taken: {name}")
    metadata = body.get("metadata") or {}
    instance = tenant_store.new_instance_record(
        ctx.store,
        name,
        plan,
        tenant["space"]["guid"],
        parameters,
        labels=metadata.get("labels"),
        annotations=metadata.get("annotations"),
        tags=body.get("tags"),
    )
    tenant["instances"][instance["guid"]] = instance
    job = cf_jobs.start(
        ctx, tenant, "service_instances", instance, "create", fail_reason=broker.provision_problem(parameters)
    )
    return _accepted(ctx, job)


def update_instance(ctx, req, tenant, user, guid):
    instance = tenant["instances"].get(guid)
    if instance is None:
        return not_found("Service instance")
    body, problem = _body(req)
    problem = problem or _metadata_problem(body)
    if problem:
        return problem
    if not _is_developer(user):
        return _forbidden()
    if cf_jobs.in_progress(instance):
        return unprocessable(IN_PROGRESS_INSTANCE)
    name = body.get("name")
    if name is not None:
        if not isinstance(name, str) or not name:
            return unprocessable("Name must be a string")
        if any(i["name"] == name and i["guid"] != guid for i in tenant["instances"].values()):
            return unprocessable(f"The service instance name is taken: {name}")
    parameters = body.get("parameters")
    if parameters is not None and not isinstance(parameters, dict):
        return unprocessable("Parameters must be an object")
    new_plan = None
    if _relationship(body, "service_plan"):
        new_plan = tenant_store.plan_by_guid(ctx.store, _relationship(body, "service_plan"))
        if new_plan is None:
            return unprocessable(
                "Invalid service plan. Ensure that the service plan exists, is available, "
                "and you have access to it."
            )
    if name is not None:
        instance["name"] = name
    if isinstance(body.get("tags"), list):
        instance["tags"] = body["tags"]
    metadata = body.get("metadata") or {}
    for field in ("labels", "annotations"):
        for key, value in (metadata.get(field) or {}).items():
            if value is None:
                instance[field].pop(key, None)
            else:
                instance[field][key] = value
    instance["updated_at"] = now_iso()
    if parameters is None and (new_plan is None or new_plan == instance["plan"]):
        return json_response(200, instance_json(ctx.landscape.cf_api(), instance))
    merged = {**(instance["parameters"] or {}), **(parameters or {})}
    reason = broker.provision_problem(merged, updating=True)
    if new_plan and new_plan != instance["plan"]:
        reason = reason or "Plan changes are not supported by the it-rt service"
    pending = {"parameters": merged}
    job = cf_jobs.start(
        ctx, tenant, "service_instances", instance, "update", fail_reason=reason, pending=pending
    )
    return _accepted(ctx, job)


def delete_instance(ctx, req, tenant, user, guid):
    instance = tenant["instances"].get(guid)
    if instance is None:
        return not_found("Service instance")
    if not _is_developer(user):
        return _forbidden()
    if req.arg("purge") == "true":
        tenant["instances"].pop(guid)
        for key_guid in [g for g, k in tenant["keys"].items() if k["instance_guid"] == guid]:
            tenant["keys"].pop(key_guid)
        return empty(204)
    if cf_jobs.in_progress(instance):
        return unprocessable(IN_PROGRESS_INSTANCE)
    return _accepted(ctx, cf_jobs.start(ctx, tenant, "service_instances", instance, "delete"))


def instance_parameters(ctx, req, tenant, user, guid):
    instance = tenant["instances"].get(guid)
    if instance is None:
        return not_found("Service instance")
    return json_response(200, instance["parameters"] or {})


# --- service credential bindings (keys) -----------------------------------------------------------------


def list_bindings(ctx, req, tenant, user):
    problem = _check_type(req, ("app", "key"))
    if problem:
        return problem
    items = list(tenant["keys"].values())
    if req.arg("type") == "app":
        items = []
    instances = tenant["instances"]
    items = filter_by(items, req, "names", lambda k: k["name"])
    items = filter_by(items, req, "guids", lambda k: k["guid"])
    items = filter_by(items, req, "service_instance_guids", lambda k: k["instance_guid"])
    items = filter_by(items, req, "service_instance_names", lambda k: instances[k["instance_guid"]]["name"])
    items = filter_by(items, req, "service_plan_names", lambda k: instances[k["instance_guid"]]["plan"])
    items = filter_by(items, req, "service_plan_guids", lambda k: instances[k["instance_guid"]]["plan_guid"])
    items = _label_selector(req, items)
    for item in items:
        cf_jobs.observe(tenant, "service_credential_bindings", item["guid"])
    base = ctx.landscape.cf_api()
    return paginate(base, req, items, lambda k: binding_json(base, k))


def get_binding(ctx, req, tenant, user, guid):
    key = tenant["keys"].get(guid)
    if key is None:
        return not_found("Service credential binding")
    cf_jobs.observe(tenant, "service_credential_bindings", guid)
    return json_response(200, binding_json(ctx.landscape.cf_api(), key))


def create_binding(ctx, req, tenant, user):
    body, problem = _body(req)
    problem = problem or _metadata_problem(body)
    if problem:
        return problem
    if body.get("type") != "key":
        return unprocessable("Type must be 'key'; app bindings are not offered by this landscape")
    name = body.get("name")
    if not isinstance(name, str) or not name:
        return unprocessable("Name can't be blank")
    instance = tenant["instances"].get(_relationship(body, "service_instance") or "")
    if instance is None:
        return not_found("Service instance")
    if not _is_developer(user):
        return _forbidden()
    parameters = body.get("parameters")
    if parameters is not None and not isinstance(parameters, dict):
        return unprocessable("Parameters must be an object")
    if cf_jobs.in_progress(instance):
        return unprocessable(IN_PROGRESS_INSTANCE)
    if any(k["name"] == name and k["instance_guid"] == instance["guid"] for k in tenant["keys"].values()):
        return unprocessable(
            "The binding name is invalid. Key binding names must be unique. The service instance "
            f"already has a key binding with name '{name}'."
        )
    key, reason = broker.build_key(ctx.authorities, tenant, instance, name, parameters)
    tenant_store.finish_key_record(key, state="in progress")
    metadata = body.get("metadata") or {}
    key["labels"], key["annotations"] = metadata.get("labels") or {}, metadata.get("annotations") or {}
    if reason:
        key.pop("fingerprint", None)
    tenant["keys"][key["guid"]] = key
    job = cf_jobs.start(ctx, tenant, "service_credential_bindings", key, "create", fail_reason=reason)
    return _accepted(ctx, job)


def delete_binding(ctx, req, tenant, user, guid):
    key = tenant["keys"].get(guid)
    if key is None:
        return not_found("Service credential binding")
    if not _is_developer(user):
        return _forbidden()
    if cf_jobs.in_progress(key):
        return unprocessable(IN_PROGRESS_BINDING)
    return _accepted(ctx, cf_jobs.start(ctx, tenant, "service_credential_bindings", key, "delete"))


def binding_details(ctx, req, tenant, user, guid):
    key = tenant["keys"].get(guid)
    if key is None or not key.get("ready"):
        return not_found("Service credential binding")
    if not _is_developer(user):
        return _forbidden()
    instance = tenant["instances"][key["instance_guid"]]
    return json_response(200, {"credentials": broker.credentials(ctx.landscape, tenant, instance, key)})


def binding_parameters(ctx, req, tenant, user, guid):
    key = tenant["keys"].get(guid)
    if key is None:
        return not_found("Service credential binding")
    return json_response(200, key["parameters"] or {})


def get_job(ctx, req, tenant, user, guid):
    job = tenant["jobs"].get(guid)
    if job is None:
        return not_found("Job")
    cf_jobs.poll(tenant, job)
    return json_response(200, job_json(ctx.landscape.cf_api(), job))


ROUTES = [
    ("GET", r"/v3/organizations", list_orgs),
    ("GET", rf"/v3/organizations/{GUID}", get_org),
    ("GET", r"/v3/spaces", list_spaces),
    ("GET", rf"/v3/spaces/{GUID}", get_space),
    ("GET", r"/v3/roles", list_roles),
    ("GET", r"/v3/service_offerings", list_offerings),
    ("GET", rf"/v3/service_offerings/{GUID}", get_offering),
    ("GET", r"/v3/service_plans", list_plans),
    ("GET", rf"/v3/service_plans/{GUID}", get_plan),
    ("GET", r"/v3/service_instances", list_instances),
    ("POST", r"/v3/service_instances", create_instance),
    ("GET", rf"/v3/service_instances/{GUID}", get_instance),
    ("PATCH", rf"/v3/service_instances/{GUID}", update_instance),
    ("DELETE", rf"/v3/service_instances/{GUID}", delete_instance),
    ("GET", rf"/v3/service_instances/{GUID}/parameters", instance_parameters),
    ("GET", r"/v3/service_credential_bindings", list_bindings),
    ("POST", r"/v3/service_credential_bindings", create_binding),
    ("GET", rf"/v3/service_credential_bindings/{GUID}", get_binding),
    ("DELETE", rf"/v3/service_credential_bindings/{GUID}", delete_binding),
    ("GET", rf"/v3/service_credential_bindings/{GUID}/details", binding_details),
    ("GET", rf"/v3/service_credential_bindings/{GUID}/parameters", binding_parameters),
    ("GET", rf"/v3/jobs/{GUID}", get_job),
]
