"""Shared test set-up: fixtures from tests/fixtures are plugins, so every test module can use them."""

pytest_plugins = [
    "tests.fixtures.browser_env",
    "tests.fixtures.output",
    "tests.fixtures.sandbox",
    "tests.fixtures.personas",
    "tests.fixtures.landscapes",
    "tests.fixtures.drafts",
]
