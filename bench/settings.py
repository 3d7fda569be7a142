"""Settings for benchmark runs: the shipped settings (polling, retries, rate limits, Celery as in production),
with only what a throwaway run needs: keys made for the run, the sandbox's host names allowed, its own
Celery queue, one extra URL (a bare view to compare pages with) and quiet logs."""

import os
import tempfile

from cryptography.fernet import Fernet

os.environ.setdefault("AUTHWIZARD_VAR_DIR", tempfile.mkdtemp(prefix="authwizard-bench-var-"))
os.environ.setdefault("AUTHWIZARD_ENCRYPTION_KEYS", Fernet.generate_key().decode())
os.environ.setdefault("SECRET_KEY", "bench-only-" + Fernet.generate_key().decode())
os.environ.setdefault("AUTHWIZARD_ALLOWED_HOSTS", "sandbox.localhost,*.sandbox.localhost")

from authwizard.settings import *  # noqa: E402, F403

ROOT_URLCONF = "bench.urls"
# Its own queue, so a test session's worker on the same Redis cannot take (and lose) the benchmark's tasks.
CELERY_TASK_DEFAULT_QUEUE = "authwizard-bench"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"handlers": [], "level": "ERROR"}}
