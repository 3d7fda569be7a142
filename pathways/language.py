"""Which language a page or an e-mail is in: the user's stored choice, else the browser's (LocaleMiddleware).

The choice is stored per user (`LanguagePreference`) so that e-mails go out in the member's language, and it
is kept in the session so that pages do not read it on every request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from pathways.models import LanguagePreference
from pathways.models.language import supported

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from pathways.models import Run

SESSION_KEY = "authwizard_language"


def of_user(user: AbstractBaseUser | AnonymousUser | None, default: str = "") -> str:
    """The language to write to `user` in (e-mails): their choice, else `default`, else the site's."""
    return LanguagePreference.of(user) or (default if supported(default) else "") or settings.LANGUAGE_CODE


def of_run(run: Run) -> str:
    """The language a run writes its steps in: the one it was started in, else its starter's."""
    return run.language if supported(run.language) else of_user(run.requested_by)


def remember_at_login(sender: object, request: HttpRequest, user: AbstractBaseUser, **kwargs: object) -> None:
    """On sign-in (`user_logged_in`): the user's stored choice into the session, read once per session."""
    request.session[SESSION_KEY] = LanguagePreference.of(user)


class UserLanguageMiddleware:
    """After LocaleMiddleware and authentication: a signed-in user's stored choice, when they made one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            if SESSION_KEY not in request.session:
                request.session[SESSION_KEY] = LanguagePreference.of(user)
            chosen = request.session[SESSION_KEY]
            if chosen and supported(chosen):
                translation.activate(chosen)
                request.LANGUAGE_CODE = chosen
        return self.get_response(request)


@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    """Switch the language: remembered for a signed-in user (pages and e-mails), else in a cookie."""
    language = request.POST.get("language", "")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("home" if request.user.is_authenticated else "login")
    response = HttpResponseRedirect(target)
    if not supported(language):
        return response
    if request.user.is_authenticated:
        LanguagePreference.choose(request.user, language)
        request.session[SESSION_KEY] = language
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=True,
    )
    return response
