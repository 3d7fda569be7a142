"""Carries out one planned action through the SAP clients, adopting what already exists (idempotent)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from pathways import plan as planning
from pathways.engine.connect import Connection
from pathways.engine.state import Work, leaf_fingerprint
from pathways.sap.cloudfoundry import KeyBinding, ServiceInstance
from pathways.sap.cpi import CpiClient, KeyPairRequest, KeystoreEntry
from pathways.sap.errors import SapError
from pathways.sap.keys import KIND_CERTIFICATE, KIND_SECRET

if TYPE_CHECKING:
    from pathways.models import Pathway

HANDOFF_CLIENTSECRET = "handoff_clientsecret"
HANDOFF_PRIVATE_KEY = "handoff_private_key"
HANDOFF_CERTIFICATE = "handoff_certificate"


def execute(connection: Connection, work: Work, action: planning.Action) -> str:
    """Do one action; returns the one-line message for its step. SapError propagates."""
    handler = {
        planning.INSTANCE: _instance,
        planning.KEY: _key,
        planning.CREDENTIAL: _credential,
        planning.KEY_PAIR: _key_pair,
        planning.TRUSTED_CERTIFICATE: _trusted,
    }[action.resource]
    return handler(connection, work, action)


def store_handoff(pathway: Pathway, name: str, value: str | None) -> None:
    from pathways.models import Secret

    if value:
        Secret.store(landscape=pathway.landscape, pathway=pathway, name=name, value=value)


# --- inbound -----------------------------------------------------------------------------------------------


def _instance(connection: Connection, work: Work, action: planning.Action) -> str:
    cf, data = connection.cf, action.data
    space_guid = connection.space().guid
    message = f"kept {data['name']}"
    if action.kind == planning.REPLACE:
        cf.delete_instance(data["guid"])
    if action.kind in (planning.CREATE, planning.REPLACE):
        instance: ServiceInstance | None
        try:
            instance = cf.create_instance(
                space_guid,
                connection.integration_flow_plan_guid(),
                data["name"],
                data["parameters"],
                labels={"authwizard": work.pathway.key},
            )
            message = f"created {data['name']}"
        except SapError as error:
            if error.code != "duplicate_instance_name":
                raise
            instance = cf.find_instance(space_guid, data["name"])
            if instance is None:
                raise
            cf.update_instance_parameters(instance.guid, data["parameters"])
            message = f"adopted the existing {data['name']} and applied its parameters"
        work.instance_guid = instance.guid
    elif action.kind == planning.UPDATE:
        cf.update_instance_parameters(data["guid"], data["parameters"])
        work.instance_guid = data["guid"]
        message = f"updated {data['name']}: {action.reason}"
    else:
        work.instance_guid = data["guid"]
    work.applied.update(
        instance_name=data["name"], instance_guid=work.instance_guid, instance_parameters=data["parameters"]
    )
    return message


def _key(connection: Connection, work: Work, action: planning.Action) -> str:
    cf, data = connection.cf, action.data
    if work.instance_guid is None:
        raise SapError("The service instance is missing, so no key can be created")
    message = f"kept {data['name']}"
    if action.kind == planning.REPLACE:
        cf.delete_key(data["guid"])
    if action.kind in (planning.CREATE, planning.REPLACE):
        binding: KeyBinding | None
        try:
            binding = cf.create_key(work.instance_guid, data["name"], data["parameters"])
            message = f"created {data['name']}"
        except SapError as error:
            if error.code != "duplicate_key_name":
                raise
            binding = cf.find_key(work.instance_guid, data["name"])
            if binding is None:
                raise
            binding = cf.wait_for_key(binding)
            message = f"adopted the existing {data['name']}"
        work.key_guid = binding.guid
        work.service_key = cf.key_details(binding.guid)
    elif work.service_key is None:
        work.key_guid = data["guid"]
        work.service_key = cf.key_details(data["guid"])
    record_key(work, data["name"])
    return message


def record_key(work: Work, name: str) -> None:
    """Put the key's public facts into `applied` and its secrets into the vault for the hand-off sheet."""
    key = work.required_key()
    work.applied.update(
        key_name=name,
        key_guid=work.key_guid,
        key_kind=key.kind,
        clientid=key.clientid,
        url=key.url,
        tokenurl=key.tokenurl,
        fingerprint=leaf_fingerprint(key.certificate),
        validuntil=key.valid_until.isoformat() if key.valid_until else None,
    )
    if key.kind == KIND_SECRET:
        store_handoff(work.pathway, HANDOFF_CLIENTSECRET, key.clientsecret)
    if key.kind == KIND_CERTIFICATE:
        store_handoff(work.pathway, HANDOFF_PRIVATE_KEY, key.key)
    store_handoff(work.pathway, HANDOFF_CERTIFICATE, key.certificate)


# --- outbound Basic ----------------------------------------------------------------------------------------


def _credential(connection: Connection, work: Work, action: planning.Action) -> str:
    cpi, data, pathway = connection.cpi, action.data, work.pathway
    password_secret = pathway.secret("password")
    message = f"kept {data['name']}"
    if action.kind in (planning.CREATE, planning.UPDATE):
        password = password_secret.reveal()
        arguments = (data["name"], data["user"], password)
        try:
            if action.kind == planning.CREATE:
                cpi.create_user_credential(*arguments, description=data["description"])
                message = f"created {data['name']}"
            else:
                cpi.update_user_credential(*arguments, description=data["description"])
                message = f"updated {data['name']}: {action.reason}"
        except SapError as error:
            if error.code == "duplicate_credential":
                cpi.update_user_credential(*arguments, description=data["description"])
                message = f"updated the existing {data['name']}"
            elif error.code == "credential_missing":
                cpi.create_user_credential(*arguments, description=data["description"])
                message = f"created {data['name']} (it was gone)"
            else:
                raise
        deployed = cpi.wait_until_deployed(data["name"])
        message += f"; status {deployed.status}"
    work.applied.update(
        credential_name=data["name"],
        user=data["user"],
        description=data["description"],
        password_set_at=password_secret.set_at.isoformat() if password_secret else None,
    )
    return message


# --- outbound certificate ----------------------------------------------------------------------------------


def _key_pair(connection: Connection, work: Work, action: planning.Action) -> str:
    cpi, data, pathway = connection.cpi, action.data, work.pathway
    alias = data["alias"]
    message = f"kept {alias}"
    if action.kind in (planning.CREATE, planning.REPLACE):
        if data["source"] == "import":
            bundle, passphrase = pathway.secret("pkcs12"), pathway.secret("pkcs12_passphrase")
            cpi.import_pkcs12(
                alias,
                base64.b64decode(bundle.reveal()),
                passphrase.reveal() if passphrase else "",
                update=action.kind == planning.REPLACE,
            )
            message = f"imported the PKCS#12 key pair as {alias}"
        else:
            message = _generate(cpi, data)
    entry = cpi.get_keystore_entry(alias)
    if entry is None:
        raise SapError(f"The keystore entry {alias} is missing after it was written", retryable=True)
    certificate = cpi.download_certificate(alias)
    store_handoff(pathway, HANDOFF_CERTIFICATE, certificate)
    work.applied.update(
        alias=alias,
        key_source=data["source"],
        **entry_facts(entry),
        fingerprint=leaf_fingerprint(certificate) or entry.fingerprint_sha256,
    )
    return message + f"; fingerprint {work.applied['fingerprint']}"


def _generate(cpi: CpiClient, data: dict) -> str:
    now = datetime.now(UTC)
    request = KeyPairRequest(
        alias=data["alias"],
        common_name=data["common_name"],
        country=data["country"],
        organization=data["organization"] or None,
        key_type=data["key_type"],
        key_size=data["key_size"],
        signature_algorithm=data["signature_algorithm"],
        valid_not_before=now,
        valid_not_after=now + timedelta(days=data["validity_days"]),
    )
    try:
        cpi.generate_key_pair(request)
    except SapError as error:
        if error.code != "duplicate_alias":
            raise
        return f"adopted the existing key pair {data['alias']}"
    return f"generated {data['key_type']} {data['key_size']} key pair {data['alias']}"


def entry_facts(entry: KeystoreEntry) -> dict:
    return {
        "validuntil": entry.valid_not_after.isoformat() if entry.valid_not_after else None,
        "subject_dn": entry.subject_dn,
        "key_type": entry.key_type,
        "key_size": entry.key_size,
    }


def _trusted(connection: Connection, work: Work, action: planning.Action) -> str:
    cpi, data = connection.cpi, action.data
    message = f"kept {data['alias']}"
    if action.kind in (planning.CREATE, planning.UPDATE):
        try:
            cpi.upload_certificate(
                data["alias"],
                data["pem"],
                update=action.kind == planning.UPDATE,
                expected_fingerprint_sha256=data["fingerprint"],
            )
            message = f"uploaded {data['alias']}"
        except SapError as error:
            if error.code != "duplicate_alias":
                raise
            cpi.upload_certificate(
                data["alias"], data["pem"], update=True, expected_fingerprint_sha256=data["fingerprint"]
            )
            message = f"replaced {data['alias']}"
    work.applied.update(trusted_alias=data["alias"], trusted_fingerprint=data["fingerprint"])
    return message
