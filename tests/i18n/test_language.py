"""The language: the browser's, until a user chooses one; the choice is remembered (pages and e-mails)."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from pathways import engine
from pathways.models import LanguagePreference, RunKind
from tests.factories import LandscapeFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def carla():
    return UserFactory(username="carla")


def signed_in(user, **headers) -> Client:
    client = Client(headers=headers)
    client.force_login(user)
    return client


def test_the_browser_language_is_used_until_the_user_chooses_one(carla):
    page = signed_in(carla, accept_language="de-DE,de;q=0.9").get(reverse("landscape_new"))
    assert page["Content-Language"] == "de"
    assert "CPI-Laufzeit-URL" in page.content.decode()
    english = signed_in(carla, accept_language="en-US").get(reverse("landscape_new"))
    assert "CPI runtime URL" in english.content.decode()


def test_a_chosen_language_is_remembered_for_the_user_across_sign_ins(carla):
    client = signed_in(carla, accept_language="en-US")
    answer = client.post(reverse("language"), {"language": "de", "next": reverse("landscape_new")})
    assert answer.status_code == 302 and answer["Location"] == reverse("landscape_new")
    assert LanguagePreference.of(carla) == "de"
    assert "CPI-Laufzeit-URL" in client.get(reverse("landscape_new")).content.decode()
    # Another browser, English by its settings: the user's choice wins.
    elsewhere = signed_in(carla, accept_language="en-US")
    assert "CPI-Laufzeit-URL" in elsewhere.get(reverse("landscape_new")).content.decode()
    client.post(reverse("language"), {"language": "en"})
    assert LanguagePreference.of(carla) == "en"
    assert "CPI runtime URL" in client.get(reverse("landscape_new")).content.decode()


def test_an_unknown_language_or_a_foreign_next_changes_nothing_and_stays_on_the_site(carla):
    client = signed_in(carla)
    answer = client.post(reverse("language"), {"language": "xx", "next": "https://evil.example/"})
    assert answer["Location"] == reverse("home")
    assert LanguagePreference.of(carla) == ""


def test_without_signing_in_the_choice_is_kept_in_a_cookie():
    client = Client()
    answer = client.post(reverse("language"), {"language": "de", "next": reverse("login")})
    assert answer["Location"] == reverse("login")
    assert client.cookies["django_language"].value == "de"
    assert client.get(reverse("login"))["Content-Language"] == "de"


def test_a_failed_run_tells_its_starter_in_their_language_with_a_link_to_the_run(carla, settings):
    settings.AUTHWIZARD_BASE_URL = "https://authwizard.example.com"
    landscape = LandscapeFactory(name="Mail DEV")
    MembershipFactory(landscape=landscape, user=carla, role="consultant")
    pathway = landscape.pathways.get(key="cpi_to_s4")
    with translation.override("de"):  # started from a page in German, by someone who never chose a language
        run = engine.start_run(pathway, RunKind.RETIRE, carla, params={"leftover": 0})
    assert run.language == "de"
    landscape.memberships.filter(user=carla).update(role="viewer")  # the worker's gate refuses
    engine.execute_run(run.id)
    run.refresh_from_db()

    assert run.state == "failed" and run.message.startswith("Gestoppt, bevor etwas geändert wurde")
    (message,) = mail.outbox
    assert message.to == [carla.email]
    assert message.subject == "[AuthWizard] Stilllegen fehlgeschlagen: CPI → S/4HANA in Mail DEV"
    assert f"https://authwizard.example.com{reverse('run', args=[run.code])}" in message.body
    assert run.message in message.body and run.hint in message.body


def test_a_plan_that_fails_sends_no_mail(carla):
    landscape = LandscapeFactory(name="Quiet DEV")
    MembershipFactory(landscape=landscape, user=carla, role="consultant")
    run = engine.start_run(landscape.pathways.get(key="cpi_to_s4"), RunKind.PLAN, carla)
    engine.execute_run(run.id)
    run.refresh_from_db()
    assert run.state == "failed"
    assert mail.outbox == []
