"""The Celery application: reads CELERY_* settings and finds tasks in installed apps."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "authwizard.settings")

app = Celery("authwizard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
