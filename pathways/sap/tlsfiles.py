"""Client certificate and private key written to 0600 files in a private temporary directory for one call."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager


def _write_private(path: str, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(text)


@contextmanager
def client_certificate_files(certificate_pem: str, key_pem: str) -> Iterator[tuple[str, str]]:
    """Yield (certificate_path, key_path) for `requests`' `cert=`; the directory is removed afterwards."""
    directory = tempfile.mkdtemp(prefix="authwizard-tls-")
    try:
        os.chmod(directory, 0o700)
        certificate_path = os.path.join(directory, "client.pem")
        key_path = os.path.join(directory, "client.key")
        _write_private(certificate_path, certificate_pem)
        _write_private(key_path, key_pem)
        yield certificate_path, key_path
    finally:
        shutil.rmtree(directory, ignore_errors=True)
