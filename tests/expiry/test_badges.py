"""The expiring badge with its countdown on the landscape's pathway cards, the wizard and the certificate
page.
"""

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from pathways import expiry
from pathways.models import Membership

from .conftest import apply_key_pair


def member_client(landscape) -> Client:
    client = Client()
    client.force_login(Membership.objects.get(landscape=landscape, role="consultant").user)
    return client


def test_the_landscape_page_shows_expiring_with_days_left(landscape):
    apply_key_pair(
        landscape.pathways.get(key="cpi_to_ssc"),
        fingerprint="AA:BB",
        not_after=timezone.now() + timedelta(days=12, hours=2),
    )
    page = member_client(landscape).get(f"/l/{landscape.code}/").content.decode()
    assert "Expiring" in page and "12 days left" in page


def test_the_landscape_threshold_decides_when_the_badge_appears(landscape):
    landscape.expiry_threshold_days = 10
    landscape.save()
    apply_key_pair(
        landscape.pathways.get(key="cpi_to_ssc"),
        fingerprint="AA:BB",
        not_after=timezone.now() + timedelta(days=12, hours=2),
    )
    page = member_client(landscape).get(f"/l/{landscape.code}/").content.decode()
    assert "days left" not in page


def test_an_expired_certificate_shows_expired_in_the_wizard(landscape):
    apply_key_pair(
        landscape.pathways.get(key="cpi_to_ssc"),
        fingerprint="AA:BB",
        not_after=timezone.now() - timedelta(days=2),
    )
    page = member_client(landscape).get(f"/l/{landscape.code}/p/cpi_to_ssc/step/method/").content.decode()
    assert 'data-status="expired"' in page and "fd-object-status--negative" in page and "Expired" in page


def test_the_certificate_page_lists_the_certificate_with_days_left(landscape):
    apply_key_pair(
        landscape.pathways.get(key="cpi_to_ssc"),
        fingerprint="AA:BB",
        not_after=timezone.now() + timedelta(days=100, hours=2),
    )
    response = member_client(landscape).get(f"/l/{landscape.code}/p/cpi_to_ssc/certificates/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "keystore key pair ssc_client" in page and "100 days" in page and "AA:BB" in page


def test_expiry_of_a_pathway_without_certificates_is_none(landscape):
    assert expiry.expiry_of(landscape.pathways.get(key="cpi_to_s4")) is None


def test_the_landscape_heading_names_its_soonest_expiring_pathway(landscape):
    apply_key_pair(
        landscape.pathways.get(key="cpi_to_ssc"),
        fingerprint="AA:BB",
        not_after=timezone.now() + timedelta(days=20, hours=2),
    )
    s4 = landscape.pathways.get(key="s4_to_cpi")
    s4.applied = {
        "key_name": "s4-cert-key",
        "validuntil": (timezone.now() + timedelta(days=5, hours=2)).isoformat(),
    }
    s4.save()
    page = member_client(landscape).get(f"/l/{landscape.code}/").content.decode()
    start = page.index('<div class="object-title">')  # the object page header: title, tier, status
    heading = page[start : page.index("</div>", start)]
    assert "S/4HANA → CPI: " in heading and "5 days left" in heading
