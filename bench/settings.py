"""Settings for benchmark runs: the test settings, with job and deployment polls in milliseconds."""

from authwizard.test_settings import *  # noqa: F403

AUTHWIZARD_JOB_POLL_SECONDS = 0.01
AUTHWIZARD_JOB_POLL_MAX_SECONDS = 0.02
AUTHWIZARD_DEPLOY_POLL_SECONDS = 0.01
AUTHWIZARD_RETRY_BASE_SECONDS = 0.01
# Its own queue, so a test session's worker on the same Redis cannot take (and lose) the benchmark's tasks.
CELERY_TASK_DEFAULT_QUEUE = "authwizard-bench"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"handlers": [], "level": "ERROR"}}
