"""The fewest HTTP calls the public APIs need for each pathway's first apply and its verification, written
from ../shared/docs/sap-apis.md (section numbers below), not from what AuthWizard happens to send.

Counted for a fresh tenant (no token cached yet, nothing of the pathway there) and a broker whose jobs have
ended by the first poll; each extra poll a slower broker needs is one more call (`with_polls`). Calls the
reference's own recipes make but the API lets a client avoid are left out, and named in `AVOIDABLE`.

Each entry is (call, what it is for). Verification is what design.md asks for: inbound, a token for the new
key and a runtime call with it; outbound, each written artifact read back (§11.4). A write's own answer does
not count as that read, but it spares the read right after the write (`returnKeystoreEntries=true`).
"""

from __future__ import annotations

# One poll of an asynchronous CF write: the instance or key read by name (§5 #5 / #12) shows its guid and
# `last_operation`, so polling the resource replaces the recipe's job poll (#17) plus re-read (#7/#13).
INSTANCE_POLL = ("GET /v3/service_instances?names=…&space_guids=…", "poll the new instance (§5 #5)")
KEY_POLL = (
    "GET /v3/service_credential_bindings?names=…&service_instance_guids=…&type=key",
    "poll the new key (§5 #12)",
)

INBOUND_SETUP = (
    # §3.2: every /v3 call needs the CF user's bearer token; none is cached on a fresh tenant.
    ("POST uaa …/oauth/token (password grant)", "CF token (§3.2)"),
    # §5 #2 + #3 in one: the space by name with its organization included; the organization's own lookup
    # (GET /v3/organizations?names=…) is avoidable.
    ("GET /v3/spaces?names=<space>&include=organization", "space guid, organization checked (§5 #3)"),
    # §5 #4: the plan's guid is needed in the create body (§5 #6).
    ("GET /v3/service_plans?names=integration-flow&service_offering_names=it-rt", "plan guid (§5 #4)"),
    # §5 recipe "Ensure instance": look by name first, so a resumed apply creates nothing twice.
    ("GET /v3/service_instances?names=<instance>&space_guids=<space>", "absent on a fresh tenant (§5 #5)"),
    ("POST /v3/service_instances", "202 + job Location (§5 #6)"),
    INSTANCE_POLL,
    # No key lookup (§5 #12) for an instance this run has just created: it cannot have keys yet.
    ("POST /v3/service_credential_bindings", "202 + job Location (§5 #11)"),
    KEY_POLL,
    # §5 #14: clientid, secret or certificate for the hand-off (the key's own answer carries none).
    ("GET /v3/service_credential_bindings/<guid>/details", "the key's credentials (§5 #14, §6.4)"),
)
INBOUND_VERIFY = (
    # §3.3 (secret) or §3.4 (mTLS, certificate key): a token for the new key.
    ("POST xsuaa …/oauth/token (client credentials, secret or mTLS)", "token for the new key (§3.3/§3.4)"),
    # §11.2: the sender's call to the iFlow endpoint with that token (mTLS for a certificate).
    ("POST runtime …/http/<address>", "runtime call as the sender makes it (§11.2)"),
)
INBOUND = INBOUND_SETUP + INBOUND_VERIFY
# An External Certificate's private key stays with the sender (§6.3), so no token or runtime call can be made
# here: the key's details showing the uploaded certificate are the proof.
INBOUND_EXTERNAL = INBOUND_SETUP

OUTBOUND_START = (
    # §3.3: the api-plan key's token for the OData API; none cached on a fresh tenant.
    ("POST xsuaa …/oauth/token (client credentials, api key)", "OData token (§3.3)"),
    # §8.3: the documented fetch target is the service root; taking the token from another GET is not
    # documented (D-01 does the protocol), so it is a call of its own.
    ("GET /api/v1/ with X-CSRF-Token: Fetch", "CSRF token and session cookie (§8.3)"),
)
OUTBOUND_BASIC = OUTBOUND_START + (
    # §9.2: look by name first (a second POST of the same name is a 409).
    ("GET /UserCredentials('<name>')", "404 on a fresh tenant (§9.2)"),
    ("POST /UserCredentials", "202, deployment triggered (§9.2)"),
    # §9.2 note: confirm the deployment by reading the artifact; that read is also the verification (§11.4).
    ("GET /UserCredentials('<name>')", "Status DEPLOYED; read back (§9.2, §11.4)"),
)
OUTBOUND_GENERATE = OUTBOUND_START + (
    # §10.2 read one: the key pair's alias and the server root's alias, each absent on a fresh tenant
    # (one list call could answer both, but it returns the whole keystore).
    ("GET /KeystoreEntries('<hex key alias>')", "404 (§10.2)"),
    ("GET /KeystoreEntries('<hex root alias>')", "404 (§10.2)"),
    # §10.4, with returnKeystoreEntries=true the answer holds the new entry (fingerprint, validity).
    ("POST /KeyPairGenerationRequests?returnKeystoreEntries=true", "200 with the entry (§10.2, §10.4)"),
    # §10.3: the server's root CA, so CPI trusts the receiver's TLS certificate.
    ("PUT /CertificateResources('<hex root alias>')/$value", "root certificate uploaded (§10.3)"),
    # §10.2: the generated certificate is only in CPI; the receiver's administrator needs it (§13).
    ("GET /KeystoreEntries('<hex key alias>')/Certificate/$value", "certificate for the hand-off (§10.2)"),
    # §11.4: verification reads each written artifact back: the key pair (fingerprint, validity, type) and
    # the trusted root.
    ("GET /KeystoreEntries('<hex key alias>')", "read back (§11.4)"),
    ("GET /KeystoreEntries('<hex root alias>')", "read back (§11.4)"),
)
OUTBOUND_IMPORT = OUTBOUND_START + (
    ("GET /KeystoreEntries('<hex key alias>')", "404 (§10.2)"),
    # §10.2: the PKCS#12 the consultant uploaded; its certificate is already known, no download.
    ("POST /KeyPairResources", "204, or 200 with the entry (§10.2)"),
    ("GET /KeystoreEntries('<hex key alias>')", "read back (§11.4)"),
)

MINIMUM_CALLS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("s4_to_cpi", "basic"): INBOUND,
    ("s4_to_cpi", "certificate"): INBOUND,  # SAP-generated certificate key; the token is fetched by mTLS
    ("ssc_to_cpi", "basic"): INBOUND,
    ("ssc_to_cpi", "certificate"): INBOUND_EXTERNAL,  # SSCv2 brings its own certificate
    ("cpi_to_s4", "basic"): OUTBOUND_BASIC,
    ("cpi_to_s4", "certificate"): OUTBOUND_GENERATE,  # a key pair generated in CPI
    ("cpi_to_ssc", "basic"): OUTBOUND_BASIC,
    ("cpi_to_ssc", "certificate"): OUTBOUND_IMPORT,  # a PKCS#12 imported
}

# What §5's recipes and §8.3's examples do that the API lets a client leave out (not in the minimum).
AVOIDABLE = (
    "GET /v3/organizations?names=… before the space: the space listing includes its organization",
    "GET /v3/jobs/<guid> followed by a re-read of the resource: poll the resource's last_operation",
    "GET /v3/service_credential_bindings?names=… before creating a key on an instance created in this run",
    "a token fetched while the client's previous one is still valid (§3.3: cache until expires_in − 60 s)",
    "a CSRF fetch while the previous token still works (§8.3: fetch again only after 403 Required)",
)


def minimum(pathway: str, method: str, *, job_polls: int = 0, deploy_polls: int = 0) -> int:
    """Calls for a first apply and its verification when `job_polls` polls of each CF job still find it
    running and `deploy_polls` reads of each CPI deployment find it not yet deployed (0: ended by the first
    read)."""
    calls = MINIMUM_CALLS[(pathway, method)]
    cf_polls = sum(call in (INSTANCE_POLL, KEY_POLL) for call in calls)
    deploy_reads = pathway.startswith("cpi_") and method == "basic"
    return len(calls) + cf_polls * job_polls + (deploy_polls if deploy_reads else 0)
