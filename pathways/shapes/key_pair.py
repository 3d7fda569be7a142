"""Outbound certificate shape: a key pair in CPI's keystore (generated there, or imported from PKCS#12) whose
certificate the receiver trusts, plus, when the receiver's server certificate is not from a public CA, its
root as a trusted certificate entry. A CA-signed key pair (CSR downloaded, chain imported) stays CA-signed
through its rotations."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pathways import certs
from pathways.sap.cpi import ROLE_SECURITY_MATERIAL, KeyPairRequest, KeystoreEntry
from pathways.sap.errors import SapError
from pathways.shapes.base import (
    CONFIRM_REPLACE,
    CREATE,
    HANDOFF_CERTIFICATE,
    KEEP,
    KEY_PAIR,
    REPLACE,
    TRUSTED_CERTIFICATE,
    UPDATE,
    Action,
    Check,
    Findings,
    RemoteEntry,
    RemoteState,
    Shape,
    Work,
    leaf_fingerprint,
    same_fingerprint,
    short_fingerprint,
    store_handoff,
)

if TYPE_CHECKING:
    from pathways.catalog import Pathway as PathwaySpec
    from pathways.engine.connect import Connection
    from pathways.engine.runs import Recorder
    from pathways.models import Pathway, Rotation
    from pathways.sap.cpi import CpiClient

KEY_TYPES = {"RSA-2048": ("RSA", 2048), "RSA-4096": ("RSA", 4096), "EC-256": ("EC", 256)}
SIGNATURE_ALGORITHMS = {"RSA": "SHA-256/RSA", "EC": "SHA-256/ECDSA"}
RIGHTS = ("cpi_token", "cpi_role_MonitoringDataRead", "cpi_role_SecurityMaterialEdit")


# --- the planner's pure part -------------------------------------------------------------------------------


def key_pair_request(desired: dict[str, Any]) -> dict[str, Any]:
    """The generation data (DN, key type and size, signature algorithm, validity) for the engine."""
    key_type, key_size = KEY_TYPES.get(desired.get("key_type") or "RSA-2048", ("RSA", 2048))
    return {
        "common_name": desired.get("common_name") or "",
        "organization": desired.get("organization") or "",
        "country": (desired.get("country") or "").upper(),
        "key_type": key_type,
        "key_size": key_size,
        "signature_algorithm": SIGNATURE_ALGORITHMS[key_type],
        "validity_days": int(desired.get("validity_days") or 730),
    }


def key_pair_action(
    desired: dict[str, Any], found: RemoteEntry | None, remote_taken: tuple[str, ...] = ()
) -> Action:
    alias = desired.get("alias") or ""
    target = f"key pair {alias}"
    source = desired.get("key_source") or "generate"
    data: dict[str, Any] = {"alias": alias, "source": source}
    if found is not None and not found.is_key_pair:
        return Action(
            KEEP,
            KEY_PAIR,
            target,
            "the alias holds a trusted certificate, not a key pair",
            data,
            problem="the alias is used by a certificate entry; choose another alias",
        )
    if source == "import":
        wanted = desired.get("pkcs12_fingerprint") or ""
        data["fingerprint"] = wanted
        if not desired.get("pkcs12_present") or not wanted:
            return Action(
                CREATE if found is None else KEEP,
                KEY_PAIR,
                target,
                "the PKCS#12 file is missing",
                data,
                problem="upload the PKCS#12 file and its passphrase first",
            )
        if found is None:
            return Action(
                CREATE, KEY_PAIR, target, "no entry under this alias: import the PKCS#12 file", data
            )
        if found.fingerprint and same_fingerprint(found.fingerprint, wanted):
            return Action(KEEP, KEY_PAIR, target, "holds the certificate of the uploaded PKCS#12 file", data)
        return Action(
            REPLACE,
            KEY_PAIR,
            target,
            "holds another certificate than the uploaded PKCS#12 file: replace it under the same alias",
            data,
        )
    data.update(key_pair_request(desired))
    if not data["common_name"] or len(data["country"]) != 2:
        return Action(
            CREATE if found is None else KEEP,
            KEY_PAIR,
            target,
            "the distinguished name is incomplete",
            data,
            problem="a common name and a two-letter country are needed",
        )
    if found is None:
        return Action(
            CREATE,
            KEY_PAIR,
            target,
            f"no entry under this alias: generate {data['key_type']} {data['key_size']}, "
            f"valid {data['validity_days']} days",
            data,
        )
    differences = content_differences(found, data)
    if not differences:
        return Action(KEEP, KEY_PAIR, target, "a key pair exists under this alias", data)
    data["replaces"] = {"alias": alias, "fingerprint": found.fingerprint or ""}
    difference = f"it holds {'; '.join(differences)}"
    if desired.get(CONFIRM_REPLACE) == alias:
        return Action(
            REPLACE,
            KEY_PAIR,
            target,
            f"{difference}; replaced as confirmed: delete it (the receiver's trust in its certificate ends "
            f"at once) and generate {data['key_type']} {data['key_size']} under the same alias",
            data,
        )
    proposal = free_alias(alias, data, remote_taken)
    data["choices"] = {"field": "alias", "what": "key pair", "rename": proposal, "replace": alias}
    return Action(
        KEEP,
        KEY_PAIR,
        target,
        f"{difference} — a key pair cannot be changed in place",
        data,
        problem=f"the key pair {alias} is not the one the draft asks for; use the new alias {proposal} (the "
        f"existing key pair stays live until you retire it) or replace the existing key pair (delete it and "
        f"generate it anew)",
    )


def content_differences(found: RemoteEntry, data: dict[str, Any]) -> list[str]:
    """How a keystore key pair differs from the generation the draft asks for."""
    differences = []
    if found.key_type and found.key_type.upper() != data["key_type"]:
        differences.append(f"key type {found.key_type} instead of {data['key_type']}")
    elif found.key_size and found.key_size != data["key_size"]:
        differences.append(f"key size {found.key_size} instead of {data['key_size']}")
    if found.subject_dn and f"CN={data['common_name']}" not in found.subject_dn:
        differences.append(f"subject {found.subject_dn}")
    return differences


def free_alias(alias: str, data: dict[str, Any], taken: tuple[str, ...]) -> str:
    """`<alias>_<key type><size>` (e.g. s4_client_ec256), with `_2`, `_3`… when that is taken."""
    wanted = f"{alias}_{data['key_type'].lower()}{data['key_size']}"
    for number in range(1, 100):
        candidate = wanted if number == 1 else f"{wanted}_{number}"
        if candidate not in taken:
            return candidate
    return wanted


def trusted_action(desired: dict[str, Any], found: RemoteEntry | None) -> Action:
    alias = desired.get("server_root_alias") or ""
    target = f"trusted certificate {alias}"
    data: dict[str, Any] = {"alias": alias}
    try:
        leaf = certs.parse_certificates(desired["server_root"]).leaf
    except certs.CertificateError as error:
        return Action(
            CREATE,
            TRUSTED_CERTIFICATE,
            target,
            "the server root cannot be read",
            data,
            problem=f"the uploaded server root cannot be read: {error}",
        )
    data.update(pem=leaf.pem.decode("ascii"), fingerprint=leaf.fingerprint_sha256)
    if alias and alias == (desired.get("alias") or ""):
        return Action(
            KEEP,
            TRUSTED_CERTIFICATE,
            target,
            "the alias is the key pair's alias",
            data,
            problem="the server root needs an alias of its own",
        )
    if found is None:
        return Action(CREATE, TRUSTED_CERTIFICATE, target, "not in the keystore: upload it", data)
    if found.is_key_pair:
        return Action(
            KEEP,
            TRUSTED_CERTIFICATE,
            target,
            "the alias holds a key pair",
            data,
            problem="the alias is used by a key pair; choose another alias for the server root",
        )
    if found.fingerprint and same_fingerprint(found.fingerprint, leaf.fingerprint_sha256):
        return Action(KEEP, TRUSTED_CERTIFICATE, target, "the same certificate is already trusted", data)
    return Action(
        UPDATE,
        TRUSTED_CERTIFICATE,
        target,
        "another certificate is stored under this alias: replace it",
        data,
    )


# --- the engine's part -------------------------------------------------------------------------------------


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


def entry_facts(entry: KeystoreEntry) -> dict:
    return {
        "validuntil": entry.valid_not_after.isoformat() if entry.valid_not_after else None,
        "subject_dn": entry.subject_dn,
        "key_type": entry.key_type,
        "key_size": entry.key_size,
    }


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


def generation_request(data: dict, alias: str, now: datetime) -> KeyPairRequest:
    return KeyPairRequest(
        alias=alias,
        common_name=data["common_name"],
        country=data["country"],
        organization=data["organization"] or None,
        key_type=data["key_type"],
        key_size=data["key_size"],
        signature_algorithm=data["signature_algorithm"],
        valid_not_before=now,
        valid_not_after=now + timedelta(days=data["validity_days"]),
    )


def temporary_alias(alias: str, today: datetime) -> str:
    return f"{alias[:220]}-new-{today:%Y%m%d%H%M%S}"


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


class KeyPair(Shape):
    verify_steps = 2  # the most verify checks a run of this shape makes
    key = "key_pair"
    label = "CPI keystore key pair"
    has_keystore_key_pair = True
    rights = RIGHTS
    markers = ("alias",)

    def desired(self, pathway: Pathway) -> dict[str, Any]:
        desired = super().desired(pathway)
        if desired.get("key_source") == "import":
            desired.update(pkcs12_state(pathway))
        return desired

    def plan(
        self, spec: PathwaySpec, method: str, desired: dict[str, Any], remote: RemoteState
    ) -> list[Action]:
        actions = [key_pair_action(desired, remote.key_pair, remote.taken_names)]
        if (desired.get("server_root") or "").strip():
            actions.append(trusted_action(desired, remote.trusted))
        return actions

    def read(self, connection: Connection, work: Work) -> RemoteState:
        cpi, desired = connection.cpi, work.desired
        key_pair = remote_entry(cpi.get_keystore_entry(desired.get("alias") or ""))
        taken: tuple[str, ...] = ()
        if (
            key_pair is not None
            and key_pair.is_key_pair
            and (desired.get("key_source") or "generate") == "generate"
            and content_differences(key_pair, key_pair_request(desired))
        ):
            taken = tuple(entry.alias for entry in cpi.list_keystore_entries())  # to propose a free alias
        trusted = None
        if (desired.get("server_root") or "").strip() and desired.get("server_root_alias"):
            trusted = remote_entry(cpi.get_keystore_entry(desired["server_root_alias"]))
        return RemoteState(key_pair=key_pair, trusted=trusted, taken_names=taken)

    def execute(self, connection: Connection, work: Work, action: Action) -> str:
        return (self._key_pair if action.resource == KEY_PAIR else self._trusted)(connection, work, action)

    def _key_pair(self, connection: Connection, work: Work, action: Action) -> str:
        cpi, data, pathway = connection.cpi, action.data, work.pathway
        alias = data["alias"]
        message = f"kept {alias}"
        entry: KeystoreEntry | None = None
        imported: str | None = None  # the PKCS#12's own certificate, when that is what CPI now holds
        if action.kind in (CREATE, REPLACE):
            if data["source"] == "import":
                bundle, passphrase = pathway.secret("pkcs12"), pathway.secret("pkcs12_passphrase")
                entry = cpi.import_pkcs12(
                    alias,
                    base64.b64decode(bundle.reveal()),
                    passphrase.reveal() if passphrase else "",
                    update=action.kind == REPLACE,
                )
                imported = _pkcs12_certificate(pathway, entry)
                message = f"imported the PKCS#12 key pair as {alias}"
            else:
                if action.kind == REPLACE:
                    cpi.delete_keystore_entry(alias)
                    work.removed.append(dict(data.get("replaces") or {"alias": alias}))
                message, entry = _generate(cpi, data)
                if action.kind == REPLACE:
                    message = f"replaced: {message}"
        entry = entry or cpi.get_keystore_entry(alias)
        if entry is None:
            raise SapError(f"The keystore entry {alias} is missing after it was written", retryable=True)
        certificate = imported or cpi.download_certificate(alias)
        store_handoff(pathway, HANDOFF_CERTIFICATE, certificate)
        work.applied.update(
            shape=self.key,
            alias=alias,
            key_source=data["source"],
            **entry_facts(entry),
            fingerprint=leaf_fingerprint(certificate) or entry.fingerprint_sha256,
        )
        if action.kind in (CREATE, REPLACE):
            work.applied.pop("signed_by", None)
        return message + f"; fingerprint {work.applied['fingerprint']}"

    def _trusted(self, connection: Connection, work: Work, action: Action) -> str:
        cpi, data = connection.cpi, action.data
        message = f"kept {data['alias']}"
        if action.kind in (CREATE, UPDATE):
            try:
                cpi.upload_certificate(
                    data["alias"],
                    data["pem"],
                    update=action.kind == UPDATE,
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

    def verify_checks(self, connection: Connection, work: Work, findings: Findings) -> list[Check]:
        checks = [
            Check(
                "Verify: the key pair exists, is valid today and matches the hand-off",
                lambda: _key_pair_valid(connection, work, findings),
            )
        ]
        if work.applied.get("trusted_alias"):
            checks.append(
                Check(
                    "Verify: the receiver's server root is trusted",
                    lambda: _trusted_present(connection, work),
                )
            )
        return checks

    def drift(self, connection: Connection, applied: dict[str, Any]) -> list[str]:
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
            elif applied.get(fingerprint_key) and not same_fingerprint(
                entry.fingerprint_sha256, applied[fingerprint_key]
            ):
                differences.append(
                    f"The {what} {alias} was replaced in the keystore (fingerprint "
                    f"{short_fingerprint(entry.fingerprint_sha256)}…, applied "
                    f"{short_fingerprint(applied[fingerprint_key])}…)."
                )
        return differences

    def identity(self, applied: dict[str, Any]) -> dict[str, Any] | None:
        if not applied.get("alias"):
            return None
        names = ("alias", "fingerprint", "validuntil", "subject_dn", "key_source", "signed_by")
        return {name: applied[name] for name in names if applied.get(name)}

    def same(self, left: dict[str, Any], right: dict[str, Any]) -> bool:
        return left.get("alias") == right.get("alias")

    def describe(self, facts: dict[str, Any]) -> str:
        until = f", valid until {facts['validuntil'][:10]}" if facts.get("validuntil") else ""
        return f"key pair {facts.get('alias', '')}{until}"

    def still_exists(self, connection: Connection, facts: dict[str, Any]) -> bool:
        entry = connection.cpi.get_keystore_entry(facts["alias"])
        return entry is not None and (
            not facts.get("fingerprint") or same_fingerprint(entry.fingerprint_sha256, facts["fingerprint"])
        )

    def retire(
        self, connection: Connection, recorder: Recorder, facts: dict[str, Any], pathway: Pathway
    ) -> str:
        alias, cpi = facts["alias"], connection.cpi
        with recorder.step(f"Delete the key pair {alias}") as outcome:
            entry = cpi.get_keystore_entry(alias)
            if (
                entry is not None
                and facts.get("fingerprint")
                and not same_fingerprint(entry.fingerprint_sha256, facts["fingerprint"])
            ):
                raise SapError(
                    f"The alias {alias} now holds another certificate than the one retired; nothing was "
                    "deleted",
                    code="fingerprint_mismatch",
                )
            outcome.message = f"deleted {alias}" if cpi.delete_keystore_entry(alias) else "was already gone"
        with recorder.step(f"Confirm {alias} is gone") as outcome:
            if cpi.get_keystore_entry(alias) is not None:
                raise SapError(f"The key pair {alias} still exists after its deletion", retryable=True)
            outcome.message = f"{alias} no longer exists in the keystore"
        return f"Retired the {self.describe(facts)}"

    def handoff_items(self, pathway: Pathway) -> list:
        from pathways.handoff import Item

        applied, other = pathway.applied or {}, pathway.spec.other_system
        return [
            Item(
                "CPI client certificate",
                applied.get("fingerprint", ""),
                f"{other}: trust it for inbound certificate logon (map it to the technical user)",
                "certificate",
            ),
            Item("Keystore alias", applied.get("alias", ""), "Keep it stable across renewals"),
            Item("Valid until", applied.get("validuntil", "") or "", ""),
        ]

    def certificate_source(self, applied: dict[str, Any]) -> str:
        return f"keystore key pair {applied['alias']}" if applied.get("alias") else "the applied certificate"

    def expiry_advice(self, spec: PathwaySpec) -> str:
        return f"{spec.target} must trust the new certificate before the switch."

    def keystore_alias(self, pathway: Pathway) -> str | None:
        return (pathway.applied or {}).get("alias") or pathway.value("alias")

    # --- rotation: a new key pair beside the old one, then the stable alias moves to it -------------------
    def rotation_blocker(self, pathway: Pathway) -> str | None:
        applied = pathway.applied or {}
        if not applied.get("alias"):
            return "Apply and verify the pathway first; there is no key pair to rotate yet."
        if applied.get("key_source") == "import":
            return (
                "This key pair was imported from a PKCS#12 file; upload the new file in the draft and apply "
                "it "
                "under a new alias, then switch the iFlow."
            )
        return None

    def rotation_plan(self, pathway: Pathway) -> list[dict]:
        applied, other = pathway.applied or {}, pathway.spec.other_system
        alias, until = applied.get("alias", ""), applied.get("validuntil") or ""
        plan = [
            {
                "kind": "keep",
                "target": f"key pair {alias}",
                "reason": f"stays active during the overlap{f' (valid until {until[:10]})' if until else ''}",
            },
            {
                "kind": "create",
                "target": "a new key pair under a temporary alias",
                "reason": "same key type and subject; verified before anything else happens",
            },
        ]
        if applied.get("signed_by"):
            plan.append(
                {
                    "kind": "sign",
                    "target": "the new key pair's CSR",
                    "reason": f"the current certificate is signed by {applied['signed_by']}: download the "
                    "new "
                    "CSR, have the same CA sign it and upload the chain before the switch",
                }
            )
        plan += [
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
        return plan

    def rotation_words(self, spec: PathwaySpec) -> dict[str, str]:
        return {
            "overlap": f"Both key pairs exist. Give the new certificate to the {spec.target} administrator "
            f"to trust beside the old one. Once {spec.target} trusts it, switch: the new key pair takes the "
            "alias "
            "and the old one is deleted.",
            "confirm": f"{spec.target} trusts the new certificate",
        }

    def rotation_create(self, rotation: Rotation, recorder: Recorder, connection: Connection) -> str:
        from pathways.engine import rotate
        from pathways.shapes.it_rt_key import desired_values

        pathway, old, cpi = rotation.pathway, rotation.old, connection.cpi
        alias = old["alias"]
        rotate.verify_work(
            self,
            connection,
            recorder,
            f"Verify the old key pair {alias}",
            _work(pathway, alias, old.get("fingerprint", "")),
        )
        now = datetime.now(UTC)
        new_alias = temporary_alias(alias, now)
        data = key_pair_request(desired_values(pathway, pathway.draft))
        entry = cpi.get_keystore_entry(alias)
        if entry is not None and entry.key_type:
            data["key_type"], data["key_size"] = entry.key_type, entry.key_size or data["key_size"]
            data["signature_algorithm"] = SIGNATURE_ALGORITHMS.get(
                entry.key_type, data["signature_algorithm"]
            )
        with recorder.step(f"Generate the new key pair {new_alias} beside {alias}") as outcome:
            cpi.generate_key_pair(generation_request(data, new_alias, now))
            certificate = cpi.download_certificate(new_alias)
            fingerprint = leaf_fingerprint(certificate) or ""
            outcome.message = f"generated {data['key_type']} {data['key_size']}; fingerprint {fingerprint}"
        new_findings = rotate.verify_work(
            self,
            connection,
            recorder,
            f"Verify the new key pair {new_alias}",
            _work(pathway, new_alias, fingerprint),
        )
        rotate.verify_work(
            self,
            connection,
            recorder,
            f"Verify the old key pair {alias} (overlap)",
            _work(pathway, alias, old.get("fingerprint", "")),
        )
        not_after = new_findings.certificate_not_after
        new = {
            "alias": new_alias,
            "fingerprint": fingerprint,
            "certificate": certificate,
            "validuntil": not_after.isoformat() if not_after else None,
        }
        if old.get("signed_by"):
            new["awaiting_signature"] = old["signed_by"]
        rotation.reach_overlap(new)
        if old.get("signed_by"):
            return (
                f"New key pair {new_alias} generated beside {alias}; the current certificate is signed by "
                f"{old['signed_by']}: download the new CSR, have it signed and upload the chain before the "
                "switch"
            )
        return (
            f"New key pair {new_alias} generated and verified beside {alias}; give its certificate to "
            f"{pathway.spec.target} and confirm once it trusts it"
        )

    def retire_blocker(self, rotation: Rotation) -> str | None:
        if rotation.new.get("awaiting_signature"):
            return (
                f"The new key pair {rotation.new['alias']} is still self-signed; download its CSR, have "
                f"{rotation.new['awaiting_signature']} sign it and upload the chain before the switch."
            )
        return None

    def rotation_retire(self, rotation: Rotation, recorder: Recorder, connection: Connection) -> str:
        from pathways.engine import rotate

        pathway, old, new, cpi = rotation.pathway, rotation.old, rotation.new, connection.cpi
        alias, new_alias = old["alias"], new["alias"]
        parking = f"{alias[:220]}-old-"
        current = cpi.get_keystore_entry(alias)
        switched = (
            cpi.get_keystore_entry(new_alias) is None
            and current is not None
            and same_fingerprint(current.fingerprint_sha256, new["fingerprint"])
        )
        if (
            not switched
        ):  # a retry after a failure past the switch finds the alias already on the new key pair
            rotate.verify_work(
                self,
                connection,
                recorder,
                f"Verify the new key pair {new_alias} before retiring the old one",
                _work(pathway, new_alias, new["fingerprint"]),
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
        findings = rotate.verify_work(
            self,
            connection,
            recorder,
            f"Verify {alias} holds the new certificate",
            _work(pathway, alias, new["fingerprint"]),
        )
        with recorder.step("Delete the old key pair") as outcome:
            old_fingerprint = old.get("fingerprint") or ""
            parked_entries = [
                entry.alias
                for entry in cpi.list_keystore_entries()
                if entry.alias.startswith(parking)
                and same_fingerprint(entry.fingerprint_sha256, old_fingerprint)
            ]
            for name in parked_entries:
                cpi.delete_keystore_entry(name)
            outcome.message = f"deleted {', '.join(parked_entries) or 'nothing (already gone)'}"
        entry = cpi.get_keystore_entry(alias)
        store_handoff(pathway, HANDOFF_CERTIFICATE, new["certificate"])
        rotate.forget_reveals(pathway)
        applied = dict(pathway.applied or {}, alias=alias, fingerprint=new["fingerprint"])
        applied.pop("signed_by", None)
        if new.get("signed_by"):
            applied["signed_by"] = new["signed_by"]
        if entry is not None:
            applied.update(entry_facts(entry))
        from pathways import catalog

        rotate.move_pathway(
            pathway,
            draft=None,
            applied=applied,
            not_after=findings.certificate_not_after,
            proof=findings.proven(catalog.METHOD_LABELS[pathway.method]),
        )
        rotate.finish(rotation, pathway)
        return (
            f"{alias} now holds the new certificate and the old key pair is deleted; restart the iFlows that "
            f"use {alias} (CPI caches the keystore for up to 24 h)"
        )


def _work(pathway: Pathway, alias: str, fingerprint: str) -> Work:
    return Work(pathway=pathway, desired={"alias": alias}, applied={"fingerprint": fingerprint})


def _generate(cpi: CpiClient, data: dict) -> tuple[str, KeystoreEntry | None]:
    """(what was done, the entry CPI answered with)."""
    try:
        entry = cpi.generate_key_pair(generation_request(data, data["alias"], datetime.now(UTC)))
    except SapError as error:
        if error.code != "duplicate_alias":
            raise
        return f"adopted the existing key pair {data['alias']}", None
    return f"generated {data['key_type']} {data['key_size']} key pair {data['alias']}", entry


def _pkcs12_certificate(pathway: Pathway, entry: KeystoreEntry | None) -> str | None:
    """The imported PKCS#12's leaf certificate as PEM when CPI's entry has its fingerprint (so the hand-off
    needs no download); None when it cannot tell."""
    bundle, passphrase = pathway.secret("pkcs12"), pathway.secret("pkcs12_passphrase")
    if entry is None or bundle is None:
        return None
    try:
        leaf = certs.parse_certificates(
            base64.b64decode(bundle.reveal()), passphrase.reveal() if passphrase else None
        ).leaf
    except (certs.CertificateError, ValueError):
        return None
    return (
        leaf.pem.decode("ascii")
        if same_fingerprint(entry.fingerprint_sha256, leaf.fingerprint_sha256)
        else None
    )


def _key_pair_valid(connection: Connection, work: Work, findings: Findings) -> str:
    alias = work.desired.get("alias") or ""
    entry = connection.cpi.get_keystore_entry(alias)
    if entry is None:
        raise SapError(f"There is no key pair {alias} in the CPI keystore", code="not_applied")
    if not entry.is_key_pair:
        raise SapError(
            f"The alias {alias} holds a {entry.type or 'certificate'}, not a key pair: it cannot prove the "
            "client certificate method",
            code="method_mismatch",
        )
    now = datetime.now(UTC)
    if (
        entry.valid_not_after is None
        or entry.valid_not_after <= now
        or (entry.valid_not_before and entry.valid_not_before > now)
    ):
        raise SapError(f"The key pair {alias} is not valid today", code="not_valid")
    handed_over = work.applied.get("fingerprint")
    if not handed_over:
        raise SapError(
            "Nothing was handed over yet for this key pair; apply the pathway first", code="not_applied"
        )
    if not same_fingerprint(entry.fingerprint_sha256, handed_over):
        raise SapError(
            f"The key pair {alias} no longer matches the certificate handed over; it was replaced "
            f"outside AuthWizard",
            code="fingerprint_mismatch",
        )
    findings.certificate_not_after = entry.valid_not_after
    findings.proof.append(f"key pair {alias} holds the certificate handed over")
    return f"{alias} valid until {entry.valid_not_after:%Y-%m-%d}, fingerprint matches the hand-off"


def _trusted_present(connection: Connection, work: Work) -> str:
    alias = work.applied["trusted_alias"]
    entry = connection.cpi.get_keystore_entry(alias)
    if entry is None:
        raise SapError(f"The trusted certificate {alias} is missing from the keystore", code="not_applied")
    if not same_fingerprint(entry.fingerprint_sha256, work.applied.get("trusted_fingerprint")):
        raise SapError(
            f"The trusted certificate {alias} was replaced outside AuthWizard", code="fingerprint_mismatch"
        )
    return f"{alias} is in the keystore"


SHAPE = KeyPair()
