"""A message check against the sandbox over HTTPS: the latest messages of the iFlows a pathway is confirmed in
are read, an authentication failure of each class turns the pathway "failing" with its cause, the members
are told once, and a message that gets through again makes it work."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from pathways import engine, standing
from pathways.models import AuditEvent, MessageWatch, Run
from pathways.traffic.watch import since_text
from tests.factories import UserFactory
from tests.traffic.conftest import S4, SSC, TO_S4, TO_SSC, fail_next, send

pytestmark = pytest.mark.django_db(transaction=True)

CAUSES = {
    "receiver_401": f"{S4} rejected the user of credential S4_BASIC (HTTP 401)",
    "receiver_403": f"{S4} refused access to the user of credential S4_BASIC (HTTP 403)",
    "tls_handshake": f"Cloud Integration did not accept the server certificate of {S4} "
    "(TLS handshake failed)",
    "certificate_rejected": f"{S4} did not accept the client certificate Cloud Integration presented "
    "(TLS handshake failed)",
    "credential_not_found": "Cloud Integration has no User Credentials named S4_BASIC (credential not found)",
}


def check(landscape) -> Run:
    run = engine.start_run(landscape, "traffic")
    engine.execute_run(run.id)
    run.refresh_from_db()
    assert run.state == "succeeded", (run.message, list(run.steps.values_list("label", "message")))
    return run


def stands(landscape, key: str):
    return standing.of(landscape.pathways.get(key=key))


def test_messages_that_get_through_prove_the_pathway_and_show_on_its_page(watched, sandbox_server, client):
    sent = send(sandbox_server, watched, TO_S4, count=2)
    assert {m["status"] for m in sent} == {"COMPLETED"}
    run = check(watched)
    assert run.result == {"checked": 2, "failing": 0, "messages": 2}
    to_s4 = stands(watched, "cpi_to_s4")
    assert to_s4.traffic.state == "working" and not to_s4.failing
    assert [m["guid"] for m in to_s4.traffic.messages] == [m["guid"] for m in reversed(sent)]
    assert stands(watched, "cpi_to_ssc").traffic.state == "unknown"  # no message through its iFlow yet

    client.force_login(UserFactory())  # not a member: the page is not there
    assert client.get(reverse("pathway_traffic", args=[watched.code, "cpi_to_s4"])).status_code == 404
    client.force_login(watched.memberships.get().user)
    page = client.get(reverse("pathway_traffic", args=[watched.code, "cpi_to_s4"])).content.decode()
    assert sent[0]["guid"] in page and "COMPLETED" in page and "The last message got through" in page
    history = client.get(reverse("pathway_history", args=[watched.code, "cpi_to_s4"])).content.decode()
    assert "Latest messages" in history and "The latest messages got through." in history
    review = client.get(reverse("wizard_step", args=[watched.code, "cpi_to_s4", "review"])).content.decode()
    assert "Latest messages" in review and "COMPLETED" in review


@pytest.mark.parametrize("failure", sorted(CAUSES))
def test_each_class_of_failure_turns_the_basic_pathway_failing_with_its_cause(
    failure, watched, sandbox_server
):
    send(sandbox_server, watched, TO_S4)
    fail_next(sandbox_server, watched, TO_S4, failure)
    [failed] = send(sandbox_server, watched, TO_S4)
    assert failed["status"] == "FAILED"
    check(watched)
    to_s4 = stands(watched, "cpi_to_s4")
    assert to_s4.status == "failing"
    since = MessageWatch.objects.get(pathway__key="cpi_to_s4", pathway__landscape=watched).failing_since
    assert to_s4.failing_sentence == f"Failing since {since_text(since)}: {CAUSES[failure]}"
    assert to_s4.traffic.messages[0]["error"] and to_s4.traffic.messages[0]["status"] == "FAILED"


def test_a_certificate_pathway_fails_when_the_receiver_refuses_its_key_pair_and_recovers(
    watched, sandbox_server, consultant
):
    send(sandbox_server, watched, TO_SSC)
    fail_next(sandbox_server, watched, TO_SSC, "certificate_rejected")
    send(sandbox_server, watched, TO_SSC)
    check(watched)
    to_ssc = stands(watched, "cpi_to_ssc")
    assert to_ssc.status == "failing"
    assert to_ssc.traffic.cause == (
        f"{SSC} did not accept the client certificate of key pair ssc_client (TLS handshake failed)"
    )
    assert stands(watched, "cpi_to_s4").status != "failing"  # another pathway's iFlow
    assert [m.to for m in mail.outbox] == [[consultant.email]]

    send(sandbox_server, watched, TO_SSC)
    check(watched)
    assert stands(watched, "cpi_to_ssc").traffic.state == "working"
    actions = AuditEvent.objects.filter(pathway_key="cpi_to_ssc", action__startswith="traffic.")
    assert sorted(actions.values_list("action", flat=True)) == ["traffic.failing", "traffic.recovered"]


def test_one_e_mail_per_failing_streak_however_often_it_is_checked(watched, sandbox_server, consultant):
    fail_next(sandbox_server, watched, TO_S4, "receiver_401")
    send(sandbox_server, watched, TO_S4)
    check(watched)
    first = MessageWatch.objects.get(pathway__key="cpi_to_s4", pathway__landscape=watched).failing_since
    fail_next(sandbox_server, watched, TO_S4, "receiver_401")
    send(sandbox_server, watched, TO_S4)
    check(watched)
    check(watched)
    watch = MessageWatch.objects.get(pathway__key="cpi_to_s4", pathway__landscape=watched)
    assert watch.failing_since == first and len(mail.outbox) == 1
    assert "rejected the user of credential S4_BASIC (HTTP 401)" in mail.outbox[0].body

    send(sandbox_server, watched, TO_S4)  # gets through: the streak ends
    check(watched)
    fail_next(sandbox_server, watched, TO_S4, "receiver_403")
    send(sandbox_server, watched, TO_S4)
    check(watched)
    assert len(mail.outbox) == 2 and "(HTTP 403)" in mail.outbox[1].body


def test_an_error_text_is_read_once_and_a_check_reads_each_iflow_once(watched, sandbox_server):
    fail_next(sandbox_server, watched, TO_S4, "receiver_401")
    [failed] = send(sandbox_server, watched, TO_S4)
    first = check(watched)
    again = check(watched)
    error_reads = [s for s in again.steps.all() if s.label.startswith("Read the error texts")][0]
    assert error_reads.http_calls == 0  # the text was read by the first check
    assert first.http_calls > again.http_calls
    assert failed["guid"] in str(stands(watched, "cpi_to_s4").traffic.messages)


def test_a_check_that_cannot_read_the_messages_fails_and_says_so_beside_them(watched, sandbox_server):
    subdomain = watched.runtime_url.split("//")[1].split(".")[0]
    sandbox_server.admin(
        "POST",
        "faults",
        {
            "kind": "status",
            "status": 403,
            "host": "cpi",
            "subdomain": subdomain,
            "path": "MessageProcessingLogs",
        },
    )
    run = engine.start_run(watched, "traffic")
    engine.execute_run(run.id)
    run.refresh_from_db()
    assert run.state == "failed"
    watch = MessageWatch.objects.get(pathway__key="cpi_to_s4", pathway__landscape=watched)
    assert watch.error and watch.checked_at <= timezone.now()


def test_while_an_apply_changes_the_pathway_it_is_not_called_failing_and_the_e_mail_waits(
    watched, sandbox_server
):
    pathway = watched.pathways.get(key="cpi_to_s4")
    pathway.mark_applying()
    fail_next(sandbox_server, watched, TO_S4, "receiver_401")
    send(sandbox_server, watched, TO_S4)
    assert check(watched).result["failing"] == 0
    assert stands(watched, "cpi_to_s4").status == "applying" and mail.outbox == []
    pathway.mark_applied({})
    assert check(watched).result["failing"] == 1
    assert stands(watched, "cpi_to_s4").status == "failing" and len(mail.outbox) == 1


def test_the_command_line_runs_a_message_check_like_the_button(watched, sandbox_server, capsys):
    from django.core.management import call_command

    fail_next(sandbox_server, watched, TO_S4, "credential_not_found")
    send(sandbox_server, watched, TO_S4)
    call_command("pathway", "traffic", watched.name)
    assert "(Message check) is queued." in capsys.readouterr().out
    engine.execute_run(Run.objects.get(landscape=watched, kind="traffic").id)  # as a worker would
    assert stands(watched, "cpi_to_s4").traffic.cause == (
        "Cloud Integration has no User Credentials named S4_BASIC (credential not found)"
    )
