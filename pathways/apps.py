"""App configuration: registers the system checks."""

from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "pathways"
    verbose_name = "AuthWizard pathways"

    def ready(self) -> None:
        from authwizard.celery import ensure_broker_folders
        from pathways import checks  # noqa: F401  (registers the checks)

        ensure_broker_folders()
