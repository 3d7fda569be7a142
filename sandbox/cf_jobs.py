"""CF v3 asynchronous jobs: created by writes, advanced by polls and by time, then applied to the resource
they change.

A job stays PROCESSING (then POLLING) for `job_polls` GETs (knob, default 2) of the job or of the
resource it changes and turns COMPLETE or FAILED on the next one, or once `job_seconds` (knob, default 3)
have passed since it started, whichever comes first: a real broker's time passes whether or not anyone
polls, so any CF call of the tenant (a listing included) sees a job that is due finished. Faults
`fail_job` / `job_forever` (matched on the resource name) make it fail or never finish.
"""

from __future__ import annotations

import time

from .state import new_guid, now_iso

OPERATION_WORDS = {
    ("service_instances", "create"): "provision",
    ("service_instances", "update"): "update",
    ("service_instances", "delete"): "deprovision",
    ("service_credential_bindings", "create"): "bind",
    ("service_credential_bindings", "delete"): "unbind",
}
OPERATION_NAMES = {"service_instances": "service_instance", "service_credential_bindings": "service_bindings"}


def _collection(tenant: dict, resource_type: str) -> dict:
    return tenant["instances"] if resource_type == "service_instances" else tenant["keys"]


def start(
    ctx,
    tenant: dict,
    resource_type: str,
    resource: dict,
    action: str,
    *,
    fail_reason: str | None = None,
    pending: dict | None = None,
) -> dict:
    """Mark the resource `in progress` and return a new job (finished at once when job_polls is 0)."""
    stamp = now_iso()
    resource["last_operation"] = {
        "type": action,
        "state": "in progress",
        "description": "",
        "created_at": stamp,
        "updated_at": stamp,
    }
    resource["updated_at"] = stamp
    match = {"host": "cf", "subdomain": tenant["subdomain"], "name": resource["name"]}
    if ctx.knobs.take("fail_job", **match):
        fail_reason = fail_reason or "Injected failure (sandbox fault)"
    forever = bool(ctx.knobs.take("job_forever", **match))
    job = {
        "guid": new_guid(),
        "created_at": stamp,
        "updated_at": stamp,
        "operation": f"{OPERATION_NAMES[resource_type]}.{action}",
        "state": "PROCESSING",
        "errors": [],
        "warnings": [],
        "resource_type": resource_type,
        "resource_guid": resource["guid"],
        "action": action,
        "fail_reason": fail_reason,
        "pending": pending,
        "polls_left": ctx.job_polls(),
        "started": time.time(),
        "forever": forever,
    }
    tenant["jobs"][job["guid"]] = job
    if (job["polls_left"] <= 0 or ctx.job_seconds() <= 0) and not forever:
        finish(tenant, job)
    return job


def advance(ctx, tenant: dict) -> None:
    """Finish every open job of the tenant whose time has come (called before each CF call is served);
    the `job_seconds` knob counts from each job's start, so lowering it lets time pass at once."""
    due = time.time() - ctx.job_seconds()
    for job in list(tenant["jobs"].values()):
        if job["state"] in ("COMPLETE", "FAILED") or job["forever"]:
            continue
        if job.get("started", float("inf")) <= due:
            finish(tenant, job)


def poll(tenant: dict, job: dict) -> None:
    """One GET of the job: count down, then finish."""
    if job["state"] in ("COMPLETE", "FAILED"):
        return
    if job["forever"] or job["polls_left"] > 0:
        if not job["forever"]:
            job["polls_left"] -= 1
        job["polls_seen"] = job.get("polls_seen", 0) + 1
        job["state"] = "PROCESSING" if job["polls_seen"] == 1 else "POLLING"
        job["updated_at"] = now_iso()
        return
    finish(tenant, job)


def observe(tenant: dict, resource_type: str, guid: str) -> None:
    """Reading a resource directly counts as time passing for its open jobs, as a real broker moves on
    whether or not anyone polls the job."""
    for job in list(tenant["jobs"].values()):
        if job["resource_type"] == resource_type and job["resource_guid"] == guid:
            poll(tenant, job)


def finish(tenant: dict, job: dict) -> None:
    resources = _collection(tenant, job["resource_type"])
    resource = resources.get(job["resource_guid"])
    stamp = now_iso()
    job["updated_at"] = stamp
    if resource is None:
        job["state"] = "COMPLETE"
        return
    operation = resource["last_operation"]
    operation["updated_at"] = stamp
    resource["updated_at"] = stamp
    if job["fail_reason"]:
        word = OPERATION_WORDS[(job["resource_type"], job["action"])]
        detail = f"{word} could not be completed: {job['fail_reason']}"
        job["state"] = "FAILED"
        job["errors"] = [{"code": 10009, "title": "CF-UnableToPerform", "detail": detail}]
        operation.update(state="failed", description=detail)
        if job["resource_type"] == "service_credential_bindings" and job["action"] == "create":
            resource.pop("fingerprint", None)
        return
    job["state"] = "COMPLETE"
    operation.update(state="succeeded", description="")
    if job["resource_type"] == "service_credential_bindings" and job["action"] == "create":
        resource["ready"] = True
    if job["action"] == "delete":
        resources.pop(resource["guid"], None)
        if job["resource_type"] == "service_instances":
            for key_guid in [g for g, k in tenant["keys"].items() if k["instance_guid"] == resource["guid"]]:
                tenant["keys"].pop(key_guid)
    elif job["action"] == "update" and job["pending"]:
        resource["parameters"] = job["pending"].get("parameters", resource["parameters"])
        if job["pending"].get("plan"):
            resource["plan"], resource["plan_guid"] = job["pending"]["plan"], job["pending"]["plan_guid"]


def in_progress(resource: dict) -> bool:
    return resource["last_operation"]["state"] == "in progress"
