"""Settings for the test suite: the production settings with test defaults filled in from the environment."""

import os
import tempfile

from cryptography.fernet import Fernet

os.environ.setdefault("AUTHWIZARD_TESTING", "1")
os.environ.setdefault("AUTHWIZARD_VAR_DIR", tempfile.mkdtemp(prefix="authwizard-test-"))
os.environ.setdefault("AUTHWIZARD_ENCRYPTION_KEYS", Fernet.generate_key().decode())
os.environ.setdefault("AUTHWIZARD_ALLOWED_HOSTS", "sandbox.localhost,*.sandbox.localhost")

from authwizard.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
