"""Outbound certificate shape: a key pair in CPI's keystore (generated there, or imported from PKCS#12) whose
certificate the receiver trusts, plus, when the receiver's server certificate is not from a public CA, its
root as a trusted certificate entry. A CA-signed key pair (CSR downloaded, chain imported) stays CA-signed
through its rotations."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    target = _("key pair %(alias)s") % {"alias": alias}
    source = desired.get("key_source") or "generate"
    data: dict[str, Any] = {"alias": alias, "source": source}
    if found is not None and not found.is_key_pair:
        return Action(
            KEEP,
            KEY_PAIR,
            target,
            _("the alias holds a trusted certificate, not a key pair"),
            data,
            problem=_("the alias is used by a certificate entry; choose another alias"),
        )
    if source == "import":
        wanted = desired.get("pkcs12_fingerprint") or ""
        data["fingerprint"] = wanted
        if not desired.get("pkcs12_present") or not wanted:
            return Action(
                CREATE if found is None else KEEP,
                KEY_PAIR,
                target,
                _("the PKCS#12 file is missing"),
                data,
                problem=_("upload the PKCS#12 file and its passphrase first"),
            )
        if found is None:
            return Action(
                CREATE, KEY_PAIR, target, _("no entry under this alias: import the PKCS#12 file"), data
            )
        if found.fingerprint and same_fingerprint(found.fingerprint, wanted):
            return Action(
                KEEP, KEY_PAIR, target, _("holds the certificate of the uploaded PKCS#12 file"), data
            )
        return Action(
            REPLACE,
            KEY_PAIR,
            target,
            _("holds another certificate than the uploaded PKCS#12 file: replace it under the same alias"),
            data,
        )
    data.update(key_pair_request(desired))
    if not data["common_name"] or len(data["country"]) != 2:
        return Action(
            CREATE if found is None else KEEP,
            KEY_PAIR,
            target,
            _("the distinguished name is incomplete"),
            data,
            problem=_("a common name and a two-letter country are needed"),
        )
    if found is None:
        return Action(
            CREATE,
            KEY_PAIR,
            target,
            _("no entry under this alias: generate %(key_type)s %(key_size)s, valid %(validity_days)s days")
            % {
                "key_type": data["key_type"],
                "key_size": data["key_size"],
                "validity_days": data["validity_days"],
            },
            data,
        )
    differences = content_differences(found, data)
    if not differences:
        return Action(KEEP, KEY_PAIR, target, _("a key pair exists under this alias"), data)
    data["replaces"] = {"alias": alias, "fingerprint": found.fingerprint or ""}
    difference = _("it holds %(join)s") % {"join": "; ".join(differences)}
    if desired.get(CONFIRM_REPLACE) == alias:
        return Action(
            REPLACE,
            KEY_PAIR,
            target,
            _(
                "%(difference)s; replaced as confirmed: delete it (the receiver's trust in its "
                "certificate ends at once) and generate %(key_type)s %(key_size)s under the same "
                "alias"
            )
            % {"difference": difference, "key_type": data["key_type"], "key_size": data["key_size"]},
            data,
        )
    proposal = free_alias(alias, data, remote_taken)
    data["choices"] = {"field": "alias", "what": _("key pair"), "rename": proposal, "replace": alias}
    return Action(
        KEEP,
        KEY_PAIR,
        target,
        _("%(difference)s — a key pair cannot be changed in place") % {"difference": difference},
        data,
        problem=_(
            "the key pair %(alias)s is not the one the draft asks for; use the new alias "
            "%(proposal)s (the existing key pair stays live until you retire it) or replace "
            "the existing key pair (delete it and generate it anew)"
        )
        % {"alias": alias, "proposal": proposal},
    )


def content_differences(found: RemoteEntry, data: dict[str, Any]) -> list[str]:
    """How a keystore key pair differs from the generation the draft asks for."""
    differences = []
    if found.key_type and found.key_type.upper() != data["key_type"]:
        differences.append(
            _("key type %(key_type)s instead of %(key_type2)s")
            % {"key_type": found.key_type, "key_type2": data["key_type"]}
        )
    elif found.key_size and found.key_size != data["key_size"]:
        differences.append(
            _("key size %(key_size)s instead of %(key_size2)s")
            % {"key_size": found.key_size, "key_size2": data["key_size"]}
        )
    if found.subject_dn and f"CN={data['common_name']}" not in found.subject_dn:
        differences.append(_("subject %(subject_dn)s") % {"subject_dn": found.subject_dn})
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
    target = _("trusted certificate %(alias)s") % {"alias": alias}
    data: dict[str, Any] = {"alias": alias}
    try:
        leaf = certs.parse_certificates(desired["server_root"]).leaf
    except certs.CertificateError as error:
        return Action(
            CREATE,
            TRUSTED_CERTIFICATE,
            target,
            _("the server root cannot be read"),
            data,
            problem=_("the uploaded server root cannot be read: %(error)s") % {"error": error},
        )
    data.update(pem=leaf.pem.decode("ascii"), fingerprint=leaf.fingerprint_sha256)
    if alias and alias == (desired.get("alias") or ""):
        return Action(
            KEEP,
            TRUSTED_CERTIFICATE,
            target,
            _("the alias is the key pair's alias"),
            data,
            problem=_("the server root needs an alias of its own"),
        )
    if found is None:
        return Action(CREATE, TRUSTED_CERTIFICATE, target, _("not in the keystore: upload it"), data)
    if found.is_key_pair:
        return Action(
            KEEP,
            TRUSTED_CERTIFICATE,
            target,
            _("the alias holds a key pair"),
            data,
            problem=_("the alias is used by a key pair; choose another alias for the server root"),
        )
    if found.fingerprint and same_fingerprint(found.fingerprint, leaf.fingerprint_sha256):
        return Action(KEEP, TRUSTED_CERTIFICATE, target, _("the same certificate is already trusted"), data)
    return Action(
        UPDATE,
        TRUSTED_CERTIFICATE,
        target,
        _("another certificate is stored under this alias: replace it"),
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
        what=_("the rename of %(alias)s to %(new_alias)s") % {"alias": alias, "new_alias": new_alias},
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
    label = gettext_lazy("CPI keystore key pair")
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
        message = _("kept %(alias)s") % {"alias": alias}
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
                message = _("imported the PKCS#12 key pair as %(alias)s") % {"alias": alias}
            else:
                if action.kind == REPLACE:
                    cpi.delete_keystore_entry(alias)
                    work.removed.append(dict(data.get("replaces") or {"alias": alias}))
                message, entry = _generate(cpi, data)
                if action.kind == REPLACE:
                    message = _("replaced: %(message)s") % {"message": message}
        entry = entry or cpi.get_keystore_entry(alias)
        if entry is None:
            raise SapError(
                _("The keystore entry %(alias)s is missing after it was written") % {"alias": alias},
                retryable=True,
            )
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
        return message + _("; fingerprint %(fingerprint)s") % {"fingerprint": work.applied["fingerprint"]}

    def _trusted(self, connection: Connection, work: Work, action: Action) -> str:
        cpi, data = connection.cpi, action.data
        message = _("kept %(alias)s") % {"alias": data["alias"]}
        if action.kind in (CREATE, UPDATE):
            try:
                cpi.upload_certificate(
                    data["alias"],
                    data["pem"],
                    update=action.kind == UPDATE,
                    expected_fingerprint_sha256=data["fingerprint"],
                )
                message = _("uploaded %(alias)s") % {"alias": data["alias"]}
            except SapError as error:
                if error.code != "duplicate_alias":
                    raise
                cpi.upload_certificate(
                    data["alias"], data["pem"], update=True, expected_fingerprint_sha256=data["fingerprint"]
                )
                message = _("replaced %(alias)s") % {"alias": data["alias"]}
        work.applied.update(trusted_alias=data["alias"], trusted_fingerprint=data["fingerprint"])
        return message

    def verify_checks(self, connection: Connection, work: Work, findings: Findings) -> list[Check]:
        checks = [
            Check(
                _("Verify: the key pair exists, is valid today and matches the hand-off"),
                lambda: _key_pair_valid(connection, work, findings),
            )
        ]
        if work.applied.get("trusted_alias"):
            checks.append(
                Check(
                    _("Verify: the receiver's server root is trusted"),
                    lambda: _trusted_present(connection, work),
                )
            )
        return checks

    def drift(self, connection: Connection, applied: dict[str, Any]) -> list[str]:
        cpi, differences = connection.cpi, []
        for alias_key, fingerprint_key, what in (
            ("alias", "fingerprint", _("key pair")),
            ("trusted_alias", "trusted_fingerprint", _("trusted certificate")),
        ):
            alias = applied.get(alias_key)
            if not alias:
                continue
            entry = cpi.get_keystore_entry(alias)
            if entry is None:
                differences.append(
                    _("The %(what)s %(alias)s was deleted from the keystore.")
                    % {"what": what, "alias": alias}
                )
            elif applied.get(fingerprint_key) and not same_fingerprint(
                entry.fingerprint_sha256, applied[fingerprint_key]
            ):
                differences.append(
                    _(
                        "The %(what)s %(alias)s was replaced in the keystore (fingerprint "
                        "%(short_fingerprint)s…, applied %(short_fingerprint2)s…)."
                    )
                    % {
                        "what": what,
                        "alias": alias,
                        "short_fingerprint": short_fingerprint(entry.fingerprint_sha256),
                        "short_fingerprint2": short_fingerprint(applied[fingerprint_key]),
                    }
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
        until = (
            _(", valid until %(value)s") % {"value": facts["validuntil"][:10]}
            if facts.get("validuntil")
            else ""
        )
        return _("key pair %(get)s%(until)s") % {"get": facts.get("alias", ""), "until": until}

    def still_exists(self, connection: Connection, facts: dict[str, Any]) -> bool:
        entry = connection.cpi.get_keystore_entry(facts["alias"])
        return entry is not None and (
            not facts.get("fingerprint") or same_fingerprint(entry.fingerprint_sha256, facts["fingerprint"])
        )

    def retire(
        self, connection: Connection, recorder: Recorder, facts: dict[str, Any], pathway: Pathway
    ) -> str:
        alias, cpi = facts["alias"], connection.cpi
        with recorder.step(_("Delete the key pair %(alias)s") % {"alias": alias}) as outcome:
            entry = cpi.get_keystore_entry(alias)
            if (
                entry is not None
                and facts.get("fingerprint")
                and not same_fingerprint(entry.fingerprint_sha256, facts["fingerprint"])
            ):
                raise SapError(
                    _(
                        "The alias %(alias)s now holds another certificate than the one retired; "
                        "nothing was deleted"
                    )
                    % {"alias": alias},
                    code="fingerprint_mismatch",
                )
            outcome.message = (
                _("deleted %(alias)s") % {"alias": alias}
                if cpi.delete_keystore_entry(alias)
                else _("was already gone")
            )
        with recorder.step(_("Confirm %(alias)s is gone") % {"alias": alias}) as outcome:
            if cpi.get_keystore_entry(alias) is not None:
                raise SapError(
                    _("The key pair %(alias)s still exists after its deletion") % {"alias": alias},
                    retryable=True,
                )
            outcome.message = _("%(alias)s no longer exists in the keystore") % {"alias": alias}
        return _("Retired the %(describe)s") % {"describe": self.describe(facts)}

    def handoff_items(self, pathway: Pathway) -> list:
        from pathways.handoff import Item

        applied, other = pathway.applied or {}, pathway.spec.other_system
        return [
            Item(
                _("CPI client certificate"),
                applied.get("fingerprint", ""),
                _("%(other)s: trust it for inbound certificate logon (map it to the technical user)")
                % {"other": other},
                "certificate",
            ),
            Item(_("Keystore alias"), applied.get("alias", ""), _("Keep it stable across renewals")),
            Item(_("Valid until"), applied.get("validuntil", "") or "", ""),
        ]

    def certificate_source(self, applied: dict[str, Any]) -> str:
        return (
            _("keystore key pair %(alias)s") % {"alias": applied["alias"]}
            if applied.get("alias")
            else _("the applied certificate")
        )

    def expiry_advice(self, spec: PathwaySpec) -> str:
        return _("%(target)s must trust the new certificate before the switch.") % {"target": spec.target}

    def keystore_alias(self, pathway: Pathway) -> str | None:
        return (pathway.applied or {}).get("alias") or pathway.value("alias")

    # --- rotation: a new key pair beside the old one, then the stable alias moves to it -------------------
    def rotation_blocker(self, pathway: Pathway) -> str | None:
        applied = pathway.applied or {}
        if not applied.get("alias"):
            return _("Apply and verify the pathway first; there is no key pair to rotate yet.")
        if applied.get("key_source") == "import":
            return _(
                "This key pair was imported from a PKCS#12 file; upload the new file in the draft"
                " and apply it under a new alias, then switch the iFlow."
            )
        return None

    def rotation_plan(self, pathway: Pathway) -> list[dict]:
        applied, other = pathway.applied or {}, pathway.spec.other_system
        alias, until = applied.get("alias", ""), applied.get("validuntil") or ""
        plan = [
            {
                "kind": "keep",
                "target": _("key pair %(alias)s") % {"alias": alias},
                "reason": _("stays active during the overlap%(value)s")
                % {"value": f" (valid until {until[:10]})" if until else ""},
            },
            {
                "kind": "create",
                "target": _("a new key pair under a temporary alias"),
                "reason": _("same key type and subject; verified before anything else happens"),
            },
        ]
        if applied.get("signed_by"):
            plan.append(
                {
                    "kind": "sign",
                    "target": _("the new key pair's CSR"),
                    "reason": _(
                        "the current certificate is signed by %(signed_by)s: download the "
                        "new CSR, have the same CA sign it and upload the chain before the "
                        "switch"
                    )
                    % {"signed_by": applied["signed_by"]},
                }
            )
        plan += [
            {
                "kind": "handoff",
                "target": _("the new certificate"),
                "reason": _("%(other)s trusts it beside the old one") % {"other": other},
            },
            {
                "kind": "replace",
                "target": _("key pair %(alias)s") % {"alias": alias},
                "reason": _(
                    "only in the retire run, after you confirm %(other)s trusts the new "
                    "certificate: the new key pair takes the alias (the iFlow keeps its "
                    "reference) and the old one is deleted"
                )
                % {"other": other},
            },
        ]
        return plan

    def rotation_words(self, spec: PathwaySpec) -> dict[str, str]:
        return {
            "overlap": _(
                "Both key pairs exist. Give the new certificate to the %(target)s "
                "administrator to trust beside the old one. Once %(target)s trusts it, "
                "switch: the new key pair takes the alias and the old one is deleted."
            )
            % {"target": spec.target},
            "confirm": _("%(target)s trusts the new certificate") % {"target": spec.target},
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
            _("Verify the old key pair %(alias)s") % {"alias": alias},
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
        with recorder.step(
            _("Generate the new key pair %(new_alias)s beside %(alias)s")
            % {"new_alias": new_alias, "alias": alias}
        ) as outcome:
            cpi.generate_key_pair(generation_request(data, new_alias, now))
            certificate = cpi.download_certificate(new_alias)
            fingerprint = leaf_fingerprint(certificate) or ""
            outcome.message = _("generated %(key_type)s %(key_size)s; fingerprint %(fingerprint)s") % {
                "key_type": data["key_type"],
                "key_size": data["key_size"],
                "fingerprint": fingerprint,
            }
        new_findings = rotate.verify_work(
            self,
            connection,
            recorder,
            _("Verify the new key pair %(new_alias)s") % {"new_alias": new_alias},
            _work(pathway, new_alias, fingerprint),
        )
        rotate.verify_work(
            self,
            connection,
            recorder,
            _("Verify the old key pair %(alias)s (overlap)") % {"alias": alias},
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
            return _(
                "New key pair %(new_alias)s generated beside %(alias)s; the current certificate "
                "is signed by %(signed_by)s: download the new CSR, have it signed and upload the "
                "chain before the switch"
            ) % {"new_alias": new_alias, "alias": alias, "signed_by": old["signed_by"]}
        return _(
            "New key pair %(new_alias)s generated and verified beside %(alias)s; give its "
            "certificate to %(target)s and confirm once it trusts it"
        ) % {"new_alias": new_alias, "alias": alias, "target": pathway.spec.target}

    def retire_blocker(self, rotation: Rotation) -> str | None:
        if rotation.new.get("awaiting_signature"):
            return _(
                "The new key pair %(alias)s is still self-signed; download its CSR, have "
                "%(awaiting_signature)s sign it and upload the chain before the switch."
            ) % {"alias": rotation.new["alias"], "awaiting_signature": rotation.new["awaiting_signature"]}
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
                _("Verify the new key pair %(new_alias)s before retiring the old one")
                % {"new_alias": new_alias},
                _work(pathway, new_alias, new["fingerprint"]),
            )
            parked = f"{parking}{datetime.now(UTC):%Y%m%d%H%M%S}"
            with recorder.step(_("Move the old key pair %(alias)s aside") % {"alias": alias}) as outcome:
                rename_keystore_entry(cpi, alias, parked)
                outcome.message = _("renamed to %(parked)s") % {"parked": parked}
            with recorder.step(
                _("Give the alias %(alias)s to the new key pair") % {"alias": alias}
            ) as outcome:
                try:
                    rename_keystore_entry(cpi, new_alias, alias)
                except BaseException:
                    rename_keystore_entry(cpi, parked, alias)  # put the old one back: the iFlow keeps working
                    raise
                outcome.message = _("%(alias)s now holds %(fingerprint)s") % {
                    "alias": alias,
                    "fingerprint": new["fingerprint"],
                }
        findings = rotate.verify_work(
            self,
            connection,
            recorder,
            _("Verify %(alias)s holds the new certificate") % {"alias": alias},
            _work(pathway, alias, new["fingerprint"]),
        )
        with recorder.step(_("Delete the old key pair")) as outcome:
            old_fingerprint = old.get("fingerprint") or ""
            parked_entries = [
                entry.alias
                for entry in cpi.list_keystore_entries()
                if entry.alias.startswith(parking)
                and same_fingerprint(entry.fingerprint_sha256, old_fingerprint)
            ]
            for name in parked_entries:
                cpi.delete_keystore_entry(name)
            outcome.message = _("deleted %(value)s") % {
                "value": ", ".join(parked_entries) or "nothing (already gone)"
            }
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
            proof=findings.proven(str(catalog.METHOD_LABELS[pathway.method])),
        )
        rotate.finish(rotation, pathway)
        return _(
            "%(alias)s now holds the new certificate and the old key pair is deleted; restart the"
            " iFlows that use %(alias)s (CPI caches the keystore for up to 24 h)"
        ) % {"alias": alias}


def _work(pathway: Pathway, alias: str, fingerprint: str) -> Work:
    return Work(pathway=pathway, desired={"alias": alias}, applied={"fingerprint": fingerprint})


def _generate(cpi: CpiClient, data: dict) -> tuple[str, KeystoreEntry | None]:
    """(what was done, the entry CPI answered with)."""
    try:
        entry = cpi.generate_key_pair(generation_request(data, data["alias"], datetime.now(UTC)))
    except SapError as error:
        if error.code != "duplicate_alias":
            raise
        return _("adopted the existing key pair %(alias)s") % {"alias": data["alias"]}, None
    return _("generated %(key_type)s %(key_size)s key pair %(alias)s") % {
        "key_type": data["key_type"],
        "key_size": data["key_size"],
        "alias": data["alias"],
    }, entry


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
        raise SapError(
            _("There is no key pair %(alias)s in the CPI keystore") % {"alias": alias}, code="not_applied"
        )
    if not entry.is_key_pair:
        raise SapError(
            _(
                "The alias %(alias)s holds a %(value)s, not a key pair: it cannot prove the client "
                "certificate method"
            )
            % {"alias": alias, "value": entry.type or "certificate"},
            code="method_mismatch",
        )
    now = datetime.now(UTC)
    if (
        entry.valid_not_after is None
        or entry.valid_not_after <= now
        or (entry.valid_not_before and entry.valid_not_before > now)
    ):
        raise SapError(_("The key pair %(alias)s is not valid today") % {"alias": alias}, code="not_valid")
    handed_over = work.applied.get("fingerprint")
    if not handed_over:
        raise SapError(
            _("Nothing was handed over yet for this key pair; apply the pathway first"), code="not_applied"
        )
    if not same_fingerprint(entry.fingerprint_sha256, handed_over):
        raise SapError(
            _(
                "The key pair %(alias)s no longer matches the certificate handed over; it was "
                "replaced outside AuthWizard"
            )
            % {"alias": alias},
            code="fingerprint_mismatch",
        )
    findings.certificate_not_after = entry.valid_not_after
    findings.proof.append(_("key pair %(alias)s holds the certificate handed over") % {"alias": alias})
    return f"{alias} valid until {entry.valid_not_after:%Y-%m-%d}, fingerprint matches the hand-off"


def _trusted_present(connection: Connection, work: Work) -> str:
    alias = work.applied["trusted_alias"]
    entry = connection.cpi.get_keystore_entry(alias)
    if entry is None:
        raise SapError(
            _("The trusted certificate %(alias)s is missing from the keystore") % {"alias": alias},
            code="not_applied",
        )
    if not same_fingerprint(entry.fingerprint_sha256, work.applied.get("trusted_fingerprint")):
        raise SapError(
            _("The trusted certificate %(alias)s was replaced outside AuthWizard") % {"alias": alias},
            code="fingerprint_mismatch",
        )
    return _("%(alias)s is in the keystore") % {"alias": alias}


SHAPE = KeyPair()
