"""Every route of the URL configuration × every persona: the expected status for GET and POST, and no leaks.

The routes come from walking the resolver, so a new route without a line in EXPECTED fails the suite.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from .conftest import LANDSCAPE_NAME, PERSONAS, walk_routes


def _statuses(anonymous, outsider, viewer, consultant, lead) -> dict[str, int]:
    return {
        "anonymous": anonymous,
        "outsider": outsider,
        "viewer": viewer,
        "consultant": consultant,
        "lead": lead,
    }


MEMBERS_READ = _statuses(302, 404, 200, 200, 200)
CONSULTANT_ONLY = _statuses(302, 404, 403, 200, 403)
CONSULTANT_ONLY_REDIRECT = _statuses(302, 404, 403, 302, 403)
POST_ONLY_GET = _statuses(302, 405, 405, 405, 405)
MEMBERS_MISSING = _statuses(302, 404, 404, 404, 404)
SIGNED_IN = _statuses(302, 200, 200, 200, 200)

# route name -> {"GET": statuses, "POST": statuses}
EXPECTED: dict[str, dict[str, dict[str, int]]] = {
    "login": {"GET": _statuses(200, 200, 200, 200, 200), "POST": _statuses(200, 200, 200, 200, 200)},
    "logout": {"GET": _statuses(405, 405, 405, 405, 405), "POST": _statuses(302, 302, 302, 302, 302)},
    # Every signed-in user may change their own password; an empty POST shows the form again with errors.
    "password_change": {
        "GET": _statuses(302, 200, 200, 200, 200),
        "POST": _statuses(302, 200, 200, 200, 200),
    },
    "password_change_done": {
        "GET": _statuses(302, 200, 200, 200, 200),
        "POST": _statuses(302, 405, 405, 405, 405),
    },
    # Anyone may choose a language (remembered per user once signed in); only by POST.
    "language": {"GET": _statuses(405, 405, 405, 405, 405), "POST": _statuses(302, 302, 302, 302, 302)},
    "home": {"GET": _statuses(302, 200, 200, 200, 200), "POST": _statuses(302, 200, 200, 200, 200)},
    # Viewers only look: no new landscape, no API tokens (README, "Who may do what").
    "landscape_new": {"GET": _statuses(302, 200, 403, 200, 200), "POST": _statuses(302, 200, 403, 200, 200)},
    "landscape": {"GET": MEMBERS_READ, "POST": MEMBERS_READ},
    "landscape_edit": {"GET": CONSULTANT_ONLY, "POST": CONSULTANT_ONLY},
    "members": {"GET": MEMBERS_READ, "POST": MEMBERS_READ},
    "member_set": {"GET": POST_ONLY_GET, "POST": CONSULTANT_ONLY_REDIRECT},
    "wizard": {"GET": _statuses(302, 404, 302, 302, 302), "POST": _statuses(302, 404, 302, 302, 302)},
    "wizard_step": {"GET": MEMBERS_READ, "POST": MEMBERS_READ},
    # The posted step is complete (user and password), so the consultant goes on to the next step.
    "wizard_save_step": {"GET": POST_ONLY_GET, "POST": CONSULTANT_ONLY_REDIRECT},
    "wizard_field": {"GET": POST_ONLY_GET, "POST": CONSULTANT_ONLY_REDIRECT},  # no htmx: back to the step
    "pathway_run": {"GET": POST_ONLY_GET, "POST": CONSULTANT_ONLY_REDIRECT},
    "landscape_run": {"GET": POST_ONLY_GET, "POST": CONSULTANT_ONLY_REDIRECT},
    "run": {"GET": MEMBERS_READ, "POST": MEMBERS_READ},
    "handoff": {"GET": MEMBERS_READ, "POST": MEMBERS_READ},
    "handoff_reveal": {"GET": POST_ONLY_GET, "POST": CONSULTANT_ONLY_REDIRECT},
    "handoff_pkcs12": {"GET": POST_ONLY_GET, "POST": CONSULTANT_ONLY_REDIRECT},
    # nothing applied and no CA bundle in this fixture: members learn "not there", outsiders "not there" too
    "handoff_certificate": {"GET": MEMBERS_MISSING, "POST": MEMBERS_MISSING},
    "handoff_root": {"GET": MEMBERS_MISSING, "POST": MEMBERS_MISSING},
    # lead pages: everyone signed in sees their own landscapes only (the leak check proves "only")
    "overview": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "overview_csv": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "status_json": {"GET": _statuses(401, 200, 200, 200, 200), "POST": _statuses(405, 405, 405, 405, 405)},
    "api_tokens": {"GET": _statuses(302, 200, 403, 200, 200), "POST": _statuses(302, 200, 403, 200, 200)},
    "landscape_export": {"GET": MEMBERS_READ, "POST": _statuses(302, 405, 405, 405, 405)},
    # Copying needs another landscape the user consults on; here there is only the one.
    "landscape_promote": {
        "GET": _statuses(302, 404, 403, 403, 403),
        "POST": _statuses(302, 404, 403, 403, 403),
    },
    "landscape_drift": {"GET": POST_ONLY_GET, "POST": _statuses(302, 404, 403, 302, 302)},
    # what the pathway's messages show; a message check only reads, so leads may start one too
    "pathway_traffic": {"GET": MEMBERS_READ, "POST": MEMBERS_READ},
    "landscape_traffic": {"GET": POST_ONLY_GET, "POST": _statuses(302, 404, 403, 302, 302)},
    "pathway_history": {"GET": MEMBERS_READ, "POST": MEMBERS_READ},
    "approval_panel": {"GET": MEMBERS_READ, "POST": MEMBERS_READ},
    "approval_request": {"GET": POST_ONLY_GET, "POST": CONSULTANT_ONLY_REDIRECT},
    "approval_decide": {"GET": POST_ONLY_GET, "POST": _statuses(302, 404, 403, 403, 302)},
    # certificate pages: a fresh draft has nothing to download yet, so members learn "not there"
    "certificates": {"GET": MEMBERS_READ, "POST": MEMBERS_READ},
    "certificate_leaf_only": {"GET": POST_ONLY_GET, "POST": CONSULTANT_ONLY_REDIRECT},
    "certificate_generate": {"GET": POST_ONLY_GET, "POST": CONSULTANT_ONLY},
    "certificate_csr": {"GET": MEMBERS_MISSING, "POST": MEMBERS_MISSING},
    "certificate_pkcs12": {"GET": POST_ONLY_GET, "POST": CONSULTANT_ONLY},
    "certificate_cpi_csr": {"GET": POST_ONLY_GET, "POST": CONSULTANT_ONLY},
    "certificate_cpi_chain": {"GET": POST_ONLY_GET, "POST": CONSULTANT_ONLY},
    "certificate_rotate": {"GET": POST_ONLY_GET, "POST": CONSULTANT_ONLY},
    "certificate_retire": {"GET": POST_ONLY_GET, "POST": CONSULTANT_ONLY},
    "certificate_new_pem": {"GET": MEMBERS_MISSING, "POST": MEMBERS_MISSING},
    # a plan problem's choice goes into the draft; a leftover that does not exist is "not there"
    "plan_choice": {"GET": POST_ONLY_GET, "POST": CONSULTANT_ONLY_REDIRECT},
    "leftover_retire": {"GET": MEMBERS_MISSING, "POST": _statuses(302, 404, 403, 404, 403)},
    # the landscape's latest runs (polled while any is active); a CSR file only on a CSR run
    "landscape_runs": {"GET": MEMBERS_READ, "POST": MEMBERS_READ},
    "run_csr": {"GET": MEMBERS_MISSING, "POST": MEMBERS_MISSING},
    # lowering a production tier is a lead's decision; an empty choice is answered on the landscape page
    "landscape_tier": {"GET": POST_ONLY_GET, "POST": _statuses(302, 404, 403, 403, 302)},
    # the landscape's iFlows: members look; consultants confirm which pathway a parameter belongs to
    "iflows": {"GET": MEMBERS_READ, "POST": MEMBERS_READ},
    "iflows_confirm": {"GET": POST_ONLY_GET, "POST": CONSULTANT_ONLY_REDIRECT},
}

# Values for path converters: by (route, converter) first, then by converter name.
FILL_BY_ROUTE = {
    ("landscape_run", "kind"): "check",
    ("pathway_run", "kind"): "plan",
    ("certificate_leaf_only", "name"): "server_root",
    ("leftover_retire", "leftover_code"): "00000000-0000-4000-8000-000000000000",
}
POST_DATA = {
    "wizard_field": {"user": "COMM_USER_MATRIX", "version": "1"},
    # The step complete (a required field left empty keeps the consultant on the step, with a 200).
    "wizard_save_step": {"user": "COMM_USER_MATRIX", "password": "Matrix-Passw0rd-1!", "version": "1"},
    "plan_choice": {"field": "user", "choice": "rename", "name": "COMM_USER_MATRIX"},
}


def fill_for(route, landscape, run) -> dict[str, str]:
    by_name = {
        "code": str(landscape.code),
        "run_code": str(run.code),
        "key": "cpi_to_s4",
        "step": "credential",
        "name": "user",
        "kind": "plan",
        "encoding": "pem",
    }
    values = {}
    for converter in route.converters:
        value = FILL_BY_ROUTE.get((route.name, converter), by_name.get(converter))
        if value is None:
            raise AssertionError(
                f"no fixture value for <{converter}> in route {route.name} ({route.pattern})"
            )
        values[converter] = value
    return values


def url_of(route, landscape, run) -> str:
    return reverse(route.name, kwargs=fill_for(route, landscape, run))


def test_every_route_has_an_expectation_for_every_persona_and_method():
    routes = walk_routes()
    assert {r.name for r in routes} >= {"home", "landscape", "wizard_field", "run"}, (
        "the walk found too little"
    )
    missing = [r.name for r in routes if r.name not in EXPECTED]
    assert not missing, f"routes without an expected status per persona in EXPECTED: {missing}"
    for name, methods in EXPECTED.items():
        assert set(methods) == {"GET", "POST"}, name
        for statuses in methods.values():
            assert set(statuses) == set(PERSONAS), name


def test_the_expectations_name_no_route_that_no_longer_exists():
    assert set(EXPECTED) <= {r.name for r in walk_routes()}


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_route_answers_the_persona_with_the_expected_status_and_no_leak(
    as_user, landscape, run, persona
):
    mismatches = []
    for route in walk_routes():
        if route.name not in EXPECTED:
            continue  # reported by the test above
        url = url_of(route, landscape, run)
        for method in ("GET", "POST"):
            client = as_user(persona)  # a fresh session each time: POST /logout/ ends the one before
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, POST_DATA.get(route.name, {}))
            expected = EXPECTED[route.name][method][persona]
            if response.status_code != expected:
                mismatches.append(f"{method} {route.name} {url}: {response.status_code}, expected {expected}")
            body = response.content.decode(errors="replace")
            if persona in ("anonymous", "outsider") and LANDSCAPE_NAME in body:
                mismatches.append(f"{method} {route.name}: the landscape name leaked to {persona}")
            if persona == "anonymous" and response.status_code == 302 and route.name not in ("logout",):
                if not response["Location"].startswith(reverse("login")):
                    mismatches.append(f"{method} {route.name}: anonymous sent to {response['Location']}")
    assert not mismatches, "\n".join(mismatches)


def test_an_empty_post_to_the_landscape_form_is_a_form_error_not_a_500(as_user, landscape):
    response = as_user("consultant").post(reverse("landscape_edit", args=[landscape.code]), {})
    assert response.status_code == 200
    assert "Someone else saved this landscape" in response.content.decode()


def test_an_outsider_cannot_reach_a_run_of_someone_elses_landscape_by_its_code(as_user, run):
    assert as_user("outsider").get(reverse("run", args=[run.code])).status_code == 404


def test_a_viewer_post_changes_nothing_in_the_draft(as_user, landscape, run):
    as_user("viewer").post(
        reverse("wizard_field", args=[landscape.code, "cpi_to_s4", "user"]),
        {"user": "INTRUDER", "version": "1"},
    )
    as_user("lead").post(
        reverse("wizard_save_step", args=[landscape.code, "cpi_to_s4", "credential"]),
        {"user": "INTRUDER", "version": "1"},
    )
    as_user("viewer").post(reverse("pathway_run", args=[landscape.code, "cpi_to_s4", "apply"]))
    assert landscape.pathways.get(key="cpi_to_s4").draft.get("user") != "INTRUDER"
    assert list(landscape.runs.all()) == [run]
