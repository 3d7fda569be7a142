"""Landscapes on sandbox tenants with complete drafts for the eight pathway-method combinations, filled in
as a consultant fills the wizard (the SSCv2 and CPI client certificates come from the sandbox's client CA,
as the demo's do)."""

from __future__ import annotations

import base64
from pathlib import Path

from pathways import catalog, certs
from pathways.demo import landscape_from_facts, sandbox_client_certificate
from pathways.models import Landscape, Membership, Pathway, Role, Secret

PKCS12_PASSPHRASE = "pkcs12-Passphrase-42"
# The uploaded PKCS#12 is made as `openssl pkcs12 -export` makes one (OpenSSL 3: AES-256-CBC, PBKDF2 and MAC
# over 2,048 rounds), not with the 100,000 rounds of the files AuthWizard itself hands out: opening that
# costs about 30 ms of CPU in the worker and again in the sandbox.
UPLOADED_PKCS12_ROUNDS = 2048
COMBINATIONS = catalog.COMBINATIONS


def tenant_landscape(server, user, name: str, *, methods: dict[str, str] | None = None) -> Landscape:
    """A landscape on a fresh sandbox tenant, the user its consultant, every pathway's draft complete on
    its default method (or the one `methods` names)."""
    facts = server.new_tenant("bench")
    landscape = landscape_from_facts(facts, name=name, user=user)
    Membership.objects.get_or_create(landscape=landscape, user=user, defaults={"role": Role.CONSULTANT})
    for pathway in landscape.pathways.all():
        method = (methods or {}).get(pathway.key, pathway.spec.default_method)
        fill_draft(pathway, facts, method)
    return landscape


def fill_draft(pathway: Pathway, facts: dict, method: str) -> Pathway:
    """A complete draft for `pathway` on `method`."""
    key, sub = pathway.key, facts["subdomain"]
    secrets: dict[str, str] = {}
    if (key, method) == ("s4_to_cpi", "certificate"):
        values = {"certificate_source": "sap_generated", "validity_days": "30"}
    elif (key, method) == ("ssc_to_cpi", "certificate"):
        issued, _ = _client_certificate(facts, f"ssc-{sub}.example.com")
        values = {"certificate_source": "external", "external_certificate": issued}
    elif key in ("s4_to_cpi", "ssc_to_cpi"):
        values = {"token_validity": "7200"}
    elif (key, method) == ("cpi_to_s4", "basic"):
        values, secrets = {"user": "COMM_USER_S4"}, {"password": "S4-comm-user-Passw0rd!"}
    elif (key, method) == ("cpi_to_ssc", "basic"):
        values, secrets = {"user": "SSC_INBOUND"}, {"password": "SSC-inbound-Passw0rd?"}
    elif (key, method) == ("cpi_to_s4", "certificate"):
        root = Path(facts["ca_path"]).read_text()
        values = {
            "key_source": "generate",
            "key_type": "EC-256",
            "organization": "Example AG",
            "server_root": root,
        }
    else:  # cpi_to_ssc certificate: a PKCS#12 the consultant uploads
        _, bundle = _client_certificate(facts, f"cpi-{sub}.example.com")
        values = {"key_source": "import"}
        secrets = {"pkcs12": base64.b64encode(bundle).decode(), "pkcs12_passphrase": PKCS12_PASSPHRASE}
    pathway.method = method
    pathway.draft = values
    pathway.save()
    for name, value in secrets.items():
        Secret.store(landscape=pathway.landscape, pathway=pathway, name=name, value=value)
    return pathway


def _client_certificate(facts: dict, common_name: str) -> tuple[str, bytes]:
    """(PEM certificate, PKCS#12 of key and certificate) from the sandbox's load-balancer client CA."""
    key, issued = sandbox_client_certificate(facts, common_name, "Bench")
    bundle = certs.export_pkcs12(key, [issued], PKCS12_PASSPHRASE, kdf_rounds=UPLOADED_PKCS12_ROUNDS)
    return issued.pem.decode("ascii"), bundle
