"""Smoke: each page of the leads renders for a consultant."""

from django.urls import reverse


def test_pages_render(as_user, prod):
    client = as_user("consultant")
    for url in [reverse("overview"), reverse("overview_csv"), reverse("status_json"), reverse("api_tokens"),
                reverse("landscape", args=[prod.code]), reverse("landscape_export", args=[prod.code]),
                reverse("landscape_promote", args=[prod.code]),
                reverse("pathway_history", args=[prod.code, "cpi_to_s4"]),
                reverse("approval_panel", args=[prod.code, "cpi_to_s4"]),
                reverse("wizard_step", args=[prod.code, "cpi_to_s4", "review"])]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:2000])
