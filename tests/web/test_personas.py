"""Each page for each persona: consultant edits, lead and viewer read, outsiders see nothing, anonymous logs
in.
"""

import pytest
from django.urls import reverse

VIEW_PAGES = [
    ("landscape", {}),
    ("wizard_step", {"key": "s4_to_cpi", "step": "method"}),
    ("wizard_step", {"key": "cpi_to_s4", "step": "credential"}),
    ("wizard_step", {"key": "ssc_to_cpi", "step": "review"}),
]


def url(route, landscape, **kwargs):
    return reverse(route, kwargs={"code": landscape.code, **kwargs})


@pytest.mark.parametrize("name, kwargs", VIEW_PAGES)
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
def test_pages_answer_each_persona_as_their_role_allows(as_user, landscape, name, kwargs, persona, status):
    response = as_user(persona).get(url(name, landscape, **kwargs))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "persona, status",
    [
        ("consultant", 200),
        ("lead", 403),
        ("viewer", 403),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_only_consultants_may_change_a_draft(as_user, landscape, persona, status):
    response = as_user(persona).post(
        url("wizard_field", landscape, key="cpi_to_s4", name="user"),
        {"user": "COMM_USER", "version": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == status
    changed = landscape.pathways.get(key="cpi_to_s4").draft.get("user")
    assert changed == ("COMM_USER" if status == 200 else None)


@pytest.mark.parametrize(
    "persona, status",
    [
        ("consultant", 200),
        ("lead", 403),
        ("viewer", 403),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_only_consultants_may_edit_the_landscape(as_user, landscape, persona, status):
    assert as_user(persona).get(url("landscape_edit", landscape)).status_code == status


def test_the_home_page_lists_only_landscapes_the_user_belongs_to(as_user, landscape):
    from tests.factories import LandscapeFactory

    LandscapeFactory(name="Someone else's PROD")
    page = as_user("viewer").get(reverse("home")).content.decode()
    assert "Demo DEV" in page and "Someone else" not in page
    assert "Demo DEV" not in as_user("outsider").get(reverse("home")).content.decode()


def test_viewers_see_the_wizard_read_only(as_user, landscape):
    page = (
        as_user("viewer")
        .get(url("wizard_step", landscape, key="cpi_to_s4", step="credential"))
        .content.decode()
    )
    assert "readonly" in page and "Save and continue" not in page


def test_an_unknown_pathway_or_step_is_404(as_user, landscape):
    client = as_user("consultant")
    assert client.get(url("wizard", landscape, key="nope")).status_code == 404
    assert client.get(url("wizard_step", landscape, key="s4_to_cpi", step="nope")).status_code == 404


def test_login_and_logout_work(people, client):
    from tests.factories import PASSWORD

    response = client.post(reverse("login"), {"username": "carla", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_every_page_carries_the_csrf_header_for_htmx_and_the_bundled_htmx(as_user, landscape):
    page = as_user("consultant").get(url("landscape", landscape)).content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in page
    assert "django_htmx" in page or "htmx" in page
    assert "unpkg.com" not in page and "cdn" not in page.lower()


def test_the_home_page_shows_each_pathway_under_its_own_column(as_user, landscape):
    pathway = landscape.pathways.get(key="cpi_to_s4")
    pathway.status = "failed"
    pathway.save()
    page = as_user("viewer").get(reverse("home")).content.decode()
    row = page[page.index("Demo DEV") :]
    cells = row.split('<td class="fd-table__cell">')[
        2:6
    ]  # after the tier cell: the four pathway cells in catalog order
    assert "Failed" in cells[3] and all("Failed" not in cell for cell in cells[:3])
