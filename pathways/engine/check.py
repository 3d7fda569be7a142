"""Landscape check: the CPI API key's roles, the CF user's space role, the it-rt plan and the runtime host."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from pathways.engine.connect import Connection
from pathways.errors import EngineError
from pathways.sap.cpi import ROLE_CREDENTIALS, ROLE_READ, ROLE_SECURITY_MATERIAL
from pathways.sap.errors import SapError
from pathways.sap.runtime import endpoint_url

CPI_ROLES = (ROLE_READ, ROLE_CREDENTIALS, ROLE_SECURITY_MATERIAL)
OK = "ok"
MISSING = "missing"


@dataclass(frozen=True)
class Finding:
    """One line of the check result: what was checked, ok or missing, and a sentence about it."""

    name: str
    status: str
    sentence: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Group:
    """Findings that one remote conversation produces (one RunStep each)."""

    label: str
    run: Callable[[], list[Finding]]


def groups(connection: Connection) -> list[Group]:
    return [
        Group("CPI API key: token and roles", lambda: _cpi(connection)),
        Group("Cloud Foundry: login and Space Developer", lambda: _cloud_foundry(connection)),
        Group("Cloud Foundry: plan it-rt/integration-flow", lambda: _plan(connection)),
        Group("CPI runtime host answers", lambda: _runtime(connection)),
    ]


def _cpi(connection: Connection) -> list[Finding]:
    try:
        token = connection.tokens.for_key(connection.cpi.key)
    except (SapError, EngineError) as error:
        return [Finding("cpi_token", MISSING, f"No token for the CPI API key: {error}")] + [
            Finding(f"cpi_role_{role}", MISSING, f"Role {role} cannot be checked without a token")
            for role in CPI_ROLES
        ]
    findings = [Finding("cpi_token", OK, f"The CPI API key obtained a token (valid {token.expires_in} s)")]
    for role in CPI_ROLES:
        if token.has_role(role):
            findings.append(Finding(f"cpi_role_{role}", OK, f"The API key has the role {role}"))
        else:
            findings.append(
                Finding(
                    f"cpi_role_{role}",
                    MISSING,
                    f"The API key lacks the role {role}; add it to the api-plan instance",
                )
            )
    return findings


def _cloud_foundry(connection: Connection) -> list[Finding]:
    landscape = connection.landscape
    try:
        connection.cf.login()
    except (SapError, EngineError) as error:
        return [
            Finding("cf_login", MISSING, str(error)),
            Finding("cf_space_developer", MISSING, "Space Developer cannot be checked without a login"),
        ]
    findings = [Finding("cf_login", OK, f"Cloud Foundry login as {landscape.cf_user} works")]
    try:
        space = connection.space()
        developer = connection.cf.is_space_developer(space)
    except (SapError, EngineError) as error:
        return findings + [Finding("cf_space_developer", MISSING, str(error))]
    if developer:
        findings.append(
            Finding(
                "cf_space_developer",
                OK,
                f"{landscape.cf_user} is a Space Developer in {landscape.cf_org}/{space.name}",
            )
        )
    else:
        findings.append(
            Finding(
                "cf_space_developer",
                MISSING,
                f"{landscape.cf_user} is not a Space Developer in {space.name}; ask a space "
                f"manager to add the role",
            )
        )
    return findings


def _plan(connection: Connection) -> list[Finding]:
    try:
        connection.integration_flow_plan_guid()
    except (SapError, EngineError) as error:
        return [Finding("it_rt_plan", MISSING, str(error))]
    return [Finding("it_rt_plan", OK, "The plan it-rt/integration-flow is available")]


def _runtime(connection: Connection) -> list[Finding]:
    landscape = connection.landscape
    if not landscape.runtime_url:
        return [Finding("runtime", MISSING, "The landscape has no runtime URL")]
    url = endpoint_url(landscape.runtime_url, landscape.endpoint_path or "/")
    try:
        response = connection.http.request("GET", url, service="The CPI runtime")
    except (SapError, EngineError) as error:
        return [Finding("runtime", MISSING, f"The runtime host does not answer: {error}")]
    response.close()
    return [Finding("runtime", OK, f"The runtime host answers ({url} → HTTP {response.status_code})")]
