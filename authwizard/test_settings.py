"""Settings for the test suite: the production settings with test defaults filled in from the environment."""

import os
import tempfile

from cryptography.fernet import Fernet

os.environ.setdefault("AUTHWIZARD_TESTING", "1")
os.environ.setdefault("AUTHWIZARD_VAR_DIR", tempfile.mkdtemp(prefix="authwizard-test-"))
os.environ.setdefault("AUTHWIZARD_ENCRYPTION_KEYS", Fernet.generate_key().decode())
os.environ.setdefault("AUTHWIZARD_BASE_URL", "https://authwizard.example.test")
os.environ.setdefault("AUTHWIZARD_ALLOWED_HOSTS", "sandbox.localhost,*.sandbox.localhost")

from authwizard.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not memory: a worker thread or process opens its own connection to the test database, as it
    # does in production. One file per pytest-xdist worker; WAL lets readers go on while one thread writes.
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(os.environ["AUTHWIZARD_VAR_DIR"], f"test-{_worker}.sqlite3")
    }
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"  # noqa: F405

if REDIS_URL:  # noqa: F405
    # Each pytest-xdist worker (and the worker processes its tests start) has its own keys in the Redis
    # database: queues, unacknowledged messages and control messages never cross to another test process.
    CELERY_BROKER_TRANSPORT_OPTIONS = {  # noqa: F405
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
        "global_keyprefix": f"authwizard-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}:",
    }
