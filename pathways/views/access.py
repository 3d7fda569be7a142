"""Access helpers in front of every view: the object the user may act on, or 404 (not visible) / 403."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_htmx.middleware import HtmxDetails

from pathways import catalog
from pathways.models import Landscape, Pathway

if TYPE_CHECKING:
    from uuid import UUID

    from django.contrib.auth.models import User


class HtmxHttpRequest(HttpRequest):
    """A request as the views see it: django-htmx's middleware adds `htmx`, truthy for htmx requests."""

    htmx: HtmxDetails


class SignedInRequest(HtmxHttpRequest):
    """A request to a @login_required view: its user is signed in."""

    user: User


def landscape_for(request: HttpRequest, code: UUID, action: str = "view") -> Landscape:
    """Outsiders get 404 (they may not learn that the landscape exists); members without the right, 403."""
    landscape = get_object_or_404(Landscape.objects.visible_to(request.user), code=code)
    if not landscape.may(request.user, action):
        raise PermissionDenied(_("Your role on %(name)s does not allow this.") % {"name": landscape.name})
    return landscape


def pathway_for(request: HttpRequest, code: UUID, key: str, action: str = "view") -> Pathway:
    if key not in catalog.PATHWAYS:
        raise Http404(_("No such pathway"))
    landscape = landscape_for(request, code, action)
    return landscape.pathways.select_related("landscape").get(key=key)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` the request names when it stays on this site, else `fallback` (no open redirects)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback
