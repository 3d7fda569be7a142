"""Validation of what users type, by rule name, with the sentence shown beside the field.

Forms, the autosaving wizard and `manage.py landscape import` all validate through these functions.
"""

import re

from django.core.exceptions import ValidationError

NAME_CHARS = re.compile(r"^[A-Za-z0-9._-]+$")
RESERVED_ALIASES = ("hcicertificate", "hcimsgcertificate")
# Control characters and the invisible ones that reorder or hide text (bidi overrides, zero-width).
CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _name(value: str, what: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise ValidationError(f"Enter a {what}.")
    if len(value) > limit:
        raise ValidationError(f"A {what} has at most {limit} characters; this one has {len(value)}.")
    bad = sorted({c for c in value if not NAME_CHARS.match(c)})
    if bad:
        shown = " ".join(repr(c) for c in bad[:5])
        raise ValidationError(f"A {what} may contain only letters, digits, '.', '_' and '-'; remove {shown}.")
    return value


def btp_name(value: str) -> str:
    return _name(value, "BTP instance or key name", 32)


def artifact_name(value: str) -> str:
    return _name(value, "credential name", 150)


def alias(value: str) -> str:
    value = _name(value, "keystore alias", 250)
    lower = value.lower()
    if lower.startswith("hcicertificate") or lower == "hcimsgcertificate" or lower.startswith("sap_"):
        raise ValidationError(
            f"'{value}' is reserved for SAP's own keys (hcicertificate*, hcimsgcertificate, sap_*); "
            "choose another alias."
        )
    return value


def roles(value: str) -> str:
    items = [r.strip() for r in value.split(",") if r.strip()]
    if not items:
        raise ValidationError("Enter at least one role, e.g. ESBMessaging.send.")
    for role in items:
        if not NAME_CHARS.match(role):
            raise ValidationError(f"'{role}' is not a role name: use letters, digits, '.', '_' and '-'.")
    return ", ".join(items)


def _int_between(value: str, low: int, high: int, what: str) -> str:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(f"Enter {what} as a whole number between {low} and {high}.")
    if not low <= number <= high:
        raise ValidationError(f"{what.capitalize()} must be between {low} and {high}; {number} is not.")
    return str(number)


def token_validity(value: str) -> str:
    return _int_between(value, 3600, 86400, "the token validity in seconds")


def validity_days(value: str) -> str:
    return _int_between(value, 1, 365, "the validity in days")


def keypair_days(value: str) -> str:
    return _int_between(value, 1, 3650, "the validity in days")


def _text(value: str, what: str, limit: int, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise ValidationError(f"Enter the {what}.")
    if len(value) > limit:
        raise ValidationError(f"The {what} has at most {limit} characters; this one has {len(value)}.")
    if CONTROL.search(value):
        raise ValidationError(
            f"The {what} contains a control or invisible character (tab, line break, text direction…); "
            "remove it."
        )
    return value


def user(value: str) -> str:
    return _text(value, "user name", 255)


def password(value: str) -> str:
    if len(value) > 255:
        raise ValidationError(f"CPI accepts passwords of at most 255 characters; this one has {len(value)}.")
    if not value:
        raise ValidationError("Enter the password.")
    return value


def description(value: str) -> str:
    return _text(value, "description", 255, required=False)


def dn_value(value: str) -> str:
    return _text(value, "name", 64)


def country(value: str) -> str:
    value = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", value):
        raise ValidationError("Enter the country as two letters, e.g. DE.")
    return value


def landscape_name(value: str) -> str:
    return _text(value, "landscape name", 80)


def host_name(value: str) -> str:
    value = value.strip().lower()
    if not value:
        return value
    if "://" in value or "/" in value:
        raise ValidationError(
            "Enter only the host name, e.g. my400000.s4hana.ondemand.com (no https://, no path)."
        )
    if not re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?", value):
        raise ValidationError(f"'{value}' is not a host name.")
    from pathways import netguard

    try:
        netguard.check_host(value)  # people type it into their systems: public, or allow-listed
    except netguard.UnsafeURL as error:
        raise ValidationError(str(error)) from error
    return value


def endpoint_path(value: str) -> str:
    value = value.strip()
    if not re.fullmatch(r"/(http|cxf)/[A-Za-z0-9._~\-/*]+", value):
        raise ValidationError("Enter the iFlow address under /http/ or /cxf/, e.g. /http/authwizard/ping.")
    if any(segment in (".", "..") for segment in value.split("/")):
        raise ValidationError("The iFlow address may not contain '.' or '..' segments.")
    return value


def package_ids(value: str) -> str:
    """Integration package ids, comma separated: technical ids as CPI shows them (letters, digits, . _ -)."""
    ids = [part.strip() for part in value.replace("\n", ",").split(",") if part.strip()]
    for package_id in ids:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,99}", package_id):
            raise ValidationError(
                f"'{package_id[:100]}' is not an integration package id: letters, digits, '.', '_' and '-', "
                "as CPI shows it under the package's Overview → Technical Name."
            )
    joined = ", ".join(dict.fromkeys(ids))
    if len(joined) > 500:
        raise ValidationError("Name at most 500 characters of package ids.")
    return joined


RULES = {
    "btp_name": btp_name,
    "artifact_name": artifact_name,
    "alias": alias,
    "roles": roles,
    "token_validity": token_validity,
    "validity_days": validity_days,
    "keypair_days": keypair_days,
    "user": user,
    "password": password,
    "description": description,
    "dn_value": dn_value,
    "country": country,
}


def register(name, function) -> None:
    """Rules that need other modules (certificates) register themselves here."""
    RULES[name] = function


def _certificate(value: str, purpose: str) -> str:
    from django.utils import timezone

    from pathways import certs

    try:
        parsed = certs.parse_certificates(value.encode("utf-8"))
    except certs.CertificateError as error:
        raise ValidationError(str(error))
    findings = certs.check_certificates(parsed, purpose, now=timezone.now())
    errors = [finding.message for finding in findings if finding.is_error]
    if errors:
        raise ValidationError(errors)
    return value


def client_certificate(value: str) -> str:
    return _certificate(value, "client_external")


def server_certificate(value: str) -> str:
    return _certificate(value, "server_trust")


def certificate_text(data: bytes) -> str:
    """An uploaded certificate file (PEM, DER, PKCS#7) as PEM text for the draft."""
    from pathways import certs

    try:
        parsed = certs.parse_certificates(data)
    except certs.CertificateError as error:
        raise ValueError(str(error))
    return certs.export_chain_pem(parsed).decode("ascii")


RULES["client_certificate"] = client_certificate
RULES["server_certificate"] = server_certificate
