"""The SAP clients' one error type, and HTTP failures as sentences a consultant can act on."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pathways.wording import gettext, gettext_noop

# The one list of HTTP statuses worth another try: the transport retries them (reads also a 500), and a run
# that failed on one of them, or on a locked keystore (423), says it may simply be resumed.
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
RETRYABLE_STATUSES_FOR_READS = RETRYABLE_STATUSES | {500}
RESUMABLE_STATUSES = RETRYABLE_STATUSES | {423}
T = TypeVar("T")

_CF_TITLE_MESSAGES = {
    "CF-InvalidAuthToken": gettext_noop("the Cloud Foundry login has expired or is invalid; log in again"),
    "CF-NotAuthenticated": gettext_noop("the Cloud Foundry API was called without a login"),
    "CF-NotAuthorized": gettext_noop(
        "the Cloud Foundry user is not allowed to do this (a Space Developer role is needed)"
    ),
    "CF-ResourceNotFound": gettext_noop("{what} was not found in Cloud Foundry"),
    "CF-BadQueryParameter": gettext_noop("the Cloud Foundry API refused a query parameter"),
    "CF-MessageParseError": gettext_noop("the Cloud Foundry API could not read the request body"),
    "CF-UnprocessableEntity": gettext_noop("Cloud Foundry refused the request for {what}"),
    "CF-RateLimitExceeded": gettext_noop(
        "the Cloud Foundry API rate limit was reached; try again in a minute"
    ),
    "CF-ServiceUnavailable": gettext_noop("the Cloud Foundry platform is unavailable; try again later"),
    "CF-UnableToPerform": gettext_noop("the service broker could not complete the operation on {what}"),
    "CF-ServiceFetchInstanceParametersNotSupported": gettext_noop(
        "the service does not allow reading instance parameters"
    ),
    "CF-ServiceFetchBindingParametersNotSupported": gettext_noop(
        "the service does not allow reading key parameters"
    ),
}

_STATUS_MESSAGES = {
    400: gettext_noop("{service} refused the request for {what} as invalid"),
    401: gettext_noop("{service} did not accept the credentials (wrong or expired)"),
    403: gettext_noop("{service} denied access to {what}: the caller lacks a role"),
    404: gettext_noop("{what} was not found"),
    405: gettext_noop("{service} does not allow this operation on {what}"),
    409: gettext_noop("{what} conflicts with what already exists in {service}"),
    410: gettext_noop("{what} is gone from {service}"),
    412: gettext_noop("{what} was changed at the same time by someone else; try again"),
    413: gettext_noop("{what} is too large for {service}"),
    415: gettext_noop("{service} could not read the format sent for {what}"),
    422: gettext_noop("{service} could not process the request for {what}"),
    423: gettext_noop("the keystore in {service} is locked by another user; try again in a minute"),
    429: gettext_noop("{service} is receiving too many requests; try again in a minute"),
    500: gettext_noop("{service} failed with an internal error while handling {what}"),
    502: gettext_noop("{service} is unreachable behind its gateway; try again later"),
    503: gettext_noop("{service} is temporarily unavailable; try again later"),
    504: gettext_noop("{service} did not answer in time; try again later"),
}


class SapError(Exception):
    """A failed remote call, with a sentence a consultant can act on and the remote details kept aside."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        status: int | None = None,
        code: str | None = None,
        remote_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.status = status
        self.code = code
        self.remote_message = remote_message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        details = f"retryable={self.retryable}, status={self.status}, code={self.code!r}"
        return f"SapError({self.message!r}, {details})"


def translate_failure(
    status: int,
    *,
    service: str,
    what: str = "the resource",
    code: str | None = None,
    remote_message: str | None = None,
) -> SapError:
    """Turn an HTTP status plus the API's error code (CF `title` or OData `code`) into a SapError.

    The remote free text is never used to choose the sentence (D-27); it is kept in `remote_message`.
    """
    template = _CF_TITLE_MESSAGES.get(code or "") or _STATUS_MESSAGES.get(status)
    if template is None:
        template = gettext_noop("{service} answered HTTP {status} for {what}")
    message = gettext(template).format(service=service, what=what, status=status)
    message = message[0].upper() + message[1:]
    return SapError(
        message,
        retryable=status in RESUMABLE_STATUSES,
        status=status,
        code=code,
        remote_message=remote_message,
    )


def outcome_unknown(error: SapError) -> bool:
    """True when a write may or may not have been carried out (a 502/504 or a connection lost after it was
    sent): the caller reads the remote state before deciding to send it again."""
    return error.code == "write_outcome_unknown" or error.status in (502, 504)


def send_once(
    send: Callable[[], T],
    landed: Callable[[], T | None],
    *,
    tries: int = 3,
    pause: Callable[[int], None] = lambda attempt: None,
) -> T:
    """Send a write; when its outcome is unknown, read the remote state with `landed` and send it again
    (after `pause(attempt)`, up to `tries` sends) only when the write is not there: never a duplicate,
    never a false "already exists"."""
    for attempt in range(1, max(1, tries) + 1):
        try:
            return send()
        except SapError as error:
            if not outcome_unknown(error) or attempt >= tries:
                raise
        found = landed()
        if found is not None:
            return found
        pause(attempt)
    raise AssertionError("unreachable: the last try returns or raises")
