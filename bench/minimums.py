"""The fewest calls each pathway's first apply (and its verification) needs from the public APIs.

Counted for a fresh tenant and a broker that finishes jobs at once (the sandbox at job_polls=0,
deploy_polls=0). CF v3 answers 202 with only a job Location on managed creates, so a guid costs one read.
"""

INBOUND_BASIC = (
    "UAA token (password grant)",
    "GET organization by name",
    "GET space by name",
    "GET it-rt integration-flow plan",
    "GET instance by name (absent)",
    "POST service instance",
    "GET instance job",
    "GET instance by name (guid)",
    "POST service key",
    "GET key job",
    "GET key by name (guid)",
    "GET key details",
    "XSUAA token with the new key",
    "runtime call",
)
INBOUND_CERTIFICATE = INBOUND_BASIC  # the same calls; the key carries a certificate, the token is mTLS
# An external certificate's private key stays with the sender, so no token or runtime call can prove it here.
INBOUND_EXTERNAL_CERTIFICATE = INBOUND_BASIC[:-2]
OUTBOUND_BASIC = (
    "XSUAA token for the API key",
    "GET credential by name with X-CSRF-Token: Fetch (absent)",
    "POST UserCredentials",
    "GET credential (deployed; read back)",
)
OUTBOUND_CERTIFICATE_GENERATE = (
    "XSUAA token for the API key",
    "GET key-pair alias with X-CSRF-Token: Fetch (absent)",
    "GET server-root alias (absent)",
    "POST KeyPairGenerationRequests",
    "PUT server root certificate",
    "GET key-pair entry (fingerprint, validity; read back)",
    "GET server-root entry (read back)",
)
OUTBOUND_CERTIFICATE_IMPORT = (
    "XSUAA token for the API key",
    "GET key-pair alias with X-CSRF-Token: Fetch (absent)",
    "POST KeyPairResources (PKCS#12 import)",
    "GET key-pair entry (fingerprint, validity; read back)",
)

MINIMUM_CALLS = {
    ("s4_to_cpi", "basic"): INBOUND_BASIC,
    ("s4_to_cpi", "certificate"): INBOUND_CERTIFICATE,
    ("ssc_to_cpi", "basic"): INBOUND_BASIC,
    ("ssc_to_cpi", "certificate"): INBOUND_EXTERNAL_CERTIFICATE,  # the drafts give SSCv2 its own key
    ("cpi_to_s4", "basic"): OUTBOUND_BASIC,
    ("cpi_to_s4", "certificate"): OUTBOUND_CERTIFICATE_GENERATE,
    ("cpi_to_ssc", "basic"): OUTBOUND_BASIC,
    ("cpi_to_ssc", "certificate"): OUTBOUND_CERTIFICATE_IMPORT,
}
