"""Apply is not offered while the landscape check found a right missing that the pathway needs."""

from django.urls import reverse

from pathways.models import Run

CHECKS = [
    {"name": "cpi_token", "status": "ok", "sentence": "The CPI API key obtained a token"},
    {"name": "cpi_role_MonitoringDataRead", "status": "ok", "sentence": "ok"},
    {
        "name": "cpi_role_CredentialsEdit",
        "status": "missing",
        "sentence": "The API key lacks the role CredentialsEdit; add it to the api-plan instance",
    },
    {"name": "cpi_role_SecurityMaterialEdit", "status": "ok", "sentence": "ok"},
    {"name": "cf_login", "status": "ok", "sentence": "ok"},
    {"name": "cf_space_developer", "status": "ok", "sentence": "ok"},
    {"name": "it_rt_plan", "status": "ok", "sentence": "ok"},
    {"name": "runtime", "status": "ok", "sentence": "ok"},
]


def failed_check(landscape):
    return Run.objects.create(
        landscape=landscape,
        kind="check",
        state="failed",
        message="1 of 8 checks found something missing",
        result={"ok": False, "checks": CHECKS},
    )


def review(landscape, key):
    return reverse("wizard_step", kwargs={"code": landscape.code, "key": key, "step": "review"})


def test_a_missing_role_blocks_only_the_pathways_that_need_it(as_user, landscape):
    failed_check(landscape)
    client = as_user("consultant")
    basic_outbound = client.get(review(landscape, "cpi_to_s4")).content.decode()
    assert (
        "lacks the role CredentialsEdit" in basic_outbound
        and 'aria-describedby="missing-rights"' in basic_outbound
    )
    inbound = client.get(review(landscape, "s4_to_cpi")).content.decode()
    assert "lacks the role CredentialsEdit" not in inbound


def test_apply_is_refused_with_the_reason_while_a_right_is_missing(as_user, landscape):
    failed_check(landscape)
    client = as_user("consultant")
    url = reverse("pathway_run", kwargs={"code": landscape.code, "key": "cpi_to_s4", "kind": "apply"})
    page = client.post(url, follow=True).content.decode()
    assert "Apply waits until the landscape has what this pathway needs" in page
    assert not Run.objects.filter(kind="apply").exists()


def test_the_landscape_page_shows_the_check_and_the_cards_that_are_not_ready(as_user, landscape):
    failed_check(landscape)
    page = as_user("viewer").get(reverse("landscape", args=[landscape.code])).content.decode()
    assert "1 of 8 checks found something missing" in page
    assert page.count("Not ready:") == 1
