"""Fixtures for the wire tests: the run fixtures (landscape on a fresh sandbox tenant, drafts)."""

from tests.runs.conftest import add_fault, issue_certificate, landscape, prepare  # noqa: F401
