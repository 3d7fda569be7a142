"""Outbound Basic shape: a User Credentials artifact (kind default) in CPI's security material, holding the
receiver's technical user and password, deployed; the iFlow's receiver channel refers to it by name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pathways.sap.errors import SapError
from pathways.shapes.base import (
    CREATE,
    CREDENTIAL,
    KEEP,
    UPDATE,
    Action,
    Check,
    Findings,
    RemoteCredential,
    RemoteState,
    Shape,
    Work,
)

if TYPE_CHECKING:
    from pathways.catalog import Pathway as PathwaySpec
    from pathways.engine.connect import Connection
    from pathways.engine.runs import Recorder
    from pathways.models import Pathway

RIGHTS = ("cpi_token", "cpi_role_MonitoringDataRead", "cpi_role_CredentialsEdit")


def credential_action(desired: dict[str, Any], found: RemoteCredential | None) -> Action:
    name = desired.get("credential_name") or ""
    target = _("User Credentials %(name)s") % {"name": name}
    user = desired.get("user") or ""
    description = desired.get("description") or ""
    data = {"name": name, "user": user, "description": description}
    password_present = bool(desired.get("password_present"))
    if found is None:
        if not password_present:
            return Action(
                CREATE,
                CREDENTIAL,
                target,
                _("no artifact of this name exists"),
                data,
                problem=_("enter the password first"),
            )
        return Action(CREATE, CREDENTIAL, target, _("no artifact of this name exists in CPI"), data)
    if found.kind not in (None, "default"):
        return Action(
            KEEP,
            CREDENTIAL,
            target,
            _("an artifact of kind %(kind)s has this name") % {"kind": found.kind},
            data,
            problem=_("the name is taken by another kind of credential; choose another name"),
        )
    differences = []
    if (found.user or "") != user:
        differences.append(
            _("user %(value)s instead of %(user)s") % {"value": found.user or "(none)", "user": user}
        )
    if (found.description or "") != description:
        differences.append(_("another description"))
    if desired.get("password_changed"):
        differences.append(_("the password was changed in the draft since the last apply"))
    if not differences:
        if (found.status or "").upper() != "DEPLOYED":
            return Action(
                KEEP,
                CREDENTIAL,
                target,
                _("exists; status %(value)s, verification waits for DEPLOYED")
                % {"value": found.status or "unknown"},
                data,
            )
        return Action(KEEP, CREDENTIAL, target, _("exists with this user and description"), data)
    if not password_present:
        return Action(
            UPDATE,
            CREDENTIAL,
            target,
            "; ".join(differences),
            data,
            problem=_("CPI needs the password with every update; enter it again"),
        )
    return Action(UPDATE, CREDENTIAL, target, "; ".join(differences), data)


class UserCredentials(Shape):
    verify_steps = 1  # the most verify checks a run of this shape makes
    key = "user_credentials"
    label = gettext_lazy("User Credentials")
    holds_certificates = False
    rights = RIGHTS
    markers = ("credential_name",)

    def desired(self, pathway: Pathway) -> dict[str, Any]:
        desired = super().desired(pathway)
        password = pathway.secret("password")
        desired["password_present"] = password is not None
        desired["password_changed"] = (
            password is not None and password.set_at.isoformat() != pathway.applied.get("password_set_at")
        )
        return desired

    def plan(
        self, spec: PathwaySpec, method: str, desired: dict[str, Any], remote: RemoteState
    ) -> list[Action]:
        return [credential_action(desired, remote.credential)]

    def read(self, connection: Connection, work: Work) -> RemoteState:
        found = connection.cpi.get_user_credential(work.desired.get("credential_name") or "")
        if found is None:
            return RemoteState()
        return RemoteState(
            credential=RemoteCredential(
                name=found.name,
                kind=found.kind,
                user=found.user,
                description=found.description,
                status=found.status,
            )
        )

    def execute(self, connection: Connection, work: Work, action: Action) -> str:
        cpi, data, pathway = connection.cpi, action.data, work.pathway
        password_secret = pathway.secret("password")
        message = _("kept %(name)s") % {"name": data["name"]}
        if action.kind in (CREATE, UPDATE):
            password = password_secret.reveal()
            arguments = (data["name"], data["user"], password)
            try:
                if action.kind == CREATE:
                    cpi.create_user_credential(*arguments, description=data["description"])
                    message = _("created %(name)s") % {"name": data["name"]}
                else:
                    cpi.update_user_credential(*arguments, description=data["description"])
                    message = _("updated %(name)s: %(reason)s") % {
                        "name": data["name"],
                        "reason": action.reason,
                    }
            except SapError as error:
                if error.code == "duplicate_credential":
                    cpi.update_user_credential(*arguments, description=data["description"])
                    message = _("updated the existing %(name)s") % {"name": data["name"]}
                elif error.code == "credential_missing":
                    cpi.create_user_credential(*arguments, description=data["description"])
                    message = _("created %(name)s (it was gone)") % {"name": data["name"]}
                else:
                    raise
            deployed = cpi.wait_until_deployed(data["name"])
            message += _("; status %(status)s") % {"status": deployed.status}
        work.applied.update(
            shape=self.key,
            credential_name=data["name"],
            user=data["user"],
            description=data["description"],
            password_set_at=password_secret.set_at.isoformat() if password_secret else None,
        )
        return message

    def verify_checks(self, connection: Connection, work: Work, findings: Findings) -> list[Check]:
        return [
            Check(
                _("Verify: the User Credentials read back as DEPLOYED"),
                lambda: _credential_deployed(connection, work, findings),
            )
        ]

    def drift(self, connection: Connection, applied: dict[str, Any]) -> list[str]:
        from pathways.engine.drift import clock_skew, parse_time

        name = applied.get("credential_name") or ""
        found = connection.cpi.get_user_credential(name)
        if found is None:
            return [_("The User Credentials artifact %(name)s was deleted.") % {"name": name}]
        differences = []
        if applied.get("user") and found.user != applied["user"]:
            differences.append(
                _("The user of %(name)s is %(user)s now, not %(user2)s.")
                % {"name": name, "user": found.user, "user2": applied["user"]}
            )
        applied_at = parse_time(applied.get("applied_at"))
        if found.deployed_on and applied_at and found.deployed_on > applied_at + clock_skew():
            by = f" by {found.deployed_by}" if found.deployed_by else ""
            differences.append(
                f"{name} was deployed again{by} on {found.deployed_on:%Y-%m-%d %H:%M} UTC, after the "
                "apply: its password may differ from the one AuthWizard stored."
            )
        return differences

    def identity(self, applied: dict[str, Any]) -> dict[str, Any] | None:
        if not applied.get("credential_name"):
            return None
        return {name: applied[name] for name in ("credential_name", "user") if applied.get(name)}

    def same(self, left: dict[str, Any], right: dict[str, Any]) -> bool:
        return left.get("credential_name") == right.get("credential_name")

    def describe(self, facts: dict[str, Any]) -> str:
        user = _(" (user %(user)s)") % {"user": facts["user"]} if facts.get("user") else ""
        return _("User Credentials %(get)s%(user)s") % {"get": facts.get("credential_name", ""), "user": user}

    def still_exists(self, connection: Connection, facts: dict[str, Any]) -> bool:
        return connection.cpi.get_user_credential(facts["credential_name"]) is not None

    def retire(
        self, connection: Connection, recorder: Recorder, facts: dict[str, Any], pathway: Pathway
    ) -> str:
        name = facts["credential_name"]
        with recorder.step(_("Delete the User Credentials %(name)s") % {"name": name}) as outcome:
            gone_before = not connection.cpi.delete_user_credential(name)
            outcome.message = _("was already gone") if gone_before else _("deleted %(name)s") % {"name": name}
        with recorder.step(_("Confirm %(name)s is gone") % {"name": name}) as outcome:
            if self.still_exists(connection, facts):
                raise SapError(
                    _("The User Credentials %(name)s still exist after their deletion") % {"name": name},
                    retryable=True,
                )
            outcome.message = _("%(name)s no longer exists in CPI") % {"name": name}
        return _("Retired the %(describe)s") % {"describe": self.describe(facts)}

    def handoff_items(self, pathway: Pathway) -> list:
        from pathways.handoff import Item

        applied, other = pathway.applied or {}, pathway.spec.other_system
        return [
            Item(
                _("Credential name in CPI"),
                applied.get("credential_name", ""),
                _("Referenced by the iFlow's receiver channel"),
            ),
            Item(
                _("%(other)s user") % {"other": other},
                applied.get("user", ""),
                _("The technical user %(other)s's administrator created") % {"other": other},
            ),
        ]

    def rotation_blocker(self, pathway: Pathway) -> str | None:
        return _(
            "CPI → %(target)s with Basic authentication has no certificate: change the password "
            "in the draft and apply."
        ) % {"target": pathway.spec.target}


def _credential_deployed(connection: Connection, work: Work, findings: Findings) -> str:
    name = work.desired.get("credential_name") or ""
    found = connection.cpi.get_user_credential(name)
    if found is None:
        raise SapError(
            _("There are no User Credentials %(name)s in CPI; apply the pathway") % {"name": name},
            code="not_applied",
        )
    if found.kind not in (None, "default"):
        raise SapError(
            _(
                "%(name)s is a credential of kind %(kind)s, not User Credentials: it cannot prove "
                "Basic authentication"
            )
            % {"name": name, "kind": found.kind},
            code="method_mismatch",
        )
    credential = connection.cpi.wait_until_deployed(name)
    if (credential.user or "") != (work.desired.get("user") or ""):
        raise SapError(
            _("The User Credentials %(name)s hold user %(user)s, not the draft's user")
            % {"name": name, "user": credential.user},
            code="user_mismatch",
        )
    findings.proof.append(
        _("User Credentials %(name)s deployed for user %(user)s") % {"name": name, "user": credential.user}
    )
    return _("%(name)s is %(status)s for user %(user)s") % {
        "name": name,
        "status": credential.status,
        "user": credential.user,
    }


SHAPE = UserCredentials()
