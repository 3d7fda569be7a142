"""Pure tests of the transport's building blocks: Retry-After, backoff, URL redaction, throttle, guard."""

import email.utils

import pytest

from pathways import redact
from pathways.sap.errors import SapError
from pathways.sap.http import (
    USER_AGENT,
    HostThrottle,
    RetryPolicy,
    SapHttp,
    is_localhost_name,
    parse_retry_after,
)


def test_retry_after_in_seconds_and_as_http_date():
    assert parse_retry_after("3") == 3.0
    moment = 1_700_000_000.0
    header = email.utils.formatdate(moment + 5, usegmt=True)
    assert parse_retry_after(header, now=moment) == pytest.approx(5.0)
    assert parse_retry_after(email.utils.formatdate(moment - 5, usegmt=True), now=moment) == 0.0


def test_missing_or_garbled_retry_after_gives_none():
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("soon") is None


def test_backoff_is_full_jitter_bounded_by_the_cap():
    policy = RetryPolicy(base=1.0, cap=60.0, random=lambda: 1.0)
    assert [policy.backoff(n) for n in (1, 2, 3, 7, 8)] == [1.0, 2.0, 4.0, 60.0, 60.0]
    assert RetryPolicy(random=lambda: 0.25).backoff(3) == 1.0


def test_retry_after_wins_over_backoff_but_not_over_the_cap():
    policy = RetryPolicy(cap=10.0, random=lambda: 1.0)
    assert policy.wait_for(1, 4.0) == 4.0
    assert policy.wait_for(1, 120.0) == 10.0
    assert policy.wait_for(2, None) == 2.0


def test_redacted_url_hides_secret_query_values_and_user_info():
    url = "https://cf:pw@uaa.example/oauth/token?grant_type=password&password=hunter2&client_secret=x&page=2"
    shown = redact.url(url)
    assert "hunter2" not in shown
    assert "pw@" not in shown
    assert "password=%2A%2A%2A" in shown or "password=***" in shown
    assert "page=2" in shown


def test_localhost_names_are_recognised():
    assert is_localhost_name("api.cf.sandbox.localhost")
    assert is_localhost_name("localhost")
    assert not is_localhost_name("localhost.example.com")
    assert not is_localhost_name(None)


def test_throttle_allows_eight_calls_per_second_then_waits():
    now = [0.0]
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    throttle = HostThrottle(8, clock=lambda: now[0], sleep=sleep)
    for _ in range(8):
        assert throttle.acquire("a.example") == 0.0
    assert throttle.acquire("b.example") == 0.0
    assert throttle.acquire("a.example") == pytest.approx(1.0)
    assert waits == [pytest.approx(1.0)]


def test_refused_destination_raises_before_any_call():
    http = SapHttp(url_guard=lambda url: not url.startswith("https://evil."))
    with pytest.raises(SapError, match="not allowed"):
        http.request("GET", "https://evil.example/")
    assert http.call_count == 0


def test_guard_that_raises_is_reported_with_its_reason():
    def guard(url):
        raise ValueError("private address")

    http = SapHttp(url_guard=guard)
    with pytest.raises(SapError, match="private address"):
        http.request("GET", "https://10.0.0.1/")


def test_non_web_addresses_are_refused():
    with pytest.raises(SapError, match="not a valid web address"):
        SapHttp().request("GET", "file:///etc/passwd")


def test_user_agent_names_authwizard_and_its_version():
    assert USER_AGENT.startswith("AuthWizard/0.1.0")
    assert SapHttp().session.headers["User-Agent"] == USER_AGENT


def test_defaults_follow_d12_and_every_call_has_both_timeouts():
    policy = RetryPolicy()
    assert (policy.base, policy.cap, policy.tries) == (1.0, 60.0, 5)
    http = SapHttp()
    assert http.timeouts.as_tuple() == (10.0, 60.0)
    assert http.throttle.rate == 8
    assert http.session.trust_env is False
