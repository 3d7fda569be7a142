"""Knobs and tenant administration under https://<domain>/_sandbox/ (JSON, no auth, loopback clients only)."""

from __future__ import annotations

import ipaddress
import re

from . import certutil, content, messages
from . import tenants as tenant_store
from .http import Response, json_response
from .keystore_model import hexalias
from .knobs import FaultError


def _error(status: int, message: str) -> Response:
    return json_response(status, {"error": message})


def handle(ctx, req) -> Response:
    try:
        if not ipaddress.ip_address(req.client_ip).is_loopback:
            return _error(403, "the sandbox admin API answers loopback clients only")
    except ValueError:
        return _error(403, "the sandbox admin API answers loopback clients only")
    path = req.path.rstrip("/")
    if not path.startswith("/_sandbox"):
        return json_response(
            200, {"sandbox": ctx.landscape.admin(), "admin": ctx.landscape.admin() + "/_sandbox/"}
        )
    body = {}
    if req.body:
        try:
            body = req.json()
        except ValueError:
            return _error(400, "body must be JSON")
        if not isinstance(body, dict):
            return _error(400, "body must be a JSON object")
    for method, pattern, view in ROUTES:
        match = re.fullmatch(pattern, path)
        if match and method == req.method:
            return view(ctx, req, body, *match.groups())
    return _error(404, f"no such knob: {req.method} {path}")


def _tenant_or_404(ctx, subdomain):
    tenant = ctx.store.tenant(subdomain)
    return tenant, (None if tenant else _error(404, f"no tenant {subdomain!r}"))


def _int(body: dict, name: str, default=None, minimum: int = 0):
    value = body.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}")
    return value


def get_state(ctx, req, body):
    wanted = req.arg("subdomain")
    result = {}
    for subdomain, tenant in ctx.store.tenants.items():
        if wanted and subdomain != wanted:
            continue
        result[subdomain] = _tenant_summary(ctx, tenant)
    return json_response(
        200,
        {
            "tenants": result,
            "latency_ms": ctx.knobs.latency_ms,
            **_async_values(ctx.knobs),
            "faults": ctx.knobs.list_faults(),
        },
    )


def _tenant_summary(ctx, tenant: dict) -> dict:
    instances = [
        {
            "guid": i["guid"],
            "name": i["name"],
            "plan": i["plan"],
            "parameters": i["parameters"],
            "labels": i["labels"],
            "last_operation": i["last_operation"],
        }
        for i in tenant["instances"].values()
    ]
    keys = [
        {
            "guid": k["guid"],
            "name": k["name"],
            "instance_guid": k["instance_guid"],
            "key_type": k.get("key_type"),
            "clientid": k["clientid"],
            "fingerprint": k.get("fingerprint"),
            "last_operation": k["last_operation"],
        }
        for k in tenant["keys"].values()
    ]
    credentials = [
        {"Name": c["Name"], "Kind": c["Kind"], "User": c.get("User"), "Status": c["status"]}
        for c in tenant["user_credentials"].values()
    ]
    keystores = {}
    for name, entries in tenant["keystores"].items():
        keystores[name] = []
        for entry in entries.values():
            leaf = certutil.load_certificates(entry["chain"][0])[0]
            keystores[name].append(
                {
                    "alias": entry["alias"],
                    "hexalias": hexalias(entry["alias"]),
                    "type": entry["type"],
                    "owner": entry["owner"],
                    "fingerprint_sha256": certutil.fingerprint(leaf),
                    "chain_length": len(entry["chain"]),
                }
            )
    return {
        "org": tenant["org"],
        "space": tenant["space"],
        "instances": instances,
        "keys": keys,
        "user_credentials": credentials,
        "keystores": keystores,
        "iflows": tenant["iflows"],
        "jobs": len(tenant["jobs"]),
        "content": _content_summary(ctx, tenant),
    }


def _content_summary(ctx, tenant: dict) -> dict:
    """Packages, iFlows with their design-time parameters, runtime statuses and the number of MPLs."""
    flows = {}
    for flow_id, flow in tenant.get("designtime", {}).items():
        artifact = content.settle_runtime(ctx, tenant, flow_id)
        flows[flow_id] = {
            "package": flow["PackageId"],
            "version": flow["Version"],
            "draft": flow.get("draft", False),
            "parameters": {p["ParameterKey"]: p["ParameterValue"] for p in flow["configurations"]},
            "runtime_status": artifact["Status"] if artifact else None,
            "endpoint": content.sender_path(artifact) if artifact else None,
        }
    return {
        "packages": sorted(tenant.get("packages", {})),
        "iflows": flows,
        "mpls": len(tenant.get("mpls", [])),
    }


def get_calls(ctx, req, body):
    try:
        since = int(req.arg("since", "0") or 0)
    except ValueError:
        return _error(400, "since must be an integer")
    calls = ctx.knobs.calls_since(since)
    last = calls[-1]["seq"] if calls else since
    return json_response(200, {"calls": calls, "last": last})


def clear_calls(ctx, req, body):
    ctx.knobs.clear_calls()
    return json_response(200, {"cleared": True})


def reset(ctx, req, body):
    subdomain = body.get("subdomain")
    if subdomain:
        tenant, problem = _tenant_or_404(ctx, subdomain)
        if problem:
            return problem
        tenant_store.reset_tenant(ctx, tenant)
        tenant_store.write_facts(ctx, tenant)
        return json_response(200, {"reset": [subdomain]})
    if body.get("drop_tenants"):
        for name in [n for n in ctx.store.tenants if n != "demo"]:
            ctx.store.tenants.pop(name)
    for tenant in ctx.store.tenants.values():
        tenant_store.reset_tenant(ctx, tenant)
        tenant_store.write_facts(ctx, tenant)
    ctx.knobs.reset()
    ctx.knobs.clear_calls()
    return json_response(200, {"reset": sorted(ctx.store.tenants)})


def set_latency(ctx, req, body):
    try:
        ctx.knobs.latency_ms = _int(body, "ms", 0)
    except ValueError as exc:
        return _error(400, str(exc))
    return json_response(200, {"latency_ms": ctx.knobs.latency_ms})


def set_clock(ctx, req, body):
    stop, advance = body.get("stop"), body.get("advance", 0)
    if stop is not None and not isinstance(stop, bool):
        return _error(400, "stop must be true or false")
    if not isinstance(advance, int | float) or isinstance(advance, bool) or advance < 0:
        return _error(400, "advance must be a number of seconds >= 0")
    try:
        return json_response(200, ctx.knobs.set_clock(stop=stop, advance=float(advance)))
    except ValueError as exc:
        return _error(400, str(exc))


def add_fault(ctx, req, body):
    try:
        return json_response(201, ctx.knobs.add_fault(body))
    except FaultError as exc:
        return _error(400, str(exc))


def list_faults(ctx, req, body):
    return json_response(200, {"faults": ctx.knobs.list_faults()})


def delete_faults(ctx, req, body, fault_id=None):
    removed = ctx.knobs.clear_faults(int(fault_id) if fault_id else None)
    return json_response(200, {"removed": removed})


def _async_values(knobs) -> dict:
    return {name: getattr(knobs, name) for name in ASYNC_POLLS + ASYNC_SECONDS}


ASYNC_POLLS = ("job_polls", "deploy_polls", "build_polls", "start_polls")
ASYNC_SECONDS = ("job_seconds", "content_seconds")


def set_async(ctx, req, body):
    try:
        for name in ASYNC_POLLS:
            if name in body:
                setattr(ctx.knobs, name, _int(body, name))
        for name in ASYNC_SECONDS:
            if name in body:
                seconds = float(body[name])
                if not 0 <= seconds <= 3600:
                    raise ValueError(f"{name} must be between 0 and 3600")
                setattr(ctx.knobs, name, seconds)
    except (ValueError, TypeError) as exc:
        return _error(400, str(exc))
    return json_response(200, _async_values(ctx.knobs))


def add_iflow(ctx, req, body, subdomain=None):
    tenant, problem = _tenant_or_404(ctx, subdomain or body.get("subdomain") or "demo")
    if problem:
        return problem
    address = body.get("address")
    if not isinstance(address, str) or not re.fullmatch(r"/(http|cxf)/[A-Za-z0-9._*~/-]+", address):
        return _error(400, "address must look like /http/<path> or /cxf/<path>")
    name = body.get("name") or "AuthWizard_" + re.sub(r"[^A-Za-z0-9]+", "_", address).strip("_")
    tenant["iflows"] = [f for f in tenant["iflows"] if f["address"].lower() != address.lower()]
    tenant["iflows"].append({"name": name, "address": address})
    tenant_store.write_facts(ctx, tenant)
    return json_response(
        201, {"name": name, "address": address, "url": ctx.landscape.runtime(tenant["subdomain"]) + address}
    )


def send_messages(ctx, req, body, subdomain):
    """Play the iFlow's sender: `count` messages through a started iFlow, each leaving an MPL."""
    tenant, problem = _tenant_or_404(ctx, subdomain)
    if problem:
        return problem
    flow_id = body.get("iflow")
    if not isinstance(flow_id, str) or flow_id not in tenant.get("designtime", {}):
        return _error(404, f"no iFlow {flow_id!r} in tenant {subdomain!r}")
    try:
        count = _int(body, "count", 1, minimum=1)
    except ValueError as exc:
        return _error(400, str(exc))
    if count > messages.MAX_LOGS:
        return _error(400, f"count must be at most {messages.MAX_LOGS}")
    artifact = content.settle_runtime(ctx, tenant, flow_id)
    if artifact is None or artifact["Status"] != "STARTED":
        status = artifact["Status"] if artifact else "not deployed"
        return _error(409, f"the iFlow {flow_id} is not started ({status})")
    sender = tenant["designtime"][flow_id].get("Sender")
    sent = [messages.process(ctx, tenant, artifact, sender) for _ in range(count)]
    return json_response(
        201,
        {
            "messages": [
                {
                    "guid": log["MessageGuid"],
                    "status": log["Status"],
                    "failure": log["failure"],
                    "error": log["error"],
                }
                for log in sent
            ]
        },
    )


def set_draft(ctx, req, body, subdomain, flow_id):
    """Mark an iFlow as having an unsaved draft (D-38): its Configurations then answer 400."""
    tenant, problem = _tenant_or_404(ctx, subdomain)
    if problem:
        return problem
    flow = tenant.get("designtime", {}).get(flow_id)
    if flow is None:
        return _error(404, f"no iFlow {flow_id!r} in tenant {subdomain!r}")
    if not isinstance(body.get("draft"), bool):
        return _error(400, "draft must be true or false")
    flow["draft"] = body["draft"]
    return json_response(200, {"iflow": flow_id, "draft": flow["draft"]})


def list_tenants(ctx, req, body):
    return json_response(200, {"tenants": sorted(ctx.store.tenants)})


def create_tenant(ctx, req, body):
    subdomain = body.get("subdomain")
    if not isinstance(subdomain, str) or not tenant_store.SUBDOMAIN.fullmatch(subdomain):
        return _error(400, "subdomain must be lower-case letters, digits and hyphens (1-63)")
    if subdomain in ctx.store.tenants:
        return _error(409, f"tenant {subdomain!r} exists")
    tenant = tenant_store.create_tenant(ctx, subdomain)
    facts = tenant_store.facts(ctx, tenant)
    facts["facts_path"] = tenant_store.write_facts(ctx, tenant)
    return json_response(201, facts)


def get_tenant(ctx, req, body, subdomain):
    tenant, problem = _tenant_or_404(ctx, subdomain)
    if problem:
        return problem
    facts = tenant_store.facts(ctx, tenant)
    facts["facts_path"] = str(ctx.state_dir / "tenants" / f"{subdomain}.json")
    return json_response(200, facts)


def add_api_key(ctx, req, body, subdomain):
    tenant, problem = _tenant_or_404(ctx, subdomain)
    if problem:
        return problem
    roles = body.get("roles")
    if not isinstance(roles, list) or not all(isinstance(r, str) and r for r in roles):
        return _error(400, "roles must be a list of role names")
    _, key = tenant_store.add_api_key(ctx, tenant, roles)
    return json_response(201, tenant_store.api_key_json(ctx, tenant, key["guid"]))


def issue_certificate(ctx, req, body, subdomain=None):
    common_name = body.get("common_name") or "client.example.com"
    try:
        days = _int(body, "days", 365, minimum=1)
    except ValueError as exc:
        return _error(400, str(exc))
    return json_response(
        201,
        tenant_store.issue_demo_client_certificate(
            ctx, str(common_name), days=days, client_auth=bool(body.get("client_auth", True))
        ),
    )


ROUTES = [
    ("GET", r"/_sandbox/state", get_state),
    ("GET", r"/_sandbox/calls", get_calls),
    ("POST", r"/_sandbox/calls/clear", clear_calls),
    ("POST", r"/_sandbox/reset", reset),
    ("POST", r"/_sandbox/latency", set_latency),
    ("POST", r"/_sandbox/clock", set_clock),
    ("POST", r"/_sandbox/faults", add_fault),
    ("GET", r"/_sandbox/faults", list_faults),
    ("DELETE", r"/_sandbox/faults", delete_faults),
    ("DELETE", r"/_sandbox/faults/(\d+)", delete_faults),
    ("POST", r"/_sandbox/async", set_async),
    ("POST", r"/_sandbox/iflows", add_iflow),
    ("POST", r"/_sandbox/tenants/([a-z0-9-]+)/iflows", add_iflow),
    ("GET", r"/_sandbox/tenants", list_tenants),
    ("POST", r"/_sandbox/tenants", create_tenant),
    ("GET", r"/_sandbox/tenants/([a-z0-9-]+)", get_tenant),
    ("POST", r"/_sandbox/tenants/([a-z0-9-]+)/api-keys", add_api_key),
    ("POST", r"/_sandbox/certificates", issue_certificate),
    ("POST", r"/_sandbox/tenants/([a-z0-9-]+)/messages", send_messages),
    ("POST", r"/_sandbox/tenants/([a-z0-9-]+)/designtime/([A-Za-z0-9._-]+)", set_draft),
]
