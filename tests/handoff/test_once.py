"""Once means once: twenty simultaneous requests for a one-time hand-off, on PostgreSQL, give it out once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from pathways import certs, handoff
from pathways.models import AuditEvent, Membership, Secret
from tests.factories import LandscapeFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
CONCURRENT = 20
CLIENT_SECRET = "canary-handoff-secret-7f3a9c"
PASSPHRASE = "a long passphrase 1"


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent claims are proven on PostgreSQL (set DATABASE_URL)")


def consultant_clients(landscape, count: int) -> list[Client]:
    clients = []
    for _ in range(count):
        user = UserFactory()
        Membership.objects.create(landscape=landscape, user=user, role="consultant")
        client = Client()
        client.force_login(user)
        clients.append(client)
    return clients


def all_at_once(clients: list[Client], path: str, data: dict) -> list:
    """POST `data` to `path` from every client in its own thread and connection, released together."""
    start = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)

    def post(index: int, client: Client) -> None:
        try:
            start.wait()
            responses[index] = client.post(path, data)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i, c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(r is not None for r in responses), "a request did not finish"
    return responses


def test_twenty_simultaneous_reveals_give_the_client_secret_once():
    needs_postgresql()
    landscape = LandscapeFactory()
    pathway = landscape.pathways.get(key="s4_to_cpi")
    Secret.store(landscape=landscape, pathway=pathway, name=handoff.CLIENTSECRET, value=CLIENT_SECRET)
    path = reverse("handoff_reveal", kwargs={"code": landscape.code, "key": pathway.key})
    responses = all_at_once(consultant_clients(landscape, CONCURRENT), path, {})
    given = [r for r in responses if r.status_code == 200 and CLIENT_SECRET in r.content.decode()]
    refused = [r for r in responses if r.status_code == 302]
    assert len(given) == 1 and len(refused) == CONCURRENT - 1
    assert AuditEvent.objects.filter(action="handoff.reveal").count() == 1
    assert handoff.revealed(pathway, handoff.CLIENTSECRET) is not None


def test_twenty_simultaneous_pkcs12_downloads_hand_the_key_over_once():
    needs_postgresql()
    landscape = LandscapeFactory()
    pathway = landscape.pathways.get(key="ssc_to_cpi")
    key = certs.generate_private_key()
    cert = certs.issue_certificate(
        key, None, key, 30, subject=certs.DistinguishedName(common_name="ssc-inbound")
    )
    Secret.store(landscape=landscape, pathway=pathway, name=handoff.PRIVATE_KEY, value=key.pem.decode())
    Secret.store(landscape=landscape, pathway=pathway, name=handoff.CERTIFICATE, value=cert.pem.decode())
    path = reverse("handoff_pkcs12", kwargs={"code": landscape.code, "key": pathway.key})
    responses = all_at_once(consultant_clients(landscape, CONCURRENT), path, {"passphrase": PASSPHRASE})
    files = [r for r in responses if r.get("Content-Type") == "application/x-pkcs12"]
    assert len(files) == 1
    assert sum(1 for r in responses if r.status_code == 302) == CONCURRENT - 1
    assert AuditEvent.objects.filter(action="handoff.pkcs12").count() == 1


def test_a_failed_hand_out_does_not_use_up_the_one_time_reveal():
    landscape = LandscapeFactory()
    pathway = landscape.pathways.get(key="ssc_to_cpi")
    Secret.store(landscape=landscape, pathway=pathway, name=handoff.PRIVATE_KEY, value="not a key")
    Secret.store(landscape=landscape, pathway=pathway, name=handoff.CERTIFICATE, value="not a certificate")
    user = UserFactory()
    with pytest.raises(handoff.HandoffError):
        handoff.pkcs12_for_handoff(pathway, user, PASSPHRASE)
    assert handoff.revealed(pathway, handoff.PRIVATE_KEY) is None
    assert not AuditEvent.objects.filter(action="handoff.pkcs12").exists()
