"""Promotion DEV → TEST → PROD: drafts and settings travel, secrets stay unless entered, prod needs new
approval.
"""

import json

import pytest
from django.urls import reverse

from pathways import approval as approvals
from pathways import promotion
from pathways.models import ApprovalState, AuditEvent, Landscape, Membership, Secret

from .conftest import fill_basic_draft


@pytest.fixture
def test_tier(people):
    landscape = Landscape.objects.create(
        name="Sales TEST",
        tier="test",
        cf_api_url="https://api.cf.example.com",
        cf_user="tech@example.com",
        expiry_threshold_days=21,
    )
    Membership.objects.create(landscape=landscape, user=people["consultant"], role="consultant")
    return landscape


def draft_of(landscape, key):
    pathway = landscape.pathways.get(key=key)
    return pathway.method, {k: v for k, v in pathway.draft.items()}


def test_promotion_round_trip_carries_drafts_and_keeps_each_landscapes_secrets(dev, test_tier, prod, people):
    consultant = people["consultant"]
    source = fill_basic_draft(dev.pathways.get(key="cpi_to_s4"), consultant, "COMM_USER_DEV")
    ssc = dev.pathways.get(key="ssc_to_cpi")
    ssc.save_field("method", "basic", seen_version=ssc.version, user=consultant)
    dev.endpoint_path = "/http/sales/orders"
    dev.expiry_threshold_days = 45
    dev.save()
    Secret.store(
        landscape=test_tier,
        pathway=test_tier.pathways.get(key="cpi_to_s4"),
        name="password",
        value="TEST-own-Passw0rd",
    )

    changes = promotion.promote(dev, test_tier, user=consultant).changes
    assert {(c.where, c.field) for c in changes} >= {
        ("landscape", "endpoint_path"),
        ("cpi_to_s4", "user"),
        ("ssc_to_cpi", "method"),
    }
    test_tier.refresh_from_db()
    assert (test_tier.endpoint_path, test_tier.expiry_threshold_days) == ("/http/sales/orders", 45)
    assert test_tier.cf_api_url == "https://api.cf.example.com"  # its own tenant stays
    for key in ("cpi_to_s4", "ssc_to_cpi", "s4_to_cpi", "cpi_to_ssc"):
        assert draft_of(test_tier, key) == draft_of(dev, key)
    kept = test_tier.pathways.get(key="cpi_to_s4").secret("password")
    assert kept.reveal() == "TEST-own-Passw0rd"
    assert source.secret("password").reveal() == "Secret-Passw0rd!"

    promotion.promote(
        test_tier, prod, user=consultant, secrets={"cpi_to_s4": {"password": "PROD-new-Passw0rd"}}
    )
    assert draft_of(prod, "cpi_to_s4") == draft_of(dev, "cpi_to_s4")
    assert prod.pathways.get(key="cpi_to_s4").secret("password").reveal() == "PROD-new-Passw0rd"
    assert promotion.planned_changes(dev, prod) == []

    event = AuditEvent.objects.filter(action="landscape.promote", landscape=prod).get()
    assert event.changes["cpi_to_s4.password"] == ["***CHANGED***", "***CHANGED***"]
    assert "PROD-new-Passw0rd" not in json.dumps(event.changes) + event.note


def test_promoting_onto_prod_withdraws_its_approval(dev, prod, people):
    prod_pathway = fill_basic_draft(prod.pathways.get(key="cpi_to_s4"), people["consultant"], "OLD")
    request = approvals.request_approval(prod_pathway, people["consultant"])
    approvals.decide(request, people["lead"], approve=True)
    fill_basic_draft(dev.pathways.get(key="cpi_to_s4"), people["consultant"], "NEW")
    promotion.promote(dev, prod, user=people["consultant"])
    prod_pathway.refresh_from_db()
    assert approvals.current_approval(prod_pathway) is None
    request.refresh_from_db()
    assert request.state == ApprovalState.WITHDRAWN


def test_the_page_previews_the_changes_and_asks_only_for_secrets(dev, prod, people, as_user):
    fill_basic_draft(dev.pathways.get(key="cpi_to_s4"), people["consultant"], "COMM_USER_DEV")
    page = as_user("consultant").get(
        reverse("landscape_promote", args=[dev.code]), {"target": str(prod.code)}
    )
    html = page.content.decode()
    assert "COMM_USER_DEV" in html and 'name="secret-cpi_to_s4-password"' in html
    assert "Secret-Passw0rd!" not in html
    response = as_user("consultant").post(
        reverse("landscape_promote", args=[dev.code]),
        {
            "target": str(prod.code),
            "secret-cpi_to_s4-password": "",
        },
    )
    assert response.status_code == 302
    assert prod.pathways.get(key="cpi_to_s4").draft["user"] == "COMM_USER_DEV"


def test_a_bad_target_is_a_message_beside_the_field_not_an_error(dev, as_user):
    response = as_user("consultant").post(
        reverse("landscape_promote", args=[dev.code]), {"target": "not-a-uuid"}
    )
    assert response.status_code == 200
    assert "Choose a landscape from the list." in response.content.decode()
    empty = as_user("consultant").post(reverse("landscape_promote", args=[dev.code]), {})
    assert "Choose the landscape to copy to." in empty.content.decode()


def test_a_landscape_cannot_be_promoted_onto_itself(dev, people):
    with pytest.raises(promotion.PromotionProblem):
        promotion.promote(dev, dev, user=people["consultant"])


def test_the_exported_configuration_has_no_secrets(dev, people, as_user):
    fill_basic_draft(dev.pathways.get(key="cpi_to_s4"), people["consultant"])
    Secret.store(landscape=dev, name="cf_password", value="CF-Passw0rd-secret")
    response = as_user("viewer").get(reverse("landscape_export", args=[dev.code]))
    text = response.content.decode()
    data = json.loads(text)
    assert data["format"] == "authwizard.landscape/1"
    assert data["pathways"]["cpi_to_s4"]["draft"]["user"] == "COMM_USER"
    assert data["cf_password"] == {"env": "SALES_DEV_CF_PASSWORD"}
    assert "Secret-Passw0rd!" not in text and "CF-Passw0rd-secret" not in text


def test_the_page_says_which_secrets_differ_without_showing_them(dev, prod, people, as_user):
    consultant = people["consultant"]
    fill_basic_draft(dev.pathways.get(key="cpi_to_s4"), consultant)
    fill_basic_draft(dev.pathways.get(key="cpi_to_ssc"), consultant)
    dev_ssc = dev.pathways.get(key="cpi_to_ssc")
    dev_ssc.save_field("password", "Shared-Passw0rd!", seen_version=dev_ssc.version, user=consultant)
    Secret.store(
        landscape=prod, pathway=prod.pathways.get(key="cpi_to_s4"), name="password", value="Other-Passw0rd"
    )
    Secret.store(
        landscape=prod, pathway=prod.pathways.get(key="cpi_to_ssc"), name="password", value="Shared-Passw0rd!"
    )
    html = (
        as_user("consultant")
        .get(reverse("landscape_promote", args=[dev.code]), {"target": str(prod.code)})
        .content.decode()
    )
    s4_help = html.split('id="secret-cpi_to_s4-password-help"')[1].split("</span>")[0]
    ssc_help = html.split('id="secret-cpi_to_ssc-password-help"')[1].split("</span>")[0]
    assert "different from" in s4_help and "same value" in ssc_help
    for value in ("Other-Passw0rd", "Shared-Passw0rd!", "Secret-Passw0rd!"):
        assert value not in html


def promote_page(as_user, dev, prod) -> str:
    return (
        as_user("consultant")
        .get(reverse("landscape_promote", args=[dev.code]), {"target": str(prod.code)})
        .content.decode()
    )


def test_a_key_pair_generated_in_cpi_asks_for_no_pkcs12_and_an_imported_one_does(dev, prod, people, as_user):
    consultant = people["consultant"]
    pathway = dev.pathways.get(key="cpi_to_ssc")
    pathway.save_field("method", "certificate", seen_version=pathway.version, user=consultant, force=True)
    html = promote_page(as_user, dev, prod)
    assert 'name="secret-cpi_to_ssc-pkcs12"' not in html
    assert 'name="secret-cpi_to_ssc-pkcs12_passphrase"' not in html
    pathway.refresh_from_db()
    pathway.save_field("key_source", "import", seen_version=pathway.version, user=consultant, force=True)
    html = promote_page(as_user, dev, prod)
    assert 'name="secret-cpi_to_ssc-pkcs12"' in html and 'name="secret-cpi_to_ssc-pkcs12_passphrase"' in html


def test_a_secret_for_a_field_the_copied_method_does_not_use_is_not_stored(dev, prod, people):
    pathway = dev.pathways.get(key="cpi_to_ssc")
    pathway.save_field("method", "certificate", seen_version=pathway.version, user=people["consultant"])
    done = promotion.promote(
        dev,
        prod,
        user=people["consultant"],
        secrets={"cpi_to_ssc": {"pkcs12": "AAAA", "pkcs12_passphrase": "x"}},
    )
    assert done.entered == []
    assert prod.pathways.get(key="cpi_to_ssc").secret("pkcs12") is None


def test_the_message_says_truthfully_which_secrets_the_target_kept(dev, prod, people, as_user):
    fill_basic_draft(dev.pathways.get(key="cpi_to_s4"), people["consultant"])
    url = reverse("landscape_promote", args=[dev.code])
    page = as_user("consultant").post(url, {"target": str(prod.code)}, follow=True).content.decode()
    assert "kept its own" not in page  # Sales PROD has no secrets at all
    assert "Sales PROD has no CPI → S/4HANA: Password yet" in page

    Secret.store(landscape=prod, name="cf_password", value="CF-Passw0rd-prod")
    Secret.store(
        landscape=prod, pathway=prod.pathways.get(key="cpi_to_s4"), name="password", value="P-prod-1"
    )
    page = as_user("consultant").post(url, {"target": str(prod.code)}, follow=True).content.decode()
    assert "Sales PROD kept its own Cloud Foundry password, CPI → S/4HANA: Password." in page
    assert "has no" not in page
