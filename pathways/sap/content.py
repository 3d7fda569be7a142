"""CPI integration content client: packages, iFlows, externalized parameters, deploy, runtime status, MPLs.

Follows `sap-apis.md` §16 (decisions D-38 to D-53) on top of `CpiClient`'s one HTTP path: the same bearer
token, CSRF protocol, throttle, retries and `Accept: application/json`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import requests

from pathways.wording import gettext as _
from pathways.wording import gettext_noop

from .cloudfoundry import JobPolling
from .cpi import CpiClient
from .errors import SapError
from .http import parse_retry_after
from .odata import entity, entity_key, parse_odata_date, results

# Role templates of the api-plan instance per endpoint (§16.6, D-49).
ROLE_PACKAGES_READ = "WorkspacePackagesRead"
ROLE_PACKAGES_CONFIGURE = "WorkspacePackagesConfigure"
ROLE_ARTIFACTS_DEPLOY = "WorkspaceArtifactsDeploy"
ROLE_MONITORING_READ = "MonitoringDataRead"
CONTENT_ROLES = (ROLE_PACKAGES_READ, ROLE_PACKAGES_CONFIGURE, ROLE_ARTIFACTS_DEPLOY, ROLE_MONITORING_READ)

ACTIVE = "active"  # the version constant, always sent in lower case (D-38)
PACKAGE_PAGE = 500  # packages are paged with $top/$skip (D-53)

# BuildAndDeployStatus values (§16.4.2), compared case-insensitively (D-42).
BUILD_DEPLOYING = "DEPLOYING"
BUILD_SUCCESS = "SUCCESS"
BUILD_FAIL = "FAIL"
BUILD_FAIL_ON_LICENSE_ERROR = "FAIL_ON_LICENSE_ERROR"

# Runtime artifact statuses (§16.4.3): STARTED and ERROR are final; anything else is pending (D-43).
RUNTIME_STARTING = "STARTING"
RUNTIME_STARTED = "STARTED"
RUNTIME_ERROR = "ERROR"
RUNTIME_STOPPING = "STOPPING"

# Message processing log statuses (§16.5.2).
MPL_COMPLETED = "COMPLETED"
MPL_PROCESSING = "PROCESSING"
MPL_RETRY = "RETRY"
MPL_ESCALATED = "ESCALATED"
MPL_FAILED = "FAILED"
MPL_CANCELLED = "CANCELLED"
MPL_DISCARDED = "DISCARDED"
MPL_ABANDONED = "ABANDONED"
MPL_FINAL_STATUSES = frozenset({MPL_COMPLETED, MPL_ESCALATED, MPL_FAILED, MPL_CANCELLED, MPL_DISCARDED})

DRAFT_MESSAGE = gettext_noop("iFlow has a draft or is locked; save or cancel it in the CPI UI")
_PLACEHOLDER = re.compile(r"\{(\d+)\}")


def _bare_epoch_ms(value: Any) -> datetime | None:
    """`IntegrationPackage.CreationDate`/`ModifiedDate`: epoch-ms as a plain string (§16.1),
    None when unreadable."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if text.startswith("/Date("):
        return parse_odata_date(text)
    if not text.lstrip("-").isdigit():
        return None
    return datetime.fromtimestamp(int(text) / 1000, tz=UTC)


def _version(version: str) -> str:
    """`active` in any case becomes lower-case `active` (D-38); a concrete version is kept."""
    return ACTIVE if version.strip().lower() == ACTIVE else version


def _literal(value: str) -> str:
    """An OData string literal: single quotes, embedded quotes doubled (D-46)."""
    return "'" + value.replace("'", "''") + "'"


def query(params: dict[str, str]) -> str:
    """A query string with `%20` for spaces and quotes, `/`, `(`, `)` and `$` left as they are (§16.5.1)."""
    return urlencode(params, quote_via=quote, safe="'/()$,:")


def flow_key(flow_id: str, version: str) -> str:
    """`(Id='<id>',Version='<version>')`, values URL-encoded and quotes doubled (§16.1 composite keys)."""
    id_part = quote(flow_id.replace("'", "''"), safe="")
    version_part = quote(_version(version).replace("'", "''"), safe="")
    return f"(Id='{id_part}',Version='{version_part}')"


def mpl_datetime(moment: datetime) -> str:
    """`datetime'YYYY-MM-DDTHH:MM:SS'` in UTC, no fraction, no `Z` (D-46); naive datetimes are UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return "datetime'" + moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + "'"


def error_information_text(raw: str) -> str:
    """The readable text of `IntegrationRuntimeArtifacts(…)/ErrorInformation/$value` (D-44).

    A JSON `message` string is used as it is; a structured `message` has its `messageText` filled from
    `parameter` (`{0}`, `{1}`…), followed by the texts of its `childInstances`; anything else is the raw body.
    """
    text = raw.strip()
    if not text:
        return ""
    try:
        body = json.loads(text)
    except ValueError:
        return text
    if not isinstance(body, dict):
        return text
    if isinstance(body.get("message"), str):
        return str(body["message"])
    parts = _structured_error_texts(body)
    return "; ".join(part for part in parts if part) or text


def _structured_error_texts(node: dict[str, Any]) -> list[str]:
    texts: list[str] = []
    message = node.get("message")
    if isinstance(message, dict):
        template = str(message.get("messageText") or "")
        parameters = [str(item) for item in (node.get("parameter") or [])]

        def fill(match: re.Match[str]) -> str:
            index = int(match.group(1))
            return parameters[index] if index < len(parameters) else match.group(0)

        texts.append(_PLACEHOLDER.sub(fill, template).strip())
    elif isinstance(message, str):
        texts.append(message.strip())
    for child in node.get("childInstances") or []:
        if isinstance(child, dict):
            texts.extend(_structured_error_texts(child))
    return texts


@dataclass(frozen=True)
class IntegrationPackage:
    """An integration package (`com.sap.hci.api.IntegrationPackage`, §16.2)."""

    id: str
    name: str
    version: str
    vendor: str = ""
    mode: str = ""
    description: str = ""
    short_text: str = ""
    created_by: str | None = None
    modified_by: str | None = None
    creation_date: datetime | None = None
    modified_date: datetime | None = None

    @property
    def is_sap_standard(self) -> bool:
        return self.vendor.upper() == "SAP"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IntegrationPackage:
        return cls(
            id=str(data.get("Id") or ""),
            name=str(data.get("Name") or ""),
            version=str(data.get("Version") or ""),
            vendor=str(data.get("Vendor") or ""),
            mode=str(data.get("Mode") or ""),
            description=str(data.get("Description") or ""),
            short_text=str(data.get("ShortText") or ""),
            created_by=data.get("CreatedBy"),
            modified_by=data.get("ModifiedBy"),
            creation_date=_bare_epoch_ms(data.get("CreationDate")),
            modified_date=_bare_epoch_ms(data.get("ModifiedDate")),
        )


@dataclass(frozen=True)
class IntegrationFlow:
    """A design-time iFlow (`com.sap.hci.api.IntegrationDesigntimeArtifact`, §16.3.1), with its concrete
    `version`."""

    id: str
    version: str
    name: str
    package_id: str
    description: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IntegrationFlow:
        return cls(
            id=str(data.get("Id") or ""),
            version=str(data.get("Version") or ""),
            name=str(data.get("Name") or ""),
            package_id=str(data.get("PackageId") or ""),
            description=str(data.get("Description") or ""),
        )


@dataclass(frozen=True)
class ConfigParameter:
    """One externalized parameter (`com.sap.hci.api.Configuration`, §16.3.2); the value is always a string
    and `data_type` is opaque (D-39)."""

    key: str
    value: str
    data_type: str
    description: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConfigParameter:
        return cls(
            key=str(data.get("ParameterKey") or ""),
            value="" if data.get("ParameterValue") is None else str(data["ParameterValue"]),
            data_type=str(data.get("DataType") or ""),
            description=str(data.get("Description") or ""),
        )


@dataclass(frozen=True)
class DeployTask:
    """A deployment started by `deploy`: CPI's task id, and the iFlow and concrete version it deploys."""

    task_id: str
    flow_id: str = ""
    version: str = ""


@dataclass(frozen=True)
class RuntimeStatus:
    """A deployed iFlow (`com.sap.hci.api.IntegrationRuntimeArtifact`, §16.4.3).

    `status` as CPI sends it: STARTING, STARTED, ERROR, STOPPING…; `error_text` is the readable error
    information when the status is ERROR (None otherwise, or when CPI gives none).
    """

    id: str
    version: str
    status: str
    error_text: str | None = None
    name: str = ""
    type: str = ""
    deployed_by: str | None = None
    deployed_on: datetime | None = None

    @property
    def started(self) -> bool:
        return self.status.upper() == RUNTIME_STARTED

    @property
    def failed(self) -> bool:
        return self.status.upper() == RUNTIME_ERROR

    @classmethod
    def from_json(cls, data: dict[str, Any], error_text: str | None = None) -> RuntimeStatus:
        return cls(
            id=str(data.get("Id") or ""),
            version=str(data.get("Version") or ""),
            status=str(data.get("Status") or ""),
            error_text=error_text,
            name=str(data.get("Name") or ""),
            type=str(data.get("Type") or ""),
            deployed_by=data.get("DeployedBy"),
            deployed_on=parse_odata_date(data.get("DeployedOn")),
        )


@dataclass(frozen=True)
class MessageLog:
    """One message processing log (`com.sap.hci.api.MessageProcessingLog`, §16.5.2).

    `iflow_id` is `IntegrationArtifact.Id` (the same as `IntegrationFlowName`); `log_end` is None while the
    message is processing.
    """

    guid: str
    iflow_id: str
    status: str
    log_start: datetime | None
    log_end: datetime | None
    correlation_id: str | None = None
    custom_status: str | None = None
    iflow_name: str = ""
    package_id: str = ""
    sender: str | None = None
    receiver: str | None = None
    application_message_id: str | None = None
    web_link: str | None = None

    @property
    def final(self) -> bool:
        return self.status.upper() in MPL_FINAL_STATUSES

    @property
    def failed(self) -> bool:
        return self.status.upper() in (MPL_FAILED, MPL_ESCALATED, MPL_RETRY)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MessageLog:
        artifact = data.get("IntegrationArtifact") or {}
        if not isinstance(artifact, dict):
            artifact = {}
        return cls(
            guid=str(data.get("MessageGuid") or ""),
            iflow_id=str(artifact.get("Id") or data.get("IntegrationFlowName") or ""),
            status=str(data.get("Status") or ""),
            log_start=parse_odata_date(data.get("LogStart")),
            log_end=parse_odata_date(data.get("LogEnd")),
            correlation_id=data.get("CorrelationId"),
            custom_status=data.get("CustomStatus"),
            iflow_name=str(artifact.get("Name") or ""),
            package_id=str(artifact.get("PackageId") or ""),
            sender=data.get("Sender"),
            receiver=data.get("Receiver"),
            application_message_id=data.get("ApplicationMessageId"),
            web_link=data.get("AlternateWebLink"),
        )


def _deploy_polling() -> JobPolling:
    """Deployment polls 0.25, 0.5, 1 and 2 s after the deploy, then every 3 s (D-42/D-43), 5 min in all."""
    return JobPolling(max_interval=3.0, instance_timeout=300.0, key_timeout=300.0)


@dataclass(eq=False)
class ContentClient(CpiClient):
    """The CPI integration content and message monitoring API of one tenant, with the `api`-plan key.

    Built like `CpiClient` (same SapHttp, key and token client); `polling` says how deployments are waited
    for (its `instance_timeout` is the deploy timeout).
    """

    polling: JobPolling = field(default_factory=_deploy_polling)

    def __repr__(self) -> str:
        return f"ContentClient(root={self.root!r}, clientid={self.key.clientid!r})"

    # --- packages (§16.2) --------------------------------------------------------------------------------

    def list_packages(self) -> list[IntegrationPackage]:
        """All packages of the workspace, paged with `$top=500&$skip=n` (D-53)."""
        packages: list[IntegrationPackage] = []
        skip = 0
        while True:
            response = self._call(
                "GET",
                "/IntegrationPackages",
                what=_("the integration packages"),
                role=ROLE_PACKAGES_READ,
                params={"$top": str(PACKAGE_PAGE), "$skip": str(skip)},
            )
            page = results(response.json())
            packages.extend(IntegrationPackage.from_json(item) for item in page)
            if len(page) < PACKAGE_PAGE:
                return packages
            skip += len(page)

    def _read_or_none(self, path: str, *, what: str, role: str) -> requests.Response | None:
        """GET one entity; None when CPI does not know it (404)."""
        try:
            return self._call("GET", path, what=what, role=role)
        except SapError as error:
            if error.status == 404:
                return None
            raise

    def _error_text(self, path: str, *, what: str, role: str, accept_json: bool = True) -> str:
        """GET an `ErrorInformation/$value` body as UTF-8 text; "" when there is none (204 or 404)."""
        try:
            response = self._call(
                "GET", path, what=what, role=role, expected=(200, 204), accept_json=accept_json
            )
        except SapError as error:
            if error.status == 404:
                return ""
            raise
        if response.status_code == 204:
            return ""
        return response.content.decode("utf-8", errors="replace")

    def get_package(self, package_id: str) -> IntegrationPackage | None:
        """One package; None when CPI does not know it (404)."""
        response = self._read_or_none(
            "/IntegrationPackages" + entity_key(package_id),
            what=_("the integration package %(package)s") % {"package": package_id},
            role=ROLE_PACKAGES_READ,
        )
        return None if response is None else IntegrationPackage.from_json(entity(response.json()))

    def list_flows(self, package_id: str) -> list[IntegrationFlow]:
        """The iFlows of a package, each with its concrete version. An unknown package raises (404)."""
        items = self._collect(
            "/IntegrationPackages" + entity_key(package_id) + "/IntegrationDesigntimeArtifacts",
            what=_("the iFlows of the integration package %(package)s") % {"package": package_id},
            role=ROLE_PACKAGES_READ,
        )
        return [IntegrationFlow.from_json(item) for item in items]

    # --- design time (§16.3) -----------------------------------------------------------------------------

    def get_flow(self, flow_id: str, version: str = ACTIVE) -> IntegrationFlow | None:
        """The design-time iFlow (`active` resolves to its concrete version); None when unknown (404)."""
        response = self._read_or_none(
            "/IntegrationDesigntimeArtifacts" + flow_key(flow_id, version),
            what=_("the iFlow %(flow)s") % {"flow": flow_id},
            role=ROLE_PACKAGES_READ,
        )
        return None if response is None else IntegrationFlow.from_json(entity(response.json()))

    def _configuration_failure(self, error: SapError, flow_id: str) -> SapError:
        """A Configurations call refused while the iFlow is edited: say so, and do not retry (D-38)."""
        if error.status in (400, 409, 423, 500):
            return SapError(
                _(DRAFT_MESSAGE) + f" (iFlow {flow_id})",
                status=error.status,
                code="draft",
                remote_message=error.remote_message,
            )
        return error

    def get_configurations(
        self, flow_id: str, version: str = ACTIVE, *, key: str | None = None
    ) -> list[ConfigParameter]:
        """The iFlow's externalized parameters, ordered by key; `key` reads that one parameter only.

        An unknown iFlow raises (404, "Integration design time artifact not found."); an iFlow with a draft
        raises code `draft` (D-38).
        """
        params = {"$orderby": "ParameterKey"}
        if key is not None:
            params["$filter"] = "ParameterKey eq " + _literal(key)
        try:
            items = self._collect(
                "/IntegrationDesigntimeArtifacts" + flow_key(flow_id, version) + "/Configurations",
                what=_("the configuration of the iFlow %(flow)s") % {"flow": flow_id},
                role=ROLE_PACKAGES_READ,
                params=query(params),
            )
        except SapError as error:
            raise self._configuration_failure(error, flow_id) from error
        return [ConfigParameter.from_json(item) for item in items]

    def update_configuration(self, flow_id: str, version: str, key: str, value: str) -> ConfigParameter:
        """Set one externalized parameter and return it as read back (D-40).

        Sends only `{"ParameterValue": value}` (D-39): CPI keeps the parameter's `DataType`. A value that does
        not read back as sent raises code `not_applied`. An unknown parameter raises code `unknown_parameter`.
        """
        path = (
            "/IntegrationDesigntimeArtifacts"
            + flow_key(flow_id, version)
            + "/$links/Configurations"
            + entity_key(key)
        )
        try:
            self._call(
                "PUT",
                path,
                what=_("the parameter %(key)s of the iFlow %(flow)s") % {"key": repr(key), "flow": flow_id},
                role=ROLE_PACKAGES_CONFIGURE,
                expected=(200, 201, 202, 204),
                json={"ParameterValue": value},
                idempotent=True,  # the same value twice leaves the same parameter
            )
        except SapError as error:
            if error.status == 404 and self.get_flow(flow_id, version) is not None:
                raise SapError(
                    _("The iFlow %(flow)s has no externalized parameter %(key)s")
                    % {"flow": flow_id, "key": repr(key)},
                    status=404,
                    code="unknown_parameter",
                    remote_message=error.remote_message,
                ) from error
            raise self._configuration_failure(error, flow_id) from error
        found = self.get_configurations(flow_id, version, key=key)
        current = next((item for item in found if item.key == key), None)
        if current is None or current.value != value:
            raise SapError(
                _("CPI accepted the parameter %(key)s of the iFlow %(flow)s but it does not read back as set")
                % {"key": repr(key), "flow": flow_id},
                retryable=True,
                code="not_applied",
            )
        return current

    # --- deployment (§16.4) ------------------------------------------------------------------------------

    def deploy(self, flow_id: str, version: str = ACTIVE) -> DeployTask:
        """Trigger the deployment of the iFlow's design-time version (§16.4.1) and return its task.

        The concrete version is read first, so that `wait_until_started` can check the runtime runs it.
        """
        flow = self.get_flow(flow_id, version)
        if flow is None:
            raise SapError(
                _("The iFlow %(flow)s was not found in CPI") % {"flow": flow_id}, status=404, code="not_found"
            )
        response = self._call(
            "POST",
            "/DeployIntegrationDesigntimeArtifact",
            what=_("the deployment of the iFlow %(flow)s") % {"flow": flow_id},
            role=ROLE_ARTIFACTS_DEPLOY,
            expected=(200, 201, 202),
            params=query({"Id": _literal(flow_id), "Version": _literal(_version(version))}),
        )
        return DeployTask(task_id=_task_id(response), flow_id=flow_id, version=flow.version)

    def undeploy(self, flow_id: str) -> bool:
        """Remove the iFlow from the runtime (`DELETE /IntegrationRuntimeArtifacts('<id>')`, 202); False when
        it was not deployed. The design-time iFlow stays."""
        try:
            self._call(
                "DELETE",
                "/IntegrationRuntimeArtifacts" + entity_key(flow_id),
                what=_("the deployed iFlow %(flow)s") % {"flow": flow_id},
                role=ROLE_ARTIFACTS_DEPLOY,
                expected=(200, 202, 204),
                idempotent=True,  # a second undeploy finds nothing, which is the outcome wanted
            )
        except SapError as error:
            if error.status == 404:
                return False
            raise
        return True

    def _deploy_status(self, task: DeployTask | str) -> tuple[str, float | None]:
        task_id = task.task_id if isinstance(task, DeployTask) else task
        response = self._call(
            "GET",
            f"/BuildAndDeployStatus(TaskId={_literal(task_id)})",
            what=_("the deployment task %(task)s") % {"task": task_id},
            role=ROLE_ARTIFACTS_DEPLOY,
        )
        status = str(entity(response.json()).get("Status") or "").upper()
        return status, parse_retry_after(response.headers.get("Retry-After"))

    def deploy_status(self, task: DeployTask | str) -> str:
        """The build status of a deployment task, upper case: DEPLOYING, SUCCESS, FAIL,
        FAIL_ON_LICENSE_ERROR (D-42). An unknown task raises (404)."""
        return self._deploy_status(task)[0]

    def _runtime(self, flow_id: str) -> tuple[RuntimeStatus | None, float | None]:
        response = self._read_or_none(
            "/IntegrationRuntimeArtifacts" + entity_key(flow_id),
            what=_("the runtime status of the iFlow %(flow)s") % {"flow": flow_id},
            role=ROLE_MONITORING_READ,
        )
        if response is None:
            return None, None
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        data = entity(response.json())
        status = RuntimeStatus.from_json(data)
        if status.failed:
            status = RuntimeStatus.from_json(data, error_text=self.runtime_error(flow_id) or None)
        return status, retry_after

    def runtime_status(self, flow_id: str) -> RuntimeStatus | None:
        """The deployed iFlow's runtime status, with its error text when ERROR; None when it is not deployed
        (404)."""
        return self._runtime(flow_id)[0]

    def runtime_error(self, flow_id: str) -> str:
        """The readable error information of a deployed iFlow (D-44); "" when CPI has none (204, an empty
        body, 404)."""
        return error_information_text(
            self._error_text(
                "/IntegrationRuntimeArtifacts" + entity_key(flow_id) + "/ErrorInformation/$value",
                what=_("the error information of the iFlow %(flow)s") % {"flow": flow_id},
                role=ROLE_MONITORING_READ,
            )
        )

    def wait_until_started(
        self,
        flow_id: str,
        *,
        task: DeployTask | None = None,
        version: str | None = None,
        timeout: float | None = None,
    ) -> RuntimeStatus:
        """Follow a deployment to a started runtime artifact (§16.4.5) and return its status.

        With `task`, its build status is polled first until it is no longer DEPLOYING; then the runtime
        artifact until STARTED (404, STARTING and any other value are pending, D-43). `version` (default: the
        task's) must be the version running. Polls start after `polling.first_interval`, doubling, honouring
        `Retry-After`, never faster than `polling.min_interval`.

        Raises SapError code `deploy_failed` (build FAIL*), `start_failed` (runtime ERROR; the message ends
        with CPI's error text, also kept in `remote_message`) or `not_started` (timeout, retryable).
        """
        limit = self.polling.instance_timeout if timeout is None else timeout
        expected_version = version if version is not None else (task.version if task else None)
        if expected_version is not None and _version(expected_version) == ACTIVE:
            expected_version = None
        started = self.polling.clock()
        retry_after: float | None = None
        build = BUILD_SUCCESS if task is None else BUILD_DEPLOYING
        last = _("not deployed")
        for planned in self.polling.waits():
            self.polling.wait(planned, retry_after)
            if build == BUILD_DEPLOYING:
                assert task is not None
                build, retry_after = self._deploy_status(task)
                last = _("build %(build)s") % {"build": build}
                if build.startswith(BUILD_FAIL):
                    text = self.runtime_error(flow_id)
                    raise SapError(
                        _("CPI could not deploy the iFlow %(flow)s (%(build)s)")
                        % {"flow": flow_id, "build": build}
                        + (f": {text}" if text else ""),
                        code="deploy_failed",
                        remote_message=text or None,
                    )
                if build != BUILD_SUCCESS:
                    build = BUILD_DEPLOYING
            else:
                status, retry_after = self._runtime(flow_id)
                if status is not None:
                    last = _("%(status)s version %(version)s") % {
                        "status": status.status,
                        "version": status.version,
                    }
                    if status.failed:
                        text = status.error_text or ""
                        raise SapError(
                            _("The iFlow %(flow)s failed to start") % {"flow": flow_id}
                            + (f": {text}" if text else ""),
                            code="start_failed",
                            remote_message=text or None,
                        )
                    if status.started and expected_version in (None, status.version):
                        return status
            if self.polling.clock() - started >= limit:
                raise SapError(
                    _("The iFlow %(flow)s was not started within %(seconds)s s (last seen: %(last)s)")
                    % {"flow": flow_id, "seconds": int(limit), "last": last},
                    retryable=True,
                    code="not_started",
                )
        raise AssertionError("unreachable: polling.waits() never ends")

    # --- message processing logs (§16.5) -----------------------------------------------------------------

    def message_logs(
        self, flow_ids: list[str] | tuple[str, ...], since: datetime, top: int | None = None
    ) -> list[MessageLog]:
        """The MPLs of these iFlows that started after `since`, newest first (`LogStart desc`, D-50).

        Filters with `IntegrationArtifact/Id eq '<id>'` and a `datetime'…'` literal in UTC (D-46); `top`
        limits the number returned (all pages are followed otherwise, D-48).
        """
        if not flow_ids:
            return []
        ids = " or ".join("IntegrationArtifact/Id eq " + _literal(flow_id) for flow_id in flow_ids)
        condition = f"({ids}) and LogStart gt {mpl_datetime(since)}"
        params = {"$filter": condition, "$orderby": "LogStart desc"}
        if top is not None:
            if top <= 0:
                return []
            params["$top"] = str(top)
        items = self._collect(
            "/MessageProcessingLogs",
            what=_("the message processing logs"),
            role=ROLE_MONITORING_READ,
            params=query(params),
        )
        logs = [MessageLog.from_json(item) for item in items]
        return logs[:top] if top is not None else logs

    def message_log(self, guid: str) -> MessageLog | None:
        """One MPL by its `MessageGuid`; None when CPI does not know it (404)."""
        response = self._read_or_none(
            "/MessageProcessingLogs" + entity_key(guid),
            what=_("the message processing log %(guid)s") % {"guid": guid},
            role=ROLE_MONITORING_READ,
        )
        return None if response is None else MessageLog.from_json(entity(response.json()))

    def message_error(self, guid: str) -> str:
        """The error text of an MPL (`ErrorInformation/$value`, read as UTF-8 text); "" when it has none
        (204, 404 or an empty body, D-45)."""
        return self._error_text(
            "/MessageProcessingLogs" + entity_key(guid) + "/ErrorInformation/$value",
            what=_("the error of the message %(guid)s") % {"guid": guid},
            role=ROLE_MONITORING_READ,
            accept_json=False,
        ).strip()


def _task_id(response: requests.Response) -> str:
    """The task id of a deploy answer (D-41): `d.TaskId` when the body is such JSON, else the body text
    stripped of whitespace and surrounding quotes."""
    text = response.content.decode("utf-8", errors="replace").strip()
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = None
    if isinstance(body, dict):
        task = entity(body).get("TaskId")
        if isinstance(task, str) and task.strip():
            return task.strip()
    task_id = text.strip().strip('"').strip()
    if not task_id:
        raise SapError(
            _("CPI accepted the deployment but sent no task id"),
            status=response.status_code,
            code="no_task_id",
        )
    return task_id
