"""The iFlows of a landscape in runs: discovery (read only), reading a pathway's iFlows for its plan, and the
plan's iFlow actions in an apply — set exactly the named parameters, deploy, wait until started.

Nothing else of an iFlow is ever written: no other parameter, no content, no undeploy.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pathways import iflows
from pathways.errors import EngineError
from pathways.models import AuditEvent, FoundParameter, IFlowParameter, Landscape, Pathway
from pathways.sap.errors import SapError
from pathways.shapes.base import KEEP, Action, RemoteState, Work

if TYPE_CHECKING:
    from pathways.engine.connect import Connection
    from pathways.engine.runs import Recorder
    from pathways.models import Run

# The names by which a package of the standard content is recognised when none is named (D-51).
CONTENT_NAME_PARTS = ("sap sales cloud and sap service cloud version 2 integration", "s/4hana")


def _candidates(connection: Connection) -> str:
    """Packages on the tenant that look like the S/4HANA ↔ SSCv2 content, in words, for a message."""
    found = [
        _("%(name)s (id %(id)s)") % {"name": package.name, "id": package.id}
        for package in connection.content.list_packages()
        if all(part in package.name.lower() for part in CONTENT_NAME_PARTS)
    ]
    return "; ".join(found)


def discover(run: Run, recorder: Recorder, connection: Connection) -> str:
    """List the iFlows of the landscape's packages and record their authentication parameters with a first
    guess; confirmations already made stay. Returns the run's message."""
    landscape = run.landscape
    package_ids = landscape.package_ids()
    if not package_ids:
        with recorder.step(_("Find the integration packages")) as outcome:
            candidates = _candidates(connection)
            outcome.message = candidates or _("no package of the S/4HANA ↔ SSCv2 content found")
        hint = (
            " " + _("Packages that look like it: %(candidates)s.") % {"candidates": candidates}
            if candidates
            else ""
        )
        raise EngineError(
            _("The landscape names no integration package yet; enter its id in the landscape settings.")
            + hint,
            code="not_configured",
        )
    run.plan_steps(len(package_ids) + 1)
    found: list[FoundParameter] = []
    unread: list[str] = []
    flows_seen = 0
    for package_id in package_ids:
        with recorder.step(_("Read the iFlows of package %(package)s") % {"package": package_id}) as outcome:
            flows = connection.content.list_flows(package_id)
            flows_seen += len(flows)
            count = 0
            for flow in flows:
                try:
                    parameters = connection.content.get_configurations(flow.id, flow.version or "active")
                except SapError as error:
                    if error.code != "draft":
                        raise
                    unread.append(flow.id)
                    continue
                for parameter in parameters:
                    role = iflows.classify(parameter.key, parameter.data_type, parameter.value)
                    if role is None:
                        continue
                    count += 1
                    found.append(
                        FoundParameter(
                            package_id=package_id,
                            flow_id=flow.id,
                            flow_version=flow.version,
                            flow_name=flow.name or flow.id,
                            key=parameter.key,
                            data_type=parameter.data_type,
                            role=role,
                            value=parameter.value,
                            guessed_pathway=iflows.guess_pathway(flow.name, flow.id, role),
                        )
                    )
            outcome.message = ngettext("%(count)d iFlow", "%(count)d iFlows", len(flows)) % {
                "count": len(flows)
            } + ngettext(
                ", %(count)d authentication parameter", ", %(count)d authentication parameters", count
            ) % {"count": count}
    with recorder.step(_("Remember what was found")) as outcome:
        counts = IFlowParameter.record_discovery(landscape, found, unread_flows=unread)
        outcome.message = _("%(new)d new, %(known)d known, %(missing)d no longer found") % counts
    run.result = {
        "packages": package_ids,
        "flows": flows_seen,
        "parameters": len(found),
        **counts,
        "unread": unread,
    }
    unconfirmed = (
        IFlowParameter.objects.present().filter(landscape=landscape, confirmed_at__isnull=True).count()
    )
    message = (
        ngettext("%(count)d iFlow read", "%(count)d iFlows read", flows_seen) % {"count": flows_seen}
        + ngettext(
            ", %(count)d authentication parameter", ", %(count)d authentication parameters", len(found)
        )
        % {"count": len(found)}
        + _("; %(count)d to confirm") % {"count": unconfirmed}
    )
    if unread:
        message += _("; not read (a draft is open in CPI): %(flows)s") % {"flows": ", ".join(unread)}
    return message


# --- a pathway's iFlows in its plan and apply ------------------------------------------------------------


def _parameter(row: IFlowParameter, value: str | None = None) -> iflows.Parameter:
    return iflows.Parameter(
        row.flow_id, row.flow_name, row.key, row.role, row.value if value is None else value
    )


def stored(pathway: Pathway) -> list[iflows.Parameter]:
    """The pathway's confirmed parameters as last read."""
    return [_parameter(row) for row in IFlowParameter.objects.of_pathway(pathway)]


def known(landscape: Landscape) -> list[iflows.Parameter]:
    """Every present parameter of the landscape (literals already in use on the tenant)."""
    return [_parameter(row) for row in IFlowParameter.objects.present().filter(landscape=landscape)]


def created_names(applied: dict) -> tuple[str, ...]:
    """The credential name or alias the pathway's last apply produced."""
    return tuple(str(applied[name]) for name in ("credential_name", "alias") if applied.get(name))


def read_for_plan(connection: Connection, work: Work, remote: RemoteState) -> RemoteState:
    """The pathway's confirmed iFlow parameters read from CPI now (each value recorded as last read), added to
    the remote state the planner sees. No call at all when no parameter is confirmed for the pathway."""
    pathway = work.pathway
    rows = list(IFlowParameter.objects.of_pathway(pathway))
    if not rows:
        return remote
    current: list[iflows.Parameter] = []
    for flow_rows, values in _read_by_flow(connection, rows):
        for row in flow_rows:
            if row.key not in values:
                raise EngineError(
                    _(
                        "The iFlow %(flow)s has no parameter '%(key)s' any more; discover the iFlows again "
                        "and confirm their parameters"
                    )
                    % {"flow": row.flow_name, "key": row.key},
                    code="plan_problem",
                )
            if values[row.key] != row.value:
                row.record_value(values[row.key])
            current.append(_parameter(row, values[row.key]))
    return replace(
        remote,
        iflow_parameters=tuple(current),
        iflow_known=tuple(known(pathway.landscape)),
        created_names=created_names(work.applied),
    )


def _read_by_flow(
    connection: Connection, rows: list[IFlowParameter]
) -> list[tuple[list[IFlowParameter], dict[str, str]]]:
    """The rows grouped by iFlow, each group with its iFlow's parameter values as CPI has them now (one read
    of each iFlow's configurations)."""
    by_flow: dict[str, list[IFlowParameter]] = {}
    for row in rows:
        by_flow.setdefault(row.flow_id, []).append(row)
    return [
        (flow_rows, {p.key: p.value for p in connection.content.get_configurations(flow_id)})
        for flow_id, flow_rows in by_flow.items()
    ]


def execute(connection: Connection, work: Work, action: Action) -> str:
    """Set one parameter (read back by the client) or deploy one iFlow and wait until it is started."""
    data = action.data
    pathway = work.pathway
    flow_id, flow_name = str(data["flow_id"]), str(data.get("flow_name") or data["flow_id"])
    if action.kind == KEEP:
        return _("iFlow %(flow)s kept as it is: %(reason)s") % {"flow": flow_name, "reason": action.reason}
    if action.resource == iflows.IFLOW_PARAMETER:
        key, wanted = str(data["key"]), str(data["to"])
        current = {p.key: p.value for p in connection.content.get_configurations(flow_id, key=key)}
        if current.get(key) == wanted:
            return _("%(key)s of iFlow %(flow)s is already %(value)s") % {
                "key": key,
                "flow": flow_name,
                "value": wanted,
            }
        connection.content.update_configuration(flow_id, "active", key, wanted)
        row = IFlowParameter.objects.filter(landscape=pathway.landscape, flow_id=flow_id, key=key).first()
        if row is not None:
            row.record_value(wanted)
        AuditEvent.record(
            user=work.requested_by,
            action="iflow.parameter_set",
            landscape=pathway.landscape,
            pathway_key=pathway.key,
            changes={f"{flow_id} {key}": [current.get(key, ""), wanted]},
            note=flow_name,
        )
        return _("%(key)s of iFlow %(flow)s set to %(value)s") % {
            "key": key,
            "flow": flow_name,
            "value": wanted,
        }
    if action.resource == iflows.IFLOW:
        task = connection.content.deploy(flow_id)
        try:
            status = connection.content.wait_until_started(flow_id, task=task)
        except SapError as error:
            AuditEvent.record(
                user=work.requested_by,
                action="iflow.deploy_failed",
                landscape=pathway.landscape,
                pathway_key=pathway.key,
                note=f"{flow_name}: {error.message}",
            )
            raise
        AuditEvent.record(
            user=work.requested_by,
            action="iflow.deployed",
            landscape=pathway.landscape,
            pathway_key=pathway.key,
            changes={flow_id: ["", f"{status.status} {status.version}"]},
            note=flow_name,
        )
        return _("iFlow %(flow)s deployed (version %(version)s) and started") % {
            "flow": flow_name,
            "version": status.version,
        }
    raise EngineError(f"Unknown iFlow action {action.resource}", code="plan_problem")


# --- what pages show ---------------------------------------------------------------------------------------


def verdicts_for(pathway: Pathway) -> list[iflows.Verdict]:
    """The pathway's iFlows as last read, each parameter judged against the draft, for the pathway page."""
    from pathways.engine.state import desired_state

    parameters = stored(pathway)
    if not parameters:
        return []
    return iflows.judge(
        pathway.key,
        pathway.method,
        desired_state(pathway),
        parameters,
        known=known(pathway.landscape),
        created=created_names(pathway.applied or {}),
    )


# --- drift -------------------------------------------------------------------------------------------------


def drift(connection: Connection, pathway: Pathway) -> list[str]:
    """After an apply: the confirmed parameters (confirmed before that apply) of the pathway's iFlows that no
    longer agree with what it applied, read from CPI now, one sentence each. Reads only; [] when none."""
    from pathways import shapes
    from pathways.engine.drift import parse_time
    from pathways.engine.state import desired_state

    applied = pathway.applied or {}
    applied_at = parse_time(applied.get("applied_at"))
    if applied_at is None or shapes.of_applied(applied) is not shapes.of(pathway):
        return []  # nothing applied with the pathway's method: nothing an apply made agree
    rows = [
        row
        for row in IFlowParameter.objects.of_pathway(pathway)
        if row.confirmed_at is not None and row.confirmed_at <= applied_at
    ]
    if not rows:
        return []
    current: list[iflows.Parameter] = []
    for flow_rows, values in _read_by_flow(connection, rows):
        current.extend(_parameter(row, values.get(row.key, "")) for row in flow_rows)
    # What the apply produced wins over a draft changed since: the drift is against the applied credential.
    desired = {
        **desired_state(pathway),
        **{k: applied[k] for k in ("credential_name", "alias") if applied.get(k)},
    }
    verdicts = iflows.judge(
        pathway.key,
        pathway.method,
        desired,
        current,
        known=known(pathway.landscape),
        created=created_names(applied),
    )
    return [v.sentence for v in verdicts if not v.agrees and v.wanted is not None and v.parameter.key]
