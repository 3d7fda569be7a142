"""Certificates made in the tests (a small CA, leaves with chosen dates, EKUs, keys and hashes) and a
consultant
of one landscape with its SSCv2 → CPI pathway on External Certificate."""

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.test import Client
from django.utils import timezone

from pathways import certs
from pathways.certs.describe import describe_private_key
from tests.factories import LandscapeFactory, MembershipFactory

SHA256_WITH_RSA_OID = bytes.fromhex("2a864886f70d01010b")
SHA1_WITH_RSA_OID = bytes.fromhex("2a864886f70d010105")


def rsa_key(bits: int) -> certs.PrivateKeyMaterial:
    """Any RSA size, including the weak 1024 bits the library refuses to generate."""
    return describe_private_key(rsa.generate_private_key(public_exponent=65537, key_size=bits))


def resign_with_sha1(
    cert: certs.CertificateInfo, issuer_key: certs.PrivateKeyMaterial
) -> certs.CertificateInfo:
    """The same RSA-signed certificate re-signed with SHA-1 (cryptography no longer signs with SHA-1)."""
    der = cert.der.replace(SHA256_WITH_RSA_OID, SHA1_WITH_RSA_OID)
    reparsed = x509.load_der_x509_certificate(der)
    key = serialization.load_pem_private_key(issuer_key.pem, None)
    signature = key.sign(reparsed.tbs_certificate_bytes, padding.PKCS1v15(), hashes.SHA1())
    return certs.describe_certificate(
        x509.load_der_x509_certificate(der.replace(reparsed.signature, signature))
    )


class CA:
    """A root and an intermediate CA; `leaf()` issues client certificates below the intermediate."""

    def __init__(self):
        now = timezone.now()
        self.root_key = certs.generate_private_key("EC-P256")
        self.root = certs.issue_certificate(
            self.root_key,
            None,
            self.root_key,
            3650,
            eku=(),
            is_ca=True,
            subject=certs.DistinguishedName("Test Root CA", country="DE"),
            not_before=now - timedelta(days=10),
        )
        self.sub_key = certs.generate_private_key("EC-P256")
        self.sub = certs.issue_certificate(
            self.sub_key,
            self.root,
            self.root_key,
            1825,
            eku=(),
            is_ca=True,
            subject=certs.DistinguishedName("Test Sub CA", country="DE"),
            not_before=now - timedelta(days=10),
        )
        self.leaf_key = certs.generate_private_key("EC-P256")

    def leaf(
        self,
        name="sscv2-client.example.com",
        *,
        days=365,
        start_days_ago=1,
        eku=("clientAuth",),
        key=None,
        sans=("sscv2-client.example.com",),
    ) -> certs.CertificateInfo:
        return certs.issue_certificate(
            key or self.leaf_key,
            self.sub,
            self.sub_key,
            days,
            eku=eku,
            subject=certs.DistinguishedName(name, organization="Customer AG"),
            subject_alt_names=sans,
            not_before=timezone.now() - timedelta(days=start_days_ago),
        )


@pytest.fixture(scope="session")
def ca():
    return CA()


@pytest.fixture
def landscape(db):
    return LandscapeFactory(name="Certs DEV", expiry_threshold_days=30)


@pytest.fixture
def consultant(landscape):
    return MembershipFactory(landscape=landscape, role="consultant", user__username="carla").user


@pytest.fixture
def client(consultant):
    client = Client()
    client.force_login(consultant)
    return client


@pytest.fixture
def external(landscape):
    pathway = landscape.pathways.get(key="ssc_to_cpi")
    pathway.method = "certificate"
    pathway.draft = {"certificate_source": "external"}
    pathway.save()
    return pathway


def post_field(client, pathway, name: str, value: str = "", *, upload=None) -> str:
    """Autosave one field the way htmx does; returns the re-rendered field."""
    pathway.refresh_from_db()
    data = {"version": str(pathway.version), name: upload if upload is not None else value}
    response = client.post(
        f"/l/{pathway.landscape.code}/p/{pathway.key}/field/{name}/", data, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()
