"""`manage.py pathway`: queues the same run as the page and, with --wait, follows it to the end."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def pathway_command(*args) -> str:
    out = StringIO()
    call_command("pathway", *args, stdout=out)
    return out.getvalue()


def test_apply_with_wait_prints_each_step_and_the_result(celery_worker, prepare, landscape):
    prepare("cpi_to_s4", "basic")
    output = pathway_command(
        "apply", landscape.name, "cpi_to_s4", "--method", "basic", "--wait", "--timeout", "60"
    )
    assert " 1. Read the remote state — succeeded" in output
    assert "Create User Credentials S4_BASIC — succeeded" in output
    assert "Applied and verified CPI → S/4HANA (basic)" in output


def test_method_option_switches_the_pathway_before_planning(celery_worker, prepare, landscape):
    prepare("s4_to_cpi", "basic")
    output = pathway_command(
        "plan", landscape.name, "s4_to_cpi", "--method", "certificate", "--wait", "--timeout", "60"
    )
    assert landscape.pathways.get(key="s4_to_cpi").method == "certificate"
    assert "Plan — succeeded" in output
    assert "Planned" in output


def test_a_failed_run_exits_non_zero_with_the_sap_message(celery_worker, prepare, landscape, add_fault):
    prepare("cpi_to_ssc", "basic")
    add_fault(kind="status", host="cpi", method="POST", path="UserCredentials", status=403)
    with pytest.raises(CommandError) as caught:
        pathway_command("apply", landscape.name, "cpi_to_ssc", "--wait", "--timeout", "60")
    assert "lacks the role CredentialsEdit" in str(caught.value)


def test_check_takes_a_landscape_only(celery_worker, landscape):
    output = pathway_command("check", landscape.name, "--wait", "--timeout", "60")
    assert "CPI API key: token and roles — succeeded" in output
    with pytest.raises(CommandError):
        pathway_command("check", landscape.name, "s4_to_cpi")


def test_unknown_landscape_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No landscape named 'nowhere'"):
        pathway_command("plan", "nowhere", "s4_to_cpi")
