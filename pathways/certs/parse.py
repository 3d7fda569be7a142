"""Reads what consultants upload (PEM, DER, base64, PKCS#7, PKCS#12, keys) or refuses it in one sentence."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from pathways.runmemo import RunMemo
from pathways.wording import gettext as _
from pathways.wording import gettext_noop

from . import pkcs12_limits
from .chain import order_chain
from .describe import describe_certificate, describe_private_key
from .model import (
    MAX_CERTIFICATES,
    CertificateError,
    ParsedCertificates,
    PrivateKeyMaterial,
)

PRIVATE_KEY_PASTED = gettext_noop("This is a private key, not a certificate — never paste private keys here.")
PRIVATE_KEY_IN_BUNDLE = gettext_noop(
    "This file holds a private key as well as certificates — never paste private keys here; "
    "upload the certificates only."
)
WRONG_PKCS12_PASSPHRASE = gettext_noop(
    "The passphrase does not open this PKCS#12 file; check it and try again."
)
PKCS12_NEEDS_PASSPHRASE = gettext_noop(
    "This is a PKCS#12 file protected by a passphrase; enter the passphrase to open it."
)
NOT_A_CERTIFICATE_FILE = gettext_noop(
    "This is not a certificate file; upload PEM (-----BEGIN CERTIFICATE-----), DER (.cer/.crt), "
    "PKCS#7 (.p7b) or PKCS#12 (.p12/.pfx)."
)
PKCS12_DAMAGED = gettext_noop("This PKCS#12 file is damaged and cannot be read; export it again.")
DER_DAMAGED = gettext_noop(
    "This binary file is cut off or damaged, or it is neither a certificate nor a PKCS#7 chain; "
    "export it again as PEM or DER."
)
PKCS12_KEY_DROPPED = gettext_noop(
    "The PKCS#12 file also holds a private key; it is not needed here and was not kept."
)
CERTIFICATE_NOT_KEY = gettext_noop("This is a certificate, not a private key; paste the private key here.")
UNREADABLE = gettext_noop(
    "This file could not be read as a certificate; export it again as PEM or DER and upload that."
)

PEM_BEGIN = re.compile(r"-----BEGIN ([A-Z0-9 #._]{1,40})-----")
BASE64_TEXT = re.compile(rb"[A-Za-z0-9+/=\s]+")
CERTIFICATE_LABELS = {"CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"}
PKCS7_LABELS = {"PKCS7", "PKCS #7 SIGNED DATA", "CMS"}
CSR_LABELS = {"CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"}
PUBLIC_KEY_LABELS = {"PUBLIC KEY", "RSA PUBLIC KEY"}
SYSTEM_EXITS = (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError)


@dataclass
class _Read:
    certificates: list[x509.Certificate]
    source_format: str
    private_key: PrivateKeyTypes | None = None


def _as_bytes(data: bytes | bytearray | memoryview | str) -> bytes:
    if isinstance(data, str):
        return data.encode("utf-8", errors="replace")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise CertificateError(_(NOT_A_CERTIFICATE_FILE))
    raw = bytes(data)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # PEM saved as "Unicode" by Windows editors
        try:
            return raw.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return raw
    return raw


def _passphrase_bytes(passphrase: str | bytes | None) -> bytes | None:
    if passphrase is None or passphrase in ("", b""):
        return None
    return passphrase.encode("utf-8") if isinstance(passphrase, str) else bytes(passphrase)


def _check_size(raw: bytes) -> None:
    if not raw.strip():
        raise CertificateError(_("The upload is empty; choose the certificate file or paste its PEM text."))
    from pathways.upload_limit import file_limit  # the one upload limit (AUTHWIZARD_MAX_UPLOAD_BYTES)

    if len(raw) > file_limit():
        raise CertificateError(
            _(
                "The upload is %(value)s kB; certificate files are a few kilobytes, so this is "
                "probably not the right file."
            )
            % {"value": len(raw) // 1024}
        )


def _pem_text(raw: bytes) -> str:
    text = raw.decode("latin-1").lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if "\\n" in text:  # PEM copied out of a JSON service key keeps literal \n escapes
        text = text.replace("\\n", "\n")
    return text


def _der_length(raw: bytes, start: int = 0) -> int | None:
    """Total length of the DER element at `start` (header + content), or None if it is not one."""
    if len(raw) < start + 2 or raw[start] != 0x30:
        return None
    first = raw[start + 1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if count == 0 or count > 4 or len(raw) < start + 2 + count:
        return None
    return 2 + count + int.from_bytes(raw[start + 2 : start + 2 + count], "big")


def _header_length(raw: bytes, start: int) -> int | None:
    """Length of the tag+length header at `start` (BER indefinite length allowed), or None."""
    if len(raw) < start + 2:
        return None
    first = raw[start + 1]
    return 2 + (first & 0x7F if first > 0x80 else 0)


def _looks_like_pkcs12(raw: bytes) -> bool:
    """A SEQUENCE whose first element is INTEGER 3: the PFX version of a PKCS#12 file."""
    header = _header_length(raw, 0)
    return raw[:1] == b"\x30" and header is not None and raw[header : header + 3] == b"\x02\x01\x03"


def _split_der(raw: bytes) -> list[bytes] | None:
    """Concatenated DER elements (trailing whitespace or NUL padding allowed), or None."""
    parts, position, end = [], 0, len(raw.rstrip(b" \t\r\n\x00"))
    while position < end:
        length = _der_length(raw, position)
        if length is None or position + length > len(raw):
            return None
        parts.append(raw[position : position + length])
        if len(parts) > MAX_CERTIFICATES:
            raise CertificateError(_too_many(len(parts)))
        position += length
    return parts or None


def _decode_base64(body: str, block_number: int) -> bytes:
    lines = [line for line in body.strip().split("\n") if ":" not in line]  # skip RFC 1421 headers
    try:
        return base64.b64decode("".join("".join(lines).split()), validate=True)
    except (binascii.Error, ValueError):
        raise CertificateError(
            _(
                "PEM block %(block_number)s is damaged (its base64 text is broken); copy it again "
                "without changes."
            )
            % {"block_number": block_number}
        )


def _first_der_element(der: bytes) -> bytes:
    length = _der_length(der)
    return der[:length] if length is not None else der


def _load_der_certificate(der: bytes, block_number: int) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(der)
    except Exception:
        raise CertificateError(
            _(
                "Certificate %(block_number)s is damaged and cannot be read; copy or export it again "
                "without changes."
            )
            % {"block_number": block_number}
        )


def _pem_blocks(text: str) -> list[tuple[str, str]]:
    """(label, base64 body) of each PEM block, scanning the text once; a block without END is refused."""
    blocks: list[tuple[str, str]] = []
    position = 0
    while (begin := PEM_BEGIN.search(text, position)) is not None:
        label = begin.group(1)
        end_marker = f"-----END {label}-----"
        end = text.find(end_marker, begin.end())
        if end < 0:
            raise CertificateError(
                _(
                    "The PEM text is cut off: '%(end_marker)s' is missing. Copy the whole block, from"
                    " -----BEGIN to -----END."
                )
                % {"end_marker": end_marker}
            )
        blocks.append((label, text[begin.end() : end]))
        if len(blocks) > MAX_CERTIFICATES:
            raise CertificateError(_too_many(len(blocks)))
        position = end + len(end_marker)
    if not blocks:
        raise CertificateError(_(NOT_A_CERTIFICATE_FILE))
    return blocks


def _too_many(count: int) -> str:
    more = _("more than ") if count > MAX_CERTIFICATES else ""
    return _(
        "This holds %(more)s%(min)s certificates; a chain has only a few. Upload just the "
        "certificate and the CAs that issued it."
    ) % {"more": more, "min": min(count, MAX_CERTIFICATES)}


def _read_pem(text: str) -> _Read:
    blocks = _pem_blocks(text)
    labels = [label for label, _ in blocks]
    has_certificates = any(label in CERTIFICATE_LABELS | PKCS7_LABELS for label in labels)
    if any("PRIVATE KEY" in label for label in labels):
        raise CertificateError(_(PRIVATE_KEY_IN_BUNDLE) if has_certificates else _(PRIVATE_KEY_PASTED))
    if not has_certificates:
        raise CertificateError(_refusal_for_label(labels[0]))
    certificates: list[x509.Certificate] = []
    used_pkcs7 = False
    for number, (label, body) in enumerate(blocks, start=1):
        if label in CERTIFICATE_LABELS:
            der = _decode_base64(body, number)
            if label == "TRUSTED CERTIFICATE":  # OpenSSL appends trust settings after the certificate
                der = _first_der_element(der)
            certificates.append(_load_der_certificate(der, number))
        elif label in PKCS7_LABELS:
            certificates.extend(_load_pkcs7(_decode_base64(body, number)))
            used_pkcs7 = True
    return _Read(certificates, _("PKCS#7 (PEM)") if used_pkcs7 else "PEM")


def _refusal_for_label(label: str) -> str:
    if label in CSR_LABELS:
        return _(
            "This is a certificate signing request (CSR), not a certificate; have it signed by "
            "your CA and upload the certificate the CA returns."
        )
    if label in PUBLIC_KEY_LABELS:
        return _("This is a bare public key, not a certificate; upload the certificate that contains it.")
    return _(
        "This PEM block is a '%(label)s', not a certificate; upload a -----BEGIN CERTIFICATE----- block."
    ) % {"label": label}


def _load_pkcs7(der: bytes) -> list[x509.Certificate]:
    try:
        certificates = pkcs7.load_der_pkcs7_certificates(der)
    except Exception:
        raise CertificateError(_("The PKCS#7 chain is damaged and cannot be read; export it again."))
    if not certificates:
        raise CertificateError(_("The PKCS#7 file holds no certificate."))
    return list(certificates)


def _read_pkcs12(raw: bytes, passphrase: bytes | None) -> _Read:
    attempts = [passphrase, None, b""] if passphrase is not None else [None, b""]
    refusal = pkcs12_limits.refusal(raw, attempts=len(attempts))  # read before anything is decrypted
    if refusal:
        raise CertificateError(refusal)
    damaged = False
    for attempt in attempts:
        try:
            loaded = pkcs12.load_pkcs12(raw, attempt)
        except Exception as failure:  # each wrong passphrase raises; try the next one
            damaged = damaged or "deserialize" in str(failure).lower()
            continue
        certificates = [loaded.cert.certificate] if loaded.cert is not None else []
        certificates += [extra.certificate for extra in loaded.additional_certs]
        if not certificates:
            raise CertificateError(_("This PKCS#12 file holds no certificate, only a key."))
        return _Read(certificates, "PKCS#12", loaded.key)
    if damaged:
        raise CertificateError(_(PKCS12_DAMAGED))
    raise CertificateError(
        _(WRONG_PKCS12_PASSPHRASE) if passphrase is not None else _(PKCS12_NEEDS_PASSPHRASE)
    )


def _is_private_key_der(raw: bytes) -> bool:
    try:
        serialization.load_der_private_key(raw, None)
        return True
    except TypeError:  # an encrypted private key asks for a password
        return True
    except Exception:
        return False


def _refusal_for_der(raw: bytes) -> str:
    if _is_private_key_der(raw):
        return _(PRIVATE_KEY_PASTED)
    try:
        x509.load_der_x509_csr(raw)
        return _refusal_for_label("CERTIFICATE REQUEST")
    except Exception:  # noqa: S110 - not a CSR either; try the next kind
        pass
    try:
        serialization.load_der_public_key(raw)
        return _refusal_for_label("PUBLIC KEY")
    except Exception:
        return _(DER_DAMAGED)


def _read_der(raw: bytes, passphrase: bytes | None, source_format: str) -> _Read:
    if _looks_like_pkcs12(raw):
        return _read_pkcs12(raw, passphrase)
    elements = _split_der(raw)
    if elements is None:
        raise CertificateError(_(DER_DAMAGED))
    certificates = []
    for element in elements:
        try:
            certificates.append(x509.load_der_x509_certificate(element))
            continue
        except Exception:  # noqa: S110 - maybe PKCS#7 or something to refuse by name
            pass
        try:
            certificates.extend(pkcs7.load_der_pkcs7_certificates(element))
            source_format = _("PKCS#7 (DER)")
        except Exception:
            raise CertificateError(_refusal_for_der(element))
    if not certificates:
        raise CertificateError(_(NOT_A_CERTIFICATE_FILE))
    return _Read(certificates, source_format)


def _read_any(raw: bytes, passphrase: bytes | None) -> _Read:
    if b"-----BEGIN" in raw:
        return _read_pem(_pem_text(raw))
    if raw.lstrip(b"\xef\xbb\xbf").startswith((b"ssh-rsa ", b"ssh-ed25519 ", b"ecdsa-sha2-")):
        raise CertificateError(_("This is an SSH public key, not an X.509 certificate."))
    if raw[:1] == b"\x30":
        return _read_der(raw, passphrase, "DER")
    if BASE64_TEXT.fullmatch(raw):
        try:
            der = base64.b64decode(b"".join(raw.split()), validate=True)
        except (binascii.Error, ValueError):
            der = b""
        if der[:1] == b"\x30":
            read = _read_der(der, passphrase, _("base64 DER"))
            if read.source_format == "DER":
                read.source_format = _("base64 DER")
            return read
    raise CertificateError(_(NOT_A_CERTIFICATE_FILE))


_T = TypeVar("_T")

# What one run parsed, by a digest of the input: a run reads each certificate and PKCS#12 once.
_Parsed = tuple[ParsedCertificates, PrivateKeyTypes | None]
_parsed_in_run: RunMemo[bytes, _Parsed | CertificateError] = RunMemo("parsed_in_run")


def parsed_once() -> AbstractContextManager[None]:
    """Within this block (a run), parsing the same input again returns the first result (or refusal)."""
    return _parsed_in_run.block()


def parse_certificates(
    data: bytes | bytearray | memoryview | str,
    passphrase: str | bytes | None = None,
    *,
    keep_private_key: bool = False,
) -> ParsedCertificates:
    """Any certificate upload → ParsedCertificates (chain leaf first); raises only CertificateError.

    A PKCS#12 file's private key is returned only with keep_private_key=True, else dropped with a note.
    A private key on its own or beside PEM certificates is refused, never read as a certificate.
    Inside `parsed_once()` each input is parsed once.
    """
    seen = _parsed_in_run.get()
    if seen is None:
        parsed, key = _parse_certificates(data, passphrase)
    else:
        digest = hashlib.sha256()
        for part in (_as_bytes(data), _passphrase_bytes(passphrase) or b""):
            digest.update(hashlib.sha256(part).digest())
        name = digest.digest()
        if name not in seen:
            try:
                seen[name] = _parse_certificates(data, passphrase)
            except CertificateError as error:
                seen[name] = error
        found = seen[name]
        if isinstance(found, CertificateError):
            raise CertificateError(str(found))
        parsed, key = found
    if key is None:
        return parsed
    if keep_private_key:
        return replace(parsed, private_key=_guarded(lambda: describe_private_key(key)))
    return replace(parsed, notes=(*parsed.notes, _(PKCS12_KEY_DROPPED)))


def _parse_certificates(
    data: bytes | bytearray | memoryview | str, passphrase: str | bytes | None
) -> _Parsed:
    """The upload's certificates, and the private key it held (if any) still to be kept or dropped."""

    def parse() -> _Parsed:
        raw = _as_bytes(data)
        _check_size(raw)
        read = _read_any(raw, _passphrase_bytes(passphrase))
        if len(read.certificates) > MAX_CERTIFICATES:
            raise CertificateError(_too_many(len(read.certificates)))
        infos = [describe_certificate(cert) for cert in read.certificates]
        chain, order, notes = order_chain(infos)
        return ParsedCertificates(chain, read.source_format, order, len(raw), tuple(notes)), read.private_key

    return _guarded(parse)


def _guarded(work: Callable[[], _T]) -> _T:
    """`work()`, with anything but a CertificateError (or an exit) turned into the unreadable-file refusal."""
    try:
        return work()
    except CertificateError:
        raise
    except SYSTEM_EXITS:
        raise
    except BaseException:  # cryptography's Rust layer can raise outside Exception (PanicException)
        raise CertificateError(UNREADABLE) from None


def _key_from_pem(text: str, passphrase: bytes | None) -> PrivateKeyTypes:
    all_blocks = _pem_blocks(text)
    blocks = [(label, body) for label, body in all_blocks if "PRIVATE KEY" in label]
    if not blocks:
        if any(label in CERTIFICATE_LABELS for label, _ in all_blocks):
            raise CertificateError(_(CERTIFICATE_NOT_KEY))
        raise CertificateError(_("No private key found; paste a -----BEGIN PRIVATE KEY----- block."))
    if len(blocks) > 1:
        raise CertificateError(_("This holds several private keys; paste exactly one."))
    label, body = blocks[0]
    block = f"-----BEGIN {label}-----{body}-----END {label}-----\n".encode("latin-1")
    if label == "OPENSSH PRIVATE KEY":
        return _with_passphrase(lambda pw: serialization.load_ssh_private_key(block, pw), passphrase)
    return _with_passphrase(lambda pw: serialization.load_pem_private_key(block, pw), passphrase)


def _with_passphrase(
    load: Callable[[bytes | None], PrivateKeyTypes], passphrase: bytes | None
) -> PrivateKeyTypes:
    try:
        return load(passphrase)
    except TypeError:
        if passphrase is None:
            raise CertificateError(_("This private key is encrypted; enter its passphrase."))
        return load(None)  # a passphrase was given for a key that has none
    except ValueError:
        if passphrase is not None:
            raise CertificateError(
                _("The passphrase does not open this private key; check it and try again.")
            )
        raise CertificateError(_("This private key is damaged or of an unsupported kind; export it again."))


def load_private_key(
    data: bytes | bytearray | memoryview | str, passphrase: str | bytes | None = None
) -> PrivateKeyMaterial:
    """A private key upload (PEM, encrypted PEM, DER, OpenSSH, PKCS#12) → unencrypted PKCS#8 PEM material."""
    try:
        raw = _as_bytes(data)
        _check_size(raw)
        password = _passphrase_bytes(passphrase)
        if b"-----BEGIN" in raw:
            key = _key_from_pem(_pem_text(raw), password)
        elif _looks_like_pkcs12(raw):
            read = _read_pkcs12(raw, password)
            if read.private_key is None:
                raise CertificateError(_("This PKCS#12 file holds no private key."))
            key = read.private_key
        elif raw[:1] == b"\x30":
            try:
                x509.load_der_x509_certificate(raw)
                raise CertificateError(_(CERTIFICATE_NOT_KEY))
            except CertificateError:
                raise
            except Exception:
                key = _with_passphrase(lambda pw: serialization.load_der_private_key(raw, pw), password)
        else:
            raise CertificateError(_("No private key found; paste a -----BEGIN PRIVATE KEY----- block."))
        return describe_private_key(key)
    except CertificateError:
        raise
    except SYSTEM_EXITS:
        raise
    except BaseException:
        raise CertificateError(_("This private key could not be read; export it again as PEM.")) from None
