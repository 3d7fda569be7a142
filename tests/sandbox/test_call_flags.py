"""The sandbox flags wasteful calls in its call log: tokens and CSRF tokens fetched while the previous one
still works, and OData calls that do not ask for JSON."""

import requests

from pathways.sap.keys import parse_service_key


def _calls_after(server, seq: int) -> list[dict]:
    return server.calls(since=seq)


def _last_seq(server) -> int:
    calls = server.calls()
    return calls[-1]["seq"] if calls else 0


def _token(session: requests.Session, key) -> str:
    response = session.post(
        key.tokenurl,
        data={
            "grant_type": "client_credentials",
            "client_id": key.clientid,
            "client_secret": key.clientsecret,
        },
        headers={"Accept": "application/json"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def test_second_token_fetch_while_the_first_is_valid_is_flagged(sandbox_server, sandbox_tenant):
    key = parse_service_key(sandbox_tenant["api_key"])
    session = sandbox_server.session()
    seq = _last_seq(sandbox_server)
    _token(session, key)
    _token(session, key)
    fetches = [c for c in _calls_after(sandbox_server, seq) if c["path"].startswith("/oauth/token")]
    assert [c["flags"] for c in fetches] == [[], ["token_while_valid"]]


def test_csrf_fetch_while_the_previous_works_and_odata_without_json_are_flagged(
    sandbox_server, sandbox_tenant
):
    key = parse_service_key(sandbox_tenant["api_key"])
    session = sandbox_server.session()
    bearer = {"Authorization": "Bearer " + _token(session, key), "User-Agent": "probe/1"}
    root = sandbox_tenant["cpi_api_url"].rstrip("/") + "/api/v1/"
    seq = _last_seq(sandbox_server)
    session.get(root, headers={**bearer, "X-CSRF-Token": "Fetch", "Accept": "application/json"}, timeout=10)
    session.get(root, headers={**bearer, "X-CSRF-Token": "Fetch"}, timeout=10)
    fetches = [c for c in _calls_after(sandbox_server, seq) if c["kind"] == "cpi"]
    assert [c["flags"] for c in fetches] == [[], ["no_accept_json", "csrf_while_valid"]]
    assert {c["user_agent"] for c in fetches} == {"probe/1"}
