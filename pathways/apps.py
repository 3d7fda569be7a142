"""App configuration: registers the system checks, the lockout audit and the language read at sign-in."""

from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "pathways"
    verbose_name = "AuthWizard pathways"

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, post_save
        from django.utils.translation import gettext, ngettext

        from authwizard.celery import ensure_broker_folders
        from pathways import (
            checks,  # noqa: F401  (registers the checks)
            wording,
        )
        from pathways.approval import withdraw_on_change
        from pathways.language import remember_at_login
        from pathways.models import Landscape, Pathway, Secret
        from pathways.models.secret import forget_kept
        from pathways.security import audit_lockout

        for model in (Landscape, Pathway, Secret):  # an approval is withdrawn when what it covers changes
            post_save.connect(withdraw_on_change, sender=model, dispatch_uid=f"withdraw-on-{model.__name__}")
        for signal in (post_save, post_delete):  # a run's kept secrets of that owner are read again
            signal.connect(forget_kept, sender=Secret, dispatch_uid=f"forget-kept-{signal is post_save}")
        ensure_broker_folders()
        wording.use(gettext, ngettext)  # certs/ and sap/ speak the reader's language without importing Django
        user_locked_out.connect(audit_lockout, dispatch_uid="authwizard-audit-lockout")
        user_logged_in.connect(remember_at_login, dispatch_uid="authwizard-language-at-login")
