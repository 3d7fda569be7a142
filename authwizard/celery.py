"""The Celery application: reads CELERY_* settings and finds tasks in installed apps."""

import os
from pathlib import Path

from celery import Celery

import authwizard.filebroker  # noqa: F401  (registers the atomicfs:// folder queue)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "authwizard.settings")

app = Celery("authwizard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ensure_broker_folders() -> None:
    """The embedded filesystem broker needs its folders before the first message is sent or read."""
    options = app.conf.broker_transport_options or {}
    if str(app.conf.broker_url).startswith(("filesystem", "atomicfs")):
        for key in ("data_folder_in", "data_folder_out", "control_folder"):
            if options.get(key):
                Path(options[key]).mkdir(parents=True, exist_ok=True)
