"""The sandbox's certificate authorities, server certificate, client-certificate issuing and TLS contexts."""

from __future__ import annotations

import datetime as dt
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .keypool import rsa_key

CLIENT_AUTH = ExtendedKeyUsageOID.CLIENT_AUTH


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _name(common_name: str, organization: str = "AuthWizard Sandbox", unit: str | None = None) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
    ]
    if unit:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def key_pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _write_private(path: Path, text: str) -> None:
    path.write_text(text)
    os.chmod(path, 0o600)


def _make_ca(common_name: str, days: int = 3650) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name)
    now = utcnow()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def issue_certificate(
    ca_cert: x509.Certificate,
    ca_key,
    public_key,
    subject: x509.Name,
    *,
    days: int = 365,
    client_auth: bool = True,
    server_auth: bool = False,
    dns_names: list[str] | None = None,
) -> x509.Certificate:
    """Sign a leaf certificate for `public_key` with the given CA; EKUs as asked."""
    now = utcnow()
    usages = ([CLIENT_AUTH] if client_auth else []) + (
        [ExtendedKeyUsageOID.SERVER_AUTH] if server_auth else []
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    if dns_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names]), critical=False
        )
    return builder.sign(ca_key, hashes.SHA256())


def server_names(domain: str) -> list[str]:
    """Every host the sandbox answers, as SAN entries (one wildcard per level)."""
    return [
        domain,
        f"*.{domain}",
        f"*.cf.{domain}",
        f"*.authentication.{domain}",
        f"*.authentication.cert.{domain}",
        f"*.cfapps.{domain}",
        f"*.it-cpi001.cfapps.{domain}",
        f"*.it-cpi001-rt.cfapps.{domain}",
    ]


@dataclass
class Authorities:
    """The root CA (server side), the client CA (the 'load balancer supported' CA) and the server pair."""

    state_dir: Path
    ca_cert: x509.Certificate
    ca_key: object
    client_ca_cert: x509.Certificate
    client_ca_key: object

    @property
    def ca_path(self) -> Path:
        return self.state_dir / "ca.pem"

    @property
    def client_ca_path(self) -> Path:
        return self.state_dir / "client-ca.pem"

    @property
    def client_ca_key_path(self) -> Path:
        return self.state_dir / "client-ca-key.pem"

    @property
    def server_cert_path(self) -> Path:
        return self.state_dir / "server.pem"

    @property
    def server_key_path(self) -> Path:
        return self.state_dir / "server-key.pem"

    def issue_client(
        self,
        common_name: str,
        *,
        days: int = 365,
        client_auth: bool = True,
        key_length: int = 2048,
        unit: str | None = None,
    ) -> tuple[x509.Certificate, object]:
        """A fresh RSA key and a certificate for it from the client CA."""
        key = rsa_key(key_length)
        cert = issue_certificate(
            self.client_ca_cert,
            self.client_ca_key,
            key.public_key(),
            _name(common_name, "SAP SE", unit),
            days=days,
            client_auth=client_auth,
        )
        return cert, key

    def ensure_server_certificate(self, domain: str) -> None:
        """(Re)issue the server certificate when missing or when its names do not cover `domain`."""
        wanted = server_names(domain)
        if self.server_cert_path.exists() and self.server_key_path.exists():
            cert = x509.load_pem_x509_certificate(self.server_cert_path.read_bytes())
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            fresh = cert.not_valid_after_utc > utcnow() + dt.timedelta(days=7)
            if fresh and sorted(san.get_values_for_type(x509.DNSName)) == sorted(wanted):
                return
        key = ec.generate_private_key(ec.SECP256R1())
        cert = issue_certificate(
            self.ca_cert,
            self.ca_key,
            key.public_key(),
            _name(domain),
            days=825,
            client_auth=False,
            server_auth=True,
            dns_names=wanted,
        )
        _write_private(self.server_key_path, key_pem(key))
        self.server_cert_path.write_text(cert_pem(cert) + cert_pem(self.ca_cert))

    def server_context(self, require_client_cert: bool) -> ssl.SSLContext:
        """Server TLS context that asks for (or requires) a client certificate from the client CA."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.server_cert_path, self.server_key_path)
        ctx.load_verify_locations(cafile=str(self.client_ca_path))
        ctx.verify_mode = ssl.CERT_REQUIRED if require_client_cert else ssl.CERT_OPTIONAL
        return ctx


def load_or_create(state_dir: Path) -> Authorities:
    """Load both CAs from the state dir, creating them on first start."""
    state_dir.mkdir(parents=True, exist_ok=True)
    pairs = {}
    for stem, cn in (("ca", "AuthWizard Sandbox Root CA"), ("client-ca", "AuthWizard Sandbox Client CA")):
        cert_path, key_path = state_dir / f"{stem}.pem", state_dir / f"{stem}-key.pem"
        if cert_path.exists() and key_path.exists():
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
            key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        else:
            cert, key = _make_ca(cn)
            _write_private(key_path, key_pem(key))
            cert_path.write_text(cert_pem(cert))
        pairs[stem] = (cert, key)
    return Authorities(
        state_dir, pairs["ca"][0], pairs["ca"][1], pairs["client-ca"][0], pairs["client-ca"][1]
    )
