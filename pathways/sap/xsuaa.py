"""XSUAA client-credentials tokens, by client secret or by client certificate (mTLS), shared while fresh."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from pathways.wording import gettext as _
from pathways.wording import gettext_noop

from .errors import SapError, translate_failure
from .http import SapHttp
from .keys import ServiceKey
from .tlsfiles import client_certificate_files
from .tokencache import MemoryStore, SharedTokens

TOKEN_EARLY_EXPIRY_S = 60
SERVICE = gettext_noop("The token service (XSUAA)")


def decode_jwt_payload(token: str) -> dict[str, Any]:
    """The JSON payload of a JWT, without checking its signature; {} when the token is not a JWT."""
    parts = token.split(".")
    if len(parts) < 2:
        return {}
    segment = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        payload = json.loads(base64.urlsafe_b64decode(segment.encode("ascii")))
    except (ValueError, UnicodeError):
        return {}
    return payload if isinstance(payload, dict) else {}


def role_name(scope: str) -> str:
    """A scope's role name: the part after the last `.` (`it-rt-x!b1.ESBMessaging.send` → `send`)."""
    return scope.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class AccessToken:
    """A bearer token with its scopes; the token text stays out of repr()."""

    access_token: str = field(repr=False)
    token_type: str
    expires_in: int
    obtained_at: float
    scopes: tuple[str, ...]
    claims: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def role_names(self) -> tuple[str, ...]:
        return tuple(sorted({role_name(scope) for scope in self.scopes}))

    def has_role(self, role: str) -> bool:
        return role in self.role_names or any(scope.endswith("." + role) for scope in self.scopes)

    def authorization_header(self) -> str:
        return f"Bearer {self.access_token}"

    def usable_at(self, moment: float) -> bool:
        """True until `expires_in − 60 s` after it was obtained."""
        return moment < self.obtained_at + self.expires_in - TOKEN_EARLY_EXPIRY_S

    def to_json(self) -> dict[str, Any]:
        """What a token cache keeps (sealed by the cache); the claims are read again from the JWT."""
        return {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "obtained_at": self.obtained_at,
            "scopes": list(self.scopes),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AccessToken:
        return cls(
            access_token=str(data["access_token"]),
            token_type=str(data["token_type"]),
            expires_in=int(data["expires_in"]),
            obtained_at=float(data["obtained_at"]),
            scopes=tuple(data["scopes"]),
            claims=decode_jwt_payload(str(data["access_token"])),
        )


def token_from_response(response: requests.Response, *, obtained_at: float) -> AccessToken:
    """Read a 200 OAuth token answer; any 400/401 means bad credentials (D-25)."""
    if response.status_code in (400, 401):
        description = _oauth_error(response)
        raise SapError(
            _("The token service refused the client credentials (%(reason)s); check the service key")
            % {"reason": description or _("bad credentials")},
            status=response.status_code,
            code="invalid_client",
            remote_message=description,
        )
    if response.status_code != 200:
        raise translate_failure(response.status_code, service=_(SERVICE), what=_("the token request"))
    try:
        body = response.json()
        access_token = body["access_token"]
    except (ValueError, KeyError, TypeError) as exc:
        raise SapError(_("The token service answered without an access token")) from exc
    claims = decode_jwt_payload(access_token)
    scope_text = body.get("scope")
    if isinstance(scope_text, str) and scope_text.strip():
        scopes = tuple(scope_text.split())
    else:
        claim_scopes = claims.get("scope") or []
        scopes = tuple(claim_scopes) if isinstance(claim_scopes, list) else tuple(str(claim_scopes).split())
    return AccessToken(
        access_token=access_token,
        token_type=str(body.get("token_type") or "bearer"),
        expires_in=int(body.get("expires_in") or 0),
        obtained_at=obtained_at,
        scopes=scopes,
        claims=claims,
    )


def _oauth_error(response: requests.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    return body.get("error_description") or body.get("error")


class TokenClient:
    """Gets client-credentials tokens, shared per (token URL, client id, credential) through `shared`.

    Without `shared` the tokens live as long as this client (one run); the app passes the landscape-wide
    cache of `pathways.engine.shared`, so every run and worker reuses a token until 90 % of its life.
    """

    def __init__(
        self,
        http: SapHttp,
        *,
        clock: Callable[[], float] = time.time,
        shared: SharedTokens | None = None,
    ) -> None:
        self.http = http
        self.clock = clock
        self.shared = shared or SharedTokens(store=MemoryStore(clock=clock), clock=clock)
        self._names: dict[tuple[str, str], tuple[str, AccessToken]] = {}

    def _obtain(
        self,
        tokenurl: str,
        clientid: str,
        credential: str,
        fetch: Callable[[], AccessToken],
        fresh: bool = False,
    ) -> AccessToken:
        """The shared token for this credential; `fresh` fetches anew (a verification proves the credential
        works now, which a token issued earlier in its life does not)."""
        name = self.shared.name(tokenurl, clientid, credential)
        if fresh:
            self.shared.drop(name)
        token = self.shared.get(name, fetch)
        self._names[(tokenurl, clientid)] = (name, token)
        return token

    def invalidate(self, tokenurl: str, clientid: str) -> None:
        """Forget the token used for this client, e.g. after a resource server answered 401."""
        found = self._names.pop((tokenurl, clientid), None)
        if found is not None:
            self.shared.drop(*found)

    def by_secret(
        self, tokenurl: str, clientid: str, clientsecret: str, *, fresh: bool = False
    ) -> AccessToken:
        """POST the client-credentials grant with id and secret as form fields (XSUAA accepts both forms)."""

        def fetch() -> AccessToken:
            response = self.http.request(
                "POST",
                tokenurl,
                service=_(SERVICE),
                idempotent=True,
                headers={"Accept": "application/json"},
                data={
                    "grant_type": "client_credentials",
                    "client_id": clientid,
                    "client_secret": clientsecret,
                },
            )
            return token_from_response(response, obtained_at=self.clock())

        return self._obtain(tokenurl, clientid, "secret\0" + clientsecret, fetch, fresh)

    def by_certificate(
        self, mtls_tokenurl: str, clientid: str, certificate_pem: str, key_pem: str, *, fresh: bool = False
    ) -> AccessToken:
        """POST the client-credentials grant over mTLS to the `authentication.cert.` host (D-04)."""

        def fetch() -> AccessToken:
            with client_certificate_files(certificate_pem, key_pem) as cert:
                response = self.http.request(
                    "POST",
                    mtls_tokenurl,
                    service=_(SERVICE),
                    idempotent=True,
                    headers={"Accept": "application/json"},
                    data={"grant_type": "client_credentials", "client_id": clientid},
                    cert=cert,
                )
            return token_from_response(response, obtained_at=self.clock())

        return self._obtain(
            mtls_tokenurl, clientid, "certificate\0" + certificate_pem + key_pem, fetch, fresh
        )

    def for_key(self, key: ServiceKey) -> AccessToken:
        """A token for a parsed key: by secret when it has one, else by its certificate and private key."""
        if key.clientsecret:
            return self.by_secret(key.tokenurl, key.clientid, key.clientsecret)
        if key.certificate and key.key:
            return self.by_certificate(key.mtls_tokenurl, key.clientid, key.certificate, key.key)
        raise SapError(
            _("The service key has neither a client secret nor a private key, so it cannot fetch a token")
        )

    def invalidate_key(self, key: ServiceKey) -> None:
        self.invalidate(key.tokenurl, key.clientid)
        self.invalidate(key.mtls_tokenurl, key.clientid)
