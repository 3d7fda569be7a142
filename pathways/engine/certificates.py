"""Runs for a CPI key pair's certificate: download its CSR, import the CA-signed chain.

Pages start them through the gate (`start_csr`, `start_chain`) and follow the run; the worker makes the calls
(`execute_csr`, `execute_chain`), records the outcome on the pathway and in the audit trail, and leaves the
CSR (public) in the run's result for the page to offer.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from pathways import certs, shapes
from pathways.engine.connect import Connection
from pathways.errors import EngineError, Refused
from pathways.models import Actor, AuditEvent, Pathway, Rotation, Run, RunKind
from pathways.shapes.base import HANDOFF_CERTIFICATE, store_handoff
from pathways.shapes.key_pair import entry_facts

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from pathways.engine.runs import Recorder


class ChainRefused(Refused):
    """The uploaded chain cannot go onto the key pair; the message says why, for the page."""


def signing_rotation(pathway: Pathway) -> Rotation | None:
    """The rotation whose new key pair waits for its CA-signed chain, if any (its CSR and chain come
    first)."""
    from pathways.engine.rotate import open_rotation

    rotation = open_rotation(pathway)
    if rotation is not None and rotation.new.get("awaiting_signature") and rotation.new.get("alias"):
        return rotation
    return None


def keypair_alias(pathway: Pathway) -> str:
    """The alias of the pathway's CPI key pair whose CSR and chain are handled now: a rotation's new key pair
    while it waits for its signature, else the applied (else drafted) one; EngineError for other shapes."""
    shape = shapes.of(pathway)
    if not shape.has_keystore_key_pair:
        raise EngineError(
            _("Only a CPI → S/4HANA or CPI → SSCv2 pathway with a client certificate has a CPI key pair"),
            code="no_key_pair",
        )
    rotation = signing_rotation(pathway)
    alias = rotation.new["alias"] if rotation is not None else shape.keystore_alias(pathway)
    if not alias:
        raise EngineError(_("The pathway has no keystore alias yet"), code="not_applied")
    return alias


def _has_key_pair(pathway: Pathway) -> None:
    try:
        keypair_alias(pathway)
    except EngineError as error:
        raise Refused(error.message, code="no_key_pair") from error


def start_csr(pathway: Pathway, user: Actor | None = None) -> Run:
    """Queue the run that fetches the key pair's PKCS#10 request; `Refused` when it cannot start."""
    from pathways.engine.runs import start_run

    _has_key_pair(pathway)
    return start_run(pathway, RunKind.CSR, user)


def execute_csr(run: Run, recorder: Recorder, connection: Connection) -> str:
    """The PKCS#10 request of the key pair CPI generated, as PEM, for the receiver's CA to sign."""
    pathway = run.pathway
    assert pathway is not None
    alias = keypair_alias(pathway)
    run.plan_steps(1)
    with recorder.step(_("Download the signing request of %(alias)s") % {"alias": alias}) as outcome:
        if connection.cpi.get_keystore_entry(alias) is None:
            raise EngineError(
                _("There is no key pair %(alias)s in the CPI keystore; apply the pathway first")
                % {"alias": alias},
                code="not_applied",
            )
        pem = connection.cpi.download_csr(alias)
        outcome.message = _("signing request read")
    run.result = {**run.result, "csr": pem, "alias": alias}
    AuditEvent.record(
        user=run.requested_by,
        action="certificate.csr",
        landscape=pathway.landscape,
        pathway_key=pathway.key,
        note=_("signing request of the CPI key pair %(alias)s downloaded") % {"alias": alias},
    )
    return _("The signing request of %(alias)s is ready to download") % {"alias": alias}


def check_signed_chain(
    text: str, current_certificate_pem: str, now: datetime | None = None
) -> certs.ParsedCertificates:
    """The uploaded chain, leaf first, if it certifies the key pair's own public key and has no errors."""
    try:
        parsed = certs.parse_certificates(text)
    except certs.CertificateError as error:
        raise ChainRefused(error.message) from error
    current = certs.certificate_object(current_certificate_pem)
    leaf = certs.certificate_object(parsed.leaf)
    if current.public_key().public_bytes(*_spki()) != leaf.public_key().public_bytes(*_spki()):
        raise ChainRefused(
            _(
                "The certificate %(label)s was not issued for this key pair's signing request (its "
                "public key differs); upload the certificate your CA issued for the CSR."
            )
            % {"label": parsed.leaf.label()}
        )
    findings = certs.check_certificates(parsed, certs.Purpose.SERVER_TRUST, now=now or timezone.now())
    findings = [f for f in findings if f.code not in ("one_certificate_per_alias", "server_leaf_trusted")]
    errors = [f.message for f in findings if f.is_error]
    if parsed.order == certs.ChainOrder.NOT_ONE_CHAIN:
        errors.append(_("These certificates do not form one chain: each must be issued by the next."))
    if errors:
        raise ChainRefused(" ".join(errors))
    return parsed


def _spki() -> tuple[Encoding, PublicFormat]:
    from cryptography.hazmat.primitives import serialization

    return serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo


def start_chain(pathway: Pathway, text: str, user: Actor | None = None) -> Run:
    """Queue the run that imports the CA-signed chain (public certificates) onto the key pair; `Refused`,
    ChainRefused (the text is no chain)."""
    from pathways.engine.runs import start_run

    _has_key_pair(pathway)
    try:
        parsed = certs.parse_certificates(text)
    except certs.CertificateError as error:
        raise ChainRefused(error.message) from error
    chain_pem = certs.export_chain_pem(parsed).decode("ascii")
    return start_run(pathway, RunKind.CHAIN, user, params={"chain": chain_pem})


def execute_chain(run: Run, recorder: Recorder, connection: Connection) -> str:
    """Import the chain the run carries; the hand-off certificate and `applied` follow it."""
    pathway = run.pathway
    assert pathway is not None
    run.plan_steps(1)
    with recorder.step(_("Import the CA-signed chain onto the key pair")) as outcome:
        try:
            facts = upload_signed_chain(
                pathway, run.result["chain"], user=run.requested_by, connection=connection
            )
        except ChainRefused as refused:
            raise EngineError(str(refused), code="chain_refused") from refused
        outcome.message = _("chain on %(alias)s") % {"alias": facts["alias"]}
    return _("The CA-signed chain is on %(alias)s; hand its certificate over again.") % {
        "alias": facts["alias"]
    }


def upload_signed_chain(pathway: Pathway, text: str, user: Actor | None, connection: Connection) -> dict:
    """Import the CA-signed chain onto the key pair; the hand-off certificate and `applied` follow it."""
    alias = keypair_alias(pathway)
    cpi = connection.cpi
    if cpi.get_keystore_entry(alias) is None:
        raise EngineError(
            _("There is no key pair %(alias)s in the CPI keystore; apply the pathway first")
            % {"alias": alias},
            code="not_applied",
        )
    parsed = check_signed_chain(text, cpi.download_certificate(alias))
    chain_pem = certs.export_chain_pem(parsed).decode("ascii")
    entry = cpi.upload_certificate_chain(
        alias, chain_pem, expected_fingerprint_sha256=parsed.chain[-1].fingerprint_sha256
    )
    certificate = cpi.download_certificate(alias)
    rotation = signing_rotation(pathway)
    if rotation is not None and rotation.new.get("alias") == alias:
        # The rotation's successor is now CA-signed: its facts change, the pathway's stay until the switch.
        new = dict(rotation.new, fingerprint=parsed.leaf.fingerprint_sha256, certificate=certificate)
        new.update(validuntil=parsed.leaf.not_after.isoformat(), signed_by=parsed.leaf.issuer)
        new.pop("awaiting_signature", None)
        rotation.update_new(new)
        AuditEvent.record(
            user=user,
            action="certificate.chain",
            landscape=pathway.landscape,
            pathway_key=pathway.key,
            changes={"fingerprint": [rotation.old.get("fingerprint"), parsed.leaf.fingerprint_sha256]},
            note=_("CA-signed chain imported onto the rotation's new key pair %(alias)s") % {"alias": alias},
        )
        return new
    store_handoff(pathway, HANDOFF_CERTIFICATE, certificate)
    applied = dict(pathway.applied or {})
    before = applied.get("fingerprint")
    applied.update(
        alias=alias,
        **entry_facts(entry),
        fingerprint=parsed.leaf.fingerprint_sha256,
        signed_by=parsed.leaf.issuer,
    )
    pathway.record_signed_chain(applied, parsed.leaf.not_after)
    AuditEvent.record(
        user=user,
        action="certificate.chain",
        landscape=pathway.landscape,
        pathway_key=pathway.key,
        changes={"fingerprint": [before, parsed.leaf.fingerprint_sha256]},
        note=_("CA-signed chain imported onto %(alias)s") % {"alias": alias},
    )
    return applied
