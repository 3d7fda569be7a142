"""Pages offer a user only what their role allows: every form, htmx post and link a page shows to a persona
leads to a route that answers that persona with something other than 403 (the route matrix's expectation)."""

from __future__ import annotations

import re

import pytest
from django.urls import Resolver404, resolve

from .crawl import get_urls
from .test_route_matrix import EXPECTED

pytestmark = pytest.mark.django_db

POSTS = re.compile(r'<form[^>]*method="post"[^>]*action="([^"]+)"|hx-post="([^"]+)"', re.IGNORECASE)
LINKS = re.compile(r'<a [^>]*href="(/[^"#?]*)', re.IGNORECASE)


def _route(url: str) -> str | None:
    try:
        return resolve(url).url_name
    except Resolver404:
        return None


@pytest.mark.parametrize("persona", ["viewer", "lead", "consultant"])
def test_no_page_offers_a_persona_an_action_their_role_refuses(as_user, landscape, run, persona):
    client = as_user(persona)
    offered: list[str] = []
    for url in get_urls(landscape):
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = response.content.decode()
        for match in POSTS.finditer(page):
            target = match.group(1) or match.group(2)
            name = _route(target.split("?")[0])
            if name and EXPECTED[name]["POST"][persona] == 403:
                offered.append(f"{url} offers POST {target} ({name})")
        for target in LINKS.findall(page):
            name = _route(target)
            if name and EXPECTED[name]["GET"][persona] == 403:
                offered.append(f"{url} links to {target} ({name})")
    assert not offered, "\n".join(sorted(set(offered)))
