"""Drift: reads what an applied pathway left remotely and says, sentence by sentence, what differs now.

Compared with `pathway.applied` (what the last successful apply recorded):
- inbound: the it-rt instance and the service key are still there under the same guids (a key deleted or
  re-created in the cockpit), and a certificate key still carries the same certificate (fingerprint);
- outbound Basic: the User Credentials artifact still exists with the same user, and was not deployed again
  after the apply (`DeployedOn` later than `applied_at`: someone redeployed it by hand);
- outbound certificate: the keystore key pair and the trusted receiver root still exist with the fingerprints
  that were handed over (an entry replaced in the keystore has another fingerprint).
Reads only; nothing remote is changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from pathways import catalog, certs
from pathways.engine.connect import Connection
from pathways.engine.state import leaf_fingerprint
from pathways.sap.errors import SapError

if TYPE_CHECKING:
    from pathways.models import Pathway


def clock_skew() -> timedelta:
    """How much later than `applied_at` a DeployedOn may be before it counts as a redeploy by hand."""
    return timedelta(seconds=float(settings.AUTHWIZARD_DRIFT_CLOCK_SKEW_SECONDS))


def _same_fingerprint(left: str | None, right: str | None) -> bool:
    return certs.normalize_fingerprint(left or "") == certs.normalize_fingerprint(right or "")


def _short(fingerprint: str | None) -> str:
    return (certs.normalize_fingerprint(fingerprint or "") or "none")[:16]


def _inbound(connection: Connection, applied: dict) -> list[str]:
    cf = connection.cf
    name, guid = applied.get("instance_name") or "", applied.get("instance_guid") or ""
    found = cf.find_instance(connection.space().guid, name)
    if found is None:
        return [f"The service instance {name} was deleted."]
    differences = []
    if guid and found.guid != guid:
        differences.append(f"The service instance {name} was deleted and created again (another guid).")
    key_name, key_guid = applied.get("key_name") or "", applied.get("key_guid") or ""
    if not key_name:
        return differences
    binding = cf.find_key(found.guid, key_name)
    if binding is None:
        return [*differences, f"The service key {key_name} was deleted."]
    if key_guid and binding.guid != key_guid:
        differences.append(
            f"The service key {key_name} was deleted and created again: "
            "the credentials handed over no longer work."
        )
    elif applied.get("fingerprint"):
        remote = leaf_fingerprint(cf.key_details(binding.guid).certificate)
        if not _same_fingerprint(remote, applied["fingerprint"]):
            differences.append(
                f"The certificate of service key {key_name} changed (fingerprint "
                f"{_short(remote)}…, handed over {_short(applied['fingerprint'])}…)."
            )
    return differences


def _credential(connection: Connection, applied: dict) -> list[str]:
    name = applied.get("credential_name") or ""
    found = connection.cpi.get_user_credential(name)
    if found is None:
        return [f"The User Credentials artifact {name} was deleted."]
    differences = []
    if applied.get("user") and found.user != applied["user"]:
        differences.append(f"The user of {name} is {found.user} now, not {applied['user']}.")
    applied_at = _parse(applied.get("applied_at"))
    if found.deployed_on and applied_at and found.deployed_on > applied_at + clock_skew():
        by = f" by {found.deployed_by}" if found.deployed_by else ""
        differences.append(
            f"{name} was deployed again{by} on {found.deployed_on:%Y-%m-%d %H:%M} UTC, after the "
            "apply: its password may differ from the one AuthWizard stored."
        )
    return differences


def _keystore(connection: Connection, applied: dict) -> list[str]:
    cpi, differences = connection.cpi, []
    for alias_key, fingerprint_key, what in (
        ("alias", "fingerprint", "key pair"),
        ("trusted_alias", "trusted_fingerprint", "trusted certificate"),
    ):
        alias = applied.get(alias_key)
        if not alias:
            continue
        entry = cpi.get_keystore_entry(alias)
        if entry is None:
            differences.append(f"The {what} {alias} was deleted from the keystore.")
        elif applied.get(fingerprint_key) and not _same_fingerprint(
            entry.fingerprint_sha256, applied[fingerprint_key]
        ):
            differences.append(
                f"The {what} {alias} was replaced in the keystore (fingerprint "
                f"{_short(entry.fingerprint_sha256)}…, applied {_short(applied[fingerprint_key])}…)."
            )
    return differences


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def differences(connection: Connection, pathway: Pathway) -> list[str]:
    """What differs between the remote objects and `pathway.applied`, one sentence each; [] when in sync."""
    applied = pathway.applied or {}
    if pathway.spec.is_inbound:
        return _inbound(connection, applied)
    if applied.get("credential_name") and pathway.method == catalog.BASIC:
        return _credential(connection, applied)
    return _keystore(connection, applied)


def check_pathways(pathways: Sequence[Pathway]) -> dict[int, dict]:
    """Drift findings of applied pathways of one landscape, read over one connection, and stored on each row.

    Returns {pathway id: {"differences": [...], "error": "", "checked_at": iso}}. A remote failure is kept
    as `error` (the pathway is then not called drifted: nobody could tell).
    """
    from pathways.models import Pathway

    pathways = [p for p in pathways if p.applied]
    if not pathways:
        return {}
    findings: dict[int, dict] = {}
    with Connection(pathways[0].landscape) as connection:
        for pathway in pathways:
            now = timezone.now()
            try:
                found, error = differences(connection, pathway), ""
            except SapError as failure:
                found, error = [], failure.message[:300]
            finding = {"differences": found, "error": error, "checked_at": now.isoformat(timespec="seconds")}
            Pathway.objects.filter(pk=pathway.pk).update(drift=finding, drift_checked_at=now)
            pathway.drift, pathway.drift_checked_at = finding, now
            findings[pathway.pk] = finding
    return findings
