"""Security fixtures: one landscape with a name that must never leak, its personas, a run, and route
walking.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from pathways.models import FoundParameter, IFlowParameter, ParameterRole, Run
from tests.factories import LandscapeFactory

LANDSCAPE_NAME = "Zephyr Canary Landscape 7Q"
PERSONAS = ("anonymous", "outsider", "viewer", "consultant", "lead")
SKIPPED_PREFIXES = ("admin/", "static/", "media/", "__debug__/")


@dataclass(frozen=True)
class Route:
    """One URL pattern of the configuration: its name, its full pattern text and its converter names."""

    name: str
    pattern: str
    converters: tuple[str, ...]


def walk_routes(patterns=None, prefix: str = "") -> list[Route]:
    """Every named route of the URL configuration, recursively through includes, without admin and static."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    routes: list[Route] = []
    for entry in patterns:
        text = prefix + str(entry.pattern)
        if text.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            routes.extend(walk_routes(entry.url_patterns, text))
        elif isinstance(entry, URLPattern):
            converters = tuple(getattr(entry.pattern, "converters", {}).keys())
            routes.append(Route(name=entry.name or f"<unnamed {text}>", pattern=text, converters=converters))
    return routes


@pytest.fixture
def landscape(db):
    """The canary landscape, with one discovered iFlow parameter (so the iFlows page offers its form)."""
    landscape = LandscapeFactory(name=LANDSCAPE_NAME, integration_packages="CanaryPackage")
    found = FoundParameter(
        package_id="CanaryPackage",
        flow_id="com.example.ReplicateToS4",
        flow_version="1.0.0",
        flow_name="Replicate Business Partner to S/4HANA",
        key="Receiver Credential Name",
        data_type="xsd:string",
        role=ParameterRole.CREDENTIAL_NAME,
        value="S4_OLD",
        guessed_pathway="cpi_to_s4",
    )
    IFlowParameter.record_discovery(landscape, [found])
    return landscape


@pytest.fixture
def run(landscape):
    pathway = landscape.pathways.get(key="cpi_to_s4")
    return Run.objects.create(
        landscape=landscape,
        pathway=pathway,
        kind="plan",
        state="succeeded",
        message="Planned: 1 to change, 0 to keep",
    )
