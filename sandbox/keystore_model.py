"""Keystore entries as stored (alias, chain PEMs, optional private key) and as CPI shows them (OData)."""

from __future__ import annotations

import re
import time

from cryptography.hazmat.primitives import hashes, serialization

from . import certutil

RESERVED_ALIASES = {"hcicertificate", "hcicertificate1", "hcimsgcertificate"}
ALIAS_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,250}$")
KEYSTORES = ("system", "backup_admin_system", "KeyRenewal")


def is_reserved(alias: str) -> bool:
    return alias.lower() in RESERVED_ALIASES or alias.lower().startswith("sap_")


def hexalias(alias: str) -> str:
    return alias.encode("utf-8").hex().upper()


def now_ms() -> int:
    return int(time.time() * 1000)


def make_entry(
    alias: str,
    chain_pems: list[str],
    key_pem: str | None,
    *,
    owner: str = "Tenant Administrator",
    actor: str = "sandbox",
) -> dict:
    stamp = now_ms()
    return {
        "alias": alias,
        "chain": list(chain_pems),
        "key": key_pem,
        "owner": owner,
        "type": "Key Pair" if key_pem else "Certificate",
        "created_by": actor,
        "created": stamp,
        "modified_by": actor,
        "modified": stamp,
        "validity": None,
    }


def entry_size(entry: dict) -> int:
    return sum(len(p) for p in entry["chain"]) + len(entry.get("key") or "")


def private_key(entry: dict):
    return (
        serialization.load_pem_private_key(entry["key"].encode(), password=None) if entry.get("key") else None
    )


def _date(moment) -> str:
    return certutil.sap_date(moment)


def certificate_fields(cert) -> dict:
    key_type, key_size, curve = certutil.key_info(cert.public_key())
    return {
        "KeyType": key_type,
        "KeySize": key_size,
        "EllipticCurve": curve,
        "ValidNotBefore": _date(cert.not_valid_before_utc),
        "ValidNotAfter": _date(cert.not_valid_after_utc),
        "SerialNumber": hex(cert.serial_number),
        "SignatureAlgorithm": certutil.java_signature_algorithm(cert),
        "SubjectDN": certutil.dn(cert.subject),
        "IssuerDN": certutil.dn(cert.issuer),
        "Version": 3,
        "FingerprintSha1": certutil.fingerprint(cert, hashes.SHA1()),  # noqa: S303 - CPI shows SHA-1 prints
        "FingerprintSha256": certutil.fingerprint(cert, hashes.SHA256()),
        "FingerprintSha512": certutil.fingerprint(cert, hashes.SHA512()),
    }


def entity(entry: dict, base_url: str, keystore: str = "system") -> dict:
    """The `KeystoreEntry` OData entity for a stored entry (Hexalias upper case)."""
    hex_key = hexalias(entry["alias"])
    leaf = certutil.load_certificates(entry["chain"][0])[0]
    uri = f"{base_url}/KeystoreEntries('{hex_key}')"
    body = {
        "__metadata": {"id": uri, "uri": uri, "type": "com.sap.it.km.api.commons.entity.KeystoreEntry"},
        "Hexalias": hex_key,
        "Alias": entry["alias"],
        **certificate_fields(leaf),
        "Validity": entry.get("validity"),
        "Type": entry["type"],
        "Owner": entry["owner"],
        "CreatedBy": entry["created_by"],
        "LastModifiedBy": entry["modified_by"],
        "CreatedTime": f"/Date({entry['created']})/",
        "LastModifiedTime": f"/Date({entry['modified']})/",
        "Status": entry.get("status", "unchanged"),
        "KeystoreName": keystore,
    }
    return body


def chain_entities(entry: dict) -> list[dict]:
    results = []
    for index, text in enumerate(entry["chain"]):
        cert = certutil.load_certificates(text)[0]
        fields = certificate_fields(cert)
        fields.pop("EllipticCurve", None)
        results.append(
            {"Hexalias": hexalias(entry["alias"]), "Alias": entry["alias"], "Index": index, **fields}
        )
    return results


def trusted(keystore: dict, chain) -> bool:
    """Whether a trust path to a certificate already in the keystore can be built for the chain's top."""
    top = chain[-1]
    anchors = []
    for entry in keystore.values():
        if entry["type"] != "Certificate":
            continue
        for text in entry["chain"]:
            anchors.extend(certutil.load_certificates(text))
    top_print = certutil.fingerprint(top)
    return any(certutil.fingerprint(a) == top_print or certutil.issued_by(top, a) for a in anchors)
