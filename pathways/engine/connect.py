"""One run's connection to a landscape: transport (CA bundle, SSRF guard), CF and CPI clients, tuning,
heartbeat.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _

from pathways import netguard
from pathways.engine.shared import cpi_throttle, shared_tokens
from pathways.errors import EngineError
from pathways.sap.cloudfoundry import CloudFoundry, JobPolling, Space
from pathways.sap.content import ContentClient
from pathways.sap.cpi import CpiClient, DeployWait
from pathways.sap.errors import SapError
from pathways.sap.http import RetryPolicy, SapHttp, Timeouts
from pathways.sap.keys import ServiceKey
from pathways.sap.xsuaa import TokenClient

if TYPE_CHECKING:
    from pathways.models import Landscape


@dataclass(frozen=True)
class Tuning:
    """Waiting behaviour of remote work; the defaults follow D-12/D-18/D-28, tests shorten them in
    settings.
    """

    job_poll_seconds: float = 0.25
    job_poll_max_seconds: float = 10.0
    job_poll_min_seconds: float = 0.2
    deploy_poll_seconds: float = 0.25
    retry_base_seconds: float = 1.0
    retry_tries: int = 5
    connect_timeout: float = 10.0
    read_timeout: float = 60.0

    @classmethod
    def from_settings(cls) -> Tuning:
        return cls(
            job_poll_seconds=float(settings.AUTHWIZARD_JOB_POLL_SECONDS),
            job_poll_max_seconds=float(settings.AUTHWIZARD_JOB_POLL_MAX_SECONDS),
            job_poll_min_seconds=float(settings.AUTHWIZARD_JOB_POLL_MIN_SECONDS),
            deploy_poll_seconds=float(settings.AUTHWIZARD_DEPLOY_POLL_SECONDS),
            retry_base_seconds=float(settings.AUTHWIZARD_RETRY_BASE_SECONDS),
            retry_tries=int(settings.AUTHWIZARD_RETRY_TRIES),
            connect_timeout=float(settings.AUTHWIZARD_CONNECT_TIMEOUT),
            read_timeout=float(settings.AUTHWIZARD_READ_TIMEOUT),
        )


def guard_destination(url: str) -> bool:
    """The transport's check before a call: what the SSRF guard can tell without DNS, as a SapError."""
    try:
        netguard.check_url(url, lookup=False)
    except netguard.UnsafeURL as error:
        raise SapError(
            _("The address is not allowed: %(error)s") % {"error": error}, code="unsafe_url"
        ) from error
    return True


def guarded_addresses(host: str, port: int) -> list[str]:
    """The transport's resolver: the addresses the guard approves when the connection is opened."""
    try:
        return netguard.connect_addresses(host, port)
    except netguard.UnsafeURL as error:
        raise SapError(
            _("The address is not allowed: %(error)s") % {"error": error}, code="unsafe_url"
        ) from error


def landscape_secret(landscape: Landscape, name: str) -> str:
    from pathways.models import Secret

    secret = Secret.lookup(landscape=landscape, name=name)
    return secret.reveal() if secret else ""


def cpi_api_key(landscape: Landscape) -> ServiceKey:
    """The landscape's `api`-plan key, with its secret (or private key) from the vault."""
    if not (landscape.cpi_api_url and landscape.cpi_token_url and landscape.cpi_client_id):
        raise EngineError(
            _("The landscape has no CPI API key yet; paste the api-plan service key in its settings"),
            code="not_configured",
        )
    secret = landscape_secret(landscape, "cpi_secret")
    if landscape.cpi_auth == "certificate":
        return ServiceKey(
            clientid=landscape.cpi_client_id,
            url=landscape.cpi_api_url,
            tokenurl=landscape.cpi_token_url,
            certificate=landscape.cpi_certificate or None,
            key=secret or None,
        )
    if not secret:
        raise EngineError(
            _("The landscape's CPI client secret is not stored; enter it in the landscape settings"),
            code="not_configured",
        )
    return ServiceKey(
        clientid=landscape.cpi_client_id,
        url=landscape.cpi_api_url,
        tokenurl=landscape.cpi_token_url,
        clientsecret=secret,
    )


class Connection:
    """Everything remote for one run, sharing one SapHttp (so the run's HTTP calls are counted once)."""

    def __init__(
        self,
        landscape: Landscape,
        *,
        heartbeat: Callable[[], None] | None = None,
        tuning: Tuning | None = None,
    ) -> None:
        self.landscape = landscape
        self.tuning = tuning or Tuning.from_settings()
        self._heartbeat = heartbeat or (lambda: None)
        self.http = SapHttp(
            trust_pem=landscape.ca_bundle or "",
            timeouts=Timeouts(connect=self.tuning.connect_timeout, read=self.tuning.read_timeout),
            retry=RetryPolicy(
                base=self.tuning.retry_base_seconds, tries=self.tuning.retry_tries, sleep=self.sleep
            ),
            url_guard=guard_destination,
            resolver=guarded_addresses,
            throttle=cpi_throttle(),
        )
        self.shared_tokens = shared_tokens()
        self.tokens = TokenClient(self.http, shared=self.shared_tokens)
        self._space: Space | None = None
        self._plan_guid: str | None = None

    def sleep(self, seconds: float) -> None:
        """Waits between polls and retries keep the run's heartbeat fresh."""
        self._heartbeat()
        time.sleep(seconds)

    def heartbeat(self) -> None:
        self._heartbeat()

    @property
    def call_count(self) -> int:
        return self.http.call_count

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- clients -----------------------------------------------------------------------------------------

    @cached_property
    def cf(self) -> CloudFoundry:
        landscape = self.landscape
        if not (landscape.cf_api_url and landscape.cf_user):
            raise EngineError(
                _("The landscape has no Cloud Foundry API address or user yet"), code="not_configured"
            )
        return CloudFoundry(
            self.http,
            landscape.cf_api_url,
            username=landscape.cf_user,
            password=landscape_secret(landscape, "cf_password"),
            uaa_url=landscape.cf_uaa_url or None,
            polling=JobPolling(
                first_interval=self.tuning.job_poll_seconds,
                max_interval=max(self.tuning.job_poll_seconds, self.tuning.job_poll_max_seconds),
                min_interval=self.tuning.job_poll_min_seconds,
                sleep=self.sleep,
            ),
            tokens=self.shared_tokens,
        )

    @cached_property
    def cpi(self) -> CpiClient:
        return CpiClient(
            self.http,
            cpi_api_key(self.landscape),
            tokens=self.tokens,
            deploy_wait=DeployWait(
                interval=self.tuning.deploy_poll_seconds,
                max_interval=max(self.tuning.deploy_poll_seconds, self.tuning.job_poll_max_seconds),
                sleep=self.sleep,
            ),
        )

    @cached_property
    def content(self) -> ContentClient:
        """The integration content and message monitoring client, on the same `api`-plan key as `cpi`."""
        return ContentClient(
            self.http,
            cpi_api_key(self.landscape),
            tokens=self.tokens,
            polling=JobPolling(
                first_interval=self.tuning.deploy_poll_seconds,
                max_interval=max(self.tuning.deploy_poll_seconds, min(3.0, self.tuning.job_poll_max_seconds)),
                min_interval=self.tuning.job_poll_min_seconds,
                instance_timeout=300.0,
                sleep=self.sleep,
            ),
        )

    def space(self) -> Space:
        if self._space is None:
            self._space = self.cf.find_space(self.landscape.cf_org, self.landscape.cf_space)
        return self._space

    def integration_flow_plan_guid(self) -> str:
        if self._plan_guid is None:
            self._plan_guid = self.cf.find_service_plan("it-rt", "integration-flow").guid
        return self._plan_guid
