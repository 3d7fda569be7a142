"""Shared test set-up: fixtures from tests/fixtures are plugins, so every test module can use them."""

import pytest

pytest_plugins = [
    "tests.fixtures.browser_env",
    "tests.fixtures.output",
    "tests.fixtures.sandbox",
    "tests.fixtures.personas",
    "tests.fixtures.landscapes",
    "tests.fixtures.drafts",
]


def pytest_configure(config):
    """The German catalogue compiled as the install step does (`manage.py translations compile`)."""
    import django
    from django.conf import settings

    if settings.configured:
        django.setup()
        from pathways import translations

        translations.compile_all()


@pytest.fixture(autouse=True)
def site_language():
    """Each test starts in the site's language: a request in German leaves its language active in the
    thread (as Django does), which must not leak into the next test's non-request code."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
