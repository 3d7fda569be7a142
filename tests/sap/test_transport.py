"""The transport against the sandbox over HTTPS: retries, Retry-After, timeouts, drops, TLS, CA, log,
throttle.
"""

import email.utils
import time

import pytest
import urllib3.util.connection as urllib3_connection

from pathways.sap.errors import SapError
from pathways.sap.http import RetryPolicy, SapHttp, Timeouts, is_localhost_name

from .conftest import RecordingSleep


@pytest.fixture
def root(sandbox_tenant):
    return sandbox_tenant["cf_api"] + "/"


def transport(sandbox_tenant, sleeps, **overrides):
    options = {
        "ca_bundle": sandbox_tenant["ca_path"],
        "retry": RetryPolicy(base=0.001, cap=60.0, sleep=sleeps, random=lambda: 0.5),
        "timeouts": Timeouts(connect=2.0, read=5.0),
    }
    options.update(overrides)
    return SapHttp(**options)


def test_bursts_of_500_502_503_on_a_read_are_retried_until_it_succeeds(http, root, faults):
    for status in (500, 502, 503):
        faults.add(kind="status", host="cf", path="^/$", status=status, times=1)
    response = http.request("GET", root)
    assert response.status_code == 200
    assert [call.status for call in http.calls] == [500, 502, 503, 200]
    assert [call.attempt for call in http.calls] == [1, 2, 3, 4]


def test_retry_after_in_seconds_is_honoured(sandbox_tenant, root, faults):
    sleeps = RecordingSleep()
    client = transport(sandbox_tenant, sleeps)
    faults.add(kind="status", host="cf", path="^/$", status=429, retry_after=3, times=1)
    assert client.request("GET", root).status_code == 200
    assert sleeps.waits == [3.0]
    assert client.calls[1].waited_s == 3.0


def test_retry_after_as_http_date_is_honoured(sandbox_tenant, root, faults):
    sleeps = RecordingSleep()
    client = transport(sandbox_tenant, sleeps)
    faults.add(
        kind="status",
        host="cf",
        path="^/$",
        status=429,
        retry_after=email.utils.formatdate(time.time() + 20, usegmt=True),
    )
    assert client.request("GET", root).status_code == 200
    assert 17.0 <= sleeps.waits[0] <= 20.0


def test_429_without_retry_after_uses_jittered_backoff(sandbox_tenant, root, faults):
    sleeps = RecordingSleep()
    client = transport(sandbox_tenant, sleeps)
    faults.add(kind="status", host="cf", path="^/$", status=429, times=2)
    assert client.request("GET", root).status_code == 200
    assert sleeps.waits == [0.0005, 0.001]


def test_client_errors_are_returned_at_once_without_retry(http, root, faults):
    for status in (400, 401, 403, 404, 409):
        faults.add(kind="status", host="cf", path="^/$", status=status, times=1)
        assert http.request("GET", root).status_code == status
    assert [call.attempt for call in http.calls] == [1, 1, 1, 1, 1]


def test_500_on_a_write_is_not_retried(cf, http, faults):
    faults.add(kind="status", host="uaa", method="POST", status=500, times=1)
    with pytest.raises(SapError) as caught:
        cf.login()
    assert caught.value.status == 500
    assert http.call_count == 1


def test_503_on_a_write_is_retried(cf, http, faults):
    faults.add(kind="status", host="uaa", method="POST", status=503, times=2)
    cf.login()
    assert [call.status for call in http.calls] == [503, 503, 200]


def test_persistent_unavailability_stops_after_five_tries_with_a_retryable_error(cf, space, http, faults):
    faults.add(kind="status", host="cf", path="^/v3/service_instances$", status=503, times=None)
    before = http.call_count
    with pytest.raises(SapError) as caught:
        cf.find_instance(space.guid, "x")
    assert caught.value.retryable
    assert caught.value.status == 503
    assert http.call_count - before == 5


def test_read_timeout_is_retried(sandbox_tenant, root, faults, sleeps):
    client = transport(sandbox_tenant, sleeps, timeouts=Timeouts(connect=2.0, read=1.0))
    faults.add(kind="hang", host="cf", path="^/$", seconds=3.0, status=200, times=1)
    assert client.request("GET", root).status_code == 200
    assert [call.error for call in client.calls] == ["timeout", None]


def test_dropped_connection_is_retried(http, root, faults):
    faults.add(kind="drop", host="cf", path="^/$", times=1)
    assert http.request("GET", root).status_code == 200
    assert [call.error for call in http.calls] == ["connection failed", None]


def test_connection_failures_give_up_after_five_tries_as_retryable(http, root, faults):
    faults.add(kind="drop", host="cf", path="^/$", times=None)
    with pytest.raises(SapError) as caught:
        http.request("GET", root, service="The Cloud Foundry API")
    assert caught.value.retryable
    assert caught.value.code == "connection failed"
    assert "after 5 attempts" in str(caught.value)
    assert http.call_count == 5


def test_tls_failure_is_not_retried(sandbox_tenant, root, sleeps):
    client = transport(sandbox_tenant, sleeps, ca_bundle=None)
    with pytest.raises(SapError) as caught:
        client.request("GET", root)
    assert caught.value.code == "tls"
    assert not caught.value.retryable
    assert client.call_count == 1
    assert sleeps.waits == []


def test_requests_ca_bundle_in_the_environment_does_not_override_the_landscape_ca(
    sandbox_tenant, root, sleeps, monkeypatch
):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("CURL_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    assert transport(sandbox_tenant, sleeps).request("GET", root).status_code == 200
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sandbox_tenant["ca_path"])
    wrong_landscape_ca = transport(sandbox_tenant, sleeps, ca_bundle=sandbox_tenant["client_ca_path"])
    with pytest.raises(SapError) as caught:
        wrong_landscape_ca.request("GET", root)
    assert caught.value.code == "tls"


def test_localhost_names_reach_loopback_without_any_global_resolution_patch(http, root, monkeypatch):
    current = urllib3_connection.create_connection
    seen = []

    def refuse_localhost_names(address, *args, **kwargs):
        seen.append(address[0])
        if is_localhost_name(address[0]):
            raise OSError(f"name {address[0]} would need resolving")
        return current(address, *args, **kwargs)

    monkeypatch.setattr(urllib3_connection, "create_connection", refuse_localhost_names)
    assert http.request("GET", root).status_code == 200
    assert seen == ["127.0.0.1"]


def test_call_log_has_method_redacted_url_status_and_duration(http, root, cf):
    http.request("GET", root, params={"password": "hunter2", "page": "1"})
    cf.login()
    first = http.calls[0]
    assert first.method == "GET"
    assert first.status == 200
    assert first.duration_ms > 0
    assert "hunter2" not in first.url
    assert "page=1" in first.url
    assert cf._password not in repr(http.calls)
    assert http.call_count == 2


def test_cpi_calls_stay_under_eight_per_second_per_tenant_host(cpi, http):
    for _ in range(12):
        cpi.service_endpoints()
    cpi_calls = [call for call in http.calls if "ServiceEndpoints" in call.url]
    assert [call.status for call in cpi_calls] == [200] * 12
    starts = [call.started_at for call in cpi_calls]
    for index in range(len(starts) - 8):
        assert starts[index + 8] - starts[index] >= 0.99
    assert sum(call.waited_s for call in cpi_calls) > 0


def test_redirects_are_returned_not_followed(http, root, faults):
    faults.add(
        kind="status", host="cf", path="^/$", status=302, headers={"Location": "https://elsewhere.example/"}
    )
    response = http.request("GET", root)
    assert response.status_code == 302
    assert http.call_count == 1


def test_every_request_url_passes_the_destination_guard(sandbox_tenant, sleeps, cf, space):
    seen = []

    def guard(url):
        seen.append(url)
        return "sandbox.localhost" in url

    guarded = transport(sandbox_tenant, sleeps, url_guard=guard)
    cf.http = guarded
    cf.find_instance(space.guid, "x")
    assert seen and all(url.startswith(sandbox_tenant["cf_api"]) for url in seen)
    with pytest.raises(SapError, match="not allowed"):
        guarded.request("GET", "https://example.com/")
