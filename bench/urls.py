"""The app's URLs plus one bare view: the floor a page of this Django, middleware and server can reach."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


@login_required
def bare(request: HttpRequest) -> HttpResponse:
    """A signed-in page with no work of its own: sessions, authentication and middleware only."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare, name="bench_bare"),
    path("", include("authwizard.urls")),
]
