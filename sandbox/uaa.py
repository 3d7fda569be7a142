"""The CF UAA (uaa.cf.<domain>): password and refresh-token grants for the `cf` client."""

from __future__ import annotations

import secrets

from .http import Response, json_response
from .tokens import basic_of

CF_TOKEN_SECONDS = 1199
CF_SCOPES = [
    "cloud_controller.read",
    "cloud_controller.write",
    "openid",
    "uaa.user",
    "cloud_controller.user_token",
    "password.write",
    "scim.read",
]


def bad_credentials() -> Response:
    """D-25: the password grant's failure body."""
    return json_response(401, {"error": "unauthorized", "error_description": "Bad credentials"})


def handle(ctx, req) -> Response:
    path = req.path.rstrip("/")
    if req.method == "GET" and path in ("", "/login", "/info"):
        return json_response(
            200,
            {
                "app": {"version": "77.0.0"},
                "links": {"uaa": ctx.landscape.uaa(), "login": ctx.landscape.uaa()},
                "prompts": {"username": ["text", "Email"], "password": ["password", "Password"]},
            },
        )
    if path != "/oauth/token" or req.method != "POST":
        return json_response(404, {"error": "not_found", "error_description": "Not Found"})
    client = basic_of(req.header("authorization"))
    form = req.form()
    if client is None:
        client = (form.get("client_id", ""), form.get("client_secret", ""))
    if client != ("cf", ""):
        return json_response(401, {"error": "invalid_client", "error_description": "Bad credentials"})
    grant = form.get("grant_type") or req.arg("grant_type")
    if grant == "password":
        user, tenant = _find_user(ctx, form.get("username", ""))
        if user is None or not _password_ok(user["password"], form.get("password", "")):
            return bad_credentials()
    elif grant == "refresh_token":
        claims = ctx.issuer.verify(form.get("refresh_token", ""))
        if not claims or claims.get("grant_type") != "refresh_token_holder":
            return json_response(
                401, {"error": "invalid_token", "error_description": "Invalid refresh token"}
            )
        user, tenant = _find_user(ctx, claims.get("user_name", ""))
        if user is None:
            return bad_credentials()
    else:
        return json_response(
            400, {"error": "unsupported_grant_type", "error_description": f"Unsupported grant type: {grant}"}
        )
    claims = {
        "client_id": "cf",
        "cid": "cf",
        "user_id": user["guid"],
        "user_name": user["username"],
        "sub": user["guid"],
        "origin": "sap.ids",
        "zid": "uaa",
        "grant_type": "password",
        "scope": CF_SCOPES,
        "iss": ctx.landscape.uaa() + "/oauth/token",
        "aud": ["cloud_controller", "openid", "cf", "uaa", "password", "scim"],
    }
    token, payload = ctx.issuer.issue(claims, CF_TOKEN_SECONDS)
    if ctx.issuer.issued_while_valid(f"uaa:{user['username']}", payload):
        req.context.setdefault("flags", []).append("token_while_valid")
    refresh, _ = ctx.issuer.issue(
        {
            "grant_type": "refresh_token_holder",
            "user_name": user["username"],
            "client_id": "cf",
            "nonce": secrets.token_hex(8),
        },
        30 * 24 * 3600,
    )
    return json_response(
        200,
        {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": CF_TOKEN_SECONDS,
            "refresh_token": refresh,
            "scope": " ".join(CF_SCOPES),
            "jti": payload["jti"],
        },
    )


def _find_user(ctx, username: str):
    for tenant in ctx.store.tenants.values():
        user = tenant["users"].get(username)
        if user:
            return user, tenant
    return None, None


def _password_ok(expected: str, given: str) -> bool:
    """D-26: a two-factor passcode appended to the password is ignored."""
    if secrets.compare_digest(expected, given):
        return True
    return given.startswith(expected) and given[len(expected) :].isdigit() and len(given) - len(expected) == 6
