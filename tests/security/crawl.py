"""Every GET URL of the app for one landscape: each route filled with each pathway, step, run and encoding."""

from __future__ import annotations

import itertools

from django.urls import NoReverseMatch, reverse

from pathways import catalog
from pathways.models import LeftoverCredential
from pathways.views.wizard import step_keys

from .conftest import walk_routes


def post_only(route_name: str) -> bool:
    from .test_route_matrix import EXPECTED

    expected = EXPECTED.get(route_name)
    return bool(expected) and expected["GET"]["consultant"] == 405


def _choices(converter: str, landscape, key: str | None) -> list[str]:
    if converter == "code":
        return [str(landscape.code)]
    if converter == "key":
        return list(catalog.PATHWAYS)
    if converter == "step":
        return step_keys(landscape.pathways.get(key=key)) if key else ["method"]
    if converter == "run_code":
        return [str(code) for code in landscape.runs.values_list("code", flat=True)]
    if converter == "leftover_code":
        return [
            str(code)
            for code in LeftoverCredential.objects.filter(
                pathway__landscape=landscape, pathway__key=key
            ).values_list("code", flat=True)
        ]
    if converter == "encoding":
        return ["pem", "der"]
    if converter == "kind":
        return ["plan"]
    if converter == "name":
        return ["user"]
    raise AssertionError(f"the crawl has no values for <{converter}>; teach tests/security/crawl.py")


def get_urls(landscape) -> list[str]:
    urls: list[str] = []
    for route in walk_routes():
        if post_only(route.name):
            continue
        keys = list(catalog.PATHWAYS) if "key" in route.converters else [None]
        for key in keys:
            options = [(_choices(c, landscape, key) if c != "key" else [key]) for c in route.converters]
            for values in itertools.product(*options):
                try:
                    urls.append(reverse(route.name, kwargs=dict(zip(route.converters, values, strict=True))))
                except NoReverseMatch:
                    continue
    return sorted(set(urls))
