"""Cloud Foundry v3 client for it-rt: UAA login, org/space/role checks, plans, instances, keys and jobs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import requests

from pathways.wording import gettext as _
from pathways.wording import gettext_noop

from .errors import SapError, send_once, translate_failure
from .http import SapHttp, parse_retry_after
from .keys import ServiceKey, parse_service_key
from .tokencache import SharedTokens
from .xsuaa import AccessToken, decode_jwt_payload

SERVICE = gettext_noop("The Cloud Foundry API")
JOB_COMPLETE = "COMPLETE"
JOB_FAILED = "FAILED"


@dataclass
class JobPolling:
    """How async work is polled: the first poll 0.25 s after the write, then each poll at twice the time
    since the write (0.25, 0.5, 1, 2, 4 … s), so the gap between polls doubles after the first, up to
    `max_interval`; a `Retry-After` from the server is honoured; never faster than `min_interval` (0.2 s)
    on the same job. Timeouts (D-28): 15 min for instances, 5 min for keys.
    """

    first_interval: float = 0.25
    max_interval: float = 10.0
    factor: float = 2.0
    min_interval: float = 0.2
    instance_timeout: float = 900.0
    key_timeout: float = 300.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def waits(self) -> Iterator[float]:
        """The successive waits before each poll (start to start), before any `Retry-After` is applied:
        0.25, 0.25, 0.5, 1, 2 … s, each wait making the time since the write `factor` times longer."""
        elapsed, interval = 0.0, self.first_interval
        while True:
            yield interval
            elapsed += interval
            interval = min(self.max_interval, elapsed * (self.factor - 1))

    def wait(self, planned: float, retry_after: float | None, since: float | None = None) -> float:
        """Sleep before the next poll: the planned wait, or the server's `Retry-After` when longer (up to
        `max_interval`), never less than the floor; returns the seconds slept.

        `since` (this clock) is when the previous poll, or the write, was sent: the planned wait runs from
        then, start to start, so a slow answer is not waited for twice. A `Retry-After` runs from now.
        """
        seconds = planned if retry_after is None else max(planned, min(retry_after, self.max_interval))
        seconds = max(seconds, self.min_interval)
        if since is not None and retry_after is None:
            seconds -= self.clock() - since
        if seconds <= 0:
            return 0.0
        self.sleep(seconds)
        return seconds


@dataclass(frozen=True)
class Organization:
    guid: str
    name: str


@dataclass(frozen=True)
class Space:
    guid: str
    name: str
    organization_guid: str | None


@dataclass(frozen=True)
class ServicePlan:
    guid: str
    name: str
    offering_name: str


@dataclass(frozen=True)
class LastOperation:
    type: str | None
    state: str | None
    description: str | None

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> LastOperation | None:
        if not data:
            return None
        return cls(type=data.get("type"), state=data.get("state"), description=data.get("description"))


@dataclass(frozen=True)
class ServiceInstance:
    guid: str
    name: str
    space_guid: str | None
    plan_guid: str | None
    last_operation: LastOperation | None
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def in_progress(self) -> bool:
        return self.last_operation is not None and self.last_operation.state == "in progress"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ServiceInstance:
        relationships = data.get("relationships") or {}
        return cls(
            guid=data["guid"],
            name=data["name"],
            space_guid=((relationships.get("space") or {}).get("data") or {}).get("guid"),
            plan_guid=((relationships.get("service_plan") or {}).get("data") or {}).get("guid"),
            last_operation=LastOperation.from_json(data.get("last_operation")),
            labels=dict(((data.get("metadata") or {}).get("labels")) or {}),
        )


@dataclass(frozen=True)
class KeyBinding:
    """A service key (credential binding of type `key`); the credentials come from `key_details`."""

    guid: str
    name: str
    instance_guid: str | None
    created_at: str | None
    last_operation: LastOperation | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeyBinding:
        relationships = data.get("relationships") or {}
        return cls(
            guid=data["guid"],
            name=data["name"],
            instance_guid=((relationships.get("service_instance") or {}).get("data") or {}).get("guid"),
            created_at=data.get("created_at"),
            last_operation=LastOperation.from_json(data.get("last_operation")),
        )


@dataclass(frozen=True)
class Job:
    guid: str
    state: str
    operation: str | None
    errors: tuple[dict[str, Any], ...]
    warnings: tuple[dict[str, Any], ...]
    retry_after: float | None = None


def _capitalized(sentence: str) -> str:
    return sentence[0].upper() + sentence[1:]


def _still_running(what: str, timeout: float) -> SapError:
    return SapError(
        _capitalized(
            _("%(what)s is still running after %(minutes)s min (%(seconds)s s); run the step again later")
            % {"what": what, "minutes": int(timeout // 60), "seconds": int(timeout)}
        ),
        retryable=True,
        code="job_timeout",
    )


def cf_error(response: requests.Response, *, what: str) -> SapError:
    """Translate a CF v3 error envelope by status and `title` (D-27); the `detail` is kept as remote text."""
    title = detail = None
    try:
        body = response.json()
        first = (body.get("errors") or [{}])[0]
        title, detail = first.get("title"), first.get("detail")
    except (ValueError, AttributeError, IndexError, TypeError):
        pass
    return translate_failure(
        response.status_code, service=_(SERVICE), what=what, code=title, remote_message=detail
    )


class CloudFoundry:
    """One logged-in Cloud Foundry user talking to one CF API endpoint, through the run's SapHttp."""

    def __init__(
        self,
        http: SapHttp,
        api_url: str,
        *,
        username: str,
        password: str,
        passcode: str | None = None,
        uaa_url: str | None = None,
        polling: JobPolling | None = None,
        tokens: SharedTokens | None = None,
    ) -> None:
        self.http = http
        self.tokens = tokens or SharedTokens()
        self.api_url = api_url.rstrip("/")
        self.username = username
        self._password = password
        self._passcode = passcode
        self._uaa_url = uaa_url
        self.polling = polling or JobPolling()
        self._token: str | None = None
        self._login: tuple[str, AccessToken] | None = None
        self.user_guid: str | None = None

    def __repr__(self) -> str:
        return f"CloudFoundry(api_url={self.api_url!r}, username={self.username!r})"

    @property
    def _resend(self) -> dict[str, Any]:
        """How writes with an unknown outcome are sent again (after reading that they did not land)."""
        return {"tries": max(1, self.http.retry.tries), "pause": self.http.write_pause}

    # --- login -------------------------------------------------------------------------------------------

    def uaa_token_url(self) -> str:
        """The UAA token URL: the one given, else `links.uaa.href` from `GET /` of the CF API."""
        if self._uaa_url is None:
            response = self.http.request("GET", self.api_url + "/", service=_(SERVICE))
            if response.status_code != 200:
                raise cf_error(response, what=_("the API root"))
            self._uaa_url = response.json()["links"]["uaa"]["href"]
        base = self._uaa_url.rstrip("/")
        return base if base.endswith("/oauth/token") else base + "/oauth/token"

    def login(self) -> str:
        """A UAA token for the user: the shared one while fresh, else one password grant (D-26)."""
        password = self._password + (self._passcode or "")
        token_url = self.uaa_token_url()
        name = self.tokens.name(token_url, "cf:" + self.username, password)
        token = self.tokens.get(name, lambda: self._password_grant(token_url, password))
        self._login = (name, token)
        self._token = token.access_token
        self.user_guid = token.claims.get("user_id")
        return token.access_token

    def relogin(self) -> str:
        """Drop the token a call was refused with (401) and log in again."""
        if self._login is not None:
            self.tokens.drop(*self._login)
        return self.login()

    def _password_grant(self, token_url: str, password: str) -> AccessToken:
        """UAA password grant for client `cf` (empty secret); the passcode is appended to the password."""
        response = self.http.request(
            "POST",
            token_url,
            service=gettext_noop("The Cloud Foundry login (UAA)"),
            idempotent=True,
            headers={"Accept": "application/json"},
            auth=("cf", ""),
            data={"grant_type": "password", "username": self.username, "password": password},
        )
        if response.status_code in (400, 401):
            description = None
            try:
                description = response.json().get("error_description")
            except (ValueError, AttributeError):
                pass
            raise SapError(
                _(
                    "The Cloud Foundry login was refused for user %(user)s (%(reason)s); "
                    "check the user, password and passcode"
                )
                % {"user": self.username, "reason": description or _("bad credentials")},
                status=response.status_code,
                code="unauthorized",
                remote_message=description,
            )
        if response.status_code != 200:
            raise translate_failure(
                response.status_code, service=_("The Cloud Foundry login (UAA)"), what=_("login")
            )
        body = response.json()
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise SapError(
                _("The Cloud Foundry login (UAA) answered without an access token"),
                status=response.status_code,
                code="no_access_token",
            )
        return AccessToken(
            access_token=token,
            token_type=str(body.get("token_type") or "bearer"),
            expires_in=int(body.get("expires_in") or 0),
            obtained_at=self.tokens.clock(),
            scopes=tuple(str(body.get("scope") or "").split()),
            claims=decode_jwt_payload(token),
        )

    # --- plumbing ----------------------------------------------------------------------------------------

    def _url(self, path_or_url: str) -> str:
        return path_or_url if path_or_url.startswith("http") else self.api_url + path_or_url

    def _call(
        self,
        method: str,
        path_or_url: str,
        *,
        what: str,
        expected: tuple[int, ...] = (200,),
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> requests.Response:
        """Send a /v3 call with the bearer token; on 401 log in again and retry once."""
        if self._token is None:
            self.login()
        for attempt in (1, 2):
            response = self.http.request(
                method,
                self._url(path_or_url),
                service=_(SERVICE),
                params=params,
                json=json,
                headers={"Authorization": f"bearer {self._token}", "Accept": "application/json"},
            )
            if response.status_code == 401 and attempt == 1:
                self.relogin()
                continue
            if response.status_code in expected:
                return response
            raise cf_error(response, what=what)
        raise AssertionError("unreachable")

    def _list(self, path: str, params: dict[str, Any], *, what: str) -> list[dict[str, Any]]:
        """All resources of a list, following `pagination.next.href`."""
        resources: list[dict[str, Any]] = []
        url: str | None = path
        query: dict[str, Any] | None = params
        while url:
            body = self._call("GET", url, what=what, params=query).json()
            resources.extend(body.get("resources") or [])
            url = ((body.get("pagination") or {}).get("next") or {}).get("href")
            query = None
        return resources

    def _job_location(self, response: requests.Response, what: str) -> str:
        location = response.headers.get("Location")
        if not location:
            raise SapError(
                _("Cloud Foundry accepted the request for %(what)s but named no job to follow")
                % {"what": what}
            )
        return location

    # --- org, space, role, plan --------------------------------------------------------------------------

    def get_organization(self, name: str) -> Organization:
        found = self._list(
            "/v3/organizations", {"names": name}, what=_("the organization %(name)s") % {"name": name}
        )
        if not found:
            raise SapError(
                _(
                    "The Cloud Foundry organization %(name)s was not found, or the user %(user)s "
                    "is not a member of it"
                )
                % {"name": name, "user": self.username},
                code="not_found",
            )
        return Organization(guid=found[0]["guid"], name=found[0]["name"])

    def get_space(self, organization: Organization, name: str) -> Space:
        found = self._list(
            "/v3/spaces",
            {"names": name, "organization_guids": organization.guid},
            what=_("the space %(name)s") % {"name": name},
        )
        if not found:
            raise SapError(
                _(
                    "The Cloud Foundry space %(name)s was not found in organization %(organization)s, "
                    "or the user %(user)s cannot see it"
                )
                % {"name": name, "organization": organization.name, "user": self.username},
                code="not_found",
            )
        return Space(guid=found[0]["guid"], name=found[0]["name"], organization_guid=organization.guid)

    def find_space(self, organization: str, name: str) -> Space:
        """The space `name` of the organization named `organization`, in one request: the spaces of that
        name with their organizations included (CF v3 `include=organization`). When none matches, the
        organization and the space are looked up one by one, for a message that names what is missing."""
        resources: list[dict[str, Any]] = []
        organizations: dict[str, str] = {}
        url: str | None = "/v3/spaces"
        query: dict[str, Any] | None = {"names": name, "include": "organization"}
        while url:
            body = self._call("GET", url, what=_("the space %(name)s") % {"name": name}, params=query).json()
            resources.extend(body.get("resources") or [])
            for org in (body.get("included") or {}).get("organizations") or []:
                organizations[org.get("guid", "")] = org.get("name", "")
            url = ((body.get("pagination") or {}).get("next") or {}).get("href")
            query = None
        for found in resources:
            org_guid = (((found.get("relationships") or {}).get("organization") or {}).get("data") or {}).get(
                "guid"
            )
            if org_guid and organizations.get(org_guid) == organization:
                return Space(guid=found["guid"], name=found["name"], organization_guid=org_guid)
        return self.get_space(self.get_organization(organization), name)

    def is_space_developer(self, space: Space) -> bool:
        if self.user_guid is None:
            self.login()
        if not self.user_guid:
            raise SapError(_("The Cloud Foundry login token does not name the user (no user_id claim)"))
        roles = self._list(
            "/v3/roles",
            {"types": "space_developer", "space_guids": space.guid, "user_guids": self.user_guid},
            what=_("the space roles"),
        )
        return bool(roles)

    def require_space_developer(self, space: Space) -> None:
        """Raise unless the logged-in user holds Space Developer in `space`."""
        if not self.is_space_developer(space):
            raise SapError(
                _(
                    "The Cloud Foundry user %(user)s is not a Space Developer in space %(space)s; "
                    "ask a space manager to add the role"
                )
                % {"user": self.username, "space": space.name},
                status=403,
                code="not_space_developer",
            )

    def find_service_plan(self, offering: str = "it-rt", plan: str = "integration-flow") -> ServicePlan:
        found = self._list(
            "/v3/service_plans",
            {"names": plan, "service_offering_names": offering},
            what=_("the service plan %(offering)s/%(plan)s") % {"offering": offering, "plan": plan},
        )
        if not found:
            raise SapError(
                _(
                    "The service plan %(plan)s of %(offering)s is not available; check the subaccount's "
                    "entitlements for Process Integration Runtime"
                )
                % {"plan": plan, "offering": offering},
                code="plan_missing",
            )
        return ServicePlan(guid=found[0]["guid"], name=found[0]["name"], offering_name=offering)

    # --- jobs --------------------------------------------------------------------------------------------

    def get_job(self, location: str) -> Job:
        response = self._call("GET", location, what=_("the job"))
        body = response.json()
        return Job(
            guid=body.get("guid", ""),
            state=str(body.get("state", "")).upper(),
            operation=body.get("operation"),
            errors=tuple(body.get("errors") or ()),
            warnings=tuple(body.get("warnings") or ()),
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )

    def wait_for_job(self, location: str, *, timeout: float, what: str, since: float | None = None) -> Job:
        """Poll the job until COMPLETE (returned) or FAILED (SapError with the broker's detail, D-36).
        `since`: when the write that started the job was sent (default: now)."""
        started = self.polling.clock()
        sent = started if since is None else since
        retry_after: float | None = None
        for planned in self.polling.waits():
            self.polling.wait(planned, retry_after, since=sent)
            sent = self.polling.clock()
            job = self.get_job(location)
            if job.state == JOB_COMPLETE:
                return job
            if job.state == JOB_FAILED:
                first = job.errors[0] if job.errors else {}
                title, detail = first.get("title"), first.get("detail")
                raise SapError(
                    _("Cloud Foundry could not complete %(what)s: %(reason)s")
                    % {"what": what, "reason": detail or title or _("no reason given")},
                    retryable=False,
                    code=title or "job_failed",
                    remote_message=detail,
                )
            if self.polling.clock() - started >= timeout:
                raise _still_running(what, timeout)
            retry_after = job.retry_after
        raise AssertionError("unreachable: the waits never end")

    def _await_instance(
        self,
        *,
        what: str,
        location: str | None,
        guid: str | None = None,
        space_guid: str | None = None,
        name: str | None = None,
        since: float | None = None,
    ) -> ServiceInstance:
        """Poll the instance itself (by name until its guid is known) until its `last_operation` is no
        longer `in progress`: one call per poll, and the last poll is the read the caller needs. Only a
        failure reads the job, for the broker's error; an instance not listed falls back to the job.
        `since`: when the write was sent (the first poll follows it by the first interval)."""
        started = self.polling.clock()
        sent = started if since is None else since
        retry_after: float | None = None
        for planned in self.polling.waits():
            self.polling.wait(planned, retry_after, since=sent)
            sent = self.polling.clock()
            if guid is None:
                assert space_guid is not None and name is not None
                found = self.find_instance(space_guid, name)
                if found is None and location is not None:
                    self.wait_for_job(location, timeout=self.polling.instance_timeout, what=what)
                    found = self.find_instance(space_guid, name)
                if found is None:
                    raise SapError(
                        _("%(what)s ended but the instance cannot be found") % {"what": what}, retryable=True
                    )
                instance, guid = found, found.guid
            else:
                response = self._call("GET", f"/v3/service_instances/{guid}", what=_("the service instance"))
                instance = ServiceInstance.from_json(response.json())
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            state = instance.last_operation.state if instance.last_operation else None
            if state == "failed" and location is not None:
                self.wait_for_job(location, timeout=self.polling.instance_timeout, what=what)
            if state != "in progress":
                return self._require_succeeded(instance, what)
            if self.polling.clock() - started >= self.polling.instance_timeout:
                raise _still_running(what, self.polling.instance_timeout)
        raise AssertionError("unreachable: the waits never end")

    # --- service instances -------------------------------------------------------------------------------

    def find_instance(self, space_guid: str, name: str) -> ServiceInstance | None:
        found = self._list(
            "/v3/service_instances",
            {"names": name, "space_guids": space_guid},
            what=_("the service instance %(name)s") % {"name": name},
        )
        return ServiceInstance.from_json(found[0]) if found else None

    def list_instances(self, space_guid: str, plan_name: str | None = None) -> list[ServiceInstance]:
        params = {"space_guids": space_guid}
        if plan_name:
            params["service_plan_names"] = plan_name
        found = self._list("/v3/service_instances", params, what=_("the service instances"))
        return [ServiceInstance.from_json(item) for item in found]

    def get_instance(self, guid: str) -> ServiceInstance:
        body = self._call("GET", f"/v3/service_instances/{guid}", what=_("the service instance")).json()
        return ServiceInstance.from_json(body)

    def _require_succeeded(self, instance: ServiceInstance, what: str) -> ServiceInstance:
        state = instance.last_operation.state if instance.last_operation else None
        if state not in (None, "succeeded"):
            description = instance.last_operation.description if instance.last_operation else None
            raise SapError(
                _capitalized(_("%(what)s ended in state '%(state)s'") % {"what": what, "state": state})
                + (f": {description}" if description else ""),
                retryable=state == "in progress",
                code="last_operation_" + str(state).replace(" ", "_"),
                remote_message=description,
            )
        return instance

    def create_instance(
        self,
        space_guid: str,
        plan_guid: str,
        name: str,
        parameters: dict[str, Any] | None = None,
        labels: dict[str, str] | None = None,
    ) -> ServiceInstance:
        """Create a managed instance, wait for its job, re-read it; a taken name raises a clear SapError."""
        body: dict[str, Any] = {
            "type": "managed",
            "name": name,
            "relationships": {
                "space": {"data": {"guid": space_guid}},
                "service_plan": {"data": {"guid": plan_guid}},
            },
        }
        if parameters is not None:
            body["parameters"] = parameters
        if labels:
            body["metadata"] = {"labels": labels}
        what = _("the service instance %(name)s") % {"name": name}

        def send() -> requests.Response | ServiceInstance:
            return self._call("POST", "/v3/service_instances", what=what, expected=(201, 202), json=body)

        def landed() -> requests.Response | ServiceInstance | None:
            return self.find_instance(space_guid, name)

        sent_at = self.polling.clock()
        try:
            sent = send_once(send, landed, **self._resend)
        except SapError as error:
            if error.status == 422 and self.find_instance(space_guid, name) is not None:
                raise SapError(
                    _("The service instance name %(name)s is already used in this space") % {"name": name},
                    status=422,
                    code="duplicate_instance_name",
                    remote_message=error.remote_message,
                ) from error
            raise
        if isinstance(sent, ServiceInstance):  # the lost answer's instance is there: follow it
            return self._follow_instance(sent, what=_("the creation of %(what)s") % {"what": what})
        response = sent
        if response.status_code == 202:
            location = self._job_location(response, what)
            return self._await_instance(
                what=_("the creation of %(what)s") % {"what": what},
                location=location,
                space_guid=space_guid,
                name=name,
                since=sent_at,
            )
        instance = self.find_instance(space_guid, name)
        if instance is None:
            raise SapError(
                _("The service instance %(name)s was created but cannot be found") % {"name": name},
                retryable=True,
            )
        return self._require_succeeded(instance, _("the creation of %(what)s") % {"what": what})

    def _follow_instance(self, instance: ServiceInstance, *, what: str) -> ServiceInstance:
        """An instance whose write got no certain answer but which is there: wait for its operation."""
        if instance.in_progress:
            return self._await_instance(what=what, location=None, guid=instance.guid)
        return self._require_succeeded(instance, what)

    def update_instance_parameters(self, guid: str, parameters: dict[str, Any]) -> ServiceInstance:
        """PATCH the instance parameters (202 + job, or 200), then re-read the instance."""
        what = _("the update of the service instance")
        sent_at = self.polling.clock()
        response = self._call(
            "PATCH",
            f"/v3/service_instances/{guid}",
            what=what,
            expected=(200, 202),
            json={"parameters": parameters},
        )
        if response.status_code == 202:
            return self._await_instance(
                what=what, location=self._job_location(response, what), guid=guid, since=sent_at
            )
        return self._require_succeeded(self.get_instance(guid), what)

    def instance_parameters(self, guid: str) -> dict[str, Any] | None:
        """The broker's copy of the parameters, or None when the broker does not support fetching (D-29)."""
        return self._parameters(f"/v3/service_instances/{guid}/parameters", _("the instance parameters"))

    def delete_instance(self, guid: str) -> None:
        """Delete the instance (and its keys) and wait; an already missing instance counts as deleted."""
        self._delete(
            f"/v3/service_instances/{guid}",
            _("the deletion of the service instance"),
            timeout=self.polling.instance_timeout,
        )

    # --- service keys (credential bindings of type key) --------------------------------------------------

    def list_keys(self, instance_guid: str) -> list[KeyBinding]:
        found = self._list(
            "/v3/service_credential_bindings",
            {"service_instance_guids": instance_guid, "type": "key"},
            what=_("the service keys"),
        )
        return [KeyBinding.from_json(item) for item in found]

    def find_key(self, instance_guid: str, name: str) -> KeyBinding | None:
        found = self._list(
            "/v3/service_credential_bindings",
            {"names": name, "service_instance_guids": instance_guid, "type": "key"},
            what=_("the service key %(name)s") % {"name": name},
        )
        return KeyBinding.from_json(found[0]) if found else None

    def get_key(self, guid: str) -> KeyBinding:
        body = self._call("GET", f"/v3/service_credential_bindings/{guid}", what=_("the service key")).json()
        return KeyBinding.from_json(body)

    def create_key(
        self, instance_guid: str, name: str, parameters: dict[str, Any] | None = None
    ) -> KeyBinding:
        """Create a service key and wait for its job. Send no parameters for a client-secret key (D-05)."""
        body: dict[str, Any] = {
            "type": "key",
            "name": name,
            "relationships": {"service_instance": {"data": {"guid": instance_guid}}},
        }
        if parameters:
            body["parameters"] = parameters
        what = _("the service key %(name)s") % {"name": name}

        def send() -> requests.Response | KeyBinding:
            return self._call(
                "POST", "/v3/service_credential_bindings", what=what, expected=(201, 202), json=body
            )

        def landed() -> requests.Response | KeyBinding | None:
            return self.find_key(instance_guid, name)

        sent_at = self.polling.clock()
        try:
            sent = send_once(send, landed, **self._resend)
        except SapError as error:
            raise self._explain_key_refusal(error, instance_guid, name) from error
        if isinstance(sent, KeyBinding):  # the lost answer's key is there: wait until it is usable
            return self._require_key_ready(self.wait_for_key(sent))
        response = sent
        if response.status_code == 202:
            return self._await_key(
                what=_("the creation of %(what)s") % {"what": what},
                location=self._job_location(response, what),
                instance_guid=instance_guid,
                name=name,
                since=sent_at,
            )
        key = self.find_key(instance_guid, name)
        if key is None:
            raise SapError(
                _("The service key %(name)s was created but cannot be found") % {"name": name}, retryable=True
            )
        return self._require_key_ready(key)

    def _require_key_ready(self, key: KeyBinding) -> KeyBinding:
        state = key.last_operation.state if key.last_operation else None
        if state not in (None, "succeeded"):
            raise SapError(
                _("The creation of the service key %(name)s ended in state '%(state)s'")
                % {"name": key.name, "state": state},
                retryable=state in ("in progress", "initial"),
                code="last_operation_" + str(state).replace(" ", "_"),
            )
        return key

    def _await_key(
        self, *, what: str, location: str, instance_guid: str, name: str, since: float | None = None
    ) -> KeyBinding:
        """Poll the new key itself (by name, then by guid) until its `last_operation` ends; a key without
        a `last_operation` (brokers may leave it null) and a failure are followed on the job instead.
        `since`: when the write was sent."""
        started = self.polling.clock()
        sent = started if since is None else since
        retry_after: float | None = None
        guid: str | None = None
        for planned in self.polling.waits():
            self.polling.wait(planned, retry_after, since=sent)
            sent = self.polling.clock()
            if guid is None:
                found = self.find_key(instance_guid, name)
                if found is None or found.last_operation is None:
                    self.wait_for_job(location, timeout=self.polling.key_timeout, what=what)
                    found = found or self.find_key(instance_guid, name)
                    if found is None:
                        raise SapError(
                            _("The service key %(name)s was created but cannot be found") % {"name": name},
                            retryable=True,
                        )
                    return self._require_key_ready(found)
                key, guid = found, found.guid
            else:
                response = self._call(
                    "GET", f"/v3/service_credential_bindings/{guid}", what=_("the service key")
                )
                key = KeyBinding.from_json(response.json())
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            state = key.last_operation.state if key.last_operation else None
            if state == "failed":
                self.wait_for_job(location, timeout=self.polling.key_timeout, what=what)
            if state not in ("in progress", "initial"):
                return self._require_key_ready(key)
            if self.polling.clock() - started >= self.polling.key_timeout:
                raise _still_running(what, self.polling.key_timeout)
        raise AssertionError("unreachable: the waits never end")

    def wait_for_key(self, key: KeyBinding) -> KeyBinding:
        """A key found by name may still be in creation (e.g. after a timed-out POST): wait until it is
        usable.
        """
        started = self.polling.clock()
        waits = self.polling.waits()
        while key.last_operation and key.last_operation.state in ("in progress", "initial"):
            if self.polling.clock() - started >= self.polling.key_timeout:
                raise SapError(
                    _("The service key %(name)s is still being created; run the step again later")
                    % {"name": key.name},
                    retryable=True,
                    code="job_timeout",
                )
            self.polling.wait(next(waits), None)
            key = self.get_key(key.guid)
        if key.last_operation and key.last_operation.state == "failed":
            raise SapError(
                _("The creation of the service key %(name)s failed; delete it and apply again")
                % {"name": key.name},
                code="last_operation_failed",
            )
        return key

    def _explain_key_refusal(self, error: SapError, instance_guid: str, name: str) -> SapError:
        """Tell a duplicate key name from a busy instance by looking, not by reading `detail` (D-27)."""
        if error.status != 422:
            return error
        if self.find_key(instance_guid, name) is not None:
            return SapError(
                _("The service key name %(name)s is already used in this instance; choose another name")
                % {"name": name},
                status=422,
                code="duplicate_key_name",
                remote_message=error.remote_message,
            )
        instance = self.get_instance(instance_guid)
        if instance.in_progress:
            return SapError(
                _(
                    "An operation is still in progress on the service instance %(name)s; "
                    "try again when it has finished"
                )
                % {"name": instance.name},
                retryable=True,
                status=422,
                code="instance_busy",
                remote_message=error.remote_message,
            )
        return error

    def key_details(self, guid: str) -> ServiceKey:
        """The key's credentials (`/details`), parsed; secrets stay out of repr and logs."""
        body = self._call(
            "GET", f"/v3/service_credential_bindings/{guid}/details", what=_("the service key details")
        ).json()
        return parse_service_key(body, require_authentication=False)

    def key_parameters(self, guid: str) -> dict[str, Any] | None:
        """The parameters the key was created with, or None when the broker cannot tell (D-29)."""
        return self._parameters(f"/v3/service_credential_bindings/{guid}/parameters", _("the key parameters"))

    def delete_key(self, guid: str) -> None:
        """Delete a service key and wait; an already missing key counts as deleted."""
        self._delete(
            f"/v3/service_credential_bindings/{guid}",
            _("the deletion of the service key"),
            timeout=self.polling.key_timeout,
        )

    def _parameters(self, path: str, what: str) -> dict[str, Any] | None:
        """GET a resource's `/parameters`; None when the broker does not support fetching them (D-29)."""
        try:
            response = self._call("GET", path, what=what)
        except SapError as error:
            if error.status in (400, 404, 502):
                return None
            raise
        parameters = response.json()
        return parameters if isinstance(parameters, dict) else None

    def _delete(self, path: str, what: str, *, timeout: float) -> None:
        """DELETE a resource and wait until it is gone; one already missing counts as deleted."""
        sent_at = self.polling.clock()
        try:
            response = self._call("DELETE", path, what=what, expected=(202, 204))
        except SapError as error:
            if error.status == 404:
                return
            raise
        if response.status_code == 202:
            self._await_gone(
                path,
                location=self._job_location(response, what),
                timeout=timeout,
                what=what,
                since=sent_at,
            )

    def _await_gone(
        self, path: str, *, location: str, timeout: float, what: str, since: float | None = None
    ) -> None:
        """Poll a resource being deleted until it answers 404: one call per poll. A failed deletion (its
        `last_operation` says so) is read from the job, for the broker's reason. `since`: when the
        DELETE was sent."""
        started = self.polling.clock()
        sent = started if since is None else since
        retry_after: float | None = None
        for planned in self.polling.waits():
            self.polling.wait(planned, retry_after, since=sent)
            sent = self.polling.clock()
            try:
                response = self._call("GET", path, what=what)
            except SapError as error:
                if error.status == 404:
                    return
                raise
            operation = LastOperation.from_json(response.json().get("last_operation"))
            if operation is not None and operation.type == "delete" and operation.state == "failed":
                self.wait_for_job(location, timeout=timeout, what=what)
                raise SapError(
                    _("Cloud Foundry could not complete %(what)s: %(reason)s")
                    % {"what": what, "reason": operation.description or _("no reason given")},
                    retryable=False,
                    code="last_operation_failed",
                    remote_message=operation.description,
                )
            if self.polling.clock() - started >= timeout:
                raise _still_running(what, timeout)
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
        raise AssertionError("unreachable: the waits never end")
