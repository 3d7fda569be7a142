"""Rotation without downtime: the successor is created beside the old credential and both are verified;
the old one is retired in a second run, only after the user confirms the other side has switched.

- Inbound (it-rt service key): a new key under a new name (keys cannot change in place, §5); the draft,
  `applied` and the hand-off move to the new key at once, the old key stays live until retired (deleted).
- Outbound (CPI key pair, generated): a new key pair under a temporary alias; the receiver trusts both
  certificates; at retire the old entry is renamed away, the new one takes the stable alias, and the old one
  is deleted (SAP's renewal flow: replace under the same alias, §13).

Public API: `rotation_blocker(pathway)`, `plan_rotation(pathway)`, `start_rotation(pathway, user,
new_certificate="")`, `start_retire(pathway, user)`, `open_rotation(pathway)`, `execute(run, recorder,
connection)` (called by the run executor for kind "rotate").
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from pathways import catalog, certinspect, certs
from pathways import plan as planning
from pathways.engine import verify
from pathways.engine.actions import HANDOFF_CERTIFICATE, entry_facts, record_key, store_handoff
from pathways.engine.connect import Connection
from pathways.engine.state import Work, key_not_after, leaf_fingerprint
from pathways.models import Actor, AuditEvent, Pathway, Rotation, RotationState, Run, RunKind, Secret
from pathways.models.certificates import OPEN_ROTATION_STATES
from pathways.sap.cpi import ROLE_SECURITY_MATERIAL, CpiClient, KeyPairRequest
from pathways.sap.errors import SapError
from pathways.status import PathwayStatus

if TYPE_CHECKING:
    from pathways.engine.runs import Recorder

CREATE, RETIRE = "create", "retire"
KEY_NAME_LIMIT = 32
ROTATION_SUFFIX = re.compile(r"-r\d{6}(-\d+)?$")


class RotationRefused(Exception):
    """A rotation or retirement cannot start; the message says why, for the page."""


# --- what can be rotated, and the plan ---------------------------------------------------------------------


def open_rotation(pathway: Pathway) -> Rotation | None:
    """The rotation under way, after settling one whose run ended without reaching its own end (a queue that
    refused the task, an interrupted worker): creating → failed, retiring → back to the overlap."""
    rotation = pathway.rotations.filter(state__in=OPEN_ROTATION_STATES).order_by("-created_at").first()
    if rotation is None or rotation.state == RotationState.OVERLAP:
        return rotation
    run = (
        Run.objects.filter(pathway=pathway, kind=RunKind.ROTATE, result__rotation=rotation.pk)
        .order_by("-created_at", "-id")
        .first()
    )
    if run is None or run.is_active or run.state == "succeeded":
        return rotation
    settled = RotationState.FAILED if rotation.state == RotationState.CREATING else RotationState.OVERLAP
    Rotation.objects.filter(pk=rotation.pk, state=rotation.state).update(
        state=settled, message=run.message[:500]
    )
    rotation.state, rotation.message = settled, run.message[:500]
    return rotation if rotation.is_open else None


def needs_new_certificate(pathway: Pathway) -> bool:
    """Inbound External Certificate keys rotate to a certificate the sender provides."""
    return pathway.spec.is_inbound and (pathway.applied or {}).get("key_kind") == "external_certificate"


def rotation_blocker(pathway: Pathway) -> str | None:
    """Why this pathway cannot be rotated now, or None."""
    applied = pathway.applied or {}
    if pathway.spec.is_inbound:
        if not applied.get("key_guid"):
            return "Apply and verify the pathway first; there is no service key to rotate yet."
        wanted = planning.key_parameters(pathway.method, desired_state_for(pathway, pathway.draft))[0]
        if applied.get("key_kind") and applied["key_kind"] != wanted:
            return (
                f"The draft now asks for {planning.KEY_KIND_WORDS[wanted]}, but the key is "
                f"{planning.KEY_KIND_WORDS.get(applied['key_kind'], applied['key_kind'])}; apply the draft "
                "under a new key name instead of rotating."
            )
    elif pathway.method == catalog.BASIC:
        return (
            f"CPI → {pathway.spec.target} with Basic authentication has no certificate: change the password "
            "in the draft and apply."
        )
    elif not applied.get("alias"):
        return "Apply and verify the pathway first; there is no key pair to rotate yet."
    elif applied.get("key_source") == "import":
        return (
            "This key pair was imported from a PKCS#12 file; upload the new file in the draft and apply it "
            "under a new alias, then switch the iFlow."
        )
    if open_rotation(pathway) is not None:
        return "A rotation of this pathway is already under way; finish or retire it first."
    return None


def successor_key_name(old_name: str, taken: set[str], today: datetime) -> str:
    """`<name>-rYYMMDD` (≤ 32 characters), with `-2`, `-3`… when that is taken."""
    base = ROTATION_SUFFIX.sub("", old_name) or "key"
    stamp = f"-r{today:%y%m%d}"
    for number in range(1, 100):
        suffix = stamp if number == 1 else f"{stamp}-{number}"
        candidate = base[: KEY_NAME_LIMIT - len(suffix)] + suffix
        if candidate not in taken and candidate != old_name:
            return candidate
    raise SapError("No free name for the new service key; delete old rotated keys first")


def temporary_alias(alias: str, today: datetime) -> str:
    return f"{alias[:220]}-new-{today:%Y%m%d%H%M%S}"


def plan_rotation(pathway: Pathway) -> list[dict]:
    """The rotation's actions with the overlap, for the page and the run's result."""
    applied = pathway.applied or {}
    other = pathway.spec.other_system
    until = applied.get("validuntil") or ""
    if pathway.spec.is_inbound:
        old = f"service key {applied.get('key_name', '')}"
        return [
            {
                "kind": "keep",
                "target": old,
                "reason": f"stays active during the overlap{_until(until)}; {other} keeps working with it",
            },
            {
                "kind": "create",
                "target": "a new service key beside it",
                "reason": "same instance and roles; verified before anything else happens",
            },
            {
                "kind": "handoff",
                "target": "the new key",
                "reason": f"hand-off sheet shows the new key for {other}",
            },
            {
                "kind": "delete",
                "target": old,
                "reason": f"only in the retire run, after you confirm {other} "
                "uses the new key and the new key verifies again",
            },
        ]
    alias = applied.get("alias", "")
    return [
        {
            "kind": "keep",
            "target": f"key pair {alias}",
            "reason": f"stays active during the overlap{_until(until)}",
        },
        {
            "kind": "create",
            "target": "a new key pair under a temporary alias",
            "reason": "same key type and subject; verified before anything else happens",
        },
        {
            "kind": "handoff",
            "target": "the new certificate",
            "reason": f"{other} trusts it beside the old one",
        },
        {
            "kind": "replace",
            "target": f"key pair {alias}",
            "reason": f"only in the retire run, after you confirm {other} trusts the new certificate: "
            "the new key pair takes the alias (the iFlow keeps its reference) and the old one is deleted",
        },
    ]


def _until(value: str) -> str:
    return f" (valid until {value[:10]})" if value else ""


# --- starting ----------------------------------------------------------------------------------------------


def _old_facts(pathway: Pathway) -> dict:
    applied = pathway.applied or {}
    keys = (
        "key_name",
        "key_guid",
        "key_kind",
        "clientid",
        "instance_guid",
        "alias",
        "fingerprint",
        "validuntil",
        "subject_dn",
        "key_type",
        "key_size",
    )
    return {key: applied[key] for key in keys if applied.get(key) is not None}


def _check_new_certificate(pathway: Pathway, text: str) -> dict:
    if not text.strip():
        raise RotationRefused(f"Upload the new {pathway.spec.other_system} client certificate first.")
    inspection = certinspect.inspect_text(
        text,
        certs.Purpose.CLIENT_EXTERNAL,
        threshold_days=pathway.landscape.expiry_threshold_days,
        known=certinspect.known_fingerprints(None),
    )
    if inspection.parsed is None:
        raise RotationRefused(inspection.read_error)
    if inspection.errors:
        raise RotationRefused(" ".join(f.message for f in inspection.errors))
    leaf = inspection.parsed.leaf
    return {"certificate": leaf.pem.decode("ascii"), "fingerprint": leaf.fingerprint_sha256}


def _start(pathway: Pathway, user: Actor | None, phase: str, rotation: Rotation) -> Run:
    from pathways.engine.runs import start_run

    run = start_run(pathway, RunKind.ROTATE, user)
    if run.kind != RunKind.ROTATE or run.result:
        raise RotationRefused("Another run of this pathway is still active; wait until it has finished.")
    run.result = {"phase": phase, "rotation": rotation.pk}
    Run.objects.filter(pk=run.pk).update(result=run.result)
    return run


def start_rotation(pathway: Pathway, user: Actor | None = None, new_certificate: str = "") -> Run:
    """Record the rotation and queue its first run (create and verify the successor); RotationRefused."""
    blocker = rotation_blocker(pathway)
    if blocker:
        raise RotationRefused(blocker)
    new = _check_new_certificate(pathway, new_certificate) if needs_new_certificate(pathway) else {}
    with transaction.atomic():
        rotation = Rotation.objects.create(
            pathway=pathway,
            old=_old_facts(pathway),
            new=new,
            started_by=user if user is not None and user.is_authenticated else None,
        )
        run = _start(pathway, user, CREATE, rotation)
        AuditEvent.record(
            user=user,
            action="rotation.start",
            landscape=pathway.landscape,
            pathway_key=pathway.key,
            note=f"rotation of {_label(rotation.old)} started",
        )
    return run


def start_retire(pathway: Pathway, user: Actor | None = None) -> Run:
    """The user confirms the other side has switched: queue the run that retires the old credential."""
    rotation = open_rotation(pathway)
    if rotation is None or rotation.state != RotationState.OVERLAP:
        raise RotationRefused("There is no rotation waiting for retirement; start a rotation first.")
    with transaction.atomic():
        Rotation.objects.filter(pk=rotation.pk).update(
            confirmed_by=user if user is not None and user.is_authenticated else None,
            confirmed_at=timezone.now(),
        )
        run = _start(pathway, user, RETIRE, rotation)
        AuditEvent.record(
            user=user,
            action="rotation.confirm",
            landscape=pathway.landscape,
            pathway_key=pathway.key,
            note=f"{pathway.spec.other_system} switched to {_label(rotation.new)}; retiring "
            f"{_label(rotation.old)}",
        )
    return run


def _label(facts: dict) -> str:
    if facts.get("key_name"):
        return f"service key {facts['key_name']}"
    if facts.get("alias"):
        return f"key pair {facts['alias']}"
    return "the credential"


# --- executing ---------------------------------------------------------------------------------------------


def execute(run: Run, recorder: Recorder, connection: Connection) -> str:
    """Run one phase of a rotation; returns the run's final message. SapError propagates (run fails)."""
    phase = (run.result or {}).get("phase")
    rotation = Rotation.objects.select_related("pathway__landscape").get(pk=run.result["rotation"])
    pathway = rotation.pathway
    if phase == CREATE:
        Rotation.objects.filter(pk=rotation.pk).update(state=RotationState.CREATING)
    elif phase == RETIRE:
        Rotation.objects.filter(pk=rotation.pk).update(state=RotationState.RETIRING)
    else:
        raise SapError("This rotate run does not say what to do; start the rotation again")
    with recorder.step("Plan the rotation (overlap)") as outcome:
        run.result["plan"] = plan_rotation(pathway)
        Run.objects.filter(pk=run.pk).update(result=run.result)
        outcome.message = "; ".join(f"{a['kind']} {a['target']}: {a['reason']}" for a in run.result["plan"])
    try:
        if pathway.spec.is_inbound:
            message = (_create_key if phase == CREATE else _retire_key)(rotation, recorder, connection)
        else:
            message = (_create_key_pair if phase == CREATE else _retire_key_pair)(
                rotation, recorder, connection
            )
    except BaseException as error:
        failed = RotationState.FAILED if phase == CREATE else RotationState.OVERLAP
        text = error.message if isinstance(error, SapError) else f"internal error ({type(error).__name__})"
        Rotation.objects.filter(pk=rotation.pk).update(state=failed, message=text[:500])
        raise
    return message


def _verify(connection: Connection, recorder: Recorder, label: str, work: Work) -> verify.Findings:
    findings = verify.Findings()
    for item in verify.checks_for(connection, work, findings):
        with recorder.step(f"{label}: {item.label.removeprefix('Verify: ')}") as outcome:
            outcome.message = item.run()
    return findings


# --- inbound: a new service key under a new name ----------------------------------------------------------


def _key_work(pathway: Pathway, guid: str, certificate: str, connection: Connection) -> Work:
    work = Work(pathway=pathway, desired={"external_certificate": certificate}, key_guid=guid)
    work.service_key = connection.cf.key_details(guid)
    return work


def _create_key(rotation: Rotation, recorder: Recorder, connection: Connection) -> str:
    pathway, old, cf = rotation.pathway, rotation.old, connection.cf
    instance_guid = old.get("instance_guid") or pathway.applied.get("instance_guid")
    with recorder.step(f"Find the old key {old['key_name']}") as outcome:
        keys = cf.list_keys(instance_guid)
        if not any(key.guid == old["key_guid"] for key in keys):
            raise SapError(
                f"The service key {old['key_name']} no longer exists; apply the pathway instead",
                code="not_applied",
            )
        new_name = successor_key_name(old["key_name"], {key.name for key in keys}, datetime.now(UTC))
        outcome.message = f"found; the new key will be {new_name}"
    desired = dict(pathway.draft)
    if rotation.new.get("certificate"):
        desired.update(certificate_source="external", external_certificate=rotation.new["certificate"])
    kind, parameters, _, problem = planning.key_parameters(
        pathway.method, desired_state_for(pathway, desired)
    )
    if problem:
        raise SapError(f"The new key cannot be described: {problem}", code="plan_problem")
    with recorder.step(f"Create the new key {new_name} beside {old['key_name']}") as outcome:
        binding = cf.create_key(instance_guid, new_name, parameters)
        outcome.message = (
            f"created {new_name} ({planning.KEY_KIND_WORDS[kind]}); {old['key_name']} stays active"
        )
    new_work = _key_work(pathway, binding.guid, rotation.new.get("certificate", ""), connection)
    new_work.instance_guid = instance_guid
    new_findings = _verify(connection, recorder, f"Verify the new key {new_name}", new_work)
    old_work = _key_work(pathway, old["key_guid"], "", connection)
    _verify(connection, recorder, f"Verify the old key {old['key_name']} (overlap)", old_work)
    with recorder.step("Hand over the new key") as outcome:
        new_work.applied = dict(pathway.applied or {})
        record_key(new_work, new_name)
        forget_reveals(pathway)
        not_after = new_findings.certificate_not_after or key_not_after(new_work.required_key())
        draft = dict(pathway.draft, key_name=new_name)
        if rotation.new.get("certificate"):
            draft["external_certificate"] = rotation.new["certificate"]
        _move_pathway(pathway, draft=draft, applied=new_work.applied, not_after=not_after)
        new_facts = {
            **rotation.new,
            "key_name": new_name,
            "key_guid": binding.guid,
            "key_kind": new_work.required_key().kind,
            "fingerprint": new_work.applied.get("fingerprint"),
            "validuntil": not_after.isoformat() if not_after else None,
        }
        new_facts.pop("certificate", None)
        Rotation.objects.filter(pk=rotation.pk).update(state=RotationState.OVERLAP, new=new_facts, message="")
        outcome.message = (
            f"the hand-off sheet now shows {new_name}; {old['key_name']} is retired once "
            f"{pathway.spec.other_system} has switched"
        )
    return (
        f"New key {new_name} created and verified beside {old['key_name']}; both work until you confirm "
        f"{pathway.spec.other_system} has switched"
    )


def desired_state_for(pathway: Pathway, draft: dict) -> dict:
    """The draft values the planner describes a key from, with the catalog's defaults filled in."""
    fields = pathway.spec.fields(pathway.method)
    return {spec.name: draft.get(spec.name, spec.default) for spec in fields if not spec.is_secret}


def _retire_key(rotation: Rotation, recorder: Recorder, connection: Connection) -> str:
    pathway, old, new, cf = rotation.pathway, rotation.old, rotation.new, connection.cf
    current_certificate = (
        pathway.draft.get("external_certificate", "") if new.get("key_kind") == "external_certificate" else ""
    )
    try:
        new_work = _key_work(pathway, new["key_guid"], current_certificate, connection)
    except SapError as error:
        if error.status == 404:
            raise SapError(
                f"The new key {new['key_name']} is gone; nothing was deleted. Start a new rotation",
                code="not_applied",
            ) from error
        raise
    _verify(
        connection, recorder, f"Verify the new key {new['key_name']} before retiring the old one", new_work
    )
    with recorder.step(f"Delete the old key {old['key_name']}") as outcome:
        cf.delete_key(old["key_guid"])
        outcome.message = f"deleted {old['key_name']}"
    with recorder.step(f"Confirm {old['key_name']} is gone") as outcome:
        instance_guid = old.get("instance_guid") or pathway.applied.get("instance_guid")
        if cf.find_key(instance_guid, old["key_name"]) is not None:
            raise SapError(f"The old key {old['key_name']} still exists after its deletion", retryable=True)
        outcome.message = f"only {new['key_name']} remains"
    _finish(rotation, pathway)
    return f"Retired {old['key_name']}; {new['key_name']} is the pathway's key"


# --- outbound: a new key pair, then the stable alias moves to it -------------------------------------------


def _key_pair_work(pathway: Pathway, alias: str, fingerprint: str) -> Work:
    return Work(pathway=pathway, desired={"alias": alias}, applied={"fingerprint": fingerprint})


def _create_key_pair(rotation: Rotation, recorder: Recorder, connection: Connection) -> str:
    pathway, old, cpi = rotation.pathway, rotation.old, connection.cpi
    alias = old["alias"]
    _verify(
        connection,
        recorder,
        f"Verify the old key pair {alias}",
        _key_pair_work(pathway, alias, old.get("fingerprint", "")),
    )
    now = datetime.now(UTC)
    new_alias = temporary_alias(alias, now)
    data = planning.key_pair_request(desired_state_for(pathway, pathway.draft))
    entry = cpi.get_keystore_entry(alias)
    if entry is not None and entry.key_type:
        data["key_type"], data["key_size"] = entry.key_type, entry.key_size or data["key_size"]
        data["signature_algorithm"] = planning.SIGNATURE_ALGORITHMS.get(
            entry.key_type, data["signature_algorithm"]
        )
    with recorder.step(f"Generate the new key pair {new_alias} beside {alias}") as outcome:
        cpi.generate_key_pair(
            KeyPairRequest(
                alias=new_alias,
                common_name=data["common_name"],
                country=data["country"],
                organization=data["organization"] or None,
                key_type=data["key_type"],
                key_size=data["key_size"],
                signature_algorithm=data["signature_algorithm"],
                valid_not_before=now,
                valid_not_after=now + timedelta(days=data["validity_days"]),
            )
        )
        certificate = cpi.download_certificate(new_alias)
        fingerprint = leaf_fingerprint(certificate) or ""
        outcome.message = f"generated {data['key_type']} {data['key_size']}; fingerprint {fingerprint}"
    new_findings = _verify(
        connection,
        recorder,
        f"Verify the new key pair {new_alias}",
        _key_pair_work(pathway, new_alias, fingerprint),
    )
    _verify(
        connection,
        recorder,
        f"Verify the old key pair {alias} (overlap)",
        _key_pair_work(pathway, alias, old.get("fingerprint", "")),
    )
    not_after = new_findings.certificate_not_after
    Rotation.objects.filter(pk=rotation.pk).update(
        state=RotationState.OVERLAP,
        message="",
        new={
            "alias": new_alias,
            "fingerprint": fingerprint,
            "certificate": certificate,
            "validuntil": not_after.isoformat() if not_after else None,
        },
    )
    return (
        f"New key pair {new_alias} generated and verified beside {alias}; give its certificate to "
        f"{pathway.spec.target} and confirm once it trusts it"
    )


def rename_keystore_entry(cpi: CpiClient, alias: str, new_alias: str) -> None:
    """`PUT /KeystoreEntries('<hex>')?renameAlias=…` with body {"Status": null} (§10.2)."""
    cpi._call(
        "PUT",
        cpi._entry_path(alias),
        what=f"the rename of {alias} to {new_alias}",
        role=ROLE_SECURITY_MATERIAL,
        expected=(200, 204),
        params={"renameAlias": new_alias},
        json={"Status": None},
        alias=alias,
        keystore_write=True,
    )


def _retire_key_pair(rotation: Rotation, recorder: Recorder, connection: Connection) -> str:
    pathway, old, new, cpi = rotation.pathway, rotation.old, rotation.new, connection.cpi
    alias, new_alias = old["alias"], new["alias"]
    parking = f"{alias[:220]}-old-"
    current = cpi.get_keystore_entry(alias)
    switched = (
        cpi.get_keystore_entry(new_alias) is None
        and current is not None
        and certs.normalize_fingerprint(current.fingerprint_sha256 or "")
        == certs.normalize_fingerprint(new["fingerprint"])
    )
    if not switched:  # a retry after a failure past the switch finds the alias already on the new key pair
        _verify(
            connection,
            recorder,
            f"Verify the new key pair {new_alias} before retiring the old one",
            _key_pair_work(pathway, new_alias, new["fingerprint"]),
        )
        parked = f"{parking}{datetime.now(UTC):%Y%m%d%H%M%S}"
        with recorder.step(f"Move the old key pair {alias} aside") as outcome:
            rename_keystore_entry(cpi, alias, parked)
            outcome.message = f"renamed to {parked}"
        with recorder.step(f"Give the alias {alias} to the new key pair") as outcome:
            try:
                rename_keystore_entry(cpi, new_alias, alias)
            except BaseException:
                rename_keystore_entry(cpi, parked, alias)  # put the old one back: the iFlow keeps working
                raise
            outcome.message = f"{alias} now holds {new['fingerprint']}"
    findings = _verify(
        connection,
        recorder,
        f"Verify {alias} holds the new certificate",
        _key_pair_work(pathway, alias, new["fingerprint"]),
    )
    with recorder.step("Delete the old key pair") as outcome:
        old_fingerprint = certs.normalize_fingerprint(old.get("fingerprint") or "")
        parked_entries = [
            entry.alias
            for entry in cpi.list_keystore_entries()
            if entry.alias.startswith(parking)
            and certs.normalize_fingerprint(entry.fingerprint_sha256 or "") == old_fingerprint
        ]
        for name in parked_entries:
            cpi.delete_keystore_entry(name)
        outcome.message = f"deleted {', '.join(parked_entries) or 'nothing (already gone)'}"
    entry = cpi.get_keystore_entry(alias)
    store_handoff(pathway, HANDOFF_CERTIFICATE, new["certificate"])
    forget_reveals(pathway)
    applied = dict(pathway.applied or {}, alias=alias, fingerprint=new["fingerprint"])
    if entry is not None:
        applied.update(entry_facts(entry))
    _move_pathway(pathway, draft=None, applied=applied, not_after=findings.certificate_not_after)
    _finish(rotation, pathway)
    return (
        f"{alias} now holds the new certificate and the old key pair is deleted; restart the iFlows that "
        f"use {alias} (CPI caches the keystore for up to 24 h)"
    )


# --- bookkeeping -------------------------------------------------------------------------------------------


def forget_reveals(pathway: Pathway) -> None:
    """A new hand-off may be revealed once again."""
    Secret.objects.filter(pathway=pathway, name__startswith="handoff_revealed_").delete()


def _move_pathway(pathway: Pathway, *, draft: dict | None, applied: dict, not_after: datetime | None) -> None:
    now = timezone.now()
    fields = {
        "applied": applied,
        "status": PathwayStatus.VERIFIED,
        "status_message": "",
        "last_verified_at": now,
        "certificate_not_after": not_after,
    }
    with transaction.atomic():
        fresh = Pathway.objects.select_for_update().get(pk=pathway.pk)
        if draft is not None:
            meta = dict(fresh.draft_meta)
            changed = [name for name, value in draft.items() if fresh.draft.get(name) != value]
            version = fresh.version + 1
            for name in changed:
                meta[name] = {"version": version, "by": "rotation", "at": now.isoformat(timespec="seconds")}
            fields.update(draft=draft, draft_meta=meta, version=version)
        Pathway.objects.filter(pk=pathway.pk).update(**fields)
    for name, value in fields.items():
        setattr(pathway, name, value)


def _finish(rotation: Rotation, pathway: Pathway) -> None:
    Rotation.objects.filter(pk=rotation.pk).update(
        state=RotationState.RETIRED, finished_at=timezone.now(), message=""
    )
    AuditEvent.record(
        user=None,
        action="rotation.retire",
        landscape=pathway.landscape,
        pathway_key=pathway.key,
        changes={"credential": [_label(rotation.old), _label(rotation.new)]},
        note=f"{_label(rotation.old)} retired",
    )
