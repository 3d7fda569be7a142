"""Hand-off tests use the landscape on a fresh sandbox tenant and the drafts from tests/fixtures."""
