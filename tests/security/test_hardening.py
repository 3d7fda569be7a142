"""Sign-in lockout, headers, passwords, `next` and error pages: what a security review tries first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from pathways.models import AuditEvent
from tests.factories import PASSWORD

TEMPLATES = Path(django_settings.BASE_DIR) / "templates"


def _sign_in(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_twenty_wrong_passwords_lock_the_account_and_the_right_one_is_refused(people):
    user = people["consultant"]
    client = Client(REMOTE_ADDR="198.51.100.7")
    answers = [_sign_in(client, user.username, f"wrong-{n}").status_code for n in range(20)]
    limit = django_settings.AXES_FAILURE_LIMIT
    assert answers[: limit - 1] == [200] * (limit - 1)  # the form again, with its sentence
    assert set(answers[limit:]) == {429}
    refused = _sign_in(client, user.username, PASSWORD)
    assert refused.status_code == 429
    assert "Sign-in paused" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    locked = AuditEvent.objects.filter(action="login.locked_out")
    assert locked.count() >= 1
    assert "wrong-" not in " ".join(locked.values_list("note", flat=True))


def test_the_lock_is_per_account_from_any_address(people):
    user = people["consultant"]
    for n in range(django_settings.AXES_FAILURE_LIMIT):
        _sign_in(Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), user.username, "wrong")
    assert _sign_in(Client(REMOTE_ADDR="203.0.113.99"), user.username, PASSWORD).status_code == 429


def test_the_lock_is_per_address_across_accounts(people):
    client = Client(REMOTE_ADDR="198.51.100.50")
    for n in range(django_settings.AXES_FAILURE_LIMIT):
        _sign_in(client, f"nobody-{n}", "wrong")
    assert _sign_in(client, people["lead"].username, PASSWORD).status_code == 429
    assert _sign_in(Client(REMOTE_ADDR="198.51.100.51"), people["lead"].username, PASSWORD).status_code == 302


def test_the_unlock_command_lifts_the_lock(people):
    user = people["viewer"]
    for n in range(django_settings.AXES_FAILURE_LIMIT):
        _sign_in(Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), user.username, "wrong")
    call_command("axes_reset_username", user.username, verbosity=0)
    assert _sign_in(Client(REMOTE_ADDR="203.0.113.5"), user.username, PASSWORD).status_code == 302


def test_the_sign_in_message_never_says_which_part_was_wrong(people):
    wrong_password = _sign_in(Client(REMOTE_ADDR="192.0.2.1"), people["lead"].username, "nope").content
    unknown_user = _sign_in(Client(REMOTE_ADDR="192.0.2.2"), "no-such-user", "nope").content
    sentence = re.compile(rb'<p class="[^"]*\berror\b[^"]*" role="alert">(.*?)</p>', re.S)
    assert sentence.search(wrong_password).group(1) == sentence.search(unknown_user).group(1)


def test_pages_carry_a_policy_without_inline_script_or_eval(as_user):
    for client, url in ((Client(), reverse("login")), (as_user("consultant"), reverse("home"))):
        policy = client.get(url)["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives["script-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'"
        assert "unsafe" not in directives["script-src"] and "unsafe" not in directives["default-src"]


def test_no_template_holds_inline_script_or_event_handlers():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+\s*=", text):
            offenders.append(template.name)
        if "javascript:" in text or "hx-on" in text:
            offenders.append(template.name)
    assert offenders == []


def test_authenticated_pages_are_not_stored(as_user):
    response = as_user("viewer").get(reverse("home"))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_cookies_are_secure_over_https(people):
    client = Client()
    response = client.post(
        reverse("login"), {"username": people["lead"].username, "password": PASSWORD}, secure=True
    )
    assert response.status_code == 302
    assert response.cookies[django_settings.SESSION_COOKIE_NAME]["secure"] is True
    plain = Client().get(reverse("login"))
    assert all(not cookie["secure"] for cookie in plain.cookies.values())


def test_every_user_can_change_their_password_with_the_validators_on(as_user, people):
    client = as_user("viewer")
    page = client.get(reverse("password_change"))
    assert page.status_code == 200 and "Change your password" in page.content.decode()
    short = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert short.status_code == 200
    assert "too short" in short.content.decode()
    new = "a-much-longer-passphrase-42"
    done = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert done.status_code == 302
    people["viewer"].refresh_from_db()
    assert people["viewer"].check_password(new)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_the_wizard_save_ignores_a_next_that_leaves_the_site(as_user, landscape, target):
    url = reverse("wizard_save_step", args=[landscape.code, "s4_to_cpi", "instance"])
    response = as_user("consultant").post(url, {"next": target, "go": "next"})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"] and "javascript" not in response["Location"]


def test_a_forbidden_action_gets_a_page_that_says_what_happened(as_user, landscape):
    response = as_user("viewer").post(reverse("landscape_run", args=[landscape.code, "check"]))
    assert response.status_code == 403
    page = response.content.decode()
    assert ">Not allowed</h1>" in page and "Back to your landscapes" in page
    assert 'class="fd-shellbar' in page  # the site's own layout, not a bare "403 Forbidden"


def test_a_missing_page_gets_the_site_layout(as_user):
    response = as_user("viewer").get("/no/such/page/")
    assert response.status_code == 404
    assert ">Not found</h1>" in response.content.decode()
