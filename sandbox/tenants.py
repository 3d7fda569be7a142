"""Tenants: seeding (CF org/space/users, api key, SM binding, keystore, iFlows), reset, connection facts."""

from __future__ import annotations

import json
import re
import secrets
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from . import broker, certutil, content_seed
from .keystore_model import make_entry
from .state import new_guid, now_iso
from .tls import key_pem, utcnow

SUBDOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
DEFAULT_IFLOWS = [
    {"name": "AuthWizard_Ping_HTTP", "address": "/http/authwizard/ping"},
    {"name": "AuthWizard_Ping_SOAP", "address": "/cxf/authwizard/ping"},
]
API_INSTANCE_NAME = "authwizard-api"


def ensure_catalog(store) -> dict:
    """The global it-rt offering and its two plans (guids stable once created)."""
    catalog = store.data["catalog"]
    if not catalog:
        created = now_iso()
        catalog.update(
            {
                "offering": {"guid": new_guid(), "name": "it-rt", "created_at": created},
                "plans": {
                    plan: {"guid": new_guid(), "name": plan, "created_at": created} for plan in broker.PLANS
                },
            }
        )
    return catalog


def plan_guid(store, plan: str) -> str:
    return ensure_catalog(store)["plans"][plan]["guid"]


def plan_by_guid(store, guid: str) -> str | None:
    for name, plan in ensure_catalog(store)["plans"].items():
        if plan["guid"] == guid:
            return name
    return None


def new_instance_record(
    store,
    name: str,
    plan: str,
    space_guid: str,
    parameters,
    *,
    labels=None,
    annotations=None,
    tags=None,
    state: str = "succeeded",
) -> dict:
    created = now_iso()
    return {
        "guid": new_guid(),
        "name": name,
        "plan": plan,
        "plan_guid": plan_guid(store, plan),
        "space_guid": space_guid,
        "parameters": parameters,
        "labels": labels or {},
        "annotations": annotations or {},
        "tags": tags or [],
        "created_at": created,
        "updated_at": created,
        "last_operation": {
            "type": "create",
            "state": state,
            "description": "",
            "created_at": created,
            "updated_at": created,
        },
    }


def finish_key_record(key: dict, state: str = "succeeded") -> dict:
    created = now_iso()
    key.update(
        guid=new_guid(),
        created_at=created,
        updated_at=created,
        labels={},
        annotations={},
        last_operation={
            "type": "create",
            "state": state,
            "description": "",
            "created_at": created,
            "updated_at": created,
        },
    )
    key["ready"] = state == "succeeded"
    return key


def add_api_key(ctx, tenant: dict, roles: list[str], instance_name: str | None = None) -> tuple[dict, dict]:
    """Create an api-plan instance with `roles` and a client-secret key for it, completed at once."""
    store = ctx.store
    name = instance_name or f"{API_INSTANCE_NAME}-{len(tenant['instances']) + 1}"
    instance = new_instance_record(
        store,
        name,
        "api",
        tenant["space"]["guid"],
        {"roles": list(roles), "grant-types": ["client_credentials"]},
    )
    tenant["instances"][instance["guid"]] = instance
    key, problem = broker.build_key(ctx.authorities, tenant, instance, f"{name}-key", None)
    if problem:
        raise ValueError(problem)
    finish_key_record(key)
    tenant["keys"][key["guid"]] = key
    return instance, key


def _sap_keypair_entry(alias: str) -> dict:
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(x509.NameOID.COMMON_NAME, alias),
            x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, "SAP SE"),
            x509.NameAttribute(x509.NameOID.COUNTRY_NAME, "DE"),
        ]
    )
    now = utcnow()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + certutil.dt.timedelta(days=730))
        .sign(private, hashes.SHA256())
    )
    return make_entry(alias, [certutil.pem(cert)], key_pem(private), owner="SAP", actor="SAP")


def seed_content(ctx, tenant: dict) -> None:
    """Everything a fresh tenant owns besides its identity: api key, keystore, credentials, iFlows."""
    tenant.update(
        instances={}, keys={}, jobs={}, user_credentials={}, iflows=[dict(f) for f in DEFAULT_IFLOWS]
    )
    instance, key = add_api_key(ctx, tenant, broker.DEFAULT_ROLES["api"], API_INSTANCE_NAME)
    tenant["api_instance_guid"], tenant["api_key_guid"] = instance["guid"], key["guid"]
    auth = ctx.authorities
    tenant["keystores"] = {
        "system": {},
        "backup_admin_system": {},
        "KeyRenewal": {},
    }
    system = tenant["keystores"]["system"]
    for entry in (
        _sap_keypair_entry("sap_cloudintegrationcertificate"),
        make_entry("sap_sandbox_root_ca", [certutil.pem(auth.ca_cert)], None, owner="SAP", actor="SAP"),
        make_entry(
            "sap_sandbox_client_ca", [certutil.pem(auth.client_ca_cert)], None, owner="SAP", actor="SAP"
        ),
    ):
        system[entry["alias"].encode().hex().upper()] = entry
    content_seed.seed(tenant)
    tenant["oauth2_credentials"] = {
        "SSC_OAuth2_Client": {
            "Name": "SSC_OAuth2_Client",
            "Description": "OAuth2 client credentials (not a user credential)",
            "TokenServiceUrl": "https://ssc.example.com/oauth/token",
            "ClientId": "ssc-client",
            "deployed_on": now_iso(),
        }
    }


def ensure_content(tenant: dict) -> None:
    """Integration content for a tenant kept in a state file written before the sandbox had it."""
    if "designtime" not in tenant:
        content_seed.seed(tenant)


def create_tenant(ctx, subdomain: str) -> dict:
    """A new isolated tenant (own CF org, space, users, api key, SM client, CPI content)."""
    store = ctx.store
    ensure_catalog(store)
    created = now_iso()
    tenant = {
        "subdomain": subdomain,
        "zid": str(uuid.uuid4()),
        "created_at": created,
        "org": {"guid": new_guid(), "name": f"{subdomain}-org", "created_at": created},
        "space": {"guid": new_guid(), "name": "dev", "created_at": created},
        "users": {},
        "sm_client": {
            "clientid": f"sb-{uuid.uuid4()}!b1|service-manager!b1",
            "clientsecret": secrets.token_urlsafe(33),
        },
    }
    for username, role in (
        (f"developer@{subdomain}.example.com", "space_developer"),
        (f"auditor@{subdomain}.example.com", "space_auditor"),
    ):
        tenant["users"][username] = {
            "guid": new_guid(),
            "username": username,
            "role": role,
            "password": secrets.token_urlsafe(18),
            "role_guid": new_guid(),
            "created_at": created,
        }
    seed_content(ctx, tenant)
    store.tenants[subdomain] = tenant
    return tenant


def reset_tenant(ctx, tenant: dict) -> None:
    """Back to the seeded state; identity (org, space, users, SM client) is kept."""
    seed_content(ctx, tenant)


def api_key_json(ctx, tenant: dict, key_guid: str) -> dict:
    key = tenant["keys"][key_guid]
    return broker.credentials(ctx.landscape, tenant, tenant["instances"][key["instance_guid"]], key)


def sm_binding_json(ctx, tenant: dict) -> dict:
    return {
        "clientid": tenant["sm_client"]["clientid"],
        "clientsecret": tenant["sm_client"]["clientsecret"],
        "sm_url": ctx.landscape.service_manager(),
        "url": ctx.landscape.xsuaa(tenant["subdomain"]),
        "xsappname": tenant["sm_client"]["clientid"].split("|", 1)[1],
    }


def facts(ctx, tenant: dict) -> dict:
    """The connection facts a test or the demo landscape needs for this tenant."""
    land, auth = ctx.landscape, ctx.authorities
    sd = tenant["subdomain"]
    users = sorted(tenant["users"].values(), key=lambda u: u["role"] != "space_developer")

    def user_json(user):
        return {"username": user["username"], "password": user["password"], "guid": user["guid"]}

    return {
        "subdomain": sd,
        "cf_api": land.cf_api(),
        "uaa_url": land.uaa(),
        "org": tenant["org"]["name"],
        "org_guid": tenant["org"]["guid"],
        "space": tenant["space"]["name"],
        "space_guid": tenant["space"]["guid"],
        "cf_user": user_json(users[0]),
        "cf_user_without_role": user_json(users[1]),
        "api_instance_name": tenant["instances"][tenant["api_instance_guid"]]["name"],
        "api_key": api_key_json(ctx, tenant, tenant["api_key_guid"]),
        "cpi_api_url": land.cpi(sd) + "/api/v1",
        "token_url": land.xsuaa(sd) + "/oauth/token",
        "cert_token_url": land.xsuaa_cert(sd) + "/oauth/token",
        "sm_binding": sm_binding_json(ctx, tenant),
        "runtime_url": land.runtime(sd),
        "iflow_addresses": [f["address"] for f in tenant["iflows"]],
        "integration_packages": [content_seed.PACKAGE_ID],
        "content_iflows": [
            {"id": flow["Id"], "name": flow["Name"], "pathway": flow["pathway"], "package": flow["PackageId"]}
            for flow in tenant.get("designtime", {}).values()
        ],
        "ca_path": str(auth.ca_path),
        "client_ca_path": str(auth.client_ca_path),
        "client_ca_key_path": str(auth.client_ca_key_path),
    }


def write_facts(ctx, tenant: dict) -> str:
    folder = ctx.state_dir / "tenants"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{tenant['subdomain']}.json"
    path.write_text(json.dumps(facts(ctx, tenant), indent=2))
    path.chmod(0o600)
    return str(path)


def issue_demo_client_certificate(ctx, common_name: str, days: int = 365, client_auth: bool = True) -> dict:
    """A client certificate from the client CA, for demos: PEM certificate and key."""
    cert, private = ctx.authorities.issue_client(common_name, days=days, client_auth=client_auth)
    return {
        "certificate": certutil.pem(cert),
        "key": key_pem(private),
        "fingerprint_sha256": certutil.fingerprint(cert),
    }
