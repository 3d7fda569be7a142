"""The running sandbox's shared parts (store, knobs, CAs, URLs, tokens) handed to every API module."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .hosts import Landscape
from .http import Request
from .knobs import Knobs
from .state import Store
from .tls import Authorities
from .tokens import TokenIssuer, bearer_of


@dataclass
class Sandbox:
    state_dir: Path
    store: Store
    knobs: Knobs
    authorities: Authorities
    landscape: Landscape
    issuer: TokenIssuer

    def authenticate(self, req: Request) -> tuple[str, dict | None]:
        """('missing', None), ('invalid', None) or ('ok', claims) for the request's bearer token.

        An `expire_token` fault matching the request revokes the presented token, as if it had expired.
        """
        token = bearer_of(req.header("authorization"))
        if token is None:
            return "missing", None
        if self.knobs.take(
            "expire_token", host=req.kind, method=req.method, path=req.path, subdomain=req.subdomain
        ):
            self.issuer.revoke(token)
        claims = self.issuer.verify(token)
        return ("ok", claims) if claims else ("invalid", None)

    def job_polls(self) -> int:
        return self.knobs.job_polls

    def job_seconds(self) -> float:
        return self.knobs.job_seconds

    def deploy_polls(self) -> int:
        return self.knobs.deploy_polls
