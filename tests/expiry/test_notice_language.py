"""Expiry notices people can act on: an absolute link on AUTHWIZARD_BASE_URL, in each member's language."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core import mail

from pathways import expiry
from pathways.models import LanguagePreference

from .conftest import NOW, apply_key_pair

FINGERPRINT = "AB:" * 31 + "CD"


def test_each_member_gets_the_notice_in_their_language_with_an_absolute_link(landscape, settings):
    settings.AUTHWIZARD_BASE_URL = "https://authwizard.example.com"
    LanguagePreference.choose(get_user_model().objects.get(username="leo"), "de")
    pathway = apply_key_pair(
        landscape.pathways.get(key="cpi_to_ssc"),
        fingerprint=FINGERPRINT,
        not_after=NOW + timedelta(days=12, hours=1),
    )
    expiry.send_expiry_notices(now=NOW)

    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"carla@example.com", "leo@example.com"}
    link = f"https://authwizard.example.com/l/{landscape.code}/p/{pathway.key}/certificates/"
    english, german = by_address["carla@example.com"], by_address["leo@example.com"]
    assert "Certificate expires in 12 days" in english.subject and link in english.body
    assert "Zertifikat läuft in 12 Tagen ab" in german.subject and link in german.body
    assert "SHA-256-Fingerabdruck" in german.body and "Rotieren Sie es in AuthWizard" in german.body
    assert "Certificate" not in german.subject and "fingerprint" not in german.body
    # The date in each reader's format: German day.month.year, English month name.
    assert "13.03.2027" in german.body or "13. März 2027" in german.body
    assert "March 13, 2027" in english.body or "2027" in english.body
