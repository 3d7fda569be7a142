"""Secrets at rest: MultiFernet encryption with rotating keys (redaction lives in `pathways.redact`).

Keys come from AUTHWIZARD_ENCRYPTION_KEYS (comma separated, newest first). Only the local run command
(AUTHWIZARD_LOCAL) generates one, into var/encryption.key; everywhere else a missing key stops start-up.
"""

from functools import cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class VaultError(Exception):
    """The vault cannot encrypt or decrypt: keys missing, malformed, or not the ones used to encrypt."""


def _local_key_file() -> Path:
    return Path(settings.VAR_DIR) / "encryption.key"


def configured_keys() -> list[str]:
    keys = list(settings.AUTHWIZARD_ENCRYPTION_KEYS)
    if keys:
        return keys
    if settings.AUTHWIZARD_LOCAL:
        return [_local_key(str(_local_key_file()))]
    return []


@cache
def _local_key(path_name: str) -> str:
    """The local run's key, generated on first use and then read once per process, not per secret."""
    path = Path(path_name)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode() + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def key_problems(keys: list[str]) -> list[str]:
    if not keys:
        return ["AUTHWIZARD_ENCRYPTION_KEYS is not set: secrets cannot be stored."]
    problems = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            problems.append(
                f"Key {position} of AUTHWIZARD_ENCRYPTION_KEYS is not a Fernet key "
                "(32 url-safe base64 bytes)."
            )
    return problems


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    problems = key_problems(list(keys))
    if problems:
        raise VaultError(" ".join(problems))
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(configured_keys()))


def encrypt(plain: str | bytes) -> str:
    data = plain.encode("utf-8") if isinstance(plain, str) else plain
    return fernet().encrypt(data).decode("ascii")


def decrypt_bytes(token: str) -> bytes:
    try:
        return fernet().decrypt(token.encode("ascii"))
    except InvalidToken:
        raise VaultError("A stored secret cannot be decrypted with the configured keys (was a key removed?).")


def decrypt(token: str) -> str:
    return decrypt_bytes(token).decode("utf-8")


def rotate(token: str) -> str:
    """Re-encrypt with the newest key (the first in the list)."""
    try:
        return fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise VaultError("A stored secret cannot be decrypted with the configured keys (was a key removed?).")
