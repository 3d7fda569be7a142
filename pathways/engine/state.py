"""Reads one pathway's draft (secrets only as flags) and its remote objects into the planner's terms."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pathways import catalog, certs
from pathways.engine.connect import Connection
from pathways.plan import (
    RemoteCredential,
    RemoteEntry,
    RemoteInstance,
    RemoteKey,
    RemoteState,
)
from pathways.sap.cpi import KeystoreEntry
from pathways.sap.errors import SapError
from pathways.sap.keys import ServiceKey

if TYPE_CHECKING:
    from pathways.models import Pathway


@dataclass
class Work:
    """What one run learns and produces for a pathway; `service_key` (with secrets) stays in memory."""

    pathway: Any
    desired: dict[str, Any]
    instance_guid: str | None = None
    key_guid: str | None = None
    service_key: ServiceKey | None = field(default=None, repr=False)
    applied: dict[str, Any] = field(default_factory=dict)

    def required_key(self) -> ServiceKey:
        """The service key this run read; refused when there is none (the pathway is not applied)."""
        if self.service_key is None:
            raise SapError("The service key does not exist; apply the pathway first", code="not_applied")
        return self.service_key


def desired_state(pathway: Pathway) -> dict[str, Any]:
    """The draft through the catalog (defaults filled in), plus flags and fingerprints for the secrets."""
    spec = pathway.spec
    desired: dict[str, Any] = {}
    for field_spec in pathway.active_fields():
        if not field_spec.is_secret:
            # The method's own default: Pathway.value() takes it from all methods, where the last one wins.
            desired[field_spec.name] = pathway.draft.get(field_spec.name, field_spec.default)
    if not spec.is_inbound and pathway.method == catalog.BASIC:
        password = pathway.secret("password")
        desired["password_present"] = password is not None
        desired["password_changed"] = (
            password is not None and password.set_at.isoformat() != pathway.applied.get("password_set_at")
        )
    if (
        not spec.is_inbound
        and pathway.method == catalog.CERTIFICATE
        and desired.get("key_source") == "import"
    ):
        desired.update(pkcs12_state(pathway))
    return desired


def pkcs12_state(pathway: Pathway) -> dict[str, Any]:
    """Whether a PKCS#12 file and passphrase are stored, and the fingerprint of its certificate."""
    bundle, passphrase = pathway.secret("pkcs12"), pathway.secret("pkcs12_passphrase")
    if bundle is None:
        return {"pkcs12_present": False, "pkcs12_fingerprint": ""}
    try:
        parsed = certs.parse_certificates(
            base64.b64decode(bundle.reveal()), passphrase.reveal() if passphrase else None
        )
    except (certs.CertificateError, ValueError):
        return {"pkcs12_present": True, "pkcs12_fingerprint": ""}
    return {"pkcs12_present": True, "pkcs12_fingerprint": parsed.leaf.fingerprint_sha256}


def leaf_fingerprint(pem: str | None) -> str | None:
    if not pem:
        return None
    try:
        return certs.parse_certificates(pem).leaf.fingerprint_sha256
    except certs.CertificateError:
        return None


def remote_entry(entry: KeystoreEntry | None) -> RemoteEntry | None:
    if entry is None:
        return None
    return RemoteEntry(
        alias=entry.alias,
        type=entry.type,
        fingerprint=entry.fingerprint_sha256,
        valid_not_after=entry.valid_not_after.isoformat() if entry.valid_not_after else None,
        key_type=entry.key_type,
        key_size=entry.key_size,
        subject_dn=entry.subject_dn,
    )


def read_remote_state(connection: Connection, work: Work) -> RemoteState:
    """Look up, by name, every remote object the pathway's method uses; record guids and the key on `work`."""
    pathway, desired = work.pathway, work.desired
    if pathway.spec.is_inbound:
        return _read_inbound(connection, work)
    cpi = connection.cpi
    if pathway.method == catalog.BASIC:
        found = cpi.get_user_credential(desired.get("credential_name") or "")
        credential = (
            None
            if found is None
            else RemoteCredential(
                name=found.name,
                kind=found.kind,
                user=found.user,
                description=found.description,
                status=found.status,
            )
        )
        return RemoteState(credential=credential)
    key_pair = remote_entry(cpi.get_keystore_entry(desired.get("alias") or ""))
    trusted = None
    if (desired.get("server_root") or "").strip() and desired.get("server_root_alias"):
        trusted = remote_entry(cpi.get_keystore_entry(desired["server_root_alias"]))
    return RemoteState(key_pair=key_pair, trusted=trusted)


def _read_inbound(connection: Connection, work: Work) -> RemoteState:
    cf, desired, applied = connection.cf, work.desired, work.pathway.applied
    space = connection.space()
    plan_guid = connection.integration_flow_plan_guid()
    found = cf.find_instance(space.guid, desired.get("instance_name") or "")
    if found is None:
        return RemoteState()
    work.instance_guid = found.guid
    parameters = cf.instance_parameters(found.guid)
    if parameters is None and applied.get("instance_guid") == found.guid:
        parameters = applied.get("instance_parameters")
    operation = found.last_operation
    instance = RemoteInstance(
        guid=found.guid,
        name=found.name,
        plan_matches=found.plan_guid == plan_guid,
        state=operation.state if operation else None,
        operation=operation.type if operation else None,
        parameters=parameters,
    )
    if instance.state == "failed" or not instance.plan_matches:
        return RemoteState(instance=instance)
    binding = cf.find_key(found.guid, desired.get("key_name") or "")
    if binding is None:
        return RemoteState(instance=instance)
    work.key_guid = binding.guid
    state = binding.last_operation.state if binding.last_operation else None
    key = RemoteKey(guid=binding.guid, name=binding.name, state=state)
    if state in (None, "succeeded"):
        work.service_key = cf.key_details(binding.guid)
        key = describe_key(binding.guid, binding.name, work.service_key)
    return RemoteState(instance=instance, key=key)


def describe_key(guid: str, name: str, service_key: ServiceKey) -> RemoteKey:
    return RemoteKey(
        guid=guid,
        name=name,
        kind=service_key.kind,
        fingerprint=leaf_fingerprint(service_key.certificate),
        valid_until=service_key.valid_until.isoformat() if service_key.valid_until else None,
        state="succeeded",
    )


def key_not_after(service_key: ServiceKey) -> datetime | None:
    """The key certificate's end of validity: from `certificatedetails`, else from the certificate itself."""
    if service_key.valid_until is not None:
        return service_key.valid_until
    if service_key.certificate:  # a certificate key, or an external certificate one
        try:
            return certs.parse_certificates(service_key.certificate).leaf.not_after
        except certs.CertificateError:
            return None
    return None
