"""Shared test set-up: fixtures from tests/fixtures are plugins, so every test module can use them."""

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
