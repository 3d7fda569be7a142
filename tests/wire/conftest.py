"""Fixtures for the wire tests: the run fixtures (landscape on a fresh sandbox tenant, drafts)."""

from tests.runs.conftest import add_fault  # noqa: F401 - a fixture; landscape, prepare and issue_certificate are global
