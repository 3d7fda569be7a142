"""Hand-off tests reuse the run fixtures: a landscape on a fresh sandbox tenant and drafts per combination."""

from tests.runs.conftest import landscape  # noqa: F401
