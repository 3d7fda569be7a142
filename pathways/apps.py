"""App configuration: registers the system checks and the lockout audit."""

from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "pathways"
    verbose_name = "AuthWizard pathways"

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from authwizard.celery import ensure_broker_folders
        from pathways import checks  # noqa: F401  (registers the checks)
        from pathways.security import audit_lockout

        ensure_broker_folders()
        user_locked_out.connect(audit_lockout, dispatch_uid="authwizard-audit-lockout")
