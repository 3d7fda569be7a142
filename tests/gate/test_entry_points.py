"""Every entry point that starts a run × every reason the gate has to refuse one: the same answer each time.

Entry points: web Apply, Apply all, `manage.py pathway apply`, rotation, retire (a leftover credential), the
signed-chain upload, the drift check, the iFlow discovery and the message check. Reasons: role, readiness,
four eyes, an approval withdrawn because the landscape changed, an active run. The expected answer of each
pair comes from what the run does (the drift check, the discovery and the message check only read, so
readiness and four eyes do not hold them up); the sentence is the gate's own.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pathways import approval as approvals
from pathways import certs, gate
from pathways.models import LeftoverCredential, Run, RunKind
from tests.factories import LandscapeFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

KEY = "cpi_to_ssc"


@dataclass
class Case:
    landscape: object
    pathway: object
    consultant: object
    viewer: object
    lead: object
    leftover: LeftoverCredential


def self_signed_pem() -> str:
    key = certs.generate_private_key("EC-P256")
    issued = certs.issue_certificate(
        key,
        None,
        key,
        30,
        subject=certs.DistinguishedName("cpi-ssc-client"),
        not_before=timezone.now() - timedelta(days=1),
    )
    return issued.pem.decode()


def make_case(tier: str) -> Case:
    landscape = LandscapeFactory(name=f"Gate {tier}", tier=tier, s4_host="s4.example.com")
    consultant = UserFactory(username=f"carla-{tier}")
    viewer = UserFactory(username=f"vera-{tier}")
    lead = UserFactory(username=f"leo-{tier}")
    MembershipFactory(landscape=landscape, user=consultant, role="consultant")
    MembershipFactory(landscape=landscape, user=viewer, role="viewer")
    MembershipFactory(landscape=landscape, user=lead, role="lead")
    pathway = landscape.pathways.get(key=KEY)
    pathway.method = "certificate"
    pathway.draft = {"key_source": "generate", "key_type": "RSA-2048"}
    pathway.applied = {"alias": "cpi-ssc-client", "fingerprint": "00" * 32}
    pathway.save()
    leftover = LeftoverCredential.objects.create(
        pathway=pathway, shape="user_credentials", facts={"name": "SSC_OLD"}, label="User Credentials SSC_OLD"
    )
    return Case(landscape, pathway, consultant, viewer, lead, leftover)


# --- the reasons -------------------------------------------------------------------------------------------


def role(case: Case):
    return case.viewer


def readiness(case: Case):
    Run.objects.create(
        landscape=case.landscape,
        kind=RunKind.CHECK,
        state="failed",
        finished_at=timezone.now(),
        result={
            "ok": False,
            "checks": [
                {
                    "name": "cpi_role_SecurityMaterialEdit",
                    "status": "missing",
                    "sentence": "The CPI API key lacks the role SecurityMaterialEdit.",
                }
            ],
        },
    )
    return case.consultant


def four_eyes(case: Case):
    return case.consultant


def approval_withdrawn(case: Case):
    second_lead = UserFactory(username="lena")
    MembershipFactory(landscape=case.landscape, user=second_lead, role="lead")
    request = approvals.request_approval(case.pathway, case.consultant)
    approvals.decide(request, second_lead, approve=True)
    assert gate.refusal(case.pathway, RunKind.APPLY, case.consultant) is None  # the approval opened the gate
    case.landscape.cf_user = "someone-else@example.com"  # a connection setting changes after the approval
    case.landscape.save()
    return case.consultant


def active_run(case: Case):
    Run.objects.create(landscape=case.landscape, pathway=case.pathway, kind=RunKind.APPLY, state="running")
    Run.objects.create(landscape=case.landscape, kind=RunKind.DRIFT, state="running")
    Run.objects.create(landscape=case.landscape, kind=RunKind.DISCOVER, state="running")
    Run.objects.create(landscape=case.landscape, kind=RunKind.TRAFFIC, state="running")
    return case.consultant


REASONS = {
    "role": ("dev", role),
    "readiness": ("dev", readiness),
    "four_eyes": ("prod", four_eyes),
    "approval_withdrawn": ("prod", approval_withdrawn),
    "active_run": ("dev", active_run),
}

# --- the entry points: each returns (status or None, the text the user sees) --------------------------------


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def web_apply(case, user):
    url = reverse("pathway_run", args=[case.landscape.code, KEY, "apply"])
    response = client_of(user).post(url, follow=True)
    return response.status_code, response.content.decode()


def apply_all(case, user):
    url = reverse("landscape_run", args=[case.landscape.code, "apply-all"])
    response = client_of(user).post(url, follow=True)
    return response.status_code, response.content.decode()


def command(case, user):
    try:
        call_command("pathway", "apply", case.landscape.name, KEY, "--as-user", user.username)
    except CommandError as error:
        return None, str(error)
    return None, "started"


def rotation(case, user):
    url = f"/l/{case.landscape.code}/p/{KEY}/certificates/rotate/"
    response = client_of(user).post(url, follow=True)
    return response.status_code, response.content.decode()


def retire(case, user):
    url = reverse("leftover_retire", args=[case.landscape.code, KEY, case.leftover.code])
    response = client_of(user).post(url, {"confirm": "yes"}, follow=True)
    return response.status_code, response.content.decode()


def chain_upload(case, user):
    url = f"/l/{case.landscape.code}/p/{KEY}/certificates/cpi-chain/"
    response = client_of(user).post(url, {"chain": self_signed_pem()}, follow=True)
    return response.status_code, response.content.decode()


def drift(case, user):
    url = reverse("landscape_drift", args=[case.landscape.code])
    response = client_of(user).post(url, follow=True)
    return response.status_code, response.content.decode()


def discover(case, user):
    url = reverse("landscape_run", args=[case.landscape.code, "discover"])
    response = client_of(user).post(url, follow=True)
    return response.status_code, response.content.decode()


def message_check(case, user):
    url = reverse("landscape_traffic", args=[case.landscape.code])
    response = client_of(user).post(url, follow=True)
    return response.status_code, response.content.decode()


ENTRY_POINTS = {
    "web apply": (web_apply, RunKind.APPLY),
    "apply all": (apply_all, RunKind.APPLY),
    "command": (command, RunKind.APPLY),
    "rotation": (rotation, RunKind.ROTATE),
    "retire": (retire, RunKind.RETIRE),
    "chain upload": (chain_upload, RunKind.CHAIN),
    "drift": (drift, RunKind.DRIFT),
    "discover": (discover, RunKind.DISCOVER),
    "message check": (message_check, RunKind.TRAFFIC),
}

# What holds up a run of each kind: a drift check only reads (role and its own lane only).
HOLDS = {kind: set(gate.REASONS) for kind in gate.WRITES} | {
    kind: {gate.ROLE, gate.ACTIVE_RUN} for kind in (RunKind.DRIFT, RunKind.DISCOVER, RunKind.TRAFFIC)
}


@pytest.mark.parametrize("reason", list(REASONS))
@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_every_entry_point_gives_the_gates_answer_for_every_reason(entry, reason):
    tier, arrange = REASONS[reason]
    case = make_case(tier)
    user = arrange(case)
    enter, kind = ENTRY_POINTS[entry]
    target = case.landscape if kind in gate.LANDSCAPE_KINDS else case.pathway
    expected = gate.refusal(target, kind, user)
    before = set(Run.objects.values_list("pk", flat=True))

    status, text = enter(case, user)
    text = html.unescape(text)
    started = Run.objects.exclude(pk__in=before).filter(kind=kind)
    if kind not in gate.LANDSCAPE_KINDS:
        started = started.filter(pathway=case.pathway)

    if reason not in HOLDS[kind]:
        assert expected is None
        assert started.count() == 1, f"{entry}: the run should have started ({text[-500:]})"
        return
    assert expected is not None and expected.code == reason
    assert not started.exists(), f"{entry} started a run although the gate says: {expected.message}"
    if reason == gate.ROLE and status is not None:
        assert status == 403  # a page refuses a role before anything else, as the gate does
    else:
        assert expected.message in text, f"{entry} did not say why: {text[-800:]}"
