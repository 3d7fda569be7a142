"""Rotating a CPI key pair whose certificate a CA signed keeps it CA-signed: the new key pair's CSR is
signed and its chain imported before the switch, and the alias ends up on the new CA-signed certificate."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pathways import certs
from pathways.engine import rotate
from pathways.engine.certificates import start_chain, start_csr
from pathways.engine.connect import Connection
from pathways.models import Rotation

from .conftest import execute, run_now, steps

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def ca():
    key = certs.generate_private_key("EC-P256")
    root = certs.issue_certificate(
        key,
        None,
        key,
        3650,
        eku=(),
        is_ca=True,
        subject=certs.DistinguishedName("Receiver Partner Root", country="DE"),
        not_before=timezone.now() - timedelta(days=1),
    )
    return root, key


def sign(pathway, ca) -> certs.ParsedCertificates:
    root, root_key = ca
    csr = execute(start_csr(pathway))
    assert csr.state == "succeeded", (csr.message, steps(csr))
    signed = certs.issue_certificate(csr.result["csr"].encode(), root, root_key, 365)
    chain = execute(start_chain(pathway, (signed.pem + root.pem).decode()))
    assert chain.state == "succeeded", (chain.message, steps(chain))
    return signed


def test_a_ca_signed_key_pair_rotates_onto_a_new_ca_signed_certificate(landscape, consultant, ca):
    root, _ = ca
    pathway = landscape.pathways.get(key="cpi_to_ssc")
    pathway.method = "certificate"
    pathway.draft = {"key_source": "generate", "key_type": "RSA-2048"}
    pathway.save()
    assert run_now(pathway, "apply").state == "succeeded"
    pathway.refresh_from_db()
    sign(pathway, ca)
    pathway.refresh_from_db()
    alias = pathway.applied["alias"]
    assert pathway.applied["signed_by"] == root.subject
    assert any(a["kind"] == "sign" for a in rotate.plan_rotation(pathway))

    run = execute(rotate.start_rotation(pathway, consultant))
    assert run.state == "succeeded", (run.message, steps(run))
    assert "download the new CSR" in run.message
    rotation = Rotation.objects.get(pathway=pathway)
    assert rotation.state == "overlap" and rotation.new["awaiting_signature"] == root.subject
    with pytest.raises(rotate.RotationRefused, match="still self-signed"):
        rotate.start_retire(pathway, consultant)

    # The CSR and the chain now belong to the new key pair, not to the one in use.
    signed = sign(pathway, ca)
    rotation.refresh_from_db()
    assert "awaiting_signature" not in rotation.new
    assert (
        rotation.new["fingerprint"] == signed.fingerprint_sha256 and rotation.new["signed_by"] == root.subject
    )
    pathway.refresh_from_db()
    assert pathway.applied["fingerprint"] != signed.fingerprint_sha256  # the iFlow still uses the old one

    retired = execute(rotate.start_retire(pathway, consultant))
    assert retired.state == "succeeded", (retired.message, steps(retired))
    pathway.refresh_from_db()
    assert pathway.applied["fingerprint"] == signed.fingerprint_sha256
    assert pathway.applied["signed_by"] == root.subject
    with Connection(landscape) as connection:
        entry = connection.cpi.get_keystore_entry(alias)
    assert entry.fingerprint_sha256 == signed.fingerprint_sha256 and entry.issuer_dn
    assert pathway.status == "verified" and pathway.verified_method == "certificate"
