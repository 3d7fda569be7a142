"""The demo: users and a landscape wired to the local sandbox, from the facts file the sandbox writes."""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from pathways import certs
from pathways.forms.landscape import LandscapeForm
from pathways.models import Landscape, Membership, Role

DEMO_USERS = {"demo": Role.CONSULTANT, "lead": Role.LEAD, "viewer": Role.VIEWER}
DEMO_PASSWORD = "authwizard-demo"


def landscape_form_data(facts: dict, *, name: str, tier: str = "dev") -> dict:
    """What a consultant would type into the landscape form for this sandbox tenant."""
    return {
        "name": name,
        "tier": tier,
        "cpi_service_key": json.dumps(facts["api_key"]),
        "runtime_url": facts["runtime_url"],
        "endpoint_path": facts["iflow_addresses"][0]
        if facts.get("iflow_addresses")
        else "/http/authwizard/ping",
        "integration_packages": ", ".join(facts.get("integration_packages") or []),
        "cf_api_url": facts["cf_api"],
        "cf_uaa_url": facts["uaa_url"],
        "cf_org": facts["org"],
        "cf_space": facts["space"],
        "cf_user": facts["cf_user"]["username"],
        "cf_password": facts["cf_user"]["password"],
        "sm_service_key": json.dumps(facts["sm_binding"]),
        "ca_bundle": Path(facts["ca_path"]).read_text(),
        "s4_host": "s4.sandbox.localhost",
        "ssc_host": "ssc.sandbox.localhost",
        "expiry_threshold_days": "30",
    }


def landscape_from_facts(facts: dict, *, name: str, user, tier: str = "dev") -> Landscape:
    """Create or update a landscape from sandbox facts, validated by the landscape form."""
    existing = Landscape.objects.filter(name=name).first()
    form = LandscapeForm(landscape_form_data(facts, name=name, tier=tier), instance=existing, user=user)
    if not form.is_valid():
        raise ValueError(f"the sandbox facts do not make a valid landscape: {form.errors.as_text()}")
    with transaction.atomic():
        landscape = form.save()
        form.save_secrets(landscape)
    return landscape


def seed(facts: dict) -> tuple[Landscape, dict[str, str]]:
    """Demo users (one per role) and the demo landscape; returns the landscape and the logins."""
    User = get_user_model()
    users = {}
    for username, role in DEMO_USERS.items():
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        users[username] = (user, role)
    landscape = landscape_from_facts(facts, name="Demo (sandbox)", user=users["demo"][0])
    for user, role in users.values():
        Membership.objects.update_or_create(landscape=landscape, user=user, defaults={"role": role})
    _prefill_sscv2_certificate(landscape, facts, users["demo"][0])
    return landscape, {username: DEMO_PASSWORD for username in DEMO_USERS}


def sandbox_client_certificate(
    facts: dict, common_name: str, organization: str
) -> tuple[certs.PrivateKeyMaterial, certs.CertificateInfo]:
    """A new EC key and a one-year client certificate for it, from the sandbox load balancer's trusted CA."""
    key = certs.generate_private_key("EC-P256")
    issued = certs.issue_certificate(
        key,
        Path(facts["client_ca_path"]).read_bytes(),
        Path(facts["client_ca_key_path"]).read_bytes(),
        days=365,
        subject=certs.DistinguishedName(common_name=common_name, organization=organization, country="DE"),
    )
    return key, issued


def _prefill_sscv2_certificate(landscape: Landscape, facts: dict, user) -> None:
    """Play SSCv2's part once: a client certificate from the CA the sandbox's load balancer trusts."""
    pathway = landscape.pathways.get(key="ssc_to_cpi")
    if pathway.draft.get("external_certificate"):
        return
    _key, issued = sandbox_client_certificate(facts, "sscv2-demo-client", "Demo")
    pathway.save_field(
        "external_certificate", issued.pem.decode("ascii"), seen_version=pathway.version, user=user
    )
