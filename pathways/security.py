"""Response hardening and login lockouts: what every page gets beyond Django's own security middleware.

- Authenticated pages are never stored by a browser or proxy (`Cache-Control: no-store, private`), so Back
  does not show a stale form and a shared machine keeps no copy of a page with landscape data.
- Cookies are `Secure` whenever the request came over HTTPS, whatever the cookie settings say.
- A lockout by django-axes (too many wrong passwords for an account or from an address) is audited.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        if request.is_secure():
            for cookie in response.cookies.values():
                cookie["secure"] = True
        return response


def client_address(request: HttpRequest) -> str:
    """The address a sign-in came from: behind the HTTPS proxy (BEHIND_HTTPS_PROXY) the one the proxy saw,
    i.e. the last X-Forwarded-For entry, which the client cannot forge; else the connection's."""
    from django.conf import settings

    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.AUTHWIZARD_BEHIND_PROXY and forwarded.strip():
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def audit_lockout(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """Receiver of axes' `user_locked_out`: one audit row per lockout (never the password tried)."""
    from pathways.models import AuditEvent

    AuditEvent.record(
        user=None,
        action="login.locked_out",
        note=_("sign-in locked for %(value)s from %(value2)s after too many wrong passwords")
        % {"value": username or "an unknown account", "value2": ip_address or "an unknown address"},
    )
