"""The it-rt service broker's rules: instance parameters, key types, key material and the key JSON it returns.

Token scopes: every role of an instance becomes the scope `<xsappname>.<role>`, e.g.
`it!b4711.CredentialsEdit` (api plan) or `it-rt-demo!b4711.ESBMessaging.send` (integration-flow).
A reader takes the role as the part after the xsappname; for the api roles, which contain no dot,
that is simply the part after the last `.`.
"""

from __future__ import annotations

import secrets
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from . import certutil
from .state import now_iso

PLANS = ("integration-flow", "api")
DEFAULT_ROLES = {
    "integration-flow": ["ESBMessaging.send"],
    "api": [
        "MonitoringDataRead",
        "CredentialsEdit",
        "SecurityMaterialEdit",
        "WorkspacePackagesRead",
        "WorkspacePackagesConfigure",
        "WorkspaceArtifactsDeploy",
    ],
}
DEFAULT_VALIDITY = {"integration-flow": 3600, "api": 43200}
KNOWN_GRANTS = {
    "client_credentials",
    "authorization_code",
    "password",
    "refresh_token",
    "client_x509",
    "urn:ietf:params:oauth:grant-type:saml2-bearer",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "saml2-bearer",
    "jwt-bearer",
}
BROKER_ID = 4711


def xsappname(plan: str, subdomain: str) -> str:
    return f"it!b{BROKER_ID}" if plan == "api" else f"it-rt-{subdomain}!b{BROKER_ID}"


def new_clientid(plan: str, subdomain: str) -> str:
    """`sb-<uuid>!b<n>|it-rt-<subdomain>!b<n>` or `sb-<uuid>!b<n>|it!b<n>` (D-24)."""
    return f"sb-{uuid.uuid4()}!b{BROKER_ID + 1}|{xsappname(plan, subdomain)}"


def instance_roles(instance: dict) -> list[str]:
    roles = (instance.get("parameters") or {}).get("roles")
    return list(roles) if isinstance(roles, list) else list(DEFAULT_ROLES[instance["plan"]])


def token_validity(instance: dict) -> int:
    value = (instance.get("parameters") or {}).get("token-validity")
    return int(value) if isinstance(value, int) else DEFAULT_VALIDITY[instance["plan"]]


def grant_types(parameters: dict | None) -> list[str]:
    value = (parameters or {}).get("grant-types")
    return list(value) if isinstance(value, list) else ["client_credentials"]


def provision_problem(parameters, *, updating: bool = False) -> str | None:
    """Why the broker refuses these instance parameters, or None."""
    if parameters is None:
        return None
    if not isinstance(parameters, dict):
        return "parameters must be a JSON object"
    roles = parameters.get("roles")
    if roles is not None and (
        not isinstance(roles, list) or not all(isinstance(r, str) and r for r in roles)
    ):
        return "roles must be a list of role names"
    grants = parameters.get("grant-types")
    if grants is not None:
        if not isinstance(grants, list) or not all(isinstance(g, str) for g in grants):
            return "grant-types must be a list"
        unknown = [g for g in grants if g not in KNOWN_GRANTS]
        if unknown:
            return f"unsupported grant type(s): {', '.join(unknown)}"
    if updating and "client_x509" in grant_types(parameters):
        return (
            "the instance uses the deprecated grant type client_x509; "
            'update grant-types to ["client_credentials"] to remove it'
        )
    validity = parameters.get("token-validity")
    if validity is not None and (not isinstance(validity, int) or not 3600 <= validity <= 86400):
        return "token-validity must be an integer between 3600 and 86400 seconds"
    uris = parameters.get("redirect-uris")
    if uris is not None and not isinstance(uris, list):
        return "redirect-uris must be a list"
    return None


def build_key(authorities, tenant: dict, instance: dict, name: str, parameters) -> tuple[dict, str | None]:
    """A new key record for `instance` and the broker's reason to refuse it (None when it is fine)."""
    subdomain = tenant["subdomain"]
    key = {
        "name": name,
        "instance_guid": instance["guid"],
        "parameters": parameters,
        "clientid": new_clientid(instance["plan"], subdomain),
        "createdate": now_iso(),
    }
    if len(name) > 32:
        return key, "Service key name must not exceed 32 characters"
    if "client_x509" in grant_types(instance.get("parameters")):
        return key, (
            "Service keys cannot be created while the instance uses the deprecated grant type "
            "client_x509. Update the instance to remove it."
        )
    if parameters is not None and not isinstance(parameters, dict):
        return key, "parameters must be a JSON object"
    key_type = (parameters or {}).get("key-type")
    if key_type is None:
        key.update(key_type="clientsecret", clientsecret=secrets.token_urlsafe(33))
        return key, None
    if key_type == "certificate":
        return _sap_generated(authorities, tenant, key, parameters)
    if key_type == "certificate_external":
        return _external(authorities, tenant, key, parameters)
    return key, f"Unsupported key-type '{key_type}'. Supported key types: certificate, certificate_external"


def _sap_generated(authorities, tenant, key, parameters) -> tuple[dict, str | None]:
    validity = parameters.get("validity", 365)
    length = parameters.get("key-length", 2048)
    if not isinstance(validity, int) or not 1 <= validity <= 365:
        return key, "validity must be a number of days between 1 and 365"
    if length not in (2048, 3072, 4096):
        return key, "key-length must be one of 2048, 3072, 4096"
    cert, private = authorities.issue_client(
        key["clientid"].split("!")[0], days=validity, key_length=length, unit=tenant["subdomain"]
    )
    from .tls import key_pem

    key.update(
        key_type="certificate",
        certificate=certutil.pem(cert) + certutil.pem(authorities.client_ca_cert),
        key=key_pem(private),
        fingerprint=certutil.fingerprint(cert),
    )
    return key, None


def _external(authorities, tenant, key, parameters) -> tuple[dict, str | None]:
    text = parameters.get("X.509")
    if not isinstance(text, str) or "BEGIN CERTIFICATE" not in text:
        return key, "The X.509 parameter must contain a PEM certificate"
    try:
        certs = certutil.load_certificates(text)
    except ValueError:
        return key, "The X.509 certificate could not be parsed"
    if len(certs) != 1:
        return key, "Provide only the leaf certificate, not the whole chain"
    cert = certs[0]
    if not certutil.issued_by(cert, authorities.client_ca_cert):
        return key, "The certificate is not signed by a CA supported by the load balancer"
    if not certutil.has_client_auth(cert):
        return (
            key,
            "The certificate does not allow client authentication (extended key usage clientAuth missing)",
        )
    if cert.not_valid_after_utc <= certutil.dt.datetime.now(certutil.dt.UTC):
        return key, "The certificate has expired"
    print_ = certutil.fingerprint(cert)
    for other in tenant["keys"].values():
        if other.get("fingerprint") == print_:
            return key, "The certificate is already used by another service key"
    key.update(key_type="certificate_external", certificate=certutil.pem(cert), fingerprint=print_)
    return key, None


def credentials(landscape, tenant: dict, instance: dict, key: dict) -> dict:
    """The key JSON as `/details` and the cockpit show it: nested under `oauth`, PEMs with literal \\n."""
    subdomain = tenant["subdomain"]
    url = landscape.cpi(subdomain) if instance["plan"] == "api" else landscape.runtime(subdomain)
    oauth = {
        "clientid": key["clientid"],
        "createdate": key["createdate"],
        "tokenurl": landscape.xsuaa(subdomain) + "/oauth/token",
        "url": url,
    }
    if key["key_type"] == "clientsecret":
        oauth["clientsecret"] = key["clientsecret"]
    elif key["key_type"] == "certificate":
        cert = certutil.load_certificates(key["certificate"])[0]
        oauth["certificate"] = certutil.literal_newlines(key["certificate"])
        oauth["key"] = certutil.literal_newlines(key["key"])
        oauth["certificatedetails"] = {
            "issuerdn": certutil.dn(cert.issuer),
            "subjectdn": certutil.dn(cert.subject),
            "serialnumber": format(cert.serial_number, "x"),
            "validuntil": certutil.iso_millis(cert.not_valid_after_utc),
        }
    else:
        oauth["certificate"] = certutil.literal_newlines(key["certificate"])
    return {"oauth": oauth}


def key_for_certificate(tenant: dict, cert_der: bytes) -> dict | None:
    """The succeeded key whose certificate is exactly this one (SAP-generated or pinned external)."""
    cert = x509.load_der_x509_certificate(cert_der)
    print_ = certutil.fingerprint(cert, hashes.SHA256())
    for key in tenant["keys"].values():
        if key.get("fingerprint") == print_ and key.get("ready"):
            return key
    return None
