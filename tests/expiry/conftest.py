"""A landscape with members (e-mail addresses) and certificates made in the test, valid for a chosen span."""

from datetime import UTC, datetime, timedelta

import pytest

from pathways import certs
from tests.factories import LandscapeFactory, MembershipFactory

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def client_key():
    return certs.generate_private_key("EC-P256")


def make_certificate(
    key, days: int, *, start: datetime = NOW, name: str = "ssc-client"
) -> certs.CertificateInfo:
    """A self-signed clientAuth certificate valid from `start` for `days` days."""
    return certs.issue_certificate(
        key,
        None,
        key,
        days,
        subject=certs.DistinguishedName(common_name=name),
        not_before=start - timedelta(days=1) if start else None,
    )


@pytest.fixture
def landscape(db):
    landscape = LandscapeFactory(name="Watch DEV", expiry_threshold_days=30)
    MembershipFactory(
        landscape=landscape, role="consultant", user__username="carla", user__email="carla@example.com"
    )
    MembershipFactory(landscape=landscape, role="lead", user__username="leo", user__email="leo@example.com")
    MembershipFactory(landscape=landscape, role="viewer", user__username="nomail", user__email="")
    return landscape


def apply_key_pair(pathway, *, fingerprint: str, not_after: datetime):
    """What an apply of CPI → SSCv2 with a generated key pair records."""
    pathway.method = "certificate"
    pathway.applied = {"alias": "ssc_client", "fingerprint": fingerprint, "validuntil": not_after.isoformat()}
    pathway.certificate_not_after = not_after
    pathway.status = "verified"
    pathway.save()
    return pathway
