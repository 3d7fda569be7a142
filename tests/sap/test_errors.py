"""Pure tests of the translation of HTTP failures into SapError sentences."""

from pathways.sap.errors import SapError, translate_failure


def test_error_keeps_message_status_code_and_remote_text_apart():
    error = SapError("The key is gone", retryable=False, status=404, code="CF-X", remote_message="raw")
    assert str(error) == "The key is gone"
    assert (error.status, error.code, error.remote_message, error.retryable) == (404, "CF-X", "raw", False)
    assert "raw" not in repr(error)


def test_cf_title_chooses_the_sentence_not_the_detail():
    first = translate_failure(
        403, service="The Cloud Foundry API", code="CF-NotAuthorized", remote_message="x"
    )
    second = translate_failure(
        403, service="The Cloud Foundry API", code="CF-NotAuthorized", remote_message="y"
    )
    assert str(first) == str(second)
    assert "Space Developer" in str(first)
    assert first.remote_message == "x"


def test_unknown_guid_names_the_missing_resource():
    error = translate_failure(
        404, service="The Cloud Foundry API", what="the service key", code="CF-ResourceNotFound"
    )
    assert str(error) == "The service key was not found in Cloud Foundry"
    assert not error.retryable


def test_rate_limits_and_unavailability_are_retryable_but_client_errors_are_not():
    assert translate_failure(429, service="CPI").retryable
    assert translate_failure(503, service="CPI").retryable
    assert translate_failure(423, service="CPI").retryable
    for status in (400, 401, 403, 404, 409, 500):
        assert not translate_failure(status, service="CPI").retryable


def test_odata_code_falls_back_to_the_status_sentence():
    error = translate_failure(409, service="CPI", what="the User Credentials S4", code="Conflict")
    assert str(error) == "The User Credentials S4 conflicts with what already exists in CPI"
    assert error.code == "Conflict"


def test_unlisted_status_still_gives_a_sentence_with_the_number():
    assert str(translate_failure(418, service="CPI", what="the tea")) == "CPI answered HTTP 418 for the tea"
