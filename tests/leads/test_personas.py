"""Every URL of the leads' pages for each persona: lead, consultant, viewer, outsider, anonymous."""

import pytest
from django.urls import reverse

from pathways.models import Approval, ApprovalState

READ_ALL = [("overview", None), ("overview_csv", None)]
READ_LANDSCAPE = [
    ("landscape", {}),
    ("landscape_export", {}),
    ("pathway_history", {"key": "cpi_to_s4"}),
    ("approval_panel", {"key": "ssc_to_cpi"}),
]
PERSONAS = ["consultant", "lead", "viewer", "outsider", "anonymous"]


def url(route, landscape=None, **kwargs):
    if landscape is None:
        return reverse(route)
    return reverse(route, kwargs={"code": landscape.code, **kwargs})


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("route, _", READ_ALL)
@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_for_everyone_logged_in_answer_200_and_send_anonymous_to_login(as_user, route, _, persona):
    response = as_user(persona).get(url(route))
    if persona == "anonymous":
        assert_login_redirect(response)
    else:
        assert response.status_code == 200


@pytest.mark.parametrize(
    "persona, status",
    [
        ("consultant", 200),
        ("lead", 200),
        ("viewer", 200),
        ("outsider", 200),
        ("anonymous", 401),
    ],
)
def test_status_json_answers_members_and_outsiders_but_not_anonymous(as_user, persona, status):
    response = as_user(persona).get(url("status_json"))
    assert response.status_code == status
    if status == 401:
        assert response.json()["error"]
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("route, kwargs", READ_LANDSCAPE)
@pytest.mark.parametrize(
    "persona, status",
    [
        ("consultant", 200),
        ("lead", 200),
        ("viewer", 200),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_landscape_pages_are_for_members_only(as_user, prod, route, kwargs, persona, status):
    response = as_user(persona).get(url(route, prod, **kwargs))
    assert response.status_code == status
    if status == 302:
        assert_login_redirect(response)


@pytest.mark.parametrize(
    "persona, status",
    [
        ("consultant", 302),
        ("lead", 403),
        ("viewer", 403),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_only_consultants_may_request_an_approval(as_user, prod, persona, status):
    response = as_user(persona).post(url("approval_request", prod, key="cpi_to_s4"), {"note": "go"})
    assert response.status_code == status
    assert Approval.objects.count() == (1 if persona == "consultant" else 0)


@pytest.mark.parametrize(
    "persona, status",
    [
        ("consultant", 403),
        ("lead", 302),
        ("viewer", 403),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_only_leads_may_decide_an_approval(as_user, people, prod, persona, status):
    from pathways.approval import request_approval

    pathway = prod.pathways.get(key="cpi_to_s4")
    approval = request_approval(pathway, people["consultant"])
    response = as_user(persona).post(
        url("approval_decide", prod, key="cpi_to_s4"),
        {"decision": "approve", "fingerprint": approval.fingerprint},
    )
    assert response.status_code == status
    approval.refresh_from_db()
    assert approval.state == (ApprovalState.APPROVED if persona == "lead" else ApprovalState.PENDING)


@pytest.mark.parametrize(
    "persona, status, queued",
    [
        ("consultant", 302, True),
        ("lead", 302, True),
        ("viewer", 403, False),
        ("outsider", 404, False),
        ("anonymous", 302, False),
    ],
)
def test_drift_check_can_be_queued_by_consultants_and_leads(
    as_user, prod, monkeypatch, persona, status, queued, django_capture_on_commit_callbacks
):
    from pathways import tasks
    from pathways.models import Run

    sent = []
    monkeypatch.setattr(
        tasks.execute_run,
        "apply_async",
        lambda args, retry: sent.append(args) or type("Result", (), {"id": "task-1"})(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(persona).post(url("landscape_drift", prod))
    assert response.status_code == status
    runs = list(Run.objects.filter(landscape=prod, kind="drift"))
    assert len(runs) == (1 if queued else 0)  # the drift check is a run, through the gate
    assert [list(args) for args in sent] == ([[runs[0].id]] if queued else [])


@pytest.mark.parametrize("persona", PERSONAS)
def test_creating_an_api_token_needs_a_login_and_more_than_a_viewer_role(as_user, persona):
    response = as_user(persona).post(url("api_tokens"), {"action": "create", "name": "Grafana"})
    if persona == "anonymous":
        assert_login_redirect(response)
    elif persona == "viewer":
        assert response.status_code == 403
        assert b"aw_" not in response.content
    else:
        assert response.status_code == 200
        assert b"aw_" in response.content


@pytest.mark.parametrize(
    "persona, status",
    [
        ("consultant", 302),
        ("lead", 403),  # a member of both, but consultant of neither
        ("viewer", 403),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_promotion_needs_the_right_to_edit_the_target(as_user, dev, prod, persona, status):
    response = as_user(persona).post(url("landscape_promote", dev), {"target": str(prod.code)})
    assert response.status_code == status
    if persona == "consultant":
        assert response["Location"] == reverse("landscape", args=[prod.code])


@pytest.mark.parametrize(
    "persona, status", [("consultant", 200), ("lead", 200), ("viewer", 403), ("outsider", 200)]
)
def test_api_tokens_are_for_everyone_signed_in_but_viewers(as_user, persona, status):
    response = as_user(persona).get(url("api_tokens"))
    assert response.status_code == status
    if status == 403:
        assert "Viewers have no API tokens" in response.content.decode()


@pytest.mark.parametrize("persona, status", [("consultant", 200), ("lead", 403), ("viewer", 403)])
def test_copying_a_configuration_needs_another_landscape_the_user_consults_on(as_user, prod, persona, status):
    response = as_user(persona).get(url("landscape_promote", prod))
    assert response.status_code == status
    page = as_user(persona).get(url("landscape", prod)).content.decode()
    assert ("Copy configuration to another landscape" in page) == (status == 200)


@pytest.mark.parametrize("persona, offered", [("consultant", True), ("lead", True), ("viewer", False)])
def test_the_overview_offers_a_new_landscape_and_api_tokens_only_to_who_may_use_them(
    as_user, persona, offered
):
    page = as_user(persona).get(url("overview")).content.decode()
    assert ("New landscape" in page) == offered
    assert ('href="/tokens/"' in page or "API tokens" in page) == offered
    assert as_user(persona).get(url("landscape_new")).status_code == (200 if offered else 403)
