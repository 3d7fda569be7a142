"""CPI keystore (§10): entries, certificate upload, key-pair generation, downloads, CSR, chain imports."""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from . import certutil, odata
from .http import Response, empty
from .keypool import rsa_key
from .keystore_model import (
    ALIAS_PATTERN,
    KEYSTORES,
    chain_entities,
    entity,
    entry_size,
    hexalias,
    is_reserved,
    make_entry,
    now_ms,
    private_key,
    trusted,
)

ENTITY_SETS = (
    "KeystoreEntries",
    "CertificateResources",
    "CertificateChainResources",
    "KeyPairGenerationRequests",
    "KeyPairResources",
    "RSAKeyGenerationRequests",
    "Keystores",
)
KEYSTORE_LIMIT = 6 * 1024 * 1024
CERT_BODY_LIMIT = 10 * 1024
CHAIN_BODY_LIMIT = 30072
HASHES = {
    "SHA-512": hashes.SHA512,
    "SHA-384": hashes.SHA384,
    "SHA-256": hashes.SHA256,
    "SHA-224": hashes.SHA224,
    "SHA-1": hashes.SHA1,
}


def _signature_table() -> dict[str, tuple[str, str]]:
    """Both spellings of every algorithm (D-13): `SHA-256/RSA` and `SHA256/RSA`."""
    table = {}
    for hash_name in HASHES:
        for kind in ("RSA", "ECDSA", "DSA"):
            table[f"{hash_name}/{kind}"] = (hash_name, kind)
            table[f"{hash_name.replace('-', '')}/{kind}"] = (hash_name, kind)
    return table


SIGNATURES = _signature_table()
CURVES = {
    "secp256r1": ec.SECP256R1,
    "prime256v1": ec.SECP256R1,
    "secp384r1": ec.SECP384R1,
    "secp521r1": ec.SECP521R1,
    "secp224r1": ec.SECP224R1,
    "secp256k1": ec.SECP256K1,
}
CURVE_BY_SIZE = {224: ec.SECP224R1, 256: ec.SECP256R1, 384: ec.SECP384R1, 521: ec.SECP521R1}
LOCKED = "Keystore is locked by another user. Try again later."


class KeystoreError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.response = odata.error(status, message)


def not_found(alias: str) -> KeystoreError:
    return KeystoreError(404, f"Alias '{alias}' not found in the keystore")


def alias_from_hex(hex_text: str) -> str:
    if len(hex_text) % 2:
        raise KeystoreError(500, f"hexBinary needs to be even-length: {hex_text}")
    try:
        return bytes.fromhex(hex_text).decode("utf-8")
    except ValueError:
        raise KeystoreError(500, f"contains illegal character for hexBinary: {hex_text}") from None


def check_alias(alias: str, for_write: bool = True) -> None:
    if for_write and is_reserved(alias):
        raise KeystoreError(403, f"Alias '{alias}' is reserved for SAP-owned keystore entries")
    if not ALIAS_PATTERN.fullmatch(alias):
        raise KeystoreError(
            400, "Alias may contain only letters, digits, '.', '_' and '-' (1-250 characters)"
        )


def _flag(req, name: str) -> bool:
    return (req.arg(name, "false") or "false").lower() == "true"


def handle(ctx, req, tenant, caller, entity_set, key_segment, tail) -> Response:
    from .cpi import READ, SECURITY, require

    keystore_name = req.arg("keystoreName", "system") or "system"
    try:
        if keystore_name not in KEYSTORES:
            raise KeystoreError(400, f"Invalid keystore name '{keystore_name}'")
        keystore = tenant["keystores"][keystore_name]
        hex_key = odata.parse_key(key_segment) if key_segment else None
        if key_segment and hex_key is None:
            raise KeystoreError(400, "Invalid key predicate")
        base = ctx.landscape.cpi(tenant["subdomain"]) + "/api/v1"
        if req.method == "GET":
            problem = require(caller, READ)
            if problem:
                return problem
            return _read(req, keystore, keystore_name, entity_set, hex_key, tail, base)
        problem = require(caller, SECURITY)
        if problem:
            return problem
        if ctx.knobs.take(
            "keystore_locked", host="cpi", method=req.method, path=req.path, subdomain=tenant["subdomain"]
        ):
            status = 423 if entity_set == "RSAKeyGenerationRequests" else 503
            raise KeystoreError(status, LOCKED)
        return _write(req, caller, keystore, keystore_name, entity_set, hex_key, tail, base)
    except KeystoreError as exc:
        return exc.response


def _entry(keystore: dict, hex_key: str) -> tuple[str, dict]:
    alias = alias_from_hex(hex_key)
    entry = keystore.get(hex_key.upper())
    if entry is None:
        raise not_found(alias)
    return alias, entry


def _read(req, keystore, keystore_name, entity_set, hex_key, tail, base) -> Response:
    if entity_set != "KeystoreEntries":
        raise KeystoreError(405, "Method not allowed")
    if hex_key is None:
        results = [entity(e, base, keystore_name) for e in keystore.values()]
        select = [s.strip() for s in (req.arg("$select") or "").split(",") if s.strip()]
        if select:
            results = [{k: v for k, v in r.items() if k in select or k == "__metadata"} for r in results]
        return odata.collection(req, results)
    alias, entry = _entry(keystore, hex_key)
    certs = [certutil.load_certificates(p)[0] for p in entry["chain"]]
    if tail in (None, ""):
        return odata.entity(req, entity(entry, base, keystore_name))
    if tail == "Certificate/$value":
        text = certutil.pem(certs[0])
        if _flag(req, "rootCA") and len(certs) > 1:
            text += certutil.pem(certs[-1])
        return Response(200, text.encode(), [("Content-Type", "application/pkix-cert")])
    if tail == "ChainCertificates":
        return odata.collection(req, chain_entities(entry))
    if tail == "ChainResource/$value":
        data = pkcs7.serialize_certificates(certs, serialization.Encoding.DER)
        return Response(200, data, [("Content-Type", "application/pkcs7-mime")])
    if tail == "SigningRequest/$value":
        if entry["type"] != "Key Pair":
            raise KeystoreError(400, f"Alias '{alias}' does not represent a Key Pair")
        if entry["owner"] == "SAP" or alias in ("id_rsa", "id_dsa"):
            raise KeystoreError(400, f"A signing request cannot be created for alias '{alias}'")
        csr = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(certs[0].subject)
            .sign(private_key(entry), hashes.SHA256())
        )
        return Response(
            200, csr.public_bytes(serialization.Encoding.PEM), [("Content-Type", "application/pkcs10")]
        )
    raise KeystoreError(404, f"Resource not found for the segment '{tail}'.")


def _write(req, caller, keystore, keystore_name, entity_set, hex_key, tail, base) -> Response:
    actor = caller["clientid"]
    if entity_set == "KeystoreEntries" and hex_key is not None and not tail:
        if req.method == "DELETE":
            alias = alias_from_hex(hex_key)
            if is_reserved(alias):
                raise KeystoreError(403, f"Alias '{alias}' is reserved for SAP-owned keystore entries")
            _entry(keystore, hex_key)
            keystore.pop(hex_key.upper())
            return _done(req, [], base, keystore_name)
        if req.method == "PUT" and req.arg("renameAlias") is not None:
            return _rename(req, keystore, hex_key, actor, base, keystore_name)
    if (
        entity_set == "CertificateResources"
        and hex_key is not None
        and tail == "$value"
        and req.method == "PUT"
    ):
        return _upload_certificate(req, keystore, hex_key, actor, base, keystore_name)
    if (
        entity_set == "CertificateChainResources"
        and hex_key is not None
        and tail == "$value"
        and req.method == "PUT"
    ):
        return _import_chain(req, keystore, hex_key, actor, base, keystore_name)
    if entity_set == "KeyPairGenerationRequests" and hex_key is None and req.method == "POST":
        return _generate(req, keystore, actor, base, keystore_name)
    if entity_set == "KeyPairResources" and hex_key is None and req.method == "POST":
        return _import_pkcs12(req, keystore, actor, base, keystore_name)
    if entity_set == "RSAKeyGenerationRequests" and hex_key is None and req.method == "POST":
        return _rsa_key_request(req, keystore, actor, base, keystore_name)
    raise KeystoreError(405, "Method not allowed")


def _done(req, entries: list[dict], base: str, keystore_name: str) -> Response:
    if _flag(req, "returnKeystoreEntries"):
        return odata.collection(req, [entity(e, base, keystore_name) for e in entries])
    return empty(204)


def _store(keystore: dict, entry: dict) -> None:
    total = sum(entry_size(e) for key, e in keystore.items() if key != hexalias(entry["alias"]))
    if total + entry_size(entry) > KEYSTORE_LIMIT:
        raise KeystoreError(413, "The keystore would exceed its maximum size of 6 MB")
    keystore[hexalias(entry["alias"])] = entry


def _existence(keystore: dict, alias: str, update: bool) -> dict | None:
    existing = keystore.get(hexalias(alias))
    if existing is not None and not update:
        raise KeystoreError(400, f'Keystore entry with alias "{alias}" already exists')
    if existing is None and update:
        raise KeystoreError(400, f'Keystore entry with alias "{alias}" does not exist')
    return existing


def _not_trusted(req, cert, alias: str, base: str, keystore_name: str) -> Response:
    record = make_entry(alias, [certutil.pem(cert)], None)
    record["validity"] = "notTrusted"
    return (
        odata.payload(req, 409, {"d": entity(record, base, keystore_name)})
        if odata.wants_json(req)
        else odata.error(409, "Trust path cannot be built for the certificate")
    )


def _upload_certificate(req, keystore, hex_key, actor, base, keystore_name) -> Response:
    alias = alias_from_hex(hex_key)
    check_alias(alias)
    if len(req.body) > CERT_BODY_LIMIT:
        raise KeystoreError(413, "The certificate exceeds the maximum size of 10 kB")
    try:
        certs = certutil.load_certificates(req.body)
    except ValueError:
        raise KeystoreError(415, "The content is not an X.509 certificate (DER, PEM or base64)") from None
    existing = _existence(keystore, alias, _flag(req, "update"))
    cert = certs[0]
    if not _flag(req, "fingerprintVerified") and not trusted(keystore, [cert]):
        return _not_trusted(req, cert, alias, base, keystore_name)
    entry = make_entry(alias, [certutil.pem(cert)], None, actor=actor)
    if existing:
        entry.update(created=existing["created"], created_by=existing["created_by"])
    _store(keystore, entry)
    return _done(req, [entry], base, keystore_name)


def _read_chain(req) -> list:
    if len(req.body) > CHAIN_BODY_LIMIT:
        raise KeystoreError(413, "The certificate chain exceeds the maximum size of 30072 bytes")
    try:
        return certutil.load_certificates(req.body)
    except ValueError:
        raise KeystoreError(415, "The content is not a certificate chain (PKCS#7, PkiPath or PEM)") from None


def _import_chain(req, keystore, hex_key, actor, base, keystore_name) -> Response:
    alias, entry = _entry(keystore, hex_key)
    if is_reserved(alias):
        check_alias(alias)
    certs = _read_chain(req)
    if entry["type"] != "Key Pair":
        raise KeystoreError(400, f"Alias '{alias}' does not represent a Key Pair")
    if not certutil.same_public_key(private_key(entry), certs[0]):
        raise KeystoreError(400, f"The certificate chain does not match the key pair of alias '{alias}'")
    for child, parent in zip(certs, certs[1:], strict=False):
        if not certutil.issued_by(child, parent):
            raise KeystoreError(400, "The certificates do not form a chain (each must be issued by the next)")
    if not _flag(req, "fingerprintVerified") and not trusted(keystore, certs):
        return _not_trusted(req, certs[-1], alias, base, keystore_name)
    entry.update(chain=[certutil.pem(c) for c in certs], modified=now_ms(), modified_by=actor)
    _store(keystore, entry)
    return _done(req, [entry], base, keystore_name)


def _rename(req, keystore, hex_key, actor, base, keystore_name) -> Response:
    alias, entry = _entry(keystore, hex_key)
    check_alias(alias)
    target = req.arg("renameAlias") or ""
    check_alias(target)
    if hexalias(target) in keystore:
        raise KeystoreError(400, f'Keystore entry with alias "{target}" already exists')
    keystore.pop(hex_key.upper())
    entry.update(alias=target, modified=now_ms(), modified_by=actor)
    keystore[hexalias(target)] = entry
    return empty(204)


def _dn_fields(body: dict) -> x509.Name:
    fields = [
        ("Country", x509.NameOID.COUNTRY_NAME),
        ("State", x509.NameOID.STATE_OR_PROVINCE_NAME),
        ("Locality", x509.NameOID.LOCALITY_NAME),
        ("Organization", x509.NameOID.ORGANIZATION_NAME),
        ("OrganizationUnit", x509.NameOID.ORGANIZATIONAL_UNIT_NAME),
        ("CommonName", x509.NameOID.COMMON_NAME),
        ("Email", x509.NameOID.EMAIL_ADDRESS),
    ]
    attributes = []
    for field, oid in fields:
        value = body.get(field)
        if value in (None, ""):
            continue
        if not isinstance(value, str) or len(value) > 500:
            raise KeystoreError(400, f"Property '{field}' must be a string of at most 500 characters")
        attributes.append(x509.NameAttribute(oid, value))
    return x509.Name(attributes)


def _require_dn(body: dict) -> None:
    if not isinstance(body.get("CommonName"), str) or not body["CommonName"].strip():
        raise KeystoreError(400, "Property 'CommonName' must not be empty")
    country = body.get("Country")
    if not isinstance(country, str) or len(country) != 2:
        raise KeystoreError(400, "Property 'Country' must consist of exactly 2 characters")


def _validity(body: dict) -> tuple[dt.datetime, dt.datetime]:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        start = certutil.parse_sap_date(body["ValidNotBefore"]) if body.get("ValidNotBefore") else now
        end = (
            certutil.parse_sap_date(body["ValidNotAfter"])
            if body.get("ValidNotAfter")
            else start + dt.timedelta(days=3 * 365)
        )
    except ValueError as exc:
        raise KeystoreError(400, str(exc)) from None
    if end <= start:
        raise KeystoreError(400, "ValidNotAfter must be later than ValidNotBefore")
    return start, end


def _new_private_key(body: dict):
    key_type = (body.get("KeyType") or "RSA").upper()
    size = body.get("KeySize")
    if size is not None and not isinstance(size, int):
        raise KeystoreError(400, "Property 'KeySize' must be an integer")
    if key_type == "RSA":
        size = size or 4096
        if size not in (1024, 2048, 3072, 4096, 8192):
            raise KeystoreError(400, f"Unsupported RSA key size {size}")
        return key_type, rsa_key(size)
    if key_type == "EC":
        parameter = body.get("KeyAlgorithmParameter")
        curve = CURVES.get(str(parameter).lower()) if parameter else CURVE_BY_SIZE.get(size or 256)
        if curve is None:
            raise KeystoreError(400, f"Unsupported elliptic curve {parameter or size}")
        return key_type, ec.generate_private_key(curve())
    if key_type == "DSA":
        size = size or 2048
        if size not in (1024, 2048, 3072):
            raise KeystoreError(400, f"Unsupported DSA key size {size}")
        return key_type, dsa.generate_private_key(key_size=size)
    raise KeystoreError(400, f"Unsupported key type '{key_type}'. Allowed: RSA, DSA, EC")


def _signature_hash(body: dict, key_type: str):
    default = {"RSA": "SHA-512/RSA", "EC": "SHA-512/ECDSA", "DSA": "SHA-256/DSA"}[key_type]
    spelled = body.get("SignatureAlgorithm") or default
    found = SIGNATURES.get(str(spelled).upper())
    wanted_kind = {"RSA": "RSA", "EC": "ECDSA", "DSA": "DSA"}[key_type]
    if found is None or found[1] != wanted_kind:
        raise KeystoreError(400, f"Unsupported signature algorithm '{spelled}' for key type {key_type}")
    return HASHES[found[0]]()


def _generate(req, keystore, actor, base, keystore_name) -> Response:
    body = odata.body_json(req)
    if body is None:
        raise KeystoreError(400, "An exception of type 'MalformedJsonException' occurred.")
    alias = body.get("Alias")
    if not isinstance(alias, str) or not alias:
        raise KeystoreError(400, "Property 'Alias' must not be empty")
    check_alias(alias)
    _require_dn(body)
    _existence(keystore, alias, update=False)
    key_type, key = _new_private_key(body)
    algorithm = _signature_hash(body, key_type)
    start, end = _validity(body)
    name = _dn_fields(body)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, algorithm)
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    entry = make_entry(alias, [certutil.pem(cert)], pem_key, actor=actor)
    _store(keystore, entry)
    return _done(req, [entry], base, keystore_name)


def _import_pkcs12(req, keystore, actor, base, keystore_name) -> Response:
    if len(req.body) > CHAIN_BODY_LIMIT:
        raise KeystoreError(413, "The key pair exceeds the maximum size of 30072 bytes")
    body = odata.body_json(req)
    if body is None:
        raise KeystoreError(400, "An exception of type 'MalformedJsonException' occurred.")
    alias = body.get("Alias")
    if not isinstance(alias, str) or not alias:
        raise KeystoreError(400, "Property 'Alias' must not be empty")
    check_alias(alias)
    existing = _existence(keystore, alias, _flag(req, "update"))
    try:
        blob = base64.b64decode(body.get("Resource") or "", validate=True)
    except (ValueError, binascii.Error):
        raise KeystoreError(415, "The resource is not a PKCS#12 key store") from None
    password = body.get("Password")
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(blob, password.encode() if password else None)
    except ValueError as exc:
        if "password" in str(exc).lower() or "mac" in str(exc).lower():
            raise KeystoreError(400, "The password of the PKCS#12 key store is wrong") from None
        raise KeystoreError(415, "The resource is not a PKCS#12 key store") from None
    if key is None or cert is None:
        raise KeystoreError(400, "The PKCS#12 key store holds no key pair")
    chain = [cert] + list(extra or [])
    if not certutil.same_public_key(key, cert):
        raise KeystoreError(400, "The certificate does not match the private key")
    if (
        not _flag(req, "fingerprintVerified")
        and not certutil.is_self_signed(chain[-1])
        and not trusted(keystore, chain)
    ):
        return _not_trusted(req, chain[-1], alias, base, keystore_name)
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    entry = make_entry(alias, [certutil.pem(c) for c in chain], pem_key, actor=actor)
    if existing:
        entry.update(created=existing["created"], created_by=existing["created_by"])
    _store(keystore, entry)
    return _done(req, [entry], base, keystore_name)


def _rsa_key_request(req, keystore, actor, base, keystore_name) -> Response:
    body = odata.body_json(req)
    if body is None:
        raise KeystoreError(400, "An exception of type 'MalformedJsonException' occurred.")
    alias = body.get("Alias")
    if not isinstance(alias, str) or not alias:
        raise KeystoreError(400, "Property 'Alias' must not be empty")
    check_alias(alias)
    _require_dn(body)
    _existence(keystore, alias, update=False)
    try:
        text = base64.b64decode(body.get("RSAFile") or "", validate=True)
        if len(text) > 10000:
            raise KeystoreError(413, "The RSA key file exceeds 10000 bytes")
        key = serialization.load_pem_private_key(text, password=None)
    except (ValueError, binascii.Error, TypeError):
        raise KeystoreError(400, "The RSA key file is not a valid PKCS#1 PEM private key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeystoreError(400, "The RSA key file is not a valid PKCS#1 PEM private key")
    algorithm = _signature_hash(body, "RSA")
    start, end = _validity(body)
    name = _dn_fields(body)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .sign(key, algorithm)
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    entry = make_entry(alias, [certutil.pem(cert)], pem_key, actor=actor)
    _store(keystore, entry)
    return _done(req, [entry], base, keystore_name)
