"""CSRF: every route refuses a POST without the token (403) and changes nothing; with the token it passes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from .conftest import walk_routes
from .test_route_matrix import POST_DATA, url_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["consultant", "anonymous"])
def test_every_route_refuses_a_post_without_the_csrf_token(as_user, landscape, run, persona):
    client = as_user(persona, enforce_csrf_checks=True)
    answered = {}
    for route in walk_routes():
        url = url_of(route, landscape, run)
        answered[f"{route.name} {url}"] = client.post(url, POST_DATA.get(route.name, {})).status_code
    assert answered and all(status == 403 for status in answered.values()), {
        route: status for route, status in answered.items() if status != 403
    }
    pathway = landscape.pathways.get(key="cpi_to_s4")
    assert pathway.draft.get("user") is None
    assert list(landscape.runs.all()) == [run]


def test_a_wrong_csrf_token_is_refused_too(as_user, landscape):
    client = as_user("consultant", enforce_csrf_checks=True)
    client.get(reverse("landscape", args=[landscape.code]))
    response = client.post(
        reverse("wizard_field", args=[landscape.code, "cpi_to_s4", "user"]),
        {"user": "X", "version": "1"},
        HTTP_X_CSRFTOKEN="not-the-token",
    )
    assert response.status_code == 403
    assert "user" not in landscape.pathways.get(key="cpi_to_s4").draft


def test_the_token_from_the_page_lets_the_autosave_through(as_user, landscape):
    client = as_user("consultant", enforce_csrf_checks=True)
    client.get(reverse("landscape", args=[landscape.code]))
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("wizard_field", args=[landscape.code, "cpi_to_s4", "user"]),
        {"user": "COMM_USER_CSRF", "version": "1"},
        HTTP_X_CSRFTOKEN=token,
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert landscape.pathways.get(key="cpi_to_s4").draft["user"] == "COMM_USER_CSRF"
