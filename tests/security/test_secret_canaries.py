"""Secret canaries: what a consultant types as a secret shows up in no page, log line, task message, audit row
or database dump — through the whole flow, including real applies by a Celery worker against the sandbox."""

from __future__ import annotations

import base64
import io
import json
import logging
import uuid

import pytest
from celery.signals import before_task_publish
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from pathways.demo import landscape_form_data
from pathways.models import AuditEvent, Landscape, Membership, Run
from tests.factories import UserFactory
from tests.faults.harness import FAST_WAITS, in_process_worker, issue_certificate, pkcs12_of, wait_for

from .crawl import get_urls

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _private_key_lines(pem: str) -> list[str]:
    body = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    return [line for line in body if len(line) >= 40]


def _find(data, name: str) -> str:
    """The first value called `name` anywhere in nested service-key JSON."""
    if isinstance(data, dict):
        if isinstance(data.get(name), str):
            return data[name]
        for value in data.values():
            found = _find(value, name)
            if found:
                return found
    return ""


@pytest.fixture
def published():
    messages = []

    def record(sender=None, body=None, headers=None, **kwargs):
        messages.append(json.dumps({"task": sender, "body": body, "headers": headers}, default=str))

    before_task_publish.connect(record, weak=False)
    yield messages
    before_task_publish.disconnect(record)


def test_secrets_typed_into_the_ui_never_reach_pages_logs_messages_audit_or_dump(
    sandbox_server, sandbox_tenant, settings, caplog, published, tmp_path, django_db_blocker
):
    for name, value in FAST_WAITS.items():
        setattr(settings, name, value)
    caplog.set_level(logging.DEBUG)
    token = uuid.uuid4().hex[:10]
    tenant = sandbox_tenant
    form = landscape_form_data(tenant, name=f"Canary {token}")
    issued = issue_certificate(sandbox_server, f"canary-{token}.example.com")
    pkcs12_passphrase = f"canary-p12-{token}"
    pkcs12_bytes = pkcs12_of(issued, pkcs12_passphrase)
    canaries = {
        "cpi clientsecret": _find(tenant["api_key"], "clientsecret"),
        "cf password": tenant["cf_user"]["password"],
        "sm clientsecret": tenant["sm_binding"]["clientsecret"],
        "wizard password": f"canary-pw-{token}-S4!",
        "pkcs12 passphrase": pkcs12_passphrase,
        "pkcs12 file": base64.b64encode(pkcs12_bytes).decode()[40:100],
    }
    for number, line in enumerate(_private_key_lines(issued["key"])):
        canaries[f"private key line {number}"] = line
    assert all(len(value) >= 12 for value in canaries.values()), canaries.keys()

    consultant = UserFactory(username=f"canary-carla-{token}")
    pages: list[tuple[str, str]] = []

    def keep(label, response):
        pages.append((label, response.content.decode(errors="replace")))
        return response

    author = _client(consultant)
    response = keep("create landscape", author.post(reverse("landscape_new"), form))
    assert response.status_code == 302, response.content.decode()[:2000]
    landscape = Landscape.objects.get(name=form["name"])
    people = {
        "consultant": consultant,
        "outsider": UserFactory(username=f"canary-otto-{token}"),
        "anonymous": None,
    }
    for role in ("lead", "viewer"):
        people[role] = UserFactory(username=f"canary-{role}-{token}")
        Membership.objects.create(landscape=landscape, user=people[role], role=role)
    keep("edit landscape page", author.get(reverse("landscape_edit", args=[landscape.code])))

    s4 = landscape.pathways.get(key="cpi_to_s4")
    ssc = landscape.pathways.get(key="cpi_to_ssc")

    def field(pathway, name, data, files=None):
        pathway.refresh_from_db()
        url = reverse("wizard_field", args=[landscape.code, pathway.key, name])
        payload = {"version": str(pathway.version), **data, **(files or {})}
        return keep(f"field {pathway.key}.{name}", author.post(url, payload, HTTP_HX_REQUEST="true"))

    assert field(s4, "method", {"method": "basic"}).status_code == 200
    assert field(s4, "user", {"user": "COMM_USER_CANARY"}).status_code == 200
    assert field(s4, "password", {"password": canaries["wizard password"]}).status_code == 200
    assert field(ssc, "method", {"method": "certificate"}).status_code == 200
    assert field(ssc, "key_source", {"key_source": "import"}).status_code == 200
    upload = SimpleUploadedFile("client.p12", pkcs12_bytes, content_type="application/x-pkcs12")
    assert field(ssc, "pkcs12", {}, {"pkcs12": upload}).status_code == 200
    ssc.refresh_from_db()
    step_url = reverse("wizard_save_step", args=[landscape.code, "cpi_to_ssc", "key_pair"])
    keep(
        "save step with passphrase",
        author.post(step_url, {"version": str(ssc.version), "pkcs12_passphrase": pkcs12_passphrase}),
    )
    assert ssc.secret("pkcs12_passphrase") is not None, "the passphrase did not reach the vault"
    assert s4.secret("password").reveal() == canaries["wizard password"]

    with in_process_worker(tmp_path / "broker", django_db_blocker):
        # An earlier worker in the same test process may have left Celery's loggers at WARNING and not
        # propagating; record everything they say during this flow.
        for name in [n for n in logging.root.manager.loggerDict if n.startswith("celery")] + ["celery"]:
            caplog.set_level(logging.DEBUG, logger=name)
            logging.getLogger(name).addHandler(caplog.handler)
        for pathway in (s4, ssc):
            url = reverse("pathway_run", args=[landscape.code, pathway.key, "apply"])
            assert keep(f"apply {pathway.key}", author.post(url)).status_code == 302
        for run in Run.objects.filter(landscape=landscape):
            wait_for(run, timeout=90)
            assert run.state == "succeeded", (run.pathway.key, run.message)

    for persona, user in people.items():
        client = _client(user)
        for url in get_urls(landscape):
            keep(f"GET {url} as {persona}", client.get(url))
    assert len(pages) > 60, "the crawl visited too few pages to mean anything"

    for name in [n for n in logging.root.manager.loggerDict if n.startswith("celery")] + ["celery"]:
        logging.getLogger(name).removeHandler(caplog.handler)
    logs = [f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records]
    assert any(r.name.startswith("celery") for r in caplog.records), "the worker's log was not captured"
    audit = json.dumps(list(AuditEvent.objects.values()), default=str)
    assert "***CHANGED***" in audit
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert landscape.name in dump.getvalue()
    assert published, "no task message was captured"

    places = {
        "log": "\n".join(logs),
        "task message": "\n".join(published),
        "audit": audit,
        "dumpdata": dump.getvalue(),
    }
    places.update({f"page {label}": body for label, body in pages})
    leaks = [
        f"{canary} in {place}"
        for place, text in places.items()
        for canary, value in canaries.items()
        if value in text
    ]
    leaks += [
        f"the landscape name in {label}"
        for label, body in pages
        if label.endswith(("as outsider", "as anonymous")) and landscape.name in body
    ]
    assert not leaks, "\n".join(leaks)
