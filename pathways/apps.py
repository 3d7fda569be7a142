"""App configuration: registers the system checks."""

from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "pathways"
    verbose_name = "AuthWizard pathways"

    def ready(self) -> None:
        from pathways import checks  # noqa: F401  (registers the checks)
