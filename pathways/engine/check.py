"""Landscape check: the CPI API key's roles, the CF user's space role, the it-rt plan and the runtime host."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.utils.translation import gettext as _

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
        Group(_("CPI API key: token and roles"), lambda: _cpi(connection)),
        Group(_("Cloud Foundry: login and Space Developer"), lambda: _cloud_foundry(connection)),
        Group(_("Cloud Foundry: plan it-rt/integration-flow"), lambda: _plan(connection)),
        Group(_("CPI runtime host answers"), lambda: _runtime(connection)),
    ]


def _cpi(connection: Connection) -> list[Finding]:
    try:
        token = connection.tokens.for_key(connection.cpi.key)
    except (SapError, EngineError) as error:
        return [
            Finding("cpi_token", MISSING, _("No token for the CPI API key: %(error)s") % {"error": error})
        ] + [
            Finding(
                f"cpi_role_{role}",
                MISSING,
                _("Role %(role)s cannot be checked without a token") % {"role": role},
            )
            for role in CPI_ROLES
        ]
    findings = [
        Finding(
            "cpi_token",
            OK,
            _("The CPI API key obtained a token (valid %(expires_in)s s)") % {"expires_in": token.expires_in},
        )
    ]
    for role in CPI_ROLES:
        if token.has_role(role):
            findings.append(
                Finding(f"cpi_role_{role}", OK, _("The API key has the role %(role)s") % {"role": role})
            )
        else:
            findings.append(
                Finding(
                    f"cpi_role_{role}",
                    MISSING,
                    _("The API key lacks the role %(role)s; add it to the api-plan instance")
                    % {"role": role},
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
            Finding("cf_space_developer", MISSING, _("Space Developer cannot be checked without a login")),
        ]
    findings = [
        Finding(
            "cf_login", OK, _("Cloud Foundry login as %(cf_user)s works") % {"cf_user": landscape.cf_user}
        )
    ]
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
                _("%(cf_user)s is a Space Developer in %(cf_org)s/%(name)s")
                % {"cf_user": landscape.cf_user, "cf_org": landscape.cf_org, "name": space.name},
            )
        )
    else:
        findings.append(
            Finding(
                "cf_space_developer",
                MISSING,
                _("%(cf_user)s is not a Space Developer in %(name)s; ask a space manager to add the role")
                % {"cf_user": landscape.cf_user, "name": space.name},
            )
        )
    return findings


def _plan(connection: Connection) -> list[Finding]:
    try:
        connection.integration_flow_plan_guid()
    except (SapError, EngineError) as error:
        return [Finding("it_rt_plan", MISSING, str(error))]
    return [Finding("it_rt_plan", OK, _("The plan it-rt/integration-flow is available"))]


def _runtime(connection: Connection) -> list[Finding]:
    landscape = connection.landscape
    if not landscape.runtime_url:
        return [Finding("runtime", MISSING, _("The landscape has no runtime URL"))]
    url = endpoint_url(landscape.runtime_url, landscape.endpoint_path or "/")
    try:
        response = connection.http.request("GET", url, service=_("The CPI runtime"))
    except (SapError, EngineError) as error:
        return [
            Finding("runtime", MISSING, _("The runtime host does not answer: %(error)s") % {"error": error})
        ]
    response.close()
    return [
        Finding(
            "runtime",
            OK,
            _("The runtime host answers (%(url)s → HTTP %(status_code)s)")
            % {"url": url, "status_code": response.status_code},
        )
    ]
